//! The scopes a key carries and what each grants.

use std::fmt;
use std::str::FromStr;

use crate::InputError;

/// What a key may do. A `:write` scope includes its `:read`; `admin` includes
/// every scope and manages keys.
///
/// ```
/// use oms_domain::Scope;
///
/// let write: Scope = "orders:write".parse().unwrap();
/// assert!(write.grants(Scope::OrdersRead));
/// assert!(!write.grants(Scope::UsersRead));
/// assert!(Scope::Admin.grants(Scope::WebhooksManage));
/// assert_eq!(Scope::ProductsRead.to_string(), "products:read");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    /// Read users.
    UsersRead,
    /// Create and change users (and read them).
    UsersWrite,
    /// Read products.
    ProductsRead,
    /// Create and change products (and read them).
    ProductsWrite,
    /// Read orders.
    OrdersRead,
    /// Place and change orders (and read them).
    OrdersWrite,
    /// Manage webhook endpoints.
    WebhooksManage,
    /// Everything, including managing API keys.
    Admin,
}

/// A scope name that is not one of [`Scope::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a scope; scopes are {names}", names = Scope::names())]
pub struct UnknownScope(pub String);

impl From<UnknownScope> for InputError {
    fn from(error: UnknownScope) -> Self {
        InputError::rule(format!("has an unknown scope: {error}"))
    }
}

impl Scope {
    /// Every scope, in the order they are listed.
    pub const ALL: [Self; 8] = [
        Self::UsersRead,
        Self::UsersWrite,
        Self::ProductsRead,
        Self::ProductsWrite,
        Self::OrdersRead,
        Self::OrdersWrite,
        Self::WebhooksManage,
        Self::Admin,
    ];

    /// The scope's name, as in requests, answers and the database.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::UsersRead => "users:read",
            Self::UsersWrite => "users:write",
            Self::ProductsRead => "products:read",
            Self::ProductsWrite => "products:write",
            Self::OrdersRead => "orders:read",
            Self::OrdersWrite => "orders:write",
            Self::WebhooksManage => "webhooks:manage",
            Self::Admin => "admin",
        }
    }

    /// Whether a key holding this scope may do what `needed` allows.
    pub fn grants(self, needed: Scope) -> bool {
        self == needed
            || self == Self::Admin
            || matches!(
                (self, needed),
                (Self::UsersWrite, Self::UsersRead)
                    | (Self::ProductsWrite, Self::ProductsRead)
                    | (Self::OrdersWrite, Self::OrdersRead)
            )
    }

    fn names() -> String {
        Self::ALL.map(Self::as_str).join(", ")
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Scope {
    type Err = UnknownScope;

    fn from_str(text: &str) -> Result<Self, UnknownScope> {
        Self::ALL
            .into_iter()
            .find(|scope| scope.as_str() == text)
            .ok_or_else(|| UnknownScope(text.to_owned()))
    }
}

/// The scopes of one key: at least one, each once, in [`Scope::ALL`] order.
///
/// ```
/// use oms_domain::{Scope, Scopes};
///
/// let scopes = Scopes::parse(["orders:write", " users:read", "orders:write"]).unwrap();
/// assert_eq!(scopes.as_slice(), [Scope::UsersRead, Scope::OrdersWrite]);
/// assert!(scopes.allow(Scope::OrdersRead));
/// assert!(!scopes.allow(Scope::ProductsRead));
/// assert!(Scopes::parse(Vec::<String>::new()).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scopes(Vec<Scope>);

impl Scopes {
    /// Checks a list of scope names (each trimmed); duplicates count once.
    pub fn parse<S: AsRef<str>>(names: impl IntoIterator<Item = S>) -> Result<Self, InputError> {
        let mut scopes = names
            .into_iter()
            .map(|name| name.as_ref().trim().parse::<Scope>())
            .collect::<Result<Vec<_>, _>>()?;
        if scopes.is_empty() {
            return Err(InputError::rule("must name at least one scope"));
        }
        scopes.sort_unstable();
        scopes.dedup();
        Ok(Self(scopes))
    }

    /// Whether one of the scopes grants `needed`.
    pub fn allow(&self, needed: Scope) -> bool {
        self.0.iter().any(|scope| scope.grants(needed))
    }

    /// The scopes, in [`Scope::ALL`] order.
    pub fn as_slice(&self) -> &[Scope] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_scopes_include_their_read_and_admin_includes_all() {
        for scope in Scope::ALL {
            assert!(Scope::Admin.grants(scope));
            assert!(scope.grants(scope));
        }
        let granted_by = |scope: Scope| -> Vec<Scope> {
            Scope::ALL
                .into_iter()
                .filter(|&needed| scope.grants(needed))
                .collect()
        };
        assert_eq!(granted_by(Scope::UsersRead), [Scope::UsersRead]);
        assert_eq!(
            granted_by(Scope::UsersWrite),
            [Scope::UsersRead, Scope::UsersWrite]
        );
        assert_eq!(
            granted_by(Scope::ProductsWrite),
            [Scope::ProductsRead, Scope::ProductsWrite]
        );
        assert_eq!(
            granted_by(Scope::OrdersWrite),
            [Scope::OrdersRead, Scope::OrdersWrite]
        );
        assert_eq!(granted_by(Scope::WebhooksManage), [Scope::WebhooksManage]);
        assert!(!Scope::OrdersWrite.grants(Scope::Admin));
    }

    #[test]
    fn scope_names_round_trip_and_unknown_names_are_listed() {
        for scope in Scope::ALL {
            assert_eq!(scope.as_str().parse::<Scope>().unwrap(), scope);
        }
        let err = Scopes::parse(["orders:read", "orders:delete"]).unwrap_err();
        assert!(err.message.contains("'orders:delete'"), "{}", err.message);
        assert!(err.message.contains("webhooks:manage"), "{}", err.message);
        assert!("Admin".parse::<Scope>().is_err());
    }
}
