//! `GET /orders`: filters, ordering, paging and totals, checked against an
//! independent computation over a data set written with plain SQL.

mod common;

use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::Value;

struct Line {
    product: i64,
    quantity: i64,
    price: i64,
}

struct Order {
    id: i64,
    user: i64,
    status: &'static str,
    created_at: DateTime<Utc>,
    lines: Vec<Line>,
}

impl Order {
    fn amount(&self) -> i64 {
        self.lines.iter().map(|l| l.quantity * l.price).sum()
    }
    fn quantity(&self) -> i64 {
        self.lines.iter().map(|l| l.quantity).sum()
    }
}

/// Which orders of the data set a query should match.
type Predicate = Box<dyn Fn(&Order) -> bool>;

const STATUSES: [&str; 4] = ["pending", "paid", "shipped", "cancelled"];

/// 61 orders of 3 users over 4 products, spread over Jan–Mar 2024; some share a
/// creation time, one sits on the last microsecond of a day, one on midnight.
fn data_set() -> Vec<Order> {
    let base = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
    let mut orders: Vec<Order> = (1..=59)
        .map(|id| Order {
            id,
            user: 1 + id % 3,
            status: STATUSES[(id as usize * 7) % 4],
            created_at: base + Duration::hours((id * 31) % (24 * 80)),
            lines: (0..1 + id % 3)
                .map(|k| {
                    let product = 1 + (id + k) % 4;
                    Line {
                        product,
                        quantity: 1 + (id * k) % 5,
                        price: product * 1_111,
                    }
                })
                .collect(),
        })
        .collect();
    // Orders 10 and 11, and 20 and 21, share a creation time.
    orders[10].created_at = orders[9].created_at;
    orders[20].created_at = orders[19].created_at;
    orders.push(Order {
        id: 60,
        user: 2,
        status: "paid",
        created_at: Utc.with_ymd_and_hms(2024, 1, 31, 23, 59, 59).unwrap()
            + Duration::microseconds(999_999),
        lines: vec![Line {
            product: 3,
            quantity: 2,
            price: 3_333,
        }],
    });
    orders.push(Order {
        id: 61,
        user: 2,
        status: "paid",
        created_at: Utc.with_ymd_and_hms(2024, 2, 1, 0, 0, 0).unwrap(),
        lines: vec![Line {
            product: 4,
            quantity: 1,
            price: 4_444,
        }],
    });
    orders
}

fn insert_sql(orders: &[Order]) -> String {
    let mut sql = String::from(
        "INSERT INTO users (id, email, full_name) VALUES (1, 'u1@example.com', 'User One'), \
         (2, 'u2@example.com', 'User Two'), (3, 'u3@example.com', 'User Three');
         INSERT INTO products (id, name, price_cents) VALUES (1, 'P1', 1111), (2, 'P2', 2222), \
         (3, 'P3', 3333), (4, 'P4', 4444);
         INSERT INTO orders (id, user_id, status, created_at) VALUES ",
    );
    let rows: Vec<String> = orders
        .iter()
        .map(|o| {
            format!(
                "({}, {}, '{}', '{}')",
                o.id,
                o.user,
                o.status,
                o.created_at.to_rfc3339()
            )
        })
        .collect();
    sql += &rows.join(", ");
    sql += ";\nINSERT INTO order_items (order_id, product_id, quantity, price_cents_at_purchase) VALUES ";
    let lines: Vec<String> = orders
        .iter()
        .flat_map(|o| {
            o.lines
                .iter()
                .map(move |l| format!("({}, {}, {}, {})", o.id, l.product, l.quantity, l.price))
        })
        .collect();
    sql += &lines.join(", ");
    sql += ";";
    sql
}

/// Expected ids (newest first, ties by id descending) and totals.
fn expected<'a>(orders: &'a [Order], keep: impl Fn(&Order) -> bool) -> (Vec<i64>, i64, i64) {
    let mut matching: Vec<&'a Order> = orders.iter().filter(|o| keep(o)).collect();
    matching.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
    (
        matching.iter().map(|o| o.id).collect(),
        matching.iter().map(|o| o.amount()).sum(),
        matching.iter().map(|o| o.quantity()).sum(),
    )
}

fn ids(page: &Value) -> Vec<i64> {
    page["orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["order_id"].as_i64().unwrap())
        .collect()
}

#[actix_web::test]
async fn every_filter_alone_and_combined_matches_an_independent_computation() {
    let app = common::spawn().await;
    let orders = data_set();
    app.execute(&insert_sql(&orders)).await;

    let day = |y, m, d| Utc.with_ymd_and_hms(y, m, d, 0, 0, 0).unwrap();
    let exact = orders[24].created_at;
    let exact_product = orders[24].lines[0].product;
    let cases: Vec<(String, Predicate)> = vec![
        (String::new(), Box::new(|_| true)),
        ("status=paid".into(), Box::new(|o| o.status == "paid")),
        ("status=pending".into(), Box::new(|o| o.status == "pending")),
        ("status=shipped".into(), Box::new(|o| o.status == "shipped")),
        (
            "status=cancelled".into(),
            Box::new(|o| o.status == "cancelled"),
        ),
        ("user_id=2".into(), Box::new(|o| o.user == 2)),
        ("user_id=99".into(), Box::new(|_| false)),
        (
            "product_id=3".into(),
            Box::new(|o| o.lines.iter().any(|l| l.product == 3)),
        ),
        (
            "start_date=2024-02-01".into(),
            Box::new(move |o| o.created_at >= day(2024, 2, 1)),
        ),
        (
            "end_date=2024-01-31".into(),
            Box::new(move |o| o.created_at < day(2024, 2, 1)),
        ),
        (
            "start_date=2024-01-15&end_date=2024-02-10".into(),
            Box::new(move |o| o.created_at >= day(2024, 1, 15) && o.created_at < day(2024, 2, 11)),
        ),
        (
            format!(
                "start_date={0}&end_date={0}",
                exact.format("%Y-%m-%dT%H:%M:%SZ")
            ),
            Box::new(move |o| o.created_at == exact),
        ),
        (
            format!(
                "start_date={}",
                (exact + Duration::hours(2)).format("%Y-%m-%dT%H:%M:%S%%2B02:00")
            ),
            Box::new(move |o| o.created_at >= exact),
        ),
        (
            "product_id=3&start_date=2024-01-15&end_date=2024-02-10".into(),
            Box::new(move |o| {
                o.lines.iter().any(|l| l.product == 3)
                    && o.created_at >= day(2024, 1, 15)
                    && o.created_at < day(2024, 2, 11)
            }),
        ),
        (
            format!(
                "product_id={1}&start_date={0}&end_date={0}",
                exact.format("%Y-%m-%dT%H:%M:%SZ"),
                exact_product
            ),
            Box::new(move |o| {
                o.created_at == exact && o.lines.iter().any(|l| l.product == exact_product)
            }),
        ),
        (
            "status=paid&user_id=2".into(),
            Box::new(|o| o.status == "paid" && o.user == 2),
        ),
        (
            "user_id=1&product_id=2&start_date=2024-01-10&end_date=2024-03-01".into(),
            Box::new(move |o| {
                o.user == 1
                    && o.lines.iter().any(|l| l.product == 2)
                    && o.created_at >= day(2024, 1, 10)
                    && o.created_at < day(2024, 3, 2)
            }),
        ),
        (
            "status=shipped&user_id=3&product_id=1&start_date=2024-01-01&end_date=2024-12-31"
                .into(),
            Box::new(|o| {
                o.status == "shipped" && o.user == 3 && o.lines.iter().any(|l| l.product == 1)
            }),
        ),
    ];
    for (query, keep) in &cases {
        let (want_ids, want_amount, want_quantity) = expected(&orders, keep);
        let page = app
            .get(&format!("/orders?limit=100&{query}"))
            .await
            .expect(200);
        assert_eq!(ids(&page), want_ids, "{query}");
        assert_eq!(page["total"], want_ids.len() as i64, "{query}");
        assert_eq!(page["total_amount_cents"], want_amount, "{query}");
        assert_eq!(page["total_quantity"], want_quantity, "{query}");
        let past_the_end = app
            .get(&format!("/orders?limit=5&offset=500&{query}"))
            .await
            .expect(200);
        assert_eq!(past_the_end["orders"], serde_json::json!([]), "{query}");
        assert_eq!(
            past_the_end["total"], page["total"],
            "past the last page: {query}"
        );
        assert_eq!(
            past_the_end["total_amount_cents"], page["total_amount_cents"],
            "{query}"
        );
        assert_eq!(
            past_the_end["total_quantity"], page["total_quantity"],
            "{query}"
        );
        let small = app
            .get(&format!("/orders?limit=2&{query}"))
            .await
            .expect(200);
        assert_eq!(
            small["total"], page["total"],
            "totals cover every match: {query}"
        );
        assert_eq!(
            small["total_amount_cents"], page["total_amount_cents"],
            "{query}"
        );
        assert_eq!(small["total_quantity"], page["total_quantity"], "{query}");
    }
}

#[actix_web::test]
async fn date_bounds_are_inclusive_and_plain_dates_cover_whole_days() {
    let app = common::spawn().await;
    let orders = data_set();
    app.execute(&insert_sql(&orders)).await;
    let january = app
        .get("/orders?start_date=2024-01-31&end_date=2024-01-31&limit=100")
        .await
        .expect(200);
    assert!(
        ids(&january).contains(&60),
        "the last microsecond of the day is in it"
    );
    assert!(
        !ids(&january).contains(&61),
        "midnight of the next day is not"
    );
    let february = app
        .get("/orders?start_date=2024-02-01&end_date=2024-02-01&limit=100")
        .await
        .expect(200);
    assert!(ids(&february).contains(&61));
    assert!(!ids(&february).contains(&60));
    let to_the_microsecond = app
        .get("/orders?end_date=2024-01-31T23:59:59.999999Z&start_date=2024-01-31T23:59:59.999999Z")
        .await
        .expect(200);
    assert_eq!(ids(&to_the_microsecond), vec![60]);
    let of_a_product = app
        .get("/orders?product_id=3&end_date=2024-01-31T23:59:59.999999Z&start_date=2024-01-31T23:59:59.999999Z")
        .await
        .expect(200);
    assert_eq!(ids(&of_a_product), vec![60]);
}

#[actix_web::test]
async fn pages_of_every_size_tile_the_list_newest_first() {
    let app = common::spawn().await;
    let orders = data_set();
    app.execute(&insert_sql(&orders)).await;
    let (all_ids, amount, quantity) = expected(&orders, |_| true);
    for limit in 1..=100usize {
        let mut seen = Vec::new();
        let mut offset = 0;
        loop {
            let page = app
                .get(&format!("/orders?limit={limit}&offset={offset}"))
                .await
                .expect(200);
            assert_eq!(page["total"], all_ids.len() as i64);
            assert_eq!(page["total_amount_cents"], amount);
            assert_eq!(page["total_quantity"], quantity);
            assert_eq!(
                (page["limit"].as_u64(), page["offset"].as_u64()),
                (Some(limit as u64), Some(offset as u64))
            );
            let page_ids = ids(&page);
            assert!(page_ids.len() <= limit);
            if page_ids.is_empty() {
                break;
            }
            seen.extend(page_ids);
            offset += limit;
        }
        assert_eq!(seen, all_ids, "limit {limit}");
    }
}

#[actix_web::test]
async fn listed_orders_carry_all_their_lines_and_stored_totals() {
    let app = common::spawn().await;
    let orders = data_set();
    app.execute(&insert_sql(&orders)).await;
    let page = app.get("/orders?product_id=2&limit=100").await.expect(200);
    for listed in page["orders"].as_array().unwrap() {
        let order = orders
            .iter()
            .find(|o| o.id == listed["order_id"].as_i64().unwrap())
            .unwrap();
        let items = listed["items"].as_array().unwrap();
        assert_eq!(
            items.len(),
            order.lines.len(),
            "every line, not only product 2's"
        );
        for (item, line) in items.iter().zip(&order.lines) {
            assert_eq!(item["product_id"], line.product);
            assert_eq!(item["product_name"], format!("P{}", line.product));
            assert_eq!(item["quantity"], line.quantity);
            assert_eq!(item["price_cents_at_purchase"], line.price);
        }
        assert_eq!(listed["total_amount_cents"], order.amount());
        assert_eq!(listed["total_quantity"], order.quantity());
        assert_eq!(
            listed["user_name"],
            ["", "User One", "User Two", "User Three"][order.user as usize]
        );
        assert_eq!(listed["status"], order.status);
        let created: DateTime<Utc> = listed["created_at"].as_str().unwrap().parse().unwrap();
        assert_eq!(created, order.created_at);
    }
}

#[actix_web::test]
async fn bad_filters_and_paging_are_refused_with_the_parameter_named() {
    let app = common::spawn().await;
    for (query, code, field) in [
        ("status=done", "INVALID_STATUS", Some("status")),
        ("status=", "INVALID_STATUS", Some("status")),
        ("user_id=0", "VALIDATION_ERROR", Some("user_id")),
        ("user_id=abc", "VALIDATION_ERROR", Some("user_id")),
        ("product_id=-4", "VALIDATION_ERROR", Some("product_id")),
        (
            "product_id=18446744073709551616",
            "VALIDATION_ERROR",
            Some("product_id"),
        ),
        (
            "start_date=yesterday",
            "VALIDATION_ERROR",
            Some("start_date"),
        ),
        ("end_date=2024-02-30", "VALIDATION_ERROR", Some("end_date")),
        (
            "start_date=2024-03-01&end_date=2024-02-01",
            "VALIDATION_ERROR",
            None,
        ),
        ("limit=0", "VALIDATION_ERROR", Some("limit")),
        ("limit=101", "VALIDATION_ERROR", Some("limit")),
        ("limit=ten", "VALIDATION_ERROR", Some("limit")),
        ("offset=-1", "VALIDATION_ERROR", Some("offset")),
        ("offset=1.5", "VALIDATION_ERROR", Some("offset")),
        ("sort=asc", "VALIDATION_ERROR", Some("sort")),
        (
            "status=paid&status=shipped",
            "VALIDATION_ERROR",
            Some("status"),
        ),
    ] {
        app.get(&format!("/orders?{query}"))
            .await
            .expect_error(400, code, field);
    }
    for query in ["limit=0", "offset=-1", "limit=x"] {
        app.get(&format!("/users?{query}")).await.expect_error(
            400,
            "VALIDATION_ERROR",
            Some(query.split('=').next().unwrap()),
        );
        app.get(&format!("/products?{query}")).await.expect_error(
            400,
            "VALIDATION_ERROR",
            Some(query.split('=').next().unwrap()),
        );
    }
    let empty = app.get("/orders").await.expect(200);
    assert_eq!(
        empty,
        serde_json::json!({"orders": [], "total": 0, "limit": 20, "offset": 0, "total_amount_cents": 0, "total_quantity": 0, "next_cursor": null})
    );
}

#[actix_web::test]
async fn totals_beyond_64_bits_are_refused_not_wrapped() {
    let app = common::spawn().await;
    let user = app.user("rich@example.com", "Rich").await;
    let yacht = app.product("Yacht", i64::MAX / 2).await;
    app.order(user, &[(yacht, 1)]).await;
    app.order(user, &[(yacht, 1)]).await;
    app.get("/orders").await.expect(200);
    app.order(user, &[(yacht, 1)]).await;
    app.get("/orders")
        .await
        .expect_error(400, "VALIDATION_ERROR", None);
}

#[actix_web::test]
async fn a_products_orders_are_found_in_every_month_however_far_apart() {
    let app = common::spawn().await;
    app.execute(
        "INSERT INTO users (id, email, full_name) VALUES (1, 'u1@example.com', 'User One');
         INSERT INTO products (id, name, price_cents) VALUES (1, 'P1', 100), (2, 'P2', 200);
         INSERT INTO orders (id, user_id, status, created_at) VALUES
             (1, 1, 'paid', '2019-06-15T12:00:00Z'), (2, 1, 'paid', '2024-01-31T23:59:59.999999Z'),
             (3, 1, 'paid', '2024-02-01T00:00:00Z'), (4, 1, 'paid', '2024-02-15T00:00:00Z'),
             (5, 1, 'paid', '2031-02-01T00:00:00Z');
         INSERT INTO order_items (order_id, product_id, quantity, price_cents_at_purchase) VALUES
             (1, 1, 1, 100), (2, 1, 2, 100), (3, 1, 3, 100), (4, 2, 1, 200), (5, 1, 4, 100);",
    )
    .await;
    let cases = [
        ("", vec![5, 3, 2, 1], 1_000),
        ("&start_date=2019-06-15&end_date=2019-06-15", vec![1], 100),
        (
            "&start_date=2024-01-31&end_date=2024-02-01",
            vec![3, 2],
            500,
        ),
        ("&start_date=2024-02-01T00:00:00.000001Z", vec![5], 400),
        ("&end_date=2024-01-31T23:59:59.999998Z", vec![1], 100),
        (
            "&start_date=2019-07-01&end_date=2031-01-31",
            vec![3, 2],
            500,
        ),
        ("&start_date=2031-02-02", vec![], 0),
        ("&end_date=2019-06-14", vec![], 0),
    ];
    for (range, want, amount) in cases {
        let page = app
            .get(&format!("/orders?product_id=1&limit=100{range}"))
            .await
            .expect(200);
        assert_eq!(ids(&page), want, "{range}");
        assert_eq!(page["total"], want.len() as i64, "{range}");
        assert_eq!(page["total_amount_cents"], amount, "{range}");
        let past_the_end = app
            .get(&format!("/orders?product_id=1&limit=1&offset=10{range}"))
            .await
            .expect(200);
        assert_eq!(past_the_end["total"], want.len() as i64, "{range}");
        assert_eq!(past_the_end["total_amount_cents"], amount, "{range}");
    }
}
