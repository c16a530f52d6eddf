//! Success answers whose shape the OpenAPI document can see.

use actix_web::body::BoxBody;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, Responder};
use paperclip::actix::OperationModifier;
use paperclip::v2::models::{DefaultOperationRaw, DefaultSchemaRaw, Either, Header, Response};
use paperclip::v2::schema::Apiv2Schema;
use serde::Serialize;

use crate::ApiConfig;

/// Documents a wrapper of answers (`Wrapper<R>`) in the OpenAPI document as the
/// answer `R` it wraps: the same schema, the same responses.
macro_rules! documented_as_inner {
    ($wrapper:ident) => {
        impl<R: paperclip::v2::schema::Apiv2Schema> paperclip::v2::schema::Apiv2Schema
            for $wrapper<R>
        {
            fn name() -> Option<String> {
                R::name()
            }

            fn raw_schema() -> paperclip::v2::models::DefaultSchemaRaw {
                R::raw_schema()
            }
        }

        impl<R: paperclip::actix::OperationModifier> paperclip::actix::OperationModifier
            for $wrapper<R>
        {
            fn update_response(op: &mut paperclip::v2::models::DefaultOperationRaw) {
                R::update_response(op);
            }

            fn update_definitions(
                map: &mut std::collections::BTreeMap<
                    String,
                    paperclip::v2::models::DefaultSchemaRaw,
                >,
            ) {
                R::update_definitions(map);
            }
        }
    };
}
pub(crate) use documented_as_inner;

/// `201 Created` with the new resource's `Location` and its JSON.
#[derive(Debug)]
pub struct Created<T> {
    location: String,
    body: T,
}

impl<T> Created<T> {
    /// The resource `id` of `collection`, under the API prefix.
    pub fn at<E>(config: &ApiConfig, collection: &str, id: oms_domain::Id<E>, body: T) -> Self {
        Self {
            location: format!("{}/{collection}/{id}", config.prefix),
            body,
        }
    }
}

/// An answer written without looking at the request, so that it can also be
/// written where the request is not: as the answer kept for an idempotency key.
pub trait Answer {
    /// The response.
    fn into_response(self) -> HttpResponse;
}

impl<T: Serialize> Answer for Created<T> {
    fn into_response(self) -> HttpResponse {
        HttpResponse::Created()
            .insert_header((header::LOCATION, self.location))
            .json(self.body)
    }
}

impl<T: Serialize> Responder for Created<T> {
    type Body = BoxBody;

    fn respond_to(self, _req: &HttpRequest) -> HttpResponse {
        self.into_response()
    }
}

impl<T: Apiv2Schema> Apiv2Schema for Created<T> {
    fn name() -> Option<String> {
        T::name()
    }

    fn raw_schema() -> DefaultSchemaRaw {
        T::raw_schema()
    }
}

impl<T: Apiv2Schema> OperationModifier for Created<T> {
    fn update_response(op: &mut DefaultOperationRaw) {
        let location = Header {
            description: Some("The URL of the new resource".into()),
            data_type: Some(paperclip::v2::models::DataType::String),
            ..Default::default()
        };
        op.responses.insert(
            "201".into(),
            Either::Right(Response {
                description: Some("Created".into()),
                schema: Some({
                    let mut schema = T::schema_with_ref();
                    schema.retain_ref();
                    schema
                }),
                headers: [("Location".to_owned(), location)].into_iter().collect(),
            }),
        );
    }
}

/// `202 Accepted` with JSON: the work asked for will be done shortly.
#[derive(Debug)]
pub struct Accepted<T>(pub T);

impl<T: Serialize> Answer for Accepted<T> {
    fn into_response(self) -> HttpResponse {
        HttpResponse::Accepted().json(self.0)
    }
}

impl<T: Serialize> Responder for Accepted<T> {
    type Body = BoxBody;

    fn respond_to(self, _req: &HttpRequest) -> HttpResponse {
        self.into_response()
    }
}

impl<T: Apiv2Schema> Apiv2Schema for Accepted<T> {
    fn name() -> Option<String> {
        T::name()
    }

    fn raw_schema() -> DefaultSchemaRaw {
        T::raw_schema()
    }
}

impl<T: Apiv2Schema> OperationModifier for Accepted<T> {
    fn update_response(op: &mut DefaultOperationRaw) {
        op.responses.insert(
            "202".into(),
            Either::Right(Response {
                description: Some("Accepted".into()),
                schema: Some({
                    let mut schema = T::schema_with_ref();
                    schema.retain_ref();
                    schema
                }),
                headers: Default::default(),
            }),
        );
    }
}
