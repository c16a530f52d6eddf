//! Where deliveries may go.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use url::{Host, Url};

use crate::InputError;

/// The longest URL an endpoint may have.
const MAX_LEN: usize = 2_048;

/// An endpoint's address: an absolute `http` or `https` URL with a host.
///
/// ```
/// use oms_domain::WebhookUrl;
///
/// let url = WebhookUrl::parse("https://shop.example/hooks?src=oms").unwrap();
/// assert_eq!(url.host(), "shop.example");
/// assert_eq!(url.port(), 443);
/// assert!(WebhookUrl::parse("ftp://shop.example/").is_err());
/// assert!(WebhookUrl::parse("/hooks").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookUrl(Url);

impl WebhookUrl {
    /// Reads and checks `text`.
    pub fn parse(text: &str) -> Result<Self, InputError> {
        if text.len() > MAX_LEN {
            return Err(InputError::rule(format!(
                "must be at most {MAX_LEN} characters"
            )));
        }
        let url = Url::parse(text.trim())
            .map_err(|error| InputError::rule(format!("must be an absolute URL ({error})")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(InputError::rule("must be an http or https URL"));
        }
        if url.host().is_none() {
            return Err(InputError::rule("must name a host"));
        }
        Ok(Self(url))
    }

    /// The host as written: a name, or an address (IPv6 without brackets).
    pub fn host(&self) -> String {
        match self.0.host() {
            Some(Host::Ipv6(address)) => address.to_string(),
            Some(host) => host.to_string(),
            None => String::new(),
        }
    }

    /// The port, given or the scheme's.
    pub fn port(&self) -> u16 {
        self.0.port_or_known_default().unwrap_or(80)
    }

    /// The URL as text.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl fmt::Display for WebhookUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.as_str())
    }
}

/// Whether deliveries to `address` would stay inside the server's own
/// networks: loopback, private, shared (carrier-grade NAT), link-local,
/// unspecified, multicast or broadcast addresses, IPv4 ones also when written
/// as IPv6.
///
/// ```
/// use oms_domain::is_internal;
///
/// assert!(is_internal("127.0.0.1".parse().unwrap()));
/// assert!(is_internal("10.1.2.3".parse().unwrap()));
/// assert!(is_internal("::ffff:192.168.0.1".parse().unwrap()));
/// assert!(is_internal("fe80::1".parse().unwrap()));
/// assert!(!is_internal("93.184.216.34".parse().unwrap()));
/// assert!(!is_internal("2606:2800:220:1::".parse().unwrap()));
/// ```
pub fn is_internal(address: IpAddr) -> bool {
    match address {
        IpAddr::V4(v4) => is_internal_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_internal_v4(v4),
            None => is_internal_v6(v6),
        },
    }
}

fn is_internal_v4(address: Ipv4Addr) -> bool {
    let [a, b, ..] = address.octets();
    address.is_loopback()
        || address.is_private()
        || address.is_link_local()
        || address.is_unspecified()
        || address.is_multicast()
        || address.is_broadcast()
        || a == 0
        || (a == 100 && (64..128).contains(&b))
}

fn is_internal_v6(address: Ipv6Addr) -> bool {
    let first = address.segments()[0];
    address.is_loopback()
        || address.is_unspecified()
        || address.is_multicast()
        // Unique local addresses (fc00::/7) and link-local ones (fe80::/10).
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_ranges_are_recognised() {
        for address in [
            "0.0.0.0",
            "127.8.0.1",
            "172.16.0.1",
            "192.168.255.255",
            "169.254.169.254",
            "100.64.0.1",
            "224.0.0.1",
            "255.255.255.255",
            "::",
            "::1",
            "fd00::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(is_internal(address.parse().unwrap()), "{address}");
        }
        for address in [
            "8.8.8.8",
            "100.128.0.1",
            "172.32.0.1",
            "2001:4860:4860::8888",
        ] {
            assert!(!is_internal(address.parse().unwrap()), "{address}");
        }
    }

    #[test]
    fn ipv6_hosts_lose_their_brackets() {
        let url = WebhookUrl::parse("http://[::1]:8080/hook").unwrap();
        assert_eq!(url.host(), "::1");
        assert_eq!(url.port(), 8080);
    }
}
