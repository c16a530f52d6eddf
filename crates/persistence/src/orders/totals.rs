//! The count and totals of the orders a list matches, and the day totals that
//! keep them cheap.

use chrono::{NaiveDate, NaiveTime};
use diesel::dsl::count_star;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::AstPass;
use diesel::sql_types::{BigInt, Date, Nullable, Numeric, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use oms_domain::{OrderFilter, OrderStatus};
use tokio::try_join;

use crate::error::StoreError;
use crate::schema::orders;
use crate::statement::{row, sql_file, unbound, Run, SqlFile, Statement};

#[diesel::declare_sql_function]
extern "SQL" {
    /// A sum as `bigint`, 0 for no rows, NULL when it does not fit (migration 9).
    fn sum_as_bigint(total: Nullable<Numeric>) -> Nullable<BigInt>;

    /// Folds the pending day-totals changes into the day totals; how many
    /// (migration 3).
    fn order_day_totals_compact() -> BigInt;
}

/// Narrows a boxed query whose FROM clause includes `orders` to the orders that
/// match a filter on status and dates (lists by user or product have
/// statements of their own). A macro because the page (joined with `users`)
/// and the totals (over `orders` alone) are boxed queries of different types.
macro_rules! matching_orders {
    ($query:expr, $filter:expr) => {{
        let filter: &OrderFilter = $filter;
        let mut query = $query;
        if let Some(status) = filter.status {
            query = query.filter(orders::status.eq(status.as_str()));
        }
        if let Some(from) = filter.created_from {
            query = query.filter(orders::created_at.ge(from));
        }
        if let Some(before) = filter.created_before {
            query = query.filter(orders::created_at.lt(before));
        }
        query
    }};
}
pub(crate) use matching_orders;

/// Count and sums of a set of orders.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Totals {
    pub orders: i64,
    pub amount: i64,
    pub quantity: i64,
}

impl Totals {
    /// Totals from sums that are `None` where they did not fit in 64 bits.
    pub fn from_sums(
        orders: Option<i64>,
        amount: Option<i64>,
        quantity: Option<i64>,
    ) -> Result<Self, StoreError> {
        match (orders, amount, quantity) {
            (Some(orders), Some(amount), Some(quantity)) => Ok(Self {
                orders,
                amount,
                quantity,
            }),
            _ => Err(StoreError::TotalsTooLarge),
        }
    }

    fn plus(self, other: Self) -> Result<Self, StoreError> {
        let add = |a: i64, b: i64| a.checked_add(b).ok_or(StoreError::TotalsTooLarge);
        Ok(Self {
            orders: add(self.orders, other.orders)?,
            amount: add(self.amount, other.amount)?,
            quantity: add(self.quantity, other.quantity)?,
        })
    }
}

/// The totals of every order matching a filter on status and dates only: from
/// the day totals for the whole UTC days inside the date range, plus the orders
/// themselves for the partial days at its edges, so the work does not grow with
/// the number of matching orders.
pub(crate) async fn day_totals(
    conn: &AsyncPgConnection,
    filter: &OrderFilter,
) -> Result<Totals, StoreError> {
    let first_full_day = filter.created_from.map(|from| {
        let day = from.date_naive();
        if from == day.and_time(NaiveTime::MIN).and_utc() {
            day
        } else {
            day.succ_opt().unwrap_or(day)
        }
    });
    let end_day = filter.created_before.map(|before| before.date_naive());
    if let (Some(first), Some(end)) = (first_full_day, end_day) {
        if first >= end {
            return exact_totals(conn, filter).await;
        }
    }
    let midnight = |day: NaiveDate| day.and_time(NaiveTime::MIN).and_utc();
    let leading = OrderFilter {
        created_before: first_full_day.map(midnight),
        ..filter.clone()
    };
    let trailing = OrderFilter {
        created_from: end_day.map(midnight),
        ..filter.clone()
    };
    let full_days = Run(FullDayTotals {
        status: filter.status.map(OrderStatus::as_str),
        first_day: first_full_day,
        end_day,
    })
    .get_result::<DaySums>(&mut &*conn);
    let leading = async {
        match filter.created_from {
            Some(from) if Some(from) != leading.created_before => {
                exact_totals(conn, &leading).await
            }
            _ => Ok(Totals::default()),
        }
    };
    let trailing = async {
        match filter.created_before {
            Some(before) if Some(before) != trailing.created_from => {
                exact_totals(conn, &trailing).await
            }
            _ => Ok(Totals::default()),
        }
    };
    let (full_days, leading, trailing) = try_join!(
        async {
            let sums = full_days.await?;
            Totals::from_sums(sums.orders, sums.amount, sums.quantity)
        },
        leading,
        trailing
    )?;
    full_days.plus(leading)?.plus(trailing)
}

/// The totals of the whole days from `first_day` (included) to `end_day`
/// (excluded), either open, of the orders in `status` (or any).
struct FullDayTotals {
    status: Option<&'static str>,
    first_day: Option<NaiveDate>,
    end_day: Option<NaiveDate>,
}

impl Statement for FullDayTotals {
    const SQL: SqlFile = sql_file!("orders/full_day_totals.sql");
    type Row = DaySums;

    fn bind<'b>(&'b self, n: usize, out: &mut AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        match n {
            1 => out.push_bind_param::<Nullable<Text>, _>(&self.status),
            2 => out.push_bind_param::<Nullable<Date>, _>(&self.first_day),
            3 => out.push_bind_param::<Nullable<Date>, _>(&self.end_day),
            _ => Err(unbound(n)),
        }
    }
}

row! {
    /// What [`FullDayTotals`] answers; `None` where a sum does not fit in 64 bits.
    struct DaySums {
        orders: Option<i64> as Nullable<BigInt>,
        amount: Option<i64> as Nullable<BigInt>,
        quantity: Option<i64> as Nullable<BigInt>,
    }
}

/// The totals of the orders matching a filter on status and dates, summed from
/// the orders themselves.
async fn exact_totals(
    conn: &AsyncPgConnection,
    filter: &OrderFilter,
) -> Result<Totals, StoreError> {
    let (orders, amount, quantity) = matching_orders!(orders::table.into_boxed(), filter)
        .select((
            count_star(),
            sum_as_bigint(diesel::dsl::sum(orders::total_amount_cents)),
            sum_as_bigint(diesel::dsl::sum(orders::total_quantity)),
        ))
        .get_result::<(i64, Option<i64>, Option<i64>)>(&mut &*conn)
        .await?;
    Totals::from_sums(Some(orders), amount, quantity)
}

/// Folds the pending day-totals changes into the day totals; returns how many
/// changes were folded.
pub async fn compact_day_totals(conn: &AsyncPgConnection) -> Result<i64, StoreError> {
    Ok(diesel::select(order_day_totals_compact())
        .get_result(&mut &*conn)
        .await?)
}

/// Reclaims the space of the pending day-totals changes that were folded. Readers
/// scan that table whole, empty pages included, and autovacuum may be busy for
/// minutes with the large tables after a bulk load.
pub async fn vacuum_day_totals_pending(conn: &AsyncPgConnection) -> Result<(), StoreError> {
    diesel_async::SimpleAsyncConnection::batch_execute(
        &mut &*conn,
        "VACUUM order_day_totals_pending",
    )
    .await?;
    Ok(())
}

#[cfg(feature = "test-support")]
pub(crate) fn statements() -> [crate::statement::Checked; 1] {
    [crate::statement::checked::<FullDayTotals>()]
}
