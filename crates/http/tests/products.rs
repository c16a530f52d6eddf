//! `/products` as a client sees it.

mod common;

use serde_json::json;

#[actix_web::test]
async fn products_are_created_read_listed_and_changed() {
    let app = common::spawn().await;
    let reply = app
        .post("/products", json!({"name": " Mug ", "price_cents": 1299}))
        .await;
    let location = reply
        .headers
        .get("location")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let mug = reply.expect(201);
    assert_eq!(
        mug,
        json!({"id": mug["id"], "name": "Mug", "price_cents": 1299, "version": 1, "stock": null})
    );
    assert_eq!(location, format!("/api/v1/products/{}", mug["id"]));
    let free = app.product("Sticker", 0).await;

    assert_eq!(
        app.get(&format!("/products/{}", mug["id"]))
            .await
            .expect(200),
        mug
    );
    let list = app.get("/products?limit=1").await.expect(200);
    assert_eq!(list["total"], 2);
    assert_eq!(list["products"], json!([mug]));

    let changed = app
        .patch(&format!("/products/{free}"), json!({"price_cents": 50}))
        .await
        .expect(200);
    assert_eq!(
        changed,
        json!({"id": free, "name": "Sticker", "price_cents": 50, "version": 2, "stock": null})
    );
    let renamed = app
        .patch(
            &format!("/products/{free}"),
            json!({"name": "Big sticker", "price_cents": 75}),
        )
        .await
        .expect(200);
    assert_eq!(
        renamed,
        json!({"id": free, "name": "Big sticker", "price_cents": 75, "version": 3, "stock": null})
    );
}

#[actix_web::test]
async fn product_input_is_validated_and_nothing_is_written_on_refusal() {
    let app = common::spawn().await;
    for (body, field) in [
        (json!({"name": "X", "price_cents": -1}), "price_cents"),
        (json!({"name": "X", "price_cents": 1.5}), "price_cents"),
        (json!({"name": "X", "price_cents": "100"}), "price_cents"),
        (
            json!({"name": "X", "price_cents": 9_223_372_036_854_775_808u64}),
            "price_cents",
        ),
        (json!({"name": "X"}), "price_cents"),
        (json!({"name": "", "price_cents": 1}), "name"),
        (json!({"name": "x".repeat(256), "price_cents": 1}), "name"),
        (json!({"price_cents": 1}), "name"),
        (json!({"name": "X", "price_cents": 1, "sku": "A1"}), "sku"),
    ] {
        app.post("/products", body)
            .await
            .expect_error(400, "VALIDATION_ERROR", Some(field));
    }
    assert_eq!(app.count("products").await, 0);
    let max = app
        .post(
            "/products",
            json!({"name": "Yacht", "price_cents": i64::MAX}),
        )
        .await
        .expect(201);
    assert_eq!(max["price_cents"], i64::MAX);

    let id = max["id"].as_i64().unwrap();
    app.patch(&format!("/products/{id}"), json!({}))
        .await
        .expect_error(400, "EMPTY_UPDATE", None);
    app.patch(&format!("/products/{id}"), json!({"price_cents": -5}))
        .await
        .expect_error(400, "VALIDATION_ERROR", Some("price_cents"));
    app.patch(&format!("/products/{id}"), json!({"name": null}))
        .await
        .expect_error(400, "VALIDATION_ERROR", Some("name"));
    app.patch("/products/777", json!({"name": "Ghost"}))
        .await
        .expect_error(404, "PRODUCT_NOT_FOUND", None);
    app.get("/products/777")
        .await
        .expect_error(404, "PRODUCT_NOT_FOUND", None);
    app.get("/products/x")
        .await
        .expect_error(400, "VALIDATION_ERROR", Some("product_id"));
    assert_eq!(app.get(&format!("/products/{id}")).await.expect(200), max);
}

#[actix_web::test]
async fn changing_a_price_leaves_placed_orders_at_their_price() {
    let app = common::spawn().await;
    let user = app.user("buyer@example.com", "Buyer").await;
    let product = app.product("Lamp", 2_000).await;
    let order = app.order(user, &[(product, 3)]).await;
    app.patch(
        &format!("/products/{product}"),
        json!({"price_cents": 9_999, "name": "Better lamp"}),
    )
    .await
    .expect(200);

    let read = app
        .get(&format!("/orders/{}", order["order_id"]))
        .await
        .expect(200);
    assert_eq!(read["items"][0]["price_cents_at_purchase"], 2_000);
    assert_eq!(read["total_amount_cents"], 6_000);
    assert_eq!(
        read["items"][0]["product_name"], "Better lamp",
        "names are current"
    );
    let newer = app.order(user, &[(product, 1)]).await;
    assert_eq!(newer["total_amount_cents"], 9_999);
}
