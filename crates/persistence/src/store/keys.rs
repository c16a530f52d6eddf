//! The store's operations on API keys: making, listing and revoking them, the
//! keys requests present, and the request windows behind rate limits.

use chrono::{DateTime, Utc};
use oms_domain::{ApiKeyId, Grant, KeyToken, Paging};

use super::Store;
use crate::idempotency::{self, Keyed, Replayable};
use crate::keys::{self, ApiKey, NewApiKey};
use crate::models::Page;
use crate::StoreError;

impl Store {
    /// See [`keys::create`].
    pub async fn create_key(&self, key: &NewApiKey) -> Result<(ApiKey, KeyToken), StoreError> {
        self.with_conn(async |conn| keys::create(conn, key).await)
            .await
    }

    /// See [`keys::create`]; once per idempotency key when `keyed`.
    pub async fn create_key_once(
        &self,
        key: &NewApiKey,
        keyed: Option<&Keyed<(ApiKey, KeyToken)>>,
    ) -> Result<Replayable<(ApiKey, KeyToken)>, StoreError> {
        self.with_conn(async |conn| {
            idempotency::once(conn, keyed, async |conn| keys::create(conn, key).await).await
        })
        .await
    }

    /// See [`keys::list`].
    pub async fn list_keys(&self, paging: Paging) -> Result<Page<ApiKey>, StoreError> {
        self.with_conn(async |conn| keys::list(conn, paging).await)
            .await
    }

    /// See [`keys::get`].
    pub async fn get_key(&self, id: ApiKeyId) -> Result<ApiKey, StoreError> {
        self.with_conn(async |conn| keys::get(conn, id).await).await
    }

    /// See [`keys::revoke`].
    pub async fn revoke_key(&self, id: ApiKeyId) -> Result<ApiKey, StoreError> {
        self.with_conn(async |conn| keys::revoke(conn, id).await)
            .await
    }

    /// See [`keys::find`].
    pub async fn find_key(&self, prefix: &str) -> Result<Option<ApiKey>, StoreError> {
        self.with_conn(async |conn| keys::find(conn, prefix).await)
            .await
    }

    /// See [`keys::revoked_within`].
    pub async fn keys_revoked_within(&self, seconds: i32) -> Result<Vec<ApiKeyId>, StoreError> {
        self.with_conn(async |conn| keys::revoked_within(conn, seconds).await)
            .await
    }

    /// See [`keys::record_last_use`].
    pub async fn record_key_use(
        &self,
        uses: &[(ApiKeyId, DateTime<Utc>)],
    ) -> Result<(), StoreError> {
        self.with_conn(async |conn| keys::record_last_use(conn, uses).await)
            .await
    }

    /// See [`keys::take_requests`].
    pub async fn take_requests(
        &self,
        id: ApiKeyId,
        wanted: u32,
        quota: u32,
    ) -> Result<Grant, StoreError> {
        self.with_conn(async |conn| keys::take_requests(conn, id, wanted, quota).await)
            .await
    }
}
