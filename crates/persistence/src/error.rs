//! Failures of the storage layer, classified once, by kind.

use diesel::result::{DatabaseErrorKind, Error as DieselError};
use oms_domain::{OrderStatus, ProductId, TransitionError};

/// The kind of row a lookup did not find.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entity {
    /// A row of `users`.
    User,
    /// A row of `products`.
    Product,
    /// A row of `orders`.
    Order,
    /// A row of `api_keys`.
    ApiKey,
    /// A row of `webhook_endpoints`.
    Webhook,
    /// A row of `webhook_deliveries`.
    Delivery,
}

/// Why a storage operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The named rows do not exist.
    #[error("{}", describe_missing(*.entity, .ids))]
    NotFound {
        /// What kind of row is missing.
        entity: Entity,
        /// The missing ids, when known.
        ids: Vec<i64>,
    },
    /// A change's `If-Match` names none of the resource's versions (or the
    /// resource does not exist).
    #[error("{}", describe_stale(*.entity, *.id, *.version))]
    PreconditionFailed {
        /// What kind of row.
        entity: Entity,
        /// Its id.
        id: i64,
        /// Its current version; `None` when it does not exist.
        version: Option<i32>,
    },
    /// Another user already has this e-mail address (compared without case).
    #[error("another user already has this e-mail address")]
    EmailTaken,
    /// The order's life cycle forbids the change.
    #[error(transparent)]
    Transition(#[from] TransitionError),
    /// An order to place names a user, or products, that do not exist.
    #[error("{}", describe_missing(*.entity, .ids))]
    OrderRefersToMissing {
        /// [`Entity::User`] or [`Entity::Product`].
        entity: Entity,
        /// The missing ids, in ascending order.
        ids: Vec<i64>,
        /// The places (from 0) of the order's lines that name a missing
        /// product; empty for a missing user.
        lines: Vec<usize>,
    },
    /// Some tracked products of an order have less stock left than it asks.
    #[error("{}", describe_shortages(.0))]
    OutOfStock(Vec<Shortage>),
    /// Another request with the idempotency key is still running.
    #[error("a request with this Idempotency-Key is still being processed; retry in a second")]
    IdempotencyKeyInUse,
    /// The idempotency key was used for another request (method, path or body).
    #[error("this Idempotency-Key was used for a different request (method, path or body); use a new key for a new request")]
    IdempotencyKeyReused,
    /// An order's total would not fit in 64 bits.
    #[error("the order total does not fit in a 64-bit integer number of cents")]
    OrderTooLarge,
    /// The totals of a list would not fit in 64 bits.
    #[error("the totals of the matching orders do not fit in 64 bits; narrow the filters")]
    TotalsTooLarge,
    /// The database cannot be reached, or no connection was free in time.
    #[error("the database is unavailable")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// PostgreSQL cancelled a statement that ran past the statement timeout.
    #[error("a statement ran past the statement timeout")]
    TimedOut(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// A stored value breaks a rule the database should have enforced.
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
    /// The operating system's random source failed (keys cannot be made).
    #[error("the system's random source failed")]
    NoRandomness(#[source] getrandom::Error),
    /// Any other database failure.
    #[error("database error")]
    Database(#[source] DieselError),
}

/// A product an order asks more of than is left.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shortage {
    /// The product.
    pub product_id: ProductId,
    /// How many units the order asks for, all its lines of the product together.
    pub wanted: i64,
    /// How many units were left.
    pub left: i32,
    /// The place (from 0) of the order's first line of the product.
    pub line: usize,
}

fn describe_shortages(shortages: &[Shortage]) -> String {
    let each: Vec<String> = shortages
        .iter()
        .map(|short| {
            format!(
                "product {} ({} ordered, {} left)",
                short.product_id, short.wanted, short.left
            )
        })
        .collect();
    format!("not enough stock: {}; nothing was ordered", each.join(", "))
}

pub(crate) fn entity_name(entity: Entity) -> &'static str {
    match entity {
        Entity::User => "user",
        Entity::Product => "product",
        Entity::Order => "order",
        Entity::ApiKey => "API key",
        Entity::Webhook => "webhook",
        Entity::Delivery => "delivery",
    }
}

fn describe_stale(entity: Entity, id: i64, version: Option<i32>) -> String {
    let name = entity_name(entity);
    match version {
        Some(version) => {
            format!("{name} {id} is at version {version}, which If-Match does not name; nothing was changed")
        }
        None => format!("{name} {id} does not exist, so If-Match cannot hold; nothing was changed"),
    }
}

fn describe_missing(entity: Entity, ids: &[i64]) -> String {
    let name = entity_name(entity);
    match ids {
        [] => format!("the {name} does not exist"),
        [id] => format!("{name} {id} does not exist"),
        _ => {
            let list: Vec<String> = ids.iter().map(ToString::to_string).collect();
            format!("{name}s {} do not exist", list.join(", "))
        }
    }
}

impl StoreError {
    pub(crate) fn not_found(entity: Entity, id: i64) -> Self {
        Self::NotFound {
            entity,
            ids: vec![id],
        }
    }

    pub(crate) fn bad_status(text: &str) -> Self {
        Self::Corrupt(format!("unknown order status '{text}'"))
    }
}

pub(crate) fn parse_status(text: &str) -> Result<OrderStatus, StoreError> {
    text.parse().map_err(|_| StoreError::bad_status(text))
}

impl From<DieselError> for StoreError {
    fn from(error: DieselError) -> Self {
        match &error {
            DieselError::DatabaseError(kind, info) => match kind {
                // A closed connection, or one to a server that has become a
                // standby (its primary was failed over): either way, not this
                // request's fault, and worth a retry.
                DatabaseErrorKind::ClosedConnection
                | DatabaseErrorKind::UnableToSendCommand
                | DatabaseErrorKind::ReadOnlyTransaction => Self::Unavailable(Box::new(error)),
                DatabaseErrorKind::UniqueViolation if info.table_name() == Some("users") => {
                    Self::EmailTaken
                }
                DatabaseErrorKind::ForeignKeyViolation => {
                    let entity = match info.constraint_name() {
                        Some("orders_user_id_fkey") => Entity::User,
                        Some("order_items_product_id_fkey") => Entity::Product,
                        Some("order_items_order_id_fkey") => Entity::Order,
                        _ => return Self::Database(error),
                    };
                    Self::NotFound {
                        entity,
                        ids: Vec::new(),
                    }
                }
                _ => Self::Database(error),
            },
            _ => Self::Database(error),
        }
    }
}

/// A connection that cannot be opened (or set up) means the database is unavailable.
impl From<diesel::ConnectionError> for StoreError {
    fn from(error: diesel::ConnectionError) -> Self {
        Self::Unavailable(Box::new(error))
    }
}

impl From<diesel_async::pooled_connection::deadpool::PoolError> for StoreError {
    fn from(error: diesel_async::pooled_connection::deadpool::PoolError) -> Self {
        Self::Unavailable(Box::new(error))
    }
}

/// `error: cause: cause…`, for messages and logs (a TLS or connection failure's
/// reason is usually in a cause, not in the error itself).
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
