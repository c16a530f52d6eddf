//! What survives the server: an answer kept for an idempotency key is
//! replayed by the next process, after the first was killed outright.

mod common;

use common::{agent, free_port, oms, send, terminate, wait_until_serving};
use serde_json::json;

#[tokio::test]
async fn an_order_placed_with_an_idempotency_key_is_replayed_after_a_kill_and_restart() {
    let db = oms_persistence::testing::TestDatabase::new().await;
    let port = free_port();
    let env = [
        ("DB_NAME", db.name().to_owned()),
        ("PORT", port.to_string()),
    ];
    let base = format!("http://127.0.0.1:{port}");
    let api = format!("{base}/api/v1");
    let mut child = oms(&env).spawn().unwrap();
    wait_until_serving(&mut child, &base);
    let key = common::create_key(&env, "admin");
    let (_, _, user) = send(
        &key,
        "POST",
        &format!("{api}/users"),
        Some(json!({"email": "ada@example.com", "full_name": "Ada"})),
    );
    let (_, _, product) = send(
        &key,
        "POST",
        &format!("{api}/products"),
        Some(json!({"name": "Pen", "price_cents": 150})),
    );
    let order =
        json!({"user_id": user["id"], "items": [{"product_id": product["id"], "quantity": 2}]});
    let place = || {
        let mut response = agent()
            .post(&format!("{api}/orders"))
            .header("Authorization", &format!("Bearer {key}"))
            .header("Idempotency-Key", "checkout-after-restart")
            .send_json(&order)
            .unwrap();
        let replayed = response
            .headers()
            .get("idempotent-replayed")
            .map(|value| value.to_str().unwrap().to_owned());
        let status = response.status().as_u16();
        let body: serde_json::Value = response.body_mut().read_json().unwrap();
        (status, replayed, body)
    };
    let (status, replayed, first) = place();
    assert_eq!((status, replayed), (201, None));

    // Killed outright: nothing of the answer lives in the process.
    child.kill().unwrap();
    child.wait().unwrap();
    let mut child = oms(&env).spawn().unwrap();
    wait_until_serving(&mut child, &base);
    let (status, replayed, again) = place();
    assert_eq!((status, replayed.as_deref()), (201, Some("true")));
    assert_eq!(again, first);
    let (_, _, orders) = send(&key, "GET", &format!("{api}/orders"), None);
    assert_eq!(orders["total"], 1);
    terminate(&child);
    child.wait().unwrap();
}
