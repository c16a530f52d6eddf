//! An order's history: what changed, when, and who changed it.

use std::fmt;
use std::str::FromStr;

use crate::ApiKeyId;

/// Who made a change: the API key it was made with (none when the server asks
/// for no key) and the id of the request that made it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Actor {
    /// The key's id, never the key.
    pub api_key_id: Option<ApiKeyId>,
    /// The request's id, as echoed in `X-Request-Id`.
    pub request_id: Option<String>,
}

/// What happened to an order.
///
/// ```
/// use oms_domain::OrderEventType;
///
/// let created: OrderEventType = "order.created".parse().unwrap();
/// assert_eq!(created, OrderEventType::Created);
/// assert_eq!(OrderEventType::StatusChanged.as_str(), "order.status_changed");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OrderEventType {
    /// The order was placed.
    Created,
    /// The order moved from one status to another.
    StatusChanged,
}

/// A name that is not one of the event types.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not an order event type")]
pub struct UnknownEventType(pub String);

impl OrderEventType {
    /// The name used in answers and in the database.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Created => "order.created",
            Self::StatusChanged => "order.status_changed",
        }
    }
}

impl fmt::Display for OrderEventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for OrderEventType {
    type Err = UnknownEventType;

    fn from_str(text: &str) -> Result<Self, UnknownEventType> {
        [Self::Created, Self::StatusChanged]
            .into_iter()
            .find(|kind| kind.as_str() == text)
            .ok_or_else(|| UnknownEventType(text.to_owned()))
    }
}
