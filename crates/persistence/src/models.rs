//! Rows as oms reads them, and the shapes its queries return.

use chrono::{DateTime, Utc};
use diesel::deserialize::{FromSql, FromSqlRow};
use diesel::pg::{Pg, PgValue};
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use oms_domain::{Id, OrderId, OrderItemId, OrderStatus, OrderTotals, Paging, ProductId, UserId};

use crate::schema::{order_items, orders, products, users};

/// A `bigint` id column as read, before it becomes the typed id of its entity.
#[derive(Debug, Clone, Copy, FromSqlRow)]
pub struct RowId(i64);

impl FromSql<BigInt, Pg> for RowId {
    fn from_sql(value: PgValue<'_>) -> diesel::deserialize::Result<Self> {
        i64::from_sql(value).map(Self)
    }
}

impl<T> From<RowId> for Id<T> {
    fn from(RowId(value): RowId) -> Self {
        Self::new(value)
    }
}

/// A row of `users`.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = users, check_for_backend(diesel::pg::Pg))]
pub struct User {
    /// Primary key.
    #[diesel(deserialize_as = RowId)]
    pub id: UserId,
    /// The address as given (trimmed).
    pub email: String,
    /// The user's name.
    pub full_name: String,
    /// When the user was created.
    pub created_at: DateTime<Utc>,
    /// 1 when created, one more on every change.
    pub version: i32,
}

/// A row of `products`.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = products, check_for_backend(diesel::pg::Pg))]
pub struct Product {
    /// Primary key.
    #[diesel(deserialize_as = RowId)]
    pub id: ProductId,
    /// The product's name.
    pub name: String,
    /// The current price of one unit.
    pub price_cents: i64,
    /// 1 when created, one more on every change.
    pub version: i32,
    /// The units left to sell; `None` when stock is not tracked.
    pub stock: Option<i32>,
}

/// One page of a list, with the number of rows in the whole list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    /// The rows of the page.
    pub rows: Vec<T>,
    /// How many rows the whole list holds.
    pub total: i64,
    /// Whether rows follow the page.
    pub more: bool,
}

impl<T> Page<T> {
    /// The page of `rows`, read with one row more than `paging`'s limit to
    /// tell whether more follow.
    pub(crate) fn of(mut rows: Vec<T>, paging: Paging, total: i64) -> Self {
        let limit = usize::try_from(paging.limit()).unwrap_or(usize::MAX);
        let more = rows.len() > limit;
        rows.truncate(limit);
        Self { rows, total, more }
    }
}

/// The columns of `orders` that an order's details are built from.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = orders, check_for_backend(diesel::pg::Pg))]
pub(crate) struct OrderRow {
    pub id: i64,
    pub user_id: i64,
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: Option<DateTime<Utc>>,
    pub total_amount_cents: i64,
    pub total_quantity: i64,
    pub version: i32,
}

/// A line of an order, with its product's current name.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = order_items, check_for_backend(diesel::pg::Pg))]
pub struct ItemDetails {
    /// Primary key of the line.
    #[diesel(deserialize_as = RowId)]
    pub id: OrderItemId,
    /// The order it belongs to.
    #[diesel(deserialize_as = RowId)]
    pub order_id: OrderId,
    /// The product bought.
    #[diesel(deserialize_as = RowId)]
    pub product_id: ProductId,
    /// The product's current name.
    #[diesel(select_expression = products::name)]
    pub product_name: String,
    /// Units bought.
    pub quantity: i32,
    /// The unit price when the order was placed.
    pub price_cents_at_purchase: i64,
}

/// An order with its user's current name and its lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderDetails {
    /// Primary key.
    pub id: OrderId,
    /// Who placed it.
    pub user_id: UserId,
    /// The user's current full name.
    pub user_name: String,
    /// 1 when placed, one more on every change.
    pub version: i32,
    /// Where it is in its life.
    pub status: OrderStatus,
    /// When it was placed.
    pub created_at: DateTime<Utc>,
    /// When its status last changed; `None` until then.
    pub updated_at: Option<DateTime<Utc>>,
    /// Its lines, in id order.
    pub items: Vec<ItemDetails>,
    /// Σ quantity × price and Σ quantity over its lines.
    pub totals: OrderTotals,
}

/// A page of orders with the count and totals of every order that matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderPage {
    /// The orders of the page, newest first.
    pub orders: Vec<OrderDetails>,
    /// How many orders matched.
    pub total: i64,
    /// Σ total amount over every matching order.
    pub total_amount_cents: i64,
    /// Σ total quantity over every matching order.
    pub total_quantity: i64,
    /// Whether orders follow the page.
    pub more: bool,
}
