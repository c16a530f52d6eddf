//! The real `oms` binary, started as an operator would start it, spoken to over TCP.

use std::io::Read;
use std::net::TcpListener;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use diesel_async::SimpleAsyncConnection;
use persistence::testing::connect_options;
use serde_json::{json, Value};

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `oms` with a clean environment: no `.env` or `config.toml` from the checkout.
fn oms(env: &[(&str, String)]) -> Command {
    let dir = std::env::temp_dir().join(format!("oms-binary-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_oms"));
    command
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (key, value) in env {
        command.env(key, value);
    }
    command
}

fn run_to_end(mut command: Command) -> (Output, String) {
    let child = command.spawn().unwrap();
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output, stderr)
}

fn agent() -> ureq::Agent {
    ureq::Agent::new_with_config(
        ureq::config::Config::builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(10)))
            .build(),
    )
}

fn wait_until_serving(child: &mut Child, base: &str) {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(60) {
        if let Some(status) = child.try_wait().unwrap() {
            let mut stderr = String::new();
            child
                .stderr
                .take()
                .unwrap()
                .read_to_string(&mut stderr)
                .unwrap();
            panic!("oms exited early ({status}): {stderr}");
        }
        if agent()
            .get(&format!("{base}/api/v1/products"))
            .call()
            .is_ok()
        {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("oms did not start serving within a minute");
}

fn send(method: &str, url: &str, body: Option<Value>) -> (u16, Option<String>, Value) {
    let agent = agent();
    let response = match (method, body) {
        ("GET", _) => agent.get(url).call(),
        ("POST", Some(body)) => agent.post(url).send_json(body),
        ("PATCH", Some(body)) => agent.patch(url).send_json(body),
        _ => unreachable!(),
    }
    .unwrap();
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get("location")
        .map(|value| value.to_str().unwrap().to_owned());
    let body = response.into_body().read_json().unwrap_or(Value::Null);
    (status, location, body)
}

async fn drop_database(name: &str) {
    let mut admin = connect_options("postgres").connect().await.unwrap();
    admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .await
        .unwrap();
}

#[tokio::test]
async fn serves_the_api_over_tcp_on_a_database_and_schema_it_creates() {
    let database = format!("oms_binary_{}", std::process::id());
    drop_database(&database).await;
    let port = free_port();
    let password = "s3cret-never-logged";
    let mut child = oms(&[
        ("DB_NAME", database.clone()),
        ("DB_SCHEMA", "tony".into()),
        ("DB_PASSWORD", password.into()),
        ("PORT", port.to_string()),
        ("LOG_LEVEL", "DEBUG".into()),
    ])
    .spawn()
    .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    wait_until_serving(&mut child, &base);

    let api = format!("{base}/api/v1");
    let (status, location, user) = send(
        "POST",
        &format!("{api}/users"),
        Some(json!({"email": "tcp@example.com", "full_name": "Over TCP"})),
    );
    assert_eq!(status, 201);
    assert_eq!(location.as_deref(), Some("/api/v1/users/1"));
    let (_, _, product) = send(
        "POST",
        &format!("{api}/products"),
        Some(json!({"name": "Cable", "price_cents": 799})),
    );
    let (status, _, order) = send(
        "POST",
        &format!("{api}/orders"),
        Some(
            json!({"user_id": user["id"], "items": [{"product_id": product["id"], "quantity": 3}]}),
        ),
    );
    assert_eq!(status, 201);
    assert_eq!(order["total_amount_cents"], 2_397);
    let (status, _, paid) = send(
        "PATCH",
        &format!("{api}/orders/{}", order["order_id"]),
        Some(json!({"status": "paid"})),
    );
    assert_eq!((status, paid["status"].as_str()), (200, Some("paid")));
    let (status, _, list) = send("GET", &format!("{api}/orders?status=paid"), None);
    assert_eq!(status, 200);
    assert_eq!(list["total"], 1);
    let (status, _, missing) = send("GET", &format!("{base}/nothing/here"), None);
    assert_eq!((status, missing["code"].as_str()), (404, Some("NOT_FOUND")));

    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "SIGTERM is a clean stop: {:?}",
        output.status
    );
    let logs = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        !logs.contains(password),
        "the password leaked into the logs"
    );
    assert!(logs.contains("created the database"), "{logs}");

    let mut conn = connect_options(&database).connect().await.unwrap();
    conn.batch_execute("SELECT 1 FROM tony.orders")
        .await
        .unwrap();
    drop(conn);
    drop_database(&database).await;
}

#[test]
fn an_unreachable_database_is_reported_in_one_line_naming_where_it_looked() {
    let closed = free_port();
    let (output, stderr) = run_to_end(oms(&[
        ("DB_PORT", closed.to_string()),
        ("DB_PASSWORD", "hunter2".into()),
        ("PORT", free_port().to_string()),
    ]));
    assert!(!output.status.success());
    let stderr = stderr.trim();
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(stderr.contains(&format!("127.0.0.1:{closed}")), "{stderr}");
    assert!(
        stderr.contains("check that PostgreSQL is running"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("panicked") && !stderr.contains("hunter2"),
        "{stderr}"
    );
}

#[test]
fn invalid_configuration_is_a_clear_error() {
    for (key, value, mention) in [
        ("PORT", "eighty", "port"),
        ("DB_PORT", "-1", "db_port"),
        ("LOG_LEVEL", "LOUD", "LOG_LEVEL"),
        ("DB_POOL_SIZE", "0", "DB_POOL_SIZE"),
        (
            "DATABASE_URL",
            "postgres://host:notaport/db",
            "DATABASE_URL",
        ),
    ] {
        let (output, stderr) = run_to_end(oms(&[(key, value.into())]));
        assert!(!output.status.success(), "{key}={value}");
        assert!(stderr.contains("invalid configuration"), "{key}: {stderr}");
        assert!(stderr.contains(mention), "{key}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}
