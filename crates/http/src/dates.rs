//! The date filters of `GET /orders`, read from their query parameters.

use chrono::{DateTime, NaiveDate, Utc};
use oms_domain::{DateBound, DateRangeError, OrderFilter, RangeEnd};

use crate::error::ApiError;
use crate::extract::QueryParams;

/// The query parameter that names each end of the range.
const START: &str = "start_date";
const END: &str = "end_date";

/// `filter` narrowed to `start_date` and `end_date`, both inclusive.
pub fn with_dates(filter: OrderFilter, query: &QueryParams) -> Result<OrderFilter, ApiError> {
    let start = query
        .get(START)
        .map(|text| bound(START, text))
        .transpose()?;
    let end = query.get(END).map(|text| bound(END, text)).transpose()?;
    filter
        .created_between(start, end)
        .map_err(|error| match error {
            DateRangeError::OutOfRange(end) => {
                let field = field_of(end);
                ApiError::invalid(
                    field,
                    format!("{field} must fall between the years 1 and 9999"),
                )
            }
            _ => ApiError::new(
                crate::ErrorCode::ValidationError,
                format!("{START} must not be after {END}"),
            ),
        })
}

fn field_of(end: RangeEnd) -> &'static str {
    match end {
        RangeEnd::Start => START,
        _ => END,
    }
}

/// Reads `text` as an RFC 3339 timestamp or a plain `YYYY-MM-DD` day.
fn bound(field: &str, text: &str) -> Result<DateBound, ApiError> {
    let text = text.trim();
    if let Ok(instant) = DateTime::parse_from_rfc3339(text) {
        return Ok(DateBound::Instant(instant.with_timezone(&Utc)));
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map(DateBound::Day)
        .map_err(|_| {
            ApiError::invalid(
                field,
                format!(
                    "{field} must be an RFC 3339 timestamp (2024-01-31T23:59:59Z) or a date (2024-01-31)"
                ),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_timestamps_with_offsets_and_plain_days() {
        assert_eq!(
            bound(START, " 2024-01-01T02:00:00+02:00 "),
            Ok(DateBound::Instant(
                "2024-01-01T00:00:00Z".parse::<DateTime<Utc>>().unwrap()
            ))
        );
        assert_eq!(
            bound(END, "2024-02-29"),
            Ok(DateBound::Day(
                NaiveDate::from_ymd_opt(2024, 2, 29).unwrap()
            ))
        );
    }

    #[test]
    fn malformed_dates_name_their_field() {
        for bad in [
            "2024-13-01",
            "2024-02-30",
            "yesterday",
            "2024-01-01T25:00:00Z",
            "2024-01-01T00:00:00",
            "31/01/2024",
        ] {
            let error = bound(END, bad).unwrap_err();
            assert_eq!(error.field.as_deref(), Some(END), "{bad}");
        }
    }
}
