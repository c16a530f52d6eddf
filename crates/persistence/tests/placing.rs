//! Orders placed together in one statement: each is accepted or refused on its
//! own, and what is written is what each was answered.

mod common;

use common::{
    count, DAY_TOTALS_DISAGREEING, LINES_WITH_WRONG_ORDER_DATE, ORDERS_WITH_WRONG_TOTALS,
};
use diesel_async::SimpleAsyncConnection;
use futures_util::future::join_all;
use oms_domain::{Actor, LineRequest, NewOrder, OrderStatus, ProductId, Quantity, UserId};
use oms_persistence::placing::{self, ToPlace};
use oms_persistence::testing::TestDatabase;
use oms_persistence::{Entity, OrderDetails, Replayable, Store, StoreError};

const CATALOGUE: &str = "
    INSERT INTO users (id, email, full_name) VALUES
        (1, 'ada@example.com', 'Ada'), (2, 'bob@example.com', 'Bob'), (3, 'cy@example.com', 'Cy');
    INSERT INTO products (id, name, price_cents) VALUES
        (1, 'Pen', 150), (2, 'Ink', 999), (3, 'Gold', 9223372036854775807);";

fn order(user: i64, status: Option<OrderStatus>, lines: &[(i64, i32)]) -> NewOrder {
    let lines = lines
        .iter()
        .map(|&(product, quantity)| LineRequest {
            product_id: ProductId::new(product),
            quantity: Quantity::new(quantity.into()).unwrap(),
        })
        .collect();
    NewOrder::new(UserId::new(user), status, lines).unwrap()
}

/// (product, quantity, unit price) of each line, in line id order.
fn lines_of(placed: &OrderDetails) -> Vec<(i64, i32, i64)> {
    placed
        .items
        .iter()
        .map(|item| {
            (
                item.product_id.get(),
                item.quantity,
                item.price_cents_at_purchase,
            )
        })
        .collect()
}

#[tokio::test]
async fn each_order_of_a_batch_is_accepted_or_refused_on_its_own() {
    let db = TestDatabase::new().await;
    let mut conn = db.connect().await;
    conn.batch_execute(CATALOGUE).await.unwrap();
    let batch: Vec<ToPlace> = [
        order(1, None, &[(2, 3), (1, 1), (2, 1)]),
        order(404, None, &[(7, 1)]),
        order(2, None, &[(9, 1), (1, 1), (8, 2), (9, 1)]),
        order(2, None, &[(3, 2)]),
        order(3, Some(OrderStatus::Paid), &[(1, 4)]),
    ]
    .into_iter()
    .zip(1..)
    .map(|(order, n)| ToPlace {
        order,
        actor: Actor {
            api_key_id: None,
            request_id: Some(format!("request-{n}")),
        },
        keyed: None,
    })
    .collect();

    let outcomes = placing::place(&conn, &batch).await.unwrap();

    let [first, no_user, no_products, too_dear, last] = outcomes.try_into().unwrap();
    let (first, last) = (first.unwrap(), last.unwrap());
    assert_eq!(
        (first.user_name.as_str(), lines_of(&first)),
        ("Ada", vec![(2, 3, 999), (1, 1, 150), (2, 1, 999)])
    );
    assert_eq!(
        (first.totals.amount.get(), first.totals.quantity),
        (4 * 999 + 150, 5)
    );
    assert!(first.items.windows(2).all(|pair| pair[0].id < pair[1].id));
    assert_eq!(
        (last.user_name.as_str(), last.status, lines_of(&last)),
        ("Cy", OrderStatus::Paid, vec![(1, 4, 150)])
    );
    assert!(first.id < last.id, "ids are drawn in batch order");
    assert!(matches!(
        no_user,
        Err(StoreError::OrderRefersToMissing { entity: Entity::User, ids, lines })
            if ids == [404] && lines.is_empty()
    ));
    assert!(matches!(
        no_products,
        Err(StoreError::OrderRefersToMissing { entity: Entity::Product, ids, lines })
            if ids == [8, 9] && lines == [0, 2, 3]
    ));
    assert!(matches!(too_dear, Err(StoreError::OrderTooLarge)));

    assert_eq!(
        count(&mut conn, "SELECT count(*) AS n FROM orders").await,
        2
    );
    assert_eq!(
        count(&mut conn, "SELECT count(*) AS n FROM order_items").await,
        4
    );
    // Each order written has its event, naming the request that placed it;
    // the refused ones have none.
    assert_eq!(
        count(
            &mut conn,
            &format!(
                "SELECT count(*) AS n FROM order_events WHERE type = 'order.created' AND status_from IS NULL \
                 AND ((order_id = {} AND request_id = 'request-1' AND status_to = 'pending') \
                   OR (order_id = {} AND request_id = 'request-5' AND status_to = 'paid'))",
                first.id, last.id
            )
        )
        .await,
        2
    );
    assert_eq!(
        count(&mut conn, "SELECT count(*) AS n FROM order_events").await,
        2
    );
    assert_eq!(count(&mut conn, ORDERS_WITH_WRONG_TOTALS).await, 0);
    assert_eq!(count(&mut conn, LINES_WITH_WRONG_ORDER_DATE).await, 0);
    let store = Store::new(db.pool(1));
    store.compact_day_totals().await.unwrap();
    assert_eq!(count(&mut conn, DAY_TOTALS_DISAGREEING).await, 0);
}

#[tokio::test]
async fn an_order_the_database_refuses_fails_alone_when_placed_with_others() {
    let db = TestDatabase::new().await;
    let mut conn = db.connect().await;
    conn.batch_execute(CATALOGUE).await.unwrap();
    // Another program's rule that only the database knows: Cy may not order.
    conn.batch_execute(
        "CREATE FUNCTION refuse_cy() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN RAISE EXCEPTION 'Cy may not order'; END $$;
         CREATE TRIGGER refuse_cy BEFORE INSERT ON orders
             FOR EACH ROW WHEN (NEW.user_id = 3) EXECUTE FUNCTION refuse_cy();",
    )
    .await
    .unwrap();
    // One connection: while one statement runs, the other orders queue and
    // are placed together.
    let store = Store::new(db.pool(1));
    let orders: Vec<NewOrder> = (0..40)
        .map(|i| order(if i == 20 { 3 } else { 1 + i % 2 }, None, &[(1, 1), (2, 1)]))
        .collect();

    let nobody = Actor::default();
    let outcomes = join_all(
        orders
            .iter()
            .map(|order| store.create_order(order, &nobody, None)),
    )
    .await;

    for (i, outcome) in outcomes.iter().enumerate() {
        match outcome {
            Err(StoreError::Database(_)) if i == 20 => {}
            Ok(Replayable::Fresh(placed)) if i != 20 => {
                assert_eq!(lines_of(placed), [(1, 1, 150), (2, 1, 999)]);
            }
            other => panic!("order {i}: {other:?}"),
        }
    }
    assert_eq!(
        count(&mut conn, "SELECT count(*) AS n FROM orders").await,
        39
    );
    assert_eq!(
        count(
            &mut conn,
            "SELECT count(*) AS n FROM orders WHERE user_id = 3"
        )
        .await,
        0
    );
    assert!(
        count(
            &mut conn,
            "SELECT count(DISTINCT created_at) AS n FROM orders"
        )
        .await
            < 39,
        "the orders were placed in shared statements"
    );
    assert_eq!(count(&mut conn, ORDERS_WITH_WRONG_TOTALS).await, 0);
    store.compact_day_totals().await.unwrap();
    assert_eq!(count(&mut conn, DAY_TOTALS_DISAGREEING).await, 0);
}

#[tokio::test]
async fn stock_serves_the_orders_of_a_batch_in_turn_and_refused_ones_take_nothing() {
    let db = TestDatabase::new().await;
    let mut conn = db.connect().await;
    conn.batch_execute(CATALOGUE).await.unwrap();
    conn.batch_execute(
        "INSERT INTO products (id, name, price_cents, stock) VALUES (4, 'Tea', 300, 5), (5, 'Cup', 800, 1);",
    )
    .await
    .unwrap();
    let batch: Vec<ToPlace> = [
        order(1, None, &[(4, 3), (5, 1), (1, 1)]),
        order(2, None, &[(5, 1)]),
        order(404, None, &[(4, 100)]),
        order(3, None, &[(4, 1), (4, 1)]),
        order(1, None, &[(1, 1), (4, 1), (5, 2), (4, 1)]),
        order(2, None, &[(1, 5)]),
    ]
    .into_iter()
    .map(|order| ToPlace {
        order,
        actor: Actor::default(),
        keyed: None,
    })
    .collect();

    let outcomes = placing::place(&conn, &batch).await.unwrap();

    let [first, no_cup, no_user, repeated, short_of_two, untracked] = outcomes.try_into().unwrap();
    let placed = [first.unwrap(), repeated.unwrap(), untracked.unwrap()];
    assert_eq!(
        placed.iter().map(lines_of).collect::<Vec<_>>(),
        [
            vec![(4, 3, 300), (5, 1, 800), (1, 1, 150)],
            vec![(4, 1, 300), (4, 1, 300)],
            vec![(1, 5, 150)],
        ]
    );
    let short = |outcome: Result<OrderDetails, StoreError>| match outcome {
        Err(StoreError::OutOfStock(shortages)) => shortages
            .into_iter()
            .map(|s| (s.product_id.get(), s.wanted, s.left, s.line))
            .collect::<Vec<_>>(),
        other => panic!("expected OutOfStock, got {other:?}"),
    };
    assert_eq!(short(no_cup), [(5, 1, 0, 0)]);
    // Repeated lines count together, and each short product is named once
    // with its first line.
    assert_eq!(short(short_of_two), [(4, 2, 0, 1), (5, 2, 0, 2)]);
    assert!(matches!(
        no_user,
        Err(StoreError::OrderRefersToMissing {
            entity: Entity::User,
            ..
        })
    ));
    // What the served orders took, in one update per product (one version).
    assert_eq!(
        count(
            &mut conn,
            "SELECT count(*) AS n FROM products \
             WHERE (id = 4 AND stock = 0 AND version = 2) OR (id = 5 AND stock = 0 AND version = 2) \
                OR (id = 1 AND stock IS NULL AND version = 1)"
        )
        .await,
        3
    );
    assert_eq!(
        count(&mut conn, "SELECT count(*) AS n FROM orders").await,
        3
    );
    assert_eq!(
        count(&mut conn, "SELECT count(*) AS n FROM order_items").await,
        6
    );
    assert_eq!(
        count(&mut conn, "SELECT count(*) AS n FROM order_events").await,
        3
    );
}
