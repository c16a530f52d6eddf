//! The components of the document: shared schemas and what paperclip leaves out of
//! them (bounds, nullability, enums).

use serde_json::{json, Value};

use super::webhook_schemas::complete_webhook_schemas;
use super::{examples, extend, place, statuses, statuses_or_null};
use oms_domain::Quantity;

/// paperclip inlines a type wherever it is used inside another; these become
/// shared components referenced by `$ref`, so each is described once.
const HOISTED: &[(&str, &str)] = &[
    (
        "/components/schemas/UserList/properties/users/items",
        "UserJson",
    ),
    (
        "/components/schemas/ProductList/properties/products/items",
        "ProductJson",
    ),
    (
        "/components/schemas/OrderList/properties/orders/items",
        "OrderJson",
    ),
    (
        "/components/schemas/OrderJson/properties/items/items",
        "ItemJson",
    ),
    (
        "/components/schemas/CreateOrder/properties/items/items",
        "CreateLine",
    ),
    (
        "/components/schemas/ApiKeyList/properties/api_keys/items",
        "ApiKeyJson",
    ),
    (
        "/components/schemas/OrderEventList/properties/events/items",
        "OrderEventJson",
    ),
    (
        "/components/schemas/WebhookList/properties/webhooks/items",
        "WebhookJson",
    ),
    (
        "/components/schemas/DeliveryList/properties/deliveries/items",
        "DeliveryJson",
    ),
];

/// Request bodies refuse fields they do not define.
const REQUEST_SCHEMAS: &[&str] = &[
    "CreateUser",
    "UpdateUser",
    "CreateProduct",
    "UpdateProduct",
    "CreateApiKey",
    "CreateOrder",
    "CreateLine",
    "UpdateOrder",
    "CreateWebhook",
    "UpdateWebhook",
];

fn hoist_nested_types(doc: &mut Value) {
    for (pointer, name) in HOISTED {
        let inline = std::mem::replace(
            doc.pointer_mut(pointer)
                .unwrap_or_else(|| panic!("the generated OpenAPI document has no {pointer}")),
            json!({"$ref": format!("#/components/schemas/{name}")}),
        );
        place(doc, "/components/schemas")
            .entry(name.to_string())
            .or_insert(inline);
    }
}

pub(super) fn complete_schemas(doc: &mut Value) {
    hoist_nested_types(doc);
    let schemas = "/components/schemas";
    for name in REQUEST_SCHEMAS {
        extend(
            doc,
            &format!("{schemas}/{name}"),
            json!({"additionalProperties": false}),
        );
    }
    for name in ["UpdateUser", "UpdateProduct", "UpdateWebhook"] {
        extend(
            doc,
            &format!("{schemas}/{name}"),
            json!({"minProperties": 1}),
        );
    }
    let id = json!({"minimum": 1, "example": 1});
    let name = json!({"minLength": 1, "maxLength": oms_domain::input::NAME_MAX_CHARS});
    let email = json!({
        "format": "email",
        "maxLength": oms_domain::input::EMAIL_MAX_CHARS,
        "example": "john.doe@example.com",
    });
    let price = json!({"minimum": 0, "example": 249_999});
    let quantity = json!({"minimum": 1, "maximum": Quantity::MAX, "example": 2});

    extend(
        doc,
        &format!("{schemas}/CreateUser/properties/email"),
        email.clone(),
    );
    extend(
        doc,
        &format!("{schemas}/CreateUser/properties/full_name"),
        name.clone(),
    );
    extend(
        doc,
        &format!("{schemas}/UpdateUser/properties/email"),
        email,
    );
    extend(
        doc,
        &format!("{schemas}/UpdateUser/properties/full_name"),
        name.clone(),
    );
    extend(
        doc,
        &format!("{schemas}/CreateProduct/properties/name"),
        name.clone(),
    );
    extend(
        doc,
        &format!("{schemas}/CreateProduct/properties/price_cents"),
        price.clone(),
    );
    extend(
        doc,
        &format!("{schemas}/UpdateProduct/properties/name"),
        name,
    );
    extend(
        doc,
        &format!("{schemas}/UpdateProduct/properties/price_cents"),
        price,
    );
    let stock = json!({"minimum": 0, "maximum": i32::MAX, "nullable": true, "example": 12});
    for shape in ["CreateProduct", "UpdateProduct", "ProductJson"] {
        extend(
            doc,
            &format!("{schemas}/{shape}/properties/stock"),
            stock.clone(),
        );
    }
    extend(
        doc,
        &format!("{schemas}/CreateOrder/properties/user_id"),
        id.clone(),
    );
    extend(
        doc,
        &format!("{schemas}/CreateOrder/properties/status"),
        json!({"enum": statuses_or_null(), "default": "pending", "nullable": true}),
    );
    extend(
        doc,
        &format!("{schemas}/CreateOrder/properties/items"),
        json!({"minItems": 1, "maxItems": oms_domain::NewOrder::MAX_LINES}),
    );
    extend(
        doc,
        &format!("{schemas}/CreateLine/properties/product_id"),
        id,
    );
    extend(
        doc,
        &format!("{schemas}/CreateLine/properties/quantity"),
        quantity,
    );
    extend(
        doc,
        &format!("{schemas}/UpdateOrder/properties/status"),
        json!({"enum": statuses(), "example": "paid"}),
    );
    extend(
        doc,
        &format!("{schemas}/OrderJson/properties/updated_at"),
        json!({"nullable": true}),
    );
    complete_key_schemas(doc);
    complete_event_schemas(doc);
    complete_webhook_schemas(doc);
    extend(
        doc,
        &format!("{schemas}/ApiError"),
        json!({"example": examples::validation_error()}),
    );
    extend(
        doc,
        &format!("{schemas}/UserJson"),
        json!({"example": examples::user()}),
    );
    extend(
        doc,
        &format!("{schemas}/ProductJson"),
        json!({"example": examples::product()}),
    );
    extend(
        doc,
        &format!("{schemas}/OrderJson"),
        json!({"example": examples::order()}),
    );
}

/// The API key shapes: scope names as an enum, limits and nullable times.
fn complete_key_schemas(doc: &mut Value) {
    let schemas = "/components/schemas";
    let scopes: Vec<&str> = oms_domain::Scope::ALL.map(|scope| scope.as_str()).to_vec();
    let scope_list = json!({"items": {"type": "string", "enum": scopes}, "example": ["orders:write", "products:read"]});
    extend(
        doc,
        &format!("{schemas}/CreateApiKey/properties/name"),
        json!({"minLength": 1, "maxLength": oms_domain::access::KEY_NAME_MAX_CHARS, "example": "checkout service"}),
    );
    extend(
        doc,
        &format!("{schemas}/CreateApiKey/properties/scopes"),
        json!({"minItems": 1}),
    );
    extend(
        doc,
        &format!("{schemas}/CreateApiKey/properties/rate_limit_per_minute"),
        json!({
            "minimum": 0,
            "maximum": oms_domain::access::RATE_LIMIT_MAX_PER_MINUTE,
            "nullable": true,
            "example": 600,
        }),
    );
    for shape in ["CreateApiKey", "ApiKeyJson", "NewApiKeyJson"] {
        extend(
            doc,
            &format!("{schemas}/{shape}/properties/scopes"),
            scope_list.clone(),
        );
    }
    for shape in ["ApiKeyJson", "NewApiKeyJson"] {
        for nullable in ["rate_limit_per_minute", "last_used_at"] {
            extend(
                doc,
                &format!("{schemas}/{shape}/properties/{nullable}"),
                json!({"nullable": true}),
            );
        }
    }
    extend(
        doc,
        &format!("{schemas}/ApiKeyJson/properties/revoked_at"),
        json!({"nullable": true}),
    );
    extend(
        doc,
        &format!("{schemas}/NewApiKeyJson/properties/key"),
        json!({"nullable": true}),
    );
    for list in [
        "UserList",
        "ProductList",
        "ApiKeyList",
        "OrderEventList",
        "OrderList",
        "WebhookList",
        "DeliveryList",
    ] {
        extend(
            doc,
            &format!("{schemas}/{list}/properties/next_cursor"),
            json!({"nullable": true}),
        );
    }
    extend(
        doc,
        &format!("{schemas}/ApiKeyJson"),
        json!({"example": examples::api_key()}),
    );
}

/// The history shapes: event types and statuses as enums, nullable fields.
fn complete_event_schemas(doc: &mut Value) {
    let event = "/components/schemas/OrderEventJson/properties";
    extend(
        doc,
        &format!("{event}/type"),
        json!({"enum": ["order.created", "order.status_changed"]}),
    );
    extend(
        doc,
        &format!("{event}/status_from"),
        json!({"enum": statuses_or_null(), "nullable": true}),
    );
    extend(
        doc,
        &format!("{event}/status_to"),
        json!({"enum": statuses()}),
    );
    for field in ["api_key_id", "request_id"] {
        extend(
            doc,
            &format!("{event}/actor/properties/{field}"),
            json!({"nullable": true}),
        );
    }
}
