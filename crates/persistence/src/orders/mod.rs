//! Queries and transactions on `orders` and `order_items`.
//!
//! * [`list`]: a page of orders with the totals of every match.
//! * [`get`] and [`change_status`]: one order.
//! * [`compact_day_totals`] and [`vacuum_day_totals_pending`]: upkeep of the day
//!   totals the lists read.
//!
//! Orders are placed by [`crate::placing`].

mod lines;
mod list;
mod totals;

use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::AstPass;
use diesel::sql_types::BigInt;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use oms_domain::{OrderId, OrderStatus, StatusChange};

use crate::error::{Entity, StoreError};
use crate::models::OrderDetails;
use crate::schema::orders;
use crate::statement::{sql_file, unbound, Run, SqlFile, Statement};
use lines::{fold_lines, OrderLine};

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

/// Moves the order to status `to` if its life cycle allows it; asking for the
/// status it already has changes nothing (and writes nothing: an `UPDATE`, even
/// one that matches no row, would run the day-totals trigger). The order is read
/// in one statement; a move is then written with a compare-and-set on the status
/// that was read, so concurrent changes cannot skip a rule: when another change
/// lands first, the decision is made again on the new state.
pub async fn change_status(
    conn: &AsyncPgConnection,
    id: OrderId,
    to: OrderStatus,
) -> Result<OrderDetails, StoreError> {
    loop {
        let mut order = get(conn, id).await?;
        let StatusChange::Moves { from, to } = order.status.change_to(to)? else {
            return Ok(order);
        };
        let changed_at = diesel::update(
            orders::table
                .filter(orders::id.eq(id.get()))
                .filter(orders::status.eq(from.as_str())),
        )
        .set((
            orders::status.eq(to.as_str()),
            orders::updated_at.eq(diesel::dsl::now),
        ))
        .returning(orders::updated_at)
        .get_result::<Option<chrono::DateTime<chrono::Utc>>>(&mut &*conn)
        .await
        .optional()?;
        if let Some(changed_at) = changed_at {
            order.status = to;
            order.updated_at = changed_at;
            return Ok(order);
        }
    }
}

/// The statements of this module, for the check against the schema.
#[cfg(feature = "test-support")]
pub(crate) fn statements() -> Vec<crate::statement::Checked> {
    let mut all = vec![crate::statement::checked::<OrderById>()];
    all.extend(list::statements());
    all.extend(totals::statements());
    all
}
