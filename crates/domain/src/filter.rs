//! The filters of the order list.

use chrono::{DateTime, Datelike, Duration, NaiveDate, SubsecRound, Utc};

use crate::{OrderStatus, ProductId, UserId};

/// One end of a creation-date range, as a client names it: a whole day (UTC)
/// or an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DateBound {
    /// A calendar day in UTC: from its first microsecond to its last.
    Day(NaiveDate),
    /// An instant; stored times have microsecond resolution, so anything finer
    /// is dropped.
    Instant(DateTime<Utc>),
}

/// Which end of a date range was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RangeEnd {
    /// The first day or instant.
    Start,
    /// The last day or instant.
    End,
}

/// Why a creation-date range was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DateRangeError {
    /// The start comes after the end.
    #[error("the start of the range is after its end")]
    Reversed,
    /// A bound falls outside the years 1 to 9999 (PostgreSQL's and chrono's
    /// common ground, with room for the day after the end).
    #[error("the {} of the range must fall between the years 1 and 9999", end_name(*.0))]
    OutOfRange(RangeEnd),
}

fn end_name(end: RangeEnd) -> &'static str {
    match end {
        RangeEnd::Start => "start",
        RangeEnd::End => "end",
    }
}

/// Validated filters of the order list, combined with AND.
///
/// The creation-time range is half-open, `created_from <= created_at < created_before`,
/// whatever form the bounds were given in (see [`OrderFilter::created_between`]).
///
/// ```
/// use chrono::NaiveDate;
/// use oms_domain::{DateBound, OrderFilter};
///
/// let day = |d| DateBound::Day(NaiveDate::from_ymd_opt(2024, 1, d).unwrap());
/// let filter = OrderFilter::default()
///     .created_between(Some(day(1)), Some(day(31)))
///     .unwrap();
/// assert_eq!(filter.created_from.unwrap().to_rfc3339(), "2024-01-01T00:00:00+00:00");
/// assert_eq!(filter.created_before.unwrap().to_rfc3339(), "2024-02-01T00:00:00+00:00");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderFilter {
    /// Only orders in this state.
    pub status: Option<OrderStatus>,
    /// Only orders of this user.
    pub user_id: Option<UserId>,
    /// Only orders with at least one line of this product.
    pub product_id: Option<ProductId>,
    /// Only orders created at or after this instant.
    pub created_from: Option<DateTime<Utc>>,
    /// Only orders created strictly before this instant.
    pub created_before: Option<DateTime<Utc>>,
}

impl OrderFilter {
    /// Keeps the orders created from `start` to `end`, both included (either
    /// may be open): a day covers the whole day, an end instant is moved one
    /// microsecond past itself. Refuses a start after the end.
    pub fn created_between(
        mut self,
        start: Option<DateBound>,
        end: Option<DateBound>,
    ) -> Result<Self, DateRangeError> {
        let from = start.map(first_instant).transpose()?;
        let before = end.map(instant_after).transpose()?;
        if let (Some(from), Some(before)) = (from, before) {
            if from >= before {
                return Err(DateRangeError::Reversed);
            }
        }
        self.created_from = from;
        self.created_before = before;
        Ok(self)
    }
}

/// The first instant `bound` covers.
fn first_instant(bound: DateBound) -> Result<DateTime<Utc>, DateRangeError> {
    let instant = match bound {
        DateBound::Day(day) => Some(midnight(day)),
        DateBound::Instant(instant) => Some(instant.trunc_subsecs(6)),
    };
    within_years(instant, RangeEnd::Start)
}

/// The first instant after those `bound` covers.
fn instant_after(bound: DateBound) -> Result<DateTime<Utc>, DateRangeError> {
    let instant = match bound {
        DateBound::Day(day) => day.succ_opt().map(midnight),
        DateBound::Instant(instant) => instant
            .trunc_subsecs(6)
            .checked_add_signed(Duration::microseconds(1)),
    };
    within_years(instant, RangeEnd::End)
}

fn midnight(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(chrono::NaiveTime::MIN).and_utc()
}

fn within_years(
    instant: Option<DateTime<Utc>>,
    end: RangeEnd,
) -> Result<DateTime<Utc>, DateRangeError> {
    instant
        .filter(|instant| (1..=9999).contains(&instant.year()))
        .ok_or(DateRangeError::OutOfRange(end))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn day(y: i32, m: u32, d: u32) -> DateBound {
        DateBound::Day(NaiveDate::from_ymd_opt(y, m, d).unwrap())
    }

    fn instant(text: &str) -> DateBound {
        DateBound::Instant(at(text))
    }

    #[test]
    fn days_cover_whole_days() {
        let f = OrderFilter::default()
            .created_between(Some(day(2024, 2, 29)), Some(day(2024, 2, 29)))
            .unwrap();
        assert_eq!(f.created_from, Some(at("2024-02-29T00:00:00Z")));
        assert_eq!(f.created_before, Some(at("2024-03-01T00:00:00Z")));
    }

    #[test]
    fn instants_are_inclusive_on_both_ends() {
        let f = OrderFilter::default()
            .created_between(
                Some(instant("2024-01-01T02:00:00+02:00")),
                Some(instant("2024-01-01T00:00:00Z")),
            )
            .unwrap();
        assert_eq!(f.created_from, Some(at("2024-01-01T00:00:00Z")));
        assert_eq!(f.created_before, Some(at("2024-01-01T00:00:00.000001Z")));
    }

    #[test]
    fn end_instants_below_a_microsecond_are_truncated_before_the_step() {
        let f = OrderFilter::default()
            .created_between(None, Some(instant("2024-01-01T00:00:00.0000009Z")))
            .unwrap();
        assert_eq!(f.created_before, Some(at("2024-01-01T00:00:00.000001Z")));
    }

    #[test]
    fn a_start_after_the_end_is_refused() {
        let reversed =
            OrderFilter::default().created_between(Some(day(2024, 2, 1)), Some(day(2024, 1, 31)));
        assert_eq!(reversed, Err(DateRangeError::Reversed));
        let reversed = OrderFilter::default().created_between(
            Some(instant("2024-01-01T00:00:01Z")),
            Some(instant("2024-01-01T00:00:00Z")),
        );
        assert_eq!(reversed, Err(DateRangeError::Reversed));
    }

    #[test]
    fn bounds_outside_years_1_to_9999_are_refused() {
        let past_the_end = OrderFilter::default().created_between(None, Some(day(9999, 12, 31)));
        assert_eq!(past_the_end, Err(DateRangeError::OutOfRange(RangeEnd::End)));
        let year_zero =
            OrderFilter::default().created_between(Some(instant("0000-01-01T00:00:00Z")), None);
        assert_eq!(year_zero, Err(DateRangeError::OutOfRange(RangeEnd::Start)));
        assert!(OrderFilter::default()
            .created_between(Some(day(9999, 12, 31)), None)
            .is_ok());
    }
}
