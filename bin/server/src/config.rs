//! Settings, read in layers: built-in defaults, then an optional `config.toml`,
//! then `.env`, then the process environment (later layers win).

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use anyhow::{bail, Context};
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use std::path::PathBuf;

use oms_persistence::{ConnectOptions, PoolOptions, SslMode, TlsOptions};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// Everything the server reads from its configuration.
#[derive(Deserialize)]
pub struct Settings {
    db_host: String,
    db_port: u16,
    db_name: String,
    db_user: String,
    db_password: SecretString,
    db_schema: String,
    database_url: Option<SecretString>,
    db_sslmode: Option<String>,
    db_sslrootcert: Option<String>,
    /// Connections the API opens at most; 0 means one per CPU core.
    db_pool_size: usize,
    db_pool_timeout_ms: u64,
    db_statement_timeout_ms: u64,
    /// Connections that read the indexes requests use into the caches when the
    /// server starts and after a bulk load; 0 skips it.
    pub db_warm_connections: usize,
    /// Where the API is mounted.
    pub api_v1_prefix: String,
    /// Verbose logging, whatever `LOG_LEVEL` says.
    pub debug: bool,
    log_level: String,
    /// Interface to listen on.
    pub host: String,
    /// Port to listen on.
    pub port: u16,
    /// Largest accepted request body, in bytes.
    pub max_body_bytes: usize,
    /// Longest a request may take before it is answered with 503.
    request_timeout_ms: u64,
    /// Comma-separated origins allowed by CORS.
    cors_allowed_origins: String,
    /// How long in-flight requests may finish after SIGTERM.
    pub shutdown_grace_seconds: u64,
    /// HTTP worker threads; 0 means one per CPU core.
    http_workers: usize,
    /// Most products kept in memory; 0 turns the cache off.
    pub product_cache_size: usize,
    log_format: String,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// Log verbosity, named as the seed's Python logging levels or tracing's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogLevel {
    /// Everything.
    Trace,
    /// Diagnostics.
    Debug,
    /// Normal operation.
    Info,
    /// Something looks wrong.
    Warn,
    /// Something failed.
    Error,
}

impl FromStr for LogLevel {
    type Err = anyhow::Error;

    fn from_str(text: &str) -> anyhow::Result<Self> {
        Ok(match text.trim().to_ascii_lowercase().as_str() {
            "trace" => Self::Trace,
            "debug" => Self::Debug,
            "info" => Self::Info,
            "warn" | "warning" => Self::Warn,
            "error" | "critical" => Self::Error,
            _ => bail!(
                "invalid configuration: LOG_LEVEL must be one of TRACE, DEBUG, INFO, WARNING, ERROR, CRITICAL (got '{text}')"
            ),
        })
    }
}

impl fmt::Display for LogLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Trace => "trace",
            Self::Debug => "debug",
            Self::Info => "info",
            Self::Warn => "warn",
            Self::Error => "error",
        })
    }
}

impl Settings {
    /// Reads the layers. `config_file` is the optional TOML file (without its extension).
    pub fn load(config_file: &str) -> anyhow::Result<Self> {
        // .env fills in variables the environment does not already set, so the
        // environment wins over .env, and both over the file.
        match dotenvy::dotenv() {
            Ok(_) => {}
            Err(error) if error.not_found() => {}
            Err(error) => return Err(error).context("cannot read .env"),
        }
        let settings: Self = Self::defaults()?
            .add_source(config::File::with_name(config_file).required(false))
            .add_source(config::Environment::default())
            .build()
            .context("invalid configuration")?
            .try_deserialize()
            .context("invalid configuration")?;
        settings.validate()?;
        Ok(settings)
    }

    /// The built-in layer: every setting's default.
    fn defaults(
    ) -> Result<config::ConfigBuilder<config::builder::DefaultState>, config::ConfigError> {
        config::Config::builder()
            .set_default("db_host", "127.0.0.1")?
            .set_default("db_port", 5432)?
            .set_default("db_name", "oms")?
            .set_default("db_user", "postgres")?
            .set_default("db_password", "")?
            .set_default("db_schema", "public")?
            .set_default("db_pool_size", 0)?
            .set_default("db_pool_timeout_ms", 2000)?
            .set_default("db_statement_timeout_ms", 5000)?
            .set_default("db_warm_connections", 4)?
            .set_default("api_v1_prefix", "/api/v1")?
            .set_default("debug", false)?
            .set_default("log_level", "INFO")?
            .set_default("host", "127.0.0.1")?
            .set_default("port", 8000)?
            .set_default("max_body_bytes", 64 * 1024)?
            .set_default("request_timeout_ms", 30_000)?
            .set_default("cors_allowed_origins", "")?
            .set_default("shutdown_grace_seconds", 30)?
            .set_default("http_workers", 0)?
            .set_default("product_cache_size", 100_000)?
            .set_default("log_format", "text")
    }

    fn validate(&self) -> anyhow::Result<()> {
        self.log_level()?;
        self.log_format()?;
        if self.request_timeout_ms == 0 {
            bail!("invalid configuration: REQUEST_TIMEOUT_MS must be at least 1");
        }
        if self.db_schema.trim().is_empty() {
            bail!("invalid configuration: DB_SCHEMA must not be empty");
        }
        if self.max_body_bytes == 0 {
            bail!("invalid configuration: MAX_BODY_BYTES must be at least 1");
        }
        if let Some(url) = &self.database_url {
            let url = url.expose_secret();
            if !url.is_empty() {
                tokio_postgres::Config::from_str(url).map_err(|error| {
                    anyhow::anyhow!("invalid configuration: DATABASE_URL: {error}")
                })?;
            }
        }
        Ok(())
    }

    /// The effective log level: `LOG_LEVEL`, lowered to debug when `DEBUG` is on.
    pub fn log_level(&self) -> anyhow::Result<LogLevel> {
        let level: LogLevel = self.log_level.parse()?;
        Ok(if self.debug && level > LogLevel::Debug {
            LogLevel::Debug
        } else {
            level
        })
    }

    /// `LOG_FORMAT`: `text` or `json`.
    pub fn log_format(&self) -> anyhow::Result<LogFormat> {
        match self.log_format.trim().to_ascii_lowercase().as_str() {
            "text" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            other => {
                bail!("invalid configuration: LOG_FORMAT must be text or json (got '{other}')")
            }
        }
    }

    /// The HTTP layer's settings.
    pub fn api_config(&self) -> oms_http::ApiConfig {
        let mut api = oms_http::ApiConfig::new(&self.api_v1_prefix);
        api.body_limit = self.max_body_bytes;
        api.request_timeout = Duration::from_millis(self.request_timeout_ms);
        api.cors_origins = self
            .cors_allowed_origins
            .split(',')
            .map(str::trim)
            .filter(|origin| !origin.is_empty())
            .map(str::to_owned)
            .collect();
        api
    }

    fn database_url(&self) -> Option<&str> {
        self.database_url
            .as_ref()
            .map(|url| url.expose_secret())
            .filter(|url| !url.trim().is_empty())
    }

    /// TLS to the database: `DB_SSLMODE` (else `sslmode` in `DATABASE_URL`, else
    /// `disable` for a loopback host and `verify-full` for any other) and
    /// `DB_SSLROOTCERT` (else `sslrootcert` in `DATABASE_URL`).
    pub fn tls_options(&self) -> anyhow::Result<TlsOptions> {
        let from_url = self
            .database_url()
            .map(|url| split_tls_parameters(url).1)
            .unwrap_or_default();
        let given = |value: &Option<String>| {
            value
                .as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let mode = match given(&self.db_sslmode).or(from_url.mode) {
            Some(mode) => mode
                .parse::<SslMode>()
                .map_err(|error| anyhow::anyhow!("invalid configuration: DB_SSLMODE: {error}"))?,
            None if self.host_is_loopback() => SslMode::Disable,
            None => SslMode::VerifyFull,
        };
        let root_cert = given(&self.db_sslrootcert)
            .or(from_url.root_cert)
            .map(PathBuf::from);
        Ok(TlsOptions { mode, root_cert })
    }

    fn host_is_loopback(&self) -> bool {
        let hosts: Vec<String> = match self.database_url().map(|url| split_tls_parameters(url).0) {
            Some(url) => tokio_postgres::Config::from_str(&url)
                .map(|config| {
                    config
                        .get_hosts()
                        .iter()
                        .map(|host| match host {
                            tokio_postgres::config::Host::Tcp(name) => name.clone(),
                            tokio_postgres::config::Host::Unix(_) => "localhost".to_owned(),
                        })
                        .collect()
                })
                .unwrap_or_default(),
            None => vec![self.db_host.clone()],
        };
        hosts.iter().all(|host| {
            host == "localhost"
                || host.starts_with('/')
                || host
                    .trim_matches(|c| c == '[' || c == ']')
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        })
    }

    /// How to reach the database: `DATABASE_URL` if set, else the `DB_*` parts.
    pub fn connect_options(&self) -> anyhow::Result<ConnectOptions> {
        let url = match self.database_url() {
            Some(url) => split_tls_parameters(url).0,
            None => {
                let encode = |text: &str| utf8_percent_encode(text, NON_ALPHANUMERIC).to_string();
                let password = self.db_password.expose_secret();
                let credentials = if password.is_empty() {
                    encode(&self.db_user)
                } else {
                    format!("{}:{}", encode(&self.db_user), encode(password))
                };
                let host = if self.db_host.contains(':') {
                    format!("[{}]", self.db_host)
                } else {
                    self.db_host.clone()
                };
                format!(
                    "postgres://{credentials}@{host}:{}/{}",
                    self.db_port,
                    encode(&self.db_name)
                )
            }
        };
        Ok(ConnectOptions {
            url,
            schema: self.db_schema.trim().to_owned(),
            statement_timeout: Duration::from_millis(self.db_statement_timeout_ms),
            tls: self.tls_options()?,
        })
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
    /// backends waiting up to a second for a core (docs/PERFORMANCE.md).
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

    /// A pool of one connection, for background tasks.
    pub fn single_connection_options(&self) -> PoolOptions {
        PoolOptions {
            max_size: 1,
            wait_timeout: Duration::from_millis(self.db_pool_timeout_ms),
        }
    }

    /// `host:port database (user)` of the database, for messages; never the password.
    pub fn database_target(&self) -> String {
        match self
            .database_url()
            .map(|url| tokio_postgres::Config::from_str(&split_tls_parameters(url).0))
        {
            Some(Ok(config)) => {
                let hosts: Vec<String> = config
                    .get_hosts()
                    .iter()
                    .map(|host| match host {
                        tokio_postgres::config::Host::Tcp(name) => name.clone(),
                        tokio_postgres::config::Host::Unix(path) => path.display().to_string(),
                    })
                    .collect();
                let port = config.get_ports().first().copied().unwrap_or(5432);
                format!(
                    "{}:{port} (database '{}', user '{}', from DATABASE_URL)",
                    hosts.join(","),
                    config.get_dbname().unwrap_or_default(),
                    config.get_user().unwrap_or_default()
                )
            }
            _ => format!(
                "{}:{} (database '{}', user '{}')",
                self.db_host, self.db_port, self.db_name, self.db_user
            ),
        }
    }

    /// The schema that holds the tables.
    pub fn schema(&self) -> &str {
        self.db_schema.trim()
    }
}

/// The TLS parameters of a libpq-style URL, which tokio-postgres does not read.
#[derive(Debug, Default, PartialEq, Eq)]
struct UrlTls {
    mode: Option<String>,
    root_cert: Option<String>,
}

/// The CPU cores this process may run on (1 when that cannot be told).
fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// Splits `sslmode` and `sslrootcert` off a connection URL's query.
fn split_tls_parameters(url: &str) -> (String, UrlTls) {
    let Some((base, query)) = url.split_once('?') else {
        return (url.to_owned(), UrlTls::default());
    };
    let mut tls = UrlTls::default();
    let kept: Vec<&str> = query
        .split('&')
        .filter(|pair| match pair.split_once('=') {
            Some(("sslmode", value)) => {
                tls.mode = Some(value.to_owned());
                false
            }
            Some(("sslrootcert", value)) => {
                tls.root_cert = Some(
                    percent_encoding::percent_decode_str(value)
                        .decode_utf8_lossy()
                        .into_owned(),
                );
                false
            }
            _ => true,
        })
        .collect();
    let url = if kept.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    (url, tls)
}

impl PartialOrd for LogLevel {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for LogLevel {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (*self as u8).cmp(&(*other as u8))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings_with(overrides: &[(&str, u64)]) -> Settings {
        let mut builder = Settings::defaults().unwrap();
        for &(key, value) in overrides {
            builder = builder.set_override(key, value).unwrap();
        }
        builder.build().unwrap().try_deserialize().unwrap()
    }

    #[test]
    fn by_default_each_core_has_one_worker_with_one_connection() {
        let settings = settings_with(&[]);
        assert_eq!(settings.http_workers(), cores());
        assert_eq!(settings.worker_pool_options().max_size, 1);
    }

    #[test]
    fn a_set_pool_size_is_shared_out_among_the_workers_rounded_up() {
        let settings = settings_with(&[("db_pool_size", 5), ("http_workers", 2)]);
        assert_eq!(settings.worker_pool_options().max_size, 3);
        let settings = settings_with(&[("db_pool_size", 1), ("http_workers", 4)]);
        assert_eq!(settings.worker_pool_options().max_size, 1);
    }

    #[test]
    fn tls_parameters_are_taken_out_of_the_url() {
        let (url, tls) = split_tls_parameters(
            "postgres://u:p@db.example:5432/shop?sslmode=verify-full&application_name=x&sslrootcert=%2Fetc%2Fca.pem",
        );
        assert_eq!(
            url,
            "postgres://u:p@db.example:5432/shop?application_name=x"
        );
        assert_eq!(tls.mode.as_deref(), Some("verify-full"));
        assert_eq!(tls.root_cert.as_deref(), Some("/etc/ca.pem"));
        let (url, tls) = split_tls_parameters("postgres://h/db?sslmode=require");
        assert_eq!(
            (url.as_str(), tls.mode.as_deref()),
            ("postgres://h/db", Some("require"))
        );
    }
}
