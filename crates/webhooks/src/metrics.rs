//! What delivery looks like from outside: attempts by outcome, how long they
//! take, and how long after its commit an event's first attempt starts.

use prometheus::{Histogram, HistogramOpts, IntCounterVec, Opts, Registry};

/// The delivery metrics of one server, registered on its `/metrics` registry.
#[derive(Debug, Clone)]
pub struct DeliveryMetrics {
    attempts: IntCounterVec,
    duration: Histogram,
    lag: Histogram,
}

/// Seconds, from a millisecond to a day.
const BUCKETS: &[f64] = &[
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 15.0, 60.0, 300.0, 3_600.0,
    86_400.0,
];

impl DeliveryMetrics {
    /// The metrics, registered on `registry`.
    pub fn new(registry: &Registry) -> Self {
        let attempts = IntCounterVec::new(
            Opts::new(
                "webhook_attempts_total",
                "Webhook delivery attempts made, by result: `delivered` (2xx), `failed` (anything else; retried or given up), `gone` (410: the endpoint is disabled).",
            ),
            &["result"],
        )
        .expect("valid metric");
        let duration = Histogram::with_opts(
            HistogramOpts::new(
                "webhook_attempt_duration_seconds",
                "Time an attempt took, until the endpoint's answer or the failure.",
            )
            .buckets(BUCKETS.to_vec()),
        )
        .expect("valid metric");
        let lag = Histogram::with_opts(
            HistogramOpts::new(
                "webhook_delivery_lag_seconds",
                "From an event's commit to the start of its first attempt.",
            )
            .buckets(BUCKETS.to_vec()),
        )
        .expect("valid metric");
        for collector in [
            Box::new(attempts.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(duration.clone()),
            Box::new(lag.clone()),
        ] {
            registry
                .register(collector)
                .expect("metric names are unique");
        }
        Self {
            attempts,
            duration,
            lag,
        }
    }

    /// Counts one attempt.
    pub(crate) fn observe(&self, result: &str, seconds: f64, first_lag: Option<f64>) {
        self.attempts.with_label_values(&[result]).inc();
        self.duration.observe(seconds);
        if let Some(lag) = first_lag {
            self.lag.observe(lag.max(0.0));
        }
    }
}
