//! Delivers webhook events.
//!
//! Requests never send anything: the changes they make write their events to
//! the outbox, in their own transaction (see `oms_persistence::webhooks`).
//! [`run`] works through it: a connection listens for the notice each
//! committed transaction that queued deliveries sends, and a few workers, each
//! on a connection of its own, take the attempts that are due (locked, so that
//! the workers of every server share them without sending one twice), post
//! them signed ([`send`]), and record how each went, retries included, in the
//! same transaction. Polling every second catches what a notice missed
//! (retries falling due, a listener that was reconnecting).

mod deliverer;
mod metrics;
pub mod send;
#[cfg(feature = "test-support")]
pub mod testing;

use std::time::Duration;

use oms_domain::RetrySchedule;

pub use deliverer::run;
pub use metrics::DeliveryMetrics;

/// How deliveries are made.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Longest an endpoint may take to answer.
    pub timeout: Duration,
    /// When failed deliveries are tried again.
    pub schedule: RetrySchedule,
    /// Whether endpoints may be on loopback, private or link-local addresses.
    pub allow_private: bool,
    /// Workers per server, each sending one batch at a time.
    pub workers: usize,
    /// Most attempts one worker takes at once.
    pub batch: i64,
    /// How often workers look for due attempts when nothing wakes them.
    pub poll: Duration,
    /// How long a worker woken by a commit waits for more before it looks.
    pub gather: Duration,
}

impl Settings {
    /// 15 seconds, as the Standard Webhooks recommend.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            timeout: Self::DEFAULT_TIMEOUT,
            schedule: RetrySchedule::default(),
            allow_private: false,
            workers: 2,
            batch: 100,
            poll: Duration::from_secs(1),
            gather: Duration::from_millis(20),
        }
    }
}
