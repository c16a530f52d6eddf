//! The HTTP face of oms: actix-web routes, request and response shapes, the
//! mapping of every failure to the `{detail, code, field}` error body, and the
//! OpenAPI document with its Swagger UI and ReDoc pages.
//!
//! [`app`] builds the whole application; the server binary and the tests both use
//! it, so they serve exactly the same thing.

pub mod access;
pub mod api_keys;
pub mod conditions;
pub mod dates;
pub mod docs;
pub mod error;
pub mod export;
pub mod extract;
pub mod fallback;
pub mod fields;
pub mod health;
pub mod history;
pub mod idempotency;
mod listing;
pub mod metrics;
pub mod observe;
pub mod openapi;
pub mod orders;
pub mod postman;
pub mod products;
pub mod respond;
pub mod users;
pub mod webhooks;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use std::time::Duration;

use actix_cors::Cors;
use actix_web::http::header;
use actix_web::middleware::{from_fn, Condition};
use actix_web::web;
use oms_persistence::Store;

pub use access::Access;
pub use error::{ApiError, ErrorCode};
pub use metrics::Metrics;

/// Settings of the HTTP layer.
#[derive(Debug, Clone)]
pub struct ApiConfig {
    /// Where the API is mounted, e.g. `/api/v1` (no trailing slash; empty for the root).
    pub prefix: String,
    /// Largest accepted request body, in bytes.
    pub body_limit: usize,
    /// Longest a handler may run before the request is answered with 503.
    pub request_timeout: Duration,
    /// Origins allowed to call the API from a browser (CORS); none by default.
    pub cors_origins: Vec<String>,
    /// The largest `offset` a list takes; deeper pages are read by cursor.
    pub max_offset: i64,
    /// Whether webhook endpoints may be on loopback, private or link-local
    /// addresses (`WEBHOOK_ALLOW_PRIVATE`).
    pub webhook_allow_private: bool,
}

/// Paths at the root that stay open whatever the prefix: health checks,
/// metrics and the documentation.
const OPEN_PATHS: &[&str] = &[
    "/health",
    "/ready",
    "/metrics",
    "/openapi.json",
    "/docs",
    "/redoc",
];

impl ApiConfig {
    /// 64 KiB.
    pub const DEFAULT_BODY_LIMIT: usize = 64 * 1024;
    /// 30 seconds.
    pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
    /// 10,000 rows.
    pub const DEFAULT_MAX_OFFSET: i64 = 10_000;

    /// A config with the default limit and `prefix` normalised (`api/v1/` → `/api/v1`).
    pub fn new(prefix: &str) -> Self {
        let trimmed = prefix.trim().trim_matches('/');
        Self {
            prefix: if trimmed.is_empty() {
                String::new()
            } else {
                format!("/{trimmed}")
            },
            body_limit: Self::DEFAULT_BODY_LIMIT,
            request_timeout: Self::DEFAULT_REQUEST_TIMEOUT,
            cors_origins: Vec::new(),
            max_offset: Self::DEFAULT_MAX_OFFSET,
            webhook_allow_private: false,
        }
    }

    /// The part of `path` under the API prefix (`/api/v1/users/7` → `/users/7`),
    /// or `None` for a path outside the API: elsewhere, or one of the open
    /// paths when the API is mounted at the root.
    pub fn api_path<'a>(&self, path: &'a str) -> Option<&'a str> {
        let rest = path.strip_prefix(self.prefix.as_str())?;
        if !(rest.is_empty() || rest.starts_with('/')) {
            return None;
        }
        let open = |open: &&str| {
            rest.strip_prefix(open)
                .is_some_and(|tail| tail.is_empty() || tail.starts_with('/'))
        };
        if self.prefix.is_empty() && OPEN_PATHS.iter().any(open) {
            return None;
        }
        Some(rest)
    }
}

/// The query parameters of every plain list.
pub const PAGING_PARAMS: &[&str] = &["limit", "offset", "cursor"];

/// The application: the API under the prefix, `/health`, `/ready`, `/metrics`,
/// `/openapi.json`, `/docs`, `/redoc`, and JSON 404s for everything else.
pub fn app(
    store: Store,
    config: ApiConfig,
    metrics: Metrics,
    access: Access,
) -> actix_web::App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let prefix = config.prefix.clone();
    let cors = cors(&config.cors_origins);
    actix_web::App::new()
        .wrap(from_fn(access::guard))
        .wrap(Condition::new(!config.cors_origins.is_empty(), cors))
        .wrap(from_fn(observe::observe))
        .app_data(web::Data::new(store))
        .app_data(web::Data::new(access))
        .app_data(web::Data::new(openapi::Document::build(&config)))
        .app_data(web::Data::new(metrics))
        .app_data(web::Data::new(config))
        .configure(|cfg| documented_routes(&prefix)(&mut cfg.into()))
        .route("/metrics", web::get().to(metrics::metrics))
        .configure(docs::routes)
        .default_service(web::to(fallback::not_found))
}

/// Cross-origin access for the configured origins: the API's methods, JSON
/// bodies and keys, and the `Location`, `X-Request-Id`, rate-limit and
/// `Retry-After` headers readable by scripts.
fn cors(origins: &[String]) -> Cors {
    origins
        .iter()
        .fold(Cors::default(), |cors, origin| cors.allowed_origin(origin))
        .allowed_methods(["GET", "POST", "PATCH", "DELETE"])
        .allowed_headers([
            header::CONTENT_TYPE,
            header::ACCEPT,
            header::AUTHORIZATION,
            observe::REQUEST_ID,
        ])
        .expose_headers([
            header::LOCATION,
            header::RETRY_AFTER,
            observe::REQUEST_ID,
            access::limits::RATE_LIMIT,
            access::limits::RATE_LIMIT_POLICY,
        ])
        .max_age(3600)
}

/// Every route of the OpenAPI document: the API under `prefix`, and the health
/// checks at the root. paperclip records them as they are registered.
fn documented_routes(
    prefix: &str,
) -> impl FnOnce(&mut paperclip::actix::web::ServiceConfig<'_>) + '_ {
    move |cfg| {
        cfg.service(
            paperclip::actix::web::scope(prefix)
                .configure(users::routes)
                .configure(products::routes)
                .configure(orders::routes)
                .configure(history::routes)
                .configure(api_keys::routes)
                .configure(webhooks::routes),
        );
        health::routes(cfg);
    }
}
