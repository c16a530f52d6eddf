//! Settings, read in layers: built-in defaults, then an optional `config.toml`,
//! then `.env`, then the process environment, then the command line (later
//! layers win). The environment and the command line are read by the command
//! line parser (`cli.rs`), which knows every setting from
//! [`variables::VARIABLES`] and hands the values it found to [`Settings::load`].

mod database;
mod logging;
pub mod variables;

use std::time::Duration;

use anyhow::{bail, Context};
use oms_domain::RateLimit;
use secrecy::SecretString;
use serde::Deserialize;

pub use logging::{LogFormat, LogLevel};
use variables::VARIABLES;

/// Everything the server reads from its configuration.
#[derive(Deserialize)]
pub struct Settings {
    db_host: String,
    db_port: u16,
    db_name: String,
    db_user: String,
    db_password: SecretString,
    db_schema: String,
    database_url: SecretString,
    /// Where reads that may be slightly stale go (a replica); empty: the primary.
    database_read_url: SecretString,
    db_sslmode: String,
    db_sslrootcert: String,
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
    debug: bool,
    log_level: String,
    /// Interface to listen on.
    pub host: String,
    /// Port to listen on.
    pub port: u16,
    /// Largest accepted request body, in bytes.
    max_body_bytes: usize,
    /// Longest a request may take before it is answered with 503.
    request_timeout_ms: u64,
    /// Comma-separated origins allowed by CORS.
    cors_allowed_origins: String,
    /// `on` or `off`: whether API calls need a key.
    auth: String,
    /// Requests per minute of keys without a limit of their own; 0 is unlimited.
    rate_limit_per_minute: i64,
    /// The largest `offset` a list takes.
    max_offset: i64,
    /// Hours the answers to idempotency keys are kept.
    idempotency_retention_hours: u32,
    /// Whether webhook endpoints may be on internal addresses.
    webhook_allow_private: bool,
    /// Longest a webhook endpoint may take to answer.
    webhook_timeout_ms: u64,
    /// Waits before each retry of a failed delivery.
    webhook_retry_schedule: String,
    /// Delivery workers; 0 delivers nothing from this server.
    webhook_workers: usize,
    /// Days events and delivery attempts are kept.
    webhook_retention_days: u32,
    /// How long in-flight requests may finish after SIGTERM.
    pub shutdown_grace_seconds: u64,
    /// HTTP worker threads; 0 means one per CPU core.
    http_workers: usize,
    /// Most products kept in memory; 0 turns the cache off.
    pub product_cache_size: usize,
    log_format: String,
}

impl Settings {
    /// The defaults, then `config_file` (TOML, without its extension) if it
    /// exists, then `overrides` (setting key and value, from the environment
    /// or the command line).
    pub fn load(config_file: &str, overrides: &[(String, String)]) -> anyhow::Result<Self> {
        let mut builder =
            Self::defaults()?.add_source(config::File::with_name(config_file).required(false));
        for (key, value) in overrides {
            builder = builder
                .set_override(key.as_str(), value.as_str())
                .context("invalid configuration")?;
        }
        let settings: Self = builder
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
        VARIABLES
            .iter()
            .try_fold(config::Config::builder(), |builder, variable| {
                builder.set_default(variable.key(), variable.default)
            })
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
        self.address()?;
        self.read_address()?;
        self.auth()?;
        self.default_rate_limit()?;
        if self.max_offset < 0 {
            bail!("invalid configuration: MAX_OFFSET must be 0 or more");
        }
        if self.idempotency_retention_hours == 0 {
            bail!("invalid configuration: IDEMPOTENCY_RETENTION_HOURS must be at least 1");
        }
        self.webhooks()?;
        if self.webhook_retention_days == 0 {
            bail!("invalid configuration: WEBHOOK_RETENTION_DAYS must be at least 1");
        }
        Ok(())
    }

    /// `WEBHOOK_RETENTION_DAYS`: how long webhook events and attempts are kept.
    pub fn webhook_retention(&self) -> Duration {
        Duration::from_secs(u64::from(self.webhook_retention_days) * 86_400)
    }

    /// How webhooks are delivered; `None` when `WEBHOOK_WORKERS` is 0.
    pub fn webhooks(&self) -> anyhow::Result<Option<oms_webhooks::Settings>> {
        if self.webhook_timeout_ms == 0 {
            bail!("invalid configuration: WEBHOOK_TIMEOUT_MS must be at least 1");
        }
        let schedule =
            self.webhook_retry_schedule
                .parse()
                .map_err(|error: oms_domain::InputError| {
                    anyhow::anyhow!(
                        "invalid configuration: WEBHOOK_RETRY_SCHEDULE {}",
                        error.message
                    )
                })?;
        Ok((self.webhook_workers > 0).then(|| oms_webhooks::Settings {
            timeout: Duration::from_millis(self.webhook_timeout_ms),
            schedule,
            allow_private: self.webhook_allow_private,
            workers: self.webhook_workers,
            ..oms_webhooks::Settings::default()
        }))
    }

    /// `IDEMPOTENCY_RETENTION_HOURS`: how long answers to idempotency keys are kept.
    pub fn idempotency_retention(&self) -> std::time::Duration {
        std::time::Duration::from_secs(u64::from(self.idempotency_retention_hours) * 3600)
    }

    /// `AUTH`: whether API calls need a key.
    pub fn auth(&self) -> anyhow::Result<bool> {
        match self.auth.trim().to_ascii_lowercase().as_str() {
            "on" | "true" | "1" => Ok(true),
            "off" | "false" | "0" => Ok(false),
            other => bail!("invalid configuration: AUTH must be on or off (got '{other}')"),
        }
    }

    /// `RATE_LIMIT_PER_MINUTE`: the limit of keys without one of their own.
    pub fn default_rate_limit(&self) -> anyhow::Result<RateLimit> {
        RateLimit::per_minute(self.rate_limit_per_minute).map_err(|error| {
            anyhow::anyhow!(
                "invalid configuration: RATE_LIMIT_PER_MINUTE {}",
                error.message
            )
        })
    }

    /// The effective log level: `LOG_LEVEL`, lowered to debug when `DEBUG` is on.
    pub fn log_level(&self) -> anyhow::Result<LogLevel> {
        let level: LogLevel = self.log_level.parse()?;
        Ok(if self.debug {
            level.min(LogLevel::Debug)
        } else {
            level
        })
    }

    /// `LOG_FORMAT`: `text` or `json`.
    pub fn log_format(&self) -> anyhow::Result<LogFormat> {
        self.log_format.parse()
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
        api.max_offset = self.max_offset;
        api.webhook_allow_private = self.webhook_allow_private;
        api
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Settings from the defaults and `overrides` (setting key, value).
    pub(super) fn settings_with(overrides: &[(&str, &str)]) -> Settings {
        let overrides: Vec<(String, String)> = overrides
            .iter()
            .map(|&(key, value)| (key.to_owned(), value.to_owned()))
            .collect();
        Settings::load("no-such-config-file", &overrides).unwrap()
    }

    #[test]
    fn webhook_settings_are_read_and_checked() {
        let settings = settings_with(&[
            ("webhook_retry_schedule", "1s, 2m"),
            ("webhook_timeout_ms", "500"),
            ("webhook_allow_private", "true"),
        ]);
        let webhooks = settings.webhooks().unwrap().unwrap();
        assert_eq!(webhooks.schedule.to_string(), "1s,2m");
        assert_eq!(webhooks.timeout, Duration::from_millis(500));
        assert!(webhooks.allow_private && settings.api_config().webhook_allow_private);
        assert!(settings_with(&[("webhook_workers", "0")])
            .webhooks()
            .unwrap()
            .is_none());
        assert_eq!(
            settings_with(&[("webhook_retention_days", "2")]).webhook_retention(),
            Duration::from_secs(2 * 86_400)
        );
        for (key, value) in [
            ("webhook_retry_schedule", "5x"),
            ("webhook_timeout_ms", "0"),
            ("webhook_retention_days", "0"),
        ] {
            let error =
                Settings::load("no-such-config-file", &[(key.to_owned(), value.to_owned())])
                    .err()
                    .unwrap_or_else(|| panic!("{key}={value} was taken"));
            assert!(
                error.to_string().contains(&key.to_ascii_uppercase()),
                "{key}: {error}"
            );
        }
    }

    #[test]
    fn debug_lowers_the_level_to_debug_but_never_raises_it() {
        let settings = settings_with(&[("log_level", "warning"), ("debug", "true")]);
        assert_eq!(settings.log_level().unwrap(), LogLevel::Debug);
        let settings = settings_with(&[("log_level", "trace"), ("debug", "true")]);
        assert_eq!(settings.log_level().unwrap(), LogLevel::Trace);
    }
}
