//! The request and response bodies of `/webhooks`.

use chrono::{DateTime, Utc};
use oms_domain::WebhookSecret;
use oms_persistence::webhooks::{Delivery, Endpoint};
use paperclip::actix::Apiv2Schema;
use serde::{Deserialize, Serialize};

use crate::extract::{Patch, Required};

/// Longest description, in characters.
pub(super) const DESCRIPTION_CHARS: usize = 500;

/// A webhook endpoint. Its secret is only in the answer that created it.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct WebhookJson {
    /// The endpoint's id.
    pub(super) id: i64,
    /// Where deliveries are posted.
    pub(super) url: String,
    /// The event types it receives; `["*"]` for all.
    pub(super) events: Vec<String>,
    /// What it is for.
    pub(super) description: Option<String>,
    /// Whether events are queued for it and delivered; a 410 answer turns it off.
    pub(super) enabled: bool,
    /// When it was created (UTC); it receives the events committed after.
    pub(super) created_at: DateTime<Utc>,
}

impl From<Endpoint> for WebhookJson {
    fn from(endpoint: Endpoint) -> Self {
        Self {
            id: endpoint.id.get(),
            url: endpoint.url,
            events: endpoint
                .events
                .names()
                .into_iter()
                .map(str::to_owned)
                .collect(),
            description: endpoint.description,
            enabled: endpoint.enabled,
            created_at: endpoint.created_at,
        }
    }
}

/// A new webhook endpoint, with its signing secret: shown this once.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct NewWebhookJson {
    /// The endpoint's id.
    pub(super) id: i64,
    /// Where deliveries are posted.
    pub(super) url: String,
    /// The event types it receives; `["*"]` for all.
    pub(super) events: Vec<String>,
    /// What it is for.
    pub(super) description: Option<String>,
    /// Always `true` for a new endpoint.
    pub(super) enabled: bool,
    /// When it was created (UTC).
    pub(super) created_at: DateTime<Utc>,
    /// `whsec_` and the base64 of the key every delivery is signed with
    /// (`webhook-signature`). A replay of this answer (a retry with the same
    /// `Idempotency-Key`) has `null` here: delete the endpoint and create another
    /// if the first answer was lost.
    pub(super) secret: Option<String>,
}

impl WebhookJson {
    pub(super) fn with_secret(self, secret: Option<&WebhookSecret>) -> NewWebhookJson {
        NewWebhookJson {
            id: self.id,
            url: self.url,
            events: self.events,
            description: self.description,
            enabled: self.enabled,
            created_at: self.created_at,
            secret: secret.map(WebhookSecret::expose),
        }
    }
}

/// A page of webhook endpoints in id order.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct WebhookList {
    /// The endpoints of the page.
    pub(super) webhooks: Vec<WebhookJson>,
    /// How many endpoints there are in all.
    pub(super) total: i64,
    /// The page size used.
    pub(super) limit: i64,
    /// How many endpoints were skipped.
    pub(super) offset: i64,
    /// Send it as `cursor` (with the same `limit`) for the next page; `null` after the
    /// last page.
    pub(super) next_cursor: Option<String>,
}

/// One attempt to deliver an event to an endpoint.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct DeliveryJson {
    /// The attempt's id.
    pub(super) id: i64,
    /// The event's id, sent as `webhook-id`: the same on every attempt.
    pub(super) event_id: String,
    /// The event's type.
    pub(super) event_type: String,
    /// 1 for the first attempt, one more for each retry.
    pub(super) attempt: i32,
    /// `pending` (not made yet), `delivered` (the endpoint answered 2xx) or `failed`.
    pub(super) status: String,
    /// The endpoint's HTTP status; `null` without an answer.
    pub(super) response_status: Option<i16>,
    /// How long the attempt took, in milliseconds.
    pub(super) latency_ms: Option<i32>,
    /// Why it failed; `null` unless it did.
    pub(super) error: Option<String>,
    /// When it was made (UTC); `null` while pending.
    pub(super) attempted_at: Option<DateTime<Utc>>,
    /// When a pending attempt is due, or when a failed one is retried; `null` once
    /// delivered or given up.
    pub(super) next_attempt_at: Option<DateTime<Utc>>,
}

impl From<Delivery> for DeliveryJson {
    fn from(delivery: Delivery) -> Self {
        Self {
            id: delivery.id.get(),
            event_id: delivery.event_id,
            event_type: delivery.event_type.as_str().to_owned(),
            attempt: delivery.attempt,
            status: delivery.status.as_str().to_owned(),
            response_status: delivery.response_status,
            latency_ms: delivery.latency_ms,
            error: delivery.error,
            attempted_at: delivery.attempted_at,
            next_attempt_at: delivery.next_attempt_at,
        }
    }
}

/// A page of an endpoint's delivery attempts, newest first.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct DeliveryList {
    /// The attempts of the page.
    pub(super) deliveries: Vec<DeliveryJson>,
    /// How many attempts the endpoint has in all.
    pub(super) total: i64,
    /// The page size used.
    pub(super) limit: i64,
    /// How many attempts were skipped.
    pub(super) offset: i64,
    /// Send it as `cursor` (with the same `limit`) for the next page; `null` after the
    /// last page.
    pub(super) next_cursor: Option<String>,
}

/// A webhook endpoint to create.
#[derive(Debug, Deserialize, Apiv2Schema)]
#[serde(deny_unknown_fields)]
pub struct CreateWebhook {
    /// An `http` or `https` URL, at most 2,048 characters; hosts on loopback,
    /// private or link-local addresses are refused unless the server allows them.
    #[serde(default)]
    pub(super) url: Required<String>,
    /// Event types: `order.created`, `order.status_changed`, `product.created`,
    /// `product.updated`, `user.created`, `user.updated`; `["*"]` for all.
    #[serde(default)]
    pub(super) events: Required<Vec<String>>,
    /// What it is for, at most 500 characters.
    #[serde(default)]
    pub(super) description: Option<String>,
}

/// The fields of an endpoint to change; give at least one.
#[derive(Debug, Deserialize, Apiv2Schema)]
#[serde(deny_unknown_fields)]
pub struct UpdateWebhook {
    /// A new URL, checked as when created.
    #[serde(default)]
    pub(super) url: Patch<String>,
    /// Other event types; `["*"]` for all.
    #[serde(default)]
    pub(super) events: Patch<Vec<String>>,
    /// A new description; `null` removes it.
    #[serde(default)]
    pub(super) description: Patch<String>,
    /// `false` stops queueing events for the endpoint (what was queued waits);
    /// `true` resumes.
    #[serde(default)]
    pub(super) enabled: Patch<bool>,
}
