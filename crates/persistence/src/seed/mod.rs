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

use diesel::pg::Pg;
use diesel::query_builder::AstPass;
use diesel::sql_types::{BigInt, Bool, Text};
use diesel::QueryResult;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};

use crate::statement::{row, sql_file, unbound, NoRows, Run, SqlFile, Statement};
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

/// Whether the four tables hold any row.
pub async fn has_rows(conn: &mut AsyncPgConnection) -> Result<bool, StoreError> {
    let row: AnyRows = Run(AnyRowsQuery).get_result(conn).await?;
    Ok(row.any)
}

struct AnyRowsQuery;

impl Statement for AnyRowsQuery {
    const SQL: SqlFile = sql_file!("seed/any_rows.sql");
    type Row = AnyRows;
}

row! {
    /// Whether any of the four tables holds a row.
    struct AnyRows {
        any: bool as Bool,
    }
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
/// build per index costs a fraction of millions of inserts at random places.
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
            conn.batch_execute("SET LOCAL maintenance_work_mem = '512MB'")
                .await?;
            conn.batch_execute(
                "TRUNCATE order_events, order_items, orders, products, users RESTART IDENTITY",
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

row! {
    /// An index that [`fill`] drops and builds again.
    struct SecondaryIndex {
        name: String as Text,
        definition: String as Text,
    }
}

struct SecondaryIndexes;

impl Statement for SecondaryIndexes {
    const SQL: SqlFile = sql_file!("seed/secondary_indexes.sql");
    type Row = SecondaryIndex;
}

/// Drops the indexes of the four tables that no constraint depends on (primary
/// keys and the keys foreign keys point at stay) and returns them, to be built
/// again.
async fn drop_secondary_indexes(
    conn: &mut AsyncPgConnection,
) -> Result<Vec<SecondaryIndex>, StoreError> {
    let indexes: Vec<SecondaryIndex> = Run(SecondaryIndexes).load(conn).await?;
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
    Run(Users { count: sizes.users }).execute(conn).await?;
    Run(Products {
        count: sizes.products,
    })
    .execute(conn)
    .await?;
    let mut first = 1;
    while first <= sizes.orders {
        let last = (first + ORDER_CHUNK - 1).min(sizes.orders);
        Run(Orders {
            first,
            last,
            sizes,
            direct_totals,
        })
        .execute(conn)
        .await?;
        progress(Progress::Orders(last));
        first = last + 1;
    }
    Run(RestartSequences).execute(conn).await?;
    Ok(())
}

/// Users 1 to `count`.
struct Users {
    count: i64,
}

impl Statement for Users {
    const SQL: SqlFile = sql_file!("seed/users.sql");
    type Row = NoRows;

    fn bind<'b>(&'b self, n: usize, out: &mut AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        match n {
            1 => out.push_bind_param::<BigInt, _>(&self.count),
            _ => Err(unbound(n)),
        }
    }
}

/// Products 1 to `count`.
struct Products {
    count: i64,
}

impl Statement for Products {
    const SQL: SqlFile = sql_file!("seed/products.sql");
    type Row = NoRows;

    fn bind<'b>(&'b self, n: usize, out: &mut AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        match n {
            1 => out.push_bind_param::<BigInt, _>(&self.count),
            _ => Err(unbound(n)),
        }
    }
}

/// Orders `first` to `last` of a data set of `sizes`, with their lines; their
/// totals too when `direct_totals` (the triggers that would add them up are
/// off).
struct Orders {
    first: i64,
    last: i64,
    sizes: Sizes,
    direct_totals: bool,
}

impl Statement for Orders {
    const SQL: SqlFile = sql_file!("seed/orders.sql");
    type Row = NoRows;

    fn bind<'b>(&'b self, n: usize, out: &mut AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        match n {
            1 => out.push_bind_param::<BigInt, _>(&self.first),
            2 => out.push_bind_param::<BigInt, _>(&self.last),
            3 => out.push_bind_param::<BigInt, _>(&self.sizes.orders),
            4 => out.push_bind_param::<BigInt, _>(&self.sizes.users),
            5 => out.push_bind_param::<BigInt, _>(&self.sizes.products),
            6 => out.push_bind_param::<Bool, _>(&self.direct_totals),
            _ => Err(unbound(n)),
        }
    }
}

struct RestartSequences;

impl Statement for RestartSequences {
    const SQL: SqlFile = sql_file!("seed/restart_sequences.sql");
    type Row = NoRows;
}

/// The statements of this module, for the check against the schema.
#[cfg(feature = "test-support")]
pub(crate) fn statements() -> [crate::statement::Checked; 6] {
    use crate::statement::checked;
    [
        checked::<AnyRowsQuery>(),
        checked::<SecondaryIndexes>(),
        checked::<Users>(),
        checked::<Products>(),
        checked::<Orders>(),
        checked::<RestartSequences>(),
    ]
}
