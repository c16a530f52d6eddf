//! The one error type of the HTTP layer and its `{detail, code, field}` body.

use actix_web::http::{header, StatusCode};
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
    /// 404: no such API key.
    ApiKeyNotFound,
    /// 404: no such webhook endpoint.
    WebhookNotFound,
    /// 404: no such delivery of the webhook endpoint.
    DeliveryNotFound,
    /// 404: no such route.
    NotFound,
    /// 405: the route exists, the method does not.
    MethodNotAllowed,
    /// 401: no API key, or one that is malformed, unknown or revoked.
    Unauthenticated,
    /// 403: the API key lacks the scope the call needs.
    Forbidden,
    /// 429: the API key has made all the requests its rate limit allows for now.
    RateLimited,
    /// 412: `If-Match` names none of the resource's versions; nothing changed.
    PreconditionFailed,
    /// 409: the e-mail address belongs to another user.
    EmailTaken,
    /// 409: the order's life cycle forbids the change.
    InvalidStatusTransition,
    /// 409: a tracked product has less stock left than the order asks; nothing was ordered.
    OutOfStock,
    /// 409: a request with this `Idempotency-Key` is still running; retry after `Retry-After`.
    IdempotencyKeyInUse,
    /// 422: this `Idempotency-Key` was used for another request (method, path or body).
    IdempotencyKeyReused,
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
            Self::UserNotFound
            | Self::ProductNotFound
            | Self::OrderNotFound
            | Self::ApiKeyNotFound
            | Self::WebhookNotFound
            | Self::DeliveryNotFound
            | Self::NotFound => StatusCode::NOT_FOUND,
            Self::Unauthenticated => StatusCode::UNAUTHORIZED,
            Self::Forbidden => StatusCode::FORBIDDEN,
            Self::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            Self::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::EmailTaken
            | Self::InvalidStatusTransition
            | Self::OutOfStock
            | Self::IdempotencyKeyInUse => StatusCode::CONFLICT,
            Self::IdempotencyKeyReused => StatusCode::UNPROCESSABLE_ENTITY,
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
    /// Seconds after which a retry may succeed, sent as `Retry-After`.
    #[serde(skip)]
    pub retry_after: Option<u32>,
    /// The `WWW-Authenticate` challenge of a 401 or 403.
    #[serde(skip)]
    pub challenge: Option<String>,
}

impl ApiError {
    /// An error with no single field at fault.
    pub fn new(code: ErrorCode, detail: impl Into<String>) -> Self {
        Self {
            detail: detail.into(),
            code,
            field: None,
            retry_after: None,
            challenge: None,
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
            retry_after: None,
            challenge: None,
        }
    }

    /// A 400 `VALIDATION_ERROR` about one input.
    pub fn invalid(field: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::with_field(ErrorCode::ValidationError, field, detail)
    }

    /// A 503 `SERVICE_UNAVAILABLE` that may be retried after `seconds`.
    pub fn unavailable(detail: impl Into<String>, seconds: u32) -> Self {
        Self {
            retry_after: Some(seconds),
            ..Self::new(ErrorCode::ServiceUnavailable, detail)
        }
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
        let mut response = HttpResponse::build(self.status_code());
        if let Some(seconds) = self.retry_after {
            response.insert_header((header::RETRY_AFTER, seconds));
        }
        if let Some(challenge) = &self.challenge {
            response.insert_header((header::WWW_AUTHENTICATE, challenge.as_str()));
        }
        response.json(self)
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
            retry_after: None,
            challenge: None,
        }
    }
}

/// How long a client should wait before retrying after the database was
/// unreachable (about the pool's wait for a connection) or a statement ran out of
/// time (long enough for the load that slowed it to pass).
const RETRY_UNAVAILABLE_SECONDS: u32 = 2;
const RETRY_TIMED_OUT_SECONDS: u32 = 5;

/// How long a client should wait before retrying a request whose idempotency
/// key is held by a request still running.
const RETRY_IN_USE_SECONDS: u32 = 1;

/// Every storage failure's answer: the one place they are mapped to HTTP.
/// Failures of the server or the database are logged here.
impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match &error {
            StoreError::Unavailable(_) => {
                tracing::warn!(error = %error_chain(&error), "database unavailable");
            }
            StoreError::TimedOut(_) => {
                tracing::warn!(error = %error_chain(&error), "statement timed out");
            }
            StoreError::Corrupt(_) | StoreError::NoRandomness(_) | StoreError::Database(_) => {
                tracing::error!(error = %error_chain(&error), "request failed");
            }
            _ => {}
        }
        Self::of(&error)
    }
}

impl ApiError {
    /// The answer to a storage failure, logging nothing.
    pub fn of(error: &StoreError) -> Self {
        let detail = error.to_string();
        match error {
            StoreError::NotFound { entity, .. } => Self::new(not_found(*entity), detail),
            StoreError::OrderRefersToMissing { entity, lines, .. } => {
                let field = match (entity, lines.as_slice()) {
                    (Entity::Product, [line]) => Some(format!("items[{line}].product_id")),
                    (Entity::Product, _) => None,
                    _ => Some("user_id".to_owned()),
                };
                Self {
                    field,
                    ..Self::new(not_found(*entity), detail)
                }
            }
            StoreError::EmailTaken => Self::with_field(ErrorCode::EmailTaken, "email", detail),
            StoreError::PreconditionFailed { .. } => {
                Self::with_field(ErrorCode::PreconditionFailed, "If-Match", detail)
            }
            StoreError::Transition(_) => Self::new(ErrorCode::InvalidStatusTransition, detail),
            StoreError::OutOfStock(shortages) => {
                let field = match shortages.as_slice() {
                    [short] => Some(format!("items[{}].quantity", short.line)),
                    _ => None,
                };
                Self {
                    field,
                    ..Self::new(ErrorCode::OutOfStock, detail)
                }
            }
            StoreError::IdempotencyKeyInUse => Self {
                retry_after: Some(RETRY_IN_USE_SECONDS),
                ..Self::with_field(
                    ErrorCode::IdempotencyKeyInUse,
                    crate::idempotency::HEADER,
                    detail,
                )
            },
            StoreError::IdempotencyKeyReused => Self::with_field(
                ErrorCode::IdempotencyKeyReused,
                crate::idempotency::HEADER,
                detail,
            ),
            StoreError::OrderTooLarge => Self::invalid("items", detail),
            StoreError::TotalsTooLarge => Self::new(ErrorCode::ValidationError, detail),
            StoreError::Unavailable(_) => Self::unavailable(
                "the database is unavailable; retry later",
                RETRY_UNAVAILABLE_SECONDS,
            ),
            StoreError::TimedOut(_) => Self::unavailable(
                "the database took too long to answer; retry later",
                RETRY_TIMED_OUT_SECONDS,
            ),
            StoreError::Corrupt(_) | StoreError::NoRandomness(_) | StoreError::Database(_) => {
                Self::internal()
            }
        }
    }
}

fn not_found(entity: Entity) -> ErrorCode {
    match entity {
        Entity::User => ErrorCode::UserNotFound,
        Entity::Product => ErrorCode::ProductNotFound,
        Entity::Order => ErrorCode::OrderNotFound,
        Entity::ApiKey => ErrorCode::ApiKeyNotFound,
        Entity::Webhook => ErrorCode::WebhookNotFound,
        Entity::Delivery => ErrorCode::DeliveryNotFound,
    }
}
