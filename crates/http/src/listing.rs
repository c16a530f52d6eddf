//! Paging a list by offset or by cursor: reading `limit`, `offset` and
//! `cursor`, and issuing the `next_cursor` of a page.

use oms_domain::{After, CursorKey, Paging};
use oms_persistence::Store;

use crate::error::{ApiError, ErrorCode};
use crate::extract::QueryParams;
use crate::ApiConfig;

/// A list being paged: which list (its name and filters, which a cursor is
/// bound to) and the key its cursors are signed with.
pub(crate) struct Listing {
    key: CursorKey,
    list: String,
}

impl Listing {
    /// The page `params` ask for of the list `list` (its name and, for a
    /// filtered list, its filters written canonically): `limit`, and either
    /// `offset` (at most the configured maximum) or `cursor`.
    pub(crate) async fn read(
        store: &Store,
        config: &ApiConfig,
        params: &QueryParams,
        list: String,
    ) -> Result<(Self, Paging), ApiError> {
        let paging = params.paging(config.max_offset)?;
        let key = store.cursor_key().await?;
        let paging = match params.get("cursor") {
            None => paging,
            Some(_) if params.get("offset").is_some() => {
                return Err(ApiError::new(
                    ErrorCode::ValidationError,
                    "send offset or cursor, not both: a cursor says where its page starts",
                ))
            }
            Some(cursor) => paging.after(key.read(&list, cursor)?),
        };
        Ok((Self { key, list }, paging))
    }

    /// The cursor of the page after one ending with the row `last`, when more
    /// rows follow it.
    pub(crate) fn next(&self, more: bool, last: Option<After>) -> Option<String> {
        last.filter(|_| more)
            .map(|last| self.key.issue(&self.list, last))
    }
}
