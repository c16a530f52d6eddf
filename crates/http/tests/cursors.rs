//! Lists paged by cursor: `next_cursor` on every page, `cursor` for the next
//! one, refused when made up or sent with other filters; offsets bounded.

mod common;

use serde_json::{json, Value};

fn ids(page: &Value, list: &str, id: &str) -> Vec<i64> {
    page[list]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row[id].as_i64().unwrap())
        .collect()
}

#[actix_web::test]
async fn every_list_in_id_order_pages_by_cursor_to_its_end() {
    let app = common::spawn().await;
    for n in 1..=5 {
        app.user(&format!("u{n}@example.com"), "U").await;
        app.product(&format!("P{n}"), 100).await;
    }
    for n in 1..=4 {
        app.post(
            "/api-keys",
            json!({"name": format!("k{n}"), "scopes": ["users:read"]}),
        )
        .await
        .expect(201);
    }
    let user = app.user("orders@example.com", "O").await;
    let order = app.order(user, &[(1, 1)]).await["order_id"].clone();
    for status in ["paid", "shipped"] {
        app.patch(&format!("/orders/{order}"), json!({"status": status}))
            .await
            .expect(200);
    }
    for (path, list, id, all) in [
        ("/users", "users", "id", vec![1, 2, 3, 4, 5, 6]),
        ("/products", "products", "id", vec![1, 2, 3, 4, 5]),
        ("/api-keys", "api_keys", "id", vec![1, 2, 3, 4, 5]),
    ] {
        let mut seen = Vec::new();
        let mut page = app.get(&format!("{path}?limit=2")).await.expect(200);
        loop {
            assert_eq!(page["total"], all.len(), "{path}");
            assert_eq!(page["offset"], 0);
            seen.extend(ids(&page, list, id));
            match page["next_cursor"].as_str() {
                Some(cursor) => {
                    page = app
                        .get(&format!("{path}?limit=2&cursor={cursor}"))
                        .await
                        .expect(200);
                }
                None => break,
            }
        }
        assert_eq!(seen, all, "{path}");
    }
    // An order's events.
    let events = format!("/orders/{order}/events");
    let first = app.get(&format!("{events}?limit=2")).await.expect(200);
    let cursor = first["next_cursor"].as_str().unwrap().to_owned();
    let rest = app
        .get(&format!("{events}?limit=2&cursor={cursor}"))
        .await
        .expect(200);
    assert_eq!(rest["events"].as_array().unwrap().len(), 1);
    assert_eq!(rest["events"][0]["status_to"], "shipped");
    assert_eq!(rest["next_cursor"], Value::Null);
}

#[actix_web::test]
async fn an_offset_page_also_says_where_the_next_one_starts() {
    let app = common::spawn().await;
    for n in 1..=5 {
        app.product(&format!("P{n}"), 100).await;
    }
    let page = app.get("/products?limit=2&offset=1").await.expect(200);
    assert_eq!(ids(&page, "products", "id"), [2, 3]);
    let cursor = page["next_cursor"].as_str().unwrap().to_owned();
    // Rows added meanwhile neither repeat nor hide a row.
    app.product("P6", 100).await;
    let next = app
        .get(&format!("/products?limit=2&cursor={cursor}"))
        .await
        .expect(200);
    assert_eq!(ids(&next, "products", "id"), [4, 5]);
    assert_eq!(next["total"], 6);
    let last = app.get("/products?limit=2&offset=4").await.expect(200);
    assert_eq!(last["next_cursor"], Value::Null);
}

#[actix_web::test]
async fn a_cursor_is_refused_when_made_up_or_sent_elsewhere() {
    let app = common::spawn().await;
    for n in 1..=3 {
        app.user(&format!("u{n}@example.com"), "U").await;
        app.product(&format!("P{n}"), 100).await;
    }
    let cursor = app.get("/users?limit=1").await.expect(200)["next_cursor"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut edited = cursor.clone().into_bytes();
    let last = edited.len() - 1;
    edited[last] = if edited[last] == b'A' { b'B' } else { b'A' };
    let edited = String::from_utf8(edited).unwrap();
    for path in [
        format!("/products?cursor={cursor}"),
        format!("/users?cursor={edited}"),
        "/users?cursor=oms".to_owned(),
        "/users?cursor=".to_owned(),
    ] {
        let refused = app
            .get(&path)
            .await
            .expect_error(400, "VALIDATION_ERROR", Some("cursor"));
        assert!(
            refused["detail"]
                .as_str()
                .unwrap()
                .starts_with("cursor was not issued by this API for this list"),
            "{path}"
        );
    }
    let both = app
        .get(&format!("/users?cursor={cursor}&offset=1"))
        .await
        .expect_error(400, "VALIDATION_ERROR", None);
    assert_eq!(
        both["detail"],
        "send offset or cursor, not both: a cursor says where its page starts"
    );
    // A cursor of one order's events is not another order's.
    let user = app.user("o@example.com", "O").await;
    let one = app.order(user, &[(1, 1)]).await["order_id"].clone();
    let two = app.order(user, &[(1, 1)]).await["order_id"].clone();
    app.patch(&format!("/orders/{one}"), json!({"status": "paid"}))
        .await
        .expect(200);
    let cursor = app
        .get(&format!("/orders/{one}/events?limit=1"))
        .await
        .expect(200)["next_cursor"]
        .as_str()
        .unwrap()
        .to_owned();
    app.get(&format!("/orders/{two}/events?cursor={cursor}"))
        .await
        .expect_error(400, "VALIDATION_ERROR", Some("cursor"));
}

#[actix_web::test]
async fn offsets_beyond_the_maximum_point_to_cursors() {
    let app = common::spawn().await;
    app.get("/users?offset=10000").await.expect(200);
    for path in [
        "/users?offset=10001",
        "/orders?offset=10001",
        "/api-keys?offset=99999",
    ] {
        let refused = app
            .get(path)
            .await
            .expect_error(400, "VALIDATION_ERROR", Some("offset"));
        assert!(
            refused["detail"]
                .as_str()
                .unwrap()
                .contains("page further with cursor"),
            "{path}: {refused}"
        );
    }
}

#[actix_web::test]
async fn orders_page_by_cursor_newest_first_through_every_kind_of_filter() {
    let app = common::spawn().await;
    let ada = app.user("ada@example.com", "Ada").await;
    let bob = app.user("bob@example.com", "Bob").await;
    let pen = app.product("Pen", 150).await;
    let ink = app.product("Ink", 999).await;
    // Placed at once, so that several share one creation time (one statement)
    // and only their ids order them.
    let lines = |n: usize| {
        if n % 3 == 0 {
            vec![(ink, 1)]
        } else {
            vec![(pen, 1), (ink, 2)]
        }
    };
    futures_util::future::join_all((0..9).map(|n| {
        let user = if n % 2 == 0 { ada } else { bob };
        let items: Vec<Value> = lines(n)
            .into_iter()
            .map(|(product, quantity)| json!({"product_id": product, "quantity": quantity}))
            .collect();
        app.post("/orders", json!({"user_id": user, "items": items}))
    }))
    .await
    .into_iter()
    .for_each(|reply| {
        reply.expect(201);
    });
    assert!(
        app.scalar("SELECT count(DISTINCT created_at) AS n FROM orders")
            .await
            < 9,
        "some orders share a creation time"
    );
    app.patch("/orders/2", json!({"status": "paid"}))
        .await
        .expect(200);
    app.patch("/orders/5", json!({"status": "paid"}))
        .await
        .expect(200);

    for filters in [
        "",
        "status=pending&",
        &format!("user_id={ada}&"),
        &format!("product_id={pen}&"),
        &format!("product_id={ink}&user_id={bob}&status=pending&"),
        "start_date=2020-01-01&",
    ] {
        let all = app
            .get(&format!("/orders?{filters}limit=100"))
            .await
            .expect(200);
        let mut seen = Vec::new();
        let mut page = app
            .get(&format!("/orders?{filters}limit=2"))
            .await
            .expect(200);
        loop {
            for total in ["total", "total_amount_cents", "total_quantity"] {
                assert_eq!(page[total], all[total], "{filters} {total}");
            }
            seen.extend(ids(&page, "orders", "order_id"));
            match page["next_cursor"].as_str() {
                Some(cursor) => {
                    page = app
                        .get(&format!("/orders?{filters}limit=2&cursor={cursor}"))
                        .await
                        .expect(200);
                }
                None => break,
            }
        }
        assert_eq!(seen, ids(&all, "orders", "order_id"), "{filters}");
        assert!(!seen.is_empty(), "{filters}");
    }
    // A cursor is bound to its filters.
    let cursor = app
        .get(&format!("/orders?user_id={ada}&limit=1"))
        .await
        .expect(200)["next_cursor"]
        .as_str()
        .unwrap()
        .to_owned();
    app.get(&format!("/orders?user_id={bob}&limit=1&cursor={cursor}"))
        .await
        .expect_error(400, "VALIDATION_ERROR", Some("cursor"));
    app.get(&format!("/orders?limit=1&cursor={cursor}"))
        .await
        .expect_error(400, "VALIDATION_ERROR", Some("cursor"));
}
