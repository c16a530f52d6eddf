//! The error every validation in this crate returns.

use std::fmt;

/// What kind of rule an input broke; the HTTP layer maps each kind to its code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum InputErrorKind {
    /// A value is missing, malformed or out of range.
    Invalid,
    /// A status string is not one of the four order states.
    InvalidStatus,
    /// An update named no field to change.
    EmptyUpdate,
}

/// A rejected input: which rule, which field (when exactly one is at fault)
/// and a message a client can show.
///
/// ```
/// use oms_domain::{InputError, InputErrorKind};
///
/// let err = InputError::rule("must be between 1 and 100").named("limit");
/// assert_eq!(err.kind, InputErrorKind::Invalid);
/// assert_eq!(err.field.as_deref(), Some("limit"));
/// assert_eq!(err.message, "limit must be between 1 and 100");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct InputError {
    /// Which rule was broken.
    pub kind: InputErrorKind,
    /// The path of the one input at fault (`email`, `items[1].quantity`), if one is.
    pub field: Option<String>,
    /// A human-readable explanation.
    pub message: String,
}

impl InputError {
    /// A broken value rule, said of the value (`must be between 1 and 100`); the
    /// caller names the input with [`InputError::named`].
    pub fn rule(predicate: impl Into<String>) -> Self {
        Self {
            kind: InputErrorKind::Invalid,
            field: None,
            message: predicate.into(),
        }
    }

    /// Names the input a [`InputError::rule`] was broken by: the field becomes
    /// `field` and the message `field must …`.
    #[must_use]
    pub fn named(mut self, field: &str) -> Self {
        self.message = format!("{field} {}", self.message);
        self.field = Some(field.to_owned());
        self
    }

    /// A broken value rule on one field.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            kind: InputErrorKind::Invalid,
            field: Some(field.into()),
            message: message.into(),
        }
    }

    /// An update that would change nothing because it names no field.
    pub(crate) fn empty_update(fields: &str) -> Self {
        Self {
            kind: InputErrorKind::EmptyUpdate,
            field: None,
            message: format!("the update names no field to change; give at least one of {fields}"),
        }
    }

    /// Re-roots the field path under `prefix`: `quantity` becomes `items[1].quantity`.
    #[must_use]
    pub fn within(mut self, prefix: &str) -> Self {
        self.field = Some(match self.field {
            Some(field) => format!("{prefix}.{field}"),
            None => prefix.to_owned(),
        });
        self
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}
