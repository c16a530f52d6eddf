//! Queries and transactions on `orders` and `order_items`.
//!
//! * [`list`]: a page of orders with the totals of every match.
//! * [`get`] and [`change_status`]: one order; [`events`]: its history.
//! * [`compact_day_totals`] and [`vacuum_day_totals_pending`]: upkeep of the day
//!   totals the lists read.
//!
//! Orders are placed by [`crate::placing`].

mod events;
mod export;
mod lines;
mod list;
mod totals;

use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::AstPass;
use diesel::sql_types::{BigInt, Integer, Nullable, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use oms_domain::{Actor, IfMatch, OrderId, OrderStatus, StatusChange};

use crate::error::{Entity, StoreError};
use crate::models::OrderDetails;
use crate::statement::{row, sql_file, unbound, Run, SqlFile, Statement};
use lines::{fold_lines, OrderLine};

pub use events::{events, OrderEvent};
pub use export::export_chunk;
pub use list::list;
pub use totals::{compact_day_totals, vacuum_day_totals_pending};

/// The order with this id, with its user's name and its lines: one statement.
pub async fn get(conn: &AsyncPgConnection, id: OrderId) -> Result<OrderDetails, StoreError> {
    let rows: Vec<OrderLine> = Run(OrderById { id: id.get() }).load(&mut &*conn).await?;
    fold_lines(rows)?
        .pop()
        .ok_or_else(|| StoreError::not_found(Entity::Order, id.get()))
}

/// [`get`]'s statement.
struct OrderById {
    id: i64,
}

impl Statement for OrderById {
    const SQL: SqlFile = sql_file!("orders/order_by_id.sql");
    type Row = OrderLine;

    fn bind<'b>(&'b self, n: usize, out: &mut AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        match n {
            1 => out.push_bind_param::<BigInt, _>(&self.id),
            _ => Err(unbound(n)),
        }
    }
}

/// Moves the order to status `to` if its life cycle allows it and `if_match`
/// its version (checked first: a stale version is refused before the move is
/// judged), recording the change and `actor` in the order's history; asking for the status it already
/// has changes nothing (and writes nothing: an `UPDATE`, even one that matches no
/// row, would run the day-totals trigger). The order is read in one statement; a
/// move is then written, with its event, by a compare-and-set on the status that
/// was read, so concurrent changes cannot skip a rule: when another change lands
/// first, the decision is made again on the new state.
pub async fn change_status(
    conn: &AsyncPgConnection,
    id: OrderId,
    to: OrderStatus,
    actor: &Actor,
    if_match: Option<&IfMatch>,
) -> Result<OrderDetails, StoreError> {
    loop {
        let read = get(conn, id).await;
        let mut order = match (read, if_match) {
            (Ok(order), Some(condition)) if !condition.allows(order.version) => {
                return Err(StoreError::PreconditionFailed {
                    entity: Entity::Order,
                    id: id.get(),
                    version: Some(order.version),
                })
            }
            (Err(StoreError::NotFound { .. }), Some(_)) => {
                return Err(StoreError::PreconditionFailed {
                    entity: Entity::Order,
                    id: id.get(),
                    version: None,
                })
            }
            (read, _) => read?,
        };
        let StatusChange::Moves { from, to } = order.status.change_to(to)? else {
            return Ok(order);
        };
        let statement = ChangeStatus {
            id: id.get(),
            from: from.as_str(),
            to: to.as_str(),
            api_key_id: actor.api_key_id.map(|key| key.get()),
            request_id: actor.request_id.clone(),
            version: order.version,
        };
        let changed: Option<ChangedAt> = Run(statement).get_result(&mut &*conn).await.optional()?;
        if let Some(changed) = changed {
            order.status = to;
            order.updated_at = changed.updated_at;
            order.version = changed.version;
            return Ok(order);
        }
    }
}

/// [`change_status`]'s write.
struct ChangeStatus {
    id: i64,
    from: &'static str,
    to: &'static str,
    api_key_id: Option<i64>,
    request_id: Option<String>,
    version: i32,
}

impl Statement for ChangeStatus {
    const SQL: SqlFile = sql_file!("orders/change_status.sql");
    type Row = ChangedAt;

    fn bind<'b>(&'b self, n: usize, out: &mut AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        match n {
            1 => out.push_bind_param::<BigInt, _>(&self.id),
            2 => out.push_bind_param::<Text, _>(&self.from),
            3 => out.push_bind_param::<Text, _>(&self.to),
            4 => out.push_bind_param::<Nullable<BigInt>, _>(&self.api_key_id),
            5 => out.push_bind_param::<Nullable<Text>, _>(&self.request_id),
            6 => out.push_bind_param::<Integer, _>(&self.version),
            _ => Err(unbound(n)),
        }
    }
}

row! {
    /// When a status change was written, and the order's new version.
    struct ChangedAt {
        updated_at: Option<chrono::DateTime<chrono::Utc>> as Nullable<Timestamptz>,
        version: i32 as Integer,
    }
}

/// The statements of this module, for the check against the schema.
#[cfg(feature = "test-support")]
pub(crate) fn statements() -> Vec<crate::statement::Checked> {
    let mut all = vec![
        crate::statement::checked::<OrderById>(),
        crate::statement::checked::<ChangeStatus>(),
    ];
    all.extend(list::statements());
    all.extend(export::statements());
    all.extend(totals::statements());
    all
}
