//! API keys as clients send them and as the database keeps them, and the
//! limits of a key's name and rate.

use std::fmt;

use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq;

use crate::InputError;

/// The longest key name accepted, in characters.
pub const KEY_NAME_MAX_CHARS: usize = 100;

/// What a key is for, in the words of whoever made it: 1–100 characters after
/// trimming, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyName(String);

impl KeyName {
    /// Trims and checks `text`.
    pub fn parse(text: &str) -> Result<Self, InputError> {
        let name = text.trim();
        if name.is_empty() || name.chars().count() > KEY_NAME_MAX_CHARS {
            return Err(InputError::rule(format!(
                "must be 1–{KEY_NAME_MAX_CHARS} characters after trimming"
            )));
        }
        crate::input::refuse_control_characters(name)?;
        Ok(Self(name.to_owned()))
    }

    /// The name as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The highest rate limit a key may be given, in requests per minute.
pub const RATE_LIMIT_MAX_PER_MINUTE: i64 = 1_000_000;

/// Requests per minute a key may make; zero means unlimited.
///
/// ```
/// use oms_domain::RateLimit;
///
/// assert_eq!(RateLimit::per_minute(120).unwrap().quota(), Some(120));
/// assert_eq!(RateLimit::per_minute(0).unwrap().quota(), None);
/// assert!(RateLimit::per_minute(-1).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit(u32);

impl RateLimit {
    /// No limit.
    pub const UNLIMITED: Self = Self(0);

    /// Checks a number of requests per minute: 0 (unlimited) to
    /// [`RATE_LIMIT_MAX_PER_MINUTE`].
    pub fn per_minute(requests: i64) -> Result<Self, InputError> {
        match u32::try_from(requests) {
            Ok(requests) if i64::from(requests) <= RATE_LIMIT_MAX_PER_MINUTE => Ok(Self(requests)),
            _ => Err(InputError::rule(format!(
                "must be between 0 (unlimited) and {RATE_LIMIT_MAX_PER_MINUTE} requests per minute"
            ))),
        }
    }

    /// Requests allowed in any minute, or `None` when unlimited.
    pub fn quota(self) -> Option<u32> {
        (self.0 > 0).then_some(self.0)
    }

    /// The number as given (0 for unlimited).
    pub fn get(self) -> u32 {
        self.0
    }
}

/// The SHA-256 digest of a key: what the database keeps instead of the key.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct KeyDigest(pub [u8; 32]);

impl KeyDigest {
    /// Compares in time that does not depend on where the digests differ.
    pub fn matches(&self, other: &KeyDigest) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl fmt::Debug for KeyDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("KeyDigest(..)")
    }
}

/// An API key as a client sends it. Its `Debug` form shows the prefix only, so
/// a key cannot leak into a log by accident.
///
/// ```
/// use oms_domain::KeyToken;
///
/// let random: Vec<u8> = (0..=255).cycle().skip(7).take(64).collect();
/// let key = KeyToken::from_random_bytes(&random).unwrap();
/// assert!(key.expose().starts_with("oms_"));
/// assert_eq!(key.expose().len(), 4 + KeyToken::SECRET_CHARS);
/// assert_eq!(KeyToken::parse(key.expose()), Some(key.clone()));
/// assert!(key.expose().starts_with(key.prefix()));
/// assert!(!format!("{key:?}").contains(key.expose()));
/// assert_eq!(KeyToken::parse("oms_tooShort"), None);
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct KeyToken(String);

const KEY_PREFIX: &str = "oms_";
const KEY_ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

impl KeyToken {
    /// Random characters after `oms_` (about 238 bits).
    pub const SECRET_CHARS: usize = 40;
    /// Characters of the key, `oms_` included, that identify it in lists and
    /// logs (the first 8 random characters; 32 stay secret).
    pub const PREFIX_CHARS: usize = 12;
    /// Random bytes that [`KeyToken::from_random_bytes`] almost always finds
    /// enough in.
    pub const RANDOM_BYTES: usize = 64;

    /// A key whose characters are drawn from `random` (bytes from a
    /// cryptographic source): each byte below 248 picks one of the 62 letters
    /// and digits evenly, the others are skipped. `None` if too few bytes were
    /// usable.
    pub fn from_random_bytes(random: &[u8]) -> Option<Self> {
        let usable = KEY_ALPHABET.len() * (256 / KEY_ALPHABET.len());
        let secret: String = random
            .iter()
            .filter(|&&byte| usize::from(byte) < usable)
            .map(|&byte| char::from(KEY_ALPHABET[usize::from(byte) % KEY_ALPHABET.len()]))
            .take(Self::SECRET_CHARS)
            .collect();
        (secret.len() == Self::SECRET_CHARS).then(|| Self(format!("{KEY_PREFIX}{secret}")))
    }

    /// The key in `text`, if it has the shape of one oms issues.
    pub fn parse(text: &str) -> Option<Self> {
        let secret = text.strip_prefix(KEY_PREFIX)?;
        (secret.len() == Self::SECRET_CHARS && secret.bytes().all(|b| b.is_ascii_alphanumeric()))
            .then(|| Self(text.to_owned()))
    }

    /// The non-secret start of the key that names it in lists and logs.
    pub fn prefix(&self) -> &str {
        &self.0[..Self::PREFIX_CHARS]
    }

    /// What the database keeps of the key.
    pub fn digest(&self) -> KeyDigest {
        KeyDigest(Sha256::digest(self.0.as_bytes()).into())
    }

    /// The key itself, to show once to whoever created it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for KeyToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyToken({}…)", self.prefix())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_use_every_character_of_the_alphabet_evenly() {
        let mut seen = [0_u32; 62];
        let mut bytes = Vec::new();
        for round in 0..62_u32 {
            bytes.clear();
            bytes.extend((0..=255_u8).map(|b| b.wrapping_add(round as u8)));
            let key = KeyToken::from_random_bytes(&bytes).unwrap();
            for byte in key.expose()[4..].bytes() {
                let index = KEY_ALPHABET.iter().position(|&c| c == byte).unwrap();
                seen[index] += 1;
            }
        }
        assert!(seen.iter().all(|&count| count > 0), "{seen:?}");
    }

    #[test]
    fn bytes_above_the_even_range_are_skipped() {
        assert_eq!(KeyToken::from_random_bytes(&[255; 200]), None);
        let mut bytes = vec![250_u8; 10];
        bytes.extend([0_u8; 40]);
        let key = KeyToken::from_random_bytes(&bytes).unwrap();
        assert_eq!(&key.expose()[4..], "0".repeat(40));
    }

    #[test]
    fn malformed_keys_are_not_keys() {
        let good = format!("oms_{}", "a".repeat(40));
        assert!(KeyToken::parse(&good).is_some());
        for bad in [
            String::new(),
            "a".repeat(44),
            format!("OMS_{}", "a".repeat(40)),
            format!("oms_{}", "a".repeat(39)),
            format!("oms_{}", "a".repeat(41)),
            format!("oms_{}-", "a".repeat(39)),
            format!("oms_{}é", "a".repeat(38)),
        ] {
            assert_eq!(KeyToken::parse(&bad), None, "{bad}");
        }
    }

    #[test]
    fn digests_are_sha256_and_compare_equal_only_when_equal() {
        let key = KeyToken::parse(&format!("oms_{}", "a".repeat(40))).unwrap();
        let other = KeyToken::parse(&format!("oms_{}b", "a".repeat(39))).unwrap();
        assert!(key.digest().matches(&key.digest()));
        assert!(!key.digest().matches(&other.digest()));
        let hex: String = key.digest().0.iter().map(|b| format!("{b:02x}")).collect();
        // sha256("oms_" + 40 × "a"), from `printf %s … | sha256sum`.
        assert_eq!(
            hex,
            "1d537aa40c99408f4ef3e412637e650903e4fe753739cecbeb95de8de4db7451"
        );
    }

    #[test]
    fn names_and_limits_are_bounded() {
        assert_eq!(KeyName::parse("  ci  ").unwrap().as_str(), "ci");
        assert!(KeyName::parse("   ").is_err());
        assert!(KeyName::parse("ci\u{0}").is_err());
        assert!(KeyName::parse(&"é".repeat(100)).is_ok());
        assert!(KeyName::parse(&"é".repeat(101)).is_err());
        assert_eq!(RateLimit::per_minute(1_000_000).unwrap().get(), 1_000_000);
        assert!(RateLimit::per_minute(1_000_001).is_err());
        assert!(RateLimit::per_minute(i64::MAX).is_err());
    }
}
