//! The webhook shapes: event types and statuses as enums, bounds, and the
//! fields that may be null.

use oms_domain::EventType;
use serde_json::{json, Value};

use super::extend;

pub(super) fn complete_webhook_schemas(doc: &mut Value) {
    let schemas = "/components/schemas";
    let mut names: Vec<&str> = EventType::ALL.map(EventType::as_str).to_vec();
    names.push("*");
    let url = json!({"format": "uri", "maxLength": 2048, "example": "https://erp.example.com/oms/events"});
    let events = json!({
        "items": {"type": "string", "enum": names},
        "example": ["order.created", "order.status_changed"],
    });
    let description = json!({"maxLength": 500, "nullable": true, "example": "fulfilment"});
    for shape in [
        "CreateWebhook",
        "UpdateWebhook",
        "WebhookJson",
        "NewWebhookJson",
    ] {
        extend(
            doc,
            &format!("{schemas}/{shape}/properties/url"),
            url.clone(),
        );
        extend(
            doc,
            &format!("{schemas}/{shape}/properties/events"),
            events.clone(),
        );
        extend(
            doc,
            &format!("{schemas}/{shape}/properties/description"),
            description.clone(),
        );
    }
    extend(
        doc,
        &format!("{schemas}/CreateWebhook/properties/events"),
        json!({"minItems": 1}),
    );
    extend(
        doc,
        &format!("{schemas}/UpdateWebhook/properties/events"),
        json!({"minItems": 1}),
    );
    extend(
        doc,
        &format!("{schemas}/NewWebhookJson/properties/secret"),
        json!({"nullable": true, "example": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwPD8ILPZIo2I="}),
    );
    let delivery = format!("{schemas}/DeliveryJson/properties");
    extend(
        doc,
        &format!("{delivery}/status"),
        json!({"enum": ["pending", "delivered", "failed"]}),
    );
    extend(
        doc,
        &format!("{delivery}/event_type"),
        json!({"enum": EventType::ALL.map(EventType::as_str)}),
    );
    for nullable in [
        "response_status",
        "latency_ms",
        "error",
        "attempted_at",
        "next_attempt_at",
    ] {
        extend(
            doc,
            &format!("{delivery}/{nullable}"),
            json!({"nullable": true}),
        );
    }
}
