//! Error answers that do not belong to one resource: routing, bodies, limits, outages.

mod common;

use actix_web::http::{header, Method};
use actix_web::test::TestRequest;
use actix_web::{test, App};
use oms_http::{app, ApiConfig};
use serde_json::json;
use std::time::{Duration, Instant};

#[actix_web::test]
async fn unknown_routes_and_methods_answer_in_json() {
    let app = common::spawn().await;
    app.call(Method::GET, "/", None)
        .await
        .expect_error(404, "NOT_FOUND", None);
    app.call(Method::GET, "/api/v2/users", None)
        .await
        .expect_error(404, "NOT_FOUND", None);
    app.get("/orders/1/items")
        .await
        .expect_error(404, "NOT_FOUND", None);
    app.call(Method::DELETE, "/api/v1/orders/1", None)
        .await
        .expect_error(405, "METHOD_NOT_ALLOWED", None);
    app.call(Method::PUT, "/api/v1/users", Some(json!({})))
        .await
        .expect_error(405, "METHOD_NOT_ALLOWED", None);
    app.call(Method::POST, "/api/v1/users/1", Some(json!({})))
        .await
        .expect_error(405, "METHOD_NOT_ALLOWED", None);
}

#[actix_web::test]
async fn bodies_must_be_json_objects_of_the_right_shape() {
    let app = common::spawn().await;
    let raw = |body: &'static str, content_type: &'static str| {
        TestRequest::post()
            .uri("/api/v1/users")
            .insert_header((header::CONTENT_TYPE, content_type))
            .set_payload(body)
    };
    for body in [
        "{",
        "",
        "null",
        "[]",
        "\"text\"",
        "{\"email\": \"a@b.co\",}",
        "{} {}",
    ] {
        app.send(raw(body, "application/json"))
            .await
            .expect_error(400, "VALIDATION_ERROR", None);
    }
    app.send(raw(
        "{\"email\":\"a@b.co\",\"full_name\":\"A\"}",
        "text/plain",
    ))
    .await
    .expect_error(415, "UNSUPPORTED_MEDIA_TYPE", None);
    app.send(raw("email=a@b.co", "application/x-www-form-urlencoded"))
        .await
        .expect_error(415, "UNSUPPORTED_MEDIA_TYPE", None);
    app.send(raw(
        "{\"email\":\"a@b.co\",\"full_name\":\"A\"}",
        "application/json; charset=utf-8",
    ))
    .await
    .expect(201);
    assert_eq!(app.count("users").await, 1);
}

#[actix_web::test]
async fn bodies_over_the_limit_are_refused_unread() {
    let mut config = ApiConfig::new("/api/v1");
    config.body_limit = 1024;
    let app = common::spawn_with(config).await;
    let big = json!({"email": "a@example.com", "full_name": "x".repeat(2000)});
    app.post("/users", big)
        .await
        .expect_error(413, "PAYLOAD_TOO_LARGE", None);
    let small = json!({"email": "a@example.com", "full_name": "x".repeat(200)});
    app.post("/users", small).await.expect(201);
}

#[actix_web::test]
async fn the_default_limit_is_64_kib() {
    let app = common::spawn().await;
    let user = app.user("a@example.com", "A").await;
    let padding = " ".repeat(64 * 1024);
    let body = format!("{{\"user_id\": {user},{padding}\"items\": []}}");
    app.send(
        TestRequest::post()
            .uri("/api/v1/orders")
            .insert_header((header::CONTENT_TYPE, "application/json"))
            .set_payload(body),
    )
    .await
    .expect_error(413, "PAYLOAD_TOO_LARGE", None);
}

#[actix_web::test]
async fn the_prefix_is_configurable() {
    let app = common::spawn_with(ApiConfig::new("shop/")).await;
    app.call(Method::GET, "/shop/users", None).await.expect(200);
    app.call(Method::GET, "/api/v1/users", None)
        .await
        .expect_error(404, "NOT_FOUND", None);
    let reply = app
        .call(
            Method::POST,
            "/shop/products",
            Some(json!({"name": "P", "price_cents": 1})),
        )
        .await;
    assert_eq!(reply.headers.get("location").unwrap(), "/shop/products/1");
}

#[actix_web::test]
async fn an_unreachable_database_is_a_quick_503() {
    let store = common::unreachable_store(Duration::from_secs(2));
    let access = oms_http::Access::new(store.clone(), oms_domain::RateLimit::UNLIMITED);
    let service = test::init_service(app(
        store,
        ApiConfig::new("/api/v1"),
        oms_http::Metrics::new(),
        access,
    ))
    .await;
    let started = Instant::now();
    // A key that cannot be looked up is not refused as invalid: the outage is said.
    let key = format!("Bearer oms_{}", "k".repeat(40));
    for uri in [
        "/api/v1/users",
        "/api/v1/orders?status=paid",
        "/api/v1/products/1",
    ] {
        let request = TestRequest::get()
            .uri(uri)
            .insert_header(("authorization", key.as_str()));
        let response = test::call_service(&service, request.to_request()).await;
        assert_eq!(response.status().as_u16(), 503, "{uri}");
        let body: serde_json::Value = test::read_body_json(response).await;
        assert_eq!(body["code"], "SERVICE_UNAVAILABLE");
    }
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "refused connections fail fast"
    );
}

#[actix_web::test]
async fn a_panicking_handler_answers_the_opaque_500() {
    #[paperclip::actix::api_v2_operation]
    async fn explode() -> actix_web::HttpResponse {
        panic!("a bug that must not reach the client")
    }
    let service = test::init_service(
        App::new().service(
            oms_http::fallback::resource("/boom", "GET")
                .route(paperclip::actix::web::get().to(explode)),
        ),
    )
    .await;
    let response = test::call_service(&service, TestRequest::get().uri("/boom").to_request()).await;
    assert_eq!(response.status().as_u16(), 500);
    let body: serde_json::Value = test::read_body_json(response).await;
    assert_eq!(body["code"], "INTERNAL_ERROR");
    assert!(!body["detail"].as_str().unwrap().contains("bug"), "{body}");
    let again = test::call_service(&service, TestRequest::post().uri("/boom").to_request()).await;
    assert_eq!(
        again.status().as_u16(),
        405,
        "the app still serves after a panic"
    );
}
