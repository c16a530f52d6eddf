//! The connection pool: how connections are made and what each one is set to.

use std::time::Duration;

use deadpool::Runtime;
use diesel::ConnectionError;
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod,
};
use diesel_async::{AsyncPgConnection, SimpleAsyncConnection};
use futures_util::FutureExt;

use crate::address::DatabaseAddress;

/// The pool of PostgreSQL connections the service shares.
pub type Pool = diesel_async::pooled_connection::deadpool::Pool<AsyncPgConnection>;

/// Where the database is and what every connection is set to.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    /// The server, database and role, and how to use TLS.
    pub address: DatabaseAddress,
    /// The schema that holds the tables; becomes each connection's `search_path`.
    pub schema: String,
    /// The server-side limit on any one statement.
    pub statement_timeout: Duration,
}

/// How many connections, and how long to wait for one.
#[derive(Debug, Clone, Copy)]
pub struct PoolOptions {
    /// Most connections open at once.
    pub max_size: usize,
    /// Longest wait for a free connection (or a new one) before giving up.
    pub wait_timeout: Duration,
}

impl ConnectOptions {
    /// The statements that set up a fresh connection. `random_page_cost` is lowered
    /// to what an index probe costs when the data is cached or on SSD: with the
    /// default (4), a product filter scans a whole date range instead of probing the
    /// few orders that contain the product.
    pub(crate) fn session_setup(&self) -> String {
        format!(
            "SET search_path TO {}; SET statement_timeout = {}; SET application_name = 'oms'; \
             SET random_page_cost = 1.1",
            quote_identifier(&self.schema),
            self.statement_timeout.as_millis()
        )
    }

    /// Opens one connection and applies the session settings.
    pub async fn connect(&self) -> Result<AsyncPgConnection, ConnectionError> {
        let mut conn = self.address.open().await?;
        conn.batch_execute(&self.session_setup())
            .await
            .map_err(ConnectionError::CouldntSetupConfiguration)?;
        Ok(conn)
    }
}

/// Quotes `name` as a PostgreSQL identifier.
pub(crate) fn quote_identifier(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Builds the pool. No connection is opened until one is needed.
pub fn build_pool(connect: &ConnectOptions, options: PoolOptions) -> Pool {
    let connect = connect.clone();
    let mut config = ManagerConfig::<AsyncPgConnection>::default();
    // A broken connection is noticed on use and replaced; a test query on every
    // checkout would cost a round trip per request.
    config.recycling_method = RecyclingMethod::Fast;
    config.custom_setup = Box::new(move |_url| {
        let connect = connect.clone();
        async move { connect.connect().await }.boxed()
    });
    let manager = AsyncDieselConnectionManager::new_with_config(String::new(), config);
    Pool::builder(manager)
        .max_size(options.max_size.max(1))
        .runtime(Runtime::Tokio1)
        .wait_timeout(Some(options.wait_timeout))
        .create_timeout(Some(options.wait_timeout))
        .recycle_timeout(Some(options.wait_timeout))
        .build()
        .expect("a pool with a runtime and a manager always builds")
}
