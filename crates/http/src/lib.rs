//! The HTTP face of oms: actix-web routes, request and response shapes, the
//! mapping of every failure to the `{detail, code, field}` error body, and the
//! OpenAPI document with its Swagger UI and ReDoc pages.
//!
//! [`app`] builds the whole application; the server binary and the tests both use
//! it, so they serve exactly the same thing.

pub mod docs;
pub mod error;
pub mod extract;
pub mod fallback;
pub mod openapi;
pub mod orders;
pub mod postman;
pub mod products;
pub mod respond;
pub mod users;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::web;
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

/// The query parameters of every plain list.
pub const PAGING_PARAMS: &[&str] = &["limit", "offset"];

/// The application: the API under the prefix, `/openapi.json`, `/docs`, `/redoc`,
/// and JSON 404s for everything else.
pub fn app(
    store: Store,
    config: ApiConfig,
) -> actix_web::App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    actix_web::App::new()
        .app_data(web::Data::new(store))
        .app_data(web::Data::new(openapi::Document::build(&config)))
        .app_data(web::Data::new(config.clone()))
        .service(api(&config.prefix))
        .configure(docs::routes)
        .default_service(web::to(fallback::not_found))
}

/// The API's routes under `prefix`, recorded by paperclip as they are registered.
fn api(prefix: &str) -> paperclip::actix::web::Scope {
    paperclip::actix::web::scope(prefix)
        .configure(users::routes)
        .configure(products::routes)
        .configure(orders::routes)
}
