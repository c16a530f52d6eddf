//! Naming the input a domain rule was broken by: the domain says what is wrong
//! with a value, the HTTP layer says which field of the request held it.

use oms_domain::{Id, InputError, OrderStatus};

/// Names the field of a failed validation.
pub trait Named<T> {
    /// The error, if any, as [`InputError::named`] `field`.
    fn named(self, field: &str) -> Result<T, InputError>;
}

impl<T> Named<T> for Result<T, InputError> {
    fn named(self, field: &str) -> Result<T, InputError> {
        self.map_err(|error| error.named(field))
    }
}

/// An id given as text (a path segment or a query value) in `field`.
pub fn id<T>(field: &str, text: &str) -> Result<Id<T>, InputError> {
    text.parse().named(field)
}

/// A status given as text in `field`; `INVALID_STATUS` when it is not one of
/// the four.
pub fn status(field: &str, text: &str) -> Result<OrderStatus, InputError> {
    text.trim()
        .parse::<OrderStatus>()
        .map_err(InputError::from)
        .named(field)
}
