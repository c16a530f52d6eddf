//! Reading requests strictly: JSON bodies, query strings and path ids, each
//! failure an [`ApiError`] that names the input at fault.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use futures_util::future::LocalBoxFuture;
use futures_util::{FutureExt, StreamExt};
use paperclip::actix::OperationModifier;
use paperclip::v2::models::{
    DefaultOperationRaw, DefaultSchemaRaw, Either, Parameter, ParameterIn,
};
use paperclip::v2::schema::Apiv2Schema;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use crate::error::{ApiError, ErrorCode};
use crate::idempotency::CanonicalBody;
use crate::ApiConfig;

/// A JSON request body of type `T`, read under the body limit and parsed strictly;
/// kept in canonical form for a request with an `Idempotency-Key`.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for JsonBody<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = req
            .app_data::<web::Data<ApiConfig>>()
            .map_or(ApiConfig::DEFAULT_BODY_LIMIT, |config| config.body_limit);
        let checked = check_content_type(req).and_then(|()| check_declared_length(req, limit));
        let mut payload = payload.take();
        let keeps_body = CanonicalBody::wanted(req).then(|| req.clone());
        async move {
            checked?;
            let mut body = web::BytesMut::new();
            while let Some(chunk) = payload.next().await {
                let chunk = chunk.map_err(|error| {
                    ApiError::new(
                        ErrorCode::ValidationError,
                        format!("the request body could not be read: {error}"),
                    )
                })?;
                if body.len() + chunk.len() > limit {
                    return Err(too_large(limit));
                }
                body.extend_from_slice(&chunk);
            }
            let parsed = parse_json(&body).map(JsonBody)?;
            if let Some(req) = keeps_body {
                req.extensions_mut().insert(CanonicalBody::of(&body));
            }
            Ok(parsed)
        }
        .boxed_local()
    }
}

impl<T: Apiv2Schema> Apiv2Schema for JsonBody<T> {
    fn name() -> Option<String> {
        T::name()
    }

    fn raw_schema() -> DefaultSchemaRaw {
        T::raw_schema()
    }
}

impl<T: Apiv2Schema> OperationModifier for JsonBody<T> {
    fn update_parameter(op: &mut DefaultOperationRaw) {
        op.parameters.push(Either::Right(Parameter {
            in_: ParameterIn::Body,
            name: "body".into(),
            required: true,
            schema: Some({
                let mut schema = T::schema_with_ref();
                schema.retain_ref();
                schema
            }),
            ..Default::default()
        }));
    }
}

fn check_content_type(req: &HttpRequest) -> Result<(), ApiError> {
    let is_json = req.mime_type().ok().flatten().is_some_and(|mime| {
        mime.type_() == "application"
            && (mime.subtype() == "json" || mime.suffix().is_some_and(|suffix| suffix == "json"))
    });
    if is_json {
        Ok(())
    } else {
        Err(ApiError::new(
            ErrorCode::UnsupportedMediaType,
            "the request body must be JSON, sent with Content-Type: application/json",
        ))
    }
}

fn check_declared_length(req: &HttpRequest, limit: usize) -> Result<(), ApiError> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    match declared {
        Some(length) if length > limit as u64 => Err(too_large(limit)),
        _ => Ok(()),
    }
}

fn too_large(limit: usize) -> ApiError {
    ApiError::new(
        ErrorCode::PayloadTooLarge,
        format!("the request body is larger than the limit of {limit} bytes"),
    )
}

/// Parses `body` as JSON into `T`; a failure names the field at fault when it can.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    // Every body of the API is an object; serde would also build a struct from an
    // array of its fields, which no client means.
    let first = body.iter().find(|byte| !byte.is_ascii_whitespace());
    if first.is_some_and(|&byte| byte != b'{') && serde_json::from_slice::<Value>(body).is_ok() {
        return Err(ApiError::new(
            ErrorCode::ValidationError,
            "the request body must be a JSON object",
        ));
    }
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        let error = error.into_inner();
        let detail = if error.is_data() {
            format!("invalid request body: {error}")
        } else if body.iter().all(u8::is_ascii_whitespace) {
            "the request body is empty; send a JSON object".to_owned()
        } else {
            format!("the request body is not valid JSON: {error}")
        };
        match path.as_str() {
            "." | "" => ApiError::new(ErrorCode::ValidationError, detail),
            _ if !error.is_data() => ApiError::new(ErrorCode::ValidationError, detail),
            _ => ApiError::invalid(path, detail),
        }
    })?;
    deserializer.end().map_err(|error| {
        ApiError::new(
            ErrorCode::ValidationError,
            format!("the request body is not valid JSON: {error}"),
        )
    })?;
    Ok(value)
}

/// A body field the client must send. It reads like an `Option` so that a missing
/// field or `null` becomes a 400 naming the field rather than a generic parse error,
/// and it is documented as required.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Required<T>(Option<T>);

impl<T> Default for Required<T> {
    fn default() -> Self {
        Self(None)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Required<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Option::<T>::deserialize(deserializer).map(Self)
    }
}

impl<T> Required<T> {
    /// The value if one was sent.
    pub fn into_option(self) -> Option<T> {
        self.0
    }

    /// The value; absent or `null` is a 400 naming `field`.
    pub fn get(self, field: &str) -> Result<T, ApiError> {
        self.0
            .ok_or_else(|| ApiError::invalid(field, format!("{field} is required")))
    }
}

impl<T: Apiv2Schema> Apiv2Schema for Required<T> {
    fn name() -> Option<String> {
        T::name()
    }

    fn raw_schema() -> DefaultSchemaRaw {
        T::raw_schema()
    }
}

/// A field of a partial update: left out, explicitly `null`, or given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Patch<T> {
    /// The field was not sent: leave it as it is.
    #[default]
    Absent,
    /// The field was sent as `null`: refused by most fields, clears the others.
    Null,
    /// The field's new value.
    Value(T),
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Patch<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(match Option::<T>::deserialize(deserializer)? {
            Some(value) => Self::Value(value),
            None => Self::Null,
        })
    }
}

impl<T: Apiv2Schema> Apiv2Schema for Patch<T> {
    fn name() -> Option<String> {
        T::name()
    }

    fn required() -> bool {
        false
    }

    fn raw_schema() -> DefaultSchemaRaw {
        T::raw_schema()
    }
}

impl<T> Patch<T> {
    /// The new value if one was given; `null` is a 400 naming the field.
    pub fn into_option(self, field: &str) -> Result<Option<T>, ApiError> {
        match self {
            Self::Absent => Ok(None),
            Self::Null => Err(ApiError::invalid(
                field,
                format!("{field} must not be null"),
            )),
            Self::Value(value) => Ok(Some(value)),
        }
    }

    /// For a field that `null` clears: `None` when left out, `Some(None)` for
    /// `null`.
    pub fn into_nullable(self) -> Option<Option<T>> {
        match self {
            Self::Absent => None,
            Self::Null => Some(None),
            Self::Value(value) => Some(Some(value)),
        }
    }
}

/// The query string's parameters, checked against the ones an endpoint knows.
#[derive(Debug)]
pub struct QueryParams(Vec<(String, String)>);

impl QueryParams {
    /// Parses the query string; unknown or repeated parameters are a 400.
    pub fn parse(req: &HttpRequest, known: &[&str]) -> Result<Self, ApiError> {
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(req.query_string()).map_err(|_| {
                ApiError::new(ErrorCode::ValidationError, "the query string is malformed")
            })?;
        for (index, (name, _)) in pairs.iter().enumerate() {
            if !known.contains(&name.as_str()) {
                return Err(ApiError::invalid(
                    name.clone(),
                    format!(
                        "unknown query parameter '{name}'; known: {}",
                        known.join(", ")
                    ),
                ));
            }
            if pairs[..index].iter().any(|(earlier, _)| earlier == name) {
                return Err(ApiError::invalid(
                    name.clone(),
                    format!("query parameter '{name}' is given more than once"),
                ));
            }
        }
        Ok(Self(pairs))
    }

    /// The raw value of a parameter.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// A parameter read as a 64-bit integer.
    pub fn integer(&self, name: &str) -> Result<Option<i64>, ApiError> {
        self.get(name)
            .map(|text| {
                text.trim().parse::<i64>().map_err(|_| {
                    ApiError::invalid(
                        name,
                        format!("{name} must be an integer (got '{}')", clip(text)),
                    )
                })
            })
            .transpose()
    }

    /// The standard `limit`/`offset` paging parameters; an offset beyond
    /// `max_offset` is refused, pointing to cursors.
    pub fn paging(&self, max_offset: i64) -> Result<oms_domain::Paging, ApiError> {
        let offset = self.integer("offset")?;
        if let Some(offset) = offset.filter(|&offset| offset > max_offset) {
            return Err(ApiError::invalid(
                "offset",
                format!(
                    "offset must be at most {max_offset} (got {offset}); page further with cursor: send each page's next_cursor as cursor"
                ),
            ));
        }
        Ok(oms_domain::Paging::new(self.integer("limit")?, offset)?)
    }
}

/// At most 40 characters of client text, for echoing it in a message.
pub fn clip(text: &str) -> String {
    text.chars().take(40).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Line {
        product_id: Option<i64>,
        quantity: Option<i64>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        user_id: Option<i64>,
        items: Option<Vec<Line>>,
        #[serde(default)]
        note: Patch<String>,
    }

    fn field_of(json: &str) -> Option<String> {
        parse_json::<Body>(json.as_bytes()).unwrap_err().field
    }

    #[test]
    fn type_errors_name_the_nested_field() {
        assert_eq!(
            field_of(r#"{"user_id": 1, "items": [{"product_id": 1, "quantity": 1}, {"product_id": 2, "quantity": "x"}]}"#).as_deref(),
            Some("items[1].quantity")
        );
        assert_eq!(field_of(r#"{"user_id": 1.5}"#).as_deref(), Some("user_id"));
        assert_eq!(
            field_of(r#"{"user_id": 99999999999999999999}"#).as_deref(),
            Some("user_id")
        );
    }

    #[test]
    fn unknown_fields_are_refused() {
        let error = parse_json::<Body>(br#"{"user_id": 1, "coupon": "X"}"#).unwrap_err();
        assert_eq!(error.code, ErrorCode::ValidationError);
        assert!(error.detail.contains("coupon"), "{}", error.detail);
    }

    #[test]
    fn malformed_json_has_no_field() {
        for body in ["", "{", "[1]", "{\"user_id\": 1} trailing", "null"] {
            let error = parse_json::<Body>(body.as_bytes()).unwrap_err();
            assert_eq!(error.code, ErrorCode::ValidationError, "{body}");
            assert_eq!(error.field, None, "{body}");
        }
    }

    #[test]
    fn patch_fields_tell_absent_from_null() {
        let body: Body = parse_json(br#"{"note": null}"#).unwrap();
        assert_eq!(body.note, Patch::Null);
        assert!(body.note.into_option("note").is_err());
        let body: Body = parse_json(br#"{}"#).unwrap();
        assert_eq!(body.note.into_option("note").unwrap(), None);
    }
}
