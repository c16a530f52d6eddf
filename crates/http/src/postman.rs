//! A Postman collection (format v2.1) generated from the OpenAPI document: one
//! folder per tag, one request per operation, filled with the document's examples.
//! Every request authenticates with the collection's bearer token, the variable
//! `apiKey`, except the open ones (the health checks).

use serde_json::{json, Value};

/// Postman's identifier of the collection format; a name, not something fetched.
const FORMAT: &str = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json";

/// The collection for `document`, with `{{baseUrl}}` defaulting to `base_url`.
pub fn collection(document: &Value, base_url: &str) -> Value {
    // In the document's tag order.
    let mut folders: Vec<(String, Value)> = document["tags"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|tag| {
            let name = tag["name"].as_str().unwrap_or_default();
            (
                name.to_owned(),
                json!({"name": title_case(name), "description": tag["description"], "item": []}),
            )
        })
        .collect();
    for (path, item) in document["paths"].as_object().into_iter().flatten() {
        for (method, operation) in item.as_object().into_iter().flatten() {
            let tag = operation["tags"][0].as_str().unwrap_or_default();
            let folder = folders.iter_mut().find(|(name, _)| name == tag);
            if let Some(Value::Array(requests)) = folder.map(|(_, folder)| &mut folder["item"]) {
                requests.push(request(path, method, operation));
            }
        }
    }
    json!({
        "info": {
            "name": document["info"]["title"],
            "description": document["info"]["description"],
            "version": document["info"]["version"],
            "schema": FORMAT,
        },
        "auth": {"type": "bearer", "bearer": [{"key": "token", "value": "{{apiKey}}", "type": "string"}]},
        "variable": [
            {"key": "baseUrl", "value": base_url, "type": "string"},
            {"key": "apiKey", "value": "", "type": "string", "description": "An API key (`oms keys create --name postman --scopes admin`)."},
        ],
        "item": folders.into_iter().map(|(_, folder)| folder).collect::<Vec<_>>(),
    })
}

/// `orders` → `Orders`, `api-keys` → `API keys`.
fn title_case(name: &str) -> String {
    let words: Vec<String> = name
        .split('-')
        .enumerate()
        .map(|(place, word)| match (place, word) {
            (_, "api") => "API".to_owned(),
            (0, word) => {
                let mut chars = word.chars();
                chars
                    .next()
                    .map(|first| first.to_uppercase().chain(chars).collect())
                    .unwrap_or_default()
            }
            (_, word) => word.to_owned(),
        })
        .collect();
    words.join(" ")
}

fn request(path: &str, method: &str, operation: &Value) -> Value {
    let parameters = operation["parameters"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let example = |parameter: &Value| match &parameter["example"] {
        Value::String(text) => text.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    let segments: Vec<String> = path
        .trim_start_matches('/')
        .split('/')
        .map(
            |segment| match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(name) => format!(":{name}"),
                None => segment.to_owned(),
            },
        )
        .collect();
    let query: Vec<Value> = parameters
        .iter()
        .filter(|p| p["in"] == "query")
        .map(|p| {
            json!({
                "key": p["name"],
                "value": example(p),
                "description": p["description"],
                "disabled": !matches!(p["name"].as_str(), Some("limit" | "offset")),
            })
        })
        .collect();
    let variables: Vec<Value> = parameters
        .iter()
        .filter(|p| p["in"] == "path")
        .map(|p| json!({"key": p["name"], "value": example(p), "description": p["description"]}))
        .collect();
    let enabled_query: Vec<String> = query
        .iter()
        .filter(|q| q["disabled"] == false)
        .map(|q| {
            format!(
                "{}={}",
                q["key"].as_str().unwrap_or_default(),
                q["value"].as_str().unwrap_or_default()
            )
        })
        .collect();
    let mut raw = format!("{{{{baseUrl}}}}/{}", segments.join("/"));
    if !enabled_query.is_empty() {
        raw = format!("{raw}?{}", enabled_query.join("&"));
    }
    let mut request = json!({
        "method": method.to_ascii_uppercase(),
        "header": [{"key": "Accept", "value": "application/json"}],
        "url": {"raw": raw, "host": ["{{baseUrl}}"], "path": segments},
        "description": operation["description"],
    });
    if !query.is_empty() {
        request["url"]["query"] = query.into();
    }
    if operation["security"].as_array().is_some_and(Vec::is_empty) {
        request["auth"] = json!({"type": "noauth"});
    }
    if !variables.is_empty() {
        request["url"]["variable"] = variables.into();
    }
    let body = &operation["requestBody"]["content"]["application/json"]["example"];
    if !body.is_null() {
        request["header"]
            .as_array_mut()
            .expect("headers are a list")
            .push(json!({"key": "Content-Type", "value": "application/json"}));
        request["body"] = json!({
            "mode": "raw",
            "raw": serde_json::to_string_pretty(body).unwrap_or_default(),
            "options": {"raw": {"language": "json"}},
        });
    }
    json!({"name": operation["summary"], "request": request})
}
