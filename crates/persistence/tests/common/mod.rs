// Each test binary uses a part of these helpers.
#![allow(dead_code, unused_imports)]

use diesel::sql_types::BigInt;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

#[derive(diesel::QueryableByName, Debug, PartialEq, Eq)]
pub struct Count {
    #[diesel(sql_type = BigInt)]
    pub n: i64,
}

/// Runs a query returning one bigint column named `n`.
pub async fn count(conn: &mut AsyncPgConnection, query: &str) -> i64 {
    diesel::sql_query(query)
        .get_result::<Count>(conn)
        .await
        .unwrap_or_else(|e| panic!("{query}: {e}"))
        .n
}

pub use oms_persistence::testing::{
    DAY_TOTALS_DISAGREEING, LINES_WITH_WRONG_ORDER_DATE, ORDERS_WITH_WRONG_TOTALS,
};
