//! Where the database (and its replica) is, and how many connections to keep.

use std::path::PathBuf;
use std::time::Duration;

use oms_persistence::{ConnectOptions, DatabaseAddress, PoolOptions, SslMode};
use secrecy::ExposeSecret;

use super::Settings;

impl Settings {
    /// Where the database is: `DATABASE_URL` if set, else the `DB_*` parts;
    /// `DB_SSLMODE` and `DB_SSLROOTCERT` win over the URL's `sslmode` and
    /// `sslrootcert`.
    pub fn address(&self) -> anyhow::Result<DatabaseAddress> {
        let url = self.database_url.expose_secret().trim();
        let address = if url.is_empty() {
            DatabaseAddress::from_parts(
                &self.db_host,
                self.db_port,
                &self.db_name,
                &self.db_user,
                self.db_password.expose_secret(),
            )
        } else {
            DatabaseAddress::parse(url)
                .map_err(|error| anyhow::anyhow!("invalid configuration: DATABASE_URL: {error}"))?
        };
        self.with_tls_settings(address)
    }

    /// Where reads that may be slightly stale go: `DATABASE_READ_URL`, with the
    /// TLS settings of [`Settings::address`]; `None` when it is not set.
    pub fn read_address(&self) -> anyhow::Result<Option<DatabaseAddress>> {
        let url = self.database_read_url.expose_secret().trim();
        if url.is_empty() {
            return Ok(None);
        }
        let address = DatabaseAddress::parse(url).map_err(|error| {
            anyhow::anyhow!("invalid configuration: DATABASE_READ_URL: {error}")
        })?;
        self.with_tls_settings(address).map(Some)
    }

    /// `address` with `DB_SSLMODE` and `DB_SSLROOTCERT`, when they are set.
    fn with_tls_settings(&self, mut address: DatabaseAddress) -> anyhow::Result<DatabaseAddress> {
        let mode = self.db_sslmode.trim();
        if !mode.is_empty() {
            let mode = mode
                .parse::<SslMode>()
                .map_err(|error| anyhow::anyhow!("invalid configuration: DB_SSLMODE: {error}"))?;
            address = address.with_ssl_mode(mode);
        }
        let root_cert = self.db_sslrootcert.trim();
        if !root_cert.is_empty() {
            address = address.with_root_cert(PathBuf::from(root_cert));
        }
        Ok(address)
    }

    /// How to reach the database and set up each connection.
    pub fn connect_options(&self) -> anyhow::Result<ConnectOptions> {
        Ok(ConnectOptions {
            address: self.address()?,
            schema: self.schema().to_owned(),
            statement_timeout: Duration::from_millis(self.db_statement_timeout_ms),
        })
    }

    /// How to reach the replica reads may go to, set up as the primary's
    /// connections are; `None` without `DATABASE_READ_URL`.
    pub fn read_connect_options(&self) -> anyhow::Result<Option<ConnectOptions>> {
        Ok(self.read_address()?.map(|address| ConnectOptions {
            address,
            schema: self.schema().to_owned(),
            statement_timeout: Duration::from_millis(self.db_statement_timeout_ms),
        }))
    }

    /// How many HTTP worker threads serve requests.
    pub fn http_workers(&self) -> usize {
        match self.http_workers {
            0 => cores(),
            workers => workers,
        }
    }

    /// Connections the API opens at most. One per core by default, for
    /// PostgreSQL on the same host: with more, its backends outnumber the cores
    /// they share with the HTTP workers, and the kernel's scheduler left single
    /// backends waiting for a core (docs/PERFORMANCE.md).
    fn db_pool_size(&self) -> usize {
        match self.db_pool_size {
            0 => cores(),
            size => size,
        }
    }

    /// The pool of each HTTP worker: the API's connections shared out among
    /// them (rounded up, at least one connection each).
    pub fn worker_pool_options(&self) -> PoolOptions {
        PoolOptions {
            max_size: self.db_pool_size().div_ceil(self.http_workers()).max(1),
            wait_timeout: Duration::from_millis(self.db_pool_timeout_ms),
        }
    }

    /// The pool of the key checks: keys are read once per server, rate-limit
    /// windows a few times a second per busy key.
    pub fn access_pool_options(&self) -> PoolOptions {
        PoolOptions {
            max_size: 2,
            wait_timeout: Duration::from_millis(self.db_pool_timeout_ms),
        }
    }

    /// A pool of one connection, for background tasks.
    pub fn single_connection_options(&self) -> PoolOptions {
        PoolOptions {
            max_size: 1,
            wait_timeout: Duration::from_millis(self.db_pool_timeout_ms),
        }
    }

    /// `host:port (database, user)` of the database, for messages; never the password.
    pub fn database_target(&self) -> String {
        match self.address() {
            Ok(address) if self.database_url.expose_secret().trim().is_empty() => {
                address.describe()
            }
            Ok(address) => format!("{} from DATABASE_URL", address.describe()),
            Err(_) => "an invalid DATABASE_URL".to_owned(),
        }
    }

    /// The schema that holds the tables.
    pub fn schema(&self) -> &str {
        self.db_schema.trim()
    }
}

/// The CPU cores this process may run on (1 when that cannot be told).
fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

#[cfg(test)]
mod tests {
    use super::super::tests::settings_with;
    use super::*;

    #[test]
    fn by_default_each_core_has_one_worker_with_one_connection() {
        let settings = settings_with(&[]);
        assert_eq!(settings.http_workers(), cores());
        assert_eq!(settings.worker_pool_options().max_size, 1);
    }

    #[test]
    fn a_set_pool_size_is_shared_out_among_the_workers_rounded_up() {
        let settings = settings_with(&[("db_pool_size", "5"), ("http_workers", "2")]);
        assert_eq!(settings.worker_pool_options().max_size, 3);
        let settings = settings_with(&[("db_pool_size", "1"), ("http_workers", "4")]);
        assert_eq!(settings.worker_pool_options().max_size, 1);
    }

    #[test]
    fn db_sslmode_wins_over_the_urls_sslmode() {
        let settings = settings_with(&[
            (
                "database_url",
                "postgres://u@db.example/shop?sslmode=require",
            ),
            ("db_sslmode", "verify-ca"),
        ]);
        assert_eq!(settings.address().unwrap().tls().mode, SslMode::VerifyCa);
        assert_eq!(
            settings.database_target(),
            "db.example:5432 (database 'shop', user 'u') from DATABASE_URL"
        );
    }

    #[test]
    fn a_read_url_names_a_replica_in_the_primarys_schema() {
        assert!(settings_with(&[]).read_connect_options().unwrap().is_none());
        let settings = settings_with(&[
            ("database_read_url", "postgres://u@replica.example/shop"),
            ("db_schema", "shop"),
        ]);
        let replica = settings.read_connect_options().unwrap().unwrap();
        assert_eq!(replica.schema, "shop");
        let error = Settings::load(
            "no-such-config-file",
            &[(
                "database_read_url".to_owned(),
                "postgres://host:notaport/db".to_owned(),
            )],
        )
        .err()
        .expect("a bad read URL is refused");
        assert!(error.to_string().contains("DATABASE_READ_URL"), "{error}");
    }
}
