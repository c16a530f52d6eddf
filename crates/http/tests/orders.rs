//! Placing, reading and re-statusing orders.

mod common;

use futures_util::future::join_all;
use serde_json::{json, Value};

#[actix_web::test]
async fn an_order_is_placed_with_snapshot_prices_and_totals() {
    let app = common::spawn().await;
    let user = app.user("john@example.com", "John Doe").await;
    let laptop = app.product("MacBook Pro 16\"", 249_999).await;
    let mouse = app.product("Mouse", 1_999).await;
    let reply = app
        .post(
            "/orders",
            json!({"user_id": user, "items": [
                {"product_id": laptop, "quantity": 2},
                {"product_id": mouse, "quantity": 1},
                {"product_id": laptop, "quantity": 1}
            ]}),
        )
        .await;
    let location = reply
        .headers
        .get("location")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let order = reply.expect(201);
    assert_eq!(location, format!("/api/v1/orders/{}", order["order_id"]));
    assert_eq!(order["user_id"], user);
    assert_eq!(order["user_name"], "John Doe");
    assert_eq!(order["status"], "pending");
    assert_eq!(order["updated_at"], Value::Null);
    assert_eq!(order["total_amount_cents"], 3 * 249_999 + 1_999);
    assert_eq!(order["total_quantity"], 4);
    let items = order["items"].as_array().unwrap();
    assert_eq!(items.len(), 3, "repeated products stay separate lines");
    assert_eq!(items[0]["product_name"], "MacBook Pro 16\"");
    assert_eq!(items[0]["price_cents_at_purchase"], 249_999);
    assert_eq!(items[1]["quantity"], 1);

    let read = app
        .get(&format!("/orders/{}", order["order_id"]))
        .await
        .expect(200);
    assert_eq!(read, order, "GET returns what POST answered");
}

#[actix_web::test]
async fn an_order_may_start_in_any_state() {
    let app = common::spawn().await;
    let user = app.user("a@example.com", "A").await;
    let product = app.product("P", 100).await;
    for status in ["pending", "paid", "shipped", "cancelled"] {
        let order = app
            .post("/orders", json!({"user_id": user, "status": status, "items": [{"product_id": product, "quantity": 1}]}))
            .await
            .expect(201);
        assert_eq!(order["status"], status);
    }
    app.post("/orders", json!({"user_id": user, "status": "lost", "items": [{"product_id": product, "quantity": 1}]}))
        .await
        .expect_error(400, "INVALID_STATUS", Some("status"));
}

#[actix_web::test]
async fn a_refused_order_writes_nothing() {
    let app = common::spawn().await;
    let user = app.user("a@example.com", "A").await;
    let product = app.product("P", 100).await;
    let expensive = app.product("Planet", i64::MAX / 2).await;

    app.post("/orders", json!({"user_id": user, "items": [{"product_id": product, "quantity": 1}, {"product_id": 404, "quantity": 1}]}))
        .await
        .expect_error(404, "PRODUCT_NOT_FOUND", Some("items[1].product_id"));
    let body = app
        .post("/orders", json!({"user_id": user, "items": [{"product_id": 404, "quantity": 1}, {"product_id": 405, "quantity": 1}]}))
        .await
        .expect_error(404, "PRODUCT_NOT_FOUND", None);
    assert!(
        body["detail"].as_str().unwrap().contains("404, 405"),
        "{body}"
    );
    app.post(
        "/orders",
        json!({"user_id": 999, "items": [{"product_id": 404, "quantity": 1}]}),
    )
    .await
    .expect_error(404, "USER_NOT_FOUND", Some("user_id"));
    app.post(
        "/orders",
        json!({"user_id": user, "items": [{"product_id": expensive, "quantity": 3}]}),
    )
    .await
    .expect_error(400, "VALIDATION_ERROR", Some("items"));
    app.post("/orders", json!({"user_id": user, "items": [{"product_id": expensive, "quantity": 2}, {"product_id": expensive, "quantity": 1}]}))
        .await
        .expect_error(400, "VALIDATION_ERROR", Some("items"));

    for (body, field) in [
        (
            json!({"items": [{"product_id": product, "quantity": 1}]}),
            "user_id",
        ),
        (
            json!({"user_id": 0, "items": [{"product_id": product, "quantity": 1}]}),
            "user_id",
        ),
        (json!({"user_id": user}), "items"),
        (json!({"user_id": user, "items": []}), "items"),
        (
            json!({"user_id": user, "items": vec![json!({"product_id": product, "quantity": 1}); 101]}),
            "items",
        ),
        (
            json!({"user_id": user, "items": [{"product_id": product, "quantity": 0}]}),
            "items[0].quantity",
        ),
        (
            json!({"user_id": user, "items": [{"product_id": product, "quantity": 1}, {"product_id": product, "quantity": 1_000_001}]}),
            "items[1].quantity",
        ),
        (
            json!({"user_id": user, "items": [{"product_id": product, "quantity": -1}]}),
            "items[0].quantity",
        ),
        (
            json!({"user_id": user, "items": [{"product_id": product, "quantity": 1e30}]}),
            "items[0].quantity",
        ),
        (
            json!({"user_id": user, "items": [{"product_id": product}]}),
            "items[0].quantity",
        ),
        (
            json!({"user_id": user, "items": [{"quantity": 1}]}),
            "items[0].product_id",
        ),
        (
            json!({"user_id": user, "items": [{"product_id": -2, "quantity": 1}]}),
            "items[0].product_id",
        ),
        (
            json!({"user_id": user, "items": [{"product_id": product, "quantity": 1, "discount": 5}]}),
            "items[0].discount",
        ),
        (
            json!({"user_id": user, "items": {"product_id": product}}),
            "items",
        ),
        (
            json!({"user_id": "1", "items": [{"product_id": product, "quantity": 1}]}),
            "user_id",
        ),
    ] {
        app.post("/orders", body)
            .await
            .expect_error(400, "VALIDATION_ERROR", Some(field));
    }
    assert_eq!(app.count("orders").await, 0);
    assert_eq!(app.count("order_items").await, 0);

    let hundred = vec![json!({"product_id": product, "quantity": 1_000_000}); 100];
    let biggest = app
        .post("/orders", json!({"user_id": user, "items": hundred}))
        .await
        .expect(201);
    assert_eq!(biggest["total_quantity"], 100_000_000);
    assert_eq!(biggest["total_amount_cents"], 10_000_000_000i64);
}

#[actix_web::test]
async fn order_lookups_refuse_bad_ids_and_report_missing_orders() {
    let app = common::spawn().await;
    app.get("/orders/1")
        .await
        .expect_error(404, "ORDER_NOT_FOUND", None);
    app.patch("/orders/1", json!({"status": "paid"}))
        .await
        .expect_error(404, "ORDER_NOT_FOUND", None);
    for bad in ["0", "-1", "one", "99999999999999999999"] {
        app.get(&format!("/orders/{bad}")).await.expect_error(
            400,
            "VALIDATION_ERROR",
            Some("order_id"),
        );
        app.patch(&format!("/orders/{bad}"), json!({"status": "paid"}))
            .await
            .expect_error(400, "VALIDATION_ERROR", Some("order_id"));
    }
}

#[actix_web::test]
async fn status_changes_follow_the_life_cycle() {
    let app = common::spawn().await;
    let user = app.user("a@example.com", "A").await;
    let product = app.product("P", 100).await;
    let allowed = [
        ("pending", "paid"),
        ("pending", "cancelled"),
        ("paid", "shipped"),
        ("paid", "cancelled"),
    ];
    let states = ["pending", "paid", "shipped", "cancelled"];
    for from in states {
        for to in states {
            let order = app
                .post("/orders", json!({"user_id": user, "status": from, "items": [{"product_id": product, "quantity": 1}]}))
                .await
                .expect(201);
            let path = format!("/orders/{}", order["order_id"]);
            let reply = app.patch(&path, json!({"status": to})).await;
            if from == to {
                let same = reply.expect(200);
                assert_eq!(same["status"], from);
                assert_eq!(same["updated_at"], Value::Null, "a no-op writes nothing");
            } else if allowed.contains(&(from, to)) {
                let changed = reply.expect(200);
                assert_eq!(changed["status"], to);
                assert!(changed["updated_at"].as_str().unwrap().ends_with('Z'));
                assert_eq!(changed["items"], order["items"]);
                assert_eq!(changed["total_amount_cents"], 100);
                assert_eq!(app.get(&path).await.expect(200), changed);
            } else {
                let body = reply.expect_error(409, "INVALID_STATUS_TRANSITION", None);
                let detail = body["detail"].as_str().unwrap();
                assert!(detail.contains(from) && detail.contains(to), "{detail}");
                assert_eq!(app.get(&path).await.expect(200)["status"], from);
            }
        }
    }
    let order = app.order(user, &[(product, 1)]).await;
    let path = format!("/orders/{}", order["order_id"]);
    app.patch(&path, json!({"status": "PAID"}))
        .await
        .expect_error(400, "INVALID_STATUS", Some("status"));
    app.patch(&path, json!({}))
        .await
        .expect_error(400, "VALIDATION_ERROR", Some("status"));
    app.patch(&path, json!({"status": "paid", "note": "x"}))
        .await
        .expect_error(400, "VALIDATION_ERROR", Some("note"));
    assert_eq!(
        app.patch(&path, json!({"status": " paid "}))
            .await
            .expect(200)["status"],
        "paid"
    );
}

#[actix_web::test]
async fn fifty_orders_placed_at_once_are_all_stored_with_their_totals() {
    let app = common::spawn().await;
    let user = app.user("rush@example.com", "Rush").await;
    let a = app.product("A", 150).await;
    let b = app.product("B", 2_005).await;
    let app = &app;
    let placing = join_all(
        (0..50i64).map(|i| async move { app.order(user, &[(a, i + 1), (b, 50 - i)]).await }),
    );
    // The day totals agree with a full recount at every moment, not only at the end.
    let checking = join_all((0..10).map(|_| async move {
        app.store.compact_day_totals().await.unwrap();
        app.disagreements().await
    }));
    let (replies, checks) = futures_util::join!(placing, checking);
    assert!(checks.iter().all(|&n| n == 0), "{checks:?}");
    assert_eq!(app.disagreements().await, 0);
    let mut ids: Vec<i64> = replies
        .iter()
        .map(|order| order["order_id"].as_i64().unwrap())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 50);
    for (i, order) in replies.iter().enumerate() {
        let i = i as i64;
        assert_eq!(
            order["total_amount_cents"],
            (i + 1) * 150 + (50 - i) * 2_005
        );
        assert_eq!(order["total_quantity"], 51);
    }
    let list = app
        .get(&format!("/orders?user_id={user}&limit=100"))
        .await
        .expect(200);
    assert_eq!(list["total"], 50);
    let expected: i64 = (0..50).map(|i| (i + 1) * 150 + (50 - i) * 2_005).sum();
    assert_eq!(list["total_amount_cents"], expected);
    assert_eq!(list["total_quantity"], 50 * 51);
    assert_eq!(app.count("order_items").await, 100);
}

#[actix_web::test]
async fn concurrent_status_changes_end_in_a_legal_state() {
    let app = common::spawn().await;
    let user = app.user("a@example.com", "A").await;
    let product = app.product("P", 100).await;
    for _ in 0..5 {
        let order = app.order(user, &[(product, 1)]).await;
        let path = format!("/orders/{}", order["order_id"]);
        let targets = [
            "paid",
            "cancelled",
            "shipped",
            "paid",
            "cancelled",
            "shipped",
        ];
        let replies = join_all(
            targets
                .iter()
                .map(|to| app.patch(&path, json!({"status": to}))),
        )
        .await;
        let mut accepted = Vec::new();
        for (to, reply) in targets.iter().zip(replies) {
            match reply.status.as_u16() {
                200 => accepted.push(reply.body["status"].as_str().unwrap().to_owned()),
                409 => assert_eq!(reply.body["code"], "INVALID_STATUS_TRANSITION", "{to}"),
                other => panic!("unexpected {other}: {}", reply.body),
            }
        }
        assert_eq!(app.disagreements().await, 0);
        let final_status = app.get(&path).await.expect(200)["status"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(["paid", "cancelled", "shipped"].contains(&final_status.as_str()));
        assert!(
            accepted.contains(&final_status),
            "{accepted:?} vs {final_status}"
        );
        if final_status == "shipped" {
            assert!(
                accepted.contains(&"paid".to_owned()),
                "shipped only via paid: {accepted:?}"
            );
        }
    }
}
