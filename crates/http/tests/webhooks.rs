//! `/webhooks` over HTTP: managing endpoints, and what the outbox queues for
//! them (what is delivered, and how, is in `deliveries.rs`).

mod common;

use actix_web::http::Method;
use actix_web::test::TestRequest;
use oms_http::ApiConfig;
use serde_json::{json, Value};

/// Endpoints on this machine are allowed, as the receivers of tests are.
fn allowing_private() -> ApiConfig {
    let mut config = ApiConfig::new(common::PREFIX);
    config.webhook_allow_private = true;
    config
}

const HOOK: &str = "http://127.0.0.1:9/hook";

#[actix_web::test]
async fn endpoints_are_created_shown_changed_and_deleted() {
    let app = common::spawn_with(allowing_private()).await;
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
    let app = common::spawn_with(allowing_private()).await;
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

/// The deliveries queued for an endpoint, oldest first, as (type, status).
async fn queued<S, B>(app: &common::TestApp<S>, endpoint: i64) -> Vec<(String, String)>
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    let log = app
        .get(&format!("/webhooks/{endpoint}/deliveries"))
        .await
        .expect(200);
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

#[actix_web::test]
async fn each_change_queues_its_event_for_the_endpoints_that_want_it() {
    let app = common::spawn_with(allowing_private()).await;
    let hook = |events: Value| json!({"url": HOOK, "events": events});
    let orders = app
        .post(
            "/webhooks",
            hook(json!(["order.created", "order.status_changed"])),
        )
        .await
        .expect(201)["id"]
        .as_i64()
        .unwrap();
    let users = app
        .post("/webhooks", hook(json!(["user.created", "user.updated"])))
        .await
        .expect(201)["id"]
        .as_i64()
        .unwrap();
    let off = app.post("/webhooks", hook(json!(["*"]))).await.expect(201)["id"]
        .as_i64()
        .unwrap();
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
        queued(&app, orders).await,
        [pending("order.created"), pending("order.status_changed")]
    );
    assert_eq!(
        queued(&app, users).await,
        [pending("user.created"), pending("user.updated")]
    );
    assert_eq!(queued(&app, off).await, []);
    assert_eq!(app.count("webhook_events").await, 4);

    // Each event's data is the resource as the API showed it after the change.
    let shown_order = app.get(&format!("/orders/{order_id}")).await.expect(200);
    let shown_user = app.get(&format!("/users/{user}")).await.expect(200);
    assert_eq!(event_data(&app, "order.status_changed").await, shown_order);
    assert_eq!(event_data(&app, "user.updated").await, shown_user);
    let mut created = shown_order.clone();
    created["status"] = json!("pending");
    created["updated_at"] = Value::Null;
    created["version"] = json!(1);
    assert_eq!(event_data(&app, "order.created").await, created);

    // Turned off, an endpoint keeps what was queued for it, set aside (no due
    // time); turned on again, it is all due at once.
    app.patch(&format!("/webhooks/{users}"), json!({"enabled": false}))
        .await
        .expect(200);
    let log = app
        .get(&format!("/webhooks/{users}/deliveries"))
        .await
        .expect(200);
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
    let log = app
        .get(&format!("/webhooks/{users}/deliveries"))
        .await
        .expect(200);
    assert!(
        log["deliveries"]
            .as_array()
            .unwrap()
            .iter()
            .all(|row| row["next_attempt_at"].is_string()),
        "{log}"
    );

    // An endpoint hears of changes committed after it was made, not before.
    let late = app.post("/webhooks", hook(json!(["*"]))).await.expect(201)["id"]
        .as_i64()
        .unwrap();
    assert_eq!(queued(&app, late).await, []);
    app.product("Desk", 9_900).await;
    assert_eq!(queued(&app, late).await, [pending("product.created")]);
}

/// The data of the one event of this type, as JSON.
async fn event_data<S, B>(app: &common::TestApp<S>, kind: &str) -> Value
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    use diesel_async::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Data {
        #[diesel(sql_type = diesel::sql_types::Text)]
        data: String,
    }
    let row: Data = diesel::sql_query(format!(
        "SELECT data::text AS data FROM webhook_events WHERE type = '{kind}'"
    ))
    .get_result(&mut app.sql().await)
    .await
    .unwrap();
    serde_json::from_str(&row.data).unwrap()
}

#[actix_web::test]
async fn a_delivery_is_retried_on_demand() {
    let app = common::spawn_with(allowing_private()).await;
    let endpoint = app
        .post(
            "/webhooks",
            json!({"url": HOOK, "events": ["user.created"]}),
        )
        .await
        .expect(201)["id"]
        .as_i64()
        .unwrap();
    let other = app
        .post(
            "/webhooks",
            json!({"url": HOOK, "events": ["user.created"]}),
        )
        .await
        .expect(201)["id"]
        .as_i64()
        .unwrap();
    app.user("ann@example.com", "Ann").await;
    let log = app
        .get(&format!("/webhooks/{endpoint}/deliveries"))
        .await
        .expect(200);
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
    let log = app
        .get(&format!("/webhooks/{endpoint}/deliveries"))
        .await
        .expect(200);
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
    let other_log = app
        .get(&format!("/webhooks/{other}/deliveries"))
        .await
        .expect(200);
    assert_eq!(other_log["total"], 1);
}
