//! Idempotency keys (draft-ietf-httpapi-idempotency-key-header): the key a
//! client sends with a `POST` so that a retry is answered as the first request
//! was, and the fingerprint that tells a retry from another request.

use sha2::{Digest, Sha256};

use crate::InputError;

/// A client's idempotency key: 1–255 printable ASCII characters.
///
/// ```
/// use oms_domain::IdempotencyKey;
///
/// let key = IdempotencyKey::parse("order-2024-0001").unwrap();
/// assert_eq!(key.as_str(), "order-2024-0001");
/// // A Structured Fields string stands for its contents.
/// assert_eq!(IdempotencyKey::parse(r#""a \"b\"""#).unwrap().as_str(), r#"a "b""#);
/// assert!(IdempotencyKey::parse("").is_err());
/// assert!(IdempotencyKey::parse("née").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// The longest key, in characters.
    pub const MAX_CHARS: usize = 255;

    /// Reads a header value: the key itself, or a quoted Structured Fields
    /// string (RFC 8941 §3.3.3) holding it.
    pub fn parse(value: &str) -> Result<Self, InputError> {
        let key = match value.strip_prefix('"') {
            Some(quoted) => unquote(quoted).ok_or_else(|| {
                InputError::rule(
                    "must be a well-formed quoted string when it starts with a double quote",
                )
            })?,
            None => value.to_owned(),
        };
        if key.is_empty() || key.len() > Self::MAX_CHARS {
            return Err(InputError::rule(format!(
                "must be 1 to {} characters long (got {})",
                Self::MAX_CHARS,
                key.len()
            )));
        }
        if !key.bytes().all(|byte| (b' '..=b'~').contains(&byte)) {
            return Err(InputError::rule(
                "must hold printable ASCII characters only (space to '~')",
            ));
        }
        Ok(Self(key))
    }

    /// The key.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A 64-bit number standing for this key of the client `scope`, for locks
    /// that take a number; distinct keys may, rarely, share one.
    pub fn lock_number(&self, scope: i64) -> i64 {
        let digest = Sha256::new()
            .chain_update(b"oms idempotency key\0")
            .chain_update(scope.to_be_bytes())
            .chain_update(self.0.as_bytes())
            .finalize();
        let mut first = [0; 8];
        first.copy_from_slice(&digest[..8]);
        i64::from_be_bytes(first)
    }
}

/// The contents of a Structured Fields string, given without its opening
/// quote; `None` unless it is exactly one well-formed string.
fn unquote(quoted: &str) -> Option<String> {
    let mut contents = String::new();
    let mut chars = quoted.chars();
    loop {
        match chars.next()? {
            '"' => return chars.next().is_none().then_some(contents),
            '\\' => match chars.next()? {
                escaped @ ('"' | '\\') => contents.push(escaped),
                _ => return None,
            },
            other => contents.push(other),
        }
    }
}

/// What identifies a request for its idempotency key: SHA-256 of its method,
/// its path and its body as canonical JSON (whitespace and the order of keys
/// do not count).
///
/// ```
/// use oms_domain::Fingerprint;
///
/// let one = Fingerprint::of("POST", "/api/v1/users", r#"{"a":1,"b":2}"#);
/// assert_eq!(one, Fingerprint::of("POST", "/api/v1/users", r#"{"a":1,"b":2}"#));
/// assert_ne!(one, Fingerprint::of("POST", "/api/v1/products", r#"{"a":1,"b":2}"#));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fingerprint([u8; 32]);

impl Fingerprint {
    /// The fingerprint of a request whose body, in canonical form, is
    /// `canonical_body` (the caller canonicalizes: this crate reads no JSON).
    pub fn of(method: &str, path: &str, canonical_body: &str) -> Self {
        // Each part's length first, so that no two requests run together alike.
        let mut digest = Sha256::new();
        for part in [method, path, canonical_body] {
            digest.update((part.len() as u64).to_be_bytes());
            digest.update(part.as_bytes());
        }
        let digest = digest.finalize();
        Self(digest.into())
    }

    /// A fingerprint as stored.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The digest.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_printable_ascii_of_one_to_255_characters() {
        assert!(IdempotencyKey::parse("a").is_ok());
        assert!(IdempotencyKey::parse("with space ~").is_ok());
        assert!(IdempotencyKey::parse(&"k".repeat(255)).is_ok());
        let long = IdempotencyKey::parse(&"k".repeat(256)).unwrap_err();
        assert_eq!(long.message, "must be 1 to 255 characters long (got 256)");
        assert!(IdempotencyKey::parse("tab\there").is_err());
        assert!(IdempotencyKey::parse("\u{7f}").is_err());
    }

    #[test]
    fn a_quoted_key_must_be_one_well_formed_string() {
        assert_eq!(IdempotencyKey::parse(r#""abc""#).unwrap().as_str(), "abc");
        assert_eq!(
            IdempotencyKey::parse(r#""back\\slash""#).unwrap().as_str(),
            r"back\slash"
        );
        for bad in [
            r#""open"#,
            r#""a"b""#,
            r#""bad\escape""#,
            r#""""#,
            r#""x" "#,
        ] {
            assert!(IdempotencyKey::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn lock_numbers_differ_by_scope_and_key() {
        let key = IdempotencyKey::parse("k").unwrap();
        let other = IdempotencyKey::parse("l").unwrap();
        assert_eq!(key.lock_number(1), key.lock_number(1));
        assert_ne!(key.lock_number(1), key.lock_number(2));
        assert_ne!(key.lock_number(1), other.lock_number(1));
    }

    #[test]
    fn fingerprints_separate_method_path_and_body() {
        let base = Fingerprint::of("POST", "/a", "{}");
        assert_ne!(base, Fingerprint::of("PUT", "/a", "{}"));
        assert_ne!(base, Fingerprint::of("POST", "/a", r#"{"x":1}"#));
        // Where one part ends counts.
        assert_ne!(
            Fingerprint::of("POST", "/a\n{", "}"),
            Fingerprint::of("POST", "/a", "{\n}")
        );
        assert_eq!(Fingerprint::from_bytes(*base.as_bytes()), base);
    }
}
