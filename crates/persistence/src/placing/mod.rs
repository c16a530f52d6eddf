//! Writing new orders: one statement places a whole batch of orders, each
//! accepted or refused on its own ([`place`]); orders with idempotency keys
//! are placed once per key ([`place_once`]).

mod keyed;

use std::collections::HashMap;

use diesel::pg::Pg;
use diesel::query_builder::AstPass;
use diesel::sql_types::{Array, BigInt, Bool, Integer, Nullable, Text, Timestamptz};
use diesel::QueryResult;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use oms_domain::{Actor, Cents, NewOrder, OrderId, OrderItemId, PricingError, ProductId};

use crate::error::{Entity, Shortage, StoreError};
use crate::idempotency::Keyed;
use crate::models::{ItemDetails, OrderDetails};
use crate::statement::{row, sql_file, unbound, Run, SqlFile, Statement};

pub use keyed::{place_once, Outcomes};

/// An order to place, and who places it.
#[derive(Debug, Clone)]
pub struct ToPlace {
    /// The order.
    pub order: NewOrder,
    /// Who places it, for its `order.created` event.
    pub actor: Actor,
    /// Its idempotency key, if it has one, and how its answer is written.
    pub keyed: Option<Keyed<OrderDetails>>,
}

/// Places `orders` with one statement, so in one transaction and one round trip:
/// it reads the users and the products' current prices, and writes each order
/// with its lines and its `order.created` event, taking the stock of its tracked
/// products, if its user and every product exist, its total fits in 64 bits and
/// there is stock enough (orders are served in the order given). The answer holds each order's outcome, in the order given; a refused
/// order writes nothing and does not stop the others. `Err` means the statement
/// failed as a whole and wrote nothing.
pub async fn place(
    conn: &AsyncPgConnection,
    orders: &[ToPlace],
) -> Result<Vec<Result<OrderDetails, StoreError>>, StoreError> {
    let placements: Vec<Placement> = Run(PlaceOrders::new(orders)).load(&mut &*conn).await?;
    if placements.len() != orders.len() {
        return Err(StoreError::Corrupt(format!(
            "{} orders were placed but {} answered",
            orders.len(),
            placements.len()
        )));
    }
    Ok(orders
        .iter()
        .zip(placements)
        .map(|(placing, placement)| placement.into_details(&placing.order))
        .collect())
}

/// The statement that places a batch of orders: the orders' users and statuses,
/// and their lines flattened, each line naming its order's place in the batch
/// (from 1).
#[derive(Debug, Clone)]
struct PlaceOrders {
    user_ids: Vec<i64>,
    statuses: Vec<&'static str>,
    line_orders: Vec<i32>,
    product_ids: Vec<i64>,
    quantities: Vec<i32>,
    api_key_ids: Vec<Option<i64>>,
    request_ids: Vec<Option<String>>,
}

impl PlaceOrders {
    fn new(orders: &[ToPlace]) -> Self {
        let lines = orders
            .iter()
            .map(|placing| placing.order.lines().len())
            .sum();
        let mut statement = Self {
            user_ids: Vec::with_capacity(orders.len()),
            statuses: Vec::with_capacity(orders.len()),
            line_orders: Vec::with_capacity(lines),
            product_ids: Vec::with_capacity(lines),
            quantities: Vec::with_capacity(lines),
            api_key_ids: Vec::with_capacity(orders.len()),
            request_ids: Vec::with_capacity(orders.len()),
        };
        for (place, ToPlace { order, actor, .. }) in (1..).zip(orders) {
            statement
                .api_key_ids
                .push(actor.api_key_id.map(|id| id.get()));
            statement.request_ids.push(actor.request_id.clone());
            statement.user_ids.push(order.user_id().get());
            statement.statuses.push(order.status().as_str());
            for line in order.lines() {
                statement.line_orders.push(place);
                statement.product_ids.push(line.product_id.get());
                statement.quantities.push(line.quantity.get());
            }
        }
        statement
    }
}

impl Statement for PlaceOrders {
    const SQL: SqlFile = sql_file!("placing/place_orders.sql");
    type Row = Placement;

    fn bind<'b>(&'b self, n: usize, out: &mut AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        match n {
            1 => out.push_bind_param::<Array<BigInt>, _>(&self.user_ids),
            2 => out.push_bind_param::<Array<Text>, _>(&self.statuses),
            3 => out.push_bind_param::<Array<Integer>, _>(&self.line_orders),
            4 => out.push_bind_param::<Array<BigInt>, _>(&self.product_ids),
            5 => out.push_bind_param::<Array<Integer>, _>(&self.quantities),
            6 => out.push_bind_param::<Array<Nullable<BigInt>>, _>(&self.api_key_ids),
            7 => out.push_bind_param::<Array<Nullable<Text>>, _>(&self.request_ids),
            _ => Err(unbound(n)),
        }
    }
}

row! {
    /// What [`PlaceOrders`] answers for one order.
    struct Placement {
        k: i64 as BigInt,
        user_name: Option<String> as Nullable<Text>,
        missing: Vec<i64> as Array<BigInt>,
        fits: bool as Bool,
        short_ids: Vec<i64> as Array<BigInt>,
        short_left: Vec<i32> as Array<Integer>,
        order_id: Option<i64> as Nullable<BigInt>,
        created_at: Option<chrono::DateTime<chrono::Utc>> as Nullable<Timestamptz>,
        item_ids: Option<Vec<i64>> as Nullable<Array<BigInt>>,
        names: Vec<Option<String>> as Array<Nullable<Text>>,
        prices: Vec<Option<i64>> as Array<Nullable<BigInt>>,
    }
}

impl Placement {
    /// The placed order, or why `order` was refused.
    fn into_details(self, order: &NewOrder) -> Result<OrderDetails, StoreError> {
        let user_id = order.user_id().get();
        let user_name = self
            .user_name
            .ok_or_else(|| StoreError::OrderRefersToMissing {
                entity: Entity::User,
                ids: vec![user_id],
                lines: Vec::new(),
            })?;
        if !self.missing.is_empty() {
            let mut ids = self.missing;
            ids.sort_unstable();
            let lines = (0..)
                .zip(order.lines())
                .filter(|(_, line)| ids.contains(&line.product_id.get()))
                .map(|(place, _)| place)
                .collect();
            return Err(StoreError::OrderRefersToMissing {
                entity: Entity::Product,
                ids,
                lines,
            });
        }
        if !self.fits {
            return Err(StoreError::OrderTooLarge);
        }
        if !self.short_ids.is_empty() {
            return Err(StoreError::OutOfStock(shortages(
                order,
                &self.short_ids,
                &self.short_left,
            )));
        }
        let (Some(id), Some(created_at), Some(item_ids)) =
            (self.order_id, self.created_at, self.item_ids)
        else {
            return Err(StoreError::Corrupt(format!(
                "accepted order {} of its batch was not written",
                self.k
            )));
        };
        if item_ids.len() != order.lines().len() {
            return Err(StoreError::Corrupt(format!(
                "order {id} was written with {} of its {} lines",
                item_ids.len(),
                order.lines().len()
            )));
        }
        let prices: HashMap<i64, i64> = order
            .lines()
            .iter()
            .zip(&self.prices)
            .filter_map(|(line, price)| price.map(|price| (line.product_id.get(), price)))
            .collect();
        let priced = order
            .price(|product| prices.get(&product.get()).copied().map(Cents::new))
            .map_err(|error| match error {
                PricingError::Overflow => StoreError::OrderTooLarge,
                other => {
                    StoreError::Corrupt(format!("a placed order could not be priced: {other}"))
                }
            })?;
        let items = item_ids
            .into_iter()
            .zip(priced.lines.iter().zip(self.names))
            .map(|(item_id, (line, name))| ItemDetails {
                id: OrderItemId::new(item_id),
                order_id: OrderId::new(id),
                product_id: line.product_id,
                product_name: name.unwrap_or_default(),
                quantity: line.quantity.get(),
                price_cents_at_purchase: line.unit_price.get(),
            })
            .collect();
        Ok(OrderDetails {
            id: OrderId::new(id),
            user_id: order.user_id(),
            user_name,
            version: 1,
            status: order.status(),
            created_at,
            updated_at: None,
            items,
            totals: priced.totals,
        })
    }
}

/// The products `order` asks more of than is left (`ids`, with what is left of
/// each in `left`), each with what the order asks and where it is first named.
fn shortages(order: &NewOrder, ids: &[i64], left: &[i32]) -> Vec<Shortage> {
    ids.iter()
        .zip(left)
        .map(|(&id, &left)| {
            let lines = order
                .lines()
                .iter()
                .enumerate()
                .filter(|(_, line)| line.product_id.get() == id);
            let line = lines.clone().map(|(place, _)| place).next().unwrap_or(0);
            Shortage {
                product_id: ProductId::new(id),
                wanted: lines.map(|(_, line)| i64::from(line.quantity.get())).sum(),
                left,
                line,
            }
        })
        .collect()
}

/// The statements of this module, for the check against the schema.
#[cfg(feature = "test-support")]
pub(crate) fn statements() -> [crate::statement::Checked; 1] {
    [crate::statement::checked::<PlaceOrders>()]
}
