//! `/openapi.json`, and the Swagger UI and ReDoc pages that read it.

use actix_web::{web, HttpResponse};

use crate::openapi::Document;

/// Registers the documentation routes at the root.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/openapi.json", web::get().to(openapi_json));
}

async fn openapi_json(document: web::Data<Document>) -> HttpResponse {
    HttpResponse::Ok().json(&document.0)
}
