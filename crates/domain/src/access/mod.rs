//! Who may call the API: API keys ([`key`]), the scopes they carry
//! ([`scope`]), and the limits of their names and rates.
//!
//! A key is `oms_` followed by [`KeyToken::SECRET_CHARS`] random letters and
//! digits. Only its SHA-256 digest and its first characters (its [prefix],
//! which is not secret) are ever stored; the key itself is shown once.
//!
//! [prefix]: KeyToken::prefix

pub mod key;
pub mod scope;

pub use key::{
    KeyDigest, KeyName, KeyToken, RateLimit, KEY_NAME_MAX_CHARS, RATE_LIMIT_MAX_PER_MINUTE,
};
pub use scope::{Scope, Scopes, UnknownScope};
