//! The warm-up: it reads every row and index entry requests look up at random,
//! whatever the ids, waits while requests are served, copes with empty tables, and
//! is told when the tables were rewritten.

mod common;

use std::time::{Duration, Instant};

use common::count;
use oms_persistence::seed::{fill, Sizes};
use oms_persistence::testing::TestDatabase;
use oms_persistence::warm::{tables, warm};
use oms_persistence::Store;

#[tokio::test]
async fn the_warm_up_visits_every_user_order_and_line_through_each_index() {
    let db = TestDatabase::new().await;
    let mut conn = db.connect().await;
    fill(
        &mut conn,
        Sizes {
            users: 37,
            products: 11,
            orders: 503,
        },
        |_| {},
    )
    .await
    .unwrap();
    // Ids that do not start at 1 and have gaps, as after deletions.
    diesel_async::SimpleAsyncConnection::batch_execute(
        &mut conn,
        "DELETE FROM order_items WHERE order_id < 40 OR order_id % 7 = 0;
         DELETE FROM orders WHERE id < 40 OR id % 7 = 0;",
    )
    .await
    .unwrap();
    let users = count(&mut conn, "SELECT count(*) AS n FROM users").await;
    let orders = count(&mut conn, "SELECT count(*) AS n FROM orders").await;
    let lines = count(&mut conn, "SELECT count(*) AS n FROM order_items").await;

    for connections in [1, 3] {
        let done = warm(db.options(), connections, || false).await.unwrap();
        // The users; the orders by user and by id; the lines by order and by product.
        assert_eq!(done.entries, users + 2 * orders + 2 * lines);
    }
}

#[tokio::test]
async fn the_warm_up_of_an_empty_database_reads_nothing() {
    let db = TestDatabase::new().await;
    let done = warm(db.options(), 2, || false).await.unwrap();
    assert_eq!(done.entries, 0);
}

#[tokio::test]
async fn the_warm_up_waits_while_requests_are_served() {
    let db = TestDatabase::new().await;
    let mut conn = db.connect().await;
    let sizes = Sizes {
        users: 3,
        products: 5,
        orders: 4,
    };
    fill(&mut conn, sizes, |_| {}).await.unwrap();
    let served_until = Instant::now() + Duration::from_millis(400);
    let done = warm(db.options(), 1, || Instant::now() < served_until)
        .await
        .unwrap();
    assert!(Instant::now() >= served_until);
    assert!(done.entries >= sizes.users + 2 * sizes.orders);
}

#[tokio::test]
async fn rewriting_a_table_changes_what_it_is_stored_in_and_adding_rows_does_not() {
    let db = TestDatabase::new().await;
    let mut conn = db.connect().await;
    let before = tables(&mut conn).await.unwrap();
    fill(
        &mut conn,
        Sizes {
            users: 3,
            products: 5,
            orders: 2,
        },
        |_| {},
    )
    .await
    .unwrap();
    let after_fill = tables(&mut conn).await.unwrap();
    assert_ne!(after_fill, before, "fill empties the tables with TRUNCATE");
    diesel_async::SimpleAsyncConnection::batch_execute(
        &mut conn,
        "INSERT INTO users (email, full_name) VALUES ('late@example.com', 'Late Comer')",
    )
    .await
    .unwrap();
    assert_eq!(tables(&mut conn).await.unwrap(), after_fill);
}

#[tokio::test]
async fn a_store_is_busy_while_a_connection_is_in_use() {
    let db = TestDatabase::new().await;
    let pool = db.pool(2);
    let store = Store::new(pool.clone());
    assert!(!store.busy());
    let held = pool.get().await.unwrap();
    assert!(store.busy());
    drop(held);
    assert!(!store.busy());
}
