//! The pool together with the operations, for callers that want a result
//! rather than a connection.

use deadpool::managed::Object;
use diesel_async::pooled_connection::AsyncDieselConnectionManager;
use diesel_async::AsyncPgConnection;
use domain::{
    NewOrder, NewProduct, NewUser, OrderFilter, OrderId, OrderStatus, Paging, ProductChanges,
    ProductId, UserChanges, UserId,
};

use crate::models::{OrderDetails, OrderPage, Page, Product, User};
use crate::{orders, products, users, Pool, StoreError};

type Connection = Object<AsyncDieselConnectionManager<AsyncPgConnection>>;

/// Every storage operation, each on a connection taken from the pool.
#[derive(Clone)]
pub struct Store {
    pool: Pool,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("pool", &self.pool.status())
            .finish()
    }
}

impl Store {
    /// Wraps a pool.
    pub fn new(pool: Pool) -> Self {
        Self { pool }
    }

    /// The underlying pool.
    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    async fn conn(&self) -> Result<Connection, StoreError> {
        Ok(self.pool.get().await?)
    }

    /// Checks that a pooled connection answers a trivial query.
    pub async fn ping(&self) -> Result<(), StoreError> {
        use diesel_async::RunQueryDsl;
        diesel::sql_query("SELECT 1")
            .execute(&mut *self.conn().await?)
            .await?;
        Ok(())
    }

    /// See [`users::list`].
    pub async fn list_users(&self, paging: Paging) -> Result<Page<User>, StoreError> {
        users::list(&*self.conn().await?, paging).await
    }

    /// See [`users::get`].
    pub async fn get_user(&self, id: UserId) -> Result<User, StoreError> {
        users::get(&mut *self.conn().await?, id).await
    }

    /// See [`users::create`].
    pub async fn create_user(&self, user: &NewUser) -> Result<User, StoreError> {
        users::create(&mut *self.conn().await?, user).await
    }

    /// See [`users::update`].
    pub async fn update_user(&self, id: UserId, changes: &UserChanges) -> Result<User, StoreError> {
        users::update(&mut *self.conn().await?, id, changes).await
    }

    /// See [`products::list`].
    pub async fn list_products(&self, paging: Paging) -> Result<Page<Product>, StoreError> {
        products::list(&*self.conn().await?, paging).await
    }

    /// See [`products::get`].
    pub async fn get_product(&self, id: ProductId) -> Result<Product, StoreError> {
        products::get(&mut *self.conn().await?, id).await
    }

    /// See [`products::create`].
    pub async fn create_product(&self, product: &NewProduct) -> Result<Product, StoreError> {
        products::create(&mut *self.conn().await?, product).await
    }

    /// See [`products::update`].
    pub async fn update_product(
        &self,
        id: ProductId,
        changes: &ProductChanges,
    ) -> Result<Product, StoreError> {
        products::update(&mut *self.conn().await?, id, changes).await
    }

    /// See [`orders::list`].
    pub async fn list_orders(
        &self,
        filter: &OrderFilter,
        paging: Paging,
    ) -> Result<OrderPage, StoreError> {
        orders::list(&*self.conn().await?, filter, paging).await
    }

    /// See [`orders::get`].
    pub async fn get_order(&self, id: OrderId) -> Result<OrderDetails, StoreError> {
        orders::get(&*self.conn().await?, id).await
    }

    /// See [`orders::create`].
    pub async fn create_order(&self, order: &NewOrder) -> Result<OrderDetails, StoreError> {
        orders::create(&mut *self.conn().await?, order).await
    }

    /// See [`orders::change_status`].
    pub async fn change_order_status(
        &self,
        id: OrderId,
        to: OrderStatus,
    ) -> Result<OrderDetails, StoreError> {
        orders::change_status(&*self.conn().await?, id, to).await
    }
}
