//! The store's operations on webhook endpoints and their delivery logs.

use std::time::Duration;

use oms_domain::{DeliveryId, Paging, WebhookId, WebhookSecret};

use super::Store;
use crate::idempotency::{self, Keyed, Replayable};
use crate::models::Page;
use crate::webhooks::{
    deliveries, endpoints, retention, Delivery, Endpoint, EndpointChanges, NewEndpoint,
};
use crate::StoreError;

impl Store {
    /// See [`endpoints::create`]; once per idempotency key when `keyed`.
    pub async fn create_webhook_once(
        &self,
        endpoint: &NewEndpoint,
        keyed: Option<&Keyed<(Endpoint, WebhookSecret)>>,
    ) -> Result<Replayable<(Endpoint, WebhookSecret)>, StoreError> {
        self.with_conn(async |conn| {
            idempotency::once(conn, keyed, async |conn| {
                endpoints::create(conn, endpoint).await
            })
            .await
        })
        .await
    }

    /// See [`endpoints::list`].
    pub async fn list_webhooks(&self, paging: Paging) -> Result<Page<Endpoint>, StoreError> {
        self.with_conn(async |conn| endpoints::list(conn, paging).await)
            .await
    }

    /// See [`endpoints::get`].
    pub async fn get_webhook(&self, id: WebhookId) -> Result<Endpoint, StoreError> {
        self.with_conn(async |conn| endpoints::get(conn, id).await)
            .await
    }

    /// See [`endpoints::update`].
    pub async fn update_webhook(
        &self,
        id: WebhookId,
        changes: &EndpointChanges,
    ) -> Result<Endpoint, StoreError> {
        self.with_conn(async |conn| endpoints::update(conn, id, changes).await)
            .await
    }

    /// See [`endpoints::delete`].
    pub async fn delete_webhook(&self, id: WebhookId) -> Result<(), StoreError> {
        self.with_conn(async |conn| endpoints::delete(conn, id).await)
            .await
    }

    /// See [`deliveries::log`].
    pub async fn webhook_deliveries(
        &self,
        id: WebhookId,
        paging: Paging,
    ) -> Result<Page<Delivery>, StoreError> {
        self.with_conn(async |conn| deliveries::log(conn, id, paging).await)
            .await
    }

    /// See [`retention::sweep`].
    pub async fn sweep_webhooks(&self, retention: Duration) -> Result<u64, StoreError> {
        self.with_conn(async |conn| retention::sweep(conn, retention).await)
            .await
    }

    /// See [`deliveries::retry`]; once per idempotency key when `keyed`.
    pub async fn retry_delivery_once(
        &self,
        id: WebhookId,
        delivery: DeliveryId,
        keyed: Option<&Keyed<Delivery>>,
    ) -> Result<Replayable<Delivery>, StoreError> {
        self.with_conn(async |conn| {
            idempotency::once(conn, keyed, async |conn| {
                deliveries::retry(conn, id, delivery).await
            })
            .await
        })
        .await
    }
}
