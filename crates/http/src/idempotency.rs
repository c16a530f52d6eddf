//! `Idempotency-Key` on `POST`s: reading the key, writing the answer to keep
//! for it, and replaying a kept answer (`Idempotent-Replayed: true`).
//!
//! The answer kept is written by the same code as the answer sent (an
//! [`Answer`] needs nothing of the request), so a replay says what the first
//! answer said. Kept: success, and the 404s and 409s of a request that ran.
//! Not kept: every other error (a retry runs afresh).

use actix_web::body::{BoxBody, MessageBody};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, Responder, ResponseError};
use oms_domain::{ApiKeyId, Fingerprint, IdempotencyKey};
use oms_persistence::{IdempotentRequest, Keyed, Replayable, StoreError, StoredResponse};
use serde_json::Value;
use std::sync::Arc;

use crate::error::ApiError;
use crate::respond::Answer;

/// The request header.
pub const HEADER: &str = "Idempotency-Key";

/// The header on a replayed answer.
pub const REPLAYED: &str = "Idempotent-Replayed";

/// A request body in canonical form (objects' keys sorted, no whitespace),
/// kept by the body extractor when the request has an `Idempotency-Key`.
#[derive(Debug, Clone)]
pub(crate) struct CanonicalBody(pub String);

impl CanonicalBody {
    /// Whether `req` wants its body kept.
    pub(crate) fn wanted(req: &HttpRequest) -> bool {
        req.headers().contains_key(HEADER)
    }

    /// The canonical form of a JSON `body` already known to be valid.
    pub(crate) fn of(body: &[u8]) -> Self {
        let mut text = String::with_capacity(body.len());
        if let Ok(value) = serde_json::from_slice::<Value>(body) {
            write_canonical(&value, &mut text);
        }
        Self(text)
    }
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (n, (key, value)) in entries.into_iter().enumerate() {
                if n > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                write_canonical(value, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (n, item) in items.iter().enumerate() {
                if n > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// The request's idempotency key, if it sent one, with how the answer to its
/// change is written (`answer`, for a change that was made): `None` without
/// the header; 400 naming the header when it is malformed or repeated.
pub(crate) fn keyed<T, A>(
    req: &HttpRequest,
    answer: impl Fn(&T) -> A + Send + Sync + 'static,
) -> Result<Option<Keyed<T>>, ApiError>
where
    A: Answer,
{
    let mut values = req.headers().get_all(HEADER);
    let Some(value) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(ApiError::invalid(HEADER, format!("send {HEADER} once")));
    }
    let key = value
        .to_str()
        .map_err(|_| ApiError::invalid(HEADER, format!("{HEADER} must be printable ASCII")))
        .and_then(|text| {
            IdempotencyKey::parse(text)
                .map_err(|error| ApiError::invalid(HEADER, format!("{HEADER} {}", error.message)))
        })?;
    let extensions = req.extensions();
    let body = extensions
        .get::<CanonicalBody>()
        .map_or("", |body| body.0.as_str());
    let request = IdempotentRequest {
        scope: extensions.get::<ApiKeyId>().map_or(0, |id| id.get()),
        key,
        fingerprint: Fingerprint::of(req.method().as_str(), req.path(), body),
    };
    Ok(Some(Keyed {
        request,
        render: Arc::new(move |outcome: &Result<T, StoreError>| {
            capture(match outcome {
                Ok(made) => answer(made).into_response(),
                Err(error) => ApiError::of(error).error_response(),
            })
        }),
    }))
}

/// The answer to keep: its status, body, `Location` and `ETag`; `None` for an
/// answer a retry should not get.
fn capture(response: HttpResponse) -> Option<StoredResponse> {
    let status = response.status();
    let kept =
        status.is_success() || status == StatusCode::NOT_FOUND || status == StatusCode::CONFLICT;
    if !kept {
        return None;
    }
    let text = |name: HeaderName| {
        response
            .headers()
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
    };
    let (location, etag) = (text(header::LOCATION), text(header::ETAG));
    let body = response.into_body().try_into_bytes().ok()?;
    Some(StoredResponse {
        status: status.as_u16(),
        body: body.to_vec(),
        location,
        etag,
    })
}

/// The answer to a `POST` that takes an `Idempotency-Key`: the change's own,
/// or the one kept for the key.
#[derive(Debug)]
pub enum Idempotent<R> {
    /// The change was made by this request.
    Fresh(R),
    /// An earlier request with the key made it; its answer, again.
    Replay(StoredResponse),
}

impl<R> Idempotent<R> {
    /// The answer to an outcome from the store, `answer` for a change made now.
    pub(crate) fn of<T>(outcome: Replayable<T>, answer: impl FnOnce(&T) -> R) -> Self {
        match outcome {
            Replayable::Fresh(made) => Self::Fresh(answer(&made)),
            Replayable::Replay(stored) => Self::Replay(stored),
        }
    }
}

impl<R: Responder> Responder for Idempotent<R> {
    type Body = BoxBody;

    fn respond_to(self, req: &HttpRequest) -> HttpResponse {
        match self {
            Self::Fresh(answer) => answer.respond_to(req).map_into_boxed_body(),
            Self::Replay(stored) => replay(stored),
        }
    }
}

fn replay(stored: StoredResponse) -> HttpResponse {
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    let mut response = HttpResponse::build(status);
    response
        .content_type("application/json")
        .insert_header((REPLAYED, "true"));
    for (name, value) in [
        (header::LOCATION, stored.location),
        (header::ETAG, stored.etag),
    ] {
        if let Some(value) = value.and_then(|value| HeaderValue::from_str(&value).ok()) {
            response.insert_header((name, value));
        }
    }
    response.body(stored.body)
}

crate::respond::documented_as_inner!(Idempotent);

#[cfg(test)]
mod tests {
    use super::*;

    fn canonical(text: &str) -> String {
        CanonicalBody::of(text.as_bytes()).0
    }

    #[test]
    fn canonical_bodies_ignore_whitespace_and_key_order_only() {
        assert_eq!(
            canonical(r#"{ "b": [1, {"y": 2, "x": "é"}], "a": null }"#),
            r#"{"a":null,"b":[1,{"x":"é","y":2}]}"#
        );
        assert_eq!(
            canonical(r#"{"a":1,"b":2}"#),
            canonical("{\n  \"b\": 2,\n  \"a\": 1\n}")
        );
        assert_ne!(canonical(r#"{"a":[1,2]}"#), canonical(r#"{"a":[2,1]}"#));
        assert_ne!(canonical(r#"{"a":"1"}"#), canonical(r#"{"a":1}"#));
        assert_eq!(canonical(r#"{"k\"ey":1}"#), r#"{"k\"ey":1}"#);
    }

    #[test]
    fn only_successes_and_the_refusals_of_a_request_that_ran_are_kept() {
        for (status, kept) in [
            (StatusCode::CREATED, true),
            (StatusCode::NOT_FOUND, true),
            (StatusCode::CONFLICT, true),
            (StatusCode::BAD_REQUEST, false),
            (StatusCode::SERVICE_UNAVAILABLE, false),
            (StatusCode::INTERNAL_SERVER_ERROR, false),
        ] {
            let response = HttpResponse::build(status)
                .insert_header((header::LOCATION, "/x/1"))
                .body("{}");
            let stored = capture(response);
            assert_eq!(stored.is_some(), kept, "{status}");
            if let Some(stored) = stored {
                assert_eq!(
                    (stored.status, stored.body, stored.location, stored.etag),
                    (
                        status.as_u16(),
                        b"{}".to_vec(),
                        Some("/x/1".to_owned()),
                        None
                    )
                );
            }
        }
    }
}
