//! Where PostgreSQL is and how to log in to it: read once, from a libpq-style
//! URL or from its parts, and used as a typed value from then on.

use std::path::PathBuf;
use std::str::FromStr;

use diesel::ConnectionError;
use diesel_async::AsyncPgConnection;
use percent_encoding::{percent_decode_str, utf8_percent_encode, NON_ALPHANUMERIC};
use tokio_postgres::config::Host;

use crate::error::error_chain;
use crate::tls::{SslMode, TlsError, TlsOptions};

/// A PostgreSQL server, database and role, with how to use TLS.
#[derive(Clone)]
pub struct DatabaseAddress {
    config: tokio_postgres::Config,
    ssl_mode: Option<SslMode>,
    root_cert: Option<PathBuf>,
}

/// Why a database URL was refused.
#[derive(Debug, thiserror::Error)]
pub enum AddressError {
    /// The URL is not one PostgreSQL clients read.
    #[error("{0}")]
    Url(String),
    /// Its `sslmode` is not one of libpq's four modes that oms implements.
    #[error(transparent)]
    Tls(#[from] TlsError),
}

impl DatabaseAddress {
    /// Reads `postgres://user:password@host:port/database?params`, with libpq's
    /// `sslmode` and `sslrootcert` among the parameters.
    pub fn parse(url: &str) -> Result<Self, AddressError> {
        let (url, ssl_mode, root_cert) = split_tls_parameters(url)?;
        let config = tokio_postgres::Config::from_str(&url)
            .map_err(|error| AddressError::Url(error.to_string()))?;
        Ok(Self {
            config,
            ssl_mode,
            root_cert,
        })
    }

    /// The database `database` on `host:port`, as `user` (with `password`
    /// unless it is empty).
    pub fn from_parts(host: &str, port: u16, database: &str, user: &str, password: &str) -> Self {
        let mut config = tokio_postgres::Config::new();
        config.host(host).port(port).dbname(database).user(user);
        if !password.is_empty() {
            config.password(password);
        }
        Self {
            config,
            ssl_mode: None,
            root_cert: None,
        }
    }

    /// Uses TLS as `mode` says, whatever the URL said.
    #[must_use]
    pub fn with_ssl_mode(mut self, mode: SslMode) -> Self {
        self.ssl_mode = Some(mode);
        self
    }

    /// Trusts the PEM certificates of `path` besides the system's.
    #[must_use]
    pub fn with_root_cert(mut self, path: PathBuf) -> Self {
        self.root_cert = Some(path);
        self
    }

    /// The same server and role, on database `name`.
    #[must_use]
    pub fn on_database(&self, name: &str) -> Self {
        let mut other = self.clone();
        other.config.dbname(name);
        other
    }

    /// The database's name (empty when none was given).
    pub fn database(&self) -> &str {
        self.config.get_dbname().unwrap_or_default()
    }

    /// How connections use TLS: as set, else not at all on this machine
    /// (a loopback address or a socket) and `verify-full` anywhere else.
    pub fn tls(&self) -> TlsOptions {
        let mode = self.ssl_mode.unwrap_or(if self.is_local() {
            SslMode::Disable
        } else {
            SslMode::VerifyFull
        });
        TlsOptions {
            mode,
            root_cert: self.root_cert.clone(),
        }
    }

    /// Whether every host is this machine.
    fn is_local(&self) -> bool {
        self.config.get_hosts().iter().all(|host| match host {
            Host::Unix(_) => true,
            Host::Tcp(name) => {
                name == "localhost"
                    || name
                        .trim_matches(|c| c == '[' || c == ']')
                        .parse::<std::net::IpAddr>()
                        .is_ok_and(|ip| ip.is_loopback())
            }
        })
    }

    /// `host:port (database 'name', user 'role')`, for messages: never the password.
    pub fn describe(&self) -> String {
        let hosts: Vec<String> = self
            .config
            .get_hosts()
            .iter()
            .map(|host| match host {
                Host::Tcp(name) => name.clone(),
                Host::Unix(path) => path.display().to_string(),
            })
            .collect();
        let port = self.config.get_ports().first().copied().unwrap_or(5432);
        format!(
            "{}:{port} (database '{}', user '{}')",
            hosts.join(","),
            self.database(),
            self.config.get_user().unwrap_or_default()
        )
    }

    /// The address as a `postgres://` URL (password included), for tools that
    /// take one.
    pub fn to_url(&self) -> String {
        let encode = |text: &str| utf8_percent_encode(text, NON_ALPHANUMERIC).to_string();
        let user = encode(self.config.get_user().unwrap_or_default());
        let credentials = match self.config.get_password() {
            Some(password) => format!("{user}:{}", encode(&String::from_utf8_lossy(password))),
            None => user,
        };
        let host = match self.config.get_hosts().first() {
            Some(Host::Tcp(name)) if name.contains(':') => format!("[{name}]"),
            Some(Host::Tcp(name)) => name.clone(),
            Some(Host::Unix(path)) => encode(&path.display().to_string()),
            None => String::new(),
        };
        let port = self.config.get_ports().first().copied().unwrap_or(5432);
        format!(
            "postgres://{credentials}@{host}:{port}/{}",
            encode(self.database())
        )
    }

    /// The address as tokio-postgres reads it.
    #[cfg(feature = "test-support")]
    pub(crate) fn postgres_config(&self) -> &tokio_postgres::Config {
        &self.config
    }

    /// Opens a bare connection (no session settings).
    pub async fn open(&self) -> Result<AsyncPgConnection, ConnectionError> {
        let bad =
            |error: tokio_postgres::Error| ConnectionError::BadConnection(error_chain(&error));
        let tls = self
            .tls()
            .client_config()
            .map_err(|error| ConnectionError::BadConnection(error.to_string()))?;
        match tls {
            None => {
                let (client, connection) = self
                    .config
                    .connect(tokio_postgres::NoTls)
                    .await
                    .map_err(bad)?;
                AsyncPgConnection::try_from_client_and_connection(client, connection).await
            }
            Some(tls) => {
                let mut config = self.config.clone();
                config.ssl_mode(tokio_postgres::config::SslMode::Require);
                let (client, connection) = config
                    .connect(tokio_postgres_rustls::MakeRustlsConnect::new(tls))
                    .await
                    .map_err(bad)?;
                AsyncPgConnection::try_from_client_and_connection(client, connection).await
            }
        }
    }
}

impl std::fmt::Debug for DatabaseAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

/// Takes libpq's `sslmode` and `sslrootcert` out of a URL's parameters
/// (tokio-postgres knows neither `verify-ca` nor `verify-full`).
fn split_tls_parameters(
    url: &str,
) -> Result<(String, Option<SslMode>, Option<PathBuf>), AddressError> {
    let Some((base, query)) = url.split_once('?') else {
        return Ok((url.to_owned(), None, None));
    };
    let mut mode = None;
    let mut root_cert = None;
    let mut kept = Vec::new();
    for pair in query.split('&') {
        match pair.split_once('=') {
            Some(("sslmode", value)) => mode = Some(value.parse::<SslMode>()?),
            Some(("sslrootcert", value)) => {
                root_cert = Some(PathBuf::from(
                    percent_decode_str(value).decode_utf8_lossy().into_owned(),
                ));
            }
            _ => kept.push(pair),
        }
    }
    let url = if kept.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    Ok((url, mode, root_cert))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_parameters_are_read_out_of_the_url() {
        let address = DatabaseAddress::parse(
            "postgres://u:p@db.example:5432/shop?sslmode=verify-ca&application_name=x&sslrootcert=%2Fetc%2Fca.pem",
        )
        .unwrap();
        assert_eq!(
            address.tls(),
            TlsOptions {
                mode: SslMode::VerifyCa,
                root_cert: Some(PathBuf::from("/etc/ca.pem"))
            }
        );
        assert_eq!(address.database(), "shop");
        assert_eq!(address.config.get_application_name(), Some("x"));
    }

    #[test]
    fn tls_defaults_to_off_on_this_machine_and_verify_full_elsewhere() {
        for local in [
            "postgres://u@127.0.0.1/db",
            "postgres://u@localhost/db",
            "postgres://u@[::1]:5433/db",
            "postgres://u@%2Fvar%2Frun%2Fpostgresql/db",
        ] {
            let mode = DatabaseAddress::parse(local).unwrap().tls().mode;
            assert_eq!(mode, SslMode::Disable, "{local}");
        }
        let remote = DatabaseAddress::from_parts("db.internal", 5432, "shop", "oms", "");
        assert_eq!(remote.tls().mode, SslMode::VerifyFull);
        assert_eq!(
            remote.with_ssl_mode(SslMode::Require).tls().mode,
            SslMode::Require
        );
    }

    #[test]
    fn an_unknown_sslmode_or_a_malformed_url_is_refused() {
        assert!(matches!(
            DatabaseAddress::parse("postgres://h/db?sslmode=sometimes"),
            Err(AddressError::Tls(_))
        ));
        assert!(matches!(
            DatabaseAddress::parse("postgres://h:notaport/db"),
            Err(AddressError::Url(_))
        ));
    }

    #[test]
    fn descriptions_never_hold_the_password_and_urls_round_trip() {
        let address = DatabaseAddress::from_parts("::1", 5433, "my db", "o:ms", "p@ss word");
        assert_eq!(
            address.describe(),
            "::1:5433 (database 'my db', user 'o:ms')"
        );
        let again = DatabaseAddress::parse(&address.to_url()).unwrap();
        assert_eq!(again.describe(), address.describe());
        assert_eq!(again.config.get_password(), Some(&b"p@ss word"[..]));
        assert_eq!(address.on_database("postgres").database(), "postgres");
    }
}
