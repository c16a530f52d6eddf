//! The failover drill: places orders through oms's front from many clients,
//! runs a command that kills the database's primary partway through, and then
//! checks that every acknowledged order is there, once.
//!
//! ```text
//! cargo run --release -p oms-server --example drill -- BASE_URL API_KEY
//! ```
//!
//! Each order has an `Idempotency-Key` of its own and is sent again with it,
//! after a pause, on a connection error, a 5xx, a 429 or a 409
//! `IDEMPOTENCY_KEY_IN_USE`, until it is acknowledged (201). Environment:
//! `DRILL_SECONDS` (30) of load from `CLIENTS` (16) clients; `KILL` (a shell
//! command, e.g. `deploy/local-ha kill-primary`) run at `KILL_AFTER` (10) s.
//!
//! It prints when writes resumed (from the kill to the first acknowledgement
//! after the last failed attempt), the acknowledged orders, how many of them a
//! read finds afterwards, and the duplicates (orders of the drill's own user
//! beyond those acknowledged).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [base, key] = args.as_slice() else {
        eprintln!(
            "usage: drill BASE_URL API_KEY   (env: DRILL_SECONDS, CLIENTS, KILL, KILL_AFTER)"
        );
        std::process::exit(2);
    };
    let api = Api {
        base: format!("{}/api/v1", base.trim_end_matches('/')),
        bearer: format!("Bearer {key}"),
        agent: ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(10)))
            .build()
            .into(),
    };
    let plan = Plan {
        seconds: env_or("DRILL_SECONDS", 30),
        clients: env_or("CLIENTS", 16),
        kill: std::env::var("KILL")
            .ok()
            .filter(|command| !command.is_empty()),
        kill_after: env_or("KILL_AFTER", 10),
    };
    std::process::exit(drill(&api, &plan));
}

struct Plan {
    seconds: u64,
    clients: u64,
    kill: Option<String>,
    kill_after: u64,
}

#[derive(Clone)]
struct Api {
    base: String,
    bearer: String,
    agent: ureq::Agent,
}

/// What one attempt to place an order came to, and when it ended.
#[derive(Clone, Copy)]
enum Outcome {
    Acknowledged(i64),
    Retried(Retry),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Retry {
    Connection,
    ServerError,
    InUse,
    Throttled,
}

struct Attempt {
    ended: Instant,
    outcome: Outcome,
}

/// Runs the drill and prints its report; the exit code is 1 when an
/// acknowledged order is missing, an order is duplicated, or an order was
/// never acknowledged.
fn drill(api: &Api, plan: &Plan) -> i32 {
    let user = api.create(
        "users",
        json!({"email": format!("drill-{}@example.com", unique()), "full_name": "Failover drill"}),
    );
    let product = api.create(
        "products",
        json!({"name": "Drill item", "price_cents": 100}),
    );
    println!(
        "drill: {} clients for {} s through {}{}",
        plan.clients,
        plan.seconds,
        api.base,
        plan.kill.as_ref().map_or(String::new(), |kill| format!(
            "; `{kill}` at {} s",
            plan.kill_after
        ))
    );

    let start = Instant::now();
    let attempts = Arc::new(Mutex::new(Vec::new()));
    let unacknowledged = Arc::new(Mutex::new(0_u64));
    let run = unique();
    let clients: Vec<_> = (0..plan.clients)
        .map(|client| {
            let (api, attempts, unacknowledged) = (
                api.clone(),
                Arc::clone(&attempts),
                Arc::clone(&unacknowledged),
            );
            let deadline = start + Duration::from_secs(plan.seconds);
            std::thread::spawn(move || {
                let order =
                    json!({"user_id": user, "items": [{"product_id": product, "quantity": 1}]});
                let mut n = 0;
                while Instant::now() < deadline {
                    n += 1;
                    let key = format!("drill-{run}-{client}-{n}");
                    if !api.place(&order, &key, &attempts) {
                        *unacknowledged.lock().unwrap() += 1;
                    }
                }
            })
        })
        .collect();

    let killed = plan.kill.as_ref().map(|command| {
        std::thread::sleep(Duration::from_secs(plan.kill_after));
        let at = Instant::now();
        let output = std::process::Command::new("sh")
            .args(["-c", command])
            .output()
            .expect("run the kill command");
        print!("{}", String::from_utf8_lossy(&output.stdout));
        eprint!("{}", String::from_utf8_lossy(&output.stderr));
        at
    });
    for client in clients {
        client.join().expect("a client ran");
    }
    let attempts = std::mem::take(&mut *attempts.lock().unwrap());
    let unacknowledged = *unacknowledged.lock().unwrap();
    report(api, start, killed, &attempts, unacknowledged, user)
}

fn report(
    api: &Api,
    start: Instant,
    killed: Option<Instant>,
    attempts: &[Attempt],
    unacknowledged: u64,
    user: i64,
) -> i32 {
    let mut acknowledged: Vec<i64> = attempts
        .iter()
        .filter_map(|attempt| match attempt.outcome {
            Outcome::Acknowledged(id) => Some(id),
            Outcome::Retried(_) => None,
        })
        .collect();
    let retried = |kind| {
        attempts
            .iter()
            .filter(|attempt| matches!(attempt.outcome, Outcome::Retried(k) if k == kind))
            .count()
    };
    let since = |at: Instant| at.duration_since(start).as_secs_f64();
    if let Some(killed) = killed {
        let last_failure = attempts
            .iter()
            .filter(|attempt| {
                matches!(attempt.outcome, Outcome::Retried(_)) && attempt.ended > killed
            })
            .map(|attempt| attempt.ended)
            .max()
            .unwrap_or(killed);
        let resumed = attempts
            .iter()
            .filter(|attempt| {
                matches!(attempt.outcome, Outcome::Acknowledged(_)) && attempt.ended >= last_failure
            })
            .map(|attempt| attempt.ended)
            .min();
        match resumed {
            Some(resumed) => println!(
                "writes resumed      {:.2} s after the kill (killed at {:.2} s, last failed attempt at {:.2} s)",
                resumed.duration_since(killed).as_secs_f64(),
                since(killed),
                since(last_failure)
            ),
            None => println!("writes resumed      never"),
        }
    }
    println!(
        "attempts retried    {} (connection errors {}, 5xx {}, key in use {}, 429 {})",
        attempts.len() - acknowledged.len(),
        retried(Retry::Connection),
        retried(Retry::ServerError),
        retried(Retry::InUse),
        retried(Retry::Throttled)
    );
    let count = acknowledged.len();
    acknowledged.sort_unstable();
    acknowledged.dedup();
    println!(
        "acknowledged        {count} orders ({} distinct ids)",
        acknowledged.len()
    );
    let found = acknowledged
        .iter()
        .filter(|id| api.found(**id, user))
        .count();
    let lost = acknowledged.len() - found;
    println!("found after         {found} (lost {lost})");
    let stored = api.orders_of(user);
    let duplicates = stored.saturating_sub(found as u64);
    println!("orders of the user  {stored} (duplicates {duplicates})");
    println!("never acknowledged  {unacknowledged}");
    i32::from(lost > 0 || duplicates > 0 || count != acknowledged.len() || unacknowledged > 0)
}

impl Api {
    fn url(&self, path: &str) -> String {
        format!("{}/{path}", self.base)
    }

    /// Creates what the drill orders with; the drill cannot start without it.
    fn create(&self, path: &str, body: Value) -> i64 {
        let mut answer = self
            .agent
            .post(&self.url(path))
            .header("Authorization", &self.bearer)
            .send_json(body)
            .unwrap_or_else(|error| panic!("POST /{path}: {error}"));
        let body: Value = answer.body_mut().read_json().expect("a JSON answer");
        assert_eq!(answer.status().as_u16(), 201, "POST /{path}: {body}");
        body["id"].as_i64().expect("an id")
    }

    /// Sends the order with `key` until it is acknowledged, for at most a
    /// minute; records every attempt. False when it never was.
    fn place(&self, order: &Value, key: &str, attempts: &Mutex<Vec<Attempt>>) -> bool {
        let give_up = Instant::now() + Duration::from_secs(60);
        let mut pause = Duration::from_millis(50);
        loop {
            let outcome = self.attempt(order, key);
            attempts.lock().unwrap().push(Attempt {
                ended: Instant::now(),
                outcome,
            });
            match outcome {
                Outcome::Acknowledged(_) => return true,
                Outcome::Retried(_) if Instant::now() > give_up => return false,
                Outcome::Retried(_) => {
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_millis(500));
                }
            }
        }
    }

    fn attempt(&self, order: &Value, key: &str) -> Outcome {
        let answer = self
            .agent
            .post(&self.url("orders"))
            .header("Authorization", &self.bearer)
            .header("Idempotency-Key", key)
            .send_json(order);
        let mut answer = match answer {
            Ok(answer) => answer,
            Err(_) => return Outcome::Retried(Retry::Connection),
        };
        let status = answer.status().as_u16();
        let body: Value = answer.body_mut().read_json().unwrap_or(Value::Null);
        match status {
            201 => Outcome::Acknowledged(body["order_id"].as_i64().expect("an order id")),
            429 => Outcome::Retried(Retry::Throttled),
            409 if body["code"] == "IDEMPOTENCY_KEY_IN_USE" => Outcome::Retried(Retry::InUse),
            500..=599 => Outcome::Retried(Retry::ServerError),
            _ => panic!("POST /orders answered {status}: {body}"),
        }
    }

    /// Whether the order can be read back, as the user's.
    fn found(&self, id: i64, user: i64) -> bool {
        for _ in 0..5 {
            if let Ok(mut answer) = self
                .agent
                .get(&self.url(&format!("orders/{id}")))
                .header("Authorization", &self.bearer)
                .call()
            {
                match answer.status().as_u16() {
                    200 => {
                        let body: Value = answer.body_mut().read_json().expect("an order");
                        return body["user_id"] == user;
                    }
                    404 => return false,
                    _ => {}
                }
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        false
    }

    /// How many orders the user has, as the primary sees it: every list's
    /// `total`. (The list may read from a replica: its lag is waited out.)
    fn orders_of(&self, user: i64) -> u64 {
        std::thread::sleep(Duration::from_secs(2));
        let mut answer = self
            .agent
            .get(&self.url(&format!("orders?user_id={user}&limit=1")))
            .header("Authorization", &self.bearer)
            .call()
            .expect("list the user's orders");
        let body: Value = answer.body_mut().read_json().expect("a list");
        body["total"].as_u64().expect("a total")
    }
}

/// A value no other drill run has used.
fn unique() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_nanos()
}

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
