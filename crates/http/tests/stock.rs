//! Stock: orders take it, cancellations give it back, and under any
//! concurrency it is never negative and never sold twice.

mod common;

use actix_web::http::header;
use actix_web::test::TestRequest;
use futures_util::future::join_all;
use serde_json::{json, Value};

/// Creates a product with `stock` units and returns its id.
async fn stocked<S, B>(app: &common::TestApp<S>, name: &str, stock: i64) -> i64
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    let created = app
        .post(
            "/products",
            json!({"name": name, "price_cents": 500, "stock": stock}),
        )
        .await
        .expect(201);
    assert_eq!(created["stock"], stock);
    created["id"].as_i64().unwrap()
}

fn items(lines: &[(i64, i64)]) -> Value {
    lines
        .iter()
        .map(|(product_id, quantity)| json!({"product_id": product_id, "quantity": quantity}))
        .collect()
}

#[actix_web::test]
async fn stock_is_set_read_and_cleared_like_any_field() {
    let app = common::spawn().await;
    let untracked = app
        .post("/products", json!({"name": "Pen", "price_cents": 150}))
        .await
        .expect(201);
    assert_eq!(untracked["stock"], Value::Null);
    let id = stocked(&app, "Tea", 12).await;
    let path = format!("/products/{id}");
    assert_eq!(app.get(&path).await.expect(200)["stock"], 12);

    let changed = app.patch(&path, json!({"stock": 40})).await.expect(200);
    assert_eq!(
        (changed["stock"].clone(), changed["version"].clone()),
        (json!(40), json!(2))
    );
    let cleared = app.patch(&path, json!({"stock": null})).await.expect(200);
    assert_eq!(cleared["stock"], Value::Null);

    for (body, message) in [
        (
            json!({"stock": -1}),
            "stock must be between 0 and 2147483647 (got -1)",
        ),
        (
            json!({"stock": 2_147_483_648_i64}),
            "stock must be between 0 and 2147483647 (got 2147483648)",
        ),
    ] {
        let refused = app.patch(&path, body.clone()).await.expect_error(
            400,
            "VALIDATION_ERROR",
            Some("stock"),
        );
        assert_eq!(refused["detail"], message);
        let mut create = json!({"name": "Cup", "price_cents": 1});
        create["stock"] = body["stock"].clone();
        app.post("/products", create)
            .await
            .expect_error(400, "VALIDATION_ERROR", Some("stock"));
    }
    app.post(
        "/products",
        json!({"name": "Cup", "price_cents": 1, "stock": "many"}),
    )
    .await
    .expect_error(400, "VALIDATION_ERROR", Some("stock"));
    assert_eq!(app.count("products").await, 2);
}

#[actix_web::test]
async fn an_order_short_of_stock_is_refused_whole_and_names_what_is_left() {
    let app = common::spawn().await;
    let user = app.user("ada@example.com", "Ada").await;
    let pen = app.product("Pen", 150).await;
    let tea = stocked(&app, "Tea", 3).await;
    let cup = stocked(&app, "Cup", 1).await;

    let refused = app
        .post(
            "/orders",
            json!({"user_id": user, "items": items(&[(pen, 1), (tea, 2), (cup, 1), (tea, 2)])}),
        )
        .await
        .expect_error(409, "OUT_OF_STOCK", Some("items[1].quantity"));
    assert_eq!(
        refused["detail"],
        format!("not enough stock: product {tea} (4 ordered, 3 left); nothing was ordered")
    );
    let both = app
        .post(
            "/orders",
            json!({"user_id": user, "items": items(&[(cup, 2), (tea, 5)])}),
        )
        .await
        .expect_error(409, "OUT_OF_STOCK", None);
    assert_eq!(
        both["detail"],
        format!(
            "not enough stock: product {tea} (5 ordered, 3 left), product {cup} (2 ordered, 1 left); nothing was ordered"
        )
    );
    for table in ["orders", "order_items", "order_events"] {
        assert_eq!(app.count(table).await, 0, "{table}");
    }
    let products = app.get("/products").await.expect(200);
    assert_eq!(
        products["products"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p["stock"].clone(), p["version"].clone()))
            .collect::<Vec<_>>(),
        [
            (Value::Null, json!(1)),
            (json!(3), json!(1)),
            (json!(1), json!(1))
        ],
        "a refused order takes nothing"
    );

    // Exactly what is left can be ordered; then the product is sold out.
    app.order(user, &[(tea, 1), (pen, 7), (tea, 2), (cup, 1)])
        .await;
    let tea_now = app.get(&format!("/products/{tea}")).await.expect(200);
    assert_eq!(
        (tea_now["stock"].clone(), tea_now["version"].clone()),
        (json!(0), json!(2))
    );
    app.post(
        "/orders",
        json!({"user_id": user, "items": items(&[(tea, 1)])}),
    )
    .await
    .expect_error(409, "OUT_OF_STOCK", Some("items[0].quantity"));
    // A missing product is reported before any shortage.
    app.post(
        "/orders",
        json!({"user_id": user, "items": items(&[(tea, 1), (999, 1)])}),
    )
    .await
    .expect_error(404, "PRODUCT_NOT_FOUND", Some("items[1].product_id"));
}

#[actix_web::test]
async fn cancelling_gives_the_units_back_and_shipping_does_not() {
    let app = common::spawn().await;
    let user = app.user("ada@example.com", "Ada").await;
    let tea = stocked(&app, "Tea", 10).await;
    let pen = app.product("Pen", 150).await;
    let stock =
        || async { app.get(&format!("/products/{tea}")).await.expect(200)["stock"].clone() };

    let shipped = app.order(user, &[(tea, 2), (pen, 1)]).await["order_id"].clone();
    let cancelled = app.order(user, &[(tea, 3), (tea, 1), (pen, 1)]).await["order_id"].clone();
    assert_eq!(stock().await, 4);
    for status in ["paid", "shipped"] {
        app.patch(&format!("/orders/{shipped}"), json!({"status": status}))
            .await
            .expect(200);
    }
    assert_eq!(stock().await, 4, "shipping changes nothing");
    app.patch(&format!("/orders/{cancelled}"), json!({"status": "paid"}))
        .await
        .expect(200);
    app.patch(
        &format!("/orders/{cancelled}"),
        json!({"status": "cancelled"}),
    )
    .await
    .expect(200);
    assert_eq!(
        stock().await,
        8,
        "both lines of the cancelled order came back"
    );
    // Cancelling again is no change, and gives nothing back twice.
    app.patch(
        &format!("/orders/{cancelled}"),
        json!({"status": "cancelled"}),
    )
    .await
    .expect(200);
    assert_eq!(stock().await, 8);
    // Stock given back to a product that no longer tracks it is not counted.
    let untracked_later = app.order(user, &[(tea, 8)]).await["order_id"].clone();
    app.patch(&format!("/products/{tea}"), json!({"stock": null}))
        .await
        .expect(200);
    app.patch(
        &format!("/orders/{untracked_later}"),
        json!({"status": "cancelled"}),
    )
    .await
    .expect(200);
    assert_eq!(stock().await, Value::Null);
}

#[actix_web::test]
async fn two_hundred_buyers_of_fifty_units_buy_exactly_fifty() {
    // Several placing statements at once, each with a batch of orders.
    let app = common::spawn_pooled(oms_http::ApiConfig::new(common::PREFIX), 16).await;
    let buyer = app.user("ada@example.com", "Ada").await;
    let scarce = stocked(&app, "Last units", 50).await;
    let mut others = Vec::new();
    for n in 0..4 {
        others.push(stocked(&app, &format!("Plenty {n}"), 10_000).await);
    }
    let mut rng = fastrand::Rng::with_seed(22);
    let orders: Vec<Vec<(i64, i64)>> = (0..200)
        .map(|_| {
            let mut lines = vec![(scarce, 1)];
            for &other in &others {
                if rng.bool() {
                    lines.insert(rng.usize(..=lines.len()), (other, rng.i64(1..=5)));
                }
            }
            lines
        })
        .collect();

    let replies = join_all(
        orders
            .iter()
            .map(|lines| app.post("/orders", json!({"user_id": buyer, "items": items(lines)}))),
    )
    .await;

    let mut sold = 0;
    let mut taken_of_others = vec![0; others.len()];
    for (lines, reply) in orders.iter().zip(replies) {
        match reply.status.as_u16() {
            201 => {
                sold += 1;
                for &(product, quantity) in lines {
                    if let Some(i) = others.iter().position(|&o| o == product) {
                        taken_of_others[i] += quantity;
                    }
                }
            }
            409 => assert_eq!(reply.body["code"], "OUT_OF_STOCK"),
            other => panic!("unexpected {other}: {}", reply.body),
        }
    }
    assert_eq!(sold, 50);
    assert_eq!(
        app.scalar(&format!(
            "SELECT stock::bigint AS n FROM products WHERE id = {scarce}"
        ))
        .await,
        0
    );
    for (other, taken) in others.iter().zip(taken_of_others) {
        assert_eq!(
            app.scalar(&format!(
                "SELECT stock::bigint AS n FROM products WHERE id = {other}"
            ))
            .await,
            10_000 - taken
        );
    }
    // The refused orders wrote nothing.
    assert_eq!(app.count("orders").await, 50);
    assert_eq!(app.count("order_events").await, 50);
    assert_eq!(
        app.scalar(&format!(
            "SELECT sum(quantity) AS n FROM order_items WHERE product_id = {scarce}"
        ))
        .await,
        50
    );
    assert_eq!(app.disagreements().await, 0);
}

/// Stock sold (in orders that are not cancelled) plus stock left.
const SOLD_PLUS_LEFT: &str = "SELECT p.stock + coalesce((SELECT sum(i.quantity) FROM order_items i JOIN orders o ON o.id = i.order_id
                                             WHERE i.product_id = p.id AND o.status <> 'cancelled'), 0) AS n
                                FROM products p WHERE p.id = ";

#[actix_web::test]
async fn sold_plus_left_is_what_was_stocked_after_orders_cancellations_and_restocks_at_once() {
    let app = common::spawn_pooled(oms_http::ApiConfig::new(common::PREFIX), 16).await;
    let buyer = app.user("ada@example.com", "Ada").await;
    let mut products = Vec::new();
    for n in 0..3 {
        products.push(stocked(&app, &format!("Product {n}"), 20).await);
    }
    let mut rng = fastrand::Rng::with_seed(2026);
    let orders: Vec<Vec<(i64, i64)>> = (0..120)
        .map(|_| {
            (0..rng.usize(1..=3))
                .map(|_| (products[rng.usize(..products.len())], rng.i64(1..=4)))
                .collect()
        })
        .collect();
    let restocks: Vec<(i64, i64)> = (0..30)
        .map(|_| (products[rng.usize(..products.len())], rng.i64(1..=6)))
        .collect();

    // Orders, each cancelled right away by every other buyer, and restocks
    // made the safe way (read, then set with If-Match, again on 412), all at
    // once.
    let place_and_maybe_cancel = orders.iter().enumerate().map(|(n, lines)| {
        let app = &app;
        async move {
            let reply = app
                .post("/orders", json!({"user_id": buyer, "items": items(lines)}))
                .await;
            match reply.status.as_u16() {
                201 if n % 2 == 0 => {
                    app.patch(
                        &format!("/orders/{}", reply.body["order_id"]),
                        json!({"status": "cancelled"}),
                    )
                    .await
                    .expect(200);
                }
                201 => {}
                409 => assert_eq!(reply.body["code"], "OUT_OF_STOCK"),
                other => panic!("unexpected {other}: {}", reply.body),
            }
        }
    });
    let restock = restocks.iter().map(|&(product, units)| {
        let app = &app;
        async move {
            loop {
                let path = format!("/products/{product}");
                let read = app.get(&path).await.expect(200);
                let request = TestRequest::patch()
                    .uri(&format!("{}{path}", common::PREFIX))
                    .insert_header((header::IF_MATCH, format!("\"{}\"", read["version"])))
                    .set_json(json!({"stock": read["stock"].as_i64().unwrap() + units}));
                match app.send(request).await.status.as_u16() {
                    200 => return,
                    412 => continue,
                    other => panic!("restock answered {other}"),
                }
            }
        }
    });
    futures_util::join!(join_all(place_and_maybe_cancel), join_all(restock));

    for &product in &products {
        let restocked: i64 = restocks
            .iter()
            .filter(|(p, _)| *p == product)
            .map(|(_, units)| units)
            .sum();
        assert_eq!(
            app.scalar(&format!("{SOLD_PLUS_LEFT}{product}")).await,
            20 + restocked,
            "product {product}"
        );
        assert!(
            app.scalar(&format!(
                "SELECT stock::bigint AS n FROM products WHERE id = {product}"
            ))
            .await
                >= 0
        );
    }
    assert!(
        app.scalar("SELECT count(*) AS n FROM orders WHERE status = 'cancelled'")
            .await
            > 0
    );
    assert_eq!(app.disagreements().await, 0);
}
