//! What every request leaves behind: a request id, one log line, and metrics.
//!
//! The request id comes from the client's `X-Request-Id` when it is a sensible
//! token (1–128 characters of letters, digits and `-_.:`), otherwise a new UUID;
//! it is echoed in the response and is a field of the span every log line of
//! the request is written in, beside the id of the API key that made it.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::HttpMessage;
use tracing::Instrument;

use crate::metrics::Metrics;

/// The header that carries the request id both ways.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The id of the request being handled (also in the request's extensions).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(pub String);

impl RequestId {
    /// The client's id if it is acceptable, else a new one.
    pub fn from_header(value: Option<&HeaderValue>) -> Self {
        value
            .and_then(|value| value.to_str().ok())
            .filter(|id| is_acceptable(id))
            .map_or_else(
                || Self(uuid::Uuid::new_v4().to_string()),
                |id| Self(id.to_owned()),
            )
    }
}

fn is_acceptable(id: &str) -> bool {
    (1..=128).contains(&id.len())
        && id
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || b"-_.:".contains(&byte))
}

/// Wraps every request: assigns its id, runs it inside a span that carries the
/// id, then logs one line and records its metrics.
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let id = RequestId::from_header(req.headers().get(&REQUEST_ID));
    let method = req.method().clone();
    let metrics = req.app_data::<actix_web::web::Data<Metrics>>().cloned();
    req.extensions_mut().insert(id.clone());
    // The access guard fills in the key's id once it knows it.
    let span = tracing::info_span!(
        "request",
        request_id = %id.0,
        api_key_id = tracing::field::Empty
    );
    let mut response = next.call(req).instrument(span.clone()).await?;

    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    let route = response
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    if let Ok(value) = HeaderValue::from_str(&id.0) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    let latency_ms = (elapsed.as_secs_f64() * 1_000_000.0).round() / 1000.0;
    span.in_scope(|| {
        if status >= 500 {
            tracing::warn!(%method, %route, status, latency_ms, "request");
        } else {
            tracing::info!(%method, %route, status, latency_ms, "request");
        }
    });
    if let Some(metrics) = metrics {
        metrics.observe_request(&route, method.as_str(), status, elapsed);
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_sensible_client_ids_and_replaces_others() {
        let keep = HeaderValue::from_static("req-42.a:b_c");
        assert_eq!(RequestId::from_header(Some(&keep)).0, "req-42.a:b_c");
        for bad in ["", "has space", "semi;colon", &"x".repeat(129)] {
            let value = HeaderValue::from_str(bad).unwrap();
            let id = RequestId::from_header(Some(&value)).0;
            assert_ne!(id, bad);
            assert_eq!(id.len(), 36, "a UUID replaces {bad:?}");
        }
        assert_eq!(RequestId::from_header(None).0.len(), 36);
    }
}
