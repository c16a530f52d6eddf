//! Folding the day totals' pending changes, and reclaiming their table.

mod common;

use common::{count, DAY_TOTALS_DISAGREEING};
use diesel_async::SimpleAsyncConnection;
use oms_persistence::testing::TestDatabase;
use oms_persistence::Store;

const PENDING_PAGES: &str =
    "SELECT pg_relation_size('order_day_totals_pending') / current_setting('block_size')::bigint AS n";

#[tokio::test]
async fn folded_changes_are_kept_and_their_table_is_emptied() {
    let db = TestDatabase::new().await;
    let mut conn = db.connect().await;
    // One order per day over 55 years: 20,000 pending changes from plain SQL.
    conn.batch_execute(
        "INSERT INTO users (id, email, full_name) VALUES (1, 'a@example.com', 'A');
         INSERT INTO orders (user_id, status, created_at)
         SELECT 1, 'paid', timestamptz '1990-01-01 12:00:00+00' + i * interval '1 day'
           FROM generate_series(1, 20000) AS i;",
    )
    .await
    .unwrap();
    let store = Store::new(db.pool(1));

    assert_eq!(store.compact_day_totals().await.unwrap(), 20_000);
    assert!(count(&mut conn, PENDING_PAGES).await > 50);
    store.vacuum_day_totals_pending().await.unwrap();

    assert_eq!(count(&mut conn, PENDING_PAGES).await, 0);
    assert_eq!(count(&mut conn, DAY_TOTALS_DISAGREEING).await, 0);
    assert_eq!(
        count(&mut conn, "SELECT count(*) AS n FROM order_day_totals").await,
        20_000
    );
}
