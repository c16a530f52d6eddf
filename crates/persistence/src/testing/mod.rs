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
use crate::statement::sql_file;
use crate::{setup, DatabaseAddress};

pub use crate::statement::{Checked, Column, SqlFile};

/// Counts the orders whose stored totals differ from the sums over their lines
/// (as column `n`); 0 when every stored total is right.
pub const ORDERS_WITH_WRONG_TOTALS: &str = ORDERS_WITH_WRONG_TOTALS_SQL.text;
const ORDERS_WITH_WRONG_TOTALS_SQL: SqlFile = sql_file!("testing/orders_with_wrong_totals.sql");

/// Counts the lines whose copy of their order's date differs from the order's
/// `created_at` (as column `n`); 0 when every copy is right.
pub const LINES_WITH_WRONG_ORDER_DATE: &str = LINES_WITH_WRONG_ORDER_DATE_SQL.text;
const LINES_WITH_WRONG_ORDER_DATE_SQL: SqlFile =
    sql_file!("testing/lines_with_wrong_order_date.sql");

/// Counts the (status, day) pairs where `order_day_totals` disagrees with a full
/// recomputation from `orders` (as column `n`); 0 when the fast path is right.
pub const DAY_TOTALS_DISAGREEING: &str = DAY_TOTALS_DISAGREEING_SQL.text;
const DAY_TOTALS_DISAGREEING_SQL: SqlFile = sql_file!("testing/day_totals_disagreeing.sql");

/// What the consistency checks above answer: one count.
const COUNT: &[Column] = &[Column {
    name: "n",
    oid: crate::statement::oid::<diesel::sql_types::BigInt>,
}];

/// Every statement in a `.sql` file of this crate, with the columns its rows
/// are read into.
pub fn statements() -> Vec<Checked> {
    let mut all = crate::orders::statements();
    all.extend(crate::placing::statements());
    all.extend(crate::keys::statements());
    all.extend(crate::idempotency::statements());
    all.extend(crate::webhooks::statements());
    all.extend(crate::warm::statements());
    all.extend(crate::seed::statements());
    all.extend(
        [
            ORDERS_WITH_WRONG_TOTALS_SQL,
            LINES_WITH_WRONG_ORDER_DATE_SQL,
            DAY_TOTALS_DISAGREEING_SQL,
        ]
        .map(|sql| Checked {
            sql,
            columns: COUNT,
        }),
    );
    all
}

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

    /// The names and type oids of the columns `sql` returns, as PostgreSQL
    /// prepares it in this database.
    ///
    /// # Panics
    /// When the database cannot be reached; `Err` when `sql` does not prepare.
    pub async fn columns(&self, sql: &str) -> Result<Vec<(String, u32)>, String> {
        let mut config = self.options.address.postgres_config().clone();
        config.options(format!("-c search_path={}", self.options.schema));
        let (client, connection) = config
            .connect(tokio_postgres::NoTls)
            .await
            .expect("cannot connect to the test database");
        let driver = tokio::spawn(connection);
        let prepared = client.prepare(sql).await;
        drop(client);
        let _ = driver.await;
        let statement = prepared.map_err(|error| crate::error::error_chain(&error))?;
        Ok(statement
            .columns()
            .iter()
            .map(|column| (column.name().to_owned(), column.type_().oid()))
            .collect())
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
