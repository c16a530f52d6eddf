//! A pool whose server stops being the primary under it (a failover): the
//! pooled connections to it are dropped and replaced, without a restart.

mod common;

use common::count;
use diesel_async::SimpleAsyncConnection;
use oms_domain::{Email, FullName, NewUser};
use oms_persistence::testing::TestDatabase;
use oms_persistence::{Store, StoreError};

const POOL_SIZE: usize = 4;

fn user(n: usize) -> NewUser {
    NewUser {
        email: Email::parse(&format!("user{n}@example.com")).unwrap(),
        full_name: FullName::parse("Failover").unwrap(),
    }
}

#[tokio::test]
async fn connections_to_a_server_turned_standby_fail_once_and_are_replaced() {
    let db = TestDatabase::new().await;
    let pool = db.pool(POOL_SIZE);
    // Every pooled connection now leads to a server that refuses writes, as an
    // old primary demoted to a standby does.
    let mut held = Vec::new();
    for _ in 0..POOL_SIZE {
        let mut conn = pool.get().await.unwrap();
        conn.batch_execute("SET default_transaction_read_only = on")
            .await
            .unwrap();
        held.push(conn);
    }
    drop(held);
    let store = Store::new(pool);

    let refused = store.create_user(&user(0), None).await;
    assert!(
        matches!(refused, Err(StoreError::Unavailable(_))),
        "a write on a standby is the database being unavailable, not a bad request: {refused:?}"
    );
    // One failure dropped the idle connections opened before it: the next
    // writes, one per pooled connection there was, all get fresh ones.
    for n in 1..=POOL_SIZE {
        store
            .create_user(&user(n), None)
            .await
            .unwrap_or_else(|error| panic!("write {n} after the failure: {error}"));
    }
    let mut conn = db.connect().await;
    assert_eq!(
        count(&mut conn, "SELECT count(*) AS n FROM users").await,
        POOL_SIZE as i64
    );
}
