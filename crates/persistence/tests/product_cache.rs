//! The product cache never answers with a product that a committed change has
//! replaced, once that change's notice can have arrived — whoever made it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel_async::SimpleAsyncConnection;
use oms_domain::{
    Actor, Cents, LineRequest, NewOrder, OrderFilter, OrderStatus, Paging, ProductChanges,
    ProductId, ProductName, Quantity, UserId,
};
use oms_persistence::product_cache::listen;
use oms_persistence::testing::TestDatabase;
use oms_persistence::{ProductCache, Store, StoreError};

/// How long a condition may take to come true before the test gives up.
const PATIENCE: Duration = Duration::from_secs(20);

async fn eventually(what: &str, mut condition: impl AsyncFnMut() -> bool) {
    let started = Instant::now();
    while !condition().await {
        assert!(started.elapsed() < PATIENCE, "never true: {what}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// A database with products 1 (price 100) and 2 (price 200), and a store over
/// it with a cache that is listening.
async fn cached_store(retry: Duration) -> (TestDatabase, Store, Arc<ProductCache>) {
    let db = TestDatabase::new().await;
    db.connect()
        .await
        .batch_execute(
            "INSERT INTO products (id, name, price_cents) VALUES (1, 'Lamp', 100), (2, 'Desk', 200)",
        )
        .await
        .unwrap();
    let cache = ProductCache::new(100);
    tokio::spawn(listen(cache.clone(), db.options().clone(), retry));
    eventually("the cache listens", async || cache.is_listening()).await;
    let store = Store::new(db.pool(2)).with_product_cache(cache.clone());
    (db, store, cache)
}

#[tokio::test]
async fn a_listening_cache_holds_the_products_before_anyone_asks() {
    let (_db, _store, cache) = cached_store(Duration::from_millis(50)).await;
    eventually("the products are read in", async || {
        cache.get(ProductId::new(1)).map(|p| p.price_cents) == Some(100)
            && cache.get(ProductId::new(2)).map(|p| p.price_cents) == Some(200)
    })
    .await;
}

async fn price(store: &Store, id: i64) -> Result<i64, StoreError> {
    Ok(store.get_product(ProductId::new(id)).await?.price_cents)
}

#[tokio::test]
async fn changes_made_with_plain_sql_reach_the_cache() {
    let (db, store, cache) = cached_store(Duration::from_millis(50)).await;
    assert_eq!(price(&store, 1).await.unwrap(), 100);
    assert_eq!(price(&store, 2).await.unwrap(), 200);
    assert!(
        cache.get(ProductId::new(1)).is_some(),
        "a product read is kept"
    );

    let mut other_program = db.connect().await;
    other_program
        .batch_execute("UPDATE products SET price_cents = 250 WHERE id = 1")
        .await
        .unwrap();
    eventually("the new price is read", async || {
        price(&store, 1).await.unwrap() == 250
    })
    .await;
    assert_eq!(
        cache
            .get(ProductId::new(2))
            .map(|product| product.price_cents),
        Some(200),
        "an unchanged product stays"
    );

    other_program
        .batch_execute("DELETE FROM products WHERE id = 2")
        .await
        .unwrap();
    eventually("a deleted product is gone", async || {
        matches!(price(&store, 2).await, Err(StoreError::NotFound { .. }))
    })
    .await;

    other_program
        .batch_execute("TRUNCATE products CASCADE")
        .await
        .unwrap();
    eventually("a truncated table empties the cache", async || {
        matches!(price(&store, 1).await, Err(StoreError::NotFound { .. }))
    })
    .await;
}

#[tokio::test]
async fn a_change_through_the_store_is_read_back_at_once() {
    let (_db, store, _cache) = cached_store(Duration::from_millis(50)).await;
    assert_eq!(price(&store, 1).await.unwrap(), 100);
    store
        .update_product(
            ProductId::new(1),
            &ProductChanges::new(None, Some(Cents::new(999)), None).unwrap(),
            None,
        )
        .await
        .unwrap();
    assert_eq!(price(&store, 1).await.unwrap(), 999);
}

#[tokio::test]
async fn stock_taken_by_an_order_and_given_back_through_the_store_is_read_back_at_once() {
    let db = TestDatabase::new().await;
    db.connect()
        .await
        .batch_execute(
            "INSERT INTO users (id, email, full_name) VALUES (1, 'ada@example.com', 'Ada');
             INSERT INTO products (id, name, price_cents, stock) VALUES (1, 'Lamp', 100, 5)",
        )
        .await
        .unwrap();
    // Listening to another database: no notice of this one's changes ever
    // arrives, so only the store's own removals keep the cache right.
    let elsewhere = TestDatabase::new().await;
    let cache = ProductCache::new(100);
    tokio::spawn(listen(
        cache.clone(),
        elsewhere.options().clone(),
        Duration::from_millis(50),
    ));
    eventually("the cache listens", async || cache.is_listening()).await;
    let store = Store::new(db.pool(2)).with_product_cache(cache.clone());
    let stock = async || store.get_product(ProductId::new(1)).await.unwrap().stock;
    assert_eq!(stock().await, Some(5));

    let line = LineRequest {
        product_id: ProductId::new(1),
        quantity: Quantity::new(2).unwrap(),
    };
    let order = NewOrder::new(UserId::new(1), None, vec![line]).unwrap();
    let placed = match store.create_order(&order, &Actor::default(), None).await {
        Ok(oms_persistence::Replayable::Fresh(placed)) => placed,
        other => panic!("placed: {other:?}"),
    };
    assert_eq!(stock().await, Some(3));
    store
        .change_order_status(placed.id, OrderStatus::Cancelled, &Actor::default(), None)
        .await
        .unwrap();
    assert_eq!(stock().await, Some(5));
}

#[tokio::test]
async fn changes_missed_while_not_listening_are_never_served() {
    let (db, store, cache) = cached_store(Duration::from_secs(2)).await;
    assert_eq!(price(&store, 1).await.unwrap(), 100);

    let mut admin = db.connect().await;
    admin
        .batch_execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
              WHERE application_name = 'oms product changes' AND datname = current_database()",
        )
        .await
        .unwrap();
    eventually("the cache notices the lost connection", async || {
        !cache.is_listening()
    })
    .await;
    admin
        .batch_execute("UPDATE products SET price_cents = 300 WHERE id = 1")
        .await
        .unwrap();
    assert_eq!(
        price(&store, 1).await.unwrap(),
        300,
        "read from the database"
    );

    eventually("the cache listens again", async || cache.is_listening()).await;
    assert_eq!(
        price(&store, 1).await.unwrap(),
        300,
        "the cache starts empty"
    );
}

/// The names of the products on user 1's orders, as a list of them shows them.
async fn listed_names(store: &Store) -> Vec<String> {
    let filter = OrderFilter {
        user_id: Some(UserId::new(1)),
        ..OrderFilter::default()
    };
    let page = store.list_orders(&filter, Paging::default()).await.unwrap();
    page.orders
        .iter()
        .flat_map(|order| order.items.iter().map(|item| item.product_name.clone()))
        .collect()
}

#[tokio::test]
async fn lists_show_products_as_they_are_now_whether_the_cache_holds_them_or_not() {
    let (db, store, cache) = cached_store(Duration::from_millis(50)).await;
    let mut other_program = db.connect().await;
    other_program
        .batch_execute(
            "INSERT INTO users (id, email, full_name) VALUES (1, 'ann@example.com', 'Ann');
             INSERT INTO orders (id, user_id, status) VALUES (1, 1, 'pending');
             INSERT INTO order_items (order_id, product_id, quantity, price_cents_at_purchase)
             VALUES (1, 1, 1, 100), (1, 2, 1, 200)",
        )
        .await
        .unwrap();
    eventually("the products are read in", async || {
        cache.get(ProductId::new(1)).is_some()
    })
    .await;
    cache.forget([ProductId::new(2)]);
    assert_eq!(listed_names(&store).await, ["Lamp", "Desk"]);
    assert!(
        cache.get(ProductId::new(2)).is_some(),
        "a name read for a list is kept"
    );

    other_program
        .batch_execute("UPDATE products SET name = 'Floor lamp' WHERE id = 1")
        .await
        .unwrap();
    eventually("the new name is listed", async || {
        listed_names(&store).await == ["Floor lamp", "Desk"]
    })
    .await;

    let name = ProductName::parse("Standing desk").unwrap();
    store
        .update_product(
            ProductId::new(2),
            &ProductChanges::new(Some(name), None, None).unwrap(),
            None,
        )
        .await
        .unwrap();
    assert_eq!(listed_names(&store).await, ["Floor lamp", "Standing desk"]);
}
