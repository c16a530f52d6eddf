//! Queries on `users`.

use diesel::prelude::*;
use diesel::sql_types::Bool;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use oms_domain::{IfMatch, NewUser, Paging, UserChanges, UserId};
use tokio::try_join;

use crate::error::{Entity, StoreError};
use crate::models::{Page, User};
use crate::schema::users;

/// One page of users in id order, with the number of users.
pub async fn list(conn: &AsyncPgConnection, paging: Paging) -> Result<Page<User>, StoreError> {
    let mut page = users::table
        .select(User::as_select())
        .order(users::id.asc())
        .limit(paging.rows_to_read())
        .into_boxed();
    page = match paging.after_id() {
        Some(id) => page.filter(users::id.gt(id)),
        None => page.offset(paging.offset()),
    };
    let rows = page.load(&mut &*conn);
    let total = users::table.count().get_result(&mut &*conn);
    let (rows, total) = try_join!(rows, total)?;
    Ok(Page::of(rows, paging, total))
}

/// The user with this id.
pub async fn get(conn: &mut AsyncPgConnection, id: UserId) -> Result<User, StoreError> {
    users::table
        .find(id.get())
        .select(User::as_select())
        .first(conn)
        .await
        .optional()?
        .ok_or_else(|| StoreError::not_found(Entity::User, id.get()))
}

/// Creates a user; [`StoreError::EmailTaken`] when the address is in use in any case.
pub async fn create(conn: &mut AsyncPgConnection, user: &NewUser) -> Result<User, StoreError> {
    // A taken address writes nothing rather than raising, so that a
    // transaction the insert is part of stays usable (see `idempotency::once`).
    diesel::insert_into(users::table)
        .values((
            users::email.eq(user.email.as_str()),
            users::full_name.eq(user.full_name.as_str()),
        ))
        .on_conflict_do_nothing()
        .returning(User::as_returning())
        .get_result(conn)
        .await
        .optional()?
        .ok_or(StoreError::EmailTaken)
}

#[derive(AsChangeset)]
#[diesel(table_name = users)]
struct UserChangeset<'a> {
    email: Option<&'a str>,
    full_name: Option<&'a str>,
}

/// Applies `changes` to the user with this id, if `if_match` allows its
/// version, and returns the result.
pub async fn update(
    conn: &mut AsyncPgConnection,
    id: UserId,
    changes: &UserChanges,
    if_match: Option<&IfMatch>,
) -> Result<User, StoreError> {
    let changeset = UserChangeset {
        email: changes.email().map(|email| email.as_str()),
        full_name: changes.full_name().map(|name| name.as_str()),
    };
    let (versions, any) = crate::versions::condition(if_match);
    let updated = diesel::update(
        users::table
            .find(id.get())
            .filter(users::version.eq_any(versions).or(any.into_sql::<Bool>())),
    )
    .set(changeset)
    .returning(User::as_returning())
    .get_result(conn)
    .await
    .optional()?;
    match updated {
        Some(row) => Ok(row),
        None => Err(crate::versions::refusal(
            Entity::User,
            id.get(),
            if_match,
            get(conn, id).await.map(|row| row.version),
        )),
    }
}
