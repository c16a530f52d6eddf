//! What operators rely on: health checks, request ids, metrics, CORS, time limits.

mod common;

use std::time::Duration;

use actix_web::http::Method;
use actix_web::test::{self, TestRequest};
use diesel_async::SimpleAsyncConnection;
use oms_http::{app, ApiConfig, Metrics};

#[actix_web::test]
async fn health_and_readiness_answer_at_the_root() {
    let app = common::spawn().await;
    assert_eq!(
        app.call(Method::GET, "/health", None).await.expect(200)["status"],
        "ok"
    );
    assert_eq!(
        app.call(Method::GET, "/ready", None).await.expect(200)["status"],
        "ready"
    );
}

#[actix_web::test]
async fn without_a_database_the_service_is_alive_but_not_ready() {
    let store = common::unreachable_store(Duration::from_secs(1));
    let access = oms_http::Access::new(store.clone(), oms_domain::RateLimit::UNLIMITED);
    let service = test::init_service(app(
        store,
        ApiConfig::new("/api/v1"),
        Metrics::new(),
        access,
    ))
    .await;
    let health = test::call_service(&service, TestRequest::get().uri("/health").to_request()).await;
    assert_eq!(health.status().as_u16(), 200);
    let ready = test::call_service(&service, TestRequest::get().uri("/ready").to_request()).await;
    assert_eq!(ready.status().as_u16(), 503);
    let body: serde_json::Value = test::read_body_json(ready).await;
    assert_eq!(body["code"], "SERVICE_UNAVAILABLE");
}

#[actix_web::test]
async fn request_ids_are_echoed_or_made() {
    let app = common::spawn().await;
    let given = app
        .send(
            TestRequest::get()
                .uri("/api/v1/users")
                .insert_header(("X-Request-Id", "client-7f3a")),
        )
        .await;
    assert_eq!(given.headers.get("x-request-id").unwrap(), "client-7f3a");
    let made = app.send(TestRequest::get().uri("/api/v1/users")).await;
    let id = made
        .headers
        .get("x-request-id")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(id.len(), 36);
    let refused = app
        .send(
            TestRequest::get()
                .uri("/nowhere")
                .insert_header(("X-Request-Id", "no spaces allowed")),
        )
        .await;
    assert_ne!(
        refused.headers.get("x-request-id").unwrap(),
        "no spaces allowed"
    );
    assert_eq!(refused.status.as_u16(), 404);
}

#[actix_web::test]
async fn metrics_count_requests_by_route_pattern_method_and_status() {
    let app = common::spawn().await;
    let id = app.user("m@example.com", "M").await;
    app.get(&format!("/users/{id}")).await.expect(200);
    app.get("/users/999").await.expect(404);
    app.get("/users/998").await.expect(404);
    let (status, headers, text) = app.raw(Method::GET, "/metrics").await;
    assert_eq!(status, 200);
    assert!(headers
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    for line in [
        r#"http_requests_total{method="GET",route="/api/v1/users/{user_id}",status="200"} 1"#,
        r#"http_requests_total{method="GET",route="/api/v1/users/{user_id}",status="404"} 2"#,
        r#"http_requests_total{method="POST",route="/api/v1/users",status="201"} 1"#,
        r#"http_request_duration_seconds_count{method="GET",route="/api/v1/users/{user_id}"} 3"#,
        r#"oms_build_info{version=""#,
        r#"db_pool_connections{state="max"} 4"#,
        r#"db_pool_connections{state="waiting"} 0"#,
    ] {
        assert!(text.contains(line), "missing {line} in\n{text}");
    }
    assert!(text.contains(r#"db_pool_connections{state="size"}"#));
}

#[actix_web::test]
async fn cors_allows_only_the_configured_origins() {
    let mut config = ApiConfig::new("/api/v1");
    config.cors_origins = vec!["https://shop.example".to_owned()];
    let app = common::spawn_with(config).await;
    let allowed = app
        .send(
            TestRequest::get()
                .uri("/api/v1/products")
                .insert_header(("Origin", "https://shop.example")),
        )
        .await;
    assert_eq!(
        allowed.headers.get("access-control-allow-origin").unwrap(),
        "https://shop.example"
    );
    let preflight = app
        .send(
            TestRequest::default()
                .method(Method::OPTIONS)
                .uri("/api/v1/orders")
                .insert_header(("Origin", "https://shop.example"))
                .insert_header(("Access-Control-Request-Method", "POST"))
                .insert_header(("Access-Control-Request-Headers", "content-type")),
        )
        .await;
    assert_eq!(preflight.status.as_u16(), 200);
    let other = app
        .send(
            TestRequest::get()
                .uri("/api/v1/products")
                .insert_header(("Origin", "https://evil.example")),
        )
        .await;
    assert!(other.headers.get("access-control-allow-origin").is_none());

    let closed = common::spawn().await;
    let by_default = closed
        .send(
            TestRequest::get()
                .uri("/api/v1/products")
                .insert_header(("Origin", "https://shop.example")),
        )
        .await;
    assert!(
        by_default
            .headers
            .get("access-control-allow-origin")
            .is_none(),
        "nothing allowed by default"
    );
}

#[actix_web::test]
async fn a_request_past_the_time_limit_is_a_503_and_the_service_goes_on() {
    let mut config = ApiConfig::new("/api/v1");
    config.request_timeout = Duration::from_millis(300);
    let app = common::spawn_with(config).await;
    let mut blocker = app.sql().await;
    blocker
        .batch_execute("BEGIN; LOCK TABLE products IN ACCESS EXCLUSIVE MODE")
        .await
        .unwrap();
    let reply = app.get("/products").await;
    reply.expect_error(503, "SERVICE_UNAVAILABLE", None);
    blocker.batch_execute("ROLLBACK").await.unwrap();
    app.get("/products").await.expect(200);
}
