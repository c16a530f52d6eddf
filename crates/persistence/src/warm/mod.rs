//! Reading what requests look up at random into the caches, before they ask.
//!
//! A request reads a handful of pages at random places: a user's entry, the index
//! leaf with their orders, one leaf per order with its lines. When those pages are
//! in PostgreSQL's buffers or the operating system's page cache, that takes
//! microseconds; when they are only on disk (after a restart of the machine, or a
//! bulk load that pushed them out), each is a disk read, and a pool with one
//! connection per core has as many reads in flight as it has connections, so
//! the first minutes after a bulk load are several times slower than the next
//! (docs/PERFORMANCE.md).
//!
//! [`warm`] walks those indexes and the two tables read by primary key, in key
//! ranges spread over several connections of its own, so that many reads are in
//! flight at once and the requests that follow find their pages cached. Reading
//! a page costs CPU even when it is cached, so the walk waits while requests are
//! being served (it would slow them down more than it speeds them up) and goes
//! on when they pause.
//! [`Tables`] tells when the tables were rewritten (emptied and filled again, as
//! a bulk load does), so that a running server walks them again.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use diesel::dsl::{count, count_star};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::AstPass;
use diesel::sql_types::{BigInt, Nullable};
use diesel_async::{AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};

use crate::pool::ConnectOptions;
use crate::schema::{order_items, orders, users};
use crate::statement::{row, sql_file, unbound, Run, SqlFile, Statement};
use crate::StoreError;

/// Key ranges each walk is cut into, per connection: small enough that a range
/// started while no request was waiting ends soon after one arrives, and that
/// connections that finish early take over the rest.
const RANGES_PER_CONNECTION: i64 = 16;

/// How often a paused walk looks again whether requests are still being served.
const BUSY_CHECK: Duration = Duration::from_millis(50);

/// What [`warm`] read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WarmUp {
    /// Index entries and rows visited.
    pub entries: i64,
    /// How long it took.
    pub elapsed: Duration,
}

/// A walk over one index (and, for the tables read by primary key, their
/// rows), keyed by the ids of its [`Keys`].
#[derive(Debug, Clone, Copy)]
enum Walk {
    Users,
    OrdersByUser,
    LinesByOrder,
    Orders,
    LinesByProduct,
}

/// Which ids a walk's key ranges are cut from.
#[derive(Clone, Copy)]
enum Keys {
    Users,
    Products,
    Orders,
}

/// In the order requests profit from them: a user's orders and every order's
/// lines are what the lists read most.
const WALKS: [Walk; 5] = [
    Walk::Users,
    Walk::OrdersByUser,
    Walk::LinesByOrder,
    Walk::Orders,
    Walk::LinesByProduct,
];

impl Walk {
    fn keys(self) -> Keys {
        match self {
            Self::Users | Self::OrdersByUser => Keys::Users,
            Self::LinesByOrder | Self::Orders => Keys::Orders,
            Self::LinesByProduct => Keys::Products,
        }
    }

    /// Walks the keys from `from` (included) to `to` (excluded); the entries
    /// visited. Counting a column that is not in the index makes the walk read
    /// the table's rows too.
    async fn run(self, conn: &mut AsyncPgConnection, from: i64, to: i64) -> QueryResult<i64> {
        match self {
            Self::Users => {
                users::table
                    .filter(users::id.ge(from).and(users::id.lt(to)))
                    .select(count(users::email))
                    .get_result(conn)
                    .await
            }
            Self::OrdersByUser => {
                orders::table
                    .filter(orders::user_id.ge(from).and(orders::user_id.lt(to)))
                    .select(count_star())
                    .get_result(conn)
                    .await
            }
            Self::LinesByOrder => {
                order_items::table
                    .filter(
                        order_items::order_id
                            .ge(from)
                            .and(order_items::order_id.lt(to)),
                    )
                    .select(count_star())
                    .get_result(conn)
                    .await
            }
            Self::Orders => {
                orders::table
                    .filter(orders::id.ge(from).and(orders::id.lt(to)))
                    .select(count(orders::total_quantity))
                    .get_result(conn)
                    .await
            }
            Self::LinesByProduct => Ok(Run(LinesByProduct { from, to })
                .get_result::<Count>(conn)
                .await?
                .n),
        }
    }
}

/// The lines' product index, walked for the products with ids from `from`
/// (included) to `to` (excluded) in every month.
struct LinesByProduct {
    from: i64,
    to: i64,
}

impl Statement for LinesByProduct {
    const SQL: SqlFile = sql_file!("warm/lines_by_product.sql");
    type Row = Count;

    fn bind<'b>(&'b self, n: usize, out: &mut AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        match n {
            1 => out.push_bind_param::<BigInt, _>(&self.from),
            2 => out.push_bind_param::<BigInt, _>(&self.to),
            _ => Err(unbound(n)),
        }
    }
}

/// Each walk follows its index (in key order) rather than scanning the table, and
/// one process per statement keeps the reads spread over the connections.
const WALK_SETTINGS: [&str; 4] = [
    "SET enable_seqscan = off",
    "SET enable_bitmapscan = off",
    "SET max_parallel_workers_per_gather = 0",
    "SET statement_timeout = 0",
];

row! {
    /// The first and last ids of each table ([`TableBounds`]).
    struct Bounds {
        first_user: Option<i64> as Nullable<BigInt>,
        last_user: Option<i64> as Nullable<BigInt>,
        first_product: Option<i64> as Nullable<BigInt>,
        last_product: Option<i64> as Nullable<BigInt>,
        first_order: Option<i64> as Nullable<BigInt>,
        last_order: Option<i64> as Nullable<BigInt>,
    }
}

struct TableBounds;

impl Statement for TableBounds {
    const SQL: SqlFile = sql_file!("warm/bounds.sql");
    type Row = Bounds;
}

impl Bounds {
    /// The ids of `keys`, first and last, when there are any.
    fn of(&self, keys: Keys) -> Option<(i64, i64)> {
        match keys {
            Keys::Users => self.first_user.zip(self.last_user),
            Keys::Products => self.first_product.zip(self.last_product),
            Keys::Orders => self.first_order.zip(self.last_order),
        }
    }
}

row! {
    /// Entries a walk visited.
    struct Count {
        n: i64 as BigInt,
    }
}

row! {
    /// The files of the tables [`warm`] reads: they change when a table is
    /// rewritten (`TRUNCATE`, `VACUUM FULL`, `CLUSTER`), not when rows are added
    /// or changed.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct Tables {
        files: i64 as BigInt,
    }
}

struct TableFiles;

impl Statement for TableFiles {
    const SQL: SqlFile = sql_file!("warm/table_files.sql");
    type Row = Tables;
}

/// The files `users`, `orders` and `order_items` are stored in now.
pub async fn tables(conn: &mut AsyncPgConnection) -> Result<Tables, StoreError> {
    Ok(Run(TableFiles).get_result(conn).await?)
}

/// Walks the indexes requests read at random, with `connections` connections
/// of its own (at least one), and says how much it read. Before each key range
/// it waits while `busy` says requests are being served.
pub async fn warm(
    connect: &ConnectOptions,
    connections: usize,
    busy: impl Fn() -> bool,
) -> Result<WarmUp, StoreError> {
    let started = Instant::now();
    let connections = connections.max(1);
    let mut first = open(connect).await?;
    let bounds: Bounds = Run(TableBounds).get_result(&mut first).await?;
    let parts = i64::try_from(connections).unwrap_or(1) * RANGES_PER_CONNECTION;
    let queue: Mutex<VecDeque<(Walk, i64, i64)>> = Mutex::new(
        WALKS
            .into_iter()
            .filter_map(|walk| Some((walk, bounds.of(walk.keys())?)))
            .flat_map(|(walk, (first, last))| {
                ranges(first, last, parts).map(move |(from, to)| (walk, from, to))
            })
            .collect(),
    );

    let mut walkers = vec![walk_queue(first, &queue, &busy)];
    for _ in 1..connections {
        walkers.push(walk_queue(open(connect).await?, &queue, &busy));
    }
    let mut entries = 0;
    for visited in futures_util::future::join_all(walkers).await {
        entries += visited?;
    }
    Ok(WarmUp {
        entries,
        elapsed: started.elapsed(),
    })
}

async fn open(connect: &ConnectOptions) -> Result<AsyncPgConnection, StoreError> {
    let mut conn = connect.connect().await?;
    conn.batch_execute(&WALK_SETTINGS.join("; ")).await?;
    Ok(conn)
}

/// Runs statements from `queue` on `conn` until it is empty, each once `busy`
/// says no request is being served; the entries visited.
async fn walk_queue(
    mut conn: AsyncPgConnection,
    queue: &Mutex<VecDeque<(Walk, i64, i64)>>,
    busy: &impl Fn() -> bool,
) -> Result<i64, StoreError> {
    let mut entries = 0;
    loop {
        while busy() {
            tokio::time::sleep(BUSY_CHECK).await;
        }
        let next = queue
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .pop_front();
        let Some((walk, from, to)) = next else {
            return Ok(entries);
        };
        entries += walk.run(&mut conn, from, to).await?;
    }
}

/// `first..=last` cut into at most `parts` half-open ranges that cover it.
fn ranges(first: i64, last: i64, parts: i64) -> impl Iterator<Item = (i64, i64)> {
    let end = last.saturating_add(1);
    let width = (end.saturating_sub(first) / parts.max(1)).max(1);
    let mut from = first;
    std::iter::from_fn(move || {
        if from >= end {
            return None;
        }
        let to = if end - from < 2 * width {
            end
        } else {
            from + width
        };
        let range = (from, to);
        from = to;
        Some(range)
    })
}

/// The statements of this module, for the check against the schema.
#[cfg(feature = "test-support")]
pub(crate) fn statements() -> [crate::statement::Checked; 3] {
    use crate::statement::checked;
    [
        checked::<LinesByProduct>(),
        checked::<TableBounds>(),
        checked::<TableFiles>(),
    ]
}

#[cfg(test)]
mod tests {
    use super::ranges;

    #[test]
    fn ranges_cover_every_key_once() {
        for (first, last, parts) in [(1, 1, 8), (1, 10, 3), (5, 1_000_003, 16), (1, 7, 100)] {
            let cut: Vec<_> = ranges(first, last, parts).collect();
            assert_eq!(cut.first().map(|r| r.0), Some(first));
            assert_eq!(cut.last().map(|r| r.1), Some(last + 1));
            assert!(cut.windows(2).all(|pair| pair[0].1 == pair[1].0));
            assert!(cut.iter().all(|(from, to)| from < to));
            assert!(i64::try_from(cut.len()).unwrap() <= parts);
        }
    }
}
