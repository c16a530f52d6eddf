//! The API over HTTP from outside, for the acceptance tests: against the `oms`
//! binary started on a fresh database, or against `OMS_TEST_URL`.

use std::process::Child;
use std::time::{Duration, Instant};

use oms_persistence::testing::TestDatabase;
use serde_json::{json, Value};

use super::Reply;

/// The longest a list may take to show a write.
pub const REPLICA_LAG: Duration = Duration::from_secs(5);

/// Where the API is, and the key to call it with.
pub struct Target {
    pub api: String,
    pub key: String,
    pub server: Option<Server>,
}

/// The binary started for one test, stopped when the test ends.
pub struct Server {
    child: Child,
    _db: TestDatabase,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `OMS_TEST_URL` with `OMS_TEST_API_KEY` when set; else the binary, started
/// on a database of its own with an admin key.
pub async fn target() -> Target {
    if let Ok(url) = std::env::var("OMS_TEST_URL") {
        let key = std::env::var("OMS_TEST_API_KEY").expect("OMS_TEST_API_KEY with OMS_TEST_URL");
        return Target {
            api: format!("{}/api/v1", url.trim_end_matches('/')),
            key,
            server: None,
        };
    }
    let db = TestDatabase::new().await;
    let port = super::free_port();
    let env = [
        ("DB_NAME", db.name().to_owned()),
        ("PORT", port.to_string()),
        ("LOG_LEVEL", "WARNING".to_owned()),
    ];
    let key = super::create_key(&env, "admin");
    let mut child = super::oms(&env).spawn().unwrap();
    let base = format!("http://127.0.0.1:{port}");
    super::wait_until_serving(&mut child, &base);
    Target {
        api: format!("{base}/api/v1"),
        key,
        server: Some(Server { child, _db: db }),
    }
}

impl Target {
    pub fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        super::request(
            &self.key,
            method,
            &format!("{}{path}", self.api),
            body,
            headers,
        )
    }

    pub fn get(&self, path: &str) -> Reply {
        self.call("GET", path, None, &[])
    }

    pub fn post(&self, path: &str, body: Value) -> Reply {
        self.call("POST", path, Some(body), &[])
    }

    pub fn patch(&self, path: &str, body: Value) -> Reply {
        self.call("PATCH", path, Some(body), &[])
    }

    /// A user of the test's own, by a unique address.
    pub fn user(&self, name: &str) -> i64 {
        let reply = self.post(
            "/users",
            json!({"email": unique_email(name), "full_name": name}),
        );
        expect(&reply, 201)["id"].as_i64().unwrap()
    }

    pub fn product(&self, name: &str, price_cents: i64, stock: Option<i64>) -> i64 {
        let reply = self.post(
            "/products",
            json!({"name": name, "price_cents": price_cents, "stock": stock}),
        );
        expect(&reply, 201)["id"].as_i64().unwrap()
    }

    /// The list at `path` once `done` holds of it, waiting out a replica's lag.
    pub fn list_when(&self, path: &str, done: impl Fn(&Value) -> bool) -> Value {
        let started = Instant::now();
        loop {
            let reply = self.get(path);
            let body = expect(&reply, 200).clone();
            if done(&body) || started.elapsed() > REPLICA_LAG {
                return body;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

pub fn unique_email(name: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!(
        "{}.{nanos}@example.com",
        name.to_lowercase().replace(' ', ".")
    )
}

pub fn expect(reply: &Reply, status: u16) -> &Value {
    assert_eq!(reply.status, status, "answer: {}", reply.body);
    &reply.body
}

pub fn expect_error(reply: &Reply, status: u16, code: &str) {
    assert_eq!(
        (reply.status, reply.body["code"].as_str()),
        (status, Some(code)),
        "{}",
        reply.body
    );
}
