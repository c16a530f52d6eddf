//! Counts of units: what an order line holds, and a product's stock.

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

/// How many units of a product are left to sell: 0 or more, up to what
/// PostgreSQL's `integer` holds. A product without one does not track stock.
///
/// ```
/// use oms_domain::Stock;
///
/// assert_eq!(Stock::new(0).unwrap().get(), 0);
/// assert!(Stock::new(-1).is_err());
/// assert!(Stock::new(i64::from(i32::MAX) + 1).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Stock(i32);

impl Stock {
    /// Checks that `stock` is within 0..=2,147,483,647.
    pub fn new(stock: i64) -> Result<Self, InputError> {
        match i32::try_from(stock) {
            Ok(units) if units >= 0 => Ok(Self(units)),
            _ => Err(InputError::rule(format!(
                "must be between 0 and {} (got {stock})",
                i32::MAX
            ))),
        }
    }

    /// The number of units.
    pub const fn get(self) -> i32 {
        self.0
    }
}
