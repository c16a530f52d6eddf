//! `GET /health` (liveness) and `GET /ready` (readiness), outside the API prefix.

use std::time::Duration;

use oms_persistence::Store;
use paperclip::actix::web::{self, Json};
use paperclip::actix::{api_v2_operation, Apiv2Schema};
use serde::Serialize;

use crate::error::{ApiError, ErrorCode};
use crate::fallback::resource;

/// How long readiness waits for a pooled connection to answer.
const READY_TIMEOUT: Duration = Duration::from_secs(2);

/// The state of the service.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct HealthJson {
    /// `ok` for liveness, `ready` for readiness.
    status: &'static str,
}

/// Registers `/health` and `/ready`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/health", "GET").route(web::get().to(health)))
        .service(resource("/ready", "GET").route(web::get().to(ready)));
}

/// Liveness
///
/// 200 while the process runs and serves HTTP. It does not touch the database,
/// so a database outage does not make an orchestrator restart the service.
#[api_v2_operation(operation_id = "health", tags(health))]
async fn health() -> Json<HealthJson> {
    Json(HealthJson { status: "ok" })
}

/// Readiness
///
/// 200 when a pooled database connection answers `SELECT 1` within two seconds;
/// 503 otherwise, so a load balancer can route around an instance that cannot
/// reach its database.
#[api_v2_operation(operation_id = "ready", tags(health))]
async fn ready(store: web::Data<Store>) -> Result<Json<HealthJson>, ApiError> {
    match tokio::time::timeout(READY_TIMEOUT, store.ping()).await {
        Ok(Ok(())) => Ok(Json(HealthJson { status: "ready" })),
        Ok(Err(error)) => Err(error.into()),
        Err(_) => Err(ApiError::new(
            ErrorCode::ServiceUnavailable,
            "the database did not answer within 2 seconds",
        )),
    }
}
