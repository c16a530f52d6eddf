//! Who may call the API: every request under the API prefix presents an API
//! key (`Authorization: Bearer oms_…`) that holds the scope its route needs,
//! within the key's rate limit. `/health`, `/ready`, `/metrics` and the
//! documentation stay open.
//!
//! [`guard`] checks all of it before a handler runs, so a refused request
//! never has its body read and changes nothing. Every request of a limited key
//! counts against its limit, including those refused for their scope, and
//! every answer to it carries the rate-limit fields. The key's id (never the key)
//! is recorded on the request's span, so every log line of the request names
//! it.

pub mod keyring;
pub mod limits;
pub mod scopes;

use std::sync::Arc;
use std::time::Duration;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::web::Data;
use actix_web::{HttpMessage, HttpRequest, ResponseError};
use oms_domain::{Actor, ApiKeyId, KeyToken, RateLimit, Scope};
use oms_persistence::Store;

use crate::error::{ApiError, ErrorCode};
use crate::observe::RequestId;
use crate::ApiConfig;
use keyring::{KeyRing, KnownKey, Refused};

/// The key checks of one server: its keys in memory and the database behind
/// them. Cheap to clone; every worker shares one.
#[derive(Debug, Clone)]
pub struct Access(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    store: Store,
    required: bool,
    default_limit: RateLimit,
    keys: KeyRing,
}

impl Access {
    /// Keys required, each limited to its own rate or else `default_limit`.
    pub fn new(store: Store, default_limit: RateLimit) -> Self {
        Self(Arc::new(Inner {
            store,
            required: true,
            default_limit,
            keys: KeyRing::default(),
        }))
    }

    /// No key asked for (`AUTH=off`): for local work only.
    pub fn off(store: Store) -> Self {
        Self(Arc::new(Inner {
            store,
            required: false,
            default_limit: RateLimit::UNLIMITED,
            keys: KeyRing::default(),
        }))
    }

    /// Whether requests must present a key.
    pub fn required(&self) -> bool {
        self.0.required
    }

    /// Learns of keys revoked by other servers and records when keys were used,
    /// every `interval`, for as long as the server runs.
    pub async fn refresh_every(self, interval: Duration) {
        let mut tick = tokio::time::interval(interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            self.0.keys.refresh(&self.0.store).await;
        }
    }

    /// Refuses the key with this id on this server from now on (other servers
    /// learn of it at their next refresh).
    pub fn revoked(&self, id: oms_domain::ApiKeyId) {
        self.0.keys.revoke(id);
    }

    fn quota(&self, key: &KnownKey) -> Option<u32> {
        key.key.rate_limit.unwrap_or(self.0.default_limit).quota()
    }
}

/// The middleware: authenticates, authorizes and rate-limits every request
/// under the API prefix, and adds the rate-limit fields to its answer.
pub async fn guard(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let access = req.app_data::<Data<Access>>().cloned();
    // The scope the route needs, or `None` outside the API (open paths).
    let route = req
        .app_data::<Data<ApiConfig>>()
        .and_then(|config| config.api_path(req.path()))
        .map(|path| scopes::required(req.method(), path));
    let (Some(access), Some(needed)) = (access, route) else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    if !access.required() {
        return Ok(next.call(req).await?.map_into_left_body());
    }
    let key = match authenticate(&access, &req).await {
        Ok(key) => key,
        Err(error) => {
            return Ok(req
                .into_response(error.error_response())
                .map_into_right_body())
        }
    };
    tracing::Span::current().record("api_key_id", key.id().get());
    req.extensions_mut().insert(key.id());

    // Every request of a limited key counts, refused for its scope or not.
    let decision = match access.quota(&key) {
        Some(quota) => Some(limits::decide(&access.0.store, &key, quota).await),
        None => None,
    };
    let refusal = match (decision, needed) {
        (Some(decision), _) if !decision.allowed => Some(rate_limited(&decision)),
        (_, Some(needed)) if !key.key.scopes.allow(needed) => Some(forbidden(&req, needed)),
        _ => None,
    };
    let mut response = match refusal {
        Some(error) => req
            .into_response(error.error_response())
            .map_into_right_body(),
        None => next.call(req).await?.map_into_left_body(),
    };
    if let Some(decision) = decision {
        decision.write_headers(response.headers_mut());
    }
    Ok(response)
}

fn rate_limited(decision: &limits::Decision) -> ApiError {
    let seconds = decision.reset_seconds.max(1);
    ApiError {
        retry_after: Some(seconds),
        ..ApiError::new(
            ErrorCode::RateLimited,
            format!(
                "this API key may make {} requests per minute; retry in {seconds} s",
                decision.quota
            ),
        )
    }
}

fn forbidden(req: &ServiceRequest, needed: Scope) -> ApiError {
    ApiError {
        challenge: Some(format!(
            "Bearer realm=\"oms\", error=\"insufficient_scope\", scope=\"{needed}\""
        )),
        ..ApiError::new(
            ErrorCode::Forbidden,
            format!(
                "this API key lacks the scope '{needed}' that {} {} needs",
                req.method(),
                req.path()
            ),
        )
    }
}

/// Who makes the request: its API key (as the guard found it; none with
/// `AUTH=off`) and its id.
pub fn actor(req: &HttpRequest) -> Actor {
    let extensions = req.extensions();
    Actor {
        api_key_id: extensions.get::<ApiKeyId>().copied(),
        request_id: extensions.get::<RequestId>().map(|id| id.0.clone()),
    }
}

/// The key the request presents, if it is valid and not revoked.
async fn authenticate(access: &Access, req: &ServiceRequest) -> Result<Arc<KnownKey>, ApiError> {
    let unauthenticated = |detail: &str, presented: bool| ApiError {
        challenge: Some(if presented {
            "Bearer realm=\"oms\", error=\"invalid_token\"".to_owned()
        } else {
            "Bearer realm=\"oms\"".to_owned()
        }),
        ..ApiError::new(ErrorCode::Unauthenticated, detail)
    };
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Err(unauthenticated(
            "this call needs an API key, sent as 'Authorization: Bearer <key>'",
            false,
        ));
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|value| {
            let (scheme, token) = value.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        })
        .and_then(KeyToken::parse)
        .ok_or_else(|| {
            unauthenticated(
                "the Authorization header must be 'Bearer ' followed by an oms API key",
                true,
            )
        })?;
    access
        .0
        .keys
        .check(&access.0.store, &token)
        .await
        .map_err(|refused| match refused {
            Refused::Store(error) => ApiError::from(error),
            refused => unauthenticated(&refused.to_string(), true),
        })
}
