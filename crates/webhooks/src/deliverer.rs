//! The loop that listens for new deliveries and the workers that make them.

use std::sync::Arc;
use std::time::Duration;

use futures_util::future::join_all;
use futures_util::StreamExt;
use oms_persistence::webhooks::{outbox, Attempt, AttemptResult, Due};
use oms_persistence::{error::error_chain, AsyncPgConnection, ConnectOptions, StoreError};
use tokio::sync::Notify;

use crate::send::{self, batch_deadline};
use crate::{DeliveryMetrics, Settings};

/// How long a worker or the listener waits before connecting again after
/// losing its connection.
const RECONNECT: Duration = Duration::from_secs(1);

/// Delivers the events of `connect`'s schema for as long as the future runs,
/// counting the attempts in `metrics`.
pub async fn run(connect: ConnectOptions, settings: Settings, metrics: DeliveryMetrics) {
    let wake = Arc::new(Notify::new());
    let sender = Arc::new(Sender {
        agent: send::client(&settings),
        settings,
        metrics,
    });
    let workers = (0..sender.settings.workers.max(1))
        .map(|_| work(connect.clone(), Arc::clone(&sender), Arc::clone(&wake)));
    tokio::join!(listen(&connect, &wake), join_all(workers));
}

/// Wakes every waiting worker when a transaction that queued deliveries for
/// this schema commits.
async fn listen(connect: &ConnectOptions, wake: &Notify) {
    loop {
        match outbox::listening_connection(connect).await {
            Ok(mut conn) => {
                tracing::debug!("listening for webhook deliveries");
                // Whatever was queued while nobody listened is due now.
                wake.notify_waiters();
                let mut notices = std::pin::pin!(conn.notifications_stream());
                while let Some(Ok(notice)) = notices.next().await {
                    if notice.payload == connect.schema {
                        wake.notify_waiters();
                    }
                }
                tracing::warn!(
                    "stopped listening for webhook deliveries; polling until it resumes"
                );
            }
            Err(error) => {
                tracing::debug!(error = %error_chain(&error), "cannot listen for webhook deliveries");
            }
        }
        tokio::time::sleep(RECONNECT).await;
    }
}

/// One worker: takes a batch of due attempts, makes them, records them; when
/// fewer than a batch were due, waits for a notice (or the poll interval),
/// then a moment more, so that under a steady stream of commits each claim
/// takes many attempts rather than one per commit.
async fn work(connect: ConnectOptions, sender: Arc<Sender>, wake: Arc<Notify>) {
    let settings = &sender.settings;
    let mut conn: Option<AsyncPgConnection> = None;
    loop {
        let notified = wake.notified();
        let mut notified = std::pin::pin!(notified);
        // Registered before looking, so a notice sent while this worker looks
        // is not missed.
        notified.as_mut().enable();
        let made = match conn.as_mut() {
            Some(open) => deliver_batch(open, &sender).await,
            None => match outbox::delivering_connection(&connect).await {
                Ok(open) => {
                    conn = Some(open);
                    continue;
                }
                Err(error) => Err(error),
            },
        };
        match made {
            Ok(made) if made as i64 >= settings.batch => continue,
            // What waited behind the attempts just made is due now.
            Ok(made) if made > 0 => tokio::time::sleep(settings.gather).await,
            Ok(_) => {
                let _ = tokio::time::timeout(settings.poll, notified).await;
                tokio::time::sleep(settings.gather).await;
            }
            Err(error) => {
                tracing::warn!(error = %error_chain(&error), "cannot deliver webhooks; trying again");
                conn = None;
                tokio::time::sleep(RECONNECT).await;
            }
        }
    }
}

/// What every worker of a server sends with.
struct Sender {
    agent: ureq::Agent,
    settings: Settings,
    metrics: DeliveryMetrics,
}

impl Sender {
    /// Makes the attempt (blocking) and counts it.
    fn attempt(&self, due: &Due) -> Attempt {
        let attempt = send::attempt(&self.agent, &self.settings, due);
        let result = match attempt.result {
            AttemptResult::Delivered => "delivered",
            AttemptResult::Failed { disable: true, .. } => "gone",
            AttemptResult::Failed { .. } => "failed",
        };
        let lag = (due.attempt == 1).then(|| {
            (attempt.attempted_at - due.event_at)
                .num_microseconds()
                .unwrap_or(0) as f64
                / 1e6
        });
        self.metrics
            .observe(result, f64::from(attempt.latency_ms) / 1_000.0, lag);
        attempt
    }
}

/// Makes one batch of due attempts, all at once, each on a blocking thread
/// (the HTTP client blocks).
async fn deliver_batch(
    conn: &mut AsyncPgConnection,
    sender: &Arc<Sender>,
) -> Result<usize, StoreError> {
    outbox::deliver_due(conn, sender.settings.batch, async |due: Vec<Due>| {
        let sends = due.into_iter().map(|due| {
            let sender = Arc::clone(sender);
            tokio::task::spawn_blocking(move || sender.attempt(&due))
        });
        let attempts =
            tokio::time::timeout(batch_deadline(&sender.settings), join_all(sends)).await;
        attempts
            .unwrap_or_default()
            .into_iter()
            .filter_map(Result::ok)
            .collect::<Vec<Attempt>>()
    })
    .await
}
