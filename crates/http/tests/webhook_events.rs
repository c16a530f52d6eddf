//! What the outbox queues for webhook endpoints: each change's event, for the
//! enabled endpoints that want it, with the resource as the API showed it.

mod common;

use serde_json::{json, Value};

const HOOK: &str = "http://127.0.0.1:9/hook";

/// The attempts of a delivery log, oldest first, as (type, status).
fn queued(log: &Value) -> Vec<(String, String)> {
    let mut rows: Vec<(String, String)> = log["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            (
                row["event_type"].as_str().unwrap().to_owned(),
                row["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    rows.reverse();
    rows
}

/// The query for the data of the one event of this type.
fn event_data(kind: &str) -> String {
    format!("SELECT data::text AS text FROM webhook_events WHERE type = '{kind}'")
}

#[actix_web::test]
async fn each_change_queues_its_event_for_the_endpoints_that_want_it() {
    let app = common::spawn_with(common::allowing_private()).await;
    let (orders, _) = app
        .webhook(HOOK, json!(["order.created", "order.status_changed"]))
        .await;
    let (users, _) = app
        .webhook(HOOK, json!(["user.created", "user.updated"]))
        .await;
    let (off, _) = app.webhook(HOOK, json!(["*"])).await;
    app.patch(&format!("/webhooks/{off}"), json!({"enabled": false}))
        .await
        .expect(200);

    let user = app.user("ann@example.com", "Ann").await;
    app.patch(&format!("/users/{user}"), json!({"full_name": "Ann B"}))
        .await
        .expect(200);
    // Nothing changes, so nothing happened.
    app.patch(&format!("/users/{user}"), json!({"full_name": "Ann B"}))
        .await
        .expect(200);
    // Nobody enabled wants products: no event is written at all.
    let product = app.product("Lamp", 1_500).await;
    assert_eq!(app.count("webhook_events").await, 2);

    let order = app.order(user, &[(product, 2)]).await;
    let order_id = order["order_id"].as_i64().unwrap();
    app.patch(&format!("/orders/{order_id}"), json!({"status": "paid"}))
        .await
        .expect(200);
    // Refused changes write nothing.
    app.post(
        "/orders",
        json!({"user_id": 999, "items": [{"product_id": product, "quantity": 1}]}),
    )
    .await
    .expect_error(404, "USER_NOT_FOUND", Some("user_id"));
    app.patch(&format!("/orders/{order_id}"), json!({"status": "pending"}))
        .await
        .expect(409);
    app.execute("BEGIN; INSERT INTO users (email, full_name) VALUES ('rolled@back.example', 'Nobody'); ROLLBACK;")
        .await;

    let pending = |kind: &str| (kind.to_owned(), "pending".to_owned());
    assert_eq!(
        queued(&app.deliveries(orders).await),
        [pending("order.created"), pending("order.status_changed")]
    );
    assert_eq!(
        queued(&app.deliveries(users).await),
        [pending("user.created"), pending("user.updated")]
    );
    assert_eq!(queued(&app.deliveries(off).await), []);
    assert_eq!(app.count("webhook_events").await, 4);

    // Each event's data is the resource as the API showed it after the change.
    let shown_order = app.get(&format!("/orders/{order_id}")).await.expect(200);
    let shown_user = app.get(&format!("/users/{user}")).await.expect(200);
    assert_eq!(
        app.json(&event_data("order.status_changed")).await,
        shown_order
    );
    assert_eq!(app.json(&event_data("user.updated")).await, shown_user);
    let mut created = shown_order.clone();
    created["status"] = json!("pending");
    created["updated_at"] = Value::Null;
    created["version"] = json!(1);
    assert_eq!(app.json(&event_data("order.created")).await, created);

    // Turned off, an endpoint keeps what was queued for it, set aside (no due
    // time); turned on again, it is all due at once.
    app.patch(&format!("/webhooks/{users}"), json!({"enabled": false}))
        .await
        .expect(200);
    let log = app.deliveries(users).await;
    assert_eq!(log["total"], 2);
    assert!(
        log["deliveries"]
            .as_array()
            .unwrap()
            .iter()
            .all(|row| row["status"] == "pending" && row["next_attempt_at"].is_null()),
        "{log}"
    );
    app.patch(&format!("/webhooks/{users}"), json!({"enabled": true}))
        .await
        .expect(200);
    let log = app.deliveries(users).await;
    assert!(
        log["deliveries"]
            .as_array()
            .unwrap()
            .iter()
            .all(|row| row["next_attempt_at"].is_string()),
        "{log}"
    );

    // An endpoint hears of changes committed after it was made, not before.
    let (late, _) = app.webhook(HOOK, json!(["*"])).await;
    assert_eq!(queued(&app.deliveries(late).await), []);
    app.product("Desk", 9_900).await;
    assert_eq!(
        queued(&app.deliveries(late).await),
        [pending("product.created")]
    );
}

#[actix_web::test]
async fn old_attempts_and_events_are_swept_and_queued_ones_kept() {
    let app = common::spawn_with(common::allowing_private()).await;
    let (endpoint, _) = app.webhook(HOOK, json!(["user.created"])).await;
    app.user("old@example.com", "Old").await;
    app.user("queued@example.com", "Queued").await;
    app.user("recent@example.com", "Recent").await;
    // The first event's attempt made 40 days ago; the second still queued since
    // then; the third made now.
    app.execute(
        "UPDATE webhook_events SET created_at = now() - interval '40 days' WHERE subject IN ('user:1', 'user:2');
         WITH made AS (DELETE FROM webhook_queue WHERE subject IN ('user:1', 'user:3') RETURNING *)
         INSERT INTO webhook_deliveries (id, endpoint_id, event_seq, attempt, status, response_status, latency_ms, attempted_at)
         SELECT id, endpoint_id, event_seq, attempt, 'delivered', 200, 5,
                CASE subject WHEN 'user:1' THEN now() - interval '40 days' ELSE now() END
           FROM made;"
    )
    .await;
    let removed = app
        .store
        .sweep_webhooks(std::time::Duration::from_secs(30 * 86_400))
        .await
        .unwrap();
    assert_eq!(removed, 2, "the old attempt and its event");
    let kept = app
        .scalar("SELECT count(*) AS n FROM webhook_events WHERE subject IN ('user:2', 'user:3')")
        .await;
    assert_eq!((app.count("webhook_events").await, kept), (2, 2));
    let log = app.deliveries(endpoint).await;
    assert_eq!(log["total"], 2);
}
