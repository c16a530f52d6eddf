//! Per-key rate limits over HTTP: the IETF fields on every answer, 429 with
//! `Retry-After` once the quota is spent (and nothing done), and two servers on
//! one database holding a key to its quota together for a minute of hammering.

mod common;

use std::time::{Duration, Instant};

use actix_web::http::header;
use actix_web::test::{self, TestRequest};
use serde_json::json;

fn field(headers: &header::HeaderMap, name: &str) -> String {
    headers
        .get(name)
        .unwrap_or_else(|| panic!("no {name}"))
        .to_str()
        .unwrap()
        .to_owned()
}

#[actix_web::test]
async fn every_answer_says_what_is_left_and_the_quota_spent_is_a_429_that_does_nothing() {
    let app = common::spawn().await;
    let key = common::create_key(&app.store, &["users:write"], Some(5)).await;
    let users = format!("{}/users", common::PREFIX);
    for left in (0..5).rev() {
        let reply = app
            .send_as(TestRequest::get().uri(&users), Some(&key))
            .await;
        assert_eq!(reply.status.as_u16(), 200);
        assert_eq!(
            field(&reply.headers, "ratelimit-policy"),
            "\"default\";q=5;w=60"
        );
        let state = field(&reply.headers, "ratelimit");
        assert!(
            state.starts_with(&format!("\"default\";r={left};t=")),
            "{state}"
        );
    }
    let refused = app
        .send_as(
            TestRequest::post()
                .uri(&users)
                .set_json(json!({"email": "late@example.com", "full_name": "Late"})),
            Some(&key),
        )
        .await;
    let retry_after: u32 = field(&refused.headers, "retry-after").parse().unwrap();
    let state = field(&refused.headers, "ratelimit");
    let t: u32 = state.rsplit("t=").next().unwrap().parse().unwrap();
    assert!((58..=62).contains(&t), "{state}");
    assert!(
        retry_after >= t,
        "Retry-After {retry_after} is not before t={t}"
    );
    assert!(state.starts_with("\"default\";r=0;"), "{state}");
    let body = refused.expect_error(429, "RATE_LIMITED", None);
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("5 requests per minute"),
        "{body}"
    );
    assert_eq!(
        app.count("users").await,
        0,
        "a refused request does nothing"
    );

    // Limits are per key: another key is untouched.
    let other = common::create_key(&app.store, &["users:read"], None).await;
    let reply = app
        .send_as(TestRequest::get().uri(&users), Some(&other))
        .await;
    assert_eq!(reply.status.as_u16(), 200);
    assert_eq!(
        field(&reply.headers, "ratelimit-policy"),
        format!("\"default\";q={};w=60", common::DEFAULT_LIMIT),
        "a key without a limit of its own has the server's"
    );
    // An unlimited key has no quota to tell.
    let reply = app.get("/users").await;
    assert!(reply.headers.get("ratelimit").is_none());
    reply.expect(200);
}

/// Two servers on one database, hammered with one key of 120 requests per
/// minute for a minute: together they let at most 10 % more through, and do
/// not starve the key either.
#[actix_web::test]
async fn two_servers_hold_a_key_to_its_quota_for_a_minute_of_hammering() {
    let app = common::spawn().await;
    let (_, other) = common::spawn_beside(&app.db).await;
    let product = app.product("Cable", 799).await;
    let key = common::create_key(&app.store, &["products:read"], Some(120)).await;
    let path = format!("{}/products/{product}", common::PREFIX);
    let started = Instant::now();
    let (mut accepted, mut refused) = (0, 0);
    while started.elapsed() < Duration::from_secs(60) {
        let request = || {
            TestRequest::get()
                .uri(&path)
                .insert_header((header::AUTHORIZATION, format!("Bearer {key}")))
                .to_request()
        };
        let here = app
            .send_as(TestRequest::get().uri(&path), Some(&key))
            .await
            .status
            .as_u16();
        let there = test::call_service(&other, request())
            .await
            .status()
            .as_u16();
        for status in [here, there] {
            match status {
                200 => accepted += 1,
                429 => refused += 1,
                other => panic!("status {other}"),
            }
        }
        actix_web::rt::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(refused > 1_000, "hammered: {refused} refused");
    assert!(
        (108..=132).contains(&accepted),
        "{accepted} accepted in a minute for a quota of 120"
    );
}
