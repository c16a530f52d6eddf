//! The keys this server has seen, kept in memory so that checking a request's
//! key costs a digest and a lookup, not a query.
//!
//! A key is read from the database the first time it is presented. Every
//! second, [`KeyRing::refresh`] asks which keys were revoked in the last few
//! seconds (so another server's revocation takes effect here within two
//! seconds) and records when keys were last used. If the database could not be
//! asked, the next successful refresh forgets every key, so that none missed
//! while the database was away stays valid.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, RwLock};

use chrono::{DateTime, Utc};
use oms_domain::{ApiKeyId, KeyToken};
use oms_persistence::{ApiKey, Store, StoreError};

use super::limits::Allowance;

/// Revocations looked for at each refresh: far more than the refresh interval,
/// so a refresh that ran late misses none.
const REVOKED_LOOKBACK_SECONDS: i32 = 10;

/// A key as this server knows it.
#[derive(Debug)]
pub struct KnownKey {
    /// The stored key.
    pub key: ApiKey,
    revoked: AtomicBool,
    /// Unix seconds of the last use seen here, and of the last one written.
    last_used: AtomicI64,
    last_recorded: AtomicI64,
    /// The requests this server may still let through for the key.
    pub allowance: tokio::sync::Mutex<Allowance>,
}

impl KnownKey {
    fn new(key: ApiKey) -> Self {
        Self {
            revoked: AtomicBool::new(key.revoked_at.is_some()),
            last_used: AtomicI64::new(0),
            last_recorded: AtomicI64::new(0),
            allowance: tokio::sync::Mutex::new(Allowance::default()),
            key,
        }
    }

    /// The key's id.
    pub fn id(&self) -> ApiKeyId {
        self.key.id
    }
}

/// Why a key was refused.
#[derive(Debug, thiserror::Error)]
pub enum Refused {
    /// No key has this value.
    #[error("the API key is not valid")]
    Unknown,
    /// The key was revoked.
    #[error("the API key has been revoked")]
    Revoked,
    /// The key could not be looked up.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The keys seen by this server, by prefix.
#[derive(Debug, Default)]
pub struct KeyRing {
    keys: RwLock<HashMap<String, Arc<KnownKey>>>,
    forget_all: AtomicBool,
}

impl KeyRing {
    /// The key `token` names, if it is valid and not revoked.
    pub async fn check(&self, store: &Store, token: &KeyToken) -> Result<Arc<KnownKey>, Refused> {
        let known = self.read().get(token.prefix()).cloned();
        let known = match known {
            Some(known) => known,
            None => {
                // Boxed: a query's future is large, and every request's future
                // would otherwise carry room for it, though few ever make it.
                let key = Box::pin(store.find_key(token.prefix()))
                    .await?
                    .ok_or(Refused::Unknown)?;
                self.remember(key)
            }
        };
        if !known.key.digest.matches(&token.digest()) {
            return Err(Refused::Unknown);
        }
        if known.revoked.load(Ordering::Relaxed) {
            return Err(Refused::Revoked);
        }
        // Written only when the second changes: the workers share the line.
        let now = Utc::now().timestamp();
        if known.last_used.load(Ordering::Relaxed) != now {
            known.last_used.store(now, Ordering::Relaxed);
        }
        Ok(known)
    }

    /// Keeps `key`, unless a request kept it first.
    fn remember(&self, key: ApiKey) -> Arc<KnownKey> {
        let mut keys = self
            .keys
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        keys.entry(key.prefix.clone())
            .or_insert_with(|| Arc::new(KnownKey::new(key)))
            .clone()
    }

    /// Refuses the key with this id from now on.
    pub fn revoke(&self, id: ApiKeyId) {
        for known in self.read().values().filter(|known| known.id() == id) {
            known.revoked.store(true, Ordering::Relaxed);
        }
    }

    /// Learns of revocations made elsewhere and records when keys were last
    /// used. A failure is logged and makes the next successful refresh forget
    /// every key.
    pub async fn refresh(&self, store: &Store) {
        if let Err(error) = self.record_last_use(store).await {
            tracing::debug!(%error, "last use of API keys not recorded");
        }
        match store.keys_revoked_within(REVOKED_LOOKBACK_SECONDS).await {
            Ok(_) if self.forget_all.swap(false, Ordering::Relaxed) => {
                self.keys
                    .write()
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
                    .clear();
            }
            Ok(revoked) => revoked.into_iter().for_each(|id| self.revoke(id)),
            Err(error) => {
                tracing::warn!(%error, "could not look for revoked API keys");
                self.forget_all.store(true, Ordering::Relaxed);
            }
        }
    }

    async fn record_last_use(&self, store: &Store) -> Result<(), StoreError> {
        let used: Vec<(Arc<KnownKey>, DateTime<Utc>)> = self
            .read()
            .values()
            .filter_map(|known| {
                let at = known.last_used.load(Ordering::Relaxed);
                let unrecorded = at > known.last_recorded.load(Ordering::Relaxed);
                Some((known.clone(), DateTime::from_timestamp(at, 0)?)).filter(|_| unrecorded)
            })
            .collect();
        let uses: Vec<(ApiKeyId, DateTime<Utc>)> =
            used.iter().map(|(known, at)| (known.id(), *at)).collect();
        store.record_key_use(&uses).await?;
        for (known, at) in used {
            known
                .last_recorded
                .fetch_max(at.timestamp(), Ordering::Relaxed);
        }
        Ok(())
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<String, Arc<KnownKey>>> {
        self.keys
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
