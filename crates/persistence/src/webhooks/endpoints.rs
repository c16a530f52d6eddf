//! Webhook endpoints: where events are sent, which ones, and whether at all.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use oms_domain::{Paging, Subscription, WebhookId, WebhookSecret, WebhookUrl};
use tokio::try_join;

use crate::error::{Entity, StoreError};
use crate::models::{Page, RowId};
use crate::schema::{webhook_deliveries, webhook_endpoints, webhook_queue};

/// An endpoint as stored, without its secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// Primary key.
    pub id: WebhookId,
    /// Where deliveries are posted.
    pub url: String,
    /// The events it wants.
    pub events: Subscription,
    /// What it is for.
    pub description: Option<String>,
    /// Whether events are queued for it and delivered.
    pub enabled: bool,
    /// When it was created; it hears of changes committed after.
    pub created_at: DateTime<Utc>,
}

/// An endpoint to create.
#[derive(Debug, Clone)]
pub struct NewEndpoint {
    /// Where deliveries are posted.
    pub url: WebhookUrl,
    /// The events it wants.
    pub events: Subscription,
    /// What it is for.
    pub description: Option<String>,
}

/// Changes to an endpoint; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct EndpointChanges {
    /// A new address.
    pub url: Option<WebhookUrl>,
    /// Other events.
    pub events: Option<Subscription>,
    /// A new description; `Some(None)` removes it.
    pub description: Option<Option<String>>,
    /// Turns delivery off or back on.
    pub enabled: Option<bool>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = webhook_endpoints, check_for_backend(diesel::pg::Pg))]
struct EndpointRow {
    #[diesel(deserialize_as = RowId)]
    id: WebhookId,
    url: String,
    events: Vec<Option<String>>,
    description: Option<String>,
    enabled: bool,
    created_at: DateTime<Utc>,
}

impl TryFrom<EndpointRow> for Endpoint {
    type Error = StoreError;

    fn try_from(row: EndpointRow) -> Result<Self, StoreError> {
        let events = Subscription::parse(row.events.iter().flatten()).map_err(|error| {
            StoreError::Corrupt(format!("webhook {}: its events {}", row.id, error.message))
        })?;
        Ok(Self {
            id: row.id,
            url: row.url,
            events,
            description: row.description,
            enabled: row.enabled,
            created_at: row.created_at,
        })
    }
}

#[derive(AsChangeset)]
#[diesel(table_name = webhook_endpoints)]
struct ChangeRow<'a> {
    url: Option<&'a str>,
    events: Option<Vec<&'static str>>,
    description: Option<Option<&'a str>>,
    enabled: Option<bool>,
}

/// Creates an endpoint with a new random secret, returned beside it: the
/// deliverers read it from the table, the owner sees it this once.
pub async fn create(
    conn: &mut AsyncPgConnection,
    endpoint: &NewEndpoint,
) -> Result<(Endpoint, WebhookSecret), StoreError> {
    let mut bytes = vec![0_u8; WebhookSecret::LEN];
    getrandom::fill(&mut bytes).map_err(StoreError::NoRandomness)?;
    let secret = WebhookSecret::new(bytes)
        .unwrap_or_else(|_| unreachable!("WebhookSecret::LEN is a valid length"));
    let row: EndpointRow = diesel::insert_into(webhook_endpoints::table)
        .values((
            webhook_endpoints::url.eq(endpoint.url.as_str()),
            webhook_endpoints::events.eq(endpoint.events.names()),
            webhook_endpoints::description.eq(endpoint.description.as_deref()),
            webhook_endpoints::secret.eq(secret.as_bytes()),
        ))
        .returning(EndpointRow::as_returning())
        .get_result(conn)
        .await?;
    Ok((row.try_into()?, secret))
}

/// One page of endpoints in id order, with how many there are.
pub async fn list(conn: &AsyncPgConnection, paging: Paging) -> Result<Page<Endpoint>, StoreError> {
    let mut page = webhook_endpoints::table
        .select(EndpointRow::as_select())
        .order(webhook_endpoints::id.asc())
        .limit(paging.rows_to_read())
        .into_boxed();
    page = match paging.after_id() {
        Some(id) => page.filter(webhook_endpoints::id.gt(id)),
        None => page.offset(paging.offset()),
    };
    let rows = page.load(&mut &*conn);
    let total = webhook_endpoints::table.count().get_result(&mut &*conn);
    let (rows, total) = try_join!(rows, total)?;
    let rows = rows
        .into_iter()
        .map(Endpoint::try_from)
        .collect::<Result<_, _>>()?;
    Ok(Page::of(rows, paging, total))
}

/// The endpoint with this id.
pub async fn get(conn: &mut AsyncPgConnection, id: WebhookId) -> Result<Endpoint, StoreError> {
    webhook_endpoints::table
        .find(id.get())
        .select(EndpointRow::as_select())
        .first(conn)
        .await
        .optional()?
        .ok_or_else(|| StoreError::not_found(Entity::Webhook, id.get()))?
        .try_into()
}

/// Applies `changes` and returns the endpoint as it is after. Turning it off
/// sets aside what is queued for it (due at the end of time, so that taking
/// due attempts never walks past them); turning it on makes that due now.
pub async fn update(
    conn: &mut AsyncPgConnection,
    id: WebhookId,
    changes: &EndpointChanges,
) -> Result<Endpoint, StoreError> {
    let row = ChangeRow {
        url: changes.url.as_ref().map(WebhookUrl::as_str),
        events: changes.events.as_ref().map(Subscription::names),
        description: changes.description.as_ref().map(Option::as_deref),
        enabled: changes.enabled,
    };
    conn.transaction(async |conn| {
        let endpoint: Endpoint = diesel::update(webhook_endpoints::table.find(id.get()))
            .set(&row)
            .returning(EndpointRow::as_returning())
            .get_result(conn)
            .await
            .optional()?
            .ok_or_else(|| StoreError::not_found(Entity::Webhook, id.get()))?
            .try_into()?;
        if let Some(enabled) = changes.enabled {
            set_aside(conn, id, !enabled).await?;
        }
        Ok(endpoint)
    })
    .await
}

/// Sets the endpoint's queued attempts aside (`aside`) or makes them due now.
async fn set_aside(
    conn: &mut AsyncPgConnection,
    id: WebhookId,
    aside: bool,
) -> Result<(), StoreError> {
    let queued = webhook_queue::table.filter(webhook_queue::endpoint_id.eq(id.get()));
    if aside {
        diesel::update(queued)
            .set(
                webhook_queue::due_at.eq(diesel::dsl::sql::<diesel::sql_types::Timestamptz>(
                    "'infinity'",
                )),
            )
            .execute(conn)
            .await?;
    } else {
        diesel::update(queued.filter(webhook_queue::due_at.eq(diesel::dsl::sql::<
            diesel::sql_types::Timestamptz,
        >("'infinity'"))))
        .set(webhook_queue::due_at.eq(diesel::dsl::now))
        .execute(conn)
        .await?;
    }
    Ok(())
}

/// Removes the endpoint, its queue and its delivery log, in one transaction:
/// what was queued for it is not sent.
pub async fn delete(conn: &mut AsyncPgConnection, id: WebhookId) -> Result<(), StoreError> {
    conn.transaction(async |conn| {
        let removed = diesel::delete(webhook_endpoints::table.find(id.get()))
            .execute(conn)
            .await?;
        if removed == 0 {
            return Err(StoreError::not_found(Entity::Webhook, id.get()));
        }
        diesel::delete(webhook_queue::table.filter(webhook_queue::endpoint_id.eq(id.get())))
            .execute(conn)
            .await?;
        diesel::delete(
            webhook_deliveries::table.filter(webhook_deliveries::endpoint_id.eq(id.get())),
        )
        .execute(conn)
        .await?;
        Ok(())
    })
    .await
}
