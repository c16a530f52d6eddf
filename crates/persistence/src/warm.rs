//! Reading what requests look up at random into the caches, before they ask.
//!
//! A request reads a handful of pages at random places: a user's entry, the index
//! leaf with their orders, one leaf per order with its lines. When those pages are
//! in PostgreSQL's buffers or the operating system's page cache, that takes
//! microseconds; when they are only on disk (after a restart of the machine, or a
//! bulk load that pushed them out), each is a disk read, and a pool with one
//! connection per core has as many reads in flight as it has connections. At
//! 10 M orders that made the first minute after a bulk load several times slower
//! than the next.
//!
//! [`warm`] walks those indexes and the two tables read by primary key, in key
//! ranges spread over several connections of its own, so that many reads are in
//! flight at once and the requests that follow find their pages cached: at 10 M
//! orders, from a cold cache, about 40 s, after which a user's orders were listed
//! three times as fast as without it. Reading a page costs CPU even when
//! it is cached, so the walk waits while requests are being served (it would
//! slow them down more than it speeds them up) and goes on when they pause.
//! [`Tables`] tells when the tables were rewritten (emptied and filled again, as
//! a bulk load does), so that a running server walks them again.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use diesel::sql_types::{BigInt, Nullable};
use diesel_async::{AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};

use crate::line_months;
use crate::pool::ConnectOptions;
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

/// A walk over one index (and, for the tables read by primary key, their rows),
/// keyed by the ids of `keys`.
struct Walk {
    /// Counts what it visits between `$from` (included) and `$to` (excluded).
    statement: &'static str,
    keys: Keys,
}

#[derive(Clone, Copy)]
enum Keys {
    Users,
    Products,
    Orders,
}

/// In the order requests profit from them: a user's orders and every order's
/// lines are what the lists read most.
const WALKS: [Walk; 5] = [
    Walk {
        statement: "SELECT count(email) AS n FROM users WHERE id >= $from AND id < $to",
        keys: Keys::Users,
    },
    Walk {
        statement: "SELECT count(*) AS n FROM orders WHERE user_id >= $from AND user_id < $to",
        keys: Keys::Users,
    },
    Walk {
        statement:
            "SELECT count(*) AS n FROM order_items WHERE order_id >= $from AND order_id < $to",
        keys: Keys::Orders,
    },
    Walk {
        statement: "SELECT count(total_quantity) AS n FROM orders WHERE id >= $from AND id < $to",
        keys: Keys::Orders,
    },
    Walk {
        // The lines' product index leads with the month: each month's range of
        // these products.
        statement: "SELECT count(*) AS n FROM order_items \
             WHERE $every_month AND product_id >= $from AND product_id < $to",
        keys: Keys::Products,
    },
];

/// Each walk follows its index (in key order) rather than scanning the table, and
/// one process per statement keeps the reads spread over the connections.
const WALK_SETTINGS: &str = "SET enable_seqscan = off; SET enable_bitmapscan = off; \
    SET max_parallel_workers_per_gather = 0; SET statement_timeout = 0";

#[derive(diesel::QueryableByName)]
struct Bounds {
    #[diesel(sql_type = Nullable<BigInt>)]
    first_user: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    last_user: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    first_product: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    last_product: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    first_order: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    last_order: Option<i64>,
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

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// The files of the tables [`warm`] reads: they change when a table is rewritten
/// (`TRUNCATE`, `VACUUM FULL`, `CLUSTER`), not when rows are added or changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, diesel::QueryableByName)]
pub struct Tables {
    #[diesel(sql_type = BigInt)]
    files: i64,
}

/// The files `users`, `orders` and `order_items` are stored in now. It reads the
/// catalogue only, so a bulk load holding the tables locked does not delay it.
pub async fn tables(conn: &mut AsyncPgConnection) -> Result<Tables, StoreError> {
    Ok(diesel::sql_query(
        "SELECT sum(relfilenode::bigint)::bigint AS files FROM pg_class
          WHERE oid IN ('users'::regclass, 'orders'::regclass, 'order_items'::regclass)",
    )
    .get_result(conn)
    .await?)
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
    let bounds: Bounds = diesel::sql_query(
        "SELECT (SELECT min(id) FROM users) AS first_user, (SELECT max(id) FROM users) AS last_user,
                (SELECT min(id) FROM products) AS first_product,
                (SELECT max(id) FROM products) AS last_product,
                (SELECT min(id) FROM orders) AS first_order, (SELECT max(id) FROM orders) AS last_order",
    )
    .get_result(&mut first)
    .await?;
    let parts = i64::try_from(connections).unwrap_or(1) * RANGES_PER_CONNECTION;
    let every_month = line_months::every_month();
    let queue: Mutex<VecDeque<String>> = Mutex::new(
        WALKS
            .iter()
            .filter_map(|walk| Some((walk, bounds.of(walk.keys)?)))
            .flat_map(|(walk, (first, last))| {
                ranges(first, last, parts).map(|(from, to)| {
                    walk.statement
                        .replace("$every_month", &every_month)
                        .replace("$from", &from.to_string())
                        .replace("$to", &to.to_string())
                })
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
    conn.batch_execute(WALK_SETTINGS).await?;
    Ok(conn)
}

/// Runs statements from `queue` on `conn` until it is empty, each once `busy`
/// says no request is being served; the entries visited.
async fn walk_queue(
    mut conn: AsyncPgConnection,
    queue: &Mutex<VecDeque<String>>,
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
        let Some(statement) = next else {
            return Ok(entries);
        };
        entries += diesel::sql_query(statement)
            .get_result::<Count>(&mut conn)
            .await?
            .n;
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
