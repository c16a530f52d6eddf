//! The headers that condition a change, as the document describes them:
//! versions (`ETag`, `If-Match`, `If-None-Match`) and idempotency keys
//! (`Idempotency-Key`, `Idempotent-Replayed`).

use serde_json::{json, Value};

use super::examples;

/// Adds an optional request header to `operation`'s parameters.
fn add_header_parameter(
    operation: &mut Value,
    name: &str,
    description: &str,
    schema: Value,
    example: &str,
) {
    let parameters = operation
        .as_object_mut()
        .expect("an operation is an object")
        .entry("parameters")
        .or_insert_with(|| json!([]));
    if let Value::Array(list) = parameters {
        list.push(json!({
            "name": name,
            "in": "header",
            "required": false,
            "description": description,
            "schema": schema,
            "example": example,
        }));
    }
}

/// A `POST` takes `Idempotency-Key`: its header, the replay's header, the
/// key still in use (409, beside the operation's own 409 if it has one) and
/// the key used for another request (422).
pub(super) fn complete_idempotent(operation: &mut Value) {
    add_header_parameter(
        operation,
        crate::idempotency::HEADER,
        "1–255 printable ASCII characters (or a Structured Fields string holding them), unique per request: a retry with the same key and the same request gets the first answer again (`Idempotent-Replayed: true`) and changes nothing. Successes and the 404s and 409s of a request that ran are kept for `IDEMPOTENCY_RETENTION_HOURS` (24 by default); 400s, 401, 403, 429 and 5xx are not, so a retry runs afresh.",
        json!({"type": "string", "minLength": 1, "maxLength": oms_domain::IdempotencyKey::MAX_CHARS}),
        "5d6e2c4a-checkout-42",
    );
    let responses = operation["responses"]
        .as_object_mut()
        .expect("an operation has responses");
    let replayed = json!({
        "description": "`true` when this is the answer kept for the request's `Idempotency-Key`, sent again.",
        "schema": {"type": "string", "enum": ["true"]},
    });
    for (status, response) in responses.iter_mut() {
        if status.starts_with('2') || status == "404" || status == "409" {
            response["headers"][crate::idempotency::REPLAYED] = replayed.clone();
        }
    }
    let in_use = "Another request with this `Idempotency-Key` is still running (`IDEMPOTENCY_KEY_IN_USE`); retry after `Retry-After` seconds.";
    let conflict = responses.entry("409").or_insert_with(|| {
        json!({
            "description": "",
            "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/ApiError"},
                "example": examples::idempotency_key_in_use(),
            }},
        })
    });
    conflict["description"] = match conflict["description"].as_str() {
        Some("") | None => in_use.to_owned(),
        Some(own) => format!("{own} Or: {in_use}"),
    }
    .into();
    conflict["headers"]["Retry-After"] = json!({
        "description": "Seconds to wait before retrying (with `IDEMPOTENCY_KEY_IN_USE`).",
        "schema": {"type": "integer", "minimum": 1, "example": 1},
    });
    responses.insert(
        "422".into(),
        json!({
            "description": "This `Idempotency-Key` was used for another request: another method, path or body (`IDEMPOTENCY_KEY_REUSED`); nothing was done.",
            "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/ApiError"},
                "example": examples::idempotency_key_reused(),
            }},
        }),
    );
}

/// How an operation on a versioned resource uses its version.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Versioned {
    /// Answers with `ETag`, or 304 when `If-None-Match` names it.
    Read,
    /// Answers with `ETag`.
    Create,
    /// Takes `If-Match` (412 when stale) and answers with `ETag`.
    Change,
}

pub(super) fn versioned(id: &str) -> Option<Versioned> {
    match id {
        "getUser" | "getProduct" | "getOrder" => Some(Versioned::Read),
        "createUser" | "createProduct" | "createOrder" => Some(Versioned::Create),
        "updateUser" | "updateProduct" | "updateOrderStatus" => Some(Versioned::Change),
        _ => None,
    }
}

pub(super) fn complete_versioned(operation: &mut Value, kind: Versioned) {
    let etag = json!({
        "description": "The resource's version in quotes (`\"3\"`), for `If-Match` and `If-None-Match`.",
        "schema": {"type": "string", "example": "\"1\""},
    });
    let responses = operation["responses"]
        .as_object_mut()
        .expect("an operation has responses");
    if let Some((_, success)) = responses
        .iter_mut()
        .find(|(status, _)| status.starts_with('2'))
    {
        success["headers"]["ETag"] = etag.clone();
    }
    let (name, description, status, response) = match kind {
        Versioned::Create => return,
        Versioned::Read => (
            "If-None-Match",
            "Entity tags (`\"3\"`, weak ones too) or `*`: when one names the current version, the answer is 304 with no body.",
            "304",
            json!({"description": "Not modified: the version is the one named in `If-None-Match`.", "headers": {"ETag": etag}}),
        ),
        Versioned::Change => (
            "If-Match",
            "`*` or strong entity tags (`\"3\"`): the change is made only if the resource is at a version named; else 412 and nothing changes.",
            "412",
            json!({
                "description": "`If-Match` names none of the resource's versions, or the resource does not exist (`PRECONDITION_FAILED`); nothing was changed.",
                "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/ApiError"},
                    "example": examples::precondition_failed(),
                }},
            }),
        ),
    };
    responses.insert(status.into(), response);
    add_header_parameter(
        operation,
        name,
        description,
        json!({"type": "string"}),
        "\"1\"",
    );
}
