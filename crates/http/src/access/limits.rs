//! Per-key rate limits, held together by every server sharing the database.
//!
//! Each key has a window of the requests it made in the last minute, in the
//! database (see [`oms_domain::usage`]). A server takes requests from it a few
//! at a time and lets them through from memory for up to a second; it asks
//! for more only when those are spent, and for twice as many when they were
//! spent early, so a busy key costs a query now and then and never one per
//! request. Requests a server took but did not use stay counted, so the
//! servers together never let more than the quota through in any minute.

use std::time::{Duration, Instant};

use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
use oms_domain::usage::AHEAD_SECONDS;
use oms_persistence::Store;

use super::keyring::KnownKey;

/// `RateLimit-Policy`: the quota and its window (draft-ietf-httpapi-ratelimit-headers-10).
pub const RATE_LIMIT_POLICY: HeaderName = HeaderName::from_static("ratelimit-policy");
/// `RateLimit`: what is left of the quota, and when one more request comes back.
pub const RATE_LIMIT: HeaderName = HeaderName::from_static("ratelimit");

/// The requests a server may still let through for one key.
#[derive(Debug, Default)]
pub struct Allowance {
    /// Taken from the shared window and not used yet.
    tokens: u32,
    /// When the tokens may no longer be used.
    expires: Option<Instant>,
    /// How many to ask for next time.
    batch: u32,
    /// What the shared window had left when tokens were last taken.
    shared_remaining: u32,
    /// When the shared window frees a request, if it had none left.
    frees_at: Option<Instant>,
}

/// Whether a request may go ahead, and what the client is told about its quota.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    /// The request may go ahead.
    pub allowed: bool,
    /// The key's quota per minute.
    pub quota: u32,
    /// Requests left (as far as this server knows).
    pub remaining: u32,
    /// Seconds until one more request is allowed; 0 if one is now.
    pub reset_seconds: u32,
}

impl Decision {
    /// Adds `RateLimit-Policy` and `RateLimit` to `headers`.
    pub fn write_headers(&self, headers: &mut HeaderMap) {
        let policy = format!("\"default\";q={};w=60", self.quota);
        let state = format!("\"default\";r={};t={}", self.remaining, self.reset_seconds);
        for (name, value) in [(RATE_LIMIT_POLICY, policy), (RATE_LIMIT, state)] {
            if let Ok(value) = HeaderValue::from_str(&value) {
                headers.insert(name, value);
            }
        }
    }
}

/// Lets a request for `key` through or not, under a quota of `quota` per
/// minute. When the database cannot be asked, the request goes ahead: a limit
/// that cannot be checked does not take the service down with it.
pub async fn decide(store: &Store, key: &KnownKey, quota: u32) -> Decision {
    let mut allowance = key.allowance.lock().await;
    let now = Instant::now();
    let decision = |allowed, allowance: &Allowance| {
        let remaining = allowance.shared_remaining + allowance.tokens;
        Decision {
            allowed,
            quota,
            remaining,
            reset_seconds: match allowance.frees_at {
                Some(at) if remaining == 0 => seconds_until(at, now),
                _ => 0,
            },
        }
    };
    let live = allowance.expires.is_some_and(|expires| expires > now);
    if allowance.tokens > 0 && live {
        allowance.tokens -= 1;
        return decision(true, &allowance);
    }
    if allowance.frees_at.is_some_and(|at| at > now) && allowance.shared_remaining == 0 {
        allowance.tokens = 0;
        return decision(false, &allowance);
    }
    let largest_batch = (quota / 20).max(1);
    allowance.batch = if live {
        // Spent before they expired: the key is busy here.
        (allowance.batch * 2).clamp(1, largest_batch)
    } else {
        // Expired (or never taken): ask for what was used last time.
        allowance
            .batch
            .saturating_sub(allowance.tokens)
            .clamp(1, largest_batch)
    };
    // Boxed for the same reason as the key lookup: most requests never query.
    let grant = match Box::pin(store.take_requests(key.id(), allowance.batch, quota)).await {
        Ok(grant) => grant,
        Err(error) => {
            tracing::warn!(%error, "rate limit not checked");
            return Decision {
                allowed: true,
                quota,
                remaining: 0,
                reset_seconds: 0,
            };
        }
    };
    allowance.shared_remaining = grant.remaining;
    allowance.frees_at =
        (grant.retry_after > 0).then(|| now + Duration::from_secs(grant.retry_after.into()));
    if grant.granted == 0 {
        allowance.tokens = 0;
        return decision(false, &allowance);
    }
    allowance.tokens = grant.granted - 1;
    allowance.expires = Some(now + Duration::from_secs(AHEAD_SECONDS as u64));
    decision(true, &allowance)
}

/// Whole seconds from `now` to `at`, rounded up, at least 1.
fn seconds_until(at: Instant, now: Instant) -> u32 {
    let millis = at.saturating_duration_since(now).as_millis();
    u32::try_from(millis.div_ceil(1000))
        .unwrap_or(u32::MAX)
        .max(1)
}
