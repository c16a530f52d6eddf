//! What each operation is missing from the generated document: parameters,
//! examples and its error responses.

use serde_json::{json, Value};

use oms_domain::{Paging, Scope};

use super::conditions::{complete_idempotent, complete_versioned, versioned};
use super::{examples, statuses};
use crate::access::scopes;
use crate::ApiConfig;

/// An error response of an operation: status, when it happens, an example body.
type ErrorDoc = (u16, &'static str, fn() -> Value);

/// What one operation is missing from the generated document.
struct OperationDoc {
    path_parameters: &'static [(&'static str, &'static str)],
    query: &'static [&'static str],
    request_example: Option<fn() -> Value>,
    /// `None` for an operation that answers 204 with no body; a JSON string
    /// for one that answers CSV.
    success_example: Option<fn() -> Value>,
    errors: &'static [ErrorDoc],
}

fn operation_doc(id: &str) -> OperationDoc {
    use examples as ex;
    type PathParameters = &'static [(&'static str, &'static str)];
    const USER_ID: PathParameters = &[("user_id", "The user's id: a positive integer.")];
    const PRODUCT_ID: PathParameters = &[("product_id", "The product's id: a positive integer.")];
    const ORDER_ID: PathParameters = &[("order_id", "The order's id: a positive integer.")];
    const API_KEY_ID: PathParameters = &[("api_key_id", "The API key's id: a positive integer.")];
    const WEBHOOK_ID: PathParameters = &[(
        "webhook_id",
        "The webhook endpoint's id: a positive integer.",
    )];
    const DELIVERY_ID: PathParameters = &[
        (
            "webhook_id",
            "The webhook endpoint's id: a positive integer.",
        ),
        (
            "delivery_id",
            "The id of one of the endpoint's delivery attempts: a positive integer.",
        ),
    ];
    const BAD_PAGING: ErrorDoc = (
        400,
        "A paging parameter is out of range, not a number, or unknown.",
        ex::bad_limit,
    );
    const BAD_ID: ErrorDoc = (400, "The id is not a positive 64-bit integer.", ex::bad_id);
    const BAD_BODY: ErrorDoc = (400, "The body is malformed, has a field of the wrong type, an unknown field, or a value that breaks a rule.", ex::validation_error);
    const TOO_LARGE: ErrorDoc = (
        413,
        "The body is larger than the limit (64 KiB by default).",
        ex::too_large,
    );
    const NOT_JSON: ErrorDoc = (
        415,
        "The body is not sent as application/json.",
        ex::not_json,
    );
    match id {
        "listUsers" => OperationDoc { path_parameters: &[], query: crate::PAGING_PARAMS, request_example: None, success_example: Some(ex::user_list), errors: &[BAD_PAGING] },
        "getUser" => OperationDoc { path_parameters: USER_ID, query: &[], request_example: None, success_example: Some(ex::user), errors: &[BAD_ID, (404, "No user has this id.", ex::user_not_found)] },
        "createUser" => OperationDoc { path_parameters: &[], query: &[], request_example: Some(ex::create_user), success_example: Some(ex::user), errors: &[BAD_BODY, (409, "Another user has this e-mail address, in any case.", ex::email_taken), TOO_LARGE, NOT_JSON] },
        "updateUser" => OperationDoc { path_parameters: USER_ID, query: &[], request_example: Some(ex::update_user), success_example: Some(ex::user), errors: &[(400, "The body names no field (`EMPTY_UPDATE`), is malformed, or breaks a rule.", ex::empty_update), (404, "No user has this id.", ex::user_not_found), (409, "Another user has this e-mail address, in any case.", ex::email_taken), TOO_LARGE, NOT_JSON] },
        "listProducts" => OperationDoc { path_parameters: &[], query: crate::PAGING_PARAMS, request_example: None, success_example: Some(ex::product_list), errors: &[BAD_PAGING] },
        "getProduct" => OperationDoc { path_parameters: PRODUCT_ID, query: &[], request_example: None, success_example: Some(ex::product), errors: &[BAD_ID, (404, "No product has this id.", ex::product_not_found)] },
        "createProduct" => OperationDoc { path_parameters: &[], query: &[], request_example: Some(ex::create_product), success_example: Some(ex::product), errors: &[BAD_BODY, TOO_LARGE, NOT_JSON] },
        "updateProduct" => OperationDoc { path_parameters: PRODUCT_ID, query: &[], request_example: Some(ex::update_product), success_example: Some(ex::product), errors: &[(400, "The body names no field (`EMPTY_UPDATE`), is malformed, or breaks a rule.", ex::empty_update), (404, "No product has this id.", ex::product_not_found), TOO_LARGE, NOT_JSON] },
        "listOrders" => OperationDoc { path_parameters: &[], query: crate::orders::LIST_PARAMS, request_example: None, success_example: Some(ex::order_list), errors: &[(400, "A filter or paging parameter is invalid (`INVALID_STATUS` for a status that is not one of the four), `start_date` is after `end_date`, or a parameter is unknown.", ex::bad_status_filter)] },
        "getOrder" => OperationDoc { path_parameters: ORDER_ID, query: &[], request_example: None, success_example: Some(ex::order), errors: &[BAD_ID, (404, "No order has this id.", ex::order_not_found)] },
        "createOrder" => OperationDoc { path_parameters: &[], query: &[], request_example: Some(ex::create_order), success_example: Some(ex::order), errors: &[(400, "The body is malformed or breaks a rule (1–100 lines, quantities 1–1,000,000, a total that fits in 64 bits); `INVALID_STATUS` for an unknown status.", ex::bad_quantity), (404, "The user (`USER_NOT_FOUND`) or a product (`PRODUCT_NOT_FOUND`) does not exist; nothing is written.", ex::product_missing), (409, "A product whose stock is tracked has less left than the order asks (`OUT_OF_STOCK`; `detail` names each short product with what is left, `field` its first line when one is short); nothing is written.", ex::out_of_stock), TOO_LARGE, NOT_JSON] },
        "health" => OperationDoc { path_parameters: &[], query: &[], request_example: None, success_example: Some(ex::health), errors: &[] },
        "ready" => OperationDoc { path_parameters: &[], query: &[], request_example: None, success_example: Some(ex::ready), errors: &[] },
        "updateOrderStatus" => OperationDoc { path_parameters: ORDER_ID, query: &[], request_example: Some(ex::update_order), success_example: Some(ex::paid_order), errors: &[(400, "The body is malformed, or `status` is not one of the four states (`INVALID_STATUS`).", ex::invalid_status), (404, "No order has this id.", ex::order_not_found), (409, "The order's life cycle forbids the change; `detail` names both states.", ex::transition), TOO_LARGE, NOT_JSON] },
        "listOrderEvents" => OperationDoc { path_parameters: ORDER_ID, query: crate::PAGING_PARAMS, request_example: None, success_example: Some(ex::order_events), errors: &[(400, "The id or a paging parameter is invalid.", ex::bad_limit), (404, "No order has this id.", ex::order_not_found)] },
        "listApiKeys" => OperationDoc { path_parameters: &[], query: crate::PAGING_PARAMS, request_example: None, success_example: Some(ex::api_key_list), errors: &[BAD_PAGING] },
        "getApiKey" => OperationDoc { path_parameters: API_KEY_ID, query: &[], request_example: None, success_example: Some(ex::api_key), errors: &[BAD_ID, (404, "No API key has this id.", ex::api_key_not_found)] },
        "createApiKey" => OperationDoc { path_parameters: &[], query: &[], request_example: Some(ex::create_api_key), success_example: Some(ex::new_api_key), errors: &[(400, "The body is malformed, names an unknown scope or none, or a rate limit out of range.", ex::bad_scope), TOO_LARGE, NOT_JSON] },
        "exportOrders" => OperationDoc { path_parameters: &[], query: crate::export::EXPORT_PARAMS, request_example: None, success_example: Some(ex::orders_csv), errors: &[(400, "A filter is invalid (`INVALID_STATUS` for a status that is not one of the four), `start_date` is after `end_date`, or a parameter is unknown.", ex::bad_status_filter)] },
        "revokeApiKey" => OperationDoc { path_parameters: API_KEY_ID, query: &[], request_example: None, success_example: None, errors: &[BAD_ID, (404, "No API key has this id.", ex::api_key_not_found)] },
        "listWebhooks" => OperationDoc { path_parameters: &[], query: crate::PAGING_PARAMS, request_example: None, success_example: Some(ex::webhook_list), errors: &[BAD_PAGING] },
        "getWebhook" => OperationDoc { path_parameters: WEBHOOK_ID, query: &[], request_example: None, success_example: Some(ex::webhook), errors: &[BAD_ID, (404, "No webhook endpoint has this id.", ex::webhook_not_found)] },
        "createWebhook" => OperationDoc { path_parameters: &[], query: &[], request_example: Some(ex::create_webhook), success_example: Some(ex::new_webhook), errors: &[(400, "The body is malformed, the URL is not http(s), does not resolve or resolves to a loopback, private or link-local address, or an event type is unknown.", ex::bad_webhook), TOO_LARGE, NOT_JSON] },
        "updateWebhook" => OperationDoc { path_parameters: WEBHOOK_ID, query: &[], request_example: Some(ex::update_webhook), success_example: Some(ex::webhook), errors: &[(400, "The body names no field (`EMPTY_UPDATE`), is malformed, or breaks a rule (as when created).", ex::bad_webhook), (404, "No webhook endpoint has this id.", ex::webhook_not_found), TOO_LARGE, NOT_JSON] },
        "deleteWebhook" => OperationDoc { path_parameters: WEBHOOK_ID, query: &[], request_example: None, success_example: None, errors: &[BAD_ID, (404, "No webhook endpoint has this id.", ex::webhook_not_found)] },
        "listWebhookDeliveries" => OperationDoc { path_parameters: WEBHOOK_ID, query: crate::PAGING_PARAMS, request_example: None, success_example: Some(ex::delivery_list), errors: &[(400, "The id or a paging parameter is invalid.", ex::bad_limit), (404, "No webhook endpoint has this id.", ex::webhook_not_found)] },
        "retryWebhookDelivery" => OperationDoc { path_parameters: DELIVERY_ID, query: &[], request_example: None, success_example: Some(ex::delivery), errors: &[BAD_ID, (404, "No webhook endpoint has this id (`WEBHOOK_NOT_FOUND`), or the endpoint has no such delivery (`DELIVERY_NOT_FOUND`).", ex::delivery_not_found)] },
        other => panic!("operation {other} has no documentation in openapi.rs"),
    }
}

/// Where an operation is served, and the API it belongs to.
pub(super) struct Route<'a> {
    /// `get`, `post`, … as in the document.
    pub method: &'a str,
    /// The path as in the document (prefix included).
    pub path: &'a str,
    /// The API's settings.
    pub config: &'a ApiConfig,
}

pub(super) fn complete_operation(operation: &mut Value, id: &str, route: &Route<'_>) {
    let doc = operation_doc(id);
    let parameters = operation
        .as_object_mut()
        .expect("an operation is an object")
        .entry("parameters")
        .or_insert_with(|| json!([]));
    for &(name, description) in doc.path_parameters {
        let parameter = parameters
            .as_array_mut()
            .and_then(|list| {
                list.iter_mut()
                    .find(|p| p["name"] == name && p["in"] == "path")
            })
            .unwrap_or_else(|| panic!("{id} has no path parameter {name}"));
        parameter["description"] = description.into();
        parameter["schema"] = json!({"type": "integer", "format": "int64", "minimum": 1});
        parameter["example"] = 1.into();
    }
    if let Value::Array(list) = parameters {
        list.extend(doc.query.iter().map(|name| query_parameter(name)));
        if list.is_empty() {
            operation
                .as_object_mut()
                .expect("an operation is an object")
                .remove("parameters");
        }
    }
    if let Some(example) = doc.request_example {
        operation["requestBody"]["content"]["application/json"]["example"] = example();
    }
    let access = route_access(route);
    if let Some(access) = &access {
        operation["security"] = json!([{SECURITY_SCHEME: []}]);
        if let Some(scope) = access.scope {
            operation["x-required-scope"] = scope.as_str().into();
            let description = operation["description"].as_str().unwrap_or_default();
            operation["description"] = format!(
                "{description}\n\nNeeds an API key with the scope `{scope}`{}.",
                if scope == Scope::Admin {
                    ""
                } else {
                    " (or one that includes it)"
                }
            )
            .trim_start()
            .into();
        }
    } else {
        operation["security"] = json!([]);
    }
    let responses = operation["responses"]
        .as_object_mut()
        .unwrap_or_else(|| panic!("{id} has no responses"));
    let success_status = responses
        .keys()
        .find(|status| status.starts_with('2'))
        .cloned();
    match (doc.success_example, success_status) {
        (Some(example), Some(status)) => {
            let success = &mut responses[&status];
            match example() {
                // A text example is the CSV an export answers with.
                Value::String(csv) => {
                    success["content"] =
                        json!({"text/csv": {"schema": {"type": "string"}, "example": csv}});
                }
                json => success["content"]["application/json"]["example"] = json,
            }
            if status == "201" {
                success["headers"]["Location"] = json!({
                    "description": "The URL of the new resource.",
                    "schema": {"type": "string", "example": format!("{}/1", route.path)},
                });
            }
        }
        // An answer written by hand (a stream) has no type to document it.
        (Some(example), None) => match example() {
            Value::String(csv) => {
                responses.insert(
                    "200".into(),
                    json!({
                        "description": "The matching orders, one row per line, streamed.",
                        "content": {"text/csv": {"schema": {"type": "string"}, "example": csv}},
                    }),
                );
            }
            _ => panic!("{id} has no success response"),
        },
        (None, status) => {
            if let Some(status) = status {
                responses.remove(&status);
            }
            responses.insert("204".into(), json!({"description": "Done; no content."}));
        }
    }
    if let Some(kind) = versioned(id) {
        complete_versioned(operation, kind);
    }
    let responses = operation["responses"]
        .as_object_mut()
        .unwrap_or_else(|| panic!("{id} has no responses"));
    let guarded: [ErrorDoc; 3] = [
        (
            401,
            "No API key, or one that is malformed, unknown or revoked (`UNAUTHENTICATED`); nothing was read or done.",
            examples::unauthenticated,
        ),
        (
            403,
            "The API key lacks the scope this call needs (`FORBIDDEN`; `detail` names it); nothing was read or done.",
            examples::forbidden,
        ),
        (
            429,
            "The API key has made all the requests its rate limit allows for now (`RATE_LIMITED`); nothing was done. Retry after `Retry-After` seconds.",
            examples::rate_limited,
        ),
    ];
    let always: [ErrorDoc; 2] = [
        (
            503,
            "The database is unreachable or busy beyond the wait limit, a statement ran past the statement timeout, or the request ran past its time limit; retry after `Retry-After` seconds.",
            examples::unavailable,
        ),
        (
            500,
            "An unexpected failure; the detail is only in the server's log.",
            examples::internal,
        ),
    ];
    let guarded: &[ErrorDoc] = if access.is_some() { &guarded } else { &[] };
    for (status, description, example) in doc.errors.iter().chain(guarded).chain(always.iter()) {
        let mut response = json!({
            "description": description,
            "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/ApiError"},
                "example": example(),
            }},
        });
        if *status == 503 || *status == 429 {
            response["headers"]["Retry-After"] = json!({
                "description": "Seconds to wait before retrying.",
                "schema": {"type": "integer", "minimum": 1, "example": 2},
            });
        }
        if *status == 401 || *status == 403 {
            response["headers"]["WWW-Authenticate"] = json!({
                "description": "The Bearer challenge (RFC 6750): `Bearer realm=\"oms\"`, with `error` and, on a 403, the `scope` needed.",
                "schema": {"type": "string", "example": "Bearer realm=\"oms\""},
            });
        }
        responses.insert(status.to_string(), response);
    }
    if route.method == "post" && access.is_some() {
        complete_idempotent(operation);
    }
    // Every answer to a limited key but a 401 (no key is known then).
    if access.is_some() {
        let responses = operation["responses"]
            .as_object_mut()
            .unwrap_or_else(|| panic!("{id} has no responses"));
        let limited = responses
            .iter_mut()
            .filter(|(status, _)| *status != "401")
            .map(|(_, response)| response);
        for response in limited {
            let headers = response
                .as_object_mut()
                .expect("a response is an object")
                .entry("headers")
                .or_insert_with(|| json!({}));
            headers["RateLimit-Policy"] = rate_limit_policy_header();
            headers["RateLimit"] = rate_limit_header();
        }
    }
}

/// The name of the bearer scheme in `components.securitySchemes`.
pub(super) const SECURITY_SCHEME: &str = "apiKey";

/// What an operation of the API needs from the caller.
struct RouteAccess {
    /// The scope its key needs, if any.
    scope: Option<Scope>,
}

/// `None` for the open operations (health checks), else what the access guard
/// asks of a call.
fn route_access(route: &Route<'_>) -> Option<RouteAccess> {
    let under_api = route.config.api_path(route.path)?;
    let method = route
        .method
        .to_ascii_uppercase()
        .parse::<actix_web::http::Method>()
        .unwrap_or_else(|_| panic!("{} is not an HTTP method", route.method));
    Some(RouteAccess {
        scope: scopes::required(&method, under_api),
    })
}

fn rate_limit_policy_header() -> Value {
    json!({
        "description": "The key's quota: `q` requests in any `w` seconds (draft-ietf-httpapi-ratelimit-headers-10). Absent for unlimited keys.",
        "schema": {"type": "string", "example": "\"default\";q=600;w=60"},
    })
}

fn rate_limit_header() -> Value {
    json!({
        "description": "Requests left (`r`) and seconds until one more is allowed (`t`). Absent for unlimited keys.",
        "schema": {"type": "string", "example": "\"default\";r=599;t=0"},
    })
}

fn query_parameter(name: &str) -> Value {
    let (description, schema, example) = match name {
        "limit" => (
            "Page size, 1–100.",
            json!({"type": "integer", "format": "int64", "minimum": 1, "maximum": Paging::MAX_LIMIT, "default": Paging::DEFAULT_LIMIT}),
            json!(20),
        ),
        "offset" => (
            "How many rows to skip: 0 up to the server's `MAX_OFFSET` (10,000 by default); page deeper with `cursor`. Not with `cursor`.",
            json!({"type": "integer", "format": "int64", "minimum": 0, "default": 0}),
            json!(0),
        ),
        "cursor" => (
            "Where the page starts: the `next_cursor` of the page before, sent with the same filters. Opaque and signed: a cursor not issued for this list and these filters is refused. Not with `offset`. A cursor page costs the same at any depth.",
            json!({"type": "string"}),
            // No example: a form filled with one would send a cursor of
            // another list (refused) beside the offset.
            Value::Null,
        ),
        "status" => (
            "Only orders in this status.",
            json!({"type": "string", "enum": statuses()}),
            json!("paid"),
        ),
        "user_id" => (
            "Only orders of this user.",
            json!({"type": "integer", "format": "int64", "minimum": 1}),
            json!(1),
        ),
        "product_id" => (
            "Only orders with at least one line of this product (each is listed with all its lines).",
            json!({"type": "integer", "format": "int64", "minimum": 1}),
            json!(1),
        ),
        "start_date" => (
            "Only orders created at or after this instant: an RFC 3339 timestamp, or a date (`2024-01-31`) meaning 00:00:00 UTC of that day.",
            json!({"type": "string"}),
            json!("2024-01-01"),
        ),
        "end_date" => (
            "Only orders created at or before this instant: an RFC 3339 timestamp (inclusive), or a date (`2024-01-31`) meaning the whole day in UTC. Not before `start_date`.",
            json!({"type": "string"}),
            json!("2024-12-31T23:59:59Z"),
        ),
        other => panic!("query parameter {other} has no documentation in openapi.rs"),
    };
    let mut parameter = json!({
        "name": name,
        "in": "query",
        "required": false,
        "description": description,
        "schema": schema,
    });
    if !example.is_null() {
        parameter["example"] = example;
    }
    parameter
}
