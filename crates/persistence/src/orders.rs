//! Queries and transactions on `orders` and `order_items`.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveTime};
use diesel::dsl::{count_star, sql};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{BigInt, Bool, Date, Integer, Nullable, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use oms_domain::{Cents, OrderFilter, OrderId, OrderStatus, OrderTotals, Paging, StatusChange};
use tokio::try_join;

use crate::error::{parse_status, Entity, StoreError};
use crate::line_months;
use crate::models::{ItemDetails, OrderDetails, OrderPage, OrderRow};
use crate::schema::{order_items, orders, products, users};
use crate::ProductCache;

/// Narrows a boxed query whose FROM clause includes `orders` to the orders that
/// match `filter`. A macro because the page (joined with `users`) and the totals
/// (over `orders` alone) are boxed queries of different types.
macro_rules! matching_orders {
    ($query:expr, $filter:expr) => {{
        let filter: &OrderFilter = $filter;
        let mut query = $query;
        if let Some(status) = filter.status {
            query = query.filter(orders::status.eq(status.as_str()));
        }
        if let Some(user_id) = filter.user_id {
            query = query.filter(orders::user_id.eq(user_id.get()));
        }
        if let Some(from) = filter.created_from {
            query = query.filter(orders::created_at.ge(from));
        }
        if let Some(before) = filter.created_before {
            query = query.filter(orders::created_at.lt(before));
        }
        if let Some(product_id) = filter.product_id {
            // As in `ByProduct`: the product's range in each month of the lines'
            // (month, product, order date) index.
            let months = sql::<Bool>(line_months::UP_TO_FROM)
                .bind::<Nullable<Timestamptz>, _>(filter.created_from)
                .sql(line_months::UP_TO_BEFORE)
                .bind::<Nullable<Timestamptz>, _>(filter.created_before)
                .sql(line_months::REST);
            let mut lines = order_items::table
                .filter(months)
                .filter(order_items::product_id.eq(product_id.get()))
                .select(order_items::order_id)
                .into_boxed();
            if let Some(from) = filter.created_from {
                lines = lines.filter(order_items::order_created_at.ge(from));
            }
            if let Some(before) = filter.created_before {
                lines = lines.filter(order_items::order_created_at.lt(before));
            }
            query = query.filter(orders::id.eq_any(lines));
        }
        query
    }};
}

/// Σ of a column as `bigint`, or NULL when the sum does not fit in one.
fn checked_sum(column: &str) -> diesel::expression::SqlLiteral<Nullable<BigInt>> {
    sql::<Nullable<BigInt>>(&format!(
        "CASE WHEN coalesce(sum({column}), 0) <= 9223372036854775807 \
         THEN coalesce(sum({column}), 0)::bigint END"
    ))
}

/// One page of the orders matching `filter`, newest first, with the count and
/// totals of every matching order. With a product or user filter, one round
/// trip (and one more when `products` lacks a listed product's name); otherwise
/// two: the page and the totals together, then the lines of the page's orders.
pub async fn list(
    conn: &AsyncPgConnection,
    filter: &OrderFilter,
    paging: Paging,
    products: Option<&ProductCache>,
) -> Result<OrderPage, StoreError> {
    let (orders, totals) = if let Some(product_id) = filter.product_id {
        driven_list::<ByProduct>(conn, product_id.get(), filter, paging, products).await?
    } else if let Some(user_id) = filter.user_id {
        driven_list::<ByUser>(conn, user_id.get(), filter, paging, products).await?
    } else {
        let page = async {
            matching_orders!(orders::table.inner_join(users::table).into_boxed(), filter)
                .select((OrderRow::as_select(), users::full_name))
                .order((orders::created_at.desc(), orders::id.desc()))
                .limit(paging.limit())
                .offset(paging.offset())
                .load::<(OrderRow, String)>(&mut &*conn)
                .await
                .map_err(StoreError::from)
        };
        let (page, totals) = try_join!(page, day_totals(conn, filter))?;
        let ids: Vec<i64> = page.iter().map(|(order, _)| order.id).collect();
        let items = if ids.is_empty() {
            Vec::new()
        } else {
            items_of(conn, &ids).await?
        };
        (assemble(page, items)?, totals)
    };
    Ok(OrderPage {
        orders,
        total: totals.orders,
        total_amount_cents: totals.amount,
        total_quantity: totals.quantity,
    })
}

/// Which few orders a list starts from, when a filter names a product or a user.
trait Driver: Sized + Send + Sync {
    /// Pushes the condition on `o` (the orders) that picks the driving orders.
    fn push_condition<'b>(
        list: &'b DrivenList<'_, Self>,
        out: &mut AstPass<'_, 'b, Pg>,
    ) -> QueryResult<()>;
}

/// Orders that contain a product: the product's range in each month of the
/// date range, in the index on the lines' month, product and copy of their
/// order's date (open-ended bounds when a date is not given, so that one plan
/// serves every request).
#[derive(Debug, Clone, Copy)]
struct ByProduct;

impl Driver for ByProduct {
    fn push_condition<'b>(
        list: &'b DrivenList<'_, Self>,
        out: &mut AstPass<'_, 'b, Pg>,
    ) -> QueryResult<()> {
        out.push_sql("o.id IN (SELECT order_id FROM order_items WHERE ");
        out.push_sql(line_months::UP_TO_FROM);
        out.push_bind_param::<Nullable<Timestamptz>, _>(&list.created_from)?;
        out.push_sql(line_months::UP_TO_BEFORE);
        out.push_bind_param::<Nullable<Timestamptz>, _>(&list.created_before)?;
        out.push_sql(line_months::REST);
        out.push_sql(" AND product_id = ");
        out.push_bind_param::<BigInt, _>(&list.driver_id)?;
        out.push_sql(" AND order_created_at >= coalesce(");
        out.push_bind_param::<Nullable<Timestamptz>, _>(&list.created_from)?;
        out.push_sql("::timestamptz, '-infinity') AND order_created_at < coalesce(");
        out.push_bind_param::<Nullable<Timestamptz>, _>(&list.created_before)?;
        out.push_sql("::timestamptz, 'infinity'))");
        Ok(())
    }
}

/// Orders of a user.
#[derive(Debug, Clone, Copy)]
struct ByUser;

impl Driver for ByUser {
    fn push_condition<'b>(
        list: &'b DrivenList<'_, Self>,
        out: &mut AstPass<'_, 'b, Pg>,
    ) -> QueryResult<()> {
        out.push_sql("o.user_id = ");
        out.push_bind_param::<BigInt, _>(&list.driver_id)?;
        Ok(())
    }
}

/// The page (with its orders' lines) and totals of the orders of a product (or
/// of a user), with any other filter, in one prepared statement: planning the
/// query cost as much as running it. The matching orders are few, so the window
/// aggregates (computed before LIMIT) give the count and sums of every match with
/// the page. The other filters are optional parameters; whatever they are, the
/// best plan starts from the product's lines (or the user's orders), so one plan
/// serves them all. Users' names are looked up for the page's orders only, and
/// products' names are added afterwards ([`name_products`]). Only a page past
/// the end has no row to carry the totals; they are then summed apart.
async fn driven_list<D: Driver + 'static>(
    conn: &AsyncPgConnection,
    driver_id: i64,
    filter: &OrderFilter,
    paging: Paging,
    products: Option<&ProductCache>,
) -> Result<(Vec<OrderDetails>, Totals), StoreError> {
    let mut rows: Vec<ListedLine> = DrivenList::<D> {
        driver: std::marker::PhantomData,
        driver_id,
        status: filter.status.map(OrderStatus::as_str),
        user_id: filter.user_id.map(|id| id.get()),
        created_from: filter.created_from,
        created_before: filter.created_before,
        limit: paging.limit(),
        offset: paging.offset(),
    }
    .load(&mut &*conn)
    .await?;
    name_products(conn, products, rows.iter_mut().map(|row| &mut row.line)).await?;
    let totals = match <[_]>::first(&rows) {
        Some(row) => {
            Totals::from_sums((Some(row.matched), row.matched_amount, row.matched_quantity))?
        }
        None if paging.offset() == 0 => Totals::default(),
        None => exact_totals(conn, filter).await?,
    };
    Ok((fold_lines(rows.into_iter().map(|row| row.line))?, totals))
}

/// [`driven_list`]'s statement, static (per driver) so that it stays prepared.
#[derive(Debug, Clone, Copy)]
struct DrivenList<'a, D> {
    driver: std::marker::PhantomData<D>,
    driver_id: i64,
    status: Option<&'a str>,
    user_id: Option<i64>,
    created_from: Option<chrono::DateTime<chrono::Utc>>,
    created_before: Option<chrono::DateTime<chrono::Utc>>,
    limit: i64,
    offset: i64,
}

impl<D: 'static> QueryId for DrivenList<'_, D> {
    type QueryId = DrivenList<'static, D>;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl<D> Query for DrivenList<'_, D> {
    type SqlType = (OrderLineSql, BigInt, Nullable<BigInt>, Nullable<BigInt>);
}

impl<D: Driver> QueryFragment<Pg> for DrivenList<'_, D> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql(
            "WITH page AS (SELECT o.id, o.user_id, o.status, o.created_at, o.updated_at, \
             o.total_amount_cents, o.total_quantity, count(*) OVER () AS matched, \
             CASE WHEN sum(o.total_amount_cents) OVER () <= 9223372036854775807 \
                  THEN (sum(o.total_amount_cents) OVER ())::bigint END AS matched_amount, \
             CASE WHEN sum(o.total_quantity) OVER () <= 9223372036854775807 \
                  THEN (sum(o.total_quantity) OVER ())::bigint END AS matched_quantity \
             FROM orders o WHERE ",
        );
        D::push_condition(self, &mut out)?;
        out.push_sql(" AND (");
        out.push_bind_param::<Nullable<Text>, _>(&self.status)?;
        out.push_sql("::text IS NULL OR o.status = ");
        out.push_bind_param::<Nullable<Text>, _>(&self.status)?;
        out.push_sql(") AND (");
        out.push_bind_param::<Nullable<BigInt>, _>(&self.user_id)?;
        out.push_sql("::bigint IS NULL OR o.user_id = ");
        out.push_bind_param::<Nullable<BigInt>, _>(&self.user_id)?;
        out.push_sql(") AND (");
        out.push_bind_param::<Nullable<Timestamptz>, _>(&self.created_from)?;
        out.push_sql("::timestamptz IS NULL OR o.created_at >= ");
        out.push_bind_param::<Nullable<Timestamptz>, _>(&self.created_from)?;
        out.push_sql(") AND (");
        out.push_bind_param::<Nullable<Timestamptz>, _>(&self.created_before)?;
        out.push_sql("::timestamptz IS NULL OR o.created_at < ");
        out.push_bind_param::<Nullable<Timestamptz>, _>(&self.created_before)?;
        out.push_sql(") ORDER BY o.created_at DESC, o.id DESC LIMIT ");
        out.push_bind_param::<BigInt, _>(&self.limit)?;
        out.push_sql(" OFFSET ");
        out.push_bind_param::<BigInt, _>(&self.offset)?;
        out.push_sql(
            ") SELECT page.id, page.user_id, page.status, page.created_at, page.updated_at, \
             page.total_amount_cents, page.total_quantity, u.full_name, i.id, i.product_id, \
             i.quantity, i.price_cents_at_purchase, NULL::text, \
             page.matched, page.matched_amount, page.matched_quantity \
             FROM page JOIN users u ON u.id = page.user_id \
             LEFT JOIN order_items i ON i.order_id = page.id \
             ORDER BY page.created_at DESC, page.id DESC, i.id",
        );
        Ok(())
    }
}

/// A row of [`DrivenList`]: an order's line, and the totals of every match.
#[derive(Queryable)]
struct ListedLine {
    line: OrderLine,
    matched: i64,
    matched_amount: Option<i64>,
    matched_quantity: Option<i64>,
}

/// Count and sums of a set of orders.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Totals {
    orders: i64,
    amount: i64,
    quantity: i64,
}

impl Totals {
    fn from_sums(
        (orders, amount, quantity): (Option<i64>, Option<i64>, Option<i64>),
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
async fn day_totals(conn: &AsyncPgConnection, filter: &OrderFilter) -> Result<Totals, StoreError> {
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
    let full_days = diesel::sql_query(FULL_DAY_TOTALS)
        .bind::<Nullable<Text>, _>(filter.status.map(OrderStatus::as_str))
        .bind::<Nullable<Date>, _>(first_full_day)
        .bind::<Nullable<Date>, _>(end_day)
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
            Totals::from_sums((sums.orders, sums.amount, sums.quantity))
        },
        leading,
        trailing
    )?;
    full_days.plus(leading)?.plus(trailing)
}

/// `$1` status (or all), days from `$2` (inclusive) to `$3` (exclusive), either
/// open: the compacted totals and the changes not compacted yet, read in one
/// statement so that a compaction is seen whole or not at all.
const FULL_DAY_TOTALS: &str = "
SELECT CASE WHEN coalesce(sum(orders), 0) <= 9223372036854775807 THEN coalesce(sum(orders), 0)::bigint END AS orders,
       CASE WHEN coalesce(sum(amount_cents), 0) <= 9223372036854775807 THEN coalesce(sum(amount_cents), 0)::bigint END AS amount,
       CASE WHEN coalesce(sum(quantity), 0) <= 9223372036854775807 THEN coalesce(sum(quantity), 0)::bigint END AS quantity
  FROM (SELECT status, day, orders, amount_cents, quantity FROM order_day_totals
        UNION ALL
        SELECT status, day, orders, amount_cents, quantity FROM order_day_totals_pending) totals
 WHERE ($1::text IS NULL OR status = $1)
   AND ($2::date IS NULL OR day >= $2)
   AND ($3::date IS NULL OR day < $3)";

/// What [`FULL_DAY_TOTALS`] answers; `None` where a sum does not fit in 64 bits.
#[derive(QueryableByName)]
struct DaySums {
    #[diesel(sql_type = Nullable<BigInt>)]
    orders: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    amount: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    quantity: Option<i64>,
}

/// Folds the pending day-totals changes into the day totals; returns how many
/// changes were folded.
pub async fn compact_day_totals(conn: &AsyncPgConnection) -> Result<i64, StoreError> {
    #[derive(QueryableByName)]
    struct Folded {
        #[diesel(sql_type = BigInt)]
        folded: i64,
    }
    let row: Folded = diesel::sql_query("SELECT order_day_totals_compact() AS folded")
        .get_result(&mut &*conn)
        .await?;
    Ok(row.folded)
}

/// Reclaims the space of the pending day-totals changes that were folded. Readers
/// scan that table whole, empty pages included, and autovacuum may be busy for
/// minutes with the large tables after a bulk load (45 MB of folded changes made
/// each status list 17 ms slower at 10 M orders).
pub async fn vacuum_day_totals_pending(conn: &AsyncPgConnection) -> Result<(), StoreError> {
    diesel_async::SimpleAsyncConnection::batch_execute(
        &mut &*conn,
        "VACUUM order_day_totals_pending",
    )
    .await?;
    Ok(())
}

/// The totals of the matching orders, summed from the orders themselves.
async fn exact_totals(
    conn: &AsyncPgConnection,
    filter: &OrderFilter,
) -> Result<Totals, StoreError> {
    let (orders, amount, quantity) = matching_orders!(orders::table.into_boxed(), filter)
        .select((
            count_star(),
            checked_sum("total_amount_cents"),
            checked_sum("total_quantity"),
        ))
        .get_result::<(i64, Option<i64>, Option<i64>)>(&mut &*conn)
        .await?;
    Totals::from_sums((Some(orders), amount, quantity))
}

/// The lines of these orders with their products' names, in line id order.
async fn items_of(conn: &AsyncPgConnection, order_ids: &[i64]) -> QueryResult<Vec<ItemDetails>> {
    order_items::table
        .inner_join(products::table)
        .filter(order_items::order_id.eq_any(order_ids))
        .select(ItemDetails::as_select())
        .order(order_items::id.asc())
        .load(&mut &*conn)
        .await
}

/// Puts each order together with its user's name and its lines, keeping the
/// orders' order.
fn assemble(
    orders: Vec<(OrderRow, String)>,
    items: Vec<ItemDetails>,
) -> Result<Vec<OrderDetails>, StoreError> {
    let mut by_order: HashMap<i64, Vec<ItemDetails>> = HashMap::with_capacity(orders.len());
    for item in items {
        by_order.entry(item.order_id).or_default().push(item);
    }
    orders
        .into_iter()
        .map(|(row, user_name)| {
            let items = by_order.remove(&row.id).unwrap_or_default();
            details(row, user_name, items)
        })
        .collect()
}

fn details(
    row: OrderRow,
    user_name: String,
    items: Vec<ItemDetails>,
) -> Result<OrderDetails, StoreError> {
    Ok(OrderDetails {
        id: row.id,
        user_id: row.user_id,
        user_name,
        status: parse_status(&row.status)?,
        created_at: row.created_at,
        updated_at: row.updated_at,
        items,
        totals: OrderTotals {
            amount: Cents::new(row.total_amount_cents),
            quantity: row.total_quantity,
        },
    })
}

/// The order with this id, with its user's name and its lines: one statement.
pub async fn get(conn: &AsyncPgConnection, id: OrderId) -> Result<OrderDetails, StoreError> {
    let rows: Vec<OrderLine> = OrderById { id: id.get() }.load(&mut &*conn).await?;
    fold_lines(rows)?
        .pop()
        .ok_or_else(|| StoreError::not_found(Entity::Order, id.get()))
}

/// [`get`]'s statement, static so that it stays prepared.
#[derive(Debug, Clone, Copy)]
struct OrderById {
    id: i64,
}

impl QueryId for OrderById {
    type QueryId = OrderById;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl Query for OrderById {
    type SqlType = OrderLineSql;
}

impl QueryFragment<Pg> for OrderById {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql(
            "SELECT o.id, o.user_id, o.status, o.created_at, o.updated_at, o.total_amount_cents, \
             o.total_quantity, u.full_name, i.id AS item_id, i.product_id, i.quantity, \
             i.price_cents_at_purchase, p.name AS product_name \
             FROM orders o JOIN users u ON u.id = o.user_id \
             LEFT JOIN order_items i ON i.order_id = o.id \
             LEFT JOIN products p ON p.id = i.product_id \
             WHERE o.id = ",
        );
        out.push_bind_param::<BigInt, _>(&self.id)?;
        out.push_sql(" ORDER BY i.id");
        Ok(())
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

/// An order with its user's name and one of its lines (none for an order
/// without lines): statements that return whole orders return one such row per
/// line, the rows of an order together and its lines in id order. Rows are read
/// by position, so those statements select its columns in its fields' order
/// ([`OrderLineSql`]); several share a type, so a swap shows only in the values.
#[derive(Queryable)]
struct OrderLine {
    id: i64,
    user_id: i64,
    status: String,
    created_at: chrono::DateTime<chrono::Utc>,
    updated_at: Option<chrono::DateTime<chrono::Utc>>,
    total_amount_cents: i64,
    total_quantity: i64,
    full_name: String,
    item_id: Option<i64>,
    product_id: Option<i64>,
    quantity: Option<i32>,
    price_cents_at_purchase: Option<i64>,
    product_name: Option<String>,
}

/// [`OrderLine`]'s columns, in its fields' order.
type OrderLineSql = (
    BigInt,
    BigInt,
    Text,
    Timestamptz,
    Nullable<Timestamptz>,
    BigInt,
    BigInt,
    Text,
    Nullable<BigInt>,
    Nullable<BigInt>,
    Nullable<Integer>,
    Nullable<BigInt>,
    Nullable<Text>,
);

/// Fills in the names of the lines' products: from `cache` where it holds them,
/// else with one query for the rest (whose answers the cache then keeps).
/// Looking the names up in the listing statement cost PostgreSQL a primary-key
/// lookup per line, about a quarter of its work for a user's orders.
async fn name_products<'a>(
    conn: &AsyncPgConnection,
    cache: Option<&ProductCache>,
    lines: impl IntoIterator<Item = &'a mut OrderLine>,
) -> Result<(), StoreError> {
    let started = cache.and_then(ProductCache::read_started);
    let mut unnamed = Vec::new();
    for line in lines {
        let Some(product_id) = line.product_id else {
            continue;
        };
        match cache.and_then(|cache| cache.get(product_id)) {
            Some(product) => line.product_name = Some(product.name),
            None => unnamed.push(line),
        }
    }
    if unnamed.is_empty() {
        return Ok(());
    }
    let mut ids: Vec<i64> = unnamed.iter().filter_map(|line| line.product_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let found = crate::products::with_ids(conn, &ids).await?;
    let names: HashMap<i64, &str> = found
        .iter()
        .map(|product| (product.id, product.name.as_str()))
        .collect();
    for line in unnamed {
        line.product_name = line
            .product_id
            .and_then(|id| names.get(&id))
            .map(|name| (*name).to_owned());
    }
    if let (Some(cache), Some(started)) = (cache, started) {
        cache.keep_all(found, started);
    }
    Ok(())
}

/// Puts orders together from their [`OrderLine`] rows, keeping their order.
fn fold_lines(rows: impl IntoIterator<Item = OrderLine>) -> Result<Vec<OrderDetails>, StoreError> {
    let mut orders: Vec<OrderDetails> = Vec::new();
    for row in rows {
        let item = match (
            row.item_id,
            row.product_id,
            row.quantity,
            row.price_cents_at_purchase,
            row.product_name,
        ) {
            (Some(id), Some(product_id), Some(quantity), Some(price), Some(product_name)) => {
                Some(ItemDetails {
                    id,
                    order_id: row.id,
                    product_id,
                    product_name,
                    quantity,
                    price_cents_at_purchase: price,
                })
            }
            (None, ..) => None,
            _ => {
                return Err(StoreError::Corrupt(format!(
                    "a line of order {} has no product",
                    row.id
                )))
            }
        };
        match orders.last_mut() {
            Some(order) if order.id == row.id => order.items.extend(item),
            _ => orders.push(details(
                OrderRow {
                    id: row.id,
                    user_id: row.user_id,
                    status: row.status,
                    created_at: row.created_at,
                    updated_at: row.updated_at,
                    total_amount_cents: row.total_amount_cents,
                    total_quantity: row.total_quantity,
                },
                row.full_name,
                item.into_iter().collect(),
            )?),
        }
    }
    Ok(orders)
}
