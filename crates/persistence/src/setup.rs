//! Getting a database ready: create it if missing, create the schema, migrate.

use diesel::sql_types::{Bool, Text};
use diesel::ConnectionError;
use diesel_async::{AsyncMigrationHarness, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::pool::{quote_identifier, ConnectOptions};

/// The migrations under `migrations/`, compiled into the binary.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations");

/// How long an instance waits before asking again for the migration lock.
const MIGRATION_LOCK_RETRY: std::time::Duration = std::time::Duration::from_millis(100);

/// Key of the advisory lock that serialises migrations across instances.
const MIGRATION_LOCK_KEY: i64 = 0x6f6d_735f_6d69_6772; // "oms_migr"

/// Why the database could not be made ready.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// No connection could be opened.
    #[error("cannot connect to PostgreSQL: {0}")]
    Connect(#[source] ConnectionError),
    /// The database was missing and could not be created.
    #[error("the database does not exist and could not be created: {0}")]
    CreateDatabase(#[source] diesel::result::Error),
    /// Creating the schema or taking the migration lock failed.
    #[error("cannot prepare the schema: {0}")]
    Schema(#[source] diesel::result::Error),
    /// A migration failed; the database keeps the migrations applied before it.
    #[error("a migration failed: {0}")]
    Migration(String),
}

/// What [`prepare`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SetupReport {
    /// Whether the database had to be created.
    pub created_database: bool,
    /// The migrations applied now (already-applied ones are skipped).
    pub applied: Vec<String>,
}

/// Makes the database named in `options.address` ready for oms: creates it if it does
/// not exist (connecting to `maintenance_db` on the same server to do so), creates
/// the schema, then applies pending migrations while holding an advisory lock, so
/// several instances can start at once.
pub async fn prepare(
    options: &ConnectOptions,
    maintenance_db: &str,
) -> Result<SetupReport, SetupError> {
    let mut report = SetupReport::default();
    let conn = match establish(options).await {
        Ok(conn) => conn,
        Err(first_error) => {
            match create_database_if_missing(options, maintenance_db).await {
                Ok(true) => report.created_database = true,
                Ok(false) | Err(SetupError::Connect(_)) => {
                    return Err(SetupError::Connect(first_error))
                }
                Err(other) => return Err(other),
            }
            establish(options).await.map_err(SetupError::Connect)?
        }
    };
    report.applied = migrate(conn, &options.schema).await?;
    Ok(report)
}

async fn establish(options: &ConnectOptions) -> Result<AsyncPgConnection, ConnectionError> {
    options.address.open().await
}

/// Creates the database of `options.address` when the server does not have it.
/// Returns whether it created it.
async fn create_database_if_missing(
    options: &ConnectOptions,
    maintenance_db: &str,
) -> Result<bool, SetupError> {
    let name = options.address.database();
    if name.is_empty() {
        return Ok(false);
    }
    let mut conn = options
        .address
        .on_database(maintenance_db)
        .open()
        .await
        .map_err(SetupError::Connect)?;
    if database_exists(&mut conn, name)
        .await
        .map_err(SetupError::CreateDatabase)?
    {
        return Ok(false);
    }
    match conn
        .batch_execute(&format!("CREATE DATABASE {}", quote_identifier(name)))
        .await
    {
        Ok(()) => Ok(true),
        // Another instance created it between our check and our CREATE.
        Err(diesel::result::Error::DatabaseError(_, _))
            if database_exists(&mut conn, name).await.unwrap_or(false) =>
        {
            Ok(false)
        }
        Err(error) => Err(SetupError::CreateDatabase(error)),
    }
}

/// Whether the server has a database named `name`.
async fn database_exists(
    conn: &mut AsyncPgConnection,
    name: &str,
) -> Result<bool, diesel::result::Error> {
    diesel::select(
        diesel::dsl::sql::<Bool>("EXISTS (SELECT 1 FROM pg_database WHERE datname = ")
            .bind::<Text, _>(name)
            .sql(")"),
    )
    .get_result(conn)
    .await
}

async fn migrate(mut conn: AsyncPgConnection, schema: &str) -> Result<Vec<String>, SetupError> {
    let schema = quote_identifier(schema);
    // The lock comes first: concurrent CREATE SCHEMA IF NOT EXISTS can still collide.
    // Instances that find it taken ask again rather than wait in a statement: a
    // waiting statement is an open transaction, which a migration that builds an
    // index CONCURRENTLY would wait for in turn (a deadlock).
    loop {
        let locked: bool = diesel::select(diesel::dsl::sql::<Bool>(&format!(
            "pg_try_advisory_lock({MIGRATION_LOCK_KEY})"
        )))
        .get_result(&mut conn)
        .await
        .map_err(SetupError::Schema)?;
        if locked {
            break;
        }
        tokio::time::sleep(MIGRATION_LOCK_RETRY).await;
    }
    conn.batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {schema}"))
        .await
        .map_err(SetupError::Schema)?;
    conn.batch_execute(&format!("SET search_path TO {schema}"))
        .await
        .map_err(SetupError::Schema)?;
    let (conn, applied) = tokio::task::spawn_blocking(move || {
        let mut harness = AsyncMigrationHarness::new(conn);
        let applied = harness
            .run_pending_migrations(MIGRATIONS)
            .map(|versions| versions.iter().map(ToString::to_string).collect::<Vec<_>>())
            .map_err(|error| SetupError::Migration(error.to_string()));
        (harness.into_inner(), applied)
    })
    .await
    .map_err(|error| SetupError::Migration(error.to_string()))?;
    let mut conn = conn;
    conn.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})"))
        .await
        .map_err(SetupError::Schema)?;
    applied
}
