//! With a replica for reads (`DATABASE_READ_URL`), lists and the export read
//! from it; single resources, writes and what must see them, from the primary.

mod common;

use actix_web::test;
use diesel_async::SimpleAsyncConnection;
use oms_domain::RateLimit;
use oms_http::{app, Access, ApiConfig, Metrics};
use oms_persistence::testing::TestDatabase;
use oms_persistence::Store;
use serde_json::json;

#[actix_web::test]
async fn lists_and_the_export_read_from_the_replica_and_the_rest_from_the_primary() {
    let primary = TestDatabase::new().await;
    // A stand-in for a replica: a database of its own, so that where each
    // answer came from shows.
    let replica = TestDatabase::new().await;
    replica
        .connect()
        .await
        .batch_execute(
            "INSERT INTO users (email, full_name) VALUES ('replica@example.com', 'On the replica');
             INSERT INTO products (name, price_cents) VALUES ('Replica lamp', 100);",
        )
        .await
        .unwrap();
    let store = Store::per_worker(vec![primary.pool(4)], vec![replica.pool(4)])
        .pop()
        .unwrap();
    let key = common::create_key(&store, &["admin"], Some(0)).await;
    let access = Access::new(store.clone(), RateLimit::per_minute(600).unwrap());
    let service = test::init_service(app(
        store,
        ApiConfig::new(common::PREFIX),
        Metrics::new(),
        access,
    ))
    .await;
    let call = |method: &str, path: &str, body: Option<serde_json::Value>| {
        let mut request = test::TestRequest::default()
            .method(method.parse().unwrap())
            .uri(&format!("{}{path}", common::PREFIX))
            .insert_header(("Authorization", format!("Bearer {key}")));
        if let Some(body) = body {
            request = request.set_json(body);
        }
        request.to_request()
    };

    let created: serde_json::Value = test::call_and_read_body_json(
        &service,
        call(
            "POST",
            "/users",
            Some(json!({"email": "ann@example.com", "full_name": "Ann"})),
        ),
    )
    .await;
    assert_eq!(created["full_name"], "Ann");
    // One resource: the primary, which has the user just made.
    let shown: serde_json::Value =
        test::call_and_read_body_json(&service, call("GET", "/users/1", None)).await;
    assert_eq!(shown["email"], "ann@example.com");
    // The lists: the replica.
    let users: serde_json::Value =
        test::call_and_read_body_json(&service, call("GET", "/users", None)).await;
    assert_eq!(users["users"][0]["email"], "replica@example.com");
    assert_eq!(users["total"], 1);
    let products: serde_json::Value =
        test::call_and_read_body_json(&service, call("GET", "/products", None)).await;
    assert_eq!(products["products"][0]["name"], "Replica lamp");
    let orders: serde_json::Value =
        test::call_and_read_body_json(&service, call("GET", "/orders", None)).await;
    assert_eq!(orders["total"], 0);
    // An order placed on the primary is not in the replica's export.
    let product: serde_json::Value = test::call_and_read_body_json(
        &service,
        call(
            "POST",
            "/products",
            Some(json!({"name": "Lamp", "price_cents": 1500})),
        ),
    )
    .await;
    let order = test::call_service(
        &service,
        call(
            "POST",
            "/orders",
            Some(json!({"user_id": 1, "items": [{"product_id": product["id"], "quantity": 1}]})),
        ),
    )
    .await;
    assert_eq!(order.status(), 201);
    let export = test::call_and_read_body(&service, call("GET", "/orders/export", None)).await;
    assert_eq!(
        String::from_utf8_lossy(&export).lines().count(),
        1,
        "the header only"
    );
    let placed: serde_json::Value =
        test::call_and_read_body_json(&service, call("GET", "/orders/1", None)).await;
    assert_eq!(placed["total_amount_cents"], 1500);
}
