//! The OpenAPI document: valid OpenAPI 3, pinned by a snapshot, and in step
//! with the routes the app really serves.

mod common;

use actix_web::http::Method;
use serde_json::Value;

const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

#[actix_web::test]
async fn the_document_is_valid_openapi_3() {
    let app = common::spawn().await;
    let doc = app
        .call(Method::GET, "/openapi.json", None)
        .await
        .expect(200);
    let parsed: openapiv3::OpenAPI =
        serde_json::from_value(doc.clone()).expect("the document parses as OpenAPI 3");
    assert!(parsed.openapi.starts_with("3."));
    assert_eq!(parsed.info.version, env!("CARGO_PKG_VERSION"));
    let tags: Vec<&str> = parsed.tags.iter().map(|tag| tag.name.as_str()).collect();
    assert_eq!(
        tags,
        ["orders", "products", "users", "api-keys", "webhooks", "health"]
    );
    assert!(parsed.tags.iter().all(|tag| tag.description.is_some()));

    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let at = format!("{method} {path}");
            assert!(
                op["summary"].as_str().is_some_and(|s| !s.is_empty()),
                "{at}: summary"
            );
            assert!(
                op["description"].as_str().is_some_and(|s| !s.is_empty()),
                "{at}: description"
            );
            for parameter in op["parameters"].as_array().into_iter().flatten() {
                assert!(parameter["description"].is_string(), "{at}: {parameter}");
                // A cursor only means something as the answer of a page before.
                if parameter["name"] != "cursor" {
                    assert!(parameter["example"] != Value::Null, "{at}: {parameter}");
                }
                assert!(parameter["schema"]["type"].is_string(), "{at}: {parameter}");
            }
            if let Some(body) = op.get("requestBody") {
                assert!(
                    body["content"]["application/json"]["example"].is_object(),
                    "{at}: request example"
                );
            }
            let responses = op["responses"].as_object().unwrap();
            let (status, success) = responses
                .iter()
                .find(|(status, _)| status.starts_with('2'))
                .unwrap();
            assert!(
                status == "204"
                    || success["content"]["application/json"]["example"].is_object()
                    || success["content"]["text/csv"]["example"].is_string(),
                "{at}: success example"
            );
            for status in ["500", "503"] {
                assert!(responses.contains_key(status), "{at}: {status}");
            }
            // Every error has the error body; a 304 has no body at all.
            for (status, response) in responses
                .iter()
                .filter(|(status, _)| !status.starts_with('2') && *status != "304")
            {
                let content = &response["content"]["application/json"];
                assert_eq!(
                    content["schema"]["$ref"], "#/components/schemas/ApiError",
                    "{at} {status}"
                );
                let code = content["example"]["code"].as_str().unwrap();
                assert!(!code.is_empty(), "{at} {status}");
            }
        }
    }
    let order = &doc["components"]["schemas"]["OrderJson"];
    assert_eq!(
        order["properties"]["status"]["enum"],
        serde_json::json!(["pending", "paid", "shipped", "cancelled"])
    );
    assert_eq!(order["properties"]["updated_at"]["nullable"], true);
    assert!(order["properties"]["total_amount_cents"]["description"]
        .as_str()
        .unwrap()
        .contains("integer cents"));
}

#[actix_web::test]
async fn the_document_is_pinned_by_a_snapshot() {
    let app = common::spawn().await;
    let doc = app
        .call(Method::GET, "/openapi.json", None)
        .await
        .expect(200);
    insta::assert_json_snapshot!("openapi", doc);
}

/// Every documented operation is served, and every method the app serves on a
/// documented path is documented.
#[actix_web::test]
async fn documented_routes_and_served_routes_are_the_same() {
    let app = common::spawn().await;
    let doc = app
        .call(Method::GET, "/openapi.json", None)
        .await
        .expect(200);
    let paths = doc["paths"].as_object().unwrap();
    assert_eq!(paths.len(), 16);
    for (template, item) in paths {
        let path = template
            .split('/')
            .map(|segment| {
                // An id nothing has: DELETE /api-keys/1 would revoke the test's key.
                if segment.starts_with('{') {
                    "987654"
                } else {
                    segment
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        for method in METHODS {
            // Read as text: not every answer is JSON (the export is CSV).
            let (_, _, body) = app
                .raw(Method::from_bytes(method.as_bytes()).unwrap(), &path)
                .await;
            let code = serde_json::from_str::<serde_json::Value>(&body)
                .ok()
                .and_then(|body| body["code"].as_str().map(str::to_owned));
            let served = !matches!(code.as_deref(), Some("NOT_FOUND" | "METHOD_NOT_ALLOWED"));
            let documented = item.get(method.to_ascii_lowercase()).is_some();
            assert_eq!(
                served, documented,
                "{method} {template}: served {served}, documented {documented}"
            );
        }
    }
    for undocumented in [
        "/api/v1",
        "/api/v1/",
        "/api/v1/orders/1/items",
        "/api/v1/carts",
    ] {
        app.call(Method::GET, undocumented, None)
            .await
            .expect_error(404, "NOT_FOUND", None);
    }
}

/// Every operation under the prefix declares the bearer scheme, the scope the
/// guard asks of it, and the answers of a refused key; the health checks are open.
#[actix_web::test]
async fn every_api_operation_declares_its_key_and_scope() {
    let app = common::spawn().await;
    let doc = app
        .call(Method::GET, "/openapi.json", None)
        .await
        .expect(200);
    let scheme = &doc["components"]["securitySchemes"]["apiKey"];
    assert_eq!(scheme["type"], "http");
    assert_eq!(scheme["scheme"], "bearer");
    assert_eq!(doc["servers"][0]["url"], "/");
    let mut scopes = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let at = format!("{method} {path}");
            if !path.starts_with(common::PREFIX) {
                assert_eq!(op["security"], serde_json::json!([]), "{at} is open");
                continue;
            }
            assert_eq!(op["security"], serde_json::json!([{"apiKey": []}]), "{at}");
            let scope = op["x-required-scope"].as_str().unwrap();
            assert!(
                op["description"]
                    .as_str()
                    .unwrap()
                    .contains(&format!("`{scope}`")),
                "{at}"
            );
            scopes.push(format!("{method} {path} {scope}"));
            for status in ["401", "403", "429"] {
                assert!(op["responses"].get(status).is_some(), "{at}: {status}");
            }
            assert!(op["responses"]["429"]["headers"]["Retry-After"].is_object());
        }
    }
    assert_eq!(
        scopes,
        [
            "get /api/v1/api-keys admin",
            "post /api/v1/api-keys admin",
            "delete /api/v1/api-keys/{api_key_id} admin",
            "get /api/v1/api-keys/{api_key_id} admin",
            "get /api/v1/orders orders:read",
            "post /api/v1/orders orders:write",
            "get /api/v1/orders/export orders:read",
            "get /api/v1/orders/{order_id} orders:read",
            "patch /api/v1/orders/{order_id} orders:write",
            "get /api/v1/orders/{order_id}/events orders:read",
            "get /api/v1/products products:read",
            "post /api/v1/products products:write",
            "get /api/v1/products/{product_id} products:read",
            "patch /api/v1/products/{product_id} products:write",
            "get /api/v1/users users:read",
            "post /api/v1/users users:write",
            "get /api/v1/users/{user_id} users:read",
            "patch /api/v1/users/{user_id} users:write",
            "get /api/v1/webhooks webhooks:manage",
            "post /api/v1/webhooks webhooks:manage",
            "delete /api/v1/webhooks/{webhook_id} webhooks:manage",
            "get /api/v1/webhooks/{webhook_id} webhooks:manage",
            "patch /api/v1/webhooks/{webhook_id} webhooks:manage",
            "get /api/v1/webhooks/{webhook_id}/deliveries webhooks:manage",
            "post /api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/retry webhooks:manage",
        ]
    );
}

#[actix_web::test]
async fn the_document_follows_the_prefix() {
    let app = common::spawn_with(oms_http::ApiConfig::new("/shop/v2")).await;
    let doc = app
        .call(Method::GET, "/openapi.json", None)
        .await
        .expect(200);
    let outside: Vec<&str> = doc["paths"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .filter(|path| !path.starts_with("/shop/v2/"))
        .collect();
    assert_eq!(
        outside,
        ["/health", "/ready"],
        "only the health checks are outside the prefix"
    );
}

#[actix_web::test]
async fn the_documentation_pages_are_served_offline_with_a_strict_policy() {
    let app = common::spawn().await;
    for (path, marker) in [
        ("/docs", "swagger-ui-bundle.js"),
        ("/redoc", "redoc.standalone.js"),
    ] {
        let response = app.raw(Method::GET, path).await;
        assert_eq!(response.0, 200, "{path}");
        let policy = response
            .1
            .get("content-security-policy")
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            policy.contains("script-src 'self'") && policy.contains("img-src 'self'"),
            "{policy}"
        );
        assert!(response.2.contains(marker), "{path}");
        assert!(
            !response.2.contains("http://") && !response.2.contains("https://"),
            "{path} links nothing external"
        );
    }
    for asset in [
        "/docs/swagger-ui-bundle.js",
        "/docs/swagger-ui.css",
        "/docs/swagger-initializer.js",
        "/redoc/redoc.standalone.js",
        "/redoc/redoc-initializer.js",
    ] {
        assert_eq!(app.raw(Method::GET, asset).await.0, 200, "{asset}");
    }
    app.call(Method::GET, "/docs/../../etc/passwd", None)
        .await
        .expect_error(404, "NOT_FOUND", None);
    app.call(Method::GET, "/docs/unknown.js", None)
        .await
        .expect_error(404, "NOT_FOUND", None);
    app.call(Method::GET, "/redoc/x", None)
        .await
        .expect_error(404, "NOT_FOUND", None);
}
