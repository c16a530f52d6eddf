//! The filters of the order list.

use chrono::{DateTime, Datelike, Duration, NaiveDate, SubsecRound, Utc};

use crate::{InputError, OrderStatus, ProductId, UserId};

/// Which end of a date range a bound is, for reading a plain date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateBound {
    /// `start_date`: a plain date means 00:00:00 UTC of that day.
    Start,
    /// `end_date`: a plain date means the whole day, up to 00:00:00 UTC of the next.
    End,
}

/// Validated filters of `GET /orders`, combined with AND.
///
/// The creation-time range is half-open, `created_from <= created_at < created_before`,
/// whatever form the bounds were given in: an inclusive end timestamp is moved one
/// microsecond (PostgreSQL's resolution) past itself.
///
/// ```
/// use domain::{DateBound, OrderFilter};
///
/// let filter = OrderFilter::default()
///     .with_dates(Some("2024-01-01"), Some("2024-01-31"))
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
    /// Parses and sets the date range; refuses a start after the end.
    pub fn with_dates(
        mut self,
        start: Option<&str>,
        end: Option<&str>,
    ) -> Result<Self, InputError> {
        let start = start
            .map(|text| parse_date_bound("start_date", text, DateBound::Start))
            .transpose()?;
        let end = end
            .map(|text| parse_date_bound("end_date", text, DateBound::End))
            .transpose()?;
        if let (Some(from), Some(before)) = (start, end) {
            if from >= before {
                return Err(InputError::invalid_without_field(
                    "start_date must not be after end_date",
                ));
            }
        }
        self.created_from = start;
        self.created_before = end;
        Ok(self)
    }
}

/// Reads `text` as an RFC 3339 timestamp or a plain `YYYY-MM-DD` date and
/// returns the bound as used by [`OrderFilter`]: inclusive for
/// [`DateBound::Start`], exclusive for [`DateBound::End`].
///
/// ```
/// use domain::filter::parse_date_bound;
/// use domain::DateBound;
///
/// let end = parse_date_bound("end_date", "2024-01-31T23:59:59Z", DateBound::End).unwrap();
/// assert_eq!(end.to_rfc3339(), "2024-01-31T23:59:59.000001+00:00");
/// assert!(parse_date_bound("end_date", "31/01/2024", DateBound::End).is_err());
/// ```
pub fn parse_date_bound(
    field: &str,
    text: &str,
    bound: DateBound,
) -> Result<DateTime<Utc>, InputError> {
    let text = text.trim();
    let instant = parse_instant(field, text, bound)?;
    if (1..=9999).contains(&instant.year()) {
        Ok(instant)
    } else {
        Err(InputError::invalid(
            field,
            format!("{field} must fall between the years 1 and 9999"),
        ))
    }
}

fn parse_instant(field: &str, text: &str, bound: DateBound) -> Result<DateTime<Utc>, InputError> {
    if let Ok(instant) = DateTime::parse_from_rfc3339(text) {
        let instant = instant.with_timezone(&Utc).trunc_subsecs(6);
        return match bound {
            DateBound::Start => Ok(instant),
            DateBound::End => instant
                .checked_add_signed(Duration::microseconds(1))
                .ok_or_else(|| out_of_range(field)),
        };
    }
    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
        InputError::invalid(
            field,
            format!(
                "{field} must be an RFC 3339 timestamp (2024-01-31T23:59:59Z) or a date (2024-01-31)"
            ),
        )
    })?;
    let day = match bound {
        DateBound::Start => Some(date),
        DateBound::End => date.succ_opt(),
    };
    day.and_then(|day| day.and_hms_opt(0, 0, 0))
        .map(|midnight| midnight.and_utc())
        .ok_or_else(|| out_of_range(field))
}

fn out_of_range(field: &str) -> InputError {
    InputError::invalid(field, format!("{field} is out of the supported range"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn plain_dates_cover_whole_days() {
        let f = OrderFilter::default()
            .with_dates(Some("2024-02-29"), Some("2024-02-29"))
            .unwrap();
        assert_eq!(f.created_from, Some(at("2024-02-29T00:00:00Z")));
        assert_eq!(f.created_before, Some(at("2024-03-01T00:00:00Z")));
    }

    #[test]
    fn timestamps_are_inclusive_on_both_ends_and_converted_to_utc() {
        let f = OrderFilter::default()
            .with_dates(
                Some("2024-01-01T02:00:00+02:00"),
                Some("2024-01-01T00:00:00Z"),
            )
            .unwrap();
        assert_eq!(f.created_from, Some(at("2024-01-01T00:00:00Z")));
        assert_eq!(f.created_before, Some(at("2024-01-01T00:00:00.000001Z")));
    }

    #[test]
    fn end_timestamps_below_a_microsecond_are_truncated_before_the_step() {
        let end =
            parse_date_bound("end_date", "2024-01-01T00:00:00.0000009Z", DateBound::End).unwrap();
        assert_eq!(end, at("2024-01-01T00:00:00.000001Z"));
    }

    #[test]
    fn start_after_end_is_refused_without_a_single_field() {
        let err = OrderFilter::default()
            .with_dates(Some("2024-02-01"), Some("2024-01-31"))
            .unwrap_err();
        assert_eq!(err.field, None);
        let err = OrderFilter::default()
            .with_dates(Some("2024-01-01T00:00:01Z"), Some("2024-01-01T00:00:00Z"))
            .unwrap_err();
        assert_eq!(err.field, None);
    }

    #[test]
    fn malformed_dates_name_their_field() {
        for bad in [
            "2024-13-01",
            "2024-02-30",
            "yesterday",
            "2024-01-01T25:00:00Z",
            "2024-01-01T00:00:00",
        ] {
            let err = OrderFilter::default()
                .with_dates(None, Some(bad))
                .unwrap_err();
            assert_eq!(err.field.as_deref(), Some("end_date"), "{bad}");
            let err = OrderFilter::default()
                .with_dates(Some(bad), None)
                .unwrap_err();
            assert_eq!(err.field.as_deref(), Some("start_date"), "{bad}");
        }
    }

    #[test]
    fn dates_outside_years_1_to_9999_are_refused() {
        assert!(parse_date_bound("end_date", "9999-12-31", DateBound::End).is_err());
        assert!(parse_date_bound("start_date", "0000-01-01T00:00:00Z", DateBound::Start).is_err());
        assert!(parse_date_bound("start_date", "9999-12-31", DateBound::Start).is_ok());
    }
}
