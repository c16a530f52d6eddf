//! Webhook delivery under load, against a running oms: registers an endpoint
//! (for `order.created`) that points at a receiver in this process, places
//! orders at a steady rate, waits until every order's event has arrived, and
//! prints what arrived and how long after its commit. The endpoint is deleted
//! at the end.
//!
//! ```text
//! cargo run --release -p oms-webhooks --features test-support --example delivery_load -- \
//!     BASE_URL API_KEY [ORDERS_PER_SECOND] [SECONDS]
//! ```
//!
//! With ORDERS_PER_SECOND 0 it places nothing and only receives for SECONDS
//! (run a create_order benchmark meanwhile); with `NO_ENDPOINT=1` it places
//! orders without registering an endpoint, for the same run without webhooks. The server needs
//! `WEBHOOK_ALLOW_PRIVATE=true` (the receiver is on 127.0.0.1), and data to
//! order from (`oms seed`): users 1–10,000 and products 1–1,000 by default
//! (`USERS`, `PRODUCTS`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use oms_webhooks::testing::Receiver;
use serde_json::{json, Value};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [base, key, rest @ ..] = args.as_slice() else {
        eprintln!("usage: delivery_load BASE_URL API_KEY [ORDERS_PER_SECOND] [SECONDS]");
        std::process::exit(2);
    };
    let rate: u64 = rest.first().map_or(1_000, |n| n.parse().expect("a rate"));
    let seconds: u64 = rest.get(1).map_or(60, |n| n.parse().expect("seconds"));
    actix_web::rt::System::new().block_on(run(
        format!("{}/api/v1", base.trim_end_matches('/')),
        key.clone(),
        rate,
        seconds,
    ));
}

async fn run(api: String, key: String, rate: u64, seconds: u64) {
    let client = client();
    let bearer = format!("Bearer {key}");
    if std::env::var("NO_ENDPOINT").is_ok_and(|v| v == "1") {
        let (api, bearer) = (api.clone(), bearer.clone());
        let placed = tokio::task::spawn_blocking(move || place(&api, &bearer, rate, seconds))
            .await
            .expect("the load ran");
        print_placed(&placed);
        return;
    }
    let receiver = Receiver::start([]);
    let mut created = client
        .post(&format!("{api}/webhooks"))
        .header("Authorization", &bearer)
        .send_json(json!({"url": receiver.url, "events": ["order.created"]}))
        .expect("create the endpoint");
    let endpoint: Value = created.body_mut().read_json().expect("JSON");
    assert_eq!(created.status().as_u16(), 201, "{endpoint}");
    println!("# endpoint {} → {}", endpoint["id"], receiver.url);

    let placed = if rate == 0 {
        tokio::time::sleep(Duration::from_secs(seconds)).await;
        let received = receiver.count() as u64;
        Placed {
            ok: received,
            failed: 0,
            elapsed: Duration::from_secs(seconds),
            latencies: vec![],
        }
    } else {
        let (api, bearer) = (api.clone(), bearer.clone());
        tokio::task::spawn_blocking(move || place(&api, &bearer, rate, seconds))
            .await
            .expect("the load ran")
    };
    let within = Duration::from_secs(120);
    let started = Instant::now();
    while (receiver.count() as u64) < placed.ok && started.elapsed() < within {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let received = receiver.received();

    let mut lags: Vec<f64> = received
        .iter()
        .filter_map(|delivery| {
            let committed: DateTime<Utc> = delivery.json()["timestamp"].as_str()?.parse().ok()?;
            let arrived = Utc::now() - delivery.at.elapsed();
            Some((arrived - committed).num_microseconds()? as f64 / 1_000.0)
        })
        .collect();
    lags.sort_by(f64::total_cmp);
    let ids: std::collections::HashSet<&str> = received.iter().map(|r| r.id.as_str()).collect();
    print_placed(&placed);
    println!(
        "received {} deliveries ({} distinct events); commit to receipt p50 {:.1} ms p99 {:.1} ms max {:.1} ms",
        received.len(),
        ids.len(),
        percentile(&lags, 0.50),
        percentile(&lags, 0.99),
        lags.last().copied().unwrap_or_default(),
    );
    client
        .delete(&format!("{api}/webhooks/{}", endpoint["id"]))
        .header("Authorization", &bearer)
        .call()
        .expect("delete the endpoint");
    receiver.stop().await;
}

fn print_placed(placed: &Placed) {
    let mut latencies = placed.latencies.clone();
    latencies.sort_by(f64::total_cmp);
    println!(
        "placed {} orders in {:.1} s ({:.1}/s; {} failed), create_order p50 {:.2} ms p99 {:.2} ms",
        placed.ok,
        placed.elapsed.as_secs_f64(),
        placed.ok as f64 / placed.elapsed.as_secs_f64(),
        placed.failed,
        percentile(&latencies, 0.50),
        percentile(&latencies, 0.99),
    );
}

struct Placed {
    ok: u64,
    failed: u64,
    elapsed: Duration,
    latencies: Vec<f64>,
}

/// Places `rate` orders a second for `seconds`, each at its planned instant
/// (sixteen threads take the next one due), and answers how many were placed.
fn place(api: &str, bearer: &str, rate: u64, seconds: u64) -> Placed {
    let users: u64 = env_or("USERS", 10_000);
    let products: u64 = env_or("PRODUCTS", 1_000);
    let total = rate * seconds;
    let next = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let threads: Vec<_> = (0..16)
        .map(|_| {
            let (next, api, bearer) = (Arc::clone(&next), api.to_owned(), bearer.to_owned());
            std::thread::spawn(move || {
                let client = client();
                let (mut ok, mut failed, mut latencies) = (0, 0, Vec::new());
                loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    if n >= total {
                        return (ok, failed, latencies);
                    }
                    let due = start + Duration::from_nanos(n * 1_000_000_000 / rate);
                    if let Some(wait) = due.checked_duration_since(Instant::now()) {
                        std::thread::sleep(wait);
                    }
                    let order = json!({
                        "user_id": 1 + n * 7_919 % users,
                        "items": [{"product_id": 1 + n * 104_729 % products, "quantity": 1 + n % 3}],
                    });
                    let sent = Instant::now();
                    let answer = client
                        .post(&format!("{api}/orders"))
                        .header("Authorization", &bearer)
                        .send_json(order);
                    latencies.push(sent.elapsed().as_secs_f64() * 1_000.0);
                    match answer {
                        Ok(answer) if answer.status().as_u16() == 201 => ok += 1,
                        _ => failed += 1,
                    }
                }
            })
        })
        .collect();
    let mut placed = Placed {
        ok: 0,
        failed: 0,
        elapsed: Duration::ZERO,
        latencies: vec![],
    };
    for thread in threads {
        let (ok, failed, latencies) = thread.join().expect("a load thread");
        placed.ok += ok;
        placed.failed += failed;
        placed.latencies.extend(latencies);
    }
    placed.elapsed = start.elapsed();
    placed
}

fn client() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted: &[f64], at: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() - 1) as f64 * at).round() as usize]
}
