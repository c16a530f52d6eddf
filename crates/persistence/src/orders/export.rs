//! The export's chunks: the orders a filter selects, a chunk at a time by
//! their sort key, with their lines.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::AstPass;
use diesel::sql_types::{BigInt, Nullable, Timestamp, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use oms_domain::{After, OrderFilter};

use super::list::{after_time, assemble, before_row, items_of};
use super::totals::matching_orders;
use crate::error::StoreError;
use crate::models::{OrderDetails, OrderRow};
use crate::schema::orders;
use crate::statement::{row, sql_file, unbound, Run, SqlFile, Statement};

/// The next `count` orders matching `filter` after the row `after` names
/// (from the newest without it), each with its lines and their products'
/// names, for an export: no totals and no user names. Fewer than `count`
/// orders means none follow.
pub async fn export_chunk(
    conn: &AsyncPgConnection,
    filter: &OrderFilter,
    after: Option<After>,
    count: i64,
) -> Result<Vec<OrderDetails>, StoreError> {
    let after = after_time(after)?;
    let rows = match filter.product_id {
        Some(product) => orders_of_product(conn, filter, product.get(), after, count).await?,
        None => {
            let mut query = matching_orders!(orders::table.into_boxed(), filter)
                .select(OrderRow::as_select())
                .order((orders::created_at.desc(), orders::id.desc()))
                .limit(count);
            if let Some(user) = filter.user_id {
                query = query.filter(orders::user_id.eq(user.get()));
            }
            if let Some((at, id)) = after {
                query = query.filter(before_row(at, id));
            }
            query.load(&mut &*conn).await?
        }
    };
    let ids: Vec<i64> = rows.iter().map(|row| row.id).collect();
    let items = if ids.is_empty() {
        Vec::new()
    } else {
        items_of(conn, &ids).await?
    };
    assemble(
        rows.into_iter().map(|row| (row, String::new())).collect(),
        items,
    )
}

/// The next `count` orders with a line of `product` (and matching the rest of
/// `filter`) after `after`, found from the product's lines month by month,
/// newest first, over the months that hold orders (and that the filter's dates
/// allow). Orders with an infinite creation date, which only plain SQL can
/// write, are not among them.
async fn orders_of_product(
    conn: &AsyncPgConnection,
    filter: &OrderFilter,
    product: i64,
    mut after: Option<(DateTime<Utc>, i64)>,
    count: i64,
) -> Result<Vec<OrderRow>, StoreError> {
    let dates: Dates = Run(OrderDates).get_result(&mut &*conn).await?;
    let (Some(oldest), Some(newest)) = (dates.oldest, dates.newest) else {
        return Ok(Vec::new());
    };
    let newest = [Some(newest), filter.created_before, after.map(|(at, _)| at)]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(newest);
    let oldest = filter.created_from.map_or(oldest, |from| from.max(oldest));
    let (mut month, first) = (month_of(newest), month_of(oldest));
    let mut found: Vec<OrderRow> = Vec::new();
    while found.len() < usize::try_from(count).unwrap_or(usize::MAX) && month >= first {
        let lines: Vec<ProductLine> = Run(LinesOfProduct {
            month,
            product,
            after_at: after.map(|(at, _)| at),
            after_id: after.map(|(_, id)| id),
            limit: count,
        })
        .load(&mut &*conn)
        .await?;
        let month_done = lines.len() < usize::try_from(count).unwrap_or(usize::MAX);
        if let Some(last) = lines.last() {
            after = Some((last.order_created_at, last.order_id));
        }
        let mut ids: Vec<i64> = lines.iter().map(|line| line.order_id).collect();
        ids.dedup();
        if !ids.is_empty() {
            let mut query = matching_orders!(orders::table.into_boxed(), filter)
                .filter(orders::id.eq_any(ids))
                .select(OrderRow::as_select())
                .order((orders::created_at.desc(), orders::id.desc()));
            if let Some(user) = filter.user_id {
                query = query.filter(orders::user_id.eq(user.get()));
            }
            found.extend(query.load::<OrderRow>(&mut &*conn).await?);
        }
        if month_done {
            month = month_before(month);
        }
    }
    found.truncate(usize::try_from(count).unwrap_or(usize::MAX));
    Ok(found)
}

/// The first instant of the month of `at`, in UTC, as the lines' index keys it.
fn month_of(at: DateTime<Utc>) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(at.year(), at.month(), 1)
        .unwrap_or(NaiveDate::MIN)
        .and_time(chrono::NaiveTime::MIN)
}

/// The first instant of the month before `month`.
fn month_before(month: NaiveDateTime) -> NaiveDateTime {
    let (year, month) = match month.month() {
        1 => (month.year() - 1, 12),
        other => (month.year(), other - 1),
    };
    NaiveDate::from_ymd_opt(year, month, 1)
        .unwrap_or(NaiveDate::MIN)
        .and_time(chrono::NaiveTime::MIN)
}

/// The creation dates of the oldest and newest orders (two probes of the
/// orders' date index).
struct OrderDates;

impl Statement for OrderDates {
    const SQL: SqlFile = sql_file!("orders/order_dates.sql");
    type Row = Dates;
}

row! {
    /// The oldest and newest finite creation dates; `None` without orders.
    struct Dates {
        oldest: Option<DateTime<Utc>> as Nullable<Timestamptz>,
        newest: Option<DateTime<Utc>> as Nullable<Timestamptz>,
    }
}

/// The product's lines of one month, after a cursor.
struct LinesOfProduct {
    month: NaiveDateTime,
    product: i64,
    after_at: Option<DateTime<Utc>>,
    after_id: Option<i64>,
    limit: i64,
}

impl Statement for LinesOfProduct {
    const SQL: SqlFile = sql_file!("orders/export_lines_of_product.sql");
    type Row = ProductLine;

    fn bind<'b>(&'b self, n: usize, out: &mut AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        match n {
            1 => out.push_bind_param::<Timestamp, _>(&self.month),
            2 => out.push_bind_param::<BigInt, _>(&self.product),
            3 => out.push_bind_param::<Nullable<Timestamptz>, _>(&self.after_at),
            4 => out.push_bind_param::<Nullable<BigInt>, _>(&self.after_id),
            5 => out.push_bind_param::<BigInt, _>(&self.limit),
            _ => Err(unbound(n)),
        }
    }
}

row! {
    /// A line of the product: its order, and that order's creation time.
    struct ProductLine {
        order_id: i64 as BigInt,
        order_created_at: DateTime<Utc> as Timestamptz,
    }
}

/// The statements of this module, for the check against the schema.
#[cfg(feature = "test-support")]
pub(crate) fn statements() -> [crate::statement::Checked; 2] {
    use crate::statement::checked;
    [checked::<OrderDates>(), checked::<LinesOfProduct>()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_step_back_across_years() {
        let at = DateTime::parse_from_rfc3339("2024-03-15T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let march = month_of(at);
        assert_eq!(march.to_string(), "2024-03-01 00:00:00");
        let january = month_before(month_before(march));
        assert_eq!(month_before(january).to_string(), "2023-12-01 00:00:00");
    }
}
