//! Removing what webhooks no longer need: attempts logged longer ago than the
//! retention, and events nothing refers to any more.

use std::time::Duration;

use diesel::pg::Pg;
use diesel::query_builder::AstPass;
use diesel::sql_types::{BigInt, Double, Integer};
use diesel::QueryResult;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::error::StoreError;
use crate::statement::{row, sql_file, unbound, Run, SqlFile, Statement};

/// [`sweep`]'s statement.
struct Sweep {
    seconds: f64,
    batch: i32,
}

impl Statement for Sweep {
    const SQL: SqlFile = sql_file!("webhooks/sweep.sql");
    type Row = Swept;

    fn bind<'b>(&'b self, n: usize, out: &mut AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        match n {
            1 => out.push_bind_param::<Double, _>(&self.seconds),
            2 => out.push_bind_param::<Integer, _>(&self.batch),
            _ => Err(unbound(n)),
        }
    }
}

row! {
    /// How many attempts and events a sweep removed.
    struct Swept {
        attempts: i64 as BigInt,
        events: i64 as BigInt,
    }
}

/// Removes the attempts made more than `retention` ago and the events older
/// than that which no attempt, made or queued, refers to; 10,000 rows of each
/// per statement, until one removes nothing. Answers how many rows it removed.
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
        // Events whose last attempts went in this round go in the next.
        if swept.attempts + swept.events == 0 {
            return Ok(removed);
        }
        removed += u64::try_from(swept.attempts + swept.events).unwrap_or(0);
    }
}

/// The statements of this module, for the check against the schema.
#[cfg(feature = "test-support")]
pub(crate) fn statements() -> [crate::statement::Checked; 1] {
    [crate::statement::checked::<Sweep>()]
}
