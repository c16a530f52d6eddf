//! What happened, as a webhook event type, and which types an endpoint wants.

use std::fmt;
use std::str::FromStr;

use crate::InputError;

/// A kind of event a webhook endpoint may receive.
///
/// ```
/// use oms_domain::EventType;
///
/// let created: EventType = "order.created".parse().unwrap();
/// assert_eq!(created, EventType::OrderCreated);
/// assert_eq!(created.to_string(), "order.created");
/// assert!("order.deleted".parse::<EventType>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventType {
    /// An order was placed.
    OrderCreated,
    /// An order moved to another status.
    OrderStatusChanged,
    /// A product was created.
    ProductCreated,
    /// A product changed: name, price or stock (taken by orders included).
    ProductUpdated,
    /// A user was created.
    UserCreated,
    /// A user's e-mail address or name changed.
    UserUpdated,
}

impl EventType {
    /// Every event type, in the order they are listed.
    pub const ALL: [Self; 6] = [
        Self::OrderCreated,
        Self::OrderStatusChanged,
        Self::ProductCreated,
        Self::ProductUpdated,
        Self::UserCreated,
        Self::UserUpdated,
    ];

    /// Its name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OrderCreated => "order.created",
            Self::OrderStatusChanged => "order.status_changed",
            Self::ProductCreated => "product.created",
            Self::ProductUpdated => "product.updated",
            Self::UserCreated => "user.created",
            Self::UserUpdated => "user.updated",
        }
    }

    fn names() -> String {
        Self::ALL.map(Self::as_str).join(", ")
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for EventType {
    type Err = InputError;

    fn from_str(text: &str) -> Result<Self, InputError> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.as_str() == text)
            .ok_or_else(|| {
                InputError::rule(format!(
                    "has an unknown event type '{text}'; event types are {} (or \"*\" for all)",
                    Self::names()
                ))
            })
    }
}

/// The events an endpoint wants: some types, or all of them (`["*"]`).
///
/// ```
/// use oms_domain::{EventType, Subscription};
///
/// let some = Subscription::parse(["order.created", "order.status_changed"]).unwrap();
/// assert!(some.wants(EventType::OrderCreated));
/// assert!(!some.wants(EventType::UserCreated));
/// assert!(Subscription::parse(["*"]).unwrap().wants(EventType::UserUpdated));
/// assert!(Subscription::parse(Vec::<&str>::new()).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subscription {
    /// Every event type, including those added later.
    All,
    /// These types, without repeats, in [`EventType::ALL`] order.
    Only(Vec<EventType>),
}

impl Subscription {
    /// Reads a list of type names; `*` stands for all of them. The list may
    /// not be empty; an unknown name is refused.
    pub fn parse<S: AsRef<str>>(names: impl IntoIterator<Item = S>) -> Result<Self, InputError> {
        let mut all = false;
        let mut kinds = Vec::new();
        for name in names {
            match name.as_ref() {
                "*" => all = true,
                other => kinds.push(other.parse::<EventType>()?),
            }
        }
        if all {
            return Ok(Self::All);
        }
        if kinds.is_empty() {
            return Err(InputError::rule(
                "must name at least one event type (or \"*\" for all)",
            ));
        }
        kinds.sort();
        kinds.dedup();
        Ok(Self::Only(kinds))
    }

    /// Whether events of `kind` are wanted.
    pub fn wants(&self, kind: EventType) -> bool {
        match self {
            Self::All => true,
            Self::Only(kinds) => kinds.contains(&kind),
        }
    }

    /// The names, as stored and shown: `["*"]` for all.
    pub fn names(&self) -> Vec<&'static str> {
        match self {
            Self::All => vec!["*"],
            Self::Only(kinds) => kinds.iter().map(|kind| kind.as_str()).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_reads_back_from_its_name() {
        for kind in EventType::ALL {
            assert_eq!(kind.as_str().parse::<EventType>(), Ok(kind));
        }
    }

    #[test]
    fn subscriptions_are_sorted_without_repeats_and_star_wins() {
        let parsed =
            Subscription::parse(["user.created", "order.created", "user.created"]).unwrap();
        assert_eq!(parsed.names(), ["order.created", "user.created"]);
        assert_eq!(
            Subscription::parse(["order.created", "*"]).unwrap(),
            Subscription::All
        );
        let error = Subscription::parse(["order.deleted"]).unwrap_err();
        assert!(
            error.message.contains("'order.deleted'"),
            "{}",
            error.message
        );
    }
}
