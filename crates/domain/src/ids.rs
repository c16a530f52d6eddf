//! Typed identifiers: a user id can never be passed where a product id is expected.

use std::fmt;
use std::marker::PhantomData;

use crate::InputError;

/// A positive database identifier of the entity `T`.
///
/// ```
/// use oms_domain::UserId;
///
/// let id: UserId = "42".parse().unwrap();
/// assert_eq!(id.get(), 42);
/// assert!("0".parse::<UserId>().is_err());
/// assert!("abc".parse::<UserId>().is_err());
/// assert_eq!(UserId::positive(7).unwrap(), UserId::new(7));
/// ```
pub struct Id<T> {
    value: i64,
    entity: PhantomData<fn() -> T>,
}

/// Marker for [`UserId`].
#[derive(Debug)]
pub enum User {}
/// Marker for [`ProductId`].
#[derive(Debug)]
pub enum Product {}
/// Marker for [`OrderId`].
#[derive(Debug)]
pub enum Order {}
/// Marker for [`OrderItemId`].
#[derive(Debug)]
pub enum OrderItem {}
/// Marker for [`ApiKeyId`].
#[derive(Debug)]
pub enum ApiKey {}
/// Marker for [`WebhookId`].
#[derive(Debug)]
pub enum Webhook {}
/// Marker for [`DeliveryId`].
#[derive(Debug)]
pub enum Delivery {}

/// Identifies a user.
pub type UserId = Id<User>;
/// Identifies a product.
pub type ProductId = Id<Product>;
/// Identifies an order.
pub type OrderId = Id<Order>;
/// Identifies one line of an order.
pub type OrderItemId = Id<OrderItem>;
/// Identifies an API key (never the key itself).
pub type ApiKeyId = Id<ApiKey>;
/// Identifies a webhook endpoint.
pub type WebhookId = Id<Webhook>;
/// Identifies one attempt to deliver an event to a webhook endpoint.
pub type DeliveryId = Id<Delivery>;

impl<T> Id<T> {
    /// Wraps a value already known to be a valid id (read back from the database).
    pub const fn new(value: i64) -> Self {
        Self {
            value,
            entity: PhantomData,
        }
    }

    /// Checks that `value` is a positive integer.
    pub fn positive(value: i64) -> Result<Self, InputError> {
        if value > 0 {
            Ok(Self::new(value))
        } else {
            Err(InputError::rule("must be a positive integer"))
        }
    }

    /// The raw value.
    pub const fn get(self) -> i64 {
        self.value
    }
}

impl<T> Clone for Id<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Id<T> {}
impl<T> PartialEq for Id<T> {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}
impl<T> Eq for Id<T> {}
impl<T> PartialOrd for Id<T> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl<T> Ord for Id<T> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.value.cmp(&other.value)
    }
}
impl<T> std::hash::Hash for Id<T> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.value.hash(state);
    }
}
impl<T> fmt::Debug for Id<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Id({})", self.value)
    }
}
/// Decimal text (surrounding whitespace allowed) of a positive integer that fits
/// in 64 bits.
impl<T> std::str::FromStr for Id<T> {
    type Err = InputError;

    fn from_str(text: &str) -> Result<Self, InputError> {
        let value = text
            .trim()
            .parse::<i64>()
            .map_err(|_| InputError::rule("must be a positive integer that fits in 64 bits"))?;
        Self::positive(value)
    }
}

impl<T> fmt::Display for Id<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.value)
    }
}
impl<T> serde::Serialize for Id<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_i64(self.value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_positive_values_up_to_i64_max() {
        assert_eq!(ProductId::positive(1).unwrap().get(), 1);
        assert_eq!(ProductId::positive(i64::MAX).unwrap().get(), i64::MAX);
        let max: ProductId = "9223372036854775807".parse().unwrap();
        assert_eq!(max.get(), i64::MAX);
    }

    #[test]
    fn rejects_zero_negative_oversized_and_non_numeric() {
        for text in ["0", "-1", "9223372036854775808", "1.5", "", "1e3", "x"] {
            let err = text.parse::<OrderId>().unwrap_err();
            assert!(
                err.message.starts_with("must be a positive integer"),
                "{text}"
            );
            assert_eq!(err.field, None);
        }
    }
}
