//! The one error type of the HTTP layer and its `{detail, code, field}` body.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use oms_domain::{InputError, InputErrorKind};
use oms_persistence::error::error_chain;
use oms_persistence::{Entity, StoreError};
use paperclip::actix::Apiv2Schema;
use paperclip::v2::models::DefaultSchemaRaw;
use paperclip::v2::schema::{Apiv2Errors, Apiv2Schema as _};
use serde::Serialize;

/// Machine-readable error codes of the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Apiv2Schema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    /// 400: malformed input or a broken value rule.
    ValidationError,
    /// 400: a status that is not one of the four states.
    InvalidStatus,
    /// 400: an update that names no field.
    EmptyUpdate,
    /// 404: no such user.
    UserNotFound,
    /// 404: no such product.
    ProductNotFound,
    /// 404: no such order.
    OrderNotFound,
    /// 404: no such route.
    NotFound,
    /// 405: the route exists, the method does not.
    MethodNotAllowed,
    /// 409: the e-mail address belongs to another user.
    EmailTaken,
    /// 409: the order's life cycle forbids the change.
    InvalidStatusTransition,
    /// 413: the body is larger than the limit.
    PayloadTooLarge,
    /// 415: the body is not JSON.
    UnsupportedMediaType,
    /// 503: the database cannot be reached.
    ServiceUnavailable,
    /// 500: anything else; details are only in the server's log.
    InternalError,
}

impl ErrorCode {
    /// The HTTP status that goes with the code.
    pub fn status(self) -> StatusCode {
        match self {
            Self::ValidationError | Self::InvalidStatus | Self::EmptyUpdate => {
                StatusCode::BAD_REQUEST
            }
            Self::UserNotFound | Self::ProductNotFound | Self::OrderNotFound | Self::NotFound => {
                StatusCode::NOT_FOUND
            }
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::EmailTaken | Self::InvalidStatusTransition => StatusCode::CONFLICT,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::ServiceUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::InternalError => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// The body of every error response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Apiv2Schema, thiserror::Error)]
#[error("{code:?}: {detail}")]
pub struct ApiError {
    /// What went wrong, for people.
    pub detail: String,
    /// What went wrong, for programs.
    pub code: ErrorCode,
    /// The one input at fault, when there is exactly one: a body field's path
    /// (`items[1].quantity`) or a query parameter's name (`start_date`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl ApiError {
    /// An error with no single field at fault.
    pub fn new(code: ErrorCode, detail: impl Into<String>) -> Self {
        Self {
            detail: detail.into(),
            code,
            field: None,
        }
    }

    /// An error caused by one input.
    pub fn with_field(
        code: ErrorCode,
        field: impl Into<String>,
        detail: impl Into<String>,
    ) -> Self {
        Self {
            detail: detail.into(),
            code,
            field: Some(field.into()),
        }
    }

    /// A 400 `VALIDATION_ERROR` about one input.
    pub fn invalid(field: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::with_field(ErrorCode::ValidationError, field, detail)
    }

    /// The opaque 500 answer; the cause goes to the log, never to the client.
    pub fn internal() -> Self {
        Self::new(
            ErrorCode::InternalError,
            "the server failed to handle the request; it has been logged",
        )
    }
}

/// Which errors an operation answers with is decided per operation when the
/// OpenAPI document is finished (see `openapi`); here only the body's schema is
/// registered.
impl Apiv2Errors for ApiError {
    fn update_definitions(map: &mut std::collections::BTreeMap<String, DefaultSchemaRaw>) {
        if let Some(name) = Self::name() {
            let mut schema = Self::raw_schema();
            schema.remove_refs();
            map.insert(name, schema);
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.code.status()
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::build(self.status_code()).json(self)
    }
}

impl From<InputError> for ApiError {
    fn from(error: InputError) -> Self {
        let code = match error.kind {
            InputErrorKind::InvalidStatus => ErrorCode::InvalidStatus,
            InputErrorKind::EmptyUpdate => ErrorCode::EmptyUpdate,
            _ => ErrorCode::ValidationError,
        };
        Self {
            detail: error.message,
            code,
            field: error.field,
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound { entity, .. } => {
                let code = match entity {
                    Entity::User => ErrorCode::UserNotFound,
                    Entity::Product => ErrorCode::ProductNotFound,
                    Entity::Order => ErrorCode::OrderNotFound,
                };
                Self::new(code, error.to_string())
            }
            StoreError::EmailTaken => {
                Self::with_field(ErrorCode::EmailTaken, "email", error.to_string())
            }
            StoreError::Transition(_) => {
                Self::new(ErrorCode::InvalidStatusTransition, error.to_string())
            }
            StoreError::Overflow => Self::new(ErrorCode::ValidationError, error.to_string()),
            StoreError::Unavailable(_) => {
                tracing::warn!(error = %error_chain(&error), "database unavailable");
                Self::new(
                    ErrorCode::ServiceUnavailable,
                    "the database is unavailable; retry later",
                )
            }
            StoreError::Corrupt(_) | StoreError::Database(_) => {
                tracing::error!(error = %error_chain(&error), "request failed");
                Self::internal()
            }
        }
    }
}
