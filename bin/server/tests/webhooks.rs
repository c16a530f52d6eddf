//! Webhook deliveries survive the server: an attempt cut short by a kill is
//! made again by the next process.

mod common;

use std::time::{Duration, Instant};

use common::{free_port, oms, send, terminate, wait_until_serving};
use oms_webhooks::testing::{Receiver, Reply};
use serde_json::json;

#[actix_web::test]
async fn a_delivery_cut_short_by_a_kill_is_made_after_the_restart() {
    let db = oms_persistence::testing::TestDatabase::new().await;
    let receiver = Receiver::start([Reply::Hang]);
    let port = free_port();
    let env = [
        ("DB_NAME", db.name().to_owned()),
        ("PORT", port.to_string()),
        ("WEBHOOK_ALLOW_PRIVATE", "true".to_owned()),
    ];
    let base = format!("http://127.0.0.1:{port}");
    let api = format!("{base}/api/v1");
    let mut child = oms(&env).spawn().unwrap();
    wait_until_serving(&mut child, &base);
    let key = common::create_key(&env, "admin");
    let (status, _, endpoint) = send(
        &key,
        "POST",
        &format!("{api}/webhooks"),
        Some(json!({"url": receiver.url, "events": ["user.created"]})),
    );
    assert_eq!(status, 201, "{endpoint}");
    send(
        &key,
        "POST",
        &format!("{api}/users"),
        Some(json!({"email": "ada@example.com", "full_name": "Ada"})),
    );

    // The change is committed and its delivery is being made: the receiver
    // holds the request, and the server is killed outright.
    let first = receiver.wait_for(1, Duration::from_secs(20)).await;
    child.kill().unwrap();
    child.wait().unwrap();

    let mut child = oms(&env).spawn().unwrap();
    wait_until_serving(&mut child, &base);
    let received = receiver.wait_for(2, Duration::from_secs(20)).await;
    assert_eq!(received[1].id, first[0].id);
    assert_eq!(received[1].body, first[0].body);

    let log = format!("{api}/webhooks/{}/deliveries", endpoint["id"]);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (_, _, log) = send(&key, "GET", &log, None);
        if log["deliveries"][0]["status"] == "delivered" {
            // The attempt the kill cut short was never recorded: its
            // transaction died with the process.
            assert_eq!(log["total"], 1, "{log}");
            assert_eq!(log["deliveries"][0]["attempt"], 1);
            break;
        }
        assert!(Instant::now() < deadline, "{log}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The restarted server counted the attempt it made.
    let metrics = common::metrics(&base);
    assert!(
        metrics.contains(r#"webhook_attempts_total{result="delivered"} 1"#),
        "{metrics}"
    );
    terminate(&child);
    child.wait().unwrap();
}
