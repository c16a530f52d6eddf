//! The seed data: deterministic, consistent, shaped as the benchmarks expect.

mod common;

use common::{
    count, DAY_TOTALS_DISAGREEING, LINES_WITH_WRONG_ORDER_DATE, ORDERS_WITH_WRONG_TOTALS,
};
use diesel::sql_types::Text;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use persistence::seed::{fill, Sizes, ORDER_CHUNK};
use persistence::testing::TestDatabase;

#[derive(diesel::QueryableByName)]
struct Digest {
    #[diesel(sql_type = Text)]
    digest: String,
}

async fn digest(conn: &mut AsyncPgConnection) -> String {
    diesel::sql_query(
        "SELECT md5(
            (SELECT string_agg(u::text, ',' ORDER BY id) FROM users u) ||
            (SELECT string_agg(p::text, ',' ORDER BY id) FROM products p) ||
            (SELECT string_agg(o::text, ',' ORDER BY id) FROM orders o) ||
            (SELECT string_agg(i::text, ',' ORDER BY id) FROM order_items i)) AS digest",
    )
    .get_result::<Digest>(conn)
    .await
    .unwrap()
    .digest
}

#[tokio::test]
async fn the_same_sizes_give_the_same_consistent_data() {
    let sizes = Sizes {
        users: 40,
        products: 12,
        orders: ORDER_CHUNK + 7,
    };
    let (a, b) = (TestDatabase::new().await, TestDatabase::new().await);
    let (mut first, mut second) = (a.connect().await, b.connect().await);
    let mut reported = Vec::new();
    fill(&mut first, sizes, |written| reported.push(written))
        .await
        .unwrap();
    fill(&mut second, sizes, |_| {}).await.unwrap();
    assert_eq!(
        reported,
        [ORDER_CHUNK, ORDER_CHUNK + 7],
        "progress after each chunk"
    );
    assert_eq!(digest(&mut first).await, digest(&mut second).await);

    assert_eq!(
        count(&mut first, "SELECT count(*) AS n FROM users").await,
        40
    );
    assert_eq!(
        count(&mut first, "SELECT count(*) AS n FROM products").await,
        12
    );
    assert_eq!(
        count(&mut first, "SELECT count(*) AS n FROM orders").await,
        ORDER_CHUNK + 7
    );
    assert_eq!(count(&mut first, ORDERS_WITH_WRONG_TOTALS).await, 0);
    assert_eq!(count(&mut first, DAY_TOTALS_DISAGREEING).await, 0);
    assert_eq!(count(&mut first, LINES_WITH_WRONG_ORDER_DATE).await, 0);
    assert_eq!(
        count(&mut first, "SELECT count(*) AS n FROM orders WHERE status <> (CASE WHEN id % 10 < 4 THEN 'paid' WHEN id % 10 < 7 THEN 'shipped' WHEN id % 10 < 9 THEN 'pending' ELSE 'cancelled' END)").await,
        0
    );
    assert_eq!(
        count(&mut first, "SELECT count(*) AS n FROM (SELECT order_id FROM order_items GROUP BY order_id HAVING count(*) NOT BETWEEN 1 AND 5 OR count(DISTINCT product_id) <> count(*)) bad").await,
        0,
        "1–5 lines of distinct products per order"
    );
    // New rows continue after the seeded ids.
    assert_eq!(
        count(&mut first, "INSERT INTO users (email, full_name) VALUES ('new@example.com', 'New') RETURNING id AS n").await,
        41
    );
}
