//! PostgreSQL storage for oms.
//!
//! * [`schema`]: the Diesel table definitions, generated from `migrations/`.
//! * [`setup`]: creating the database and schema, and running the embedded
//!   migrations under an advisory lock.
//! * [`pool`]: the connection pool and its per-connection settings.
//! * [`users`], [`products`], [`orders`]: queries and transactions; each takes a
//!   connection so it can be composed inside a caller's transaction.
//! * [`keys`]: API keys, and the request window each key shares between
//!   servers.
//! * [`secrets`]: what the servers of a database share (the cursor key).
//! * [`webhooks`]: webhook endpoints, their delivery logs, and the queue of
//!   deliveries the deliverers work through.
//! * [`idempotency`]: answers to requests sent with an `Idempotency-Key`, stored
//!   with their change and replayed to retries.
//! * [`product_cache`]: products kept in memory, forgotten when PostgreSQL notifies
//!   that they changed.
//! * [`warm`]: reading the indexes requests use into the caches, and telling when
//!   a bulk load rewrote the tables.
//! * [`Store`]: the pool plus those operations, for callers that just want a result.
//! * [`StoreError`]: every failure, classified once by kind.

pub mod address;
pub mod error;
pub mod idempotency;
pub mod keys;
pub mod models;
pub mod orders;
mod placer;
pub mod placing;
pub mod pool;
pub mod product_cache;
pub mod products;
pub mod schema;
pub mod secrets;
pub mod seed;
pub mod setup;
mod statement;
mod store;
#[cfg(feature = "test-support")]
pub mod testing;
pub mod tls;
pub mod users;
mod versions;
pub mod warm;
pub mod webhooks;

pub use address::{AddressError, DatabaseAddress};
pub use diesel_async::AsyncPgConnection;
pub use error::{Entity, Shortage, StoreError};
pub use idempotency::{IdempotentRequest, Keyed, Replayable, StoredResponse};
pub use keys::{ApiKey, NewApiKey};
pub use models::{ItemDetails, OrderDetails, OrderPage, Page, Product, User};
pub use orders::OrderEvent;
pub use pool::{ConnectOptions, Pool, PoolOptions};
pub use product_cache::ProductCache;
pub use store::{PoolStatus, Store};
pub use tls::{SslMode, TlsError, TlsOptions};
