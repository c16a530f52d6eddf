//! The secret an endpoint's deliveries are signed with, and the signature.

use std::fmt;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::InputError;

const PREFIX: &str = "whsec_";

/// A signing secret: 24 to 64 bytes, shown as `whsec_` and their base64.
///
/// ```
/// use oms_domain::WebhookSecret;
///
/// let secret = WebhookSecret::new(vec![7; 32]).unwrap();
/// let shown = secret.expose();
/// assert!(shown.starts_with("whsec_"));
/// assert_eq!(WebhookSecret::parse(&shown).unwrap(), secret);
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret(Vec<u8>);

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSecret(…)")
    }
}

impl WebhookSecret {
    /// The length of the secrets oms makes.
    pub const LEN: usize = 32;

    /// A secret from its bytes; 24 to 64 of them.
    pub fn new(bytes: Vec<u8>) -> Result<Self, InputError> {
        if (24..=64).contains(&bytes.len()) {
            Ok(Self(bytes))
        } else {
            Err(InputError::rule("must be 24 to 64 bytes"))
        }
    }

    /// Reads `whsec_<base64>`.
    pub fn parse(text: &str) -> Result<Self, InputError> {
        let encoded = text
            .strip_prefix(PREFIX)
            .ok_or_else(|| InputError::rule("must start with whsec_"))?;
        let bytes = STANDARD
            .decode(encoded)
            .map_err(|_| InputError::rule("must be whsec_ followed by base64"))?;
        Self::new(bytes)
    }

    /// The bytes, to store.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The secret as the endpoint's owner is shown it, once.
    pub fn expose(&self) -> String {
        format!("{PREFIX}{}", STANDARD.encode(&self.0))
    }

    /// The `webhook-signature` header of a delivery of `body` as the message
    /// `id` at `timestamp` (Unix seconds): `v1,` and the base64 of the
    /// HMAC-SHA256 of `id.timestamp.body`.
    ///
    /// ```
    /// use oms_domain::WebhookSecret;
    ///
    /// // The Standard Webhooks specification's own example.
    /// let secret = WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
    /// let body = br#"{"test": 2432232314}"#;
    /// assert_eq!(
    ///     secret.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body),
    ///     "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    /// );
    /// ```
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_short_long_and_unprefixed_secrets() {
        assert!(WebhookSecret::new(vec![0; 23]).is_err());
        assert!(WebhookSecret::new(vec![0; 65]).is_err());
        assert!(WebhookSecret::parse("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").is_err());
        assert!(WebhookSecret::parse("whsec_not base64!").is_err());
    }

    #[test]
    fn the_signature_covers_id_timestamp_and_body() {
        let secret = WebhookSecret::new(vec![1; 32]).unwrap();
        let signed = secret.sign("a", 1, b"{}");
        assert_ne!(signed, secret.sign("b", 1, b"{}"));
        assert_ne!(signed, secret.sign("a", 2, b"{}"));
        assert_ne!(signed, secret.sign("a", 1, b"{ }"));
        assert_ne!(
            signed,
            WebhookSecret::new(vec![2; 32]).unwrap().sign("a", 1, b"{}")
        );
    }
}
