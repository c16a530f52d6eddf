//! Background work that every oms instance runs on its own schedule, run by
//! three instances at once on one database: nothing is counted or removed twice.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::{count, DAY_TOTALS_DISAGREEING};
use diesel_async::SimpleAsyncConnection;
use oms_persistence::testing::TestDatabase;
use oms_persistence::Store;

/// Three stores with pools of their own, as three servers have.
fn instances(db: &TestDatabase) -> Vec<Store> {
    (0..3).map(|_| Store::new(db.pool(2))).collect()
}

#[tokio::test]
async fn three_instances_compacting_while_orders_arrive_count_each_order_once() {
    let db = TestDatabase::new().await;
    let mut conn = db.connect().await;
    conn.batch_execute("INSERT INTO users (id, email, full_name) VALUES (1, 'a@example.com', 'A')")
        .await
        .unwrap();
    let writing = Arc::new(AtomicBool::new(true));
    let compactors: Vec<_> = instances(&db)
        .into_iter()
        .map(|store| {
            let writing = Arc::clone(&writing);
            tokio::spawn(async move {
                while writing.load(Ordering::Relaxed) {
                    store.compact_day_totals().await.unwrap();
                }
                store.compact_day_totals().await.unwrap();
            })
        })
        .collect();
    // 3 writers × 40 statements × 50 orders, over 30 days and two statuses.
    let writers: Vec<_> = (0..3)
        .map(|writer| {
            let db_options = db.options().clone();
            tokio::spawn(async move {
                let mut conn = db_options.connect().await.unwrap();
                for batch in 0..40 {
                    conn.batch_execute(&format!(
                        "INSERT INTO orders (user_id, status, created_at)
                         SELECT 1, CASE WHEN i % 2 = 0 THEN 'paid' ELSE 'pending' END,
                                timestamptz '2026-01-01 12:00:00+00' + ((i + {batch} + {writer}) % 30) * interval '1 day'
                           FROM generate_series(1, 50) AS i"
                    ))
                    .await
                    .unwrap();
                }
            })
        })
        .collect();
    for writer in writers {
        writer.await.unwrap();
    }
    writing.store(false, Ordering::Relaxed);
    for compactor in compactors {
        compactor.await.unwrap();
    }

    assert_eq!(
        count(
            &mut conn,
            "SELECT count(*) AS n FROM order_day_totals_pending"
        )
        .await,
        0
    );
    assert_eq!(count(&mut conn, DAY_TOTALS_DISAGREEING).await, 0);
    assert_eq!(
        count(
            &mut conn,
            "SELECT sum(orders)::bigint AS n FROM order_day_totals"
        )
        .await,
        6_000
    );
}

#[tokio::test]
async fn three_instances_sweeping_at_once_remove_each_expired_key_once() {
    let db = TestDatabase::new().await;
    let mut conn = db.connect().await;
    // More expired keys than one sweep statement removes, and some still kept.
    conn.batch_execute(
        "INSERT INTO idempotency_keys (api_key_id, idempotency_key, fingerprint, status, body, created_at)
         SELECT 0, 'old-' || i, '\\x00', 201, '\\x7b7d', now() - interval '25 hours'
           FROM generate_series(1, 25000) AS i;
         INSERT INTO idempotency_keys (api_key_id, idempotency_key, fingerprint, status, body)
         SELECT 0, 'recent-' || i, '\\x00', 201, '\\x7b7d' FROM generate_series(1, 100) AS i;",
    )
    .await
    .unwrap();
    let retention = Duration::from_secs(24 * 3600);

    let sweeps: Vec<_> = instances(&db)
        .into_iter()
        .map(|store| tokio::spawn(async move { store.sweep_idempotency_keys(retention).await }))
        .collect();
    let mut removed = 0;
    for sweep in sweeps {
        removed += sweep.await.unwrap().unwrap();
    }

    assert_eq!(removed, 25_000);
    assert_eq!(
        count(&mut conn, "SELECT count(*) AS n FROM idempotency_keys").await,
        100
    );
}
