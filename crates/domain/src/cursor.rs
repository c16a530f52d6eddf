//! Cursors: where the next page of a list starts, handed to clients as an
//! opaque string. A cursor names the last row of a page by the list's sort key;
//! it is signed (HMAC-SHA256 under a secret the servers share) together with
//! the list and filters it was issued for, so a cursor made up or edited by a
//! client, or sent with other filters, is refused rather than followed.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::InputError;

/// The row a page follows, by its list's sort key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum After {
    /// Lists in id order: the last id of the page before.
    Id(i64),
    /// Lists newest first: the time (microseconds since the Unix epoch) and id
    /// of the last row of the page before.
    Time {
        /// When the row was created.
        micros: i64,
        /// Its id, which orders rows created in the same microsecond.
        id: i64,
    },
}

/// The secret cursors are signed with.
#[derive(Clone)]
pub struct CursorKey([u8; 32]);

impl std::fmt::Debug for CursorKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CursorKey(…)")
    }
}

const VERSION: u8 = 1;
const TAG_BYTES: usize = 16;

impl CursorKey {
    /// A key from 32 secret bytes.
    pub fn new(secret: [u8; 32]) -> Self {
        Self(secret)
    }

    /// The cursor for the page after `after`, of the list `list` (its name
    /// and filters, written the same way whenever the same list is asked for).
    ///
    /// ```
    /// use oms_domain::{After, CursorKey};
    ///
    /// let key = CursorKey::new([7; 32]);
    /// let cursor = key.issue("orders?status=paid", After::Id(42));
    /// assert_eq!(key.read("orders?status=paid", &cursor).unwrap(), After::Id(42));
    /// assert!(key.read("orders?status=shipped", &cursor).is_err());
    /// ```
    pub fn issue(&self, list: &str, after: After) -> String {
        let mut bytes = payload(after);
        let tag = self.tag(list, &bytes);
        bytes.extend_from_slice(&tag[..TAG_BYTES]);
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// The row a cursor issued for `list` names; a 400 naming `cursor` for
    /// anything else.
    pub fn read(&self, list: &str, cursor: &str) -> Result<After, InputError> {
        let refused = || {
            InputError::invalid(
                "cursor",
                "cursor was not issued by this API for this list and these filters; send the next_cursor of the previous page with the same filters, or start without one",
            )
        };
        let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| refused())?;
        let split = bytes.len().checked_sub(TAG_BYTES).ok_or_else(refused)?;
        let (payload, tag) = bytes.split_at(split);
        let mut mac = self.mac(list);
        mac.update(payload);
        mac.verify_truncated_left(tag).map_err(|_| refused())?;
        parse(payload).ok_or_else(refused)
    }

    fn mac(&self, list: &str) -> Hmac<Sha256> {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes a key of any length");
        mac.update(&(list.len() as u64).to_be_bytes());
        mac.update(list.as_bytes());
        mac
    }

    fn tag(&self, list: &str, payload: &[u8]) -> Vec<u8> {
        let mut mac = self.mac(list);
        mac.update(payload);
        mac.finalize().into_bytes().to_vec()
    }
}

fn payload(after: After) -> Vec<u8> {
    let mut bytes = vec![VERSION];
    match after {
        After::Id(id) => {
            bytes.push(0);
            bytes.extend_from_slice(&id.to_be_bytes());
        }
        After::Time { micros, id } => {
            bytes.push(1);
            bytes.extend_from_slice(&micros.to_be_bytes());
            bytes.extend_from_slice(&id.to_be_bytes());
        }
    }
    bytes
}

fn parse(payload: &[u8]) -> Option<After> {
    let number = |bytes: &[u8]| bytes.try_into().ok().map(i64::from_be_bytes);
    match payload {
        [VERSION, 0, id @ ..] => number(id).map(After::Id),
        [VERSION, 1, rest @ ..] if rest.len() == 16 => Some(After::Time {
            micros: number(&rest[..8])?,
            id: number(&rest[8..])?,
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_for_their_own_list_only() {
        let key = CursorKey::new([1; 32]);
        for after in [
            After::Id(1),
            After::Id(i64::MAX),
            After::Time {
                micros: 1_733_300_000_000_000,
                id: 77,
            },
        ] {
            let cursor = key.issue("users", after);
            assert_eq!(key.read("users", &cursor).unwrap(), after);
            assert!(key.read("products", &cursor).is_err());
            assert!(CursorKey::new([2; 32]).read("users", &cursor).is_err());
        }
    }

    #[test]
    fn an_edited_or_made_up_cursor_is_refused_naming_the_cursor() {
        let key = CursorKey::new([1; 32]);
        let cursor = key.issue("users", After::Id(10));
        let mut bytes = URL_SAFE_NO_PAD.decode(&cursor).unwrap();
        bytes[9] ^= 1;
        let edited = URL_SAFE_NO_PAD.encode(bytes);
        for bad in [
            edited.as_str(),
            "",
            "abc",
            "not base64 !",
            &cursor[..cursor.len() - 2],
        ] {
            let error = key.read("users", bad).unwrap_err();
            assert_eq!(error.field.as_deref(), Some("cursor"), "{bad}");
        }
    }

    #[test]
    fn a_list_name_cannot_run_into_the_payload() {
        let key = CursorKey::new([3; 32]);
        let cursor = key.issue("a", After::Id(5));
        assert!(key.read("a\u{1}", &cursor).is_err());
    }
}
