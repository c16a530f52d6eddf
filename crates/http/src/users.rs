//! `/users`: list, read, create and change users.

use actix_web::HttpRequest;
use chrono::{DateTime, Utc};
use oms_domain::{After, Email, FullName, NewUser, UserChanges, UserId};
use oms_persistence::{Store, User};
use paperclip::actix::web::{self, Json};
use paperclip::actix::{api_v2_operation, Apiv2Schema};
use serde::{Deserialize, Serialize};

use crate::conditions::{self, Versioned};
use crate::error::ApiError;
use crate::extract::{JsonBody, Patch, QueryParams, Required};
use crate::fallback::resource;
use crate::fields::{self, Named};
use crate::idempotency::{self, Idempotent};
use crate::listing::Listing;
use crate::respond::Created;
use crate::ApiConfig;

/// A user.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct UserJson {
    /// The user's id.
    id: i64,
    /// The e-mail address as given (trimmed); unique without regard to case.
    email: String,
    /// The user's full name.
    full_name: String,
    /// When the user was created (UTC).
    created_at: DateTime<Utc>,
    /// 1 when created, one more on every change; also the `ETag`.
    version: i32,
}

impl From<User> for UserJson {
    fn from(user: User) -> Self {
        Self {
            id: user.id.get(),
            email: user.email,
            full_name: user.full_name,
            created_at: user.created_at,
            version: user.version,
        }
    }
}

/// A page of users in id order.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct UserList {
    /// The users of the page.
    users: Vec<UserJson>,
    /// How many users there are in all.
    total: i64,
    /// The page size used.
    limit: i64,
    /// How many users were skipped.
    offset: i64,
    /// Send it as `cursor` (with the same `limit`) for the next page; `null` after the
    /// last page.
    next_cursor: Option<String>,
}

/// A user to create.
#[derive(Debug, Deserialize, Apiv2Schema)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    /// A valid e-mail address (at most 254 characters), not used by another user in any case.
    #[serde(default)]
    email: Required<String>,
    /// 1–255 characters after trimming.
    #[serde(default)]
    full_name: Required<String>,
}

/// The fields of a user to change; give at least one.
#[derive(Debug, Deserialize, Apiv2Schema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUser {
    /// A new valid e-mail address, not used by another user in any case.
    #[serde(default)]
    email: Patch<String>,
    /// A new full name, 1–255 characters after trimming.
    #[serde(default)]
    full_name: Patch<String>,
}

/// Registers the routes under the API prefix.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/users", "GET, POST")
            .route(web::get().to(list))
            .route(web::post().to(create)),
    )
    .service(
        resource("/users/{user_id}", "GET, PATCH")
            .route(web::get().to(get))
            .route(web::patch().to(update)),
    );
}

/// List users
///
/// Users in id order, one page at a time, with the number of users in all.
#[api_v2_operation(operation_id = "listUsers", tags(users))]
async fn list(
    req: HttpRequest,
    store: web::Data<Store>,
    config: web::Data<ApiConfig>,
) -> Result<Json<UserList>, ApiError> {
    let params = QueryParams::parse(&req, crate::PAGING_PARAMS)?;
    let (listing, paging) = Listing::read(&store, &config, &params, "users".to_owned()).await?;
    let page = store.list_users(paging).await?;
    let last = page.rows.last().map(|row| After::Id(row.id.get()));
    Ok(Json(UserList {
        users: page.rows.into_iter().map(UserJson::from).collect(),
        total: page.total,
        limit: paging.limit(),
        offset: paging.offset(),
        next_cursor: listing.next(page.more, last),
    }))
}

/// Get a user
///
/// The user with this id.
#[api_v2_operation(operation_id = "getUser", tags(users))]
async fn get(
    store: web::Data<Store>,
    path: web::Path<String>,
) -> Result<Versioned<Json<UserJson>>, ApiError> {
    let id: UserId = fields::id("user_id", &path)?;
    let user = store.get_user(id).await?;
    Ok(Versioned::new(user.version, Json(user.into())))
}

/// Create a user
///
/// Creates a user. The e-mail address is trimmed and kept in the case given, but two
/// users cannot share an address in any case.
#[api_v2_operation(operation_id = "createUser", tags(users))]
async fn create(
    req: HttpRequest,
    store: web::Data<Store>,
    config: web::Data<ApiConfig>,
    body: JsonBody<CreateUser>,
) -> Result<Idempotent<Versioned<Created<UserJson>>>, ApiError> {
    let body = body.0;
    let user = NewUser {
        email: Email::parse(&body.email.get("email")?).named("email")?,
        full_name: FullName::parse(&body.full_name.get("full_name")?).named("full_name")?,
    };
    let answer = move |user: &User| {
        Versioned::new(
            user.version,
            Created::at(&config, "users", user.id, user.clone().into()),
        )
    };
    let keyed = idempotency::keyed(&req, answer.clone())?;
    let outcome = store.create_user(&user, keyed.as_ref()).await?;
    Ok(Idempotent::of(outcome, answer))
}

/// Change a user
///
/// Changes the e-mail address, the full name, or both. Fields left out keep their value.
/// With `If-Match`, the change is made only if the user is still at a version it
/// names (else 412, nothing changed).
#[api_v2_operation(operation_id = "updateUser", tags(users))]
async fn update(
    req: HttpRequest,
    store: web::Data<Store>,
    path: web::Path<String>,
    body: JsonBody<UpdateUser>,
) -> Result<Versioned<Json<UserJson>>, ApiError> {
    let id: UserId = fields::id("user_id", &path)?;
    let if_match = conditions::if_match(&req)?;
    let body = body.0;
    let email = body
        .email
        .into_option("email")?
        .map(|email| Email::parse(&email).named("email"))
        .transpose()?;
    let full_name = body
        .full_name
        .into_option("full_name")?
        .map(|name| FullName::parse(&name).named("full_name"))
        .transpose()?;
    let changes = UserChanges::new(email, full_name)?;
    let user = store.update_user(id, &changes, if_match.as_ref()).await?;
    Ok(Versioned::new(user.version, Json(user.into())))
}
