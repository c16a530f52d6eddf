//! Answers for requests no handler takes, and for handlers that panic.

use std::panic::AssertUnwindSafe;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::{from_fn, Next};
use actix_web::{web, HttpRequest, HttpResponse, Resource, ResponseError};
use futures_util::FutureExt;

use crate::error::{ApiError, ErrorCode};
use crate::ApiConfig;

/// JSON 404 for any path the service does not serve.
pub async fn not_found(req: HttpRequest) -> HttpResponse {
    ApiError::new(
        ErrorCode::NotFound,
        format!("no route for {} {}", req.method(), req.path()),
    )
    .error_response()
}

/// JSON 405 for a method a served path does not accept, with the `Allow` header.
fn method_not_allowed(req: &HttpRequest, allow: &'static str) -> HttpResponse {
    let mut response = ApiError::new(
        ErrorCode::MethodNotAllowed,
        format!(
            "{} is not allowed on {}; use {allow}",
            req.method(),
            req.path()
        ),
    )
    .error_response();
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static(allow));
    response
}

/// A resource of the API that routes the methods in `allow` (e.g. `"GET, POST"`):
/// JSON 405 for other methods, a handler panic answered with the opaque JSON 500,
/// and a handler that outlives the request time limit answered with a 503.
pub fn resource(
    path: &str,
    allow: &'static str,
) -> paperclip::actix::web::Resource<
    Resource<
        impl ServiceFactory<
            ServiceRequest,
            Config = (),
            Response = ServiceResponse<BoxBody>,
            Error = actix_web::Error,
            InitError = (),
        >,
    >,
> {
    paperclip::actix::web::resource(path)
        .default_service(web::to(move |req: HttpRequest| async move {
            method_not_allowed(&req, allow)
        }))
        .wrap(from_fn(guard))
}

/// Turns a panic inside a handler into the opaque JSON 500 instead of a dropped
/// connection (the panic itself is reported by the panic hook), and a handler
/// that runs past the request time limit into a 503. It wraps single resources,
/// after routing, because it keeps a clone of the request and the router needs
/// the request unshared.
///
/// A handler stopped by the time limit is dropped where it stands: a database
/// transaction it had open is rolled back when its connection is discarded, so
/// nothing half-written remains. The statement timeout normally ends slow work
/// first; this limit bounds everything else.
async fn guard(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let request = req.request().clone();
    let limit = request
        .app_data::<web::Data<ApiConfig>>()
        .map_or(ApiConfig::DEFAULT_REQUEST_TIMEOUT, |config| {
            config.request_timeout
        });
    let handled = AssertUnwindSafe(next.call(req)).catch_unwind();
    match tokio::time::timeout(limit, handled).await {
        Ok(Ok(response)) => response.map(ServiceResponse::map_into_boxed_body),
        Ok(Err(_)) => {
            tracing::error!(method = %request.method(), path = %request.path(), "handler panicked");
            Ok(ServiceResponse::new(
                request,
                ApiError::internal().error_response(),
            ))
        }
        Err(_) => {
            tracing::warn!(method = %request.method(), path = %request.path(), ?limit, "request time limit reached");
            let error = ApiError::unavailable(
                format!(
                    "the request took longer than the limit of {} ms; retry later",
                    limit.as_millis()
                ),
                limit.as_secs().try_into().unwrap_or(u32::MAX).max(1),
            );
            Ok(ServiceResponse::new(request, error.error_response()))
        }
    }
}
