//! The real `oms` binary, started as an operator would start it, spoken to over TCP.

mod common;

use common::{agent, free_port, oms, run_to_end, send, terminate, wait_until_serving};
use diesel_async::SimpleAsyncConnection;
use oms_persistence::testing::connect_options;
use serde_json::json;

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
    let env = [
        ("DB_NAME", database.clone()),
        ("DB_SCHEMA", "tony".into()),
        ("DB_PASSWORD", password.into()),
        ("PORT", port.to_string()),
        ("LOG_LEVEL", "DEBUG".into()),
        ("HTTP_WORKERS", "3".into()),
        ("DB_POOL_SIZE", "5".into()),
    ];
    let mut child = oms(&env).spawn().unwrap();
    let base = format!("http://127.0.0.1:{port}");
    wait_until_serving(&mut child, &base);
    let key = common::create_key(&env, "admin");
    let send = |method, url: &str, body| send(&key, method, url, body);

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
    let metrics = common::metrics(&base);
    assert!(
        metrics.contains(r#"db_pool_connections{state="max"} 6"#),
        "DB_POOL_SIZE=5 shared out among 3 workers is 2 connections each: {metrics}"
    );

    terminate(&child);
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
    assert!(!logs.contains(&key), "the API key leaked into the logs");
    assert!(logs.contains("api_key_id=1"), "{logs}");
    assert!(logs.contains("created the database"), "{logs}");
    assert!(
        !logs.contains('\u{1b}'),
        "no colour codes when stdout is not a terminal: {logs}"
    );

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
        ("DB_POOL_SIZE", "many", "db_pool_size"),
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

#[tokio::test]
async fn json_logs_carry_the_request_id_route_status_and_latency() {
    let db = oms_persistence::testing::TestDatabase::new().await;
    let port = free_port();
    let env = [
        ("DB_NAME", db.name().to_owned()),
        ("PORT", port.to_string()),
        ("LOG_FORMAT", "json".into()),
    ];
    let mut child = oms(&env).spawn().unwrap();
    let base = format!("http://127.0.0.1:{port}");
    wait_until_serving(&mut child, &base);
    let key = common::create_key(&env, "users:read");
    let response = common::agent()
        .get(&format!("{base}/api/v1/users/42"))
        .header("X-Request-Id", "trace-abc-123")
        .header("Authorization", &format!("Bearer {key}"))
        .call()
        .unwrap();
    assert_eq!(response.status().as_u16(), 404);
    assert_eq!(
        response.headers().get("x-request-id").unwrap(),
        "trace-abc-123"
    );
    terminate(&child);
    let output = child.wait_with_output().unwrap();
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line}")))
        .collect();
    let request = lines
        .iter()
        .find(|line| line["span"]["request_id"] == "trace-abc-123")
        .expect("a log line of the request carries its id");
    assert_eq!(request["route"], "/api/v1/users/{user_id}");
    assert_eq!(
        request["span"]["api_key_id"], 1,
        "the line names the key by its id"
    );
    assert!(!String::from_utf8_lossy(&output.stdout).contains(&key));
    assert_eq!(request["method"], "GET");
    assert_eq!(request["status"], 404);
    assert!(request["latency_ms"].as_f64().is_some());
    assert!(lines
        .iter()
        .all(|line| line["level"].is_string() && line["timestamp"].is_string()));
}

#[test]
fn help_lists_every_command_and_each_commands_settings_with_their_variables() {
    let (output, _) = run_to_end({
        let mut command = oms(&[]);
        command.arg("--help");
        command
    });
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    for command in ["serve", "migrate", "seed", "keys", "openapi", "postman"] {
        assert!(
            help.lines()
                .any(|line| line.trim_start().starts_with(command)),
            "{command}: {help}"
        );
    }
    let (output, _) = run_to_end({
        let mut command = oms(&[]);
        command.args(["seed", "--help"]);
        command
    });
    let help = String::from_utf8_lossy(&output.stdout);
    for option in [
        "--orders",
        "[env: SEED_ORDERS",
        "--db-host",
        "[env: DB_HOST",
    ] {
        assert!(help.contains(option), "{option}: {help}");
    }
}

#[tokio::test]
async fn migrate_creates_and_migrates_a_database_then_exits() {
    let database = format!("oms_migrate_{}", std::process::id());
    drop_database(&database).await;
    let (output, stderr) = run_to_end({
        let mut command = oms(&[("DB_SCHEMA", "shop".into())]);
        command.args(["migrate", "--db-name", &database]);
        command
    });
    assert!(output.status.success(), "{stderr}");
    let logs = String::from_utf8_lossy(&output.stdout);
    assert!(logs.contains("applied migration"), "{logs}");
    assert!(logs.contains("the database is up to date"), "{logs}");
    let mut conn = connect_options(&database).connect().await.unwrap();
    conn.batch_execute("SELECT 1 FROM shop.orders")
        .await
        .unwrap();
    drop(conn);
    drop_database(&database).await;
}

/// The first key is made from the command line; `create` prints the key alone
/// on stdout, `list` never shows it, and `revoke` takes effect in the running
/// server within two seconds.
#[tokio::test]
async fn keys_are_made_listed_and_revoked_from_the_command_line() {
    let db = oms_persistence::testing::TestDatabase::new().await;
    let port = free_port();
    let env = [
        ("DB_NAME", db.name().to_owned()),
        ("PORT", port.to_string()),
    ];
    let mut child = oms(&env).spawn().unwrap();
    let base = format!("http://127.0.0.1:{port}");
    wait_until_serving(&mut child, &base);
    let keys = |args: &[&str]| {
        let mut command = oms(&env);
        command.arg("keys").args(args);
        let (output, stderr) = run_to_end(command);
        (
            output.status.success(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr,
        )
    };

    let (ok, stdout, stderr) = keys(&[
        "create",
        "--name",
        "shop front",
        "--scopes",
        "products:read,orders:write",
        "--rate-limit-per-minute",
        "50",
    ]);
    assert!(ok, "{stderr}");
    let key = stdout.lines().last().unwrap().to_owned();
    assert_eq!(stdout, format!("{key}\n"), "stdout is the key alone");
    assert!(key.starts_with("oms_") && key.len() == 44, "{key}");
    assert!(
        stderr.contains(&key[..12]) && stderr.contains("shown this once"),
        "{stderr}"
    );

    let (status, _, _) = send(&key, "GET", &format!("{base}/api/v1/products"), None);
    assert_eq!(status, 200);
    let response = agent()
        .get(&format!("{base}/api/v1/products"))
        .header("Authorization", &format!("Bearer {key}"))
        .call()
        .unwrap();
    assert_eq!(
        response.headers()["ratelimit-policy"],
        "\"default\";q=50;w=60"
    );
    let (status, _, body) = send(&key, "GET", &format!("{base}/api/v1/users"), None);
    assert_eq!((status, body["code"].as_str()), (403, Some("FORBIDDEN")));

    let (ok, listed, stderr) = keys(&["list"]);
    assert!(ok, "{stderr}");
    assert!(
        listed.contains(&key[..12]) && listed.contains("shop front"),
        "{listed}"
    );
    assert!(listed.contains("50/min"), "{listed}");
    assert!(!listed.contains(&key), "{listed}");

    let (ok, _, stderr) = keys(&["revoke", "1"]);
    assert!(ok, "{stderr}");
    let revoked = std::time::Instant::now();
    while send(&key, "GET", &format!("{base}/api/v1/products"), None).0 != 401 {
        assert!(
            revoked.elapsed() < std::time::Duration::from_secs(2),
            "the server still accepts a key revoked {:?} ago",
            revoked.elapsed()
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }

    let (ok, _, stderr) = keys(&["create", "--name", "x", "--scopes", "orders:delete"]);
    assert!(
        !ok && stderr.contains("'orders:delete' is not a scope"),
        "{stderr}"
    );
    let (ok, _, stderr) = keys(&["revoke", "99"]);
    assert!(
        !ok && stderr.contains("API key 99 does not exist"),
        "{stderr}"
    );
    terminate(&child);
    let output = child.wait_with_output().unwrap();
    assert!(!String::from_utf8_lossy(&output.stdout).contains(&key));
}

/// `AUTH=off` lets calls in without a key, and says so at every start.
#[tokio::test]
async fn with_auth_off_the_server_warns_and_asks_for_no_key() {
    let db = oms_persistence::testing::TestDatabase::new().await;
    let port = free_port();
    let mut child = oms(&[
        ("DB_NAME", db.name().to_owned()),
        ("PORT", port.to_string()),
        ("AUTH", "off".into()),
    ])
    .spawn()
    .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    wait_until_serving(&mut child, &base);
    let response = agent().get(&format!("{base}/api/v1/users")).call().unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert!(response.headers().get("ratelimit").is_none());
    terminate(&child);
    let output = child.wait_with_output().unwrap();
    let logs = String::from_utf8_lossy(&output.stdout);
    assert!(
        logs.lines()
            .any(|line| line.contains("WARN") && line.contains("AUTH=off")),
        "{logs}"
    );
}
