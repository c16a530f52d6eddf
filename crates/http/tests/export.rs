//! `GET /orders/export`: the list's orders as CSV, one row per line, newest
//! first, through any number of chunks.

mod common;

use actix_web::http::header;
use serde_json::json;

const HEADER: &str = "order_id,user_id,status,created_at,updated_at,product_id,product_name,quantity,price_cents_at_purchase,order_total_amount_cents";

/// The export's rows (after the header), each split into its fields, for
/// exports without quoted fields.
fn rows(csv: &str) -> Vec<Vec<String>> {
    let mut lines = csv.split("\r\n");
    assert_eq!(lines.next(), Some(HEADER));
    let rows: Vec<Vec<String>> = lines
        .filter(|line| !line.is_empty())
        .map(|line| line.split(',').map(str::to_owned).collect())
        .collect();
    assert!(csv.ends_with("\r\n"));
    rows
}

#[actix_web::test]
async fn the_export_has_a_row_per_line_newest_first_with_the_lists_filters() {
    let app = common::spawn().await;
    let ada = app.user("ada@example.com", "Ada").await;
    let bob = app.user("bob@example.com", "Bob").await;
    let pen = app.product("Pen, blue", 150).await;
    let quote = app.product("The \"Best\" ink", 999).await;
    let first = app.order(ada, &[(pen, 2), (quote, 1)]).await;
    let second = app.order(bob, &[(quote, 3)]).await;
    let paid = app
        .patch(
            &format!("/orders/{}", second["order_id"]),
            json!({"status": "paid"}),
        )
        .await
        .expect(200);

    let reply = app.get("/orders/export").await;
    assert_eq!(
        reply.headers.get(header::CONTENT_TYPE).unwrap(),
        "text/csv; charset=utf-8"
    );
    let csv = reply.expect(200);
    let expected = format!(
        "{HEADER}\r\n\
         {id2},{bob},paid,{created2},{updated2},{quote},\"The \"\"Best\"\" ink\",3,999,2997\r\n\
         {id1},{ada},pending,{created1},,{pen},\"Pen, blue\",2,150,1299\r\n\
         {id1},{ada},pending,{created1},,{quote},\"The \"\"Best\"\" ink\",1,999,1299\r\n",
        id1 = first["order_id"],
        id2 = second["order_id"],
        created1 = first["created_at"].as_str().unwrap(),
        created2 = second["created_at"].as_str().unwrap(),
        updated2 = paid["updated_at"].as_str().unwrap(),
    );
    assert_eq!(csv.as_str().unwrap(), expected);

    // The list's filters: a user, a status, a product (all lines of its orders).
    let of_ada = app
        .get(&format!("/orders/export?user_id={ada}"))
        .await
        .expect(200);
    assert_eq!(of_ada.as_str().unwrap().lines().count(), 3);
    let paid_only = app.get("/orders/export?status=paid").await.expect(200);
    assert_eq!(paid_only.as_str().unwrap().lines().count(), 2);
    let with_pen = app
        .get(&format!("/orders/export?product_id={pen}"))
        .await
        .expect(200);
    assert_eq!(with_pen.as_str().unwrap().lines().count(), 3);
    let none = app
        .get("/orders/export?start_date=2100-01-01")
        .await
        .expect(200);
    assert_eq!(none.as_str().unwrap(), format!("{HEADER}\r\n"));

    for (query, field) in [
        ("status=done", Some("status")),
        ("limit=5", Some("limit")),
        ("start_date=2024-03-01&end_date=2024-02-01", None),
    ] {
        let code = if field == Some("status") {
            "INVALID_STATUS"
        } else {
            "VALIDATION_ERROR"
        };
        app.get(&format!("/orders/export?{query}"))
            .await
            .expect_error(400, code, field);
    }
}

#[actix_web::test]
async fn an_export_of_many_chunks_has_every_line_once_in_order() {
    let app = common::spawn().await;
    // 1,300 orders written by one statement share their creation time: only
    // their ids order them, across the export's chunks too.
    app.execute(
        "INSERT INTO users (id, email, full_name) VALUES (1, 'a@example.com', 'A');
         INSERT INTO products (id, name, price_cents) VALUES (1, 'P', 100), (2, 'Q', 250);
         INSERT INTO orders (id, user_id, status) SELECT n, 1, 'pending' FROM generate_series(1, 1300) n;
         INSERT INTO order_items (order_id, product_id, quantity, price_cents_at_purchase)
         SELECT n, p, 1 + n % 3, CASE p WHEN 1 THEN 100 ELSE 250 END
           FROM generate_series(1, 1300) n, generate_series(1, 2) p WHERE p = 1 OR n % 2 = 0;",
    )
    .await;
    let csv = app.get("/orders/export").await.expect(200);
    let rows = rows(csv.as_str().unwrap());
    assert_eq!(rows.len(), 1300 + 650);
    let ids: Vec<i64> = rows.iter().map(|row| row[0].parse().unwrap()).collect();
    assert!(
        ids.windows(2).all(|pair| pair[0] >= pair[1]),
        "newest first"
    );
    let mut distinct = ids.clone();
    distinct.dedup();
    assert_eq!(distinct, (1..=1300).rev().collect::<Vec<i64>>());
    let amount: i64 = rows.iter().map(|row| row[9].parse::<i64>().unwrap()).sum();
    assert!(amount > 0);
    assert_eq!(app.disagreements().await, 0);
}

#[actix_web::test]
async fn an_export_of_a_products_orders_walks_its_lines_month_by_month() {
    let app = common::spawn().await;
    // 1,300 orders seven hours apart (some 13 months); product 2 on the even ones.
    app.execute(
        "INSERT INTO users (id, email, full_name) VALUES (1, 'a@example.com', 'A'), (2, 'b@example.com', 'B');
         INSERT INTO products (id, name, price_cents) VALUES (1, 'P', 100), (2, 'Q', 250);
         INSERT INTO orders (id, user_id, status, created_at)
         SELECT n, CASE WHEN n >= 650 THEN 2 ELSE 1 END, CASE WHEN n % 4 = 0 THEN 'paid' ELSE 'pending' END,
                timestamptz '2024-01-01 00:00:00+00' + n * interval '7 hours'
           FROM generate_series(1, 1300) n;
         INSERT INTO order_items (order_id, product_id, quantity, price_cents_at_purchase)
         SELECT n, p, 1, CASE p WHEN 1 THEN 100 ELSE 250 END
           FROM generate_series(1, 1300) n, generate_series(1, 2) p WHERE p = 1 OR n % 2 = 0;",
    )
    .await;
    for (query, expected) in [
        (
            "product_id=2",
            (1..=1300)
                .rev()
                .filter(|n| n % 2 == 0)
                .collect::<Vec<i64>>(),
        ),
        (
            "product_id=2&status=paid",
            (1..=1300).rev().filter(|n| n % 4 == 0).collect(),
        ),
        (
            "product_id=2&user_id=2&start_date=2024-06-01&end_date=2024-09-30",
            (1..=1300)
                .rev()
                .filter(|&n| {
                    n % 2 == 0 && n >= 650 && {
                        let hours = n * 7;
                        // 2024-06-01 is day 152 of the leap year, 2024-10-01 day 274.
                        (152 * 24..274 * 24).contains(&hours)
                    }
                })
                .collect(),
        ),
    ] {
        let csv = app
            .get(&format!("/orders/export?{query}"))
            .await
            .expect(200);
        let rows = rows(csv.as_str().unwrap());
        let mut ids: Vec<i64> = rows.iter().map(|row| row[0].parse().unwrap()).collect();
        assert_eq!(rows.len(), ids.len());
        assert!(
            rows.iter().all(|row| row[5] == "1" || row[5] == "2"),
            "every line of each order"
        );
        ids.dedup();
        assert_eq!(ids, expected, "{query}");
        // Both lines of each order (products 1 and 2) are there.
        assert_eq!(rows.len(), expected.len() * 2, "{query}");
    }
}
