//! `/users`: list, read, create and change users.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use domain::{Email, FullName, NewUser, UserChanges, UserId};
use persistence::{Store, User};
use serde::{Deserialize, Serialize};

use crate::error::ApiError;
use crate::extract::{required, JsonBody, Patch, QueryParams};
use crate::fallback::resource;
use crate::{created, ApiConfig};

/// A user as the API shows it.
#[derive(Debug, Serialize)]
pub struct UserJson<'a> {
    id: i64,
    email: &'a str,
    full_name: &'a str,
    created_at: DateTime<Utc>,
}

impl<'a> From<&'a User> for UserJson<'a> {
    fn from(user: &'a User) -> Self {
        Self {
            id: user.id,
            email: &user.email,
            full_name: &user.full_name,
            created_at: user.created_at,
        }
    }
}

#[derive(Serialize)]
struct UserListJson<'a> {
    users: Vec<UserJson<'a>>,
    total: i64,
    limit: i64,
    offset: i64,
}

/// Body of `POST /users`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    email: Option<String>,
    full_name: Option<String>,
}

/// Body of `PATCH /users/{user_id}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateUser {
    #[serde(default)]
    email: Patch<String>,
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

async fn list(req: HttpRequest, store: web::Data<Store>) -> Result<HttpResponse, ApiError> {
    let paging = QueryParams::parse(&req, &["limit", "offset"])?.paging()?;
    let page = store.list_users(paging).await?;
    Ok(HttpResponse::Ok().json(UserListJson {
        users: page.rows.iter().map(UserJson::from).collect(),
        total: page.total,
        limit: paging.limit(),
        offset: paging.offset(),
    }))
}

async fn get(store: web::Data<Store>, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let id = UserId::parse_str("user_id", &path)?;
    let user = store.get_user(id).await?;
    Ok(HttpResponse::Ok().json(UserJson::from(&user)))
}

async fn create(
    store: web::Data<Store>,
    config: web::Data<ApiConfig>,
    body: JsonBody<CreateUser>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    let user = NewUser {
        email: Email::parse("email", &required("email", body.email)?)?,
        full_name: FullName::parse("full_name", &required("full_name", body.full_name)?)?,
    };
    let user = store.create_user(&user).await?;
    Ok(created(&config, "users", user.id).json(UserJson::from(&user)))
}

async fn update(
    store: web::Data<Store>,
    path: web::Path<String>,
    body: JsonBody<UpdateUser>,
) -> Result<HttpResponse, ApiError> {
    let id = UserId::parse_str("user_id", &path)?;
    let body = body.0;
    let email = body
        .email
        .into_option("email")?
        .map(|email| Email::parse("email", &email))
        .transpose()?;
    let full_name = body
        .full_name
        .into_option("full_name")?
        .map(|name| FullName::parse("full_name", &name))
        .transpose()?;
    let changes = UserChanges::new(email, full_name)?;
    let user = store.update_user(id, &changes).await?;
    Ok(HttpResponse::Ok().json(UserJson::from(&user)))
}
