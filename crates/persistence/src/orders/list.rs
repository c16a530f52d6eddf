//! Lists of orders: one page, newest first, with the count and totals of every
//! order that matches.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::dsl::sql;
use diesel::expression::BoxableExpression;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::AstPass;
use diesel::sql_types::{BigInt, Bool, Integer, Nullable, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use oms_domain::{After, Cents, OrderFilter, OrderId, OrderStatus, OrderTotals, Paging, UserId};
use tokio::try_join;

use super::lines::{fold_lines, name_products, OrderLine};
use super::totals::{day_totals, matching_orders, Totals};
use crate::error::{parse_status, StoreError};
use crate::models::{ItemDetails, OrderDetails, OrderPage, OrderRow, Page};
use crate::schema::{order_items, orders, products, users};
use crate::statement::{row, sql_file, unbound, Run, SqlFile, Statement};
use crate::ProductCache;

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
    let (orders, totals) = match (filter.product_id, filter.user_id) {
        (Some(product), _) => {
            driven(
                conn,
                OrdersOfProduct,
                product.get(),
                filter,
                paging,
                products,
            )
            .await?
        }
        (None, Some(user)) => {
            driven(conn, OrdersOfUser, user.get(), filter, paging, products).await?
        }
        (None, None) => by_status_and_dates(conn, filter, paging).await?,
    };
    let Page {
        rows: orders, more, ..
    } = Page::of(orders, paging, totals.orders);
    Ok(OrderPage {
        orders,
        total: totals.orders,
        total_amount_cents: totals.amount,
        total_quantity: totals.quantity,
        more,
    })
}

/// Orders that come after the row created at `at` with id `id`, newest first:
/// a row comparison, which the list indexes answer as one range.
pub(super) fn before_row<QS>(
    at: DateTime<Utc>,
    id: i64,
) -> Box<dyn BoxableExpression<QS, Pg, SqlType = Bool>> {
    Box::new(
        sql::<Bool>("(orders.created_at, orders.id) < (")
            .bind::<Timestamptz, _>(at)
            .sql(", ")
            .bind::<BigInt, _>(id)
            .sql(")"),
    )
}

/// When the row a cursor names was created, for the keyset conditions.
fn cursor_time(paging: Paging) -> Result<Option<(DateTime<Utc>, i64)>, StoreError> {
    after_time(paging.cursor())
}

pub(super) fn after_time(after: Option<After>) -> Result<Option<(DateTime<Utc>, i64)>, StoreError> {
    after
        .map(|after| match after {
            After::Time { micros, id } => DateTime::from_timestamp_micros(micros)
                .map(|at| (at, id))
                .ok_or_else(|| StoreError::Corrupt(format!("a cursor names the time {micros} µs"))),
            After::Id(_) => Err(StoreError::Corrupt(
                "a cursor of a list in id order was given to a list of orders".to_owned(),
            )),
        })
        .transpose()
}

/// A page of the orders matching a filter on status and dates, and their
/// totals from the day totals ([`day_totals`]).
async fn by_status_and_dates(
    conn: &AsyncPgConnection,
    filter: &OrderFilter,
    paging: Paging,
) -> Result<(Vec<OrderDetails>, Totals), StoreError> {
    let after = cursor_time(paging)?;
    let page = async {
        let query = matching_orders!(orders::table.inner_join(users::table).into_boxed(), filter)
            .select((OrderRow::as_select(), users::full_name))
            .order((orders::created_at.desc(), orders::id.desc()))
            .limit(paging.rows_to_read());
        let query = match after {
            Some((at, id)) => query.filter(before_row(at, id)),
            None => query.offset(paging.offset()),
        };
        query
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
    Ok((assemble(page, items)?, totals))
}

/// The lines of these orders with their products' names, in line id order.
pub(super) async fn items_of(
    conn: &AsyncPgConnection,
    order_ids: &[i64],
) -> QueryResult<Vec<ItemDetails>> {
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
pub(super) fn assemble(
    orders: Vec<(OrderRow, String)>,
    items: Vec<ItemDetails>,
) -> Result<Vec<OrderDetails>, StoreError> {
    let mut by_order: HashMap<OrderId, Vec<ItemDetails>> = HashMap::with_capacity(orders.len());
    for item in items {
        by_order.entry(item.order_id).or_default().push(item);
    }
    orders
        .into_iter()
        .map(|(row, user_name)| {
            Ok(OrderDetails {
                items: by_order.remove(&OrderId::new(row.id)).unwrap_or_default(),
                id: OrderId::new(row.id),
                user_id: UserId::new(row.user_id),
                user_name,
                version: row.version,
                status: parse_status(&row.status)?,
                created_at: row.created_at,
                updated_at: row.updated_at,
                totals: OrderTotals {
                    amount: Cents::new(row.total_amount_cents),
                    quantity: row.total_quantity,
                },
            })
        })
        .collect()
}

/// A page of the orders of a product (or of a user), with any other filter, and
/// the totals of every match, in one prepared statement (`statement` makes it
/// from its parameters). Only a page past the end has no row to carry the
/// totals; the first row of the list is then read for them.
async fn driven<S: Statement<Row = ListedLine>>(
    conn: &AsyncPgConnection,
    statement: impl Fn(ListParams) -> S,
    driver_id: i64,
    filter: &OrderFilter,
    paging: Paging,
    products: Option<&ProductCache>,
) -> Result<(Vec<OrderDetails>, Totals), StoreError> {
    let after = cursor_time(paging)?;
    let params = ListParams {
        driver_id,
        status: filter.status.map(OrderStatus::as_str),
        user_id: filter.user_id.map(|id| id.get()),
        created_from: filter.created_from,
        created_before: filter.created_before,
        limit: paging.rows_to_read(),
        offset: paging.offset(),
        after_at: after.map(|(at, _)| at),
        after_id: after.map(|(_, id)| id),
    };
    let rows: Vec<ListedLine> = Run(statement(params)).load(&mut &*conn).await?;
    let totals = match <[_]>::first(&rows) {
        Some(row) => row.totals()?,
        None if paging.offset() == 0 && after.is_none() => Totals::default(),
        None => {
            let first = ListParams {
                limit: 1,
                offset: 0,
                after_at: None,
                after_id: None,
                ..params
            };
            let rows: Vec<ListedLine> = Run(statement(first)).load(&mut &*conn).await?;
            <[_]>::first(&rows).map_or(Ok(Totals::default()), ListedLine::totals)?
        }
    };
    let mut lines: Vec<OrderLine> = rows.into_iter().map(ListedLine::line).collect();
    name_products(conn, products, lines.iter_mut()).await?;
    Ok((fold_lines(lines)?, totals))
}

/// The parameters of the statements that list a product's or a user's orders.
#[derive(Debug, Clone, Copy)]
struct ListParams {
    driver_id: i64,
    status: Option<&'static str>,
    user_id: Option<i64>,
    created_from: Option<DateTime<Utc>>,
    created_before: Option<DateTime<Utc>>,
    limit: i64,
    offset: i64,
    after_at: Option<DateTime<Utc>>,
    after_id: Option<i64>,
}

impl ListParams {
    /// The parameters of both list statements, as [`OrdersOfProduct`] numbers
    /// them; [`OrdersOfUser`] has no seventh and numbers the rest one lower.
    fn bind<'b>(&'b self, n: usize, out: &mut AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        match n {
            1 => out.push_bind_param::<BigInt, _>(&self.driver_id),
            2 => out.push_bind_param::<Nullable<Text>, _>(&self.status),
            3 => out.push_bind_param::<Nullable<Timestamptz>, _>(&self.created_from),
            4 => out.push_bind_param::<Nullable<Timestamptz>, _>(&self.created_before),
            5 => out.push_bind_param::<BigInt, _>(&self.limit),
            6 => out.push_bind_param::<BigInt, _>(&self.offset),
            7 => out.push_bind_param::<Nullable<BigInt>, _>(&self.user_id),
            8 => out.push_bind_param::<Nullable<Timestamptz>, _>(&self.after_at),
            9 => out.push_bind_param::<Nullable<BigInt>, _>(&self.after_id),
            _ => Err(unbound(n)),
        }
    }
}

/// A page of a user's orders.
struct OrdersOfUser(ListParams);

impl Statement for OrdersOfUser {
    const SQL: SqlFile = sql_file!("orders/orders_of_user.sql");
    type Row = ListedLine;

    /// The user's list has no user filter: its 7 and 8 are the cursor's 8 and 9.
    fn bind<'b>(&'b self, n: usize, out: &mut AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        self.0.bind(if n >= 7 { n + 1 } else { n }, out)
    }
}

/// A page of the orders that contain a product.
struct OrdersOfProduct(ListParams);

impl Statement for OrdersOfProduct {
    const SQL: SqlFile = sql_file!("orders/orders_of_product.sql");
    type Row = ListedLine;

    fn bind<'b>(&'b self, n: usize, out: &mut AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        self.0.bind(n, out)
    }
}

row! {
    /// A row of [`OrdersOfUser`] or [`OrdersOfProduct`]: an [`OrderLine`]
    /// (without its product's name), then the count and totals of every match
    /// (`None` where a sum does not fit in 64 bits).
    struct ListedLine {
        id: i64 as BigInt,
        user_id: i64 as BigInt,
        status: String as Text,
        created_at: DateTime<Utc> as Timestamptz,
        updated_at: Option<DateTime<Utc>> as Nullable<Timestamptz>,
        total_amount_cents: i64 as BigInt,
        total_quantity: i64 as BigInt,
        version: i32 as Integer,
        full_name: String as Text,
        item_id: Option<i64> as Nullable<BigInt>,
        product_id: Option<i64> as Nullable<BigInt>,
        quantity: Option<i32> as Nullable<Integer>,
        price_cents_at_purchase: Option<i64> as Nullable<BigInt>,
        product_name: Option<String> as Nullable<Text>,
        matched: i64 as BigInt,
        matched_amount: Option<i64> as Nullable<BigInt>,
        matched_quantity: Option<i64> as Nullable<BigInt>,
    }
}

impl ListedLine {
    fn totals(&self) -> Result<Totals, StoreError> {
        Totals::from_sums(
            Some(self.matched),
            self.matched_amount,
            self.matched_quantity,
        )
    }

    fn line(self) -> OrderLine {
        OrderLine {
            id: self.id,
            user_id: self.user_id,
            status: self.status,
            created_at: self.created_at,
            updated_at: self.updated_at,
            total_amount_cents: self.total_amount_cents,
            total_quantity: self.total_quantity,
            version: self.version,
            full_name: self.full_name,
            item_id: self.item_id,
            product_id: self.product_id,
            quantity: self.quantity,
            price_cents_at_purchase: self.price_cents_at_purchase,
            product_name: self.product_name,
        }
    }
}

#[cfg(feature = "test-support")]
pub(crate) fn statements() -> [crate::statement::Checked; 2] {
    use crate::statement::checked;
    [checked::<OrdersOfUser>(), checked::<OrdersOfProduct>()]
}
