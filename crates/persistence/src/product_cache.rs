//! Products kept in memory between reads, forgotten when PostgreSQL says they
//! changed.
//!
//! A trigger on `products` sends a notice on channel `oms_products` when a
//! transaction that changed or removed products commits (see the migration
//! `product_change_notices`), whoever wrote it. [`listen`] holds a connection
//! that listens for those notices and removes what they name. The cache only
//! answers while that connection is listening: notices sent while it was not
//! are lost, so it starts empty each time listening starts again.
//!
//! A read that started before a change may finish after the notice arrived and
//! would put the old row back; every removal therefore advances a generation,
//! and a row read under an older generation is not kept.

use std::collections::HashMap;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;

use diesel_async::{AsyncPgConnection, SimpleAsyncConnection};
use futures_util::StreamExt;

use oms_domain::ProductId;

use crate::error::StoreError;
use crate::models::Product;
use crate::pool::{quote_identifier, ConnectOptions};

/// The channel the trigger notifies.
const CHANNEL: &str = "oms_products";

/// Recently read products, shared by every worker of a server.
#[derive(Debug)]
pub struct ProductCache {
    state: RwLock<State>,
    capacity: usize,
}

#[derive(Debug, Default)]
struct State {
    products: HashMap<ProductId, Product>,
    generation: u64,
    listening: bool,
}

/// When a read for the cache started; see [`ProductCache::read_started`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Generation(u64);

impl ProductCache {
    /// An empty cache that keeps at most `capacity` products, answering nothing
    /// until [`listen`] starts listening.
    pub fn new(capacity: usize) -> Arc<Self> {
        Arc::new(Self {
            state: RwLock::default(),
            capacity,
        })
    }

    fn read(&self) -> RwLockReadGuard<'_, State> {
        self.state
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, State> {
        self.state
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The product with this id, if it is kept.
    pub fn get(&self, id: ProductId) -> Option<Product> {
        let state = self.read();
        state
            .listening
            .then(|| state.products.get(&id).cloned())
            .flatten()
    }

    /// Call before reading a product from the database; `None` when what is
    /// read must not be kept (nobody is listening for changes).
    pub fn read_started(&self) -> Option<Generation> {
        let state = self.read();
        state.listening.then_some(Generation(state.generation))
    }

    /// Keeps `product`, read since `started`, unless something was removed
    /// meanwhile. When full, an arbitrary product makes room.
    pub fn keep(&self, product: Product, started: Generation) {
        self.keep_all([product], started);
    }

    /// Keeps `products`, read since `started`, as [`ProductCache::keep`] does.
    pub(crate) fn keep_all(
        &self,
        products: impl IntoIterator<Item = Product>,
        started: Generation,
    ) {
        if self.capacity == 0 {
            return;
        }
        let mut state = self.write();
        if !state.listening || state.generation != started.0 {
            return;
        }
        for product in products {
            if state.products.len() >= self.capacity && !state.products.contains_key(&product.id) {
                if let Some(&evicted) = state.products.keys().next() {
                    state.products.remove(&evicted);
                }
            }
            state.products.insert(product.id, product);
        }
    }

    /// Reads as many products as the cache may keep, so that a server that has
    /// just started (or started listening again) does not send a query for each
    /// product it is first asked for: at 100,000 products, those misses queued
    /// for the pool and held requests for up to two seconds.
    async fn fill(&self, conn: &mut AsyncPgConnection) {
        if self.capacity == 0 {
            return;
        }
        let Some(started) = self.read_started() else {
            return;
        };
        match crate::products::first(conn, self.capacity).await {
            Ok(products) => self.keep_all(products, started),
            Err(error) => tracing::debug!(
                error = %crate::error::error_chain(&error),
                "cannot read the products into the cache"
            ),
        }
    }

    /// Forgets these products.
    pub fn forget(&self, ids: impl IntoIterator<Item = ProductId>) {
        let mut state = self.write();
        state.generation += 1;
        for id in ids {
            state.products.remove(&id);
        }
    }

    /// Forgets these products if an order placed or cancelled through this
    /// server may have changed their stock: unless each is kept with its stock
    /// untracked (then the order wrote nothing to it), and without taking the
    /// write lock in that common case.
    pub fn forget_stock_of(&self, ids: impl IntoIterator<Item = ProductId> + Clone) {
        let untouched = {
            let state = self.read();
            ids.clone().into_iter().all(|id| {
                state
                    .products
                    .get(&id)
                    .is_some_and(|product| product.stock.is_none())
            })
        };
        if !untouched {
            self.forget(ids);
        }
    }

    /// Forgets every product.
    pub fn forget_all(&self) {
        let mut state = self.write();
        state.generation += 1;
        state.products.clear();
    }

    /// Starts or stops answering; either way, starts empty.
    fn set_listening(&self, listening: bool) {
        let mut state = self.write();
        state.generation += 1;
        state.products.clear();
        state.listening = listening;
    }

    /// Whether the cache answers, i.e. a connection is listening for changes.
    pub fn is_listening(&self) -> bool {
        self.read().listening
    }

    /// Applies one notice's payload, if it is about `schema`.
    fn apply(&self, schema: &str, payload: &str) {
        let Some((about, ids)) = payload.rsplit_once(':') else {
            return;
        };
        if about != schema {
            return;
        }
        let parsed: Option<Vec<ProductId>> = ids
            .split(',')
            .map(|id| id.parse().ok().map(ProductId::new))
            .collect();
        match parsed {
            Some(ids) => self.forget(ids),
            None => self.forget_all(),
        }
    }
}

/// Keeps a connection listening for product changes in `connect`'s schema and
/// applies them to `cache`, for as long as the future runs. When the connection
/// fails the cache stops answering, and a new connection is tried every
/// `retry` until one listens again.
pub async fn listen(cache: Arc<ProductCache>, connect: ConnectOptions, retry: Duration) {
    loop {
        match listening_connection(&connect).await {
            Ok(mut conn) => {
                cache.set_listening(true);
                tracing::debug!("listening for product changes");
                // Notices that arrive meanwhile wait in the connection and are
                // applied after.
                cache.fill(&mut conn).await;
                let mut notices = std::pin::pin!(conn.notifications_stream());
                while let Some(Ok(notice)) = notices.next().await {
                    cache.apply(&connect.schema, &notice.payload);
                }
                cache.set_listening(false);
                tracing::warn!("stopped listening for product changes; products are read from the database until it resumes");
            }
            Err(error) => {
                tracing::debug!(error = %crate::error::error_chain(&error), "cannot listen for product changes");
            }
        }
        tokio::time::sleep(retry).await;
    }
}

async fn listening_connection(connect: &ConnectOptions) -> Result<AsyncPgConnection, StoreError> {
    let mut conn = connect.connect().await?;
    conn.batch_execute(&format!(
        "SET application_name = 'oms product changes'; LISTEN {}",
        quote_identifier(CHANNEL)
    ))
    .await?;
    Ok(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn product(id: i64, price_cents: i64) -> Product {
        Product {
            id: ProductId::new(id),
            name: format!("Product {id}"),
            price_cents,
            version: 1,
            stock: None,
        }
    }

    fn listening(capacity: usize) -> Arc<ProductCache> {
        let cache = ProductCache::new(capacity);
        cache.set_listening(true);
        cache
    }

    #[test]
    fn answers_only_while_listening() {
        let cache = ProductCache::new(10);
        assert_eq!(cache.read_started(), None);
        let cache = listening(10);
        let started = cache.read_started().unwrap();
        cache.keep(product(1, 100), started);
        assert_eq!(cache.get(ProductId::new(1)), Some(product(1, 100)));
        cache.set_listening(false);
        assert_eq!(cache.get(ProductId::new(1)), None);
    }

    #[test]
    fn a_read_that_raced_a_change_is_not_kept() {
        let cache = listening(10);
        let started = cache.read_started().unwrap();
        cache.apply("tony", "tony:7");
        cache.keep(product(1, 100), started);
        assert_eq!(
            cache.get(ProductId::new(1)),
            None,
            "read before the change, so maybe stale"
        );
        let started = cache.read_started().unwrap();
        cache.keep(product(1, 120), started);
        assert_eq!(cache.get(ProductId::new(1)), Some(product(1, 120)));
    }

    #[test]
    fn notices_remove_what_they_name_in_this_schema_only() {
        let cache = listening(10);
        for id in 1..=3 {
            let started = cache.read_started().unwrap();
            cache.keep(product(id, 100), started);
        }
        cache.apply("other", "other:1");
        cache.apply("tony", "tony:1,3");
        assert_eq!(
            (
                cache.get(ProductId::new(1)),
                cache.get(ProductId::new(2)),
                cache.get(ProductId::new(3))
            ),
            (None, Some(product(2, 100)), None)
        );
        cache.apply("tony", "tony:*");
        assert_eq!(cache.get(ProductId::new(2)), None);
    }

    #[test]
    fn a_schema_name_with_a_colon_is_matched_whole() {
        let cache = listening(10);
        let started = cache.read_started().unwrap();
        cache.keep(product(5, 100), started);
        cache.apply("a:b", "b:5");
        assert!(cache.get(ProductId::new(5)).is_some());
        cache.apply("a:b", "a:b:5");
        assert!(cache.get(ProductId::new(5)).is_none());
    }

    #[test]
    fn stays_within_its_capacity() {
        let cache = listening(2);
        for id in 1..=5 {
            let started = cache.read_started().unwrap();
            cache.keep(product(id, 100), started);
        }
        assert_eq!(
            (1..=5)
                .filter_map(|id| cache.get(ProductId::new(id)))
                .count(),
            2
        );
        assert!(
            cache.get(ProductId::new(5)).is_some(),
            "the newest read is kept"
        );
    }
}
