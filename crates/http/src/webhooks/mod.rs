//! `/webhooks`: endpoints that receive events, their delivery logs and manual
//! retries (scope `webhooks:manage`). Nothing is sent from here: changes write
//! their events in their own transactions, and the deliverer sends them.

mod shapes;

use actix_web::{HttpRequest, HttpResponse};
use oms_domain::{
    is_internal, After, DeliveryId, Subscription, WebhookId, WebhookSecret, WebhookUrl,
};
use oms_persistence::webhooks::{Delivery, Endpoint, EndpointChanges, NewEndpoint};
use oms_persistence::Store;
use paperclip::actix::api_v2_operation;
use paperclip::actix::web::{self, Json};

use shapes::DESCRIPTION_CHARS;
pub use shapes::{
    CreateWebhook, DeliveryJson, DeliveryList, NewWebhookJson, UpdateWebhook, WebhookJson,
    WebhookList,
};

use crate::error::{ApiError, ErrorCode};
use crate::extract::{JsonBody, QueryParams};
use crate::fallback::resource;
use crate::fields::{self, Named};
use crate::idempotency::{self, Idempotent};
use crate::listing::Listing;
use crate::respond::{Accepted, Created};
use crate::ApiConfig;

/// Registers the routes under the API prefix.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/webhooks", "GET, POST")
            .route(web::get().to(list))
            .route(web::post().to(create)),
    )
    .service(
        resource("/webhooks/{webhook_id}", "GET, PATCH, DELETE")
            .route(web::get().to(get))
            .route(web::patch().to(update))
            .route(web::delete().to(delete)),
    )
    .service(resource("/webhooks/{webhook_id}/deliveries", "GET").route(web::get().to(deliveries)))
    .service(
        resource(
            "/webhooks/{webhook_id}/deliveries/{delivery_id}/retry",
            "POST",
        )
        .route(web::post().to(retry)),
    );
}

/// List webhook endpoints
///
/// Every endpoint in id order, one page at a time. Secrets are never shown.
#[api_v2_operation(operation_id = "listWebhooks", tags(webhooks))]
async fn list(
    req: HttpRequest,
    store: web::Data<Store>,
    config: web::Data<ApiConfig>,
) -> Result<Json<WebhookList>, ApiError> {
    let params = QueryParams::parse(&req, crate::PAGING_PARAMS)?;
    let (listing, paging) = Listing::read(&store, &config, &params, "webhooks".to_owned()).await?;
    let page = store.list_webhooks(paging).await?;
    let last = page.rows.last().map(|row| After::Id(row.id.get()));
    Ok(Json(WebhookList {
        webhooks: page.rows.into_iter().map(WebhookJson::from).collect(),
        total: page.total,
        limit: paging.limit(),
        offset: paging.offset(),
        next_cursor: listing.next(page.more, last),
    }))
}

/// Get a webhook endpoint
///
/// The endpoint with this id (never its secret).
#[api_v2_operation(operation_id = "getWebhook", tags(webhooks))]
async fn get(
    store: web::Data<Store>,
    path: web::Path<String>,
) -> Result<Json<WebhookJson>, ApiError> {
    let id: WebhookId = fields::id("webhook_id", &path)?;
    Ok(Json(store.get_webhook(id).await?.into()))
}

/// Create a webhook endpoint
///
/// Registers a URL to receive the given event types, signed per Standard Webhooks
/// with a new secret shown this once. The endpoint receives the events of changes
/// committed from now on.
#[api_v2_operation(operation_id = "createWebhook", tags(webhooks))]
async fn create(
    req: HttpRequest,
    store: web::Data<Store>,
    config: web::Data<ApiConfig>,
    body: JsonBody<CreateWebhook>,
) -> Result<Idempotent<Created<NewWebhookJson>>, ApiError> {
    let body = body.0;
    let endpoint = NewEndpoint {
        url: target(&body.url.get("url")?, &config).await?,
        events: Subscription::parse(body.events.get("events")?).named("events")?,
        description: body.description.map(description).transpose()?,
    };
    let created = move |endpoint: &Endpoint, secret: Option<&WebhookSecret>| {
        let body = WebhookJson::from(endpoint.clone()).with_secret(secret);
        Created::at(&config, "webhooks", endpoint.id, body)
    };
    let kept = created.clone();
    let keyed = idempotency::keyed(&req, move |(endpoint, _): &(Endpoint, WebhookSecret)| {
        kept(endpoint, None)
    })?;
    let outcome = store.create_webhook_once(&endpoint, keyed.as_ref()).await?;
    Ok(Idempotent::of(outcome, |(endpoint, secret)| {
        created(endpoint, Some(secret))
    }))
}

/// Change a webhook endpoint
///
/// Changes its URL, events or description, or turns it off or back on. While it
/// is off, nothing is queued for it; what was queued before waits and is sent
/// once it is on again.
#[api_v2_operation(operation_id = "updateWebhook", tags(webhooks))]
async fn update(
    store: web::Data<Store>,
    config: web::Data<ApiConfig>,
    path: web::Path<String>,
    body: JsonBody<UpdateWebhook>,
) -> Result<Json<WebhookJson>, ApiError> {
    let id: WebhookId = fields::id("webhook_id", &path)?;
    let body = body.0;
    let url = match body.url.into_option("url")? {
        Some(url) => Some(target(&url, &config).await?),
        None => None,
    };
    let changes = EndpointChanges {
        url,
        events: body
            .events
            .into_option("events")?
            .map(|events| Subscription::parse(events).named("events"))
            .transpose()?,
        description: body
            .description
            .into_nullable()
            .map(|text| text.map(description).transpose())
            .transpose()?,
        enabled: body.enabled.into_option("enabled")?,
    };
    if changes.url.is_none()
        && changes.events.is_none()
        && changes.description.is_none()
        && changes.enabled.is_none()
    {
        return Err(ApiError::new(
            ErrorCode::EmptyUpdate,
            "the update names no field to change; give at least one of url, events, description, enabled",
        ));
    }
    Ok(Json(store.update_webhook(id, &changes).await?.into()))
}

/// Delete a webhook endpoint
///
/// Removes the endpoint and its delivery log; what was queued for it is not sent.
#[api_v2_operation(operation_id = "deleteWebhook", tags(webhooks))]
async fn delete(
    store: web::Data<Store>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id: WebhookId = fields::id("webhook_id", &path)?;
    store.delete_webhook(id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// List an endpoint's deliveries
///
/// Every attempt to deliver an event to the endpoint, newest first: one row per
/// attempt, with the endpoint's answer and how long it took.
#[api_v2_operation(operation_id = "listWebhookDeliveries", tags(webhooks))]
async fn deliveries(
    req: HttpRequest,
    store: web::Data<Store>,
    config: web::Data<ApiConfig>,
    path: web::Path<String>,
) -> Result<Json<DeliveryList>, ApiError> {
    let id: WebhookId = fields::id("webhook_id", &path)?;
    let params = QueryParams::parse(&req, crate::PAGING_PARAMS)?;
    let list_name = format!("webhooks/{id}/deliveries");
    let (listing, paging) = Listing::read(&store, &config, &params, list_name).await?;
    let page = store.webhook_deliveries(id, paging).await?;
    let last = page.rows.last().map(|row| After::Id(row.id.get()));
    Ok(Json(DeliveryList {
        deliveries: page.rows.into_iter().map(DeliveryJson::from).collect(),
        total: page.total,
        limit: paging.limit(),
        offset: paging.offset(),
        next_cursor: listing.next(page.more, last),
    }))
}

/// Retry a delivery
///
/// Sends the delivery's event to the endpoint again, now: the attempt still
/// waiting is made due, or a new attempt is queued. Answers that attempt. An
/// endpoint that is off gets it once it is on again.
#[api_v2_operation(operation_id = "retryWebhookDelivery", tags(webhooks))]
async fn retry(
    req: HttpRequest,
    store: web::Data<Store>,
    path: web::Path<(String, String)>,
) -> Result<Idempotent<Accepted<DeliveryJson>>, ApiError> {
    let (webhook, delivery) = path.into_inner();
    let id: WebhookId = fields::id("webhook_id", &webhook)?;
    let delivery: DeliveryId = fields::id("delivery_id", &delivery)?;
    let answer = |delivery: &Delivery| Accepted(DeliveryJson::from(delivery.clone()));
    let keyed = idempotency::keyed(&req, answer)?;
    let outcome = store
        .retry_delivery_once(id, delivery, keyed.as_ref())
        .await?;
    Ok(Idempotent::of(outcome, answer))
}

/// A description: trimmed, at most [`DESCRIPTION_CHARS`] characters, no
/// control characters.
fn description(text: String) -> Result<String, ApiError> {
    let text = text.trim();
    if text.chars().count() > DESCRIPTION_CHARS {
        return Err(ApiError::invalid(
            "description",
            format!("description must be at most {DESCRIPTION_CHARS} characters"),
        ));
    }
    oms_domain::input::refuse_control_characters(text).named("description")?;
    Ok(text.to_owned())
}

/// The endpoint URL `text`, refused (400 `url`) when it is not an http(s) URL,
/// its host does not resolve, or it resolves to an internal address and the
/// server does not allow those.
async fn target(text: &str, config: &ApiConfig) -> Result<WebhookUrl, ApiError> {
    let url = WebhookUrl::parse(text).named("url")?;
    if config.webhook_allow_private {
        return Ok(url);
    }
    let host = url.host();
    let addresses = tokio::net::lookup_host((host.as_str(), url.port()))
        .await
        .map_err(|_| {
            ApiError::invalid(
                "url",
                format!("url names the host {host}, which does not resolve"),
            )
        })?;
    for address in addresses {
        if is_internal(address.ip()) {
            return Err(ApiError::invalid(
                "url",
                format!(
                    "url names {host}, which is {}: a loopback, private or link-local address; endpoints must be reachable from outside",
                    address.ip()
                ),
            ));
        }
    }
    Ok(url)
}
