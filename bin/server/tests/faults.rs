//! Faults an operator will meet: the database going away and coming back, a
//! statement running out of time, and SIGTERM while requests are in flight.

mod common;

use std::thread;
use std::time::{Duration, Instant};

use common::{agent, free_port, oms, send, terminate, wait_until_serving};
use diesel::sql_types::BigInt;
use diesel_async::{RunQueryDsl, SimpleAsyncConnection};
use oms_persistence::testing::{connect_options, Cluster, TestDatabase};
use serde_json::{json, Value};

#[derive(diesel::QueryableByName)]
struct Id {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

fn place_order(key: &str, api: &str) -> (u16, Value) {
    let (status, _, body) = send(
        key,
        "POST",
        &format!("{api}/orders"),
        Some(json!({"user_id": 1, "items": [{"product_id": 1, "quantity": 2}]})),
    );
    (status, body)
}

#[tokio::test]
async fn a_database_outage_is_answered_with_503_and_recovered_from_without_a_restart() {
    let cluster = Cluster::start_new("");
    let port = free_port();
    let env = [
        ("DB_PORT", cluster.port().to_string()),
        ("DB_NAME", "oms".into()),
        ("PORT", port.to_string()),
    ];
    let mut child = oms(&env).spawn().unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let api = format!("{base}/api/v1");
    wait_until_serving(&mut child, &base);
    let key = common::create_key(&env, "admin");
    send(
        &key,
        "POST",
        &format!("{api}/users"),
        Some(json!({"email": "a@example.com", "full_name": "A"})),
    );
    send(
        &key,
        "POST",
        &format!("{api}/products"),
        Some(json!({"name": "P", "price_cents": 150})),
    );

    let mut acknowledged = Vec::new();
    for _ in 0..5 {
        let (status, order) = place_order(&key, &api);
        assert_eq!(status, 201);
        acknowledged.push(order["order_id"].as_i64().unwrap());
    }

    cluster.stop();
    for (method, path) in [
        ("GET", format!("{api}/orders?status=pending")),
        ("GET", format!("{api}/products/1")),
        ("GET", format!("{api}/users")),
        ("POST", format!("{api}/orders")),
        ("GET", format!("{base}/ready")),
    ] {
        let started = Instant::now();
        let body = (method == "POST")
            .then(|| json!({"user_id": 1, "items": [{"product_id": 1, "quantity": 1}]}));
        let (status, _, answer) = send(&key, method, &path, body);
        assert_eq!(
            (status, answer["code"].as_str()),
            (503, Some("SERVICE_UNAVAILABLE")),
            "{method} {path}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{method} {path} took {:?}",
            started.elapsed()
        );
    }
    assert_eq!(send(&key, "GET", &format!("{base}/health"), None).0, 200);
    assert!(child.try_wait().unwrap().is_none(), "the service stays up");

    cluster.start();
    let back = Instant::now();
    loop {
        let (status, order) = place_order(&key, &api);
        if status == 201 {
            acknowledged.push(order["order_id"].as_i64().unwrap());
            break;
        }
        assert_eq!(status, 503, "{order}");
        assert!(
            back.elapsed() < Duration::from_secs(30),
            "no recovery within 30 s"
        );
        thread::sleep(Duration::from_millis(200));
    }
    for _ in 0..5 {
        let (status, order) = place_order(&key, &api);
        assert_eq!(status, 201, "{order}");
        acknowledged.push(order["order_id"].as_i64().unwrap());
    }
    assert_eq!(send(&key, "GET", &format!("{base}/ready"), None).0, 200);

    let mut conn = connect_options("oms");
    conn.address = cluster.address("oms");
    let mut conn = conn.connect().await.unwrap();
    let stored: Vec<i64> = diesel::sql_query(
        "SELECT id FROM orders WHERE total_amount_cents = 150 * total_quantity ORDER BY id",
    )
    .load::<Id>(&mut conn)
    .await
    .unwrap()
    .into_iter()
    .map(|row| row.id)
    .collect();
    for id in &acknowledged {
        assert!(
            stored.contains(id),
            "order {id} was acknowledged with 201 but is not stored"
        );
    }
    child.kill().unwrap();
    child.wait().unwrap();
}

#[tokio::test]
async fn sigterm_lets_requests_in_flight_finish_then_exits_cleanly() {
    let db = TestDatabase::new().await;
    let port = free_port();
    let env = [
        ("DB_NAME", db.name().to_owned()),
        ("PORT", port.to_string()),
        ("SHUTDOWN_GRACE_SECONDS", "20".into()),
    ];
    let mut child = oms(&env).spawn().unwrap();
    let base = format!("http://127.0.0.1:{port}");
    wait_until_serving(&mut child, &base);
    let key = common::create_key(&env, "products:read");
    // Seen once, so the requests below find the key without the locked database.
    assert_eq!(
        send(&key, "GET", &format!("{base}/api/v1/products/1"), None).0,
        404
    );

    // Hold a lock the requests need, so they are still running at SIGTERM.
    let mut blocker = db.connect().await;
    blocker
        .batch_execute("BEGIN; LOCK TABLE products IN ACCESS EXCLUSIVE MODE")
        .await
        .unwrap();
    let in_flight: Vec<_> = (0..3)
        .map(|_| {
            let url = format!("{base}/api/v1/products");
            let key = key.clone();
            thread::spawn(move || send(&key, "GET", &url, None).0)
        })
        .collect();
    thread::sleep(Duration::from_millis(500));
    terminate(&child);
    thread::sleep(Duration::from_millis(500));
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "no new connections after SIGTERM"
    );
    blocker.batch_execute("ROLLBACK").await.unwrap();

    for request in in_flight {
        assert_eq!(
            request.join().unwrap(),
            200,
            "a request in flight completes"
        );
    }
    let status = child.wait().unwrap();
    assert!(status.success(), "exit status {status}");
}

#[tokio::test]
async fn a_statement_past_the_statement_timeout_is_a_503_with_retry_after() {
    let db = TestDatabase::new().await;
    let port = free_port();
    let env = [
        ("DB_NAME", db.name().to_owned()),
        ("PORT", port.to_string()),
        ("DB_STATEMENT_TIMEOUT_MS", "200".into()),
        ("DB_WARM_CONNECTIONS", "0".into()),
    ];
    let mut child = oms(&env).spawn().unwrap();
    let base = format!("http://127.0.0.1:{port}");
    wait_until_serving(&mut child, &base);
    let key = common::create_key(&env, "orders:read");
    let bearer = format!("Bearer {key}");
    let list = format!("{base}/api/v1/orders?status=paid");
    assert_eq!(send(&key, "GET", &list, None).0, 200);
    let mut locker = db.connect().await;
    locker
        .batch_execute("BEGIN; LOCK TABLE orders IN ACCESS EXCLUSIVE MODE")
        .await
        .unwrap();

    let mut response = agent()
        .get(&list)
        .header("Authorization", &bearer)
        .call()
        .unwrap();
    assert_eq!(response.status().as_u16(), 503);
    let retry_after: u32 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry_after >= 1);
    let body: serde_json::Value = response.body_mut().read_json().unwrap();
    assert_eq!(body["code"], "SERVICE_UNAVAILABLE", "{body}");

    locker.batch_execute("ROLLBACK").await.unwrap();
    let response = agent()
        .get(&list)
        .header("Authorization", &bearer)
        .call()
        .unwrap();
    assert_eq!(
        response.status().as_u16(),
        200,
        "served again once the lock is gone"
    );
    terminate(&child);
    child.wait().unwrap();
}
