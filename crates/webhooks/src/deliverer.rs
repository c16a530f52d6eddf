//! The loop that listens for new deliveries and the workers that make them.

use std::sync::Arc;
use std::time::Duration;

use futures_util::future::join_all;
use futures_util::StreamExt;
use oms_persistence::webhooks::{outbox, Attempt, Due};
use oms_persistence::{error::error_chain, AsyncPgConnection, ConnectOptions, StoreError};
use tokio::sync::Notify;

use crate::send::{self, batch_deadline};
use crate::Settings;

/// How long a worker or the listener waits before connecting again after
/// losing its connection.
const RECONNECT: Duration = Duration::from_secs(1);

/// Delivers the events of `connect`'s schema for as long as the future runs.
pub async fn run(connect: ConnectOptions, settings: Settings) {
    let wake = Arc::new(Notify::new());
    let agent = send::client(&settings);
    let settings = Arc::new(settings);
    let workers = (0..settings.workers.max(1)).map(|_| {
        work(
            connect.clone(),
            Arc::clone(&settings),
            agent.clone(),
            Arc::clone(&wake),
        )
    });
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
async fn work(
    connect: ConnectOptions,
    settings: Arc<Settings>,
    agent: ureq::Agent,
    wake: Arc<Notify>,
) {
    let mut conn: Option<AsyncPgConnection> = None;
    loop {
        let notified = wake.notified();
        let mut notified = std::pin::pin!(notified);
        // Registered before looking, so a notice sent while this worker looks
        // is not missed.
        notified.as_mut().enable();
        let made = match conn.as_mut() {
            Some(open) => deliver_batch(open, &settings, &agent).await,
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

/// Makes one batch of due attempts, all at once, each on a blocking thread
/// (the HTTP client blocks).
async fn deliver_batch(
    conn: &mut AsyncPgConnection,
    settings: &Arc<Settings>,
    agent: &ureq::Agent,
) -> Result<usize, StoreError> {
    outbox::deliver_due(conn, settings.batch, async |due: Vec<Due>| {
        let sends = due.into_iter().map(|due| {
            let agent = agent.clone();
            let settings = Arc::clone(settings);
            tokio::task::spawn_blocking(move || send::attempt(&agent, &settings, &due))
        });
        let attempts = tokio::time::timeout(batch_deadline(settings), join_all(sends)).await;
        attempts
            .unwrap_or_default()
            .into_iter()
            .filter_map(Result::ok)
            .collect::<Vec<Attempt>>()
    })
    .await
}
