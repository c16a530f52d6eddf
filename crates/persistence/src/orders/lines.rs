//! Orders read as one row per line, and put together again.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::sql_types::{BigInt, Integer, Nullable, Text, Timestamptz};
use diesel_async::AsyncPgConnection;
use oms_domain::{Cents, OrderId, OrderItemId, OrderTotals, ProductId, UserId};

use crate::error::{parse_status, StoreError};
use crate::models::{ItemDetails, OrderDetails};
use crate::statement::row;
use crate::ProductCache;

row! {
    /// An order with its user's name and one of its lines (none for an order
    /// without lines): statements that return whole orders return one such row
    /// per line, the rows of an order together and its lines in id order.
    pub(crate) struct OrderLine {
        pub id: i64 as BigInt,
        pub user_id: i64 as BigInt,
        pub status: String as Text,
        pub created_at: DateTime<Utc> as Timestamptz,
        pub updated_at: Option<DateTime<Utc>> as Nullable<Timestamptz>,
        pub total_amount_cents: i64 as BigInt,
        pub total_quantity: i64 as BigInt,
        pub version: i32 as Integer,
        pub full_name: String as Text,
        pub item_id: Option<i64> as Nullable<BigInt>,
        pub product_id: Option<i64> as Nullable<BigInt>,
        pub quantity: Option<i32> as Nullable<Integer>,
        pub price_cents_at_purchase: Option<i64> as Nullable<BigInt>,
        pub product_name: Option<String> as Nullable<Text>,
    }
}

/// Puts orders together from their [`OrderLine`] rows, keeping their order.
pub(crate) fn fold_lines(
    rows: impl IntoIterator<Item = OrderLine>,
) -> Result<Vec<OrderDetails>, StoreError> {
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
                    id: OrderItemId::new(id),
                    order_id: OrderId::new(row.id),
                    product_id: ProductId::new(product_id),
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
            Some(order) if order.id.get() == row.id => order.items.extend(item),
            _ => orders.push(OrderDetails {
                id: OrderId::new(row.id),
                user_id: UserId::new(row.user_id),
                user_name: row.full_name,
                version: row.version,
                status: parse_status(&row.status)?,
                created_at: row.created_at,
                updated_at: row.updated_at,
                items: item.into_iter().collect(),
                totals: OrderTotals {
                    amount: Cents::new(row.total_amount_cents),
                    quantity: row.total_quantity,
                },
            }),
        }
    }
    Ok(orders)
}

/// Fills in the names of the lines' products: from `cache` where it holds them,
/// else with one query for the rest (whose answers the cache then keeps).
/// Looking the names up in the listing statement would cost PostgreSQL a
/// primary-key lookup per line.
pub(crate) async fn name_products<'a>(
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
        match cache.and_then(|cache| cache.get(ProductId::new(product_id))) {
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
        .map(|product| (product.id.get(), product.name.as_str()))
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
