//! Webhooks: the endpoints events go to ([`endpoints`]); each endpoint's
//! attempts, made (`webhook_deliveries`, the log) and waiting
//! (`webhook_queue`), and manual retries ([`deliveries`]); how the deliverers
//! work through the queue ([`outbox`]); what is kept ([`retention`]).
//!
//! Events are not written here: the statement that places orders and the
//! triggers of the migration `webhooks` write them, in the transaction of the
//! change they report, and queue them for the endpoints that want them.

pub mod deliveries;
pub mod endpoints;
pub mod outbox;
pub mod retention;

pub use deliveries::{Delivery, DeliveryStatus};
pub use endpoints::{Endpoint, EndpointChanges, NewEndpoint};
pub use outbox::{Attempt, AttemptResult, Due};

/// The channel the queue's trigger notifies, with the schema as payload.
pub const CHANNEL: &str = "oms_webhooks";

/// The statements of this module, for the check against the schema.
#[cfg(feature = "test-support")]
pub(crate) fn statements() -> Vec<crate::statement::Checked> {
    let mut all = deliveries::statements().to_vec();
    all.extend(outbox::statements());
    all.extend(retention::statements());
    all
}
