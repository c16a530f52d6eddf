//! An order's history over HTTP: one event per change, in commit order, with
//! who made it; nothing for what was refused; never rewritten.

mod common;

use actix_web::http::Method;
use actix_web::test::TestRequest;
use diesel_async::SimpleAsyncConnection;
use futures_util::future::join_all;
use serde_json::{json, Value};

fn with_request_id(request: TestRequest, id: &str) -> TestRequest {
    request.insert_header(("x-request-id", id))
}

#[actix_web::test]
async fn every_change_to_an_order_is_one_event_naming_who_made_it() {
    let app = common::spawn().await;
    let user = app.user("ada@example.com", "Ada").await;
    let product = app.product("Cable", 799).await;
    let orders = format!("{}/orders", common::PREFIX);
    let placed = app
        .send(with_request_id(
            TestRequest::post().uri(&orders).set_json(
                json!({"user_id": user, "items": [{"product_id": product, "quantity": 2}]}),
            ),
            "place-1",
        ))
        .await
        .expect(201);
    let id = placed["order_id"].as_i64().unwrap();
    let patch = |status: &str, request_id: &str| {
        with_request_id(
            TestRequest::patch()
                .uri(&format!("{orders}/{id}"))
                .set_json(json!({"status": status})),
            request_id,
        )
    };
    let paid = app.send(patch("paid", "pay-1")).await.expect(200);
    app.send(patch("paid", "pay-again")).await.expect(200);
    app.send(patch("pending", "back"))
        .await
        .expect_error(409, "INVALID_STATUS_TRANSITION", None);
    let shipped = app.send(patch("shipped", "ship-1")).await.expect(200);

    let history = app.get(&format!("/orders/{id}/events")).await.expect(200);
    assert_eq!(history["total"], 3);
    let events = history["events"].as_array().unwrap();
    let summary: Vec<(&str, Value, &str, &str)> = events
        .iter()
        .map(|event| {
            (
                event["type"].as_str().unwrap(),
                event["status_from"].clone(),
                event["status_to"].as_str().unwrap(),
                event["actor"]["request_id"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("order.created", Value::Null, "pending", "place-1"),
            ("order.status_changed", json!("pending"), "paid", "pay-1"),
            ("order.status_changed", json!("paid"), "shipped", "ship-1"),
        ],
        "no event for the no-op or the refused change"
    );
    assert!(events
        .iter()
        .all(|event| event["actor"]["api_key_id"] == 1 && event["order_id"] == id));
    assert!(events
        .windows(2)
        .all(|pair| pair[0]["id"].as_i64() < pair[1]["id"].as_i64()));
    assert_eq!(events[0]["at"], placed["created_at"]);
    assert_eq!(events[1]["at"], paid["updated_at"]);
    assert_eq!(events[2]["at"], shipped["updated_at"]);

    let page = app
        .get(&format!("/orders/{id}/events?limit=1&offset=1"))
        .await
        .expect(200);
    assert_eq!(
        (
            page["total"].clone(),
            page["limit"].clone(),
            page["offset"].clone()
        ),
        (json!(3), json!(1), json!(1))
    );
    assert_eq!(page["events"][0]["status_to"], "paid");
    app.get("/orders/999/events")
        .await
        .expect_error(404, "ORDER_NOT_FOUND", None);
    app.get("/orders/0/events")
        .await
        .expect_error(400, "VALIDATION_ERROR", Some("order_id"));
    app.get(&format!("/orders/{id}/events?limit=0"))
        .await
        .expect_error(400, "VALIDATION_ERROR", Some("limit"));

    // A refused order writes no event.
    app.post(
        "/orders",
        json!({"user_id": user, "items": [{"product_id": 999, "quantity": 1}]}),
    )
    .await
    .expect_error(404, "PRODUCT_NOT_FOUND", Some("items[0].product_id"));
    assert_eq!(app.count("order_events").await, 3);
}

#[actix_web::test]
async fn the_database_refuses_to_rewrite_history() {
    let app = common::spawn().await;
    let user = app.user("ada@example.com", "Ada").await;
    let product = app.product("Cable", 799).await;
    app.order(user, &[(product, 1)]).await;
    let mut conn = app.sql().await;
    for statement in [
        "UPDATE order_events SET status_to = 'shipped'",
        "DELETE FROM order_events",
    ] {
        let error = conn.batch_execute(statement).await.unwrap_err().to_string();
        assert!(
            error.contains("never updated or deleted"),
            "{statement}: {error}"
        );
    }
    assert_eq!(app.count("order_events").await, 1);
}

/// Changes racing on one order: each change that lands has exactly one event,
/// and the events chain (each starts where the one before ended).
#[actix_web::test]
async fn racing_changes_leave_one_event_each_in_commit_order() {
    let app = common::spawn().await;
    let user = app.user("ada@example.com", "Ada").await;
    let product = app.product("Cable", 799).await;
    for _ in 0..5 {
        let id = app.order(user, &[(product, 1)]).await["order_id"]
            .as_i64()
            .unwrap();
        let attempts = [
            "paid",
            "cancelled",
            "shipped",
            "paid",
            "cancelled",
            "shipped",
            "paid",
            "shipped",
        ];
        let path = format!("{}/orders/{id}", common::PREFIX);
        let replies = join_all(
            attempts
                .iter()
                .map(|status| app.call(Method::PATCH, &path, Some(json!({"status": status})))),
        )
        .await;
        assert!(replies
            .iter()
            .all(|reply| [200, 409].contains(&reply.status.as_u16())));
        let events = app.get(&format!("/orders/{id}/events")).await.expect(200)["events"].clone();
        let events = events.as_array().unwrap();
        assert_eq!(events[0]["type"], "order.created");
        for pair in events.windows(2) {
            assert_eq!(pair[1]["status_from"], pair[0]["status_to"], "{events:?}");
            assert!(pair[0]["id"].as_i64() < pair[1]["id"].as_i64());
        }
        let order = app.get(&format!("/orders/{id}")).await.expect(200);
        assert_eq!(order["status"], events.last().unwrap()["status_to"]);
    }
}
