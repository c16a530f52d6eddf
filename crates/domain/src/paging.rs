//! The page of a list: how many rows and from where.

use crate::{After, InputError};

/// A validated page: `limit` 1–100 rows, from `offset` ≥ 0 rows in or after
/// the row a cursor names.
///
/// ```
/// use oms_domain::Paging;
///
/// let page = Paging::new(Some(50), Some(100)).unwrap();
/// assert_eq!((page.limit(), page.offset()), (50, 100));
/// assert_eq!(Paging::new(None, None).unwrap().limit(), Paging::DEFAULT_LIMIT);
/// assert!(Paging::new(Some(101), None).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    limit: i64,
    offset: i64,
    after: Option<After>,
}

impl Paging {
    /// The page size when none is asked for.
    pub const DEFAULT_LIMIT: i64 = 20;
    /// The largest page size.
    pub const MAX_LIMIT: i64 = 100;

    /// Checks the requested bounds; absent values take their defaults.
    pub fn new(limit: Option<i64>, offset: Option<i64>) -> Result<Self, InputError> {
        let limit = limit.unwrap_or(Self::DEFAULT_LIMIT);
        if !(1..=Self::MAX_LIMIT).contains(&limit) {
            return Err(InputError::invalid(
                "limit",
                format!(
                    "limit must be between 1 and {} (got {limit})",
                    Self::MAX_LIMIT
                ),
            ));
        }
        let offset = offset.unwrap_or(0);
        if offset < 0 {
            return Err(InputError::invalid(
                "offset",
                format!("offset must be 0 or more (got {offset})"),
            ));
        }
        Ok(Self {
            limit,
            offset,
            after: None,
        })
    }

    /// The page of `limit` rows after the row `after` names.
    ///
    /// ```
    /// use oms_domain::{After, Paging};
    ///
    /// let page = Paging::new(Some(10), None).unwrap().after(After::Id(7));
    /// assert_eq!((page.limit(), page.offset(), page.cursor()), (10, 0, Some(After::Id(7))));
    /// ```
    #[must_use]
    pub fn after(self, after: After) -> Self {
        Self {
            offset: 0,
            after: Some(after),
            ..self
        }
    }

    /// Rows per page.
    pub const fn limit(self) -> i64 {
        self.limit
    }

    /// Rows skipped before the page (0 for a page after a cursor).
    pub const fn offset(self) -> i64 {
        self.offset
    }

    /// The row the page follows, when it was asked for by cursor.
    pub const fn cursor(self) -> Option<After> {
        self.after
    }

    /// The row the page follows in a list in id order: its id.
    pub fn after_id(self) -> Option<i64> {
        self.after.map(|after| match after {
            After::Id(id) | After::Time { id, .. } => id,
        })
    }

    /// The rows to read for the page: one more than its limit, which tells
    /// whether rows follow it.
    pub const fn rows_to_read(self) -> i64 {
        self.limit + 1
    }
}

impl Default for Paging {
    fn default() -> Self {
        Self {
            limit: Self::DEFAULT_LIMIT,
            offset: 0,
            after: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_whole_range() {
        for limit in [1, 20, 100] {
            assert_eq!(Paging::new(Some(limit), Some(0)).unwrap().limit(), limit);
        }
        assert_eq!(
            Paging::new(None, Some(i64::MAX)).unwrap().offset(),
            i64::MAX
        );
        assert_eq!(Paging::new(None, None).unwrap(), Paging::default());
    }

    #[test]
    fn refuses_out_of_range_values_naming_the_field() {
        for (limit, offset, field) in [
            (Some(0), None, "limit"),
            (Some(-5), None, "limit"),
            (Some(101), None, "limit"),
            (None, Some(-1), "offset"),
        ] {
            let err = Paging::new(limit, offset).unwrap_err();
            assert_eq!(err.field.as_deref(), Some(field));
        }
    }
}
