//! Webhooks, as the Standard Webhooks specification has them: the event types
//! an endpoint subscribes to ([`EventType`], [`Subscription`]), where it may be
//! ([`WebhookUrl`], [`is_internal`]), the secret deliveries are signed with
//! ([`WebhookSecret`]), and when a failed delivery is tried again
//! ([`RetrySchedule`]).

mod event;
mod schedule;
mod secret;
mod target;

pub use event::{EventType, Subscription};
pub use schedule::RetrySchedule;
pub use secret::WebhookSecret;
pub use target::{is_internal, WebhookUrl};
