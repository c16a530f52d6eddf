//! The connection pool: how connections are made and what each one is set to.

use std::time::{Duration, Instant};

use deadpool::managed::Object;
use deadpool::Runtime;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::ConnectionError;
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, PoolableConnection, RecyclingMethod,
};
use diesel_async::{AsyncPgConnection, SimpleAsyncConnection};
use futures_util::FutureExt;

use crate::address::DatabaseAddress;
use crate::StoreError;

/// Connections to one database, each set up by [`ConnectOptions::connect`].
#[derive(Clone)]
pub struct Pool {
    connections: Connections,
    statement_timeout: Duration,
}

type Connections = diesel_async::pooled_connection::deadpool::Pool<AsyncPgConnection>;
type Connection = Object<AsyncDieselConnectionManager<AsyncPgConnection>>;

/// How a pool's connections are used.
pub type Status = deadpool::Status;

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pool")
            .field("status", &self.status())
            .field("statement_timeout", &self.statement_timeout)
            .finish()
    }
}

impl Pool {
    /// Runs `operation` on a connection of the pool, and tells the failures
    /// that say more about the database than about the operation:
    /// - an error that leaves the connection closed (the server shut down or
    ///   was restarted under it) means the database is unavailable, whatever
    ///   error the server sent first. So does a write refused as read-only: the
    ///   server has become a standby. In both cases the connection is dropped,
    ///   and so is every idle one opened before this operation began, since
    ///   they lead to the same server: after a failover the next requests get
    ///   fresh connections (to the new primary) instead of one failure per
    ///   pooled connection;
    /// - an error the server reports once the operation has run for the whole
    ///   statement timeout is the server cancelling it. Told by the deadline
    ///   rather than by the message, which the server writes in its own
    ///   language, since diesel does not expose the SQLSTATE (57014).
    pub async fn with_conn<T>(
        &self,
        operation: impl AsyncFnOnce(&mut AsyncPgConnection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut conn: Connection = self.connections.get().await?;
        let started = Instant::now();
        match operation(&mut conn).await {
            Err(StoreError::Database(error)) if conn.is_broken() => {
                self.drop_opened_before(started, conn);
                Err(StoreError::Unavailable(Box::new(error)))
            }
            Err(error @ StoreError::Unavailable(_)) => {
                self.drop_opened_before(started, conn);
                Err(error)
            }
            Err(StoreError::Database(
                error @ DieselError::DatabaseError(DatabaseErrorKind::Unknown, _),
            )) if started.elapsed() >= self.statement_timeout => {
                Err(StoreError::TimedOut(Box::new(error)))
            }
            other => other,
        }
    }

    /// Drops `conn` and the idle connections opened before `instant`.
    fn drop_opened_before(&self, instant: Instant, conn: Connection) {
        drop(Object::take(conn));
        let dropped = self
            .connections
            .retain(|_, metrics| metrics.created > instant)
            .removed
            .len();
        tracing::warn!(
            dropped = dropped + 1,
            "database connection lost or read-only: dropped it and the idle connections opened before it"
        );
    }

    /// A connection of its own, for as long as it is held.
    pub async fn get(&self) -> Result<Connection, StoreError> {
        Ok(self.connections.get().await?)
    }

    /// How the connections are used now.
    pub fn status(&self) -> Status {
        self.connections.status()
    }

    /// Closes the pool: waiting callers fail, connections are dropped when
    /// returned.
    pub fn close(&self) {
        self.connections.close();
    }
}

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
    /// Sent together, in one round trip.
    pub(crate) fn session_setup(&self) -> String {
        [
            format!("SET search_path TO {}", quote_identifier(&self.schema)),
            format!(
                "SET statement_timeout = {}",
                self.statement_timeout.as_millis()
            ),
            "SET application_name = 'oms'".to_owned(),
            "SET random_page_cost = 1.1".to_owned(),
        ]
        .join("; ")
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
    let setup = connect.clone();
    let mut config = ManagerConfig::<AsyncPgConnection>::default();
    // A broken connection is noticed on use and replaced; a test query on every
    // checkout would cost a round trip per request.
    config.recycling_method = RecyclingMethod::Fast;
    config.custom_setup = Box::new(move |_url| {
        let setup = setup.clone();
        async move { setup.connect().await }.boxed()
    });
    let manager = AsyncDieselConnectionManager::new_with_config(String::new(), config);
    let connections = Connections::builder(manager)
        .max_size(options.max_size.max(1))
        .runtime(Runtime::Tokio1)
        .wait_timeout(Some(options.wait_timeout))
        .create_timeout(Some(options.wait_timeout))
        .recycle_timeout(Some(options.wait_timeout))
        .build()
        .expect("a pool with a runtime and a manager always builds");
    Pool {
        connections,
        statement_timeout: connect.statement_timeout,
    }
}
