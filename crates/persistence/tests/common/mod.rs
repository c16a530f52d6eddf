#![allow(dead_code)]

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

/// Orders whose stored totals differ from the sums over their lines.
pub const ORDERS_WITH_WRONG_TOTALS: &str = "SELECT count(*) AS n FROM orders o
    LEFT JOIN (SELECT order_id, sum(quantity::bigint * price_cents_at_purchase) AS amount,
                      sum(quantity) AS quantity
                 FROM order_items GROUP BY order_id) s ON s.order_id = o.id
    WHERE o.total_amount_cents <> coalesce(s.amount, 0)
       OR o.total_quantity <> coalesce(s.quantity, 0)";
