//! Money as an integer number of cents, with arithmetic that refuses to overflow.

use std::fmt;

use crate::quantity::Quantity;
use crate::InputError;

/// An amount of money in cents. Never a float.
///
/// ```
/// use oms_domain::{Cents, Quantity};
///
/// let price = Cents::new(1_999);
/// assert_eq!(price.times(Quantity::new(3).unwrap()), Ok(Cents::new(5_997)));
/// assert!(Cents::new(i64::MAX).checked_add(Cents::new(1)).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Cents(i64);

/// An amount would not fit in 64 bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the amount does not fit in a 64-bit integer number of cents")]
pub struct Overflow;

impl Cents {
    /// Zero cents.
    pub const ZERO: Self = Self(0);

    /// Wraps an amount of cents.
    pub const fn new(cents: i64) -> Self {
        Self(cents)
    }

    /// Checks a price given as input: an integer number of cents, zero or more.
    ///
    /// ```
    /// use oms_domain::Cents;
    ///
    /// assert_eq!(Cents::price(0), Ok(Cents::ZERO));
    /// assert!(Cents::price(-1).is_err());
    /// ```
    pub fn price(cents: i64) -> Result<Self, InputError> {
        if cents >= 0 {
            Ok(Self(cents))
        } else {
            Err(InputError::rule(format!(
                "must be an integer number of cents, 0 or more (got {cents})"
            )))
        }
    }

    /// The raw number of cents.
    pub const fn get(self) -> i64 {
        self.0
    }

    /// `self + other`, or [`Overflow`].
    pub fn checked_add(self, other: Self) -> Result<Self, Overflow> {
        self.0.checked_add(other.0).map(Self).ok_or(Overflow)
    }

    /// The price of `quantity` units at `self` each, or [`Overflow`].
    pub fn times(self, quantity: Quantity) -> Result<Self, Overflow> {
        self.0
            .checked_mul(i64::from(quantity.get()))
            .map(Self)
            .ok_or(Overflow)
    }
}

impl fmt::Display for Cents {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} cents", self.0)
    }
}

impl serde::Serialize for Cents {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_i64(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multiplies_and_adds_exactly() {
        let q = Quantity::new(1_000_000).unwrap();
        assert_eq!(
            Cents::new(249_999).times(q),
            Ok(Cents::new(249_999_000_000))
        );
        assert_eq!(Cents::new(1).checked_add(Cents::new(2)), Ok(Cents::new(3)));
    }

    #[test]
    fn reports_overflow_instead_of_wrapping() {
        let q = Quantity::new(2).unwrap();
        assert_eq!(Cents::new(i64::MAX / 2 + 1).times(q), Err(Overflow));
        assert_eq!(
            Cents::new(i64::MAX).checked_add(Cents::new(1)),
            Err(Overflow)
        );
    }
}
