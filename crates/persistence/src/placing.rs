//! Writing new orders: one statement places a whole batch of orders, each
//! accepted or refused on its own.

use std::collections::HashMap;

use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{Array, BigInt, Bool, Integer, Nullable, Text, Timestamptz, Untyped};
use diesel::{QueryResult, QueryableByName};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use oms_domain::{Cents, NewOrder, PricingError};

use crate::error::{Entity, StoreError};
use crate::models::{ItemDetails, OrderDetails};

/// Places `orders` with one statement, so in one transaction and one round trip:
/// it reads the users and the products' current prices, and writes each order
/// with its lines if its user and every product exist and its total fits in 64
/// bits. The answer holds each order's outcome, in the order given; a refused
/// order writes nothing and does not stop the others. `Err` means the statement
/// failed as a whole and wrote nothing.
pub async fn place(
    conn: &AsyncPgConnection,
    orders: &[NewOrder],
) -> Result<Vec<Result<OrderDetails, StoreError>>, StoreError> {
    let statement = PlaceOrders::new(orders);
    let placements: Vec<Placement> = statement.load(&mut &*conn).await?;
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
        .map(|(order, placement)| placement.into_details(order))
        .collect())
}

/// The statement that places a batch of orders: the orders' users and statuses,
/// and their lines flattened, each line naming its order's place in the batch
/// (from 1). It is its own query type (rather than `sql_query`) so that its SQL
/// is static and diesel keeps it prepared on each connection: planning this
/// statement costs about as much as running it.
#[derive(Debug, Clone)]
struct PlaceOrders<'a> {
    user_ids: Vec<i64>,
    statuses: Vec<&'a str>,
    line_orders: Vec<i32>,
    product_ids: Vec<i64>,
    quantities: Vec<i32>,
}

impl<'a> PlaceOrders<'a> {
    fn new(orders: &'a [NewOrder]) -> Self {
        let lines = orders.iter().map(|order| order.lines().len()).sum();
        let mut statement = Self {
            user_ids: Vec::with_capacity(orders.len()),
            statuses: Vec::with_capacity(orders.len()),
            line_orders: Vec::with_capacity(lines),
            product_ids: Vec::with_capacity(lines),
            quantities: Vec::with_capacity(lines),
        };
        for (place, order) in (1..).zip(orders) {
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

impl QueryId for PlaceOrders<'_> {
    type QueryId = PlaceOrders<'static>;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl Query for PlaceOrders<'_> {
    type SqlType = Untyped;
}

impl QueryFragment<Pg> for PlaceOrders<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql("WITH params AS (SELECT ");
        out.push_bind_param::<Array<BigInt>, _>(&self.user_ids)?;
        out.push_sql("::bigint[] AS user_ids, ");
        out.push_bind_param::<Array<Text>, _>(&self.statuses)?;
        out.push_sql("::text[] AS statuses, ");
        out.push_bind_param::<Array<Integer>, _>(&self.line_orders)?;
        out.push_sql("::int[] AS line_orders, ");
        out.push_bind_param::<Array<BigInt>, _>(&self.product_ids)?;
        out.push_sql("::bigint[] AS product_ids, ");
        out.push_bind_param::<Array<Integer>, _>(&self.quantities)?;
        out.push_sql("::int[] AS quantities), ");
        out.push_sql(PLACE_ORDERS);
        Ok(())
    }
}

/// The rest of [`PlaceOrders`]'s statement, after its `params`. An order's user
/// is reported missing before any of its products. Order ids are drawn before
/// the orders are written, so that each answer row knows its order's place in the
/// batch; the lines' ids are drawn in request order.
const PLACE_ORDERS: &str = "
batch AS (
    SELECT b.k, b.user_id, b.status
      FROM params, unnest(params.user_ids, params.statuses) WITH ORDINALITY AS b(user_id, status, k)
),
lines AS (
    SELECT l.n, l.k, l.product_id, l.quantity
      FROM params,
           unnest(params.line_orders, params.product_ids, params.quantities)
               WITH ORDINALITY AS l(k, product_id, quantity, n)
),
priced AS (
    SELECT lines.n, lines.k, lines.product_id, lines.quantity, p.name, p.price_cents
      FROM lines LEFT JOIN products p ON p.id = lines.product_id
),
verdict AS (
    SELECT batch.k, batch.user_id, batch.status, u.full_name AS user_name,
           coalesce(array_agg(DISTINCT priced.product_id) FILTER (WHERE priced.price_cents IS NULL), '{}') AS missing,
           coalesce(sum(priced.quantity::numeric * priced.price_cents), 0) <= 9223372036854775807 AS fits,
           sum(priced.quantity::numeric * priced.price_cents) AS amount,
           sum(priced.quantity) AS quantity,
           array_agg(priced.name ORDER BY priced.n) AS names,
           array_agg(priced.price_cents ORDER BY priced.n) AS prices,
           -- The totals, the day-totals change and the lines' copy of the order's
           -- date are written here: the triggers on orders and order_items need
           -- not add them.
           set_config('oms.order_totals_written', 'on', true) AS totals_written
      FROM batch
           LEFT JOIN users u ON u.id = batch.user_id
           JOIN priced ON priced.k = batch.k
     GROUP BY batch.k, batch.user_id, batch.status, u.full_name
),
accepted AS (
    SELECT v.k, nextval(sequence.name) AS id, v.user_id, v.status, v.amount, v.quantity
      FROM (SELECT pg_get_serial_sequence('orders', 'id')::regclass AS name) sequence,
           (SELECT * FROM verdict
             WHERE user_name IS NOT NULL AND cardinality(missing) = 0 AND fits
             ORDER BY k) v
),
new_orders AS (
    INSERT INTO orders (id, user_id, status, total_amount_cents, total_quantity)
    SELECT id, user_id, status, amount::bigint, quantity FROM accepted ORDER BY k
    RETURNING id, created_at
),
day_change AS (
    INSERT INTO order_day_totals_pending (status, day, orders, amount_cents, quantity)
    SELECT accepted.status, (new_orders.created_at AT TIME ZONE 'UTC')::date,
           count(*), sum(accepted.amount), sum(accepted.quantity)
      FROM accepted JOIN new_orders USING (id)
     GROUP BY 1, 2
),
new_items AS (
    INSERT INTO order_items (order_id, order_created_at, product_id, quantity, price_cents_at_purchase)
    SELECT accepted.id, new_orders.created_at, priced.product_id, priced.quantity, priced.price_cents
      FROM priced JOIN accepted USING (k) JOIN new_orders USING (id)
     ORDER BY priced.n
    RETURNING id, order_id
),
item_ids AS (
    SELECT order_id, array_agg(id ORDER BY id) AS ids FROM new_items GROUP BY order_id
)
SELECT verdict.k, verdict.user_name, verdict.missing, verdict.fits,
       new_orders.id AS order_id, new_orders.created_at, item_ids.ids AS item_ids,
       verdict.names, verdict.prices
  FROM verdict
       LEFT JOIN accepted USING (k)
       LEFT JOIN new_orders USING (id)
       LEFT JOIN item_ids ON item_ids.order_id = new_orders.id
 ORDER BY verdict.k";

/// What [`PlaceOrders`] answers for one order.
#[derive(QueryableByName)]
struct Placement {
    #[diesel(sql_type = BigInt)]
    k: i64,
    #[diesel(sql_type = Nullable<Text>)]
    user_name: Option<String>,
    #[diesel(sql_type = Array<BigInt>)]
    missing: Vec<i64>,
    #[diesel(sql_type = Bool)]
    fits: bool,
    #[diesel(sql_type = Nullable<BigInt>)]
    order_id: Option<i64>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    created_at: Option<chrono::DateTime<chrono::Utc>>,
    #[diesel(sql_type = Nullable<Array<BigInt>>)]
    item_ids: Option<Vec<i64>>,
    #[diesel(sql_type = Array<Nullable<Text>>)]
    names: Vec<Option<String>>,
    #[diesel(sql_type = Array<Nullable<BigInt>>)]
    prices: Vec<Option<i64>>,
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
                id: item_id,
                order_id: id,
                product_id: line.product_id.get(),
                product_name: name.unwrap_or_default(),
                quantity: line.quantity.get(),
                price_cents_at_purchase: line.unit_price.get(),
            })
            .collect();
        Ok(OrderDetails {
            id,
            user_id,
            user_name,
            status: order.status(),
            created_at,
            updated_at: None,
            items,
            totals: priced.totals,
        })
    }
}
