//! Webhook deliveries end to end: changes made over HTTP, the deliverer
//! running in this process, and a real HTTP receiver recording what arrives.

mod common;

use std::time::Duration;

use actix_web::http::Method;
use oms_webhooks::testing::{Received, Receiver, Reply};
use oms_webhooks::Settings;
use serde_json::{json, Value};

const WITHIN: Duration = Duration::from_secs(20);

/// Delivery settings for tests: receivers on this machine, quick retries.
fn settings(schedule: &str) -> Settings {
    Settings {
        schedule: schedule.parse().unwrap(),
        allow_private: true,
        poll: Duration::from_millis(200),
        ..Settings::default()
    }
}

// The verifier docs/API.md shows receivers, written from the Standard Webhooks
// specification alone; every delivery below is checked with it.
include!("../../../docs/examples/verify_webhook.rs");

/// Checks a received delivery with the documented verifier.
fn verified(secret: &str, delivery: &Received) -> bool {
    let headers = |name: &str| match name {
        "webhook-id" => Some(delivery.id.clone()),
        "webhook-timestamp" => Some(delivery.timestamp.clone()),
        "webhook-signature" => Some(delivery.signature.clone()),
        _ => None,
    };
    verify(secret, headers, delivery.body.as_bytes())
}

#[test]
fn the_documented_verifier_is_the_one_docs_show() {
    let doc = include_str!("../../../docs/API.md");
    let code = include_str!("../../../docs/examples/verify_webhook.rs");
    assert!(doc.contains(code), "docs/API.md shows another verifier");
}

/// Starts a deliverer on `db`'s schema; answers its metrics.
fn deliver(
    db: &oms_persistence::testing::TestDatabase,
    settings: Settings,
) -> prometheus::Registry {
    let registry = prometheus::Registry::new();
    let metrics = oms_webhooks::DeliveryMetrics::new(&registry);
    actix_web::rt::spawn(oms_webhooks::run(db.options().clone(), settings, metrics));
    registry
}

/// The value of counter `name` with `label` in `registry`.
fn counted(registry: &prometheus::Registry, name: &str, label: &str) -> u64 {
    registry
        .gather()
        .iter()
        .filter(|family| family.name() == name)
        .flat_map(|family| family.get_metric().iter())
        .filter(|metric| metric.get_label().iter().any(|pair| pair.value() == label))
        .map(|metric| metric.get_counter().get_value() as u64)
        .sum()
}

#[actix_web::test]
async fn every_event_type_arrives_signed_with_the_resource_as_the_api_showed_it() {
    let app = common::spawn_with(common::allowing_private()).await;
    let receiver = Receiver::start([]);
    let (_, secret) = app.webhook(&receiver.url, json!(["*"])).await;
    deliver(&app.db, settings("1s"));

    let user = app
        .post(
            "/users",
            json!({"email": "ann@example.com", "full_name": "Ann"}),
        )
        .await
        .expect(201);
    let user_id = user["id"].as_i64().unwrap();
    let user_changed = app
        .patch(&format!("/users/{user_id}"), json!({"full_name": "Ann B"}))
        .await
        .expect(200);
    let product = app
        .post("/products", json!({"name": "Lamp", "price_cents": 1500}))
        .await
        .expect(201);
    let product_id = product["id"].as_i64().unwrap();
    let product_changed = app
        .patch(
            &format!("/products/{product_id}"),
            json!({"price_cents": 1800}),
        )
        .await
        .expect(200);
    let order = app.order(user_id, &[(product_id, 2)]).await;
    let order_id = order["order_id"].as_i64().unwrap();
    let paid = app
        .patch(&format!("/orders/{order_id}"), json!({"status": "paid"}))
        .await
        .expect(200);

    let received = receiver.wait_for(6, WITHIN).await;
    let mut by_type = std::collections::BTreeMap::new();
    for delivery in &received {
        assert!(verified(&secret, delivery), "bad signature: {delivery:?}");
        let body = delivery.json();
        assert_eq!(body["id"], delivery.id.as_str());
        assert!(body["timestamp"].as_str().unwrap().ends_with('Z'), "{body}");
        by_type.insert(
            body["type"].as_str().unwrap().to_owned(),
            body["data"].clone(),
        );
    }
    let expected: std::collections::BTreeMap<String, Value> = [
        ("user.created", user),
        ("user.updated", user_changed),
        ("product.created", product),
        ("product.updated", product_changed),
        ("order.created", order),
        ("order.status_changed", paid),
    ]
    .into_iter()
    .map(|(kind, data)| (kind.to_owned(), data))
    .collect();
    assert_eq!(by_type, expected);
    assert_eq!(received.len(), 6, "nothing more is sent");
    // A signature under another secret is refused by the same check.
    let forged = Received {
        signature: "v1,AAAA".to_owned(),
        ..received[0].clone()
    };
    assert!(!verified(&secret, &forged));
}

#[actix_web::test]
async fn a_failing_endpoint_gets_the_event_again_with_the_same_id_and_in_order() {
    let app = common::spawn_with(common::allowing_private()).await;
    let receiver = Receiver::start([Reply::Status(500), Reply::Status(503), Reply::Status(404)]);
    let (endpoint, secret) = app
        .webhook(&receiver.url, json!(["user.created", "user.updated"]))
        .await;
    let registry = deliver(&app.db, settings("1s,1s,1s,1s"));

    let user = app.user("ann@example.com", "Ann").await;
    app.patch(&format!("/users/{user}"), json!({"full_name": "Ann B"}))
        .await
        .expect(200);

    let received = receiver.wait_for(5, WITHIN).await;
    let created: Vec<&Received> = received[..4].iter().collect();
    for delivery in &created {
        assert_eq!(delivery.id, created[0].id);
        assert_eq!(delivery.body, created[0].body);
        assert_eq!(delivery.json()["type"], "user.created");
        assert!(verified(&secret, delivery));
    }
    for pair in created.windows(2) {
        let gap = pair[1].at - pair[0].at;
        assert!(gap >= Duration::from_millis(850), "retried after {gap:?}");
    }
    // The update waited for the creation: one resource's events in commit order.
    assert_eq!(received[4].json()["type"], "user.updated");
    assert_ne!(received[4].id, created[0].id);

    let log = app.wait_for_deliveries(endpoint, 5, WITHIN).await;
    let rows = log["deliveries"].as_array().unwrap();
    let summary: Vec<(i64, &str, Value)> = rows
        .iter()
        .map(|row| {
            (
                row["attempt"].as_i64().unwrap(),
                row["status"].as_str().unwrap(),
                row["response_status"].clone(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        // Newest first by when each attempt was queued: the update's first
        // attempt was queued with its change, before the creation's retries.
        [
            (4, "delivered", json!(200)),
            (3, "failed", json!(404)),
            (2, "failed", json!(503)),
            (1, "delivered", json!(200)),
            (1, "failed", json!(500)),
        ]
    );
    let failed = &rows[4];
    assert_eq!(failed["error"], "the endpoint answered 500");
    assert!(failed["next_attempt_at"].is_string());
    assert!(failed["latency_ms"].is_i64());
    assert_eq!(rows[0]["next_attempt_at"], Value::Null);
    assert_eq!(rows[0]["event_id"], failed["event_id"]);

    // A manual retry sends the delivered event once more, with its id.
    let first = rows[0]["id"].as_i64().unwrap();
    app.post(
        &format!("/webhooks/{endpoint}/deliveries/{first}/retry"),
        json!(null),
    )
    .await
    .expect(202);
    let received = receiver.wait_for(6, WITHIN).await;
    assert_eq!(received[5].id, created[0].id);
    app.wait_for_deliveries(endpoint, 6, WITHIN).await;
    // What /metrics shows of it.
    assert_eq!(counted(&registry, "webhook_attempts_total", "failed"), 3);
    assert_eq!(counted(&registry, "webhook_attempts_total", "delivered"), 3);
}

#[actix_web::test]
async fn an_endpoint_that_answers_gone_is_disabled() {
    let app = common::spawn_with(common::allowing_private()).await;
    let receiver = Receiver::start([Reply::Status(410)]);
    let (endpoint, _) = app.webhook(&receiver.url, json!(["*"])).await;
    let registry = deliver(&app.db, settings("1s"));
    app.user("ann@example.com", "Ann").await;
    receiver.wait_for(1, WITHIN).await;
    let log = app.wait_for_deliveries(endpoint, 1, WITHIN).await;
    let row = &log["deliveries"][0];
    assert_eq!(row["status"], "failed");
    assert_eq!(row["response_status"], 410);
    assert_eq!(row["next_attempt_at"], Value::Null);
    let shown = app.get(&format!("/webhooks/{endpoint}")).await.expect(200);
    assert_eq!(shown["enabled"], false);
    assert_eq!(counted(&registry, "webhook_attempts_total", "gone"), 1);
    // Nothing is queued for it while it is off.
    app.user("bob@example.com", "Bob").await;
    assert_eq!(app.deliveries(endpoint).await["total"], 1);
}

#[actix_web::test]
async fn three_instances_deliverers_send_each_event_once() {
    let app = common::spawn_with(common::allowing_private()).await;
    let receiver = Receiver::start([]);
    app.webhook(&receiver.url, json!(["user.created"])).await;
    let small_batches = || Settings {
        batch: 5,
        ..settings("1s")
    };
    // Three servers' delivery workers on one database.
    for _ in 0..3 {
        deliver(&app.db, small_batches());
    }
    for n in 0..200 {
        app.user(&format!("user{n}@example.com"), "Someone").await;
    }
    let received = receiver.wait_for(200, WITHIN).await;
    // Time for a second send of anything, were there one.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let received = if receiver.received().len() > received.len() {
        receiver.received()
    } else {
        received
    };
    let ids: std::collections::HashSet<&str> = received.iter().map(|r| r.id.as_str()).collect();
    assert_eq!((received.len(), ids.len()), (200, 200));
}

#[actix_web::test]
async fn nothing_is_sent_for_a_change_that_was_not_committed() {
    let app = common::spawn_with(common::allowing_private()).await;
    let receiver = Receiver::start([]);
    app.webhook(&receiver.url, json!(["*"])).await;
    deliver(&app.db, settings("1s"));
    app.execute("BEGIN; INSERT INTO users (email, full_name) VALUES ('gone@example.com', 'Gone'); ROLLBACK;")
        .await;
    app.post(
        "/orders",
        json!({"user_id": 404, "items": [{"product_id": 1, "quantity": 1}]}),
    )
    .await
    .expect(404);
    app.call(
        Method::POST,
        &format!("{}/users", common::PREFIX),
        Some(json!({"email": "bad"})),
    )
    .await
    .expect(400);
    // A change that commits afterwards is the only one to arrive.
    let product = app.product("Sentinel", 100).await;
    let received = receiver.wait_for(1, WITHIN).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(receiver.received().len(), 1);
    assert_eq!(received[0].json()["data"]["id"], product);
}
