//! Deterministic demo and benchmark data, generated inside PostgreSQL with
//! set-based statements (no row-by-row inserts from the client).
//!
//! The same sizes always give the same rows: every value is a function of the
//! row number through PostgreSQL's seeded `hashint8extended`. The data set has the
//! shape the benchmark scenarios rely on:
//! - ids are 1..N in every table;
//! - an order's status follows its id: ids ending in 0–3 are `paid`, 4–6 `shipped`,
//!   7–8 `pending`, 9 `cancelled`;
//! - `created_at` grows with the id, spread over 2023-01-01 .. 2025-01-01 UTC;
//! - each order has 1–5 lines of distinct products, quantities 1–5, priced at the
//!   product's price.

use diesel::sql_types::{BigInt, Bool, Text};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};

use crate::StoreError;

/// How many rows of each kind to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sizes {
    /// Users.
    pub users: i64,
    /// Products (at least 5, so an order's lines can be distinct).
    pub products: i64,
    /// Orders.
    pub orders: i64,
}

/// Orders generated per statement: large enough to be set-based, small enough
/// to report progress and keep each statement's memory bounded.
pub const ORDER_CHUNK: i64 = 50_000;

/// `hashint8extended` masked to a non-negative bigint.
const HASH: &str = "(hashint8extended($X, $S) & 9223372036854775807)";

fn hash(value: &str, salt: u32) -> String {
    HASH.replace("$X", value).replace("$S", &salt.to_string())
}

/// Whether the four tables hold any row.
pub async fn has_rows(conn: &mut AsyncPgConnection) -> Result<bool, StoreError> {
    #[derive(diesel::QueryableByName)]
    struct Any {
        #[diesel(sql_type = Bool)]
        any: bool,
    }
    let row: Any = diesel::sql_query(
        "SELECT EXISTS (SELECT 1 FROM users) OR EXISTS (SELECT 1 FROM products)
             OR EXISTS (SELECT 1 FROM orders) OR EXISTS (SELECT 1 FROM order_items) AS any",
    )
    .get_result(conn)
    .await?;
    Ok(row.any)
}

/// How far [`fill`] has got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// This many orders (with their lines) are written.
    Orders(i64),
    /// The orders are written; secondary index `number` (from 1) of `of` is being
    /// built.
    BuildingIndex {
        /// Which index, from 1.
        number: usize,
        /// Indexes to build in all.
        of: usize,
    },
}

/// Empties the four tables and generates `sizes` rows, in one transaction, then
/// vacuums them. The transaction holds the tables locked, so other sessions wait
/// for it (or time out) rather than see them half filled, and a failure leaves the
/// previous rows and every index as they were.
///
/// The secondary indexes of the four tables (those no constraint depends on) are
/// dropped first and built again from their own definitions at the end: one sorted
/// build per index costs a fraction of millions of inserts at random places
/// (1 M orders: 33 s instead of 58 s on a 2-core machine).
pub async fn fill(
    conn: &mut AsyncPgConnection,
    sizes: Sizes,
    mut progress: impl FnMut(Progress) + Send,
) -> Result<(), StoreError> {
    let sizes = Sizes {
        products: sizes.products.max(5),
        ..sizes
    };
    // Generating millions of rows takes longer than any request may.
    conn.batch_execute("SET statement_timeout = 0").await?;
    // As a superuser, skip the triggers that keep order totals (the totals are
    // written directly, halving the writes); otherwise let them do the work.
    let direct_totals = conn
        .batch_execute("SET session_replication_role = replica")
        .await
        .is_ok();
    let result = conn
        .transaction(async |conn| {
            // Room to sort an index of tens of millions of entries in memory.
            conn.batch_execute(
                "SET LOCAL maintenance_work_mem = '512MB';
                 TRUNCATE order_items, orders, products, users RESTART IDENTITY",
            )
            .await?;
            let indexes = drop_secondary_indexes(conn).await?;
            generate(conn, sizes, direct_totals, &mut progress).await?;
            for (number, index) in (1..).zip(&indexes) {
                progress(Progress::BuildingIndex {
                    number,
                    of: indexes.len(),
                });
                conn.batch_execute(&index.definition).await?;
            }
            if direct_totals {
                // The day totals' triggers were skipped too: compute them in one pass.
                conn.batch_execute("SELECT order_day_totals_rebuild()")
                    .await?;
            }
            Ok::<_, StoreError>(())
        })
        .await;
    if direct_totals {
        conn.batch_execute("SET session_replication_role = origin")
            .await?;
    }
    result?;
    // Statistics for the planner, and the visibility map: until a table is
    // vacuumed, an index-only scan (a user's orders, an order's lines) also reads
    // the table's page for every entry it returns.
    conn.batch_execute("VACUUM (ANALYZE) users, products, orders, order_items")
        .await?;
    Ok(())
}

#[derive(diesel::QueryableByName)]
struct SecondaryIndex {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    definition: String,
}

/// Drops the indexes of the four tables that no constraint depends on (primary
/// keys and the keys foreign keys point at stay) and returns them, to be built
/// again.
async fn drop_secondary_indexes(
    conn: &mut AsyncPgConnection,
) -> Result<Vec<SecondaryIndex>, StoreError> {
    let indexes: Vec<SecondaryIndex> = diesel::sql_query(
        "SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS definition
           FROM pg_index i
           JOIN pg_class t ON t.oid = i.indrelid
          WHERE t.relnamespace = current_schema()::regnamespace
            AND t.relname IN ('users', 'products', 'orders', 'order_items')
            AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
          ORDER BY 1",
    )
    .load(conn)
    .await?;
    for index in &indexes {
        conn.batch_execute(&format!("DROP INDEX {}", index.name))
            .await?;
    }
    Ok(indexes)
}

async fn generate(
    conn: &mut AsyncPgConnection,
    sizes: Sizes,
    direct_totals: bool,
    progress: &mut (impl FnMut(Progress) + Send),
) -> Result<(), StoreError> {
    diesel::sql_query(format!(
        "INSERT INTO users (id, email, full_name, created_at)
         SELECT i, 'user' || i || '@example.com',
                (ARRAY['Ada','Alan','Barbara','Claude','Donald','Edsger','Frances','Grace',
                       'Hedy','John','Katherine','Ken','Linus','Margaret','Niklaus','Radia'])[1 + {} % 16]
                || ' ' ||
                (ARRAY['Lovelace','Turing','Liskov','Shannon','Knuth','Dijkstra','Allen','Hopper',
                       'Lamarr','Backus','Johnson','Thompson','Torvalds','Hamilton','Wirth','Perlman'])[1 + {} % 16],
                timestamptz '2022-01-01 00:00:00+00' + (i * 31536000 / $1) * interval '1 second'
         FROM generate_series(1, $1) AS i",
        hash("i", 1),
        hash("i", 2)
    ))
    .bind::<BigInt, _>(sizes.users)
    .execute(conn)
    .await?;
    diesel::sql_query(format!(
        "INSERT INTO products (id, name, price_cents)
         SELECT i,
                (ARRAY['Plain','Bright','Sturdy','Compact','Deluxe','Travel','Classic','Smart'])[1 + {} % 8]
                || ' ' ||
                (ARRAY['Mug','Lamp','Desk','Chair','Cable','Backpack','Speaker','Notebook',
                       'Kettle','Monitor','Keyboard','Bottle'])[1 + {} % 12]
                || ' ' || i,
                50 + {} % 49951
         FROM generate_series(1, $1) AS i",
        hash("i", 3),
        hash("i", 4),
        hash("i", 5)
    ))
    .bind::<BigInt, _>(sizes.products)
    .execute(conn)
    .await?;

    let chunk = chunk_statement(direct_totals);
    let mut first = 1;
    while first <= sizes.orders {
        let last = (first + ORDER_CHUNK - 1).min(sizes.orders);
        diesel::sql_query(&chunk)
            .bind::<BigInt, _>(first)
            .bind::<BigInt, _>(last)
            .bind::<BigInt, _>(sizes.orders)
            .bind::<BigInt, _>(sizes.users)
            .bind::<BigInt, _>(sizes.products)
            .execute(conn)
            .await?;
        progress(Progress::Orders(last));
        first = last + 1;
    }
    conn.batch_execute(
        "SELECT setval(pg_get_serial_sequence('users', 'id'), greatest((SELECT max(id) FROM users), 1));
         SELECT setval(pg_get_serial_sequence('products', 'id'), greatest((SELECT max(id) FROM products), 1));
         SELECT setval(pg_get_serial_sequence('orders', 'id'), greatest((SELECT max(id) FROM orders), 1));
         SELECT setval(pg_get_serial_sequence('order_items', 'id'), greatest((SELECT max(id) FROM order_items), 1));",
    )
    .await?;
    Ok(())
}

/// One statement that writes orders `$1..=$2` (of `$3` in all, for `$4` users and
/// `$5` products) with their lines.
fn chunk_statement(direct_totals: bool) -> String {
    let totals = if direct_totals {
        "t.amount, t.quantity"
    } else {
        "0, 0"
    };
    format!(
        "WITH picked AS MATERIALIZED (
             SELECT i AS order_id, k,
                    1 + ({offset} + k) % $5 AS product_id,
                    (1 + {quantity} % 5)::int AS quantity
             FROM generate_series($1::bigint, $2::bigint) AS i
             CROSS JOIN LATERAL generate_series(0, {lines} % 5) AS k
         ),
         lines AS MATERIALIZED (
             SELECT picked.*, p.price_cents FROM picked JOIN products p ON p.id = picked.product_id
         ),
         totals AS (
             SELECT order_id, sum(quantity * price_cents) AS amount, sum(quantity) AS quantity
             FROM lines GROUP BY order_id
         ),
         new_orders AS (
             INSERT INTO orders (id, user_id, status, created_at, updated_at, total_amount_cents, total_quantity)
             SELECT o.id, o.user_id, o.status, o.created_at,
                    CASE WHEN o.status = 'pending' THEN NULL
                         ELSE o.created_at + (1 + {updated} % 48) * interval '1 hour' END,
                    {totals}
             FROM (SELECT i AS id,
                          1 + {user} % $4 AS user_id,
                          CASE WHEN i % 10 < 4 THEN 'paid' WHEN i % 10 < 7 THEN 'shipped'
                               WHEN i % 10 < 9 THEN 'pending' ELSE 'cancelled' END AS status,
                          timestamptz '2023-01-01 00:00:00+00'
                              + ((i - 1) * 63072000.0 / $3
                                 + ({jitter} % 1000) / 1000.0 * 63072000.0 / $3) * interval '1 second'
                              AS created_at
                   FROM generate_series($1::bigint, $2::bigint) AS i) o
             JOIN totals t ON t.order_id = o.id
             RETURNING id, created_at
         )
         INSERT INTO order_items (order_id, order_created_at, product_id, quantity, price_cents_at_purchase)
         SELECT lines.order_id, new_orders.created_at, lines.product_id, lines.quantity, lines.price_cents
         FROM lines JOIN new_orders ON new_orders.id = lines.order_id
         ORDER BY lines.order_id, lines.k",
        offset = hash("i", 6),
        quantity = hash("i * 8 + k", 8),
        lines = hash("i", 9),
        updated = hash("o.id", 10),
        user = hash("i", 11),
        jitter = hash("i", 12),
    )
}
