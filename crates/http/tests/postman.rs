//! The committed Postman collection is the one generated from the current document.

use oms_http::openapi::Document;
use oms_http::{postman, ApiConfig};

#[test]
fn the_committed_postman_collection_is_current() {
    let document = Document::build(&ApiConfig::new("/api/v1")).0;
    let collection = postman::collection(&document, "http://127.0.0.1:8000");
    let generated = serde_json::to_string_pretty(&collection).unwrap() + "\n";
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../postman_collection.json");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == generated,
        "postman_collection.json is stale: regenerate it with `cargo run -- postman > postman_collection.json`"
    );

    let folders: Vec<(&str, usize)> = collection["item"]
        .as_array()
        .unwrap()
        .iter()
        .map(|folder| {
            (
                folder["name"].as_str().unwrap(),
                folder["item"].as_array().unwrap().len(),
            )
        })
        .collect();
    assert_eq!(
        folders,
        [
            ("Orders", 6),
            ("Products", 4),
            ("Users", 4),
            ("API keys", 4),
            ("Webhooks", 7),
            ("Health", 2)
        ]
    );
    assert_eq!(collection["variable"][0]["key"], "baseUrl");
    assert_eq!(collection["variable"][1]["key"], "apiKey");
    assert_eq!(collection["auth"]["type"], "bearer");
    assert_eq!(collection["auth"]["bearer"][0]["value"], "{{apiKey}}");
    for folder in collection["item"].as_array().unwrap() {
        for request in folder["item"].as_array().unwrap() {
            let raw = request["request"]["url"]["raw"].as_str().unwrap();
            assert!(
                raw.starts_with("{{baseUrl}}/api/v1/") || folder["name"] == "Health",
                "{raw}"
            );
            let method = request["request"]["method"].as_str().unwrap();
            assert_eq!(
                request["request"]["body"].is_object(),
                // A retry is asked for by its path alone.
                matches!(method, "POST" | "PATCH") && !raw.ends_with("/retry"),
                "{method} {raw}"
            );
            assert_eq!(
                request["request"]["auth"]["type"] == "noauth",
                folder["name"] == "Health",
                "{method} {raw}: only the health checks are open"
            );
        }
    }
}
