//! An endpoint's delivery log, one row per attempt, and manual retries.

use std::str::FromStr;

use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::AstPass;
use diesel::sql_types::{BigInt, Integer, Nullable, SmallInt, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use oms_domain::{DeliveryId, EventType, Paging, WebhookId};
use tokio::try_join;

use crate::error::{Entity, StoreError};
use crate::models::Page;
use crate::schema::{webhook_deliveries, webhook_endpoints, webhook_queue};
use crate::statement::{row, sql_file, unbound, Run, SqlFile, Statement};

/// Where an attempt stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    /// Not made yet: due at its `next_attempt_at`.
    Pending,
    /// The endpoint answered 2xx.
    Delivered,
    /// Anything else; retried at `next_attempt_at` unless that is empty.
    Failed,
}

impl DeliveryStatus {
    /// Its name, as stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
        }
    }
}

impl FromStr for DeliveryStatus {
    type Err = StoreError;

    fn from_str(text: &str) -> Result<Self, StoreError> {
        match text {
            "pending" => Ok(Self::Pending),
            "delivered" => Ok(Self::Delivered),
            "failed" => Ok(Self::Failed),
            other => Err(StoreError::Corrupt(format!(
                "a delivery has status '{other}'"
            ))),
        }
    }
}

/// One attempt to deliver an event to an endpoint: made (from the log) or
/// waiting (from the queue).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// The attempt's id.
    pub id: DeliveryId,
    /// The event's id (`webhook-id`), the same on every attempt.
    pub event_id: String,
    /// What happened.
    pub event_type: EventType,
    /// 1 for the first attempt, one more for each retry.
    pub attempt: i32,
    /// Where it stands.
    pub status: DeliveryStatus,
    /// The endpoint's HTTP status, when it answered.
    pub response_status: Option<i16>,
    /// How long the attempt took.
    pub latency_ms: Option<i32>,
    /// Why it failed, when it did.
    pub error: Option<String>,
    /// When it was made.
    pub attempted_at: Option<DateTime<Utc>>,
    /// When it is due (pending), or when it is retried (failed); `None` once
    /// delivered or given up.
    pub next_attempt_at: Option<DateTime<Utc>>,
}

row! {
    /// A row of the log.
    struct DeliveryRow {
        id: i64 as BigInt,
        event_id: String as Text,
        event_type: String as Text,
        attempt: i32 as Integer,
        status: String as Text,
        response_status: Option<i16> as Nullable<SmallInt>,
        latency_ms: Option<i32> as Nullable<Integer>,
        error: Option<String> as Nullable<Text>,
        attempted_at: Option<DateTime<Utc>> as Nullable<Timestamptz>,
        next_attempt_at: Option<DateTime<Utc>> as Nullable<Timestamptz>,
    }
}

impl TryFrom<DeliveryRow> for Delivery {
    type Error = StoreError;

    fn try_from(row: DeliveryRow) -> Result<Self, StoreError> {
        Ok(Self {
            id: DeliveryId::new(row.id),
            event_type: row.event_type.parse().map_err(|_| {
                StoreError::Corrupt(format!(
                    "delivery {}: event type {}",
                    row.id, row.event_type
                ))
            })?,
            event_id: row.event_id,
            attempt: row.attempt,
            status: row.status.parse()?,
            response_status: row.response_status,
            latency_ms: row.latency_ms,
            error: row.error,
            attempted_at: row.attempted_at,
            next_attempt_at: row.next_attempt_at,
        })
    }
}

fn deliveries(rows: Vec<DeliveryRow>) -> Result<Vec<Delivery>, StoreError> {
    rows.into_iter().map(Delivery::try_from).collect()
}

/// [`log`]'s statement.
struct Log {
    endpoint: i64,
    limit: i64,
    offset: i64,
    after: Option<i64>,
}

impl Statement for Log {
    const SQL: SqlFile = sql_file!("webhooks/log.sql");
    type Row = DeliveryRow;

    fn bind<'b>(&'b self, n: usize, out: &mut AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        match n {
            1 => out.push_bind_param::<BigInt, _>(&self.endpoint),
            2 => out.push_bind_param::<BigInt, _>(&self.limit),
            3 => out.push_bind_param::<BigInt, _>(&self.offset),
            4 => out.push_bind_param::<Nullable<BigInt>, _>(&self.after),
            _ => Err(unbound(n)),
        }
    }
}

/// One page of the endpoint's attempts, newest first, with how many there are;
/// [`StoreError::NotFound`] when there is no such endpoint.
pub async fn log(
    conn: &AsyncPgConnection,
    endpoint: WebhookId,
    paging: Paging,
) -> Result<Page<Delivery>, StoreError> {
    let exists = diesel::select(diesel::dsl::exists(
        webhook_endpoints::table.find(endpoint.get()),
    ))
    .get_result::<bool>(&mut &*conn);
    let after = paging.after_id();
    let rows = Run(Log {
        endpoint: endpoint.get(),
        limit: paging.rows_to_read(),
        offset: if after.is_some() { 0 } else { paging.offset() },
        after,
    })
    .load::<DeliveryRow>(&mut &*conn);
    let made = webhook_deliveries::table
        .filter(webhook_deliveries::endpoint_id.eq(endpoint.get()))
        .count()
        .get_result::<i64>(&mut &*conn);
    let queued = webhook_queue::table
        .filter(webhook_queue::endpoint_id.eq(endpoint.get()))
        .count()
        .get_result::<i64>(&mut &*conn);
    let (exists, rows, made, queued) = try_join!(exists, rows, made, queued)?;
    let total = made + queued;
    if !exists {
        return Err(StoreError::not_found(Entity::Webhook, endpoint.get()));
    }
    Ok(Page::of(deliveries(rows)?, paging, total))
}

/// [`retry`]'s statement.
struct Retry {
    endpoint: i64,
    delivery: i64,
}

impl Statement for Retry {
    const SQL: SqlFile = sql_file!("webhooks/retry.sql");
    type Row = DeliveryRow;

    fn bind<'b>(&'b self, n: usize, out: &mut AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        match n {
            1 => out.push_bind_param::<BigInt, _>(&self.endpoint),
            2 => out.push_bind_param::<BigInt, _>(&self.delivery),
            _ => Err(unbound(n)),
        }
    }
}

/// Sends the event of `delivery` to `endpoint` again, as soon as a deliverer
/// gets to it, and returns that attempt. [`StoreError::NotFound`] names the
/// endpoint when it does not exist, else the delivery when it is not one of
/// the endpoint's.
pub async fn retry(
    conn: &mut AsyncPgConnection,
    endpoint: WebhookId,
    delivery: DeliveryId,
) -> Result<Delivery, StoreError> {
    let rows = Run(Retry {
        endpoint: endpoint.get(),
        delivery: delivery.get(),
    })
    .load::<DeliveryRow>(conn)
    .await?;
    match rows.into_iter().next() {
        Some(row) => row.try_into(),
        None => {
            let exists = diesel::select(diesel::dsl::exists(
                webhook_endpoints::table.find(endpoint.get()),
            ))
            .get_result::<bool>(conn)
            .await?;
            Err(if exists {
                StoreError::not_found(Entity::Delivery, delivery.get())
            } else {
                StoreError::not_found(Entity::Webhook, endpoint.get())
            })
        }
    }
}

/// The statements of this module, for the check against the schema.
#[cfg(feature = "test-support")]
pub(crate) fn statements() -> [crate::statement::Checked; 2] {
    [
        crate::statement::checked::<Log>(),
        crate::statement::checked::<Retry>(),
    ]
}
