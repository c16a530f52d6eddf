//! The life cycle of an order.

use std::fmt;
use std::str::FromStr;

use crate::{InputError, InputErrorKind};

/// Where an order is in its life.
///
/// ```
/// use oms_domain::OrderStatus;
///
/// let status: OrderStatus = "paid".parse().unwrap();
/// assert_eq!(status, OrderStatus::Paid);
/// assert_eq!(status.as_str(), "paid");
/// assert!(status.can_become(OrderStatus::Shipped));
/// assert!(!OrderStatus::Shipped.can_become(OrderStatus::Paid));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OrderStatus {
    /// Placed, not paid yet.
    Pending,
    /// Paid, not shipped yet.
    Paid,
    /// Handed to the carrier; final.
    Shipped,
    /// Called off; final.
    Cancelled,
}

/// What applying a requested status to an order amounts to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusChange {
    /// The order already has the requested status: nothing to write.
    Unchanged,
    /// A legal move from one state to another.
    Moves {
        /// The state the order leaves.
        from: OrderStatus,
        /// The state the order enters.
        to: OrderStatus,
    },
}

/// A status change the life cycle forbids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("cannot change the status of an order from '{from}' to '{to}'")]
pub struct TransitionError {
    /// The order's current state.
    pub from: OrderStatus,
    /// The state that was asked for.
    pub to: OrderStatus,
}

impl OrderStatus {
    /// Every state, in life-cycle order.
    pub const ALL: [Self; 4] = [Self::Pending, Self::Paid, Self::Shipped, Self::Cancelled];

    /// The name used in JSON and in the database.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Paid => "paid",
            Self::Shipped => "shipped",
            Self::Cancelled => "cancelled",
        }
    }

    /// Whether no further change is possible.
    pub const fn is_final(self) -> bool {
        matches!(self, Self::Shipped | Self::Cancelled)
    }

    /// Whether the life cycle allows moving from `self` to `next` (a different state).
    pub const fn can_become(self, next: Self) -> bool {
        matches!(
            (self, next),
            (Self::Pending, Self::Paid)
                | (Self::Pending, Self::Cancelled)
                | (Self::Paid, Self::Shipped)
                | (Self::Paid, Self::Cancelled)
        )
    }

    /// Decides what asking for `next` means for an order in state `self`.
    ///
    /// ```
    /// use oms_domain::{OrderStatus, StatusChange};
    ///
    /// assert_eq!(OrderStatus::Paid.change_to(OrderStatus::Paid), Ok(StatusChange::Unchanged));
    /// assert!(OrderStatus::Cancelled.change_to(OrderStatus::Paid).is_err());
    /// ```
    pub fn change_to(self, next: Self) -> Result<StatusChange, TransitionError> {
        if self == next {
            Ok(StatusChange::Unchanged)
        } else if self.can_become(next) {
            Ok(StatusChange::Moves {
                from: self,
                to: next,
            })
        } else {
            Err(TransitionError {
                from: self,
                to: next,
            })
        }
    }
}

/// The text is not one of the four states (its first 40 characters).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown order status '{0}'")]
pub struct UnknownStatus(pub String);

impl FromStr for OrderStatus {
    type Err = UnknownStatus;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or_else(|| UnknownStatus(s.chars().take(40).collect()))
    }
}

/// An unknown status given as input: [`InputErrorKind::InvalidStatus`].
impl From<UnknownStatus> for InputError {
    fn from(UnknownStatus(text): UnknownStatus) -> Self {
        Self {
            kind: InputErrorKind::InvalidStatus,
            field: None,
            message: format!("must be one of pending, paid, shipped, cancelled (got '{text}')"),
        }
    }
}

impl fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::OrderStatus::{Cancelled, Paid, Pending, Shipped};
    use super::*;

    const ALLOWED: [(OrderStatus, OrderStatus); 4] = [
        (Pending, Paid),
        (Pending, Cancelled),
        (Paid, Shipped),
        (Paid, Cancelled),
    ];

    #[test]
    fn every_pair_of_states_is_allowed_exactly_when_the_life_cycle_says_so() {
        for from in OrderStatus::ALL {
            for to in OrderStatus::ALL {
                let result = from.change_to(to);
                if from == to {
                    assert_eq!(result, Ok(StatusChange::Unchanged), "{from}->{to}");
                } else if ALLOWED.contains(&(from, to)) {
                    assert_eq!(result, Ok(StatusChange::Moves { from, to }), "{from}->{to}");
                } else {
                    assert_eq!(result, Err(TransitionError { from, to }), "{from}->{to}");
                }
            }
        }
    }

    #[test]
    fn final_states_allow_no_move() {
        for from in [Shipped, Cancelled] {
            assert!(from.is_final());
            assert!(OrderStatus::ALL.iter().all(|&to| !from.can_become(to)));
        }
        assert!(!Pending.is_final() && !Paid.is_final());
    }

    #[test]
    fn transition_error_names_both_states() {
        let message = Shipped.change_to(Pending).unwrap_err().to_string();
        assert!(
            message.contains("'shipped'") && message.contains("'pending'"),
            "{message}"
        );
    }

    #[test]
    fn parses_exact_lowercase_names_only() {
        for status in OrderStatus::ALL {
            assert_eq!(status.as_str().parse(), Ok(status));
        }
        for bad in ["PAID", "Paid", "done", "", "paid "] {
            assert!(bad.parse::<OrderStatus>().is_err(), "{bad:?}");
        }
        let err = InputError::from("done".parse::<OrderStatus>().unwrap_err()).named("status");
        assert_eq!(err.kind, InputErrorKind::InvalidStatus);
        assert_eq!(err.field.as_deref(), Some("status"));
        assert_eq!(
            err.message,
            "status must be one of pending, paid, shipped, cancelled (got 'done')"
        );
    }
}
