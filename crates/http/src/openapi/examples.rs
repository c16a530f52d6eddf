//! Example payloads, consistent with each other (one user, two products, one order).

use serde_json::{json, Value};

pub fn health() -> Value {
    json!({"status": "ok"})
}
pub fn ready() -> Value {
    json!({"status": "ready"})
}
pub fn user() -> Value {
    json!({"id": 1, "email": "john.doe@example.com", "full_name": "John Doe", "created_at": "2024-01-10T08:00:00Z", "version": 1})
}
pub fn user_list() -> Value {
    json!({"users": [user()], "total": 1, "limit": 20, "offset": 0, "next_cursor": null})
}
pub fn create_user() -> Value {
    json!({"email": "john.doe@example.com", "full_name": "John Doe"})
}
pub fn update_user() -> Value {
    json!({"full_name": "John Q. Doe"})
}
pub fn product() -> Value {
    json!({"id": 1, "name": "MacBook Pro 16\"", "price_cents": 249_999, "version": 1, "stock": 12})
}
pub fn product_list() -> Value {
    json!({"products": [product(), {"id": 2, "name": "USB-C Cable", "price_cents": 1_999, "version": 3, "stock": null}], "total": 5, "limit": 2, "offset": 0, "next_cursor": "AQAAAAAAAAAAAuCn3DBy_EX4Z1jvTxm1Ag0"})
}
pub fn create_product() -> Value {
    json!({"name": "MacBook Pro 16\"", "price_cents": 249_999, "stock": 12})
}
pub fn update_product() -> Value {
    json!({"price_cents": 239_999})
}
pub fn orders_csv() -> Value {
    Value::String(
        "order_id,user_id,status,created_at,updated_at,product_id,product_name,quantity,price_cents_at_purchase,order_total_amount_cents\r\n\
         2,1,paid,2024-01-16T10:30:00Z,2024-01-16T11:00:00Z,2,USB-C Cable,1,1999,1999\r\n\
         1,1,pending,2024-01-15T09:00:00Z,,1,\"MacBook Pro 16\"\"\",2,249999,501997\r\n\
         1,1,pending,2024-01-15T09:00:00Z,,2,USB-C Cable,1,1999,501997\r\n"
            .to_owned(),
    )
}
pub fn order() -> Value {
    json!({
        "order_id": 1, "user_id": 1, "user_name": "John Doe", "status": "pending",
        "created_at": "2024-01-16T10:30:00Z", "updated_at": null,
        "items": [
            {"id": 1, "product_id": 1, "product_name": "MacBook Pro 16\"", "quantity": 2, "price_cents_at_purchase": 249_999},
            {"id": 2, "product_id": 2, "product_name": "USB-C Cable", "quantity": 1, "price_cents_at_purchase": 1_999}
        ],
        "total_amount_cents": 501_997, "total_quantity": 3, "version": 1
    })
}
pub fn paid_order() -> Value {
    let mut order = order();
    order["status"] = "paid".into();
    order["updated_at"] = "2024-01-16T11:00:00Z".into();
    order["version"] = 2.into();
    order
}
pub fn order_list() -> Value {
    json!({"orders": [paid_order()], "total": 1, "limit": 20, "offset": 0, "total_amount_cents": 501_997, "total_quantity": 3, "next_cursor": null})
}
pub fn create_order() -> Value {
    json!({"user_id": 1, "items": [{"product_id": 1, "quantity": 2}, {"product_id": 2, "quantity": 1}]})
}
pub fn update_order() -> Value {
    json!({"status": "paid"})
}
fn error(code: &str, detail: &str, field: Option<&str>) -> Value {
    let mut body = json!({"detail": detail, "code": code});
    if let Some(field) = field {
        body["field"] = field.into();
    }
    body
}
pub fn validation_error() -> Value {
    error(
        "VALIDATION_ERROR",
        "email must be a valid e-mail address: it has no '@'",
        Some("email"),
    )
}
pub fn bad_limit() -> Value {
    error(
        "VALIDATION_ERROR",
        "limit must be between 1 and 100 (got 500)",
        Some("limit"),
    )
}
pub fn bad_id() -> Value {
    error(
        "VALIDATION_ERROR",
        "order_id must be a positive integer that fits in 64 bits",
        Some("order_id"),
    )
}
pub fn bad_quantity() -> Value {
    error(
        "VALIDATION_ERROR",
        "quantity must be between 1 and 1000000 (got 0)",
        Some("items[1].quantity"),
    )
}
pub fn bad_status_filter() -> Value {
    error(
        "INVALID_STATUS",
        "status must be one of pending, paid, shipped, cancelled (got 'done')",
        Some("status"),
    )
}
pub fn invalid_status() -> Value {
    error(
        "INVALID_STATUS",
        "status must be one of pending, paid, shipped, cancelled (got 'sent')",
        Some("status"),
    )
}
pub fn empty_update() -> Value {
    error(
        "EMPTY_UPDATE",
        "the update names no field to change; give at least one of email, full_name",
        None,
    )
}
pub fn user_not_found() -> Value {
    error("USER_NOT_FOUND", "user 42 does not exist", None)
}
pub fn product_not_found() -> Value {
    error("PRODUCT_NOT_FOUND", "product 42 does not exist", None)
}
pub fn product_missing() -> Value {
    error(
        "PRODUCT_NOT_FOUND",
        "product 42 does not exist",
        Some("items[0].product_id"),
    )
}
pub fn out_of_stock() -> Value {
    error(
        "OUT_OF_STOCK",
        "not enough stock: product 1 (2 ordered, 1 left); nothing was ordered",
        Some("items[0].quantity"),
    )
}
pub fn idempotency_key_in_use() -> Value {
    error(
        "IDEMPOTENCY_KEY_IN_USE",
        "a request with this Idempotency-Key is still being processed; retry in a second",
        Some("Idempotency-Key"),
    )
}
pub fn idempotency_key_reused() -> Value {
    error(
        "IDEMPOTENCY_KEY_REUSED",
        "this Idempotency-Key was used for a different request (method, path or body); use a new key for a new request",
        Some("Idempotency-Key"),
    )
}
pub fn order_not_found() -> Value {
    error("ORDER_NOT_FOUND", "order 42 does not exist", None)
}
pub fn email_taken() -> Value {
    error(
        "EMAIL_TAKEN",
        "another user already has this e-mail address",
        Some("email"),
    )
}
pub fn transition() -> Value {
    error(
        "INVALID_STATUS_TRANSITION",
        "cannot change the status of an order from 'shipped' to 'pending'",
        None,
    )
}
pub fn too_large() -> Value {
    error(
        "PAYLOAD_TOO_LARGE",
        "the request body is larger than the limit of 65536 bytes",
        None,
    )
}
pub fn not_json() -> Value {
    error(
        "UNSUPPORTED_MEDIA_TYPE",
        "the request body must be JSON, sent with Content-Type: application/json",
        None,
    )
}
pub fn unavailable() -> Value {
    error(
        "SERVICE_UNAVAILABLE",
        "the database is unavailable; retry later",
        None,
    )
}
pub fn internal() -> Value {
    error(
        "INTERNAL_ERROR",
        "the server failed to handle the request; it has been logged",
        None,
    )
}
pub fn api_key() -> Value {
    json!({
        "id": 1, "name": "checkout service", "prefix": "oms_3fK9a2Lq",
        "scopes": ["orders:write", "products:read", "users:read"],
        "rate_limit_per_minute": null, "created_at": "2024-01-10T08:00:00Z",
        "last_used_at": "2024-01-16T10:30:00Z", "revoked_at": null
    })
}
pub fn api_key_list() -> Value {
    json!({"api_keys": [api_key()], "total": 1, "limit": 20, "offset": 0, "next_cursor": null})
}
pub fn new_api_key() -> Value {
    json!({
        "id": 1, "name": "checkout service", "prefix": "oms_3fK9a2Lq",
        "scopes": ["orders:write", "products:read", "users:read"],
        "rate_limit_per_minute": null, "created_at": "2024-01-10T08:00:00Z",
        "last_used_at": null, "key": "oms_3fK9a2LqVw8e1RbT0yNc5uXh7JmPzQdK4sGiLo6A"
    })
}
pub fn create_api_key() -> Value {
    json!({"name": "checkout service", "scopes": ["orders:write", "products:read", "users:read"]})
}
pub fn bad_scope() -> Value {
    error(
        "VALIDATION_ERROR",
        "scopes has an unknown scope: 'orders:delete' is not a scope; scopes are users:read, users:write, products:read, products:write, orders:read, orders:write, webhooks:manage, admin",
        Some("scopes"),
    )
}
pub fn api_key_not_found() -> Value {
    error("API_KEY_NOT_FOUND", "API key 42 does not exist", None)
}
pub fn unauthenticated() -> Value {
    error(
        "UNAUTHENTICATED",
        "this call needs an API key, sent as 'Authorization: Bearer <key>'",
        None,
    )
}
pub fn forbidden() -> Value {
    error(
        "FORBIDDEN",
        "this API key lacks the scope 'orders:write' that POST /api/v1/orders needs",
        None,
    )
}
pub fn rate_limited() -> Value {
    error(
        "RATE_LIMITED",
        "this API key may make 600 requests per minute; retry in 12 s",
        None,
    )
}
pub fn order_events() -> Value {
    json!({
        "events": [
            {"id": 1, "order_id": 1, "type": "order.created", "at": "2024-01-16T10:30:00Z",
             "status_from": null, "status_to": "pending",
             "actor": {"api_key_id": 1, "request_id": "6f0c2a3e-1f5b-4f8e-9a57-0c3f1d2e4b5a"}},
            {"id": 2, "order_id": 1, "type": "order.status_changed", "at": "2024-01-16T11:00:00Z",
             "status_from": "pending", "status_to": "paid",
             "actor": {"api_key_id": 1, "request_id": "checkout-7781"}}
        ],
        "total": 2, "limit": 20, "offset": 0, "next_cursor": null
    })
}
pub fn precondition_failed() -> Value {
    error(
        "PRECONDITION_FAILED",
        "product 1 is at version 4, which If-Match does not name; nothing was changed",
        Some("If-Match"),
    )
}
pub fn webhook() -> Value {
    json!({
        "id": 1, "url": "https://erp.example.com/oms/events",
        "events": ["order.created", "order.status_changed"],
        "description": "fulfilment", "enabled": true, "created_at": "2024-01-10T08:00:00Z"
    })
}
pub fn webhook_list() -> Value {
    json!({"webhooks": [webhook()], "total": 1, "limit": 20, "offset": 0, "next_cursor": null})
}
pub fn new_webhook() -> Value {
    let mut created = webhook();
    created["secret"] = json!("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwPD8ILPZIo2I=");
    created
}
pub fn create_webhook() -> Value {
    json!({
        "url": "https://erp.example.com/oms/events",
        "events": ["order.created", "order.status_changed"],
        "description": "fulfilment"
    })
}
pub fn update_webhook() -> Value {
    json!({"enabled": false})
}
pub fn bad_webhook() -> Value {
    error(
        "VALIDATION_ERROR",
        "url names 10.0.0.8, which is 10.0.0.8: a loopback, private or link-local address; endpoints must be reachable from outside",
        Some("url"),
    )
}
pub fn webhook_not_found() -> Value {
    error("WEBHOOK_NOT_FOUND", "webhook 42 does not exist", None)
}
pub fn delivery() -> Value {
    json!({
        "id": 8, "event_id": "0b9d6a9e-5f43-4c4e-9a51-1de2f3a4b5c6", "event_type": "order.created",
        "attempt": 2, "status": "pending", "response_status": null, "latency_ms": null,
        "error": null, "attempted_at": null, "next_attempt_at": "2024-01-16T10:35:02Z"
    })
}
pub fn delivery_list() -> Value {
    json!({
        "deliveries": [
            delivery(),
            {"id": 7, "event_id": "0b9d6a9e-5f43-4c4e-9a51-1de2f3a4b5c6", "event_type": "order.created",
             "attempt": 1, "status": "failed", "response_status": 503, "latency_ms": 41,
             "error": "the endpoint answered 503", "attempted_at": "2024-01-16T10:30:01Z",
             "next_attempt_at": "2024-01-16T10:35:02Z"}
        ],
        "total": 2, "limit": 20, "offset": 0, "next_cursor": null
    })
}
pub fn delivery_not_found() -> Value {
    error("DELIVERY_NOT_FOUND", "delivery 42 does not exist", None)
}
