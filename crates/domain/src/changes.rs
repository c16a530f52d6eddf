//! What a client asks to create or change, once validated.

use crate::{Cents, Email, FullName, InputError, ProductName, Stock};

/// A user to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    /// The address, unique without regard to case.
    pub email: Email,
    /// The user's name.
    pub full_name: FullName,
}

/// A product to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProduct {
    /// The product's name.
    pub name: ProductName,
    /// The current price of one unit, ≥ 0.
    pub price: Cents,
    /// The units there are to sell; `None` when stock is not tracked.
    pub stock: Option<Stock>,
}

/// The fields of a user to change; at least one is set.
///
/// ```
/// use oms_domain::{FullName, UserChanges};
///
/// let name = FullName::parse("Ada").unwrap();
/// assert!(UserChanges::new(None, Some(name)).is_ok());
/// assert!(UserChanges::new(None, None).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserChanges {
    email: Option<Email>,
    full_name: Option<FullName>,
}

impl UserChanges {
    /// Refuses an update that changes nothing.
    pub fn new(email: Option<Email>, full_name: Option<FullName>) -> Result<Self, InputError> {
        if email.is_none() && full_name.is_none() {
            return Err(InputError::empty_update("email, full_name"));
        }
        Ok(Self { email, full_name })
    }

    /// The new address, if it changes.
    pub fn email(&self) -> Option<&Email> {
        self.email.as_ref()
    }

    /// The new name, if it changes.
    pub fn full_name(&self) -> Option<&FullName> {
        self.full_name.as_ref()
    }
}

/// The fields of a product to change; at least one is set.
///
/// ```
/// use oms_domain::{Cents, ProductChanges};
///
/// assert!(ProductChanges::new(None, Some(Cents::new(0)), None).is_ok());
/// assert!(ProductChanges::new(None, None, None).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductChanges {
    name: Option<ProductName>,
    price: Option<Cents>,
    stock: Option<Option<Stock>>,
}

impl ProductChanges {
    /// Refuses an update that changes nothing. `stock` is `Some(None)` to stop
    /// tracking the product's stock.
    pub fn new(
        name: Option<ProductName>,
        price: Option<Cents>,
        stock: Option<Option<Stock>>,
    ) -> Result<Self, InputError> {
        if name.is_none() && price.is_none() && stock.is_none() {
            return Err(InputError::empty_update("name, price_cents, stock"));
        }
        Ok(Self { name, price, stock })
    }

    /// The new name, if it changes.
    pub fn name(&self) -> Option<&ProductName> {
        self.name.as_ref()
    }

    /// The new price, if it changes.
    pub fn price(&self) -> Option<Cents> {
        self.price
    }

    /// The new stock, if it changes: `Some(None)` stops tracking it.
    pub fn stock(&self) -> Option<Option<Stock>> {
        self.stock
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::InputErrorKind;

    #[test]
    fn empty_updates_are_refused_with_their_own_kind() {
        let err = UserChanges::new(None, None).unwrap_err();
        assert_eq!(err.kind, InputErrorKind::EmptyUpdate);
        assert_eq!(err.field, None);
        let err = ProductChanges::new(None, None, None).unwrap_err();
        assert_eq!(err.kind, InputErrorKind::EmptyUpdate);
    }

    #[test]
    fn one_field_is_enough() {
        let email = Email::parse("a@b.co").unwrap();
        let changes = UserChanges::new(Some(email.clone()), None).unwrap();
        assert_eq!(changes.email(), Some(&email));
        assert_eq!(changes.full_name(), None);
        let changes = ProductChanges::new(None, Some(Cents::new(5)), None).unwrap();
        assert_eq!(changes.price(), Some(Cents::new(5)));
        assert_eq!(changes.name(), None);
        let untracked = ProductChanges::new(None, None, Some(None)).unwrap();
        assert_eq!(untracked.stock(), Some(None));
    }
}
