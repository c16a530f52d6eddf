//! API keys over HTTP: every route refuses a missing, malformed, unknown or
//! revoked key and writes nothing; each scope opens exactly its routes; keys
//! are shown once and never again; a key revoked through one server is refused
//! by another within two seconds.

mod common;

use std::time::{Duration, Instant};

use actix_web::http::{header, Method};
use actix_web::test::{self, TestRequest};
use oms_domain::Scope;
use serde_json::{json, Value};

/// Every operation of the API (not the open health checks), as method, a path
/// whose ids name nothing, and the documented example body.
async fn operations<S, B>(app: &common::TestApp<S>) -> Vec<(Method, String, String, Option<Value>)>
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    let doc = app
        .call(Method::GET, "/openapi.json", None)
        .await
        .expect(200);
    let mut operations = Vec::new();
    for (template, item) in doc["paths"].as_object().unwrap() {
        if !template.starts_with(common::PREFIX) {
            continue;
        }
        let path: Vec<&str> = template
            .split('/')
            .map(|segment| {
                if segment.starts_with('{') {
                    "987654"
                } else {
                    segment
                }
            })
            .collect();
        for (method, operation) in item.as_object().unwrap() {
            let body = operation["requestBody"]["content"]["application/json"]["example"].clone();
            operations.push((
                Method::from_bytes(method.to_ascii_uppercase().as_bytes()).unwrap(),
                path.join("/"),
                operation["x-required-scope"].as_str().unwrap().to_owned(),
                (!body.is_null()).then_some(body),
            ));
        }
    }
    assert_eq!(operations.len(), 25);
    operations
}

fn request(method: &Method, path: &str, body: Option<&Value>) -> TestRequest {
    let request = TestRequest::default().method(method.clone()).uri(path);
    match body {
        Some(body) => request.set_json(body),
        None => request,
    }
}

async fn counts<S, B>(app: &common::TestApp<S>) -> [i64; 5]
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    [
        app.count("users").await,
        app.count("products").await,
        app.count("orders").await,
        app.count("api_keys").await,
        app.scalar("SELECT count(*) AS n FROM api_keys WHERE revoked_at IS NOT NULL")
            .await,
    ]
}

#[actix_web::test]
async fn every_route_refuses_a_missing_malformed_unknown_or_revoked_key_and_writes_nothing() {
    let app = common::spawn().await;
    let user = app.user("ada@example.com", "Ada").await;
    let product = app.product("Cable", 799).await;
    app.order(user, &[(product, 1)]).await;
    let revoked = common::create_key(&app.store, &["admin"], Some(0)).await;
    let revoked_id = app.get("/api-keys").await.expect(200)["api_keys"][1]["id"].clone();
    app.call(
        Method::DELETE,
        &format!("{}/api-keys/{revoked_id}", common::PREFIX),
        None,
    )
    .await
    .expect(204);
    let unknown = format!("oms_{}", "Z".repeat(40));
    let before = counts(&app).await;

    let credentials: [(&str, Option<String>, &str); 6] = [
        ("no header", None, "needs an API key"),
        (
            "another scheme",
            Some(format!("Basic {}", app.key)),
            "must be 'Bearer '",
        ),
        (
            "not an oms key",
            Some("Bearer abc".to_owned()),
            "must be 'Bearer '",
        ),
        (
            "a truncated key",
            Some(format!("Bearer {}", &app.key[..30])),
            "must be 'Bearer '",
        ),
        (
            "an unknown key",
            Some(format!("Bearer {unknown}")),
            "not valid",
        ),
        (
            "a revoked key",
            Some(format!("Bearer {revoked}")),
            "revoked",
        ),
    ];
    for (method, path, _, body) in operations(&app).await {
        for (what, authorization, detail) in &credentials {
            let mut request = request(&method, &path, body.as_ref());
            if let Some(value) = authorization {
                request = request.insert_header((header::AUTHORIZATION, value.as_str()));
            }
            let reply = app.send_as(request, None).await;
            let body = reply.body.clone();
            let at = format!("{method} {path} with {what}");
            assert_eq!(reply.status.as_u16(), 401, "{at}: {body}");
            assert_eq!(body["code"], "UNAUTHENTICATED", "{at}");
            assert!(
                body["detail"].as_str().unwrap().contains(detail),
                "{at}: {body}"
            );
            let challenge = reply.headers.get(header::WWW_AUTHENTICATE).unwrap();
            assert!(
                challenge
                    .to_str()
                    .unwrap()
                    .starts_with("Bearer realm=\"oms\""),
                "{at}: {challenge:?}"
            );
            assert!(reply.headers.get("ratelimit").is_none(), "{at}");
        }
    }
    assert_eq!(
        counts(&app).await,
        before,
        "a refused request writes nothing"
    );
    app.call(Method::GET, "/health", None).await.expect(200);
    app.call(Method::GET, "/ready", None).await.expect(200);
    app.call(Method::GET, "/openapi.json", None)
        .await
        .expect(200);
    assert_eq!(app.raw(Method::GET, "/docs").await.0, 200);
}

/// Route × scope: a key with one scope is refused (403, naming the scope the
/// route needs, writing nothing) exactly where that scope does not grant the
/// route's scope; elsewhere it gets past the guard.
#[actix_web::test]
async fn each_scope_opens_exactly_its_routes() {
    let app = common::spawn().await;
    let operations = operations(&app).await;
    for scope in Scope::ALL {
        let key = common::create_key(&app.store, &[scope.as_str()], Some(0)).await;
        for (method, path, needed, body) in &operations {
            let needed: Scope = needed.parse().unwrap();
            let before = counts(&app).await;
            let reply = app
                .send_as(request(method, path, body.as_ref()), Some(&key))
                .await;
            let at = format!("{method} {path} with {scope}");
            if scope.grants(needed) {
                assert!(
                    ![401, 403].contains(&reply.status.as_u16()),
                    "{at}: {} {}",
                    reply.status,
                    reply.body
                );
            } else {
                let body = reply.expect_error(403, "FORBIDDEN", None);
                assert!(
                    body["detail"]
                        .as_str()
                        .unwrap()
                        .contains(&format!("'{needed}'")),
                    "{at}: {body}"
                );
                assert_eq!(counts(&app).await, before, "{at} wrote");
            }
        }
    }
}

#[actix_web::test]
async fn a_key_is_shown_once_and_never_again() {
    let app = common::spawn().await;
    let created = app
        .post(
            "/api-keys",
            json!({"name": "  checkout  ", "scopes": ["orders:write", "users:read", "orders:write"], "rate_limit_per_minute": 120}),
        )
        .await;
    let location = created
        .headers
        .get(header::LOCATION)
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let created = created.expect(201);
    let key = created["key"].as_str().unwrap().to_owned();
    assert!(key.starts_with("oms_") && key.len() == 44, "{key}");
    assert!(key.starts_with(created["prefix"].as_str().unwrap()));
    assert_eq!(created["name"], "checkout");
    assert_eq!(created["scopes"], json!(["users:read", "orders:write"]));
    assert_eq!(created["rate_limit_per_minute"], 120);
    assert_eq!(created["last_used_at"], Value::Null);

    let listed = app.get("/api-keys").await.expect(200);
    assert_eq!(listed["total"], 2);
    let one = app.call(Method::GET, &location, None).await.expect(200);
    for answer in [&listed, &one] {
        let text = answer.to_string();
        assert!(!text.contains(&key), "{text}");
        assert!(!text.contains("\"key\""), "{text}");
    }
    assert_eq!(one["prefix"], created["prefix"]);
    let stored = app
        .scalar(&format!(
            "SELECT count(*) AS n FROM api_keys WHERE prefix = '{}' \
             AND key_digest = sha256(convert_to('{key}', 'UTF8'))",
            &key[..12]
        ))
        .await;
    assert_eq!(stored, 1, "only the digest of the key is kept");

    app.post("/api-keys", json!({"name": "x", "scopes": []}))
        .await
        .expect_error(400, "VALIDATION_ERROR", Some("scopes"));
    app.post(
        "/api-keys",
        json!({"name": "x", "scopes": ["orders:delete"]}),
    )
    .await
    .expect_error(400, "VALIDATION_ERROR", Some("scopes"));
    app.post("/api-keys", json!({"name": " ", "scopes": ["admin"]}))
        .await
        .expect_error(400, "VALIDATION_ERROR", Some("name"));
    app.post("/api-keys", json!({"name": "ci\u{0}", "scopes": ["admin"]}))
        .await
        .expect_error(400, "VALIDATION_ERROR", Some("name"));
    app.post(
        "/api-keys",
        json!({"name": "x", "scopes": ["admin"], "rate_limit_per_minute": -1}),
    )
    .await
    .expect_error(400, "VALIDATION_ERROR", Some("rate_limit_per_minute"));
    app.post(
        "/api-keys",
        json!({"name": "x", "scopes": ["admin"], "key": "oms_mine"}),
    )
    .await
    .expect_error(400, "VALIDATION_ERROR", Some("key"));
    app.call(
        Method::DELETE,
        &format!("{}/api-keys/999", common::PREFIX),
        None,
    )
    .await
    .expect_error(404, "API_KEY_NOT_FOUND", None);
    assert_eq!(app.count("api_keys").await, 2);
}

#[actix_web::test]
async fn a_key_revoked_through_one_server_is_refused_by_another_within_two_seconds() {
    let app = common::spawn().await;
    let (other, other_service) = common::spawn_beside(&app.db).await;
    actix_web::rt::spawn(other.refresh_every(Duration::from_secs(1)));
    let key = app
        .post(
            "/api-keys",
            json!({"name": "shop", "scopes": ["products:read"]}),
        )
        .await
        .expect(201);
    let (id, key) = (key["id"].clone(), key["key"].as_str().unwrap().to_owned());
    let on_other = |key: String| {
        let service = &other_service;
        async move {
            let request = TestRequest::get()
                .uri(&format!("{}/products", common::PREFIX))
                .insert_header((header::AUTHORIZATION, format!("Bearer {key}")))
                .to_request();
            test::call_service(service, request).await.status().as_u16()
        }
    };
    assert_eq!(
        on_other(key.clone()).await,
        200,
        "the other server learns the key"
    );

    app.call(
        Method::DELETE,
        &format!("{}/api-keys/{id}", common::PREFIX),
        None,
    )
    .await
    .expect(204);
    let revoked = Instant::now();
    let refused_here = app
        .send_as(
            TestRequest::get().uri(&format!("{}/products", common::PREFIX)),
            Some(&key),
        )
        .await;
    assert_eq!(
        refused_here.status.as_u16(),
        401,
        "at once where it was revoked"
    );
    while on_other(key.clone()).await != 401 {
        assert!(
            revoked.elapsed() < Duration::from_secs(2),
            "the other server still accepts the key after {:?}",
            revoked.elapsed()
        );
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    let listed = app.get(&format!("/api-keys/{id}")).await.expect(200);
    assert!(listed["revoked_at"].is_string());
    app.call(
        Method::DELETE,
        &format!("{}/api-keys/{id}", common::PREFIX),
        None,
    )
    .await
    .expect(204);
    assert_eq!(
        app.get(&format!("/api-keys/{id}")).await.expect(200)["revoked_at"],
        listed["revoked_at"],
        "revoking again keeps the first time"
    );
}

#[actix_web::test]
async fn last_use_is_recorded_within_seconds() {
    let app = common::spawn().await;
    let key = common::create_key(&app.store, &["users:read"], None).await;
    app.send_as(
        TestRequest::get().uri(&format!("{}/users", common::PREFIX)),
        Some(&key),
    )
    .await
    .expect(200);
    actix_web::rt::spawn(app.access.clone().refresh_every(Duration::from_millis(100)));
    let started = Instant::now();
    loop {
        let keys = app.get("/api-keys").await.expect(200);
        if keys["api_keys"][1]["last_used_at"].is_string() {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(5), "{keys}");
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
}
