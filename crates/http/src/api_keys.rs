//! `/api-keys`: create, list and revoke API keys (scope `admin`).

use actix_web::{HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use oms_domain::{After, ApiKeyId, KeyName, KeyToken, RateLimit, Scopes};
use oms_persistence::{ApiKey, NewApiKey, Store};
use paperclip::actix::web::{self, Json};
use paperclip::actix::{api_v2_operation, Apiv2Schema};
use serde::{Deserialize, Serialize};

use crate::access::Access;
use crate::error::ApiError;
use crate::extract::{JsonBody, QueryParams, Required};
use crate::fallback::resource;
use crate::fields::{self, Named};
use crate::idempotency::{self, Idempotent};
use crate::listing::Listing;
use crate::respond::Created;
use crate::ApiConfig;

/// An API key. The key itself is only in the answer that created it.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct ApiKeyJson {
    /// The key's id; logs and order events name keys by it.
    id: i64,
    /// What the key is for.
    name: String,
    /// The key's first characters: not secret, enough to recognise it.
    prefix: String,
    /// What the key may do.
    scopes: Vec<String>,
    /// Requests per minute the key may make; 0 is unlimited, `null` the server's default.
    rate_limit_per_minute: Option<u32>,
    /// When the key was created (UTC).
    created_at: DateTime<Utc>,
    /// When the key was last used, to within a few seconds; `null` if never.
    last_used_at: Option<DateTime<Utc>>,
    /// When the key was revoked; `null` while it is valid.
    revoked_at: Option<DateTime<Utc>>,
}

impl From<ApiKey> for ApiKeyJson {
    fn from(key: ApiKey) -> Self {
        Self {
            id: key.id.get(),
            name: key.name,
            prefix: key.prefix,
            scopes: key
                .scopes
                .as_slice()
                .iter()
                .map(|scope| scope.as_str().to_owned())
                .collect(),
            rate_limit_per_minute: key.rate_limit.map(RateLimit::get),
            created_at: key.created_at,
            last_used_at: key.last_used_at,
            revoked_at: key.revoked_at,
        }
    }
}

impl ApiKeyJson {
    /// The answer to the key's creation: the key itself beside the rest, or
    /// `None` in the answer kept for an idempotency key (the key is never
    /// stored).
    fn with_key(self, key: Option<&str>) -> NewApiKeyJson {
        NewApiKeyJson {
            id: self.id,
            name: self.name,
            prefix: self.prefix,
            scopes: self.scopes,
            rate_limit_per_minute: self.rate_limit_per_minute,
            created_at: self.created_at,
            last_used_at: self.last_used_at,
            key: key.map(str::to_owned),
        }
    }
}

/// A new API key, with the key itself: shown this once, never again.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct NewApiKeyJson {
    /// The key's id.
    id: i64,
    /// What the key is for.
    name: String,
    /// The key's first characters.
    prefix: String,
    /// What the key may do.
    scopes: Vec<String>,
    /// Requests per minute; 0 is unlimited, `null` the server's default.
    rate_limit_per_minute: Option<u32>,
    /// When the key was created (UTC).
    created_at: DateTime<Utc>,
    /// Always `null` for a new key.
    last_used_at: Option<DateTime<Utc>>,
    /// The key: send it as `Authorization: Bearer <key>`. Only its SHA-256 is stored,
    /// so a replay of this answer (a retry with the same `Idempotency-Key`) has `null`
    /// here: revoke that key and create another if the first answer was lost.
    key: Option<String>,
}

/// A page of API keys in id order, revoked ones included.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct ApiKeyList {
    /// The keys of the page.
    api_keys: Vec<ApiKeyJson>,
    /// How many keys there are in all.
    total: i64,
    /// The page size used.
    limit: i64,
    /// How many keys were skipped.
    offset: i64,
    /// Send it as `cursor` (with the same `limit`) for the next page; `null` after the
    /// last page.
    next_cursor: Option<String>,
}

/// An API key to create.
#[derive(Debug, Deserialize, Apiv2Schema)]
#[serde(deny_unknown_fields)]
pub struct CreateApiKey {
    /// What the key is for: 1–100 characters after trimming.
    #[serde(default)]
    name: Required<String>,
    /// At least one of `users:read`, `users:write`, `products:read`, `products:write`,
    /// `orders:read`, `orders:write`, `webhooks:manage`, `admin`.
    #[serde(default)]
    scopes: Required<Vec<String>>,
    /// Requests per minute, 0 (unlimited) to 1,000,000; the server's default
    /// (`RATE_LIMIT_PER_MINUTE`) when left out or `null`.
    #[serde(default)]
    rate_limit_per_minute: Option<i64>,
}

/// Registers the routes under the API prefix.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/api-keys", "GET, POST")
            .route(web::get().to(list))
            .route(web::post().to(create)),
    )
    .service(
        resource("/api-keys/{api_key_id}", "GET, DELETE")
            .route(web::get().to(get))
            .route(web::delete().to(revoke)),
    );
}

/// List API keys
///
/// Every key in id order, revoked ones included, one page at a time. The keys
/// themselves are never shown, only their prefixes.
#[api_v2_operation(operation_id = "listApiKeys", tags("api-keys"))]
async fn list(
    req: HttpRequest,
    store: web::Data<Store>,
    config: web::Data<ApiConfig>,
) -> Result<Json<ApiKeyList>, ApiError> {
    let params = QueryParams::parse(&req, crate::PAGING_PARAMS)?;
    let (listing, paging) = Listing::read(&store, &config, &params, "api-keys".to_owned()).await?;
    let page = store.list_keys(paging).await?;
    let last = page.rows.last().map(|row| After::Id(row.id.get()));
    Ok(Json(ApiKeyList {
        api_keys: page.rows.into_iter().map(ApiKeyJson::from).collect(),
        total: page.total,
        limit: paging.limit(),
        offset: paging.offset(),
        next_cursor: listing.next(page.more, last),
    }))
}

/// Get an API key
///
/// The key with this id (its prefix, never the key itself).
#[api_v2_operation(operation_id = "getApiKey", tags("api-keys"))]
async fn get(
    store: web::Data<Store>,
    path: web::Path<String>,
) -> Result<Json<ApiKeyJson>, ApiError> {
    let id: ApiKeyId = fields::id("api_key_id", &path)?;
    Ok(Json(store.get_key(id).await?.into()))
}

/// Create an API key
///
/// Creates a key with the given scopes and shows it, this once: only its SHA-256
/// and its prefix are kept.
#[api_v2_operation(operation_id = "createApiKey", tags("api-keys"))]
async fn create(
    req: HttpRequest,
    store: web::Data<Store>,
    config: web::Data<ApiConfig>,
    body: JsonBody<CreateApiKey>,
) -> Result<Idempotent<Created<NewApiKeyJson>>, ApiError> {
    let body = body.0;
    let key = NewApiKey {
        name: KeyName::parse(&body.name.get("name")?).named("name")?,
        scopes: Scopes::parse(body.scopes.get("scopes")?).named("scopes")?,
        rate_limit: body
            .rate_limit_per_minute
            .map(|limit| RateLimit::per_minute(limit).named("rate_limit_per_minute"))
            .transpose()?,
    };
    let created = move |key: &ApiKey, token: Option<&KeyToken>| {
        let body = ApiKeyJson::from(key.clone()).with_key(token.map(KeyToken::expose));
        Created::at(&config, "api-keys", key.id, body)
    };
    let kept = created.clone();
    let keyed = idempotency::keyed(&req, move |(key, _): &(ApiKey, KeyToken)| kept(key, None))?;
    let outcome = store.create_key_once(&key, keyed.as_ref()).await?;
    Ok(Idempotent::of(outcome, |(key, token)| {
        created(key, Some(token))
    }))
}

/// Revoke an API key
///
/// The key is refused from now on, by every server within two seconds. Its
/// record stays, so what it did can still be traced to it. Revoking a revoked
/// key changes nothing.
#[api_v2_operation(operation_id = "revokeApiKey", tags("api-keys"))]
async fn revoke(
    store: web::Data<Store>,
    access: web::Data<Access>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id: ApiKeyId = fields::id("api_key_id", &path)?;
    store.revoke_key(id).await?;
    access.revoked(id);
    Ok(HttpResponse::NoContent().finish())
}
