//! API keys: creating, listing and revoking them, finding the one a request
//! presents, and the request window each key shares between servers.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use oms_domain::{
    ApiKeyId, Grant, KeyDigest, KeyName, KeyToken, Paging, RateLimit, Scopes, UsageWindow,
};
use tokio::try_join;

use crate::error::{Entity, StoreError};
use crate::models::{Page, RowId};
use crate::schema::{api_key_usage, api_keys};
use crate::statement::{row, sql_file, NoRows, Run, SqlFile, Statement};

/// A key as stored: everything but the key itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    /// Primary key; what logs and events name.
    pub id: ApiKeyId,
    /// What the key is for.
    pub name: String,
    /// The key's first characters, not secret.
    pub prefix: String,
    /// The key's SHA-256 digest.
    pub digest: KeyDigest,
    /// What the key may do.
    pub scopes: Scopes,
    /// Its own limit; `None` for the server's default.
    pub rate_limit: Option<RateLimit>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When a server last saw it used (written every few seconds).
    pub last_used_at: Option<DateTime<Utc>>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A key to create.
#[derive(Debug, Clone)]
pub struct NewApiKey {
    /// What it is for.
    pub name: KeyName,
    /// What it may do.
    pub scopes: Scopes,
    /// Its own limit; `None` for the server's default.
    pub rate_limit: Option<RateLimit>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = api_keys, check_for_backend(diesel::pg::Pg))]
struct KeyRow {
    #[diesel(deserialize_as = RowId)]
    id: ApiKeyId,
    name: String,
    prefix: String,
    key_digest: Vec<u8>,
    scopes: Vec<Option<String>>,
    rate_limit_per_minute: Option<i32>,
    created_at: DateTime<Utc>,
    last_used_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
}

impl TryFrom<KeyRow> for ApiKey {
    type Error = StoreError;

    fn try_from(row: KeyRow) -> Result<Self, StoreError> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("API key {}: {what}", row.id));
        let digest = <[u8; 32]>::try_from(row.key_digest.as_slice())
            .map_err(|_| corrupt("its digest is not 32 bytes"))?;
        let scopes = Scopes::parse(row.scopes.iter().flatten())
            .map_err(|error| corrupt(&format!("its scopes {}", error.message)))?;
        let rate_limit = row
            .rate_limit_per_minute
            .map(|limit| RateLimit::per_minute(limit.into()))
            .transpose()
            .map_err(|_| corrupt("its rate limit is out of range"))?;
        Ok(Self {
            id: row.id,
            name: row.name,
            prefix: row.prefix,
            digest: KeyDigest(digest),
            scopes,
            rate_limit,
            created_at: row.created_at,
            last_used_at: row.last_used_at,
            revoked_at: row.revoked_at,
        })
    }
}

fn keys(rows: Vec<KeyRow>) -> Result<Vec<ApiKey>, StoreError> {
    rows.into_iter().map(ApiKey::try_from).collect()
}

/// Creates a key and returns it with the key itself, which is not stored and
/// cannot be shown again.
pub async fn create(
    conn: &mut AsyncPgConnection,
    key: &NewApiKey,
) -> Result<(ApiKey, KeyToken), StoreError> {
    let scopes: Vec<&str> = key.scopes.as_slice().iter().map(|s| s.as_str()).collect();
    // Two keys sharing a prefix (about one chance in 10^14 per pair) are
    // refused by the unique index; a new key is drawn.
    let mut attempts = 0;
    loop {
        attempts += 1;
        let token = random_token()?;
        let inserted = diesel::insert_into(api_keys::table)
            .values((
                api_keys::name.eq(key.name.as_str()),
                api_keys::prefix.eq(token.prefix()),
                api_keys::key_digest.eq(token.digest().0.as_slice()),
                api_keys::scopes.eq(&scopes),
                api_keys::rate_limit_per_minute.eq(key.rate_limit.map(|limit| limit.get() as i32)),
            ))
            .returning(KeyRow::as_returning())
            .get_result(conn)
            .await;
        match inserted {
            Ok(row) => return Ok((row.try_into()?, token)),
            Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _))
                if attempts < 3 => {}
            Err(error) => return Err(error.into()),
        }
    }
}

fn random_token() -> Result<KeyToken, StoreError> {
    let mut random = [0_u8; KeyToken::RANDOM_BYTES];
    loop {
        getrandom::fill(&mut random).map_err(StoreError::NoRandomness)?;
        if let Some(token) = KeyToken::from_random_bytes(&random) {
            return Ok(token);
        }
    }
}

/// One page of keys in id order, revoked ones included, with the number of keys.
pub async fn list(conn: &AsyncPgConnection, paging: Paging) -> Result<Page<ApiKey>, StoreError> {
    let mut page = api_keys::table
        .select(KeyRow::as_select())
        .order(api_keys::id.asc())
        .limit(paging.rows_to_read())
        .into_boxed();
    page = match paging.after_id() {
        Some(id) => page.filter(api_keys::id.gt(id)),
        None => page.offset(paging.offset()),
    };
    let rows = page.load(&mut &*conn);
    let total = api_keys::table.count().get_result(&mut &*conn);
    let (rows, total) = try_join!(rows, total)?;
    Ok(Page::of(keys(rows)?, paging, total))
}

/// The key with this id.
pub async fn get(conn: &mut AsyncPgConnection, id: ApiKeyId) -> Result<ApiKey, StoreError> {
    api_keys::table
        .find(id.get())
        .select(KeyRow::as_select())
        .first(conn)
        .await
        .optional()?
        .ok_or_else(|| StoreError::not_found(Entity::ApiKey, id.get()))?
        .try_into()
}

/// Revokes the key with this id (a key revoked before keeps its time) and
/// returns it.
pub async fn revoke(conn: &mut AsyncPgConnection, id: ApiKeyId) -> Result<ApiKey, StoreError> {
    diesel::update(api_keys::table.find(id.get()))
        .set(api_keys::revoked_at.eq(diesel::dsl::sql::<
            diesel::sql_types::Nullable<diesel::sql_types::Timestamptz>,
        >("coalesce(revoked_at, now())")))
        .returning(KeyRow::as_returning())
        .get_result(conn)
        .await
        .optional()?
        .ok_or_else(|| StoreError::not_found(Entity::ApiKey, id.get()))?
        .try_into()
}

/// The key whose prefix is `prefix`, revoked or not.
pub async fn find(
    conn: &mut AsyncPgConnection,
    prefix: &str,
) -> Result<Option<ApiKey>, StoreError> {
    api_keys::table
        .filter(api_keys::prefix.eq(prefix))
        .select(KeyRow::as_select())
        .first(conn)
        .await
        .optional()?
        .map(ApiKey::try_from)
        .transpose()
}

/// The keys revoked in the last `seconds` seconds (by the database's clock).
pub async fn revoked_within(
    conn: &mut AsyncPgConnection,
    seconds: i32,
) -> Result<Vec<ApiKeyId>, StoreError> {
    use diesel::dsl::{now, IntervalDsl};
    use diesel::sql_types::Timestamptz;
    let ids: Vec<i64> = api_keys::table
        .filter(
            api_keys::revoked_at
                .assume_not_null()
                .gt(now.into_sql::<Timestamptz>() - seconds.seconds()),
        )
        .select(api_keys::id)
        .load(conn)
        .await?;
    Ok(ids.into_iter().map(ApiKeyId::new).collect())
}

/// Records when keys were last used (`$1` ids, `$2` times, in the same order);
/// a later time already recorded is kept.
struct RecordLastUse {
    ids: Vec<i64>,
    times: Vec<DateTime<Utc>>,
}

impl Statement for RecordLastUse {
    const SQL: SqlFile = sql_file!("keys/record_last_use.sql");
    type Row = NoRows;
    fn bind<'b>(
        &'b self,
        n: usize,
        out: &mut diesel::query_builder::AstPass<'_, 'b, diesel::pg::Pg>,
    ) -> QueryResult<()> {
        use diesel::sql_types::{Array, BigInt, Timestamptz};
        match n {
            1 => out.push_bind_param::<Array<BigInt>, _>(&self.ids),
            2 => out.push_bind_param::<Array<Timestamptz>, _>(&self.times),
            _ => Err(crate::statement::unbound(n)),
        }
    }
}

/// Records that each key was last used at its time.
pub async fn record_last_use(
    conn: &mut AsyncPgConnection,
    uses: &[(ApiKeyId, DateTime<Utc>)],
) -> Result<(), StoreError> {
    if uses.is_empty() {
        return Ok(());
    }
    let statement = RecordLastUse {
        ids: uses.iter().map(|(id, _)| id.get()).collect(),
        times: uses.iter().map(|&(_, at)| at).collect(),
    };
    Run(statement).execute(conn).await?;
    Ok(())
}

row! {
    /// A key's shared window and the database's clock.
    struct UsageRow {
        revision: Option<i64> as diesel::sql_types::Nullable<diesel::sql_types::BigInt>,
        newest_second: Option<i64> as diesel::sql_types::Nullable<diesel::sql_types::BigInt>,
        counts: Option<Vec<Option<i32>>> as diesel::sql_types::Nullable<diesel::sql_types::Array<diesel::sql_types::Nullable<diesel::sql_types::Integer>>>,
        now_second: i64 as diesel::sql_types::BigInt,
    }
}

/// The request window of key `$1`, if it has one yet, and the current second.
struct ReadUsage(i64);

impl Statement for ReadUsage {
    const SQL: SqlFile = sql_file!("keys/read_usage.sql");
    type Row = UsageRow;
    fn bind<'b>(
        &'b self,
        n: usize,
        out: &mut diesel::query_builder::AstPass<'_, 'b, diesel::pg::Pg>,
    ) -> QueryResult<()> {
        match n {
            1 => out.push_bind_param::<diesel::sql_types::BigInt, _>(&self.0),
            _ => Err(crate::statement::unbound(n)),
        }
    }
}

/// Takes up to `wanted` requests from the window that key `id` shares with
/// every server, for a quota of `quota` per minute. The window is read and
/// written back only if no other server wrote it in between; otherwise it is
/// read again.
pub async fn take_requests(
    conn: &mut AsyncPgConnection,
    id: ApiKeyId,
    wanted: u32,
    quota: u32,
) -> Result<Grant, StoreError> {
    loop {
        let row: UsageRow = Run(ReadUsage(id.get())).get_result(conn).await?;
        let counts: Vec<i32> = row
            .counts
            .unwrap_or_default()
            .into_iter()
            .flatten()
            .collect();
        let mut window = UsageWindow::from_parts(row.newest_second.unwrap_or(0), &counts);
        let grant = window.take(row.now_second, wanted, quota);
        let written = match row.revision {
            Some(revision) => {
                diesel::update(
                    api_key_usage::table
                        .find(id.get())
                        .filter(api_key_usage::revision.eq(revision)),
                )
                .set((
                    api_key_usage::revision.eq(revision + 1),
                    api_key_usage::newest_second.eq(window.newest()),
                    api_key_usage::counts.eq(window.counts()),
                ))
                .execute(conn)
                .await?
            }
            None => {
                diesel::insert_into(api_key_usage::table)
                    .values((
                        api_key_usage::api_key_id.eq(id.get()),
                        api_key_usage::newest_second.eq(window.newest()),
                        api_key_usage::counts.eq(window.counts()),
                    ))
                    .on_conflict_do_nothing()
                    .execute(conn)
                    .await?
            }
        };
        if written == 1 {
            return Ok(grant);
        }
    }
}

/// The statements of this module, for the check against the schema.
#[cfg(feature = "test-support")]
pub(crate) fn statements() -> Vec<crate::statement::Checked> {
    use crate::statement::checked;
    vec![checked::<RecordLastUse>(), checked::<ReadUsage>()]
}
