//! Every setting oms reads: its environment variable, default and meaning, in
//! one table that gives the built-in defaults and every command's `--help`.

/// The commands a setting matters to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Used {
    /// Where the database is: `serve`, `migrate`, `seed`, `keys`.
    Database,
    /// Logging: `serve`, `migrate`, `seed`, `keys`.
    Logging,
    /// The API's path prefix: `serve`, `openapi`, `postman`.
    Prefix,
    /// The listening address: `serve`, `postman` (its base URL).
    Address,
    /// How the server runs: `serve` only.
    Serving,
}

impl Used {
    /// Whether the command named `command` reads settings of this kind.
    pub fn by(self, command: &str) -> bool {
        match self {
            Self::Database | Self::Logging => {
                matches!(command, "serve" | "migrate" | "seed" | "keys")
            }
            Self::Prefix => matches!(command, "serve" | "openapi" | "postman"),
            Self::Address => matches!(command, "serve" | "postman"),
            Self::Serving => command == "serve",
        }
    }
}

/// One setting.
#[derive(Debug, Clone, Copy)]
pub struct Variable {
    /// The environment variable; in lower case, the key in `config.toml`.
    pub name: &'static str,
    /// The command-line option.
    pub long: &'static str,
    /// The built-in value, as text.
    pub default: &'static str,
    /// What it sets, for `--help`.
    pub help: &'static str,
    /// Who reads it.
    pub used: Used,
    /// Whether its value must never be shown.
    pub secret: bool,
}

const fn var(
    name: &'static str,
    long: &'static str,
    default: &'static str,
    used: Used,
    help: &'static str,
) -> Variable {
    Variable {
        name,
        long,
        default,
        help,
        used,
        secret: false,
    }
}

const fn secret(mut variable: Variable) -> Variable {
    variable.secret = true;
    variable
}

/// Every setting, in the order `--help` lists them.
pub const VARIABLES: &[Variable] = &[
    var("DB_HOST", "db-host", "127.0.0.1", Used::Database, "PostgreSQL host"),
    var("DB_PORT", "db-port", "5432", Used::Database, "PostgreSQL port"),
    var("DB_NAME", "db-name", "oms", Used::Database, "Database; created if missing"),
    var("DB_USER", "db-user", "postgres", Used::Database, "Role to connect as"),
    secret(var("DB_PASSWORD", "db-password", "", Used::Database, "Its password; never logged")),
    var(
        "DB_SCHEMA",
        "db-schema",
        "public",
        Used::Database,
        "Schema that holds the tables; created if missing",
    ),
    secret(var(
        "DATABASE_URL",
        "database-url",
        "",
        Used::Database,
        "postgres://user:password@host:port/name; overrides the DB_* above but DB_SCHEMA",
    )),
    secret(var(
        "DATABASE_READ_URL",
        "database-read-url",
        "",
        Used::Serving,
        "A replica (postgres://…) for lists and the export, which may be slightly stale; empty: all on the primary",
    )),
    var(
        "DB_SSLMODE",
        "db-sslmode",
        "",
        Used::Database,
        "TLS: disable, require, verify-ca or verify-full [default: disable on this machine, else verify-full]",
    ),
    var(
        "DB_SSLROOTCERT",
        "db-sslrootcert",
        "",
        Used::Database,
        "PEM file of extra trusted roots",
    ),
    var(
        "DB_POOL_SIZE",
        "db-pool-size",
        "0",
        Used::Serving,
        "Most connections the API opens; 0 means one per CPU core",
    ),
    var(
        "DB_POOL_TIMEOUT_MS",
        "db-pool-timeout-ms",
        "2000",
        Used::Serving,
        "Longest wait for a free connection before a 503",
    ),
    var(
        "DB_STATEMENT_TIMEOUT_MS",
        "db-statement-timeout-ms",
        "5000",
        Used::Serving,
        "Server-side statement_timeout of every connection",
    ),
    var(
        "DB_WARM_CONNECTIONS",
        "db-warm-connections",
        "4",
        Used::Serving,
        "Connections that read the indexes into the caches at start and after bulk loads; 0 skips it",
    ),
    var("API_V1_PREFIX", "api-v1-prefix", "/api/v1", Used::Prefix, "Where the API is mounted"),
    var("HOST", "host", "127.0.0.1", Used::Address, "Interface to listen on"),
    var("PORT", "port", "8000", Used::Address, "Port to listen on"),
    var(
        "HTTP_WORKERS",
        "http-workers",
        "0",
        Used::Serving,
        "HTTP worker threads; 0 means one per CPU core",
    ),
    var(
        "PRODUCT_CACHE_SIZE",
        "product-cache-size",
        "100000",
        Used::Serving,
        "Most products kept in memory; 0 turns the cache off",
    ),
    var(
        "MAX_BODY_BYTES",
        "max-body-bytes",
        "65536",
        Used::Serving,
        "Largest request body; larger ones get 413",
    ),
    var(
        "MAX_OFFSET",
        "max-offset",
        "10000",
        Used::Serving,
        "Largest offset a list takes; deeper pages are read by cursor",
    ),
    var(
        "REQUEST_TIMEOUT_MS",
        "request-timeout-ms",
        "30000",
        Used::Serving,
        "Longest a request may take before a 503",
    ),
    var(
        "CORS_ALLOWED_ORIGINS",
        "cors-allowed-origins",
        "",
        Used::Serving,
        "Comma-separated origins browsers may call the API from",
    ),
    var(
        "AUTH",
        "auth",
        "on",
        Used::Serving,
        "on: every API call needs an API key; off (local work only) lets anyone in",
    ),
    var(
        "RATE_LIMIT_PER_MINUTE",
        "rate-limit-per-minute",
        "600",
        Used::Serving,
        "Requests per minute of a key that has no limit of its own; 0 means unlimited",
    ),
    var(
        "IDEMPOTENCY_RETENTION_HOURS",
        "idempotency-retention-hours",
        "24",
        Used::Serving,
        "How long the answer to a request with an Idempotency-Key is kept for its retries",
    ),
    var(
        "WEBHOOK_ALLOW_PRIVATE",
        "webhook-allow-private",
        "false",
        Used::Serving,
        "true lets webhook endpoints be on loopback, private or link-local addresses",
    ),
    var(
        "WEBHOOK_TIMEOUT_MS",
        "webhook-timeout-ms",
        "15000",
        Used::Serving,
        "Longest a webhook endpoint may take to answer a delivery",
    ),
    var(
        "WEBHOOK_RETRY_SCHEDULE",
        "webhook-retry-schedule",
        "5s,5m,30m,2h,5h,10h,14h,20h,24h",
        Used::Serving,
        "Waits before each retry of a failed webhook delivery (s, m, h, d); then it has failed",
    ),
    var(
        "WEBHOOK_RETENTION_DAYS",
        "webhook-retention-days",
        "30",
        Used::Serving,
        "Days webhook events and delivery attempts are kept (events still queued are kept)",
    ),
    var(
        "WEBHOOK_WORKERS",
        "webhook-workers",
        "2",
        Used::Serving,
        "Webhook delivery workers per server, each with a database connection; 0 sends nothing",
    ),
    var(
        "SHUTDOWN_GRACE_SECONDS",
        "shutdown-grace-seconds",
        "30",
        Used::Serving,
        "After SIGTERM, how long requests in flight may finish",
    ),
    var(
        "LOG_LEVEL",
        "log-level",
        "INFO",
        Used::Logging,
        "TRACE, DEBUG, INFO, WARNING, ERROR or CRITICAL",
    ),
    var("LOG_FORMAT", "log-format", "text", Used::Logging, "text, or json for one object per line"),
    var("DEBUG", "debug", "false", Used::Logging, "true logs at DEBUG at least"),
];

impl Variable {
    /// The key of the setting in `config.toml` and in [`super::Settings`].
    pub fn key(&self) -> String {
        self.name.to_ascii_lowercase()
    }
}
