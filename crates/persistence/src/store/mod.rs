//! The pool together with the operations, for callers that want a result
//! rather than a connection; those on API keys are in [`keys`], those on
//! webhooks in [`webhooks`].

mod keys;
mod webhooks;

use std::sync::Arc;
use std::time::Duration;

use diesel_async::AsyncPgConnection;
use oms_domain::{
    Actor, After, CursorKey, IfMatch, NewOrder, NewProduct, NewUser, OrderFilter, OrderId,
    OrderStatus, Paging, ProductChanges, ProductId, UserChanges, UserId,
};

use tokio::sync::OnceCell;

use crate::idempotency::{self, Keyed, Replayable};
use crate::models::{OrderDetails, OrderPage, Page, Product, User};
use crate::placer::Placer;
use crate::{orders, products, users, warm, Pool, ProductCache, StoreError};

/// Every storage operation, each on a connection taken from the pool.
#[derive(Clone)]
pub struct Store {
    pool: Pool,
    /// Where reads that may be slightly stale go (a replica); `pool` when none.
    reads: Option<Pool>,
    /// Every pool of the process (this one included), for [`Store::status`].
    all_pools: Arc<[Pool]>,
    products: Option<Arc<ProductCache>>,
    placer: Arc<Placer>,
    /// The cursor key, read from the database the first time it is needed.
    cursor_key: Arc<OnceCell<CursorKey>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("pool", &self.pool.status())
            .finish()
    }
}

/// How the connections of every pool are used, summed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PoolStatus {
    /// Connections open.
    pub size: usize,
    /// Open connections not in use.
    pub idle: usize,
    /// Callers waiting for a connection.
    pub waiting: usize,
    /// Most connections that may be open.
    pub max: usize,
}

impl Store {
    /// Wraps a pool.
    pub fn new(pool: Pool) -> Self {
        Self {
            all_pools: Arc::from([pool.clone()]),
            placer: placer_for(&pool),
            pool,
            reads: None,
            products: None,
            cursor_key: Arc::default(),
        }
    }

    /// Answers [`Store::get_product`] from `cache` when it can, and keeps it
    /// current with this store's own product changes.
    #[must_use]
    pub fn with_product_cache(self, cache: Arc<ProductCache>) -> Self {
        Self {
            products: Some(cache),
            ..self
        }
    }

    /// One store per pool, each reporting the status of all of them. For a
    /// server whose worker threads each keep connections of their own: a
    /// connection's I/O runs on the thread that opened it, so a worker that only
    /// uses its own connections never wakes another thread to reach PostgreSQL.
    ///
    /// `reads`, one per worker or none, are the pools of a replica that the
    /// reads which may be slightly stale go to (lists, the export).
    pub fn per_worker(pools: Vec<Pool>, reads: Vec<Pool>) -> Vec<Self> {
        let mut reads = reads.into_iter();
        let per_worker: Vec<(Pool, Option<Pool>)> =
            pools.into_iter().map(|pool| (pool, reads.next())).collect();
        let all_pools: Arc<[Pool]> = per_worker
            .iter()
            .flat_map(|(pool, read)| std::iter::once(pool.clone()).chain(read.clone()))
            .collect();
        per_worker
            .into_iter()
            .map(|(pool, reads)| Self {
                placer: placer_for(&pool),
                pool,
                reads,
                all_pools: all_pools.clone(),
                products: None,
                cursor_key: Arc::default(),
            })
            .collect()
    }

    /// The connections of every pool, summed.
    pub fn status(&self) -> PoolStatus {
        self.all_pools
            .iter()
            .map(Pool::status)
            .fold(PoolStatus::default(), |sum, status| PoolStatus {
                size: sum.size + status.size,
                idle: sum.idle + status.available,
                waiting: sum.waiting + status.waiting,
                max: sum.max + status.max_size,
            })
    }

    /// Closes every pool: waiting callers fail, connections are dropped when
    /// returned.
    pub fn close(&self) {
        self.all_pools.iter().for_each(Pool::close);
    }

    async fn with_conn<T>(
        &self,
        operation: impl AsyncFnOnce(&mut AsyncPgConnection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.pool.with_conn(operation).await
    }

    /// As [`Store::with_conn`], on the replica when there is one: for reads
    /// whose answer may lag the primary by the replica's delay.
    async fn with_read_conn<T>(
        &self,
        operation: impl AsyncFnOnce(&mut AsyncPgConnection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.reads
            .as_ref()
            .unwrap_or(&self.pool)
            .with_conn(operation)
            .await
    }

    /// Checks that a pooled connection answers a trivial query.
    pub async fn ping(&self) -> Result<(), StoreError> {
        use diesel_async::RunQueryDsl;
        self.with_conn(async |conn| {
            diesel::sql_query("SELECT 1").execute(conn).await?;
            Ok(())
        })
        .await
    }

    /// The key cursors are signed with (see [`crate::secrets::cursor_key`]),
    /// read once.
    pub async fn cursor_key(&self) -> Result<CursorKey, StoreError> {
        self.cursor_key
            .get_or_try_init(|| async {
                self.with_conn(async |conn| crate::secrets::cursor_key(conn).await)
                    .await
            })
            .await
            .cloned()
    }

    /// See [`users::list`].
    pub async fn list_users(&self, paging: Paging) -> Result<Page<User>, StoreError> {
        self.with_read_conn(async |conn| users::list(conn, paging).await)
            .await
    }

    /// See [`users::get`].
    pub async fn get_user(&self, id: UserId) -> Result<User, StoreError> {
        self.with_conn(async |conn| users::get(conn, id).await)
            .await
    }

    /// See [`users::create`]; once per idempotency key when `keyed`.
    pub async fn create_user(
        &self,
        user: &NewUser,
        keyed: Option<&Keyed<User>>,
    ) -> Result<Replayable<User>, StoreError> {
        self.with_conn(async |conn| {
            idempotency::once(conn, keyed, async |conn| users::create(conn, user).await).await
        })
        .await
    }

    /// See [`users::update`].
    pub async fn update_user(
        &self,
        id: UserId,
        changes: &UserChanges,
        if_match: Option<&IfMatch>,
    ) -> Result<User, StoreError> {
        self.with_conn(async |conn| users::update(conn, id, changes, if_match).await)
            .await
    }

    /// See [`products::list`].
    pub async fn list_products(&self, paging: Paging) -> Result<Page<Product>, StoreError> {
        self.with_read_conn(async |conn| products::list(conn, paging).await)
            .await
    }

    /// See [`products::get`]; from the product cache, if any, when it holds
    /// the product.
    pub async fn get_product(&self, id: ProductId) -> Result<Product, StoreError> {
        let cache = self.products.as_deref();
        if let Some(product) = cache.and_then(|cache| cache.get(id)) {
            return Ok(product);
        }
        let started = cache.and_then(ProductCache::read_started);
        let product = self
            .with_conn(async |conn| products::get(conn, id).await)
            .await?;
        if let (Some(cache), Some(started)) = (cache, started) {
            cache.keep(product.clone(), started);
        }
        Ok(product)
    }

    /// See [`products::create`]; once per idempotency key when `keyed`.
    pub async fn create_product(
        &self,
        product: &NewProduct,
        keyed: Option<&Keyed<Product>>,
    ) -> Result<Replayable<Product>, StoreError> {
        self.with_conn(async |conn| {
            idempotency::once(conn, keyed, async |conn| {
                products::create(conn, product).await
            })
            .await
        })
        .await
    }

    /// See [`products::update`].
    pub async fn update_product(
        &self,
        id: ProductId,
        changes: &ProductChanges,
        if_match: Option<&IfMatch>,
    ) -> Result<Product, StoreError> {
        let updated = self
            .with_conn(async |conn| products::update(conn, id, changes, if_match).await)
            .await;
        // The change's notice will also arrive, but this store's callers must
        // see their own change at once.
        if let Some(cache) = &self.products {
            cache.forget([id]);
        }
        updated
    }

    /// See [`orders::list`].
    pub async fn list_orders(
        &self,
        filter: &OrderFilter,
        paging: Paging,
    ) -> Result<OrderPage, StoreError> {
        let cache = self.products.as_deref();
        self.with_read_conn(async |conn| orders::list(conn, filter, paging, cache).await)
            .await
    }

    /// See [`orders::export_chunk`].
    pub async fn export_orders(
        &self,
        filter: &OrderFilter,
        after: Option<After>,
        count: i64,
    ) -> Result<Vec<OrderDetails>, StoreError> {
        self.with_read_conn(async |conn| orders::export_chunk(conn, filter, after, count).await)
            .await
    }

    /// See [`orders::get`].
    pub async fn get_order(&self, id: OrderId) -> Result<OrderDetails, StoreError> {
        self.with_conn(async |conn| orders::get(conn, id).await)
            .await
    }

    /// See [`orders::events`].
    pub async fn order_events(
        &self,
        id: OrderId,
        paging: Paging,
    ) -> Result<Page<orders::OrderEvent>, StoreError> {
        self.with_read_conn(async |conn| orders::events(conn, id, paging).await)
            .await
    }

    /// Places an order (see [`crate::placing::place`]), in one statement with the
    /// other orders being placed through this store at the same time; once per
    /// idempotency key when `keyed` (see [`crate::placing::place_once`]).
    pub async fn create_order(
        &self,
        order: &NewOrder,
        actor: &Actor,
        keyed: Option<Keyed<OrderDetails>>,
    ) -> Result<Replayable<OrderDetails>, StoreError> {
        let placing = crate::placing::ToPlace {
            order: order.clone(),
            actor: actor.clone(),
            keyed,
        };
        let placed = self.placer.place(placing).await;
        if let Ok(Replayable::Fresh(order)) = &placed {
            self.forget_stock_of(order);
        }
        placed
    }

    /// See [`orders::compact_day_totals`].
    pub async fn compact_day_totals(&self) -> Result<i64, StoreError> {
        self.with_conn(async |conn| orders::compact_day_totals(conn).await)
            .await
    }

    /// See [`warm::tables`].
    pub async fn tables(&self) -> Result<warm::Tables, StoreError> {
        self.with_conn(async |conn| warm::tables(conn).await).await
    }

    /// Whether any request holds or awaits a connection of any pool.
    pub fn busy(&self) -> bool {
        let status = self.status();
        status.size > status.idle || status.waiting > 0
    }

    /// See [`orders::vacuum_day_totals_pending`].
    pub async fn vacuum_day_totals_pending(&self) -> Result<(), StoreError> {
        self.with_conn(async |conn| orders::vacuum_day_totals_pending(conn).await)
            .await
    }

    /// See [`idempotency::sweep`].
    pub async fn sweep_idempotency_keys(&self, retention: Duration) -> Result<u64, StoreError> {
        self.with_conn(async |conn| idempotency::sweep(conn, retention).await)
            .await
    }

    /// See [`orders::change_status`].
    pub async fn change_order_status(
        &self,
        id: OrderId,
        to: OrderStatus,
        actor: &Actor,
        if_match: Option<&IfMatch>,
    ) -> Result<OrderDetails, StoreError> {
        let changed = self
            .with_conn(async |conn| orders::change_status(conn, id, to, actor, if_match).await)
            .await;
        if let (Ok(order), OrderStatus::Cancelled) = (&changed, to) {
            self.forget_stock_of(order);
        }
        changed
    }

    /// Forgets the cached products whose stock placing or cancelling `order`
    /// may have changed: their notices will also arrive, but this store's
    /// callers must see the change at once, as with [`Store::update_product`].
    fn forget_stock_of(&self, order: &OrderDetails) {
        if let Some(cache) = &self.products {
            cache.forget_stock_of(order.items.iter().map(|item| item.product_id));
        }
    }
}

/// The placer of orders through `pool`: a quarter of its connections (at least
/// one) place orders at a time. Fewer statements at a time make bigger batches,
/// and a bigger batch costs less per order than a second statement at once
/// (docs/PERFORMANCE.md).
fn placer_for(pool: &Pool) -> Arc<Placer> {
    Placer::new(pool.clone(), pool.status().max_size / 4)
}
