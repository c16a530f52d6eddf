//! How many units of a product an order line holds.

use crate::InputError;

/// How many units of a product one line holds: 1–1,000,000.
///
/// ```
/// use oms_domain::Quantity;
///
/// assert_eq!(Quantity::new(3).unwrap().get(), 3);
/// assert!(Quantity::new(0).is_err());
/// assert!(Quantity::new(1_000_001).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quantity(i32);

impl Quantity {
    /// The largest quantity one line may hold.
    pub const MAX: i64 = 1_000_000;

    /// Checks that `quantity` is within 1..=[`Quantity::MAX`].
    pub fn new(quantity: i64) -> Result<Self, InputError> {
        match i32::try_from(quantity) {
            Ok(q) if (1..=Self::MAX).contains(&quantity) => Ok(Self(q)),
            _ => Err(InputError::rule(format!(
                "must be between 1 and {} (got {quantity})",
                Self::MAX
            ))),
        }
    }

    /// Wraps a quantity read back from storage, where the database guarantees it is positive.
    pub const fn from_stored(quantity: i32) -> Self {
        Self(quantity)
    }

    /// The number of units.
    pub const fn get(self) -> i32 {
        self.0
    }
}
