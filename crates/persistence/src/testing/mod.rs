//! Throw-away databases for tests, cloned from a template migrated once.
//!
//! The template's name carries a hash of `migrations/`, so it is migrated once
//! per change of the migrations, whatever the number of test processes or runs.
//! Each [`TestDatabase`] is a fresh clone, dropped when the value is dropped, so
//! tests run in parallel without seeing each other's rows.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use diesel_async::{AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};

mod cluster;

pub use cluster::{give_to_postgres, Cluster};

use crate::pool::{build_pool, quote_identifier, ConnectOptions, Pool, PoolOptions};
use crate::{setup, DatabaseAddress};

/// Counts the orders whose stored totals differ from the sums over their lines
/// (as column `n`); 0 when every stored total is right.
pub const ORDERS_WITH_WRONG_TOTALS: &str = "SELECT count(*) AS n FROM orders o
    LEFT JOIN (SELECT order_id, sum(quantity::bigint * price_cents_at_purchase) AS amount,
                      sum(quantity) AS quantity
                 FROM order_items GROUP BY order_id) s ON s.order_id = o.id
    WHERE o.total_amount_cents <> coalesce(s.amount, 0)
       OR o.total_quantity <> coalesce(s.quantity, 0)";

/// Counts the lines whose copy of their order's date differs from the order's
/// `created_at` (as column `n`); 0 when every copy is right.
pub const LINES_WITH_WRONG_ORDER_DATE: &str = "SELECT count(*) AS n FROM order_items i
    JOIN orders o ON o.id = i.order_id
    WHERE i.order_created_at <> o.created_at";

/// Counts the (status, day) pairs where `order_day_totals` disagrees with a full
/// recomputation from `orders` (as column `n`); 0 when the fast path is right.
pub const DAY_TOTALS_DISAGREEING: &str = "SELECT count(*) AS n FROM (
        SELECT status, (created_at AT TIME ZONE 'UTC')::date AS day, count(*)::numeric AS orders,
               sum(total_amount_cents) AS amount, sum(total_quantity) AS quantity
          FROM orders GROUP BY 1, 2) full_recount
    FULL JOIN (
        SELECT status, day, sum(orders)::numeric AS orders, sum(amount_cents) AS amount,
               sum(quantity) AS quantity
          FROM (SELECT status, day, orders, amount_cents, quantity FROM order_day_totals
                UNION ALL
                SELECT status, day, orders, amount_cents, quantity FROM order_day_totals_pending) both_tables
         GROUP BY 1, 2
        HAVING sum(orders) <> 0 OR sum(amount_cents) <> 0 OR sum(quantity) <> 0) kept
    USING (status, day)
    WHERE full_recount.orders IS DISTINCT FROM kept.orders
       OR full_recount.amount IS DISTINCT FROM kept.amount
       OR full_recount.quantity IS DISTINCT FROM kept.quantity";

/// The server tests run against: `TEST_DATABASE_URL`, or the local PostgreSQL.
///
/// # Panics
/// When `TEST_DATABASE_URL` is not a PostgreSQL URL.
pub fn server_address() -> DatabaseAddress {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(url) => DatabaseAddress::parse(&url)
            .unwrap_or_else(|error| panic!("TEST_DATABASE_URL is not a PostgreSQL URL: {error}")),
        Err(_) => DatabaseAddress::from_parts("127.0.0.1", 5432, "postgres", "postgres", ""),
    }
}

/// Options for a connection to database `name` on the test server, tables in `public`.
pub fn connect_options(name: &str) -> ConnectOptions {
    ConnectOptions {
        address: server_address().on_database(name),
        schema: "public".to_owned(),
        statement_timeout: Duration::from_secs(30),
    }
}

/// A fresh, migrated database that is dropped with this value.
#[derive(Debug)]
pub struct TestDatabase {
    name: String,
    options: ConnectOptions,
}

impl TestDatabase {
    /// Clones the migrated template into a new database.
    ///
    /// # Panics
    /// When the test server cannot be reached or the template cannot be built:
    /// tests cannot run then, and the message says why.
    pub async fn new() -> Self {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let template = ensure_template().await;
        let name = format!(
            "oms_test_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let mut admin = admin_connection().await;
        let quoted = quote_identifier(&name);
        admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS {quoted} WITH (FORCE)"))
            .await
            .expect("drop a leftover test database");
        let create = format!(
            "CREATE DATABASE {quoted} TEMPLATE {}",
            quote_identifier(&template)
        );
        // The template's last migration connection may still be closing.
        let mut attempts = 0;
        while let Err(error) = admin.batch_execute(&create).await {
            attempts += 1;
            assert!(attempts < 50, "cannot clone the test template: {error}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Self {
            options: connect_options(&name),
            name,
        }
    }

    /// The database's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// How to connect to it.
    pub fn options(&self) -> &ConnectOptions {
        &self.options
    }

    /// A pool of at most `size` connections to it.
    pub fn pool(&self, size: usize) -> Pool {
        build_pool(
            &self.options,
            PoolOptions {
                max_size: size,
                wait_timeout: Duration::from_secs(10),
            },
        )
    }

    /// One connection to it.
    pub async fn connect(&self) -> AsyncPgConnection {
        self.options
            .connect()
            .await
            .expect("cannot connect to the test database")
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let drop = format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            quote_identifier(&self.name)
        );
        // Drop runs outside any async context we could borrow, so the cleanup
        // gets a small runtime of its own on its own thread.
        let cleanup = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a current-thread runtime builds");
            runtime.block_on(async move {
                if let Ok(mut admin) = server_address().open().await {
                    let _ = admin.batch_execute(&drop).await;
                }
            });
        });
        let _ = cleanup.join();
    }
}

async fn admin_connection() -> AsyncPgConnection {
    let server = server_address();
    server.open().await.unwrap_or_else(|error| {
        panic!("tests need PostgreSQL at {server:?} (set TEST_DATABASE_URL): {error}")
    })
}

/// A hash of every file under `migrations/`: the template's version.
fn migrations_fingerprint() -> u64 {
    fn visit(dir: &Path, hasher: &mut DefaultHasher) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .expect("migrations directory is readable")
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .collect();
        entries.sort();
        for path in entries {
            path.file_name().hash(hasher);
            if path.is_dir() {
                visit(&path, hasher);
            } else {
                std::fs::read(&path)
                    .expect("migration is readable")
                    .hash(hasher);
            }
        }
    }
    let mut hasher = DefaultHasher::new();
    visit(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations"),
        &mut hasher,
    );
    hasher.finish()
}

/// Makes sure the template for the current migrations exists; returns its name.
async fn ensure_template() -> String {
    let template = format!("oms_template_{:016x}", migrations_fingerprint());
    let mut admin = admin_connection().await;
    admin
        .batch_execute("SELECT pg_advisory_lock(7263548)")
        .await
        .expect("advisory lock");
    let ready: Vec<bool> = diesel::sql_query(format!(
        "SELECT datistemplate FROM pg_database WHERE datname = '{template}'"
    ))
    .load::<TemplateFlag>(&mut admin)
    .await
    .expect("query pg_database")
    .into_iter()
    .map(|flag| flag.datistemplate)
    .collect();
    if ready != [true] {
        let quoted = quote_identifier(&template);
        admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS {quoted} WITH (FORCE)"))
            .await
            .expect("drop a half-built template");
        setup::prepare(&connect_options(&template), "postgres")
            .await
            .expect("migrate the test template");
        admin
            .batch_execute(&format!("ALTER DATABASE {quoted} IS_TEMPLATE true"))
            .await
            .expect("mark the template");
    }
    admin
        .batch_execute("SELECT pg_advisory_unlock(7263548)")
        .await
        .expect("advisory unlock");
    template
}

#[derive(diesel::QueryableByName)]
struct TemplateFlag {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    datistemplate: bool,
}
