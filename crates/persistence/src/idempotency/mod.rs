//! Requests sent with an `Idempotency-Key`: the answer to the first is stored
//! in the transaction that makes its change, and a retry is answered with it
//! instead of making the change again.
//!
//! While a request with a key runs, its transaction holds an advisory lock
//! standing for the key; another request with the key finds the lock taken
//! and is told to retry ([`StoreError::IdempotencyKeyInUse`]) rather than
//! wait. The stored answer is looked up after the lock is taken, by a
//! statement of its own, so that it sees an answer committed just before.
//!
//! The answer is what the client saw (status, body, headers), written by the
//! caller ([`Render`]): this crate does not know the wire format.

use std::sync::Arc;
use std::time::Duration;

use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::AstPass;
use diesel::sql_types::{Array, BigInt, Bool, Bytea, Integer, Nullable, SmallInt, Text};
use diesel_async::{AnsiTransactionManager, AsyncPgConnection, RunQueryDsl, TransactionManager};
use oms_domain::{Fingerprint, IdempotencyKey};

use crate::error::StoreError;
use crate::schema::idempotency_keys;
use crate::statement::{row, sql_file, unbound, Run, SqlFile, Statement};

/// A request sent with an idempotency key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotentRequest {
    /// Whose key it is: the API key's id, or 0 when requests carry none.
    pub scope: i64,
    /// The key.
    pub key: IdempotencyKey,
    /// What the request was.
    pub fingerprint: Fingerprint,
}

/// An answer as stored, and as replayed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    /// The HTTP status.
    pub status: u16,
    /// The body.
    pub body: Vec<u8>,
    /// The `Location` header, if the answer had one.
    pub location: Option<String>,
    /// The `ETag` header, if the answer had one.
    pub etag: Option<String>,
}

/// Writes the answer a change's outcome gets, or `None` for an outcome that is
/// not kept (a retry then runs afresh).
pub type Render<T> = Arc<dyn Fn(&Result<T, StoreError>) -> Option<StoredResponse> + Send + Sync>;

/// A request with an idempotency key, and how its answer is written.
#[derive(Clone)]
pub struct Keyed<T> {
    /// The request.
    pub request: IdempotentRequest,
    /// Its answer.
    pub render: Render<T>,
}

impl<T> std::fmt::Debug for Keyed<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyed")
            .field("request", &self.request)
            .finish_non_exhaustive()
    }
}

/// The outcome of a change that may have been made before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Replayable<T> {
    /// The change was made now.
    Fresh(T),
    /// An earlier request with the key made it; this was its answer.
    Replay(StoredResponse),
}

/// What holds for a key once its lock has been asked for.
#[derive(Debug)]
pub(crate) enum Claim {
    /// This transaction holds the key, which has no answer yet: make the change.
    Free,
    /// Another request with the key is still running.
    Running,
    /// A request with the key was answered.
    Answered(Fingerprint, StoredResponse),
}

impl Claim {
    /// What a request meeting this claim is answered, when it does not run.
    pub(crate) fn settle<T>(
        self,
        request: &IdempotentRequest,
    ) -> Option<Result<Replayable<T>, StoreError>> {
        match self {
            Self::Free => None,
            Self::Running => Some(Err(StoreError::IdempotencyKeyInUse)),
            Self::Answered(fingerprint, _) if fingerprint != request.fingerprint => {
                Some(Err(StoreError::IdempotencyKeyReused))
            }
            Self::Answered(_, answer) => Some(Ok(Replayable::Replay(answer))),
        }
    }
}

/// Takes the lock of each request's key for the rest of the transaction and
/// reads the answers already stored: one claim per request, in order. Keys
/// must be distinct.
pub(crate) async fn claim(
    conn: &AsyncPgConnection,
    requests: &[&IdempotentRequest],
) -> Result<Vec<Claim>, StoreError> {
    let lock = Lock {
        numbers: requests
            .iter()
            .map(|request| request.key.lock_number(request.scope))
            .collect(),
    };
    let taken: Vec<Taken> = Run(lock).load(&mut &*conn).await?;
    let lookup = Stored {
        scopes: requests.iter().map(|request| request.scope).collect(),
        keys: requests
            .iter()
            .map(|request| request.key.as_str().to_owned())
            .collect(),
    };
    let stored: Vec<StoredRow> = Run(lookup).load(&mut &*conn).await?;
    let mut claims: Vec<Claim> = taken
        .into_iter()
        .map(|lock| {
            if lock.taken {
                Claim::Free
            } else {
                Claim::Running
            }
        })
        .collect();
    for row in stored {
        let place = usize::try_from(row.k - 1).ok();
        if let Some(claim @ Claim::Free) = place.and_then(|place| claims.get_mut(place)) {
            *claim = row.into_claim()?;
        }
    }
    Ok(claims)
}

/// Stores the answers to these requests, in the caller's transaction.
pub(crate) async fn record(
    conn: &AsyncPgConnection,
    answers: &[(&IdempotentRequest, StoredResponse)],
) -> Result<(), StoreError> {
    if answers.is_empty() {
        return Ok(());
    }
    let rows: Vec<NewStored<'_>> = answers
        .iter()
        .map(|(request, answer)| NewStored {
            api_key_id: request.scope,
            idempotency_key: request.key.as_str(),
            fingerprint: request.fingerprint.as_bytes(),
            status: i16::try_from(answer.status).unwrap_or(i16::MAX),
            body: &answer.body,
            location: answer.location.as_deref(),
            etag: answer.etag.as_deref(),
        })
        .collect();
    diesel::insert_into(idempotency_keys::table)
        .values(rows)
        .execute(&mut &*conn)
        .await?;
    Ok(())
}

/// Makes `change` once per key: without `keyed`, simply makes it; with it, in
/// one transaction, claims the key, makes the change and stores the answer
/// [`Keyed::render`] writes for its outcome. An outcome without an answer to
/// keep rolls the transaction back. A change whose refusals are kept (a
/// taken e-mail address) must refuse without raising a database error, which
/// would abort the transaction before the answer is stored.
pub(crate) async fn once<T>(
    conn: &mut AsyncPgConnection,
    keyed: Option<&Keyed<T>>,
    change: impl AsyncFnOnce(&mut AsyncPgConnection) -> Result<T, StoreError>,
) -> Result<Replayable<T>, StoreError> {
    let Some(keyed) = keyed else {
        return change(conn).await.map(Replayable::Fresh);
    };
    // Begun and ended through the transaction manager, so that a request
    // dropped halfway leaves its connection marked, and the pool discards it.
    AnsiTransactionManager::begin_transaction(conn).await?;
    match claim_and_change(conn, keyed, change).await {
        Ok(answer) => {
            AnsiTransactionManager::commit_transaction(conn).await?;
            answer
        }
        Err(error) => {
            // The error says more than a failed rollback would; a connection
            // left in a transaction is discarded by the pool.
            let _ = AnsiTransactionManager::rollback_transaction(conn).await;
            Err(error)
        }
    }
}

/// [`once`] inside its transaction: `Err` rolls it back, `Ok` commits (with the
/// answer stored when there is one to keep).
async fn claim_and_change<T>(
    conn: &mut AsyncPgConnection,
    keyed: &Keyed<T>,
    change: impl AsyncFnOnce(&mut AsyncPgConnection) -> Result<T, StoreError>,
) -> Result<Result<Replayable<T>, StoreError>, StoreError> {
    let claim = claim(conn, &[&keyed.request]).await?.pop();
    if let Some(settled) = claim.and_then(|claim| claim.settle(&keyed.request)) {
        return Ok(settled);
    }
    let made = change(conn).await;
    match (keyed.render)(&made) {
        Some(answer) => {
            record(conn, &[(&keyed.request, answer)]).await?;
            Ok(made.map(Replayable::Fresh))
        }
        None => made.map(|made| Ok(Replayable::Fresh(made))),
    }
}

/// Removes the answers stored longer ago than `retention`, a batch at a time;
/// answers how many it removed.
pub async fn sweep(conn: &AsyncPgConnection, retention: Duration) -> Result<u64, StoreError> {
    const BATCH: i32 = 10_000;
    let mut removed = 0;
    loop {
        let swept: Swept = Run(Sweep {
            seconds: retention.as_secs_f64(),
            batch: BATCH,
        })
        .get_result(&mut &*conn)
        .await?;
        removed += u64::try_from(swept.n).unwrap_or(0);
        if swept.n < i64::from(BATCH) {
            return Ok(removed);
        }
    }
}

#[derive(Insertable)]
#[diesel(table_name = idempotency_keys)]
struct NewStored<'a> {
    api_key_id: i64,
    idempotency_key: &'a str,
    fingerprint: &'a [u8],
    status: i16,
    body: &'a [u8],
    location: Option<&'a str>,
    etag: Option<&'a str>,
}

/// [`claim`]'s locks.
struct Lock {
    numbers: Vec<i64>,
}

impl Statement for Lock {
    const SQL: SqlFile = sql_file!("idempotency/lock.sql");
    type Row = Taken;

    fn bind<'b>(&'b self, n: usize, out: &mut AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        match n {
            1 => out.push_bind_param::<Array<BigInt>, _>(&self.numbers),
            _ => Err(unbound(n)),
        }
    }
}

row! {
    /// Whether a key's lock was taken.
    struct Taken {
        taken: bool as Bool,
    }
}

/// [`claim`]'s look-up.
struct Stored {
    scopes: Vec<i64>,
    keys: Vec<String>,
}

impl Statement for Stored {
    const SQL: SqlFile = sql_file!("idempotency/stored.sql");
    type Row = StoredRow;

    fn bind<'b>(&'b self, n: usize, out: &mut AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        match n {
            1 => out.push_bind_param::<Array<BigInt>, _>(&self.scopes),
            2 => out.push_bind_param::<Array<Text>, _>(&self.keys),
            _ => Err(unbound(n)),
        }
    }
}

row! {
    /// A stored answer, with the place of its key among those looked up.
    struct StoredRow {
        k: i64 as BigInt,
        fingerprint: Vec<u8> as Bytea,
        status: i16 as SmallInt,
        body: Vec<u8> as Bytea,
        location: Option<String> as Nullable<Text>,
        etag: Option<String> as Nullable<Text>,
    }
}

impl StoredRow {
    fn into_claim(self) -> Result<Claim, StoreError> {
        let fingerprint = <[u8; 32]>::try_from(self.fingerprint.as_slice()).map_err(|_| {
            StoreError::Corrupt("a stored idempotency fingerprint is not 32 bytes".to_owned())
        })?;
        let status = u16::try_from(self.status).map_err(|_| {
            StoreError::Corrupt(format!("a stored answer has status {}", self.status))
        })?;
        Ok(Claim::Answered(
            Fingerprint::from_bytes(fingerprint),
            StoredResponse {
                status,
                body: self.body,
                location: self.location,
                etag: self.etag,
            },
        ))
    }
}

/// [`sweep`]'s statement.
struct Sweep {
    seconds: f64,
    batch: i32,
}

impl Statement for Sweep {
    const SQL: SqlFile = sql_file!("idempotency/sweep.sql");
    type Row = Swept;

    fn bind<'b>(&'b self, n: usize, out: &mut AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        match n {
            1 => out.push_bind_param::<diesel::sql_types::Double, _>(&self.seconds),
            2 => out.push_bind_param::<Integer, _>(&self.batch),
            _ => Err(unbound(n)),
        }
    }
}

row! {
    /// How many answers a sweep removed.
    struct Swept {
        n: i64 as BigInt,
    }
}

/// The statements of this module, for the check against the schema.
#[cfg(feature = "test-support")]
pub(crate) fn statements() -> [crate::statement::Checked; 3] {
    [
        crate::statement::checked::<Lock>(),
        crate::statement::checked::<Stored>(),
        crate::statement::checked::<Sweep>(),
    ]
}
