//! The queue of deliveries, as the deliverers see it: take the attempts that
//! are due, make them (the caller sends), record how each went.

use std::future::Future;

use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::AstPass;
use diesel::sql_types::{Array, BigInt, Bytea, Integer, Nullable, SmallInt, Text, Timestamptz};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use oms_domain::{DeliveryId, WebhookId, WebhookSecret};

use super::CHANNEL;
use crate::error::StoreError;
use crate::pool::{quote_identifier, ConnectOptions};
use crate::statement::{row, sql_file, unbound, Run, SqlFile, Statement};

/// An attempt that is due: what to send, where, signed with what.
#[derive(Debug, Clone)]
pub struct Due {
    /// The attempt.
    pub delivery: DeliveryId,
    /// The endpoint.
    pub endpoint: WebhookId,
    /// 1 for the first attempt.
    pub attempt: i32,
    /// Where to post.
    pub url: String,
    /// What to sign with.
    pub secret: WebhookSecret,
    /// The event's id.
    pub event_id: String,
    /// The event's type.
    pub event_type: String,
    /// The resource, as JSON text.
    pub data: String,
    /// When the change was made.
    pub event_at: DateTime<Utc>,
}

/// How an attempt went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptResult {
    /// The endpoint answered 2xx.
    Delivered,
    /// It did not; tried again at the time given, if any.
    Failed {
        /// When the next attempt is due; `None` to give up.
        retry_at: Option<DateTime<Utc>>,
        /// Whether to disable the endpoint (it answered 410 Gone).
        disable: bool,
    },
}

/// An attempt made.
#[derive(Debug, Clone)]
pub struct Attempt {
    /// Which.
    pub delivery: DeliveryId,
    /// To which endpoint.
    pub endpoint: WebhookId,
    /// How it went.
    pub result: AttemptResult,
    /// The endpoint's HTTP status, when it answered.
    pub response_status: Option<u16>,
    /// How long it took.
    pub latency_ms: i32,
    /// Why it failed.
    pub error: Option<String>,
    /// When it was made.
    pub attempted_at: DateTime<Utc>,
}

row! {
    /// An attempt taken.
    struct DueRow {
        id: i64 as BigInt,
        endpoint_id: i64 as BigInt,
        attempt: i32 as Integer,
        url: String as Text,
        secret: Vec<u8> as Bytea,
        event_id: String as Text,
        event_type: String as Text,
        data: String as Text,
        event_at: DateTime<Utc> as Timestamptz,
    }
}

impl TryFrom<DueRow> for Due {
    type Error = StoreError;

    fn try_from(row: DueRow) -> Result<Self, StoreError> {
        let secret = WebhookSecret::new(row.secret).map_err(|error| {
            StoreError::Corrupt(format!(
                "webhook {}: its secret {}",
                row.endpoint_id, error.message
            ))
        })?;
        Ok(Self {
            delivery: DeliveryId::new(row.id),
            endpoint: WebhookId::new(row.endpoint_id),
            attempt: row.attempt,
            url: row.url,
            secret,
            event_id: row.event_id,
            event_type: row.event_type,
            data: row.data,
            event_at: row.event_at,
        })
    }
}

/// [`deliver_due`]'s claim.
struct Claim {
    limit: i64,
}

impl Statement for Claim {
    const SQL: SqlFile = sql_file!("webhooks/claim.sql");
    type Row = DueRow;

    fn bind<'b>(&'b self, n: usize, out: &mut AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        match n {
            1 => out.push_bind_param::<BigInt, _>(&self.limit),
            _ => Err(unbound(n)),
        }
    }
}

/// [`deliver_due`]'s record of the attempts.
#[derive(Default)]
struct Record {
    ids: Vec<i64>,
    statuses: Vec<&'static str>,
    response_statuses: Vec<Option<i16>>,
    latencies: Vec<i32>,
    errors: Vec<Option<String>>,
    attempted: Vec<DateTime<Utc>>,
    retries: Vec<Option<DateTime<Utc>>>,
    disabled: Vec<i64>,
}

impl Record {
    fn of(attempts: &[Attempt]) -> Self {
        let mut record = Self::default();
        for attempt in attempts {
            let (status, retry_at) = match attempt.result {
                AttemptResult::Delivered => ("delivered", None),
                AttemptResult::Failed { retry_at, disable } => {
                    if disable {
                        record.disabled.push(attempt.endpoint.get());
                    }
                    ("failed", retry_at)
                }
            };
            record.ids.push(attempt.delivery.get());
            record.statuses.push(status);
            record
                .response_statuses
                .push(attempt.response_status.and_then(|s| i16::try_from(s).ok()));
            record.latencies.push(attempt.latency_ms);
            record.errors.push(attempt.error.clone());
            record.attempted.push(attempt.attempted_at);
            record.retries.push(retry_at);
        }
        record
    }
}

impl Statement for Record {
    const SQL: SqlFile = sql_file!("webhooks/record.sql");
    type Row = Recorded;

    fn bind<'b>(&'b self, n: usize, out: &mut AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        match n {
            1 => out.push_bind_param::<Array<BigInt>, _>(&self.ids),
            2 => out.push_bind_param::<Array<Text>, _>(&self.statuses),
            3 => out.push_bind_param::<Array<Nullable<SmallInt>>, _>(&self.response_statuses),
            4 => out.push_bind_param::<Array<Integer>, _>(&self.latencies),
            5 => out.push_bind_param::<Array<Nullable<Text>>, _>(&self.errors),
            6 => out.push_bind_param::<Array<Timestamptz>, _>(&self.attempted),
            7 => out.push_bind_param::<Array<Nullable<Timestamptz>>, _>(&self.retries),
            8 => out.push_bind_param::<Array<BigInt>, _>(&self.disabled),
            _ => Err(unbound(n)),
        }
    }
}

row! {
    /// How many attempts were recorded.
    struct Recorded {
        n: i64 as BigInt,
    }
}

/// Takes up to `limit` due attempts, has `send` make them, and records what it
/// answers (one [`Attempt`] per [`Due`]), in one transaction: the attempts
/// stay locked while they are sent, so no other deliverer sends them, and if
/// this one dies before recording, they are due again at once. Answers how
/// many attempts were made.
pub async fn deliver_due<F, Sending>(
    conn: &mut AsyncPgConnection,
    limit: i64,
    send: F,
) -> Result<usize, StoreError>
where
    F: FnOnce(Vec<Due>) -> Sending + Send,
    Sending: Future<Output = Vec<Attempt>> + Send,
{
    conn.transaction(async |conn| {
        let due = Run(Claim { limit })
            .load::<DueRow>(conn)
            .await?
            .into_iter()
            .map(Due::try_from)
            .collect::<Result<Vec<_>, _>>()?;
        if due.is_empty() {
            return Ok(0);
        }
        let attempts = send(due).await;
        let recorded = Run(Record::of(&attempts))
            .get_result::<Recorded>(conn)
            .await?;
        Ok(usize::try_from(recorded.n).unwrap_or_default())
    })
    .await
}

/// A connection of its own for a worker that delivers (named so in
/// `pg_stat_activity`).
pub async fn delivering_connection(
    connect: &ConnectOptions,
) -> Result<AsyncPgConnection, StoreError> {
    let mut conn = connect.connect().await?;
    conn.batch_execute("SET application_name = 'oms webhook delivery'")
        .await?;
    Ok(conn)
}

/// A connection of its own that listens for new deliveries; its
/// `notifications_stream` yields a notice, with the schema as payload, after
/// each transaction that queued some commits.
pub async fn listening_connection(
    connect: &ConnectOptions,
) -> Result<AsyncPgConnection, StoreError> {
    let mut conn = connect.connect().await?;
    conn.batch_execute(&format!(
        "SET application_name = 'oms webhook notices'; LISTEN {}",
        quote_identifier(CHANNEL)
    ))
    .await?;
    Ok(conn)
}

/// The statements of this module, for the check against the schema.
#[cfg(feature = "test-support")]
pub(crate) fn statements() -> [crate::statement::Checked; 2] {
    [
        crate::statement::checked::<Claim>(),
        crate::statement::checked::<Record>(),
    ]
}
