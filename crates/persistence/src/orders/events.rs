//! An order's history: its events, oldest first.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use oms_domain::{Actor, ApiKeyId, OrderEventType, OrderId, OrderStatus, Paging};
use tokio::try_join;

use crate::error::{parse_status, Entity, StoreError};
use crate::models::Page;
use crate::schema::{order_events, orders};

/// A change to an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderEvent {
    /// The event's id; events of one order ascend in the order their changes
    /// were committed.
    pub id: i64,
    /// The order changed.
    pub order_id: OrderId,
    /// What happened.
    pub kind: OrderEventType,
    /// When.
    pub at: DateTime<Utc>,
    /// The status before (none for a placed order).
    pub status_from: Option<OrderStatus>,
    /// The status after.
    pub status_to: OrderStatus,
    /// Who made the change.
    pub actor: Actor,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = order_events, check_for_backend(diesel::pg::Pg))]
struct EventRow {
    id: i64,
    order_id: i64,
    type_: String,
    at: DateTime<Utc>,
    status_from: Option<String>,
    status_to: String,
    api_key_id: Option<i64>,
    request_id: Option<String>,
}

impl TryFrom<EventRow> for OrderEvent {
    type Error = StoreError;

    fn try_from(row: EventRow) -> Result<Self, StoreError> {
        Ok(Self {
            id: row.id,
            order_id: OrderId::new(row.order_id),
            kind: row
                .type_
                .parse()
                .map_err(|error| StoreError::Corrupt(format!("event {}: {error}", row.id)))?,
            at: row.at,
            status_from: row.status_from.as_deref().map(parse_status).transpose()?,
            status_to: parse_status(&row.status_to)?,
            actor: Actor {
                api_key_id: row.api_key_id.map(ApiKeyId::new),
                request_id: row.request_id,
            },
        })
    }
}

/// One page of the order's events, oldest first, with how many it has;
/// [`StoreError::NotFound`] when there is no such order.
pub async fn events(
    conn: &AsyncPgConnection,
    id: OrderId,
    paging: Paging,
) -> Result<Page<OrderEvent>, StoreError> {
    let exists = diesel::select(diesel::dsl::exists(orders::table.find(id.get())))
        .get_result::<bool>(&mut &*conn);
    let mut page = order_events::table
        .filter(order_events::order_id.eq(id.get()))
        .select(EventRow::as_select())
        .order(order_events::id.asc())
        .limit(paging.rows_to_read())
        .into_boxed();
    page = match paging.after_id() {
        Some(after) => page.filter(order_events::id.gt(after)),
        None => page.offset(paging.offset()),
    };
    let rows = page.load(&mut &*conn);
    let total = order_events::table
        .filter(order_events::order_id.eq(id.get()))
        .count()
        .get_result(&mut &*conn);
    let (exists, rows, total) = try_join!(exists, rows, total)?;
    if !exists {
        return Err(StoreError::not_found(Entity::Order, id.get()));
    }
    let rows = rows
        .into_iter()
        .map(OrderEvent::try_from)
        .collect::<Result<_, _>>()?;
    Ok(Page::of(rows, paging, total))
}
