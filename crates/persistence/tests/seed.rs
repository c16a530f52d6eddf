//! The seed data: deterministic, consistent, shaped as the benchmarks expect.

mod common;

use common::{
    count, DAY_TOTALS_DISAGREEING, LINES_WITH_WRONG_ORDER_DATE, ORDERS_WITH_WRONG_TOTALS,
};
use diesel::sql_types::Text;
use diesel_async::{AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use oms_persistence::seed::{fill, Progress, Sizes, ORDER_CHUNK};
use oms_persistence::testing::TestDatabase;

#[derive(diesel::QueryableByName)]
struct Digest {
    #[diesel(sql_type = Text)]
    digest: String,
}

async fn digest(conn: &mut AsyncPgConnection) -> String {
    diesel::sql_query(
        "SELECT md5(
            (SELECT string_agg(u::text, ',' ORDER BY id) FROM users u) ||
            (SELECT string_agg(p::text, ',' ORDER BY id) FROM products p) ||
            (SELECT string_agg(o::text, ',' ORDER BY id) FROM orders o) ||
            (SELECT string_agg(i::text, ',' ORDER BY id) FROM order_items i)) AS digest",
    )
    .get_result::<Digest>(conn)
    .await
    .unwrap()
    .digest
}

#[tokio::test]
async fn the_same_sizes_give_the_same_consistent_data() {
    let sizes = Sizes {
        users: 40,
        products: 12,
        orders: ORDER_CHUNK + 7,
    };
    let (a, b) = (TestDatabase::new().await, TestDatabase::new().await);
    let (mut first, mut second) = (a.connect().await, b.connect().await);
    let mut reported = Vec::new();
    fill(&mut first, sizes, |progress| reported.push(progress))
        .await
        .unwrap();
    fill(&mut second, sizes, |_| {}).await.unwrap();
    assert_eq!(
        reported[..2],
        [
            Progress::Orders(ORDER_CHUNK),
            Progress::Orders(ORDER_CHUNK + 7)
        ],
        "progress after each chunk"
    );
    let of = reported.len() - 2;
    assert!(
        of >= 1,
        "the secondary indexes are built again: {reported:?}"
    );
    assert_eq!(
        reported[2..],
        (1..=of)
            .map(|number| Progress::BuildingIndex { number, of })
            .collect::<Vec<_>>()
    );
    assert_eq!(digest(&mut first).await, digest(&mut second).await);

    assert_eq!(
        count(&mut first, "SELECT count(*) AS n FROM users").await,
        40
    );
    assert_eq!(
        count(&mut first, "SELECT count(*) AS n FROM products").await,
        12
    );
    assert_eq!(
        count(&mut first, "SELECT count(*) AS n FROM orders").await,
        ORDER_CHUNK + 7
    );
    assert_eq!(count(&mut first, ORDERS_WITH_WRONG_TOTALS).await, 0);
    assert_eq!(count(&mut first, DAY_TOTALS_DISAGREEING).await, 0);
    assert_eq!(count(&mut first, LINES_WITH_WRONG_ORDER_DATE).await, 0);
    assert_eq!(
        count(&mut first, "SELECT count(*) AS n FROM orders WHERE status <> (CASE WHEN id % 10 < 4 THEN 'paid' WHEN id % 10 < 7 THEN 'shipped' WHEN id % 10 < 9 THEN 'pending' ELSE 'cancelled' END)").await,
        0
    );
    assert_eq!(
        count(&mut first, "SELECT count(*) AS n FROM (SELECT order_id FROM order_items GROUP BY order_id HAVING count(*) NOT BETWEEN 1 AND 5 OR count(DISTINCT product_id) <> count(*)) bad").await,
        0,
        "1–5 lines of distinct products per order"
    );
    assert_eq!(
        count(&mut first, "SELECT count(*) AS n FROM pg_class WHERE relname IN ('users', 'products', 'orders', 'order_items') AND relnamespace = current_schema()::regnamespace AND relallvisible = relpages AND relpages > 0").await,
        4,
        "vacuumed, so that index-only scans read no table page"
    );
    // New rows continue after the seeded ids.
    assert_eq!(
        count(&mut first, "INSERT INTO users (email, full_name) VALUES ('new@example.com', 'New') RETURNING id AS n").await,
        41
    );
}

/// Every index of the schema with its full definition, in name order.
async fn index_definitions(conn: &mut AsyncPgConnection) -> Vec<String> {
    #[derive(diesel::QueryableByName)]
    struct Definition {
        #[diesel(sql_type = Text)]
        definition: String,
    }
    diesel::sql_query(
        "SELECT indexname || ': ' || indexdef AS definition FROM pg_indexes
          WHERE schemaname = current_schema() ORDER BY indexname",
    )
    .load::<Definition>(conn)
    .await
    .unwrap()
    .into_iter()
    .map(|d| d.definition)
    .collect()
}

#[tokio::test]
async fn filling_keeps_every_index_as_the_migrations_define_it() {
    let db = TestDatabase::new().await;
    let mut conn = db.connect().await;
    let migrated = index_definitions(&mut conn).await;
    assert!(
        migrated
            .iter()
            .any(|d| d.starts_with("orders_user_id_created_at_id_listed_idx: ")),
        "{migrated:?}"
    );
    let sizes = Sizes {
        users: 20,
        products: 8,
        orders: 300,
    };
    fill(&mut conn, sizes, |_| {}).await.unwrap();
    assert_eq!(index_definitions(&mut conn).await, migrated);
    fill(&mut conn, sizes, |_| {}).await.unwrap();
    assert_eq!(index_definitions(&mut conn).await, migrated, "twice");
    // The unique e-mail index is back and enforced.
    let duplicate = diesel::sql_query(
        "INSERT INTO users (email, full_name) VALUES ('USER1@example.com', 'Again')",
    )
    .execute(&mut conn)
    .await;
    assert!(duplicate.is_err(), "{duplicate:?}");
}

#[tokio::test]
async fn a_failed_fill_leaves_the_previous_rows_and_indexes() {
    let db = TestDatabase::new().await;
    let mut conn = db.connect().await;
    let migrated = index_definitions(&mut conn).await;
    fill(
        &mut conn,
        Sizes {
            users: 20,
            products: 8,
            orders: 300,
        },
        |_| {},
    )
    .await
    .unwrap();
    let before = digest(&mut conn).await;
    // Orders need users to belong to: this fails while writing the orders, after
    // the tables were emptied and the indexes dropped.
    let mut reported = Vec::new();
    let failed = fill(
        &mut conn,
        Sizes {
            users: 0,
            products: 8,
            orders: 300,
        },
        |progress| reported.push(progress),
    )
    .await;
    assert!(failed.is_err(), "{failed:?}");
    assert!(reported.is_empty(), "{reported:?}");
    assert_eq!(digest(&mut conn).await, before);
    assert_eq!(index_definitions(&mut conn).await, migrated);
    assert_eq!(count(&mut conn, ORDERS_WITH_WRONG_TOTALS).await, 0);
    assert_eq!(count(&mut conn, DAY_TOTALS_DISAGREEING).await, 0);
}

#[tokio::test]
async fn without_superuser_rights_the_triggers_keep_the_totals() {
    let db = TestDatabase::new().await;
    let mut conn = db.connect().await;
    let migrated = index_definitions(&mut conn).await;
    // A role that owns the schema and its tables, as a deployment's own role
    // does, but may not switch the triggers off.
    let role = format!("oms_seed_owner_{}", std::process::id());
    conn.batch_execute(&format!(
        "CREATE ROLE {role} NOSUPERUSER;
         DO $$ DECLARE t text; BEGIN
             EXECUTE format('ALTER SCHEMA %I OWNER TO {role}', current_schema());
             FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = current_schema() LOOP
                 EXECUTE format('ALTER TABLE %I OWNER TO {role}', t);
             END LOOP;
         END $$;
         SET ROLE {role}"
    ))
    .await
    .unwrap();
    let may_skip_triggers = conn
        .batch_execute("SET session_replication_role = replica")
        .await
        .is_ok();
    let sizes = Sizes {
        users: 30,
        products: 9,
        orders: 500,
    };
    let filled = fill(&mut conn, sizes, |_| {}).await;
    let checks = [
        (
            count(&mut conn, "SELECT count(*) AS n FROM orders").await,
            500,
        ),
        (count(&mut conn, ORDERS_WITH_WRONG_TOTALS).await, 0),
        (count(&mut conn, DAY_TOTALS_DISAGREEING).await, 0),
        (count(&mut conn, LINES_WITH_WRONG_ORDER_DATE).await, 0),
    ];
    let indexes = index_definitions(&mut conn).await;
    conn.batch_execute(&format!(
        "RESET ROLE; REASSIGN OWNED BY {role} TO current_user; DROP ROLE {role}"
    ))
    .await
    .unwrap();
    assert!(!may_skip_triggers, "the role may not switch triggers off");
    filled.unwrap();
    assert_eq!(
        checks.map(|(found, _)| found),
        checks.map(|(_, wanted)| wanted)
    );
    assert_eq!(indexes, migrated);
}
