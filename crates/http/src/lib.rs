//! The HTTP face of oms: actix-web routes, request and response shapes, and the
//! mapping of every failure to the `{detail, code, field}` error body.
//!
//! [`configure`] mounts everything on an actix `App`; the server binary and the
//! tests build their apps with it, so both serve exactly the same thing.

pub mod error;
pub mod extract;
pub mod fallback;
pub mod orders;
pub mod products;
pub mod users;

use actix_web::http::header;
use actix_web::{web, HttpResponse, HttpResponseBuilder};
use persistence::Store;

pub use error::{ApiError, ErrorCode};

/// Settings of the HTTP layer.
#[derive(Debug, Clone)]
pub struct ApiConfig {
    /// Where the API is mounted, e.g. `/api/v1` (no trailing slash; empty for the root).
    pub prefix: String,
    /// Largest accepted request body, in bytes.
    pub body_limit: usize,
}

impl ApiConfig {
    /// 64 KiB.
    pub const DEFAULT_BODY_LIMIT: usize = 64 * 1024;

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
        }
    }
}

/// Mounts the API on an app: the resources under the prefix, JSON 404s for
/// everything else.
pub fn configure(store: Store, config: ApiConfig) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg| {
        cfg.app_data(web::Data::new(store))
            .app_data(web::Data::new(config.clone()))
            .service(
                web::scope(&config.prefix)
                    .configure(users::routes)
                    .configure(products::routes)
                    .configure(orders::routes),
            )
            .default_service(web::to(fallback::not_found));
    }
}

/// A `201 Created` with the new resource's `Location`.
fn created(config: &ApiConfig, collection: &str, id: i64) -> HttpResponseBuilder {
    let mut response = HttpResponse::Created();
    response.insert_header((
        header::LOCATION,
        format!("{}/{collection}/{id}", config.prefix),
    ));
    response
}
