//! `/webhooks` over HTTP: managing endpoints and retrying deliveries (what the
//! outbox queues is in `webhook_events.rs`, what is delivered and how in
//! `deliveries.rs`).

mod common;

use actix_web::http::Method;
use actix_web::test::TestRequest;
use serde_json::{json, Value};

const HOOK: &str = "http://127.0.0.1:9/hook";

#[actix_web::test]
async fn endpoints_are_created_shown_changed_and_deleted() {
    let app = common::spawn_with(common::allowing_private()).await;
    let created = app
        .post(
            "/webhooks",
            json!({"url": HOOK, "events": ["order.created", "user.created", "order.created"], "description": "  fulfilment  "}),
        )
        .await;
    assert_eq!(
        created.headers.get("location").unwrap(),
        &format!("{}/webhooks/{}", common::PREFIX, created.body["id"])
    );
    let created = created.expect(201);
    assert_eq!(created["events"], json!(["order.created", "user.created"]));
    assert_eq!(created["description"], "fulfilment");
    assert_eq!(created["enabled"], true);
    let secret = created["secret"].as_str().unwrap();
    assert!(
        secret.starts_with("whsec_") && secret.len() > 40,
        "{secret}"
    );
    let id = created["id"].as_i64().unwrap();

    let shown = app.get(&format!("/webhooks/{id}")).await.expect(200);
    assert!(shown.get("secret").is_none(), "{shown}");
    let listed = app.get("/webhooks").await.expect(200);
    assert_eq!(listed["total"], 1);
    assert_eq!(listed["webhooks"][0], shown);
    assert_eq!(listed["next_cursor"], Value::Null);

    let changed = app
        .patch(
            &format!("/webhooks/{id}"),
            json!({"events": ["*"], "enabled": false, "description": null}),
        )
        .await
        .expect(200);
    assert_eq!(changed["events"], json!(["*"]));
    assert_eq!(changed["enabled"], false);
    assert_eq!(changed["description"], Value::Null);
    assert_eq!(changed["url"], HOOK);

    app.patch(&format!("/webhooks/{id}"), json!({}))
        .await
        .expect_error(400, "EMPTY_UPDATE", None);
    app.patch(&format!("/webhooks/{id}"), json!({"url": null}))
        .await
        .expect_error(400, "VALIDATION_ERROR", Some("url"));
    app.patch(
        &format!("/webhooks/{id}"),
        json!({"events": ["order.deleted"]}),
    )
    .await
    .expect_error(400, "VALIDATION_ERROR", Some("events"));
    app.patch("/webhooks/999", json!({"enabled": true}))
        .await
        .expect_error(404, "WEBHOOK_NOT_FOUND", None);

    let deleted = app
        .call(
            Method::DELETE,
            &format!("{}/webhooks/{id}", common::PREFIX),
            None,
        )
        .await;
    assert_eq!(deleted.status, 204);
    app.get(&format!("/webhooks/{id}"))
        .await
        .expect_error(404, "WEBHOOK_NOT_FOUND", None);
    app.call(
        Method::DELETE,
        &format!("{}/webhooks/{id}", common::PREFIX),
        None,
    )
    .await
    .expect_error(404, "WEBHOOK_NOT_FOUND", None);
    app.get("/webhooks/0")
        .await
        .expect_error(400, "VALIDATION_ERROR", Some("webhook_id"));
}

#[actix_web::test]
async fn bad_endpoints_are_refused_and_nothing_is_written() {
    let app = common::spawn().await;
    for (body, field, says) in [
        (
            json!({"url": HOOK, "events": ["*"]}),
            Some("url"),
            "127.0.0.1",
        ),
        (
            json!({"url": "http://[::1]/h", "events": ["*"]}),
            Some("url"),
            "::1",
        ),
        (
            json!({"url": "http://10.0.0.8/h", "events": ["*"]}),
            Some("url"),
            "private",
        ),
        (
            json!({"url": "ftp://shop.example/h", "events": ["*"]}),
            Some("url"),
            "http or https",
        ),
        (
            json!({"url": "/hook", "events": ["*"]}),
            Some("url"),
            "absolute URL",
        ),
        (
            json!({"url": "http://shop.invalid/h", "events": ["*"]}),
            Some("url"),
            "does not resolve",
        ),
        (
            json!({"url": "http://93.184.216.34/h", "events": []}),
            Some("events"),
            "at least one",
        ),
        (
            json!({"url": "http://93.184.216.34/h", "events": ["order.shipped"]}),
            Some("events"),
            "'order.shipped'",
        ),
        (
            json!({"url": "http://93.184.216.34/h"}),
            Some("events"),
            "required",
        ),
        (
            json!({"url": "http://93.184.216.34/h", "events": ["*"], "description": "x".repeat(501)}),
            Some("description"),
            "500",
        ),
        (
            json!({"url": "http://93.184.216.34/h", "events": ["*"], "description": "a\u{0}b"}),
            Some("description"),
            "control characters",
        ),
        (
            json!({"url": "http://93.184.216.34/h", "events": ["*"], "secret": "whsec_x"}),
            Some("secret"),
            "secret",
        ),
    ] {
        let error =
            app.post("/webhooks", body.clone())
                .await
                .expect_error(400, "VALIDATION_ERROR", field);
        assert!(
            error["detail"].as_str().unwrap().contains(says),
            "{body}: {error}"
        );
    }
    assert_eq!(app.count("webhook_endpoints").await, 0);
    // A public address is taken as it is.
    app.post(
        "/webhooks",
        json!({"url": "http://93.184.216.34/h", "events": ["*"]}),
    )
    .await
    .expect(201);
}

#[actix_web::test]
async fn a_replayed_creation_does_not_show_the_secret_again() {
    let app = common::spawn_with(common::allowing_private()).await;
    let request = || {
        TestRequest::post()
            .uri(&format!("{}/webhooks", common::PREFIX))
            .insert_header(("Idempotency-Key", "hook-1"))
            .set_json(json!({"url": HOOK, "events": ["*"]}))
    };
    let first = app.send(request()).await.expect(201);
    let again = app.send(request()).await;
    assert_eq!(again.headers.get("idempotent-replayed").unwrap(), "true");
    let again = again.expect(201);
    assert_eq!(again["id"], first["id"]);
    assert_eq!(again["secret"], Value::Null);
    assert!(first["secret"].is_string());
    assert_eq!(app.count("webhook_endpoints").await, 1);
}

#[actix_web::test]
async fn a_delivery_is_retried_on_demand() {
    let app = common::spawn_with(common::allowing_private()).await;
    let (endpoint, _) = app.webhook(HOOK, json!(["user.created"])).await;
    let (other, _) = app.webhook(HOOK, json!(["user.created"])).await;
    app.user("ann@example.com", "Ann").await;
    let log = app.deliveries(endpoint).await;
    assert_eq!(log["total"], 1);
    let first = &log["deliveries"][0];
    let id = first["id"].as_i64().unwrap();
    assert_eq!(first["attempt"], 1);
    assert_eq!(first["status"], "pending");
    assert_eq!(first["attempted_at"], Value::Null);

    // Still waiting: made due now, no new attempt.
    let retried = app
        .post(
            &format!("/webhooks/{endpoint}/deliveries/{id}/retry"),
            json!(null),
        )
        .await
        .expect(202);
    assert_eq!(retried["id"], id);
    assert_eq!(retried["event_id"], first["event_id"]);

    // Delivered already: a new attempt of the same event.
    app.execute(&format!(
        "WITH made AS (DELETE FROM webhook_queue WHERE id = {id} RETURNING *)
         INSERT INTO webhook_deliveries (id, endpoint_id, event_seq, attempt, status, response_status, latency_ms, attempted_at)
         SELECT id, endpoint_id, event_seq, attempt, 'delivered', 200, 5, now() FROM made"
    ))
    .await;
    let again = app
        .post(
            &format!("/webhooks/{endpoint}/deliveries/{id}/retry"),
            json!(null),
        )
        .await
        .expect(202);
    assert_ne!(again["id"], id);
    assert_eq!(again["attempt"], 2);
    assert_eq!(again["status"], "pending");
    assert_eq!(again["event_id"], first["event_id"]);
    let log = app.deliveries(endpoint).await;
    assert_eq!(log["total"], 2);
    assert_eq!(log["deliveries"][0]["id"], again["id"]);
    assert_eq!(log["deliveries"][1]["status"], "delivered");

    app.post(
        &format!("/webhooks/{other}/deliveries/{id}/retry"),
        json!(null),
    )
    .await
    .expect_error(404, "DELIVERY_NOT_FOUND", None);
    app.post(&format!("/webhooks/999/deliveries/{id}/retry"), json!(null))
        .await
        .expect_error(404, "WEBHOOK_NOT_FOUND", None);
    app.get("/webhooks/999/deliveries")
        .await
        .expect_error(404, "WEBHOOK_NOT_FOUND", None);

    // Deleting an endpoint deletes its attempts, made and waiting, and no other's.
    let deleted = app
        .call(
            Method::DELETE,
            &format!("{}/webhooks/{endpoint}", common::PREFIX),
            None,
        )
        .await;
    assert_eq!(deleted.status, 204);
    assert_eq!(
        app.scalar(&format!("SELECT (SELECT count(*) FROM webhook_queue WHERE endpoint_id = {endpoint}) + (SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = {endpoint}) AS n")).await,
        0
    );
    let other_log = app.deliveries(other).await;
    assert_eq!(other_log["total"], 1);
}
