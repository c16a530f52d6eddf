//! The order-management domain: the types and rules of oms, free of I/O.
//!
//! Everything here is pure: identifiers ([`ids`]), money in integer cents
//! ([`money`]), the order life cycle ([`status`]), validated inputs
//! ([`input`], [`quantity`], [`paging`], [`filter`]), order pricing ([`order`]),
//! an order's history ([`history`]), versions ([`version`]), idempotency keys
//! ([`idempotency`]), who may call the API ([`access`], [`usage`]), and
//! webhooks ([`webhooks`]). The persistence and HTTP crates build on these
//! types; other Rust programs can reuse them without pulling in a database
//! driver or a web framework.
//!
//! ```
//! use oms_domain::{Cents, OrderStatus, Quantity};
//!
//! let line = Cents::new(249_999).times(Quantity::new(2).unwrap()).unwrap();
//! assert_eq!(line, Cents::new(499_998));
//! assert!(OrderStatus::Pending.can_become(OrderStatus::Paid));
//! ```

/// The crate README's example, compiled and run as a test.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeExample;

pub mod access;
pub mod changes;
pub mod cursor;
pub mod error;
pub mod filter;
pub mod history;
pub mod idempotency;
pub mod ids;
pub mod input;
pub mod money;
pub mod order;
pub mod paging;
pub mod quantity;
pub mod status;
pub mod usage;
pub mod version;
pub mod webhooks;

pub use access::{KeyDigest, KeyName, KeyToken, RateLimit, Scope, Scopes, UnknownScope};
pub use changes::{NewProduct, NewUser, ProductChanges, UserChanges};
pub use cursor::{After, CursorKey};
pub use error::{InputError, InputErrorKind};
pub use filter::{DateBound, DateRangeError, OrderFilter, RangeEnd};
pub use history::{Actor, OrderEventType, UnknownEventType};
pub use idempotency::{Fingerprint, IdempotencyKey};
pub use ids::{ApiKeyId, DeliveryId, Id, OrderId, OrderItemId, ProductId, UserId, WebhookId};
pub use input::{Email, FullName, ProductName};
pub use money::{Cents, Overflow};
pub use order::{LineRequest, NewOrder, OrderTotals, PricedLine, PricedOrder, PricingError};
pub use paging::Paging;
pub use quantity::{Quantity, Stock};
pub use status::{OrderStatus, StatusChange, TransitionError};
pub use usage::{Grant, UsageWindow};
pub use version::IfMatch;
pub use webhooks::{
    is_internal, EventType, RetrySchedule, Subscription, WebhookSecret, WebhookUrl,
};
