//! `Idempotency-Key` on every `POST`: a retry gets the first answer again and
//! changes nothing; another request with the key is refused; a key still in
//! use is refused with a hint to retry; old keys are forgotten.

mod common;

use std::time::Duration;

use actix_web::http::header;
use actix_web::test::TestRequest;
use diesel_async::SimpleAsyncConnection;
use futures_util::future::join_all;
use oms_domain::IdempotencyKey;
use serde_json::{json, Value};

const KEY: &str = "Idempotency-Key";
const REPLAYED: &str = "Idempotent-Replayed";

fn post(path: &str, key: &str, body: Value) -> TestRequest {
    TestRequest::post()
        .uri(&format!("{}{path}", common::PREFIX))
        .insert_header((KEY, key))
        .set_json(body)
}

fn header_of(reply: &common::Reply, name: &str) -> Option<String> {
    reply
        .headers
        .get(name)
        .map(|value| value.to_str().unwrap().to_owned())
}

#[actix_web::test]
async fn a_retry_gets_the_first_answer_and_changes_nothing() {
    let app = common::spawn().await;
    let body = json!({"email": "ada@example.com", "full_name": "Ada"});
    let first = app.send(post("/users", "signup-1", body.clone())).await;
    assert_eq!(header_of(&first, REPLAYED), None);
    let (location, etag) = (header_of(&first, "location"), header_of(&first, "etag"));
    let first = first.expect(201);

    // The same request, its body written otherwise: keys reordered, spaced out.
    let retry = app
        .send(
            TestRequest::post()
                .uri(&format!("{}/users", common::PREFIX))
                .insert_header((KEY, "signup-1"))
                .insert_header((header::CONTENT_TYPE, "application/json"))
                .set_payload("{ \"full_name\" : \"Ada\",\n  \"email\": \"ada@example.com\" }"),
        )
        .await;
    assert_eq!(header_of(&retry, REPLAYED).as_deref(), Some("true"));
    assert_eq!(
        (header_of(&retry, "location"), header_of(&retry, "etag")),
        (location, etag)
    );
    assert_eq!(retry.expect(201), first);
    assert_eq!(app.count("users").await, 1);

    // The key as a Structured Fields string is the same key.
    let quoted = app.send(post("/users", "\"signup-1\"", body.clone())).await;
    assert_eq!(header_of(&quoted, REPLAYED).as_deref(), Some("true"));
    assert_eq!(quoted.expect(201), first);
    assert_eq!(app.count("users").await, 1);
}

#[actix_web::test]
async fn another_request_with_the_key_is_refused_and_changes_nothing() {
    let app = common::spawn().await;
    app.send(post(
        "/products",
        "k1",
        json!({"name": "Pen", "price_cents": 150}),
    ))
    .await
    .expect(201);
    for (path, body) in [
        ("/products", json!({"name": "Pen", "price_cents": 151})),
        (
            "/products",
            json!({"name": "Pen", "price_cents": 150, "stock": 3}),
        ),
        (
            "/users",
            json!({"email": "pen@example.com", "full_name": "Pen"}),
        ),
    ] {
        let refused = app.send(post(path, "k1", body)).await.expect_error(
            422,
            "IDEMPOTENCY_KEY_REUSED",
            Some(KEY),
        );
        assert_eq!(
            refused["detail"],
            "this Idempotency-Key was used for a different request (method, path or body); use a new key for a new request"
        );
    }
    assert_eq!(app.count("products").await, 1);
    assert_eq!(app.count("users").await, 0);
}

#[actix_web::test]
async fn keys_belong_to_the_api_key_that_sent_them() {
    let app = common::spawn().await;
    let other = common::create_key(&app.store, &["admin"], Some(0)).await;
    let body = json!({"name": "Pen", "price_cents": 150});
    let mine = app
        .send(post("/products", "same", body.clone()))
        .await
        .expect(201);
    let theirs = app
        .send_as(post("/products", "same", body), Some(&other))
        .await;
    assert_eq!(header_of(&theirs, REPLAYED), None);
    assert_ne!(theirs.expect(201)["id"], mine["id"]);
    assert_eq!(app.count("products").await, 2);
}

#[actix_web::test]
async fn refusals_of_a_request_that_ran_are_replayed_and_validation_errors_are_not() {
    let app = common::spawn().await;
    let product = app.product("Pen", 150).await;
    let order = json!({"user_id": 1, "items": [{"product_id": product, "quantity": 1}]});
    app.send(post("/orders", "order-1", order.clone()))
        .await
        .expect_error(404, "USER_NOT_FOUND", Some("user_id"));
    // The user exists now, but the key's answer stands.
    app.user("ada@example.com", "Ada").await;
    let replayed = app.send(post("/orders", "order-1", order.clone())).await;
    assert_eq!(header_of(&replayed, REPLAYED).as_deref(), Some("true"));
    replayed.expect_error(404, "USER_NOT_FOUND", Some("user_id"));
    assert_eq!(app.count("orders").await, 0);

    let taken = json!({"email": "ADA@example.com", "full_name": "Copy"});
    app.send(post("/users", "user-2", taken.clone()))
        .await
        .expect_error(409, "EMAIL_TAKEN", Some("email"));
    let replayed = app.send(post("/users", "user-2", taken)).await;
    assert_eq!(header_of(&replayed, REPLAYED).as_deref(), Some("true"));
    replayed.expect_error(409, "EMAIL_TAKEN", Some("email"));

    // A body refused by validation kept nothing: the key is still free.
    app.send(post(
        "/orders",
        "order-2",
        json!({"user_id": 1, "items": []}),
    ))
    .await
    .expect_error(400, "VALIDATION_ERROR", Some("items"));
    let placed = app.send(post("/orders", "order-2", order)).await;
    assert_eq!(header_of(&placed, REPLAYED), None);
    placed.expect(201);
    assert_eq!(app.count("orders").await, 1);
}

#[actix_web::test]
async fn a_malformed_key_is_refused_before_anything_is_done() {
    let app = common::spawn().await;
    let long = "k".repeat(256);
    for (key, detail) in [
        ("", "Idempotency-Key must be 1 to 255 characters long (got 0)"),
        (long.as_str(), "Idempotency-Key must be 1 to 255 characters long (got 256)"),
        ("\"open", "Idempotency-Key must be a well-formed quoted string when it starts with a double quote"),
        ("tab\tin", "Idempotency-Key must hold printable ASCII characters only (space to '~')"),
    ] {
        let refused = app
            .send(post("/products", key, json!({"name": "Pen", "price_cents": 1})))
            .await
            .expect_error(400, "VALIDATION_ERROR", Some(KEY));
        assert_eq!(refused["detail"], detail, "{key:?}");
    }
    let twice = TestRequest::post()
        .uri(&format!("{}/products", common::PREFIX))
        .append_header((KEY, "a"))
        .append_header((KEY, "b"))
        .set_json(json!({"name": "Pen", "price_cents": 1}));
    app.send(twice)
        .await
        .expect_error(400, "VALIDATION_ERROR", Some(KEY));
    assert_eq!(app.count("products").await, 0);
}

#[actix_web::test]
async fn twenty_orders_at_once_with_one_key_place_one_order() {
    // Several placing statements at once, and batches of orders.
    let app = common::spawn_pooled(oms_http::ApiConfig::new(common::PREFIX), 16).await;
    let user = app.user("ada@example.com", "Ada").await;
    let product = app.product("Pen", 150).await;
    let order = json!({"user_id": user, "items": [{"product_id": product, "quantity": 2}]});

    let replies =
        join_all((0..20).map(|_| app.send(post("/orders", "checkout-7", order.clone())))).await;

    let mut created = Vec::new();
    let mut in_use = 0;
    for reply in replies {
        match reply.status.as_u16() {
            201 => created.push(reply.body),
            409 => {
                assert_eq!(header_of(&reply, "retry-after").as_deref(), Some("1"));
                reply.expect_error(409, "IDEMPOTENCY_KEY_IN_USE", Some(KEY));
                in_use += 1;
            }
            other => panic!("unexpected {other}: {}", reply.body),
        }
    }
    assert!(!created.is_empty());
    assert!(created.iter().all(|body| *body == created[0]));
    assert_eq!(created.len() + in_use, 20);
    // Those that raced the first get its answer when they retry.
    let retried = app.send(post("/orders", "checkout-7", order)).await;
    assert_eq!(header_of(&retried, REPLAYED).as_deref(), Some("true"));
    assert_eq!(retried.expect(201), created[0]);
    assert_eq!(app.count("orders").await, 1);
    assert_eq!(app.count("order_events").await, 1);
    assert_eq!(app.count("idempotency_keys").await, 1);
}

#[actix_web::test]
async fn a_key_held_by_a_running_request_is_in_use_until_it_ends() {
    let app = common::spawn().await;
    let body = json!({"name": "Pen", "price_cents": 150});
    // Another server's request with the key, still running: its transaction
    // holds the key's lock. The admin key of the test app has id 1.
    let number = IdempotencyKey::parse("slow").unwrap().lock_number(1);
    let mut running = app.sql().await;
    running
        .batch_execute(&format!("BEGIN; SELECT pg_advisory_xact_lock({number})"))
        .await
        .unwrap();
    let busy = app.send(post("/products", "slow", body.clone())).await;
    assert_eq!(header_of(&busy, "retry-after").as_deref(), Some("1"));
    busy.expect_error(409, "IDEMPOTENCY_KEY_IN_USE", Some(KEY));
    assert_eq!(app.count("products").await, 0);

    running.batch_execute("COMMIT").await.unwrap();
    app.send(post("/products", "slow", body)).await.expect(201);
}

#[actix_web::test]
async fn a_replayed_api_key_answer_never_shows_the_key_again() {
    let app = common::spawn().await;
    let body = json!({"name": "shop", "scopes": ["orders:read"]});
    let first = app
        .send(post("/api-keys", "new-key", body.clone()))
        .await
        .expect(201);
    assert!(first["key"]
        .as_str()
        .is_some_and(|key| key.starts_with("oms_")));
    let replayed = app.send(post("/api-keys", "new-key", body)).await;
    assert_eq!(header_of(&replayed, REPLAYED).as_deref(), Some("true"));
    let replayed = replayed.expect(201);
    assert_eq!(replayed["id"], first["id"]);
    assert_eq!(replayed["key"], Value::Null);
    let stored = app
        .scalar(&format!(
            "SELECT count(*) AS n FROM idempotency_keys WHERE position('{}'::bytea IN body) > 0",
            first["key"].as_str().unwrap()
        ))
        .await;
    assert_eq!(stored, 0, "the key is not kept with the answer");
    assert_eq!(app.count("api_keys").await, 2);
}

#[actix_web::test]
async fn a_key_older_than_the_retention_is_swept_and_new_again() {
    let app = common::spawn().await;
    app.send(post(
        "/products",
        "old",
        json!({"name": "Pen", "price_cents": 150}),
    ))
    .await
    .expect(201);
    app.send(post(
        "/products",
        "recent",
        json!({"name": "Ink", "price_cents": 999}),
    ))
    .await
    .expect(201);
    app.execute(
        "UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE idempotency_key = 'old'",
    )
    .await;

    let retention = Duration::from_secs(24 * 3600);
    assert_eq!(
        app.store.sweep_idempotency_keys(retention).await.unwrap(),
        1
    );
    assert_eq!(
        app.store.sweep_idempotency_keys(retention).await.unwrap(),
        0
    );

    let reused = app
        .send(post(
            "/products",
            "old",
            json!({"name": "Cup", "price_cents": 800}),
        ))
        .await;
    assert_eq!(header_of(&reused, REPLAYED), None);
    assert_eq!(reused.expect(201)["name"], "Cup");
    app.send(post(
        "/products",
        "recent",
        json!({"name": "Cup", "price_cents": 800}),
    ))
    .await
    .expect_error(422, "IDEMPOTENCY_KEY_REUSED", Some(KEY));
}
