//! The schema file, the migrations and adopting an existing seed database.

mod common;

use std::process::Command;

use chrono::DateTime;
use common::{
    count, DAY_TOTALS_DISAGREEING, LINES_WITH_WRONG_ORDER_DATE, ORDERS_WITH_WRONG_TOTALS,
};
use diesel_async::SimpleAsyncConnection;
use oms_domain::{OrderFilter, Paging, ProductId};
use oms_persistence::testing::TestDatabase;
use oms_persistence::{orders, setup};

#[tokio::test]
async fn schema_rs_is_what_diesel_generates_from_the_migrations() {
    let db = TestDatabase::new().await;
    let manifest = env!("CARGO_MANIFEST_DIR");
    let output = Command::new("diesel")
        .args(["print-schema", "--config-file"])
        .arg(format!("{manifest}/../../diesel.toml"))
        .env("DATABASE_URL", db.options().address.to_url())
        .output()
        .expect(
            "the diesel CLI is needed to check schema.rs: \
             cargo install diesel_cli --no-default-features --features postgres",
        );
    assert!(
        output.status.success(),
        "diesel print-schema failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let committed = std::fs::read_to_string(format!("{manifest}/src/schema.rs")).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        committed,
        "crates/persistence/src/schema.rs is stale: regenerate it with `diesel print-schema`"
    );
}

#[tokio::test]
async fn migrating_again_applies_nothing() {
    let db = TestDatabase::new().await;
    let report = setup::prepare(db.options(), "postgres").await.unwrap();
    assert!(!report.created_database);
    assert!(report.applied.is_empty(), "{:?}", report.applied);
}

/// How many migrations the repository holds.
fn migration_count() -> usize {
    std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../../migrations"))
        .unwrap()
        .filter(|entry| entry.as_ref().unwrap().path().join("up.sql").exists())
        .count()
}

#[tokio::test]
async fn a_missing_database_and_schema_are_created() {
    let db = TestDatabase::new().await;
    let mut options = oms_persistence::testing::connect_options(&format!("{}_new", db.name()));
    options.schema = "Shop Floor".to_owned();
    let report = setup::prepare(&options, "postgres").await.unwrap();
    assert!(report.created_database);
    assert_eq!(report.applied.len(), migration_count());
    let mut conn = options.connect().await.unwrap();
    assert_eq!(
        count(&mut conn, "SELECT count(*) AS n FROM \"Shop Floor\".orders").await,
        0
    );
    drop(conn);
    let mut admin = oms_persistence::testing::connect_options("postgres")
        .connect()
        .await
        .unwrap();
    admin
        .batch_execute(&format!("DROP DATABASE \"{}_new\" WITH (FORCE)", db.name()))
        .await
        .unwrap();
}

#[tokio::test]
async fn instances_starting_together_migrate_once() {
    let db = TestDatabase::new().await;
    let mut options = db.options().clone();
    options.schema = "concurrent".to_owned();
    let runs =
        futures_util::future::join_all((0..4).map(|_| setup::prepare(&options, "postgres"))).await;
    let applied: usize = runs.into_iter().map(|run| run.unwrap().applied.len()).sum();
    assert_eq!(
        applied,
        migration_count(),
        "each migration runs exactly once"
    );
}

#[tokio::test]
async fn an_existing_seed_database_is_adopted_in_place_with_totals_backfilled() {
    let db = TestDatabase::new().await;
    let mut conn = db.connect().await;
    conn.batch_execute(include_str!("fixtures/seed_database.sql"))
        .await
        .unwrap();
    drop(conn);

    let mut options = db.options().clone();
    options.schema = "tony".to_owned();
    let report = setup::prepare(&options, "postgres").await.unwrap();
    assert_eq!(report.applied.len(), migration_count());

    let mut conn = options.connect().await.unwrap();
    assert_eq!(
        count(&mut conn, "SELECT count(*) AS n FROM orders").await,
        40
    );
    assert_eq!(
        count(&mut conn, "SELECT count(*) AS n FROM order_items").await,
        80
    );
    assert_eq!(count(&mut conn, ORDERS_WITH_WRONG_TOTALS).await, 0);
    assert_eq!(count(&mut conn, DAY_TOTALS_DISAGREEING).await, 0);
    assert_eq!(count(&mut conn, LINES_WITH_WRONG_ORDER_DATE).await, 0);
    assert_eq!(
        count(
            &mut conn,
            "SELECT count(*) AS n FROM orders WHERE total_quantity = 0"
        )
        .await,
        0
    );
    // Timestamps written without a zone are read as UTC.
    assert_eq!(
        count(
            &mut conn,
            "SELECT count(*) AS n FROM users WHERE created_at = timestamptz '2024-01-01 01:00:00+00' AND id = 1"
        )
        .await,
        1
    );
    // Case-insensitive uniqueness now holds for the adopted table.
    let duplicate = conn
        .batch_execute("INSERT INTO users (email, full_name) VALUES ('USER1@example.com', 'Dup')")
        .await;
    assert!(duplicate.is_err());
    // New rows continue the existing id sequences.
    assert_eq!(
        count(
            &mut conn,
            "INSERT INTO products (name, price_cents) VALUES ('New', 5) RETURNING id AS n"
        )
        .await,
        11
    );
}

#[tokio::test]
async fn rows_written_with_plain_sql_keep_stored_totals_and_line_dates_right() {
    let db = TestDatabase::new().await;
    let mut conn = db.connect().await;
    conn.batch_execute(
        "INSERT INTO users (id, email, full_name) VALUES (1, 'a@example.com', 'A');
         INSERT INTO products (id, name, price_cents) VALUES (1, 'P1', 250), (2, 'P2', 1000);
         INSERT INTO orders (id, user_id, status) VALUES (1, 1, 'paid'), (2, 1, 'pending');
         INSERT INTO order_items (order_id, product_id, quantity, price_cents_at_purchase)
              VALUES (1, 1, 2, 250), (1, 2, 1, 1000), (2, 2, 3, 1000);",
    )
    .await
    .unwrap();
    assert_eq!(
        count(
            &mut conn,
            "SELECT total_amount_cents AS n FROM orders WHERE id = 1"
        )
        .await,
        1500
    );
    assert_eq!(
        count(
            &mut conn,
            "SELECT total_quantity AS n FROM orders WHERE id = 2"
        )
        .await,
        3
    );

    conn.batch_execute("UPDATE order_items SET quantity = quantity + 1 WHERE product_id = 2")
        .await
        .unwrap();
    assert_eq!(
        count(
            &mut conn,
            "SELECT total_amount_cents AS n FROM orders WHERE id = 1"
        )
        .await,
        2500
    );
    conn.batch_execute(
        "UPDATE order_items SET order_id = 2 WHERE order_id = 1 AND product_id = 1;
         DELETE FROM order_items WHERE order_id = 1;",
    )
    .await
    .unwrap();
    assert_eq!(count(&mut conn, ORDERS_WITH_WRONG_TOTALS).await, 0);
    assert_eq!(
        count(
            &mut conn,
            "SELECT total_quantity AS n FROM orders WHERE id = 1"
        )
        .await,
        0
    );
    assert_eq!(
        count(
            &mut conn,
            "SELECT total_quantity AS n FROM orders WHERE id = 2"
        )
        .await,
        6
    );
    assert_eq!(count(&mut conn, DAY_TOTALS_DISAGREEING).await, 0);

    // Status, day and deletions move orders between the day totals.
    for statement in [
        "UPDATE orders SET status = 'shipped' WHERE id = 2",
        "UPDATE orders SET created_at = created_at - interval '3 days'",
        "INSERT INTO orders (id, user_id, status, created_at) SELECT 100 + i, 1, 'paid', timestamptz '2024-05-01' + i * interval '7 hours' FROM generate_series(1, 50) i",
        "INSERT INTO order_items (order_id, product_id, quantity, price_cents_at_purchase) SELECT 100 + i, 1 + i % 2, 1 + i % 3, 250 FROM generate_series(1, 50) i",
        "UPDATE orders SET created_at = created_at + interval '40 days' WHERE id % 3 = 0",
        "UPDATE order_items SET order_id = 101 WHERE order_id = 102",
        "UPDATE order_items SET order_created_at = '2001-01-01' WHERE order_id = 103",
        "INSERT INTO order_items (order_id, product_id, quantity, price_cents_at_purchase, order_created_at) VALUES (104, 1, 1, 250, '2001-01-01')",
        "DELETE FROM order_items WHERE order_id > 140",
        "DELETE FROM orders WHERE id > 140",
    ] {
        conn.batch_execute(statement).await.unwrap();
        assert_eq!(count(&mut conn, ORDERS_WITH_WRONG_TOTALS).await, 0, "{statement}");
        assert_eq!(count(&mut conn, DAY_TOTALS_DISAGREEING).await, 0, "{statement}");
        assert_eq!(count(&mut conn, LINES_WITH_WRONG_ORDER_DATE).await, 0, "{statement}");
        conn.batch_execute("SELECT order_day_totals_compact()").await.unwrap();
        assert_eq!(count(&mut conn, DAY_TOTALS_DISAGREEING).await, 0, "compacted after {statement}");
        assert_eq!(count(&mut conn, "SELECT count(*) AS n FROM order_day_totals_pending").await, 0);
    }
    conn.batch_execute("TRUNCATE orders, order_items, order_events")
        .await
        .unwrap();
    assert_eq!(
        count(&mut conn, "SELECT count(*) AS n FROM order_day_totals").await,
        0
    );
}

#[tokio::test]
async fn the_database_enforces_the_contract_rules() {
    let db = TestDatabase::new().await;
    let mut conn = db.connect().await;
    conn.batch_execute(
        "INSERT INTO users (id, email, full_name) VALUES (1, 'a@example.com', 'A');
         INSERT INTO products (id, name, price_cents) VALUES (1, 'P1', 250);
         INSERT INTO orders (id, user_id) VALUES (1, 1);",
    )
    .await
    .unwrap();
    for rejected in [
        "INSERT INTO products (name, price_cents) VALUES ('neg', -1)",
        "INSERT INTO orders (user_id, status) VALUES (1, 'lost')",
        "INSERT INTO orders (user_id) VALUES (99)",
        "INSERT INTO order_items (order_id, product_id, quantity, price_cents_at_purchase) VALUES (1, 1, 0, 5)",
        "INSERT INTO order_items (order_id, product_id, quantity, price_cents_at_purchase) VALUES (1, 99, 1, 5)",
        "INSERT INTO order_items (order_id, product_id, quantity, price_cents_at_purchase) VALUES (99, 1, 1, 5)",
        "INSERT INTO users (email, full_name) VALUES ('A@EXAMPLE.COM', 'B')",
    ] {
        assert!(conn.batch_execute(rejected).await.is_err(), "accepted: {rejected}");
    }
    // A line of a missing order is refused as its foreign key says, whether it is
    // written there or moved there.
    conn.batch_execute(
        "INSERT INTO order_items (order_id, product_id, quantity, price_cents_at_purchase) VALUES (1, 1, 1, 5)",
    )
    .await
    .unwrap();
    for orphan in [
        "INSERT INTO order_items (order_id, product_id, quantity, price_cents_at_purchase) VALUES (99, 1, 1, 5)",
        "UPDATE order_items SET order_id = 99",
    ] {
        match conn.batch_execute(orphan).await {
            Err(diesel::result::Error::DatabaseError(kind, info)) => {
                assert!(
                    matches!(kind, diesel::result::DatabaseErrorKind::ForeignKeyViolation),
                    "{orphan}: {kind:?}"
                );
                assert_eq!(
                    info.constraint_name(),
                    Some("order_items_order_id_fkey"),
                    "{orphan}"
                );
                assert_eq!(info.table_name(), Some("order_items"), "{orphan}");
            }
            other => panic!("{orphan}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_products_orders_are_listed_from_every_month_of_a_date_range() {
    let db = TestDatabase::new().await;
    let mut conn = db.connect().await;
    conn.batch_execute(
        "INSERT INTO users (id, email, full_name) VALUES (1, 'a@example.com', 'A');
         INSERT INTO products (id, name, price_cents) VALUES (1, 'P1', 250), (2, 'P2', 1000);
         INSERT INTO orders (id, user_id, status, created_at) VALUES
             (1, 1, 'paid', '1999-12-31 23:59:59.999999+00'), (2, 1, 'paid', '2000-01-01 00:00+00'),
             (3, 1, 'paid', '2024-02-29 12:00+00'), (4, 1, 'paid', '2024-03-01 00:30+01'),
             (5, 1, 'paid', '2031-07-01 00:00+00');
         INSERT INTO order_items (order_id, product_id, quantity, price_cents_at_purchase)
         SELECT id, product, 1, 250 FROM orders, (VALUES (1), (2)) AS p(product);",
    )
    .await
    .unwrap();
    let at = |text: &str| Some(DateTime::parse_from_rfc3339(text).unwrap().to_utc());
    // (from, before, the orders of product 1 created in that range, newest first)
    let ranges = [
        (None, None, vec![5, 4, 3, 2, 1]),
        (at("2000-01-01T00:00:00Z"), None, vec![5, 4, 3, 2]),
        (None, at("2000-01-01T00:00:00Z"), vec![1]),
        (
            at("1999-12-01T00:00:00Z"),
            at("2000-01-31T00:00:00Z"),
            vec![2, 1],
        ),
        (
            at("2024-02-01T00:00:00Z"),
            at("2024-03-01T00:00:00Z"),
            vec![4, 3],
        ),
        (
            at("2024-02-29T23:30:00Z"),
            at("2024-03-01T00:00:00Z"),
            vec![4],
        ),
        (
            at("2024-03-01T00:00:00Z"),
            at("2031-07-01T00:00:00Z"),
            vec![],
        ),
        (
            at("2031-07-01T00:00:00Z"),
            at("2031-07-01T00:00:01Z"),
            vec![5],
        ),
        (
            at("1990-01-01T00:00:00Z"),
            at("2040-01-01T00:00:00Z"),
            vec![5, 4, 3, 2, 1],
        ),
        (at("2040-01-01T00:00:00Z"), None, vec![]),
        (None, at("1990-01-01T00:00:00Z"), vec![]),
    ];
    for (created_from, created_before, expected) in ranges {
        let filter = OrderFilter {
            product_id: Some(ProductId::new(1)),
            created_from,
            created_before,
            ..OrderFilter::default()
        };
        let page = orders::list(&conn, &filter, Paging::default(), None)
            .await
            .unwrap();
        let listed: Vec<i64> = page.orders.iter().map(|order| order.id.get()).collect();
        assert_eq!(listed, expected, "{created_from:?} to {created_before:?}");
        let past_the_end = orders::list(
            &conn,
            &filter,
            Paging::new(Some(1), Some(10)).unwrap(),
            None,
        )
        .await
        .unwrap();
        assert_eq!(
            past_the_end.total,
            expected.len() as i64,
            "{created_from:?} to {created_before:?}"
        );
    }
}
