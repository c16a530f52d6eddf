//! `oms keys`: API keys from the command line, with the server's own
//! configuration, so that the first admin key can be made before any exists.
//!
//! What is said about a key goes to stderr; `create` prints the key itself,
//! alone, on stdout, so `KEY=$(oms keys create …)` captures exactly the key.

use anyhow::Context;
use oms_domain::{ApiKeyId, KeyName, Paging, RateLimit, Scopes};
use oms_persistence::{pool, ApiKey, NewApiKey, Store};

use crate::config::Settings;

/// What `oms keys` was asked to do.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum Action {
    /// Create a key and print it (it is shown this once).
    Create {
        /// What the key is for (1–100 characters).
        #[arg(long)]
        name: String,
        /// Comma-separated scopes: users:read, users:write, products:read,
        /// products:write, orders:read, orders:write, webhooks:manage, admin.
        #[arg(long, value_delimiter = ',', required = true)]
        scopes: Vec<String>,
        /// Requests per minute (0 is unlimited); RATE_LIMIT_PER_MINUTE of the
        /// server when left out.
        #[arg(long)]
        rate_limit_per_minute: Option<i64>,
    },
    /// List every key (never the keys themselves).
    List,
    /// Revoke a key: every server refuses it within two seconds.
    Revoke {
        /// The key's id (see `oms keys list`).
        id: i64,
    },
}

/// Prepares the database like `serve` does, then does `action`.
pub async fn run(settings: &Settings, action: Action) -> anyhow::Result<()> {
    let connect = crate::prepare_database(settings).await?;
    let store = Store::new(pool::build_pool(
        &connect,
        settings.single_connection_options(),
    ));
    match action {
        Action::Create {
            name,
            scopes,
            rate_limit_per_minute,
        } => {
            let key = NewApiKey {
                name: KeyName::parse(&name).map_err(|e| anyhow::anyhow!("--name {}", e.message))?,
                scopes: Scopes::parse(&scopes)
                    .map_err(|e| anyhow::anyhow!("--scopes {}", e.message))?,
                rate_limit: rate_limit_per_minute
                    .map(RateLimit::per_minute)
                    .transpose()
                    .map_err(|e| anyhow::anyhow!("--rate-limit-per-minute {}", e.message))?,
            };
            let (key, token) = store
                .create_key(&key)
                .await
                .context("cannot create the key")?;
            eprintln!(
                "created API key {} '{}' ({}) with scopes {}; it is shown this once:",
                key.id,
                key.name,
                key.prefix,
                scope_list(&key)
            );
            println!("{}", token.expose());
        }
        Action::List => {
            let mut offset = 0;
            println!(
                "{:>6}  {:<12}  {:<8}  {:<20}  {:<10}  {:<20}  name",
                "id", "prefix", "limit", "created", "revoked", "last used"
            );
            loop {
                let paging = Paging::new(Some(Paging::MAX_LIMIT), Some(offset))
                    .context("paging through the keys")?;
                let page = store
                    .list_keys(paging)
                    .await
                    .context("cannot list the keys")?;
                for key in &page.rows {
                    println!("{}", line(key));
                }
                offset += page.rows.len() as i64;
                if page.rows.is_empty() || offset >= page.total {
                    break;
                }
            }
        }
        Action::Revoke { id } => {
            let id = ApiKeyId::positive(id).map_err(|e| anyhow::anyhow!("the id {}", e.message))?;
            let key = store
                .revoke_key(id)
                .await
                .context("cannot revoke the key")?;
            eprintln!("revoked API key {} '{}' ({})", key.id, key.name, key.prefix);
        }
    }
    Ok(())
}

fn scope_list(key: &ApiKey) -> String {
    key.scopes
        .as_slice()
        .iter()
        .map(|scope| scope.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

fn line(key: &ApiKey) -> String {
    let limit = key
        .rate_limit
        .map_or("default".to_owned(), |limit| match limit.quota() {
            Some(quota) => format!("{quota}/min"),
            None => "none".to_owned(),
        });
    let time = |at: Option<chrono::DateTime<chrono::Utc>>| {
        at.map_or("-".to_owned(), |at| {
            at.format("%Y-%m-%d %H:%M:%S").to_string()
        })
    };
    format!(
        "{:>6}  {:<12}  {:<8}  {:<20}  {:<10}  {:<20}  {} [{}]",
        key.id,
        key.prefix,
        limit,
        time(Some(key.created_at)),
        if key.revoked_at.is_some() {
            "revoked"
        } else {
            "-"
        },
        time(key.last_used_at),
        key.name,
        scope_list(key)
    )
}
