//! The API's acceptance behaviour, from outside over HTTP: by default against
//! the `oms` binary started on a fresh database; with `OMS_TEST_URL` (and
//! `OMS_TEST_API_KEY`, an admin key of it) against an oms already running
//! there, such as several instances behind a load balancer:
//!
//! ```text
//! OMS_TEST_URL=http://127.0.0.1:18000 OMS_TEST_API_KEY=… cargo test -p oms-server --test acceptance
//! ```
//!
//! Every test makes the users and products it uses, so it can share a database
//! with anything. Lists may be read from a replica, which may lag: the tests
//! wait for a list to show a write (up to `common::api::REPLICA_LAG`) instead of assuming it.

mod common;

use common::api::{expect, expect_error, target, unique_email, Target};
use serde_json::{json, Value};

#[tokio::test]
async fn users_are_created_read_changed_and_refused_as_the_contract_says() {
    let api = target().await;
    let email = unique_email("Ada");
    let created = api.post(
        "/users",
        json!({"email": email, "full_name": "Ada Lovelace"}),
    );
    let user = expect(&created, 201).clone();
    assert_eq!(user["full_name"], "Ada Lovelace");
    let location = created.header["location"].clone();
    assert!(
        location.ends_with(&format!("/users/{}", user["id"])),
        "{location}"
    );
    assert_eq!(created.header["etag"], "\"1\"");
    let path = format!("/users/{}", user["id"]);
    assert_eq!(expect(&api.get(&path), 200), &user);

    let shouted = api.post(
        "/users",
        json!({"email": email.to_uppercase(), "full_name": "Other"}),
    );
    expect_error(&shouted, 409, "EMAIL_TAKEN");
    let bad = api.post(
        "/users",
        json!({"email": "not an address", "full_name": "X"}),
    );
    expect_error(&bad, 400, "VALIDATION_ERROR");
    assert_eq!(bad.body["field"], "email");

    let renamed = api.patch(&path, json!({"full_name": "Countess of Lovelace"}));
    assert_eq!(expect(&renamed, 200)["full_name"], "Countess of Lovelace");
    expect_error(&api.patch(&path, json!({})), 400, "EMPTY_UPDATE");
    let stale = api.call(
        "PATCH",
        &path,
        Some(json!({"full_name": "Y"})),
        &[("If-Match", "\"1\"")],
    );
    expect_error(&stale, 412, "PRECONDITION_FAILED");
    expect_error(&api.get("/users/999999999999"), 404, "USER_NOT_FOUND");
}

#[tokio::test]
async fn an_order_keeps_its_prices_and_totals_and_follows_its_life() {
    let api = target().await;
    let user = api.user("Grace Hopper");
    let laptop = api.product("Laptop", 249_999, None);
    let cable = api.product("Cable", 1_999, None);
    let placed = api.post(
        "/orders",
        json!({"user_id": user, "items": [{"product_id": laptop, "quantity": 2}, {"product_id": cable, "quantity": 1}]}),
    );
    let order = expect(&placed, 201).clone();
    assert_eq!(
        (
            &order["status"],
            &order["total_amount_cents"],
            &order["total_quantity"],
            &order["user_name"]
        ),
        (
            &json!("pending"),
            &json!(501_997),
            &json!(3),
            &json!("Grace Hopper")
        )
    );
    let path = format!("/orders/{}", order["order_id"]);

    expect(
        &api.patch(&format!("/products/{laptop}"), json!({"price_cents": 1})),
        200,
    );
    let read = api.get(&path);
    assert_eq!(
        expect(&read, 200)["items"][0]["price_cents_at_purchase"],
        249_999
    );
    assert_eq!(read.body["total_amount_cents"], 501_997);

    let paid = api.patch(&path, json!({"status": "paid"}));
    assert!(expect(&paid, 200)["updated_at"].is_string());
    expect(&api.patch(&path, json!({"status": "paid"})), 200);
    expect_error(
        &api.patch(&path, json!({"status": "pending"})),
        409,
        "INVALID_STATUS_TRANSITION",
    );
    expect(&api.patch(&path, json!({"status": "shipped"})), 200);
    let cancelled = api.patch(&path, json!({"status": "cancelled"}));
    expect_error(&cancelled, 409, "INVALID_STATUS_TRANSITION");
    assert!(cancelled.body["detail"]
        .as_str()
        .unwrap()
        .contains("shipped"));

    // Refused and no-op changes leave no trace in the history.
    let history = api.list_when(&format!("{path}/events"), |list| list["total"] == 3);
    let changes: Vec<(&Value, &Value)> = history["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|event| (&event["status_from"], &event["status_to"]))
        .collect();
    let (pending, paid, shipped) = (json!("pending"), json!("paid"), json!("shipped"));
    assert_eq!(
        changes,
        [
            (&Value::Null, &pending),
            (&pending, &paid),
            (&paid, &shipped)
        ]
    );
}

#[tokio::test]
async fn a_refused_order_writes_nothing_and_stock_is_taken_and_given_back() {
    let api = target().await;
    let user = api.user("Stock Keeper");
    let lamp = api.product("Lamp", 5_000, Some(3));
    let missing = api.post("/orders", json!({"user_id": user, "items": [{"product_id": lamp, "quantity": 1}, {"product_id": 999_999_999_999_i64, "quantity": 1}]}));
    expect_error(&missing, 404, "PRODUCT_NOT_FOUND");
    let nobody = api.post(
        "/orders",
        json!({"user_id": 999_999_999_999_i64, "items": [{"product_id": lamp, "quantity": 1}]}),
    );
    expect_error(&nobody, 404, "USER_NOT_FOUND");

    let first = api.post(
        "/orders",
        json!({"user_id": user, "items": [{"product_id": lamp, "quantity": 2}]}),
    );
    let first = expect(&first, 201)["order_id"].clone();
    assert_eq!(
        expect(&api.get(&format!("/products/{lamp}")), 200)["stock"],
        1
    );
    let short = api.post(
        "/orders",
        json!({"user_id": user, "items": [{"product_id": lamp, "quantity": 2}]}),
    );
    expect_error(&short, 409, "OUT_OF_STOCK");
    expect(
        &api.patch(&format!("/orders/{first}"), json!({"status": "cancelled"})),
        200,
    );
    assert_eq!(
        expect(&api.get(&format!("/products/{lamp}")), 200)["stock"],
        3
    );

    let listed = api.list_when(&format!("/orders?user_id={user}"), |list| {
        list["orders"][0]["status"] == "cancelled"
    });
    assert_eq!(
        (&listed["total"], &listed["orders"][0]["order_id"]),
        (&json!(1), &first)
    );
}

#[tokio::test]
async fn a_post_retried_with_its_idempotency_key_is_made_once() {
    let api = target().await;
    let user = api.user("Retry Often");
    let pen = api.product("Pen", 150, None);
    let order = json!({"user_id": user, "items": [{"product_id": pen, "quantity": 4}]});
    let key = format!("acceptance-{}", unique_email("key"));
    let first = api.call(
        "POST",
        "/orders",
        Some(order.clone()),
        &[("Idempotency-Key", &key)],
    );
    let again = api.call("POST", "/orders", Some(order), &[("Idempotency-Key", &key)]);
    assert_eq!(expect(&again, 201), expect(&first, 201));
    assert_eq!(
        again.header.get("idempotent-replayed").map(String::as_str),
        Some("true")
    );
    let other = json!({"user_id": user, "items": [{"product_id": pen, "quantity": 5}]});
    let reused = api.call("POST", "/orders", Some(other), &[("Idempotency-Key", &key)]);
    expect_error(&reused, 422, "IDEMPOTENCY_KEY_REUSED");

    let listed = api.list_when(&format!("/orders?user_id={user}"), |list| {
        list["total"] != 0
    });
    assert_eq!(listed["total"], 1);
}

#[tokio::test]
async fn a_users_orders_are_totalled_and_paged_by_cursor() {
    let api = target().await;
    let user = api.user("Many Orders");
    let book = api.product("Book", 1_250, None);
    for quantity in 1..=5 {
        let placed = api.post(
            "/orders",
            json!({"user_id": user, "items": [{"product_id": book, "quantity": quantity}]}),
        );
        expect(&placed, 201);
    }
    let path = format!("/orders?user_id={user}&limit=2");
    let first = api.list_when(&path, |list| list["total"] == 5);
    assert_eq!(
        (
            &first["total"],
            &first["total_amount_cents"],
            &first["total_quantity"]
        ),
        (&json!(5), &json!(18_750), &json!(15))
    );
    let mut seen: Vec<Value> = first["orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["total_quantity"].clone())
        .collect();
    let mut cursor = first["next_cursor"].clone();
    while let Some(next) = cursor.as_str() {
        let page = api.get(&format!("{path}&cursor={next}"));
        let page = expect(&page, 200);
        seen.extend(
            page["orders"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| o["total_quantity"].clone()),
        );
        cursor = page["next_cursor"].clone();
    }
    assert_eq!(seen, [5, 4, 3, 2, 1], "newest first, each once");
    let mixed = api.get(&format!(
        "{path}&offset=2&cursor={}",
        first["next_cursor"].as_str().unwrap()
    ));
    expect_error(&mixed, 400, "VALIDATION_ERROR");
}

#[tokio::test]
async fn calls_without_a_valid_key_are_refused() {
    let api = target().await;
    for key in ["", "oms_not-a-key-at-all"] {
        let refused = Target {
            api: api.api.clone(),
            key: key.to_owned(),
            server: None,
        }
        .get("/users");
        expect_error(&refused, 401, "UNAUTHENTICATED");
        assert!(refused.header["www-authenticate"].starts_with("Bearer"));
    }
}
