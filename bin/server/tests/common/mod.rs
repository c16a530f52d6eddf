#![allow(dead_code)]
//! Starting the real `oms` binary and talking to it over TCP.

use std::io::Read;
use std::net::TcpListener;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

pub mod api;

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `oms` with a clean environment: no `.env` or `config.toml` from the checkout.
pub fn oms(env: &[(&str, String)]) -> Command {
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

pub fn run_to_end(mut command: Command) -> (Output, String) {
    let child = command.spawn().unwrap();
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output, stderr)
}

pub fn agent() -> ureq::Agent {
    ureq::Agent::new_with_config(
        ureq::config::Config::builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(10)))
            .build(),
    )
}

pub fn wait_until_serving(child: &mut Child, base: &str) {
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

/// Creates an unlimited key with `scopes` by `oms keys create`, on the
/// database `env` names, and returns it.
pub fn create_key(env: &[(&str, String)], scopes: &str) -> String {
    let mut command = oms(env);
    command.args([
        "keys",
        "create",
        "--name",
        "binary tests",
        "--scopes",
        scopes,
        "--rate-limit-per-minute",
        "0",
    ]);
    let (output, stderr) = run_to_end(command);
    assert!(output.status.success(), "{stderr}");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert_eq!(stdout.lines().count(), 1, "the key alone: {stdout}");
    stdout.trim().to_owned()
}

/// A reply: its status, its headers (names in lower case) and its JSON body
/// (`null` when it has none).
pub struct Reply {
    pub status: u16,
    pub header: std::collections::HashMap<String, String>,
    pub body: Value,
}

/// Sends a request with `key` as its bearer token, `body` as JSON and the
/// extra `headers`.
pub fn request(
    key: &str,
    method: &str,
    url: &str,
    body: Option<Value>,
    headers: &[(&str, &str)],
) -> Reply {
    let mut request = ureq::http::Request::builder()
        .method(method)
        .uri(url)
        .header("Authorization", format!("Bearer {key}"));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = match body {
        Some(body) => agent().run(
            request
                .header("Content-Type", "application/json")
                .body(body.to_string())
                .unwrap(),
        ),
        None => agent().run(request.body(()).unwrap()),
    }
    .unwrap_or_else(|error| panic!("{method} {url}: {error}"));
    let header = response
        .headers()
        .iter()
        .map(|(name, value)| (name.to_string(), value.to_str().unwrap_or("").to_owned()))
        .collect();
    let status = response.status().as_u16();
    let body = response.into_body().read_json().unwrap_or(Value::Null);
    Reply {
        status,
        header,
        body,
    }
}

/// Sends a request with `key` as its bearer token: the status, `Location` and body.
pub fn send(
    key: &str,
    method: &str,
    url: &str,
    body: Option<Value>,
) -> (u16, Option<String>, Value) {
    let reply = request(key, method, url, body, &[]);
    (
        reply.status,
        reply.header.get("location").cloned(),
        reply.body,
    )
}

/// The text of the server's `/metrics`.
pub fn metrics(base: &str) -> String {
    agent()
        .get(&format!("{base}/metrics"))
        .call()
        .unwrap()
        .body_mut()
        .read_to_string()
        .unwrap()
}

/// Sends SIGTERM to the process.
pub fn terminate(child: &Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success());
}
