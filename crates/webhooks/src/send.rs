//! One delivery: the body and the Standard Webhooks headers, the POST, and
//! what its answer means for the next attempt.

use std::io::Read;
use std::net::ToSocketAddrs;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};
use oms_domain::{is_internal, RetrySchedule, WebhookUrl};
use oms_persistence::webhooks::{Attempt, AttemptResult, Due};

use crate::Settings;

/// The most of an answer's body that is read (and thrown away), so that the
/// connection can be used again.
const ANSWER_BYTES: u64 = 64 * 1024;

/// The HTTP client every delivery of a server goes through: connections are
/// kept and reused, redirects are not followed (they could lead anywhere),
/// no proxy is taken from the environment, and every answer is an answer
/// (4xx and 5xx are not errors of the client).
pub fn client(settings: &Settings) -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(settings.timeout))
        .http_status_as_error(false)
        .max_redirects(0)
        .proxy(None)
        .max_idle_connections(256)
        .max_idle_connections_per_host(64)
        .user_agent(concat!("oms-webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
        .into()
}

/// The body every attempt of `due` posts: `{"id", "type", "timestamp", "data"}`.
pub fn body(due: &Due) -> String {
    let text = |value: &str| serde_json::Value::from(value).to_string();
    let timestamp = serde_json::to_string(&due.event_at).unwrap_or_default();
    format!(
        r#"{{"id":{},"type":{},"timestamp":{},"data":{}}}"#,
        text(&due.event_id),
        text(&due.event_type),
        timestamp,
        due.data
    )
}

/// Makes the attempt: posts the signed body and reads the answer. Blocks for
/// up to the timeout.
pub fn attempt(agent: &ureq::Agent, settings: &Settings, due: &Due) -> Attempt {
    let attempted_at = Utc::now();
    let started = Instant::now();
    let outcome = post(agent, settings, due);
    let latency_ms = i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX);
    let (result, response_status, error) = match outcome {
        Ok(status) if (200..300).contains(&status) => {
            (AttemptResult::Delivered, Some(status), None)
        }
        Ok(410) => (
            AttemptResult::Failed {
                retry_at: None,
                disable: true,
            },
            Some(410),
            Some("the endpoint answered 410 Gone; it is disabled".to_owned()),
        ),
        Ok(status) => (
            retry(&settings.schedule, due.attempt, attempted_at),
            Some(status),
            Some(format!("the endpoint answered {status}")),
        ),
        Err(error) => (
            retry(&settings.schedule, due.attempt, attempted_at),
            None,
            Some(error),
        ),
    };
    Attempt {
        delivery: due.delivery,
        endpoint: due.endpoint,
        result,
        response_status,
        latency_ms,
        error,
        attempted_at,
    }
}

/// The endpoint's status, or why there was none.
fn post(agent: &ureq::Agent, settings: &Settings, due: &Due) -> Result<u16, String> {
    if !settings.allow_private {
        refuse_internal(&due.url)?;
    }
    let body = body(due);
    let timestamp = Utc::now().timestamp();
    let signature = due.secret.sign(&due.event_id, timestamp, body.as_bytes());
    let mut answer = agent
        .post(&due.url)
        .header("content-type", "application/json")
        .header("webhook-id", &due.event_id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .send(body)
        .map_err(|error| error.to_string())?;
    let mut drained = Vec::new();
    // An answer whose body cannot be read still has its status.
    let _ = answer
        .body_mut()
        .as_reader()
        .take(ANSWER_BYTES)
        .read_to_end(&mut drained);
    Ok(answer.status().as_u16())
}

/// Refuses a URL whose host resolves to an internal address (checked again
/// at every attempt: a name may point elsewhere since the endpoint was made).
fn refuse_internal(url: &str) -> Result<(), String> {
    let url = WebhookUrl::parse(url).map_err(|error| error.message)?;
    let addresses = (url.host().as_str(), url.port())
        .to_socket_addrs()
        .map_err(|error| format!("cannot resolve {}: {error}", url.host()))?;
    for address in addresses {
        if is_internal(address.ip()) {
            return Err(format!(
                "{} resolves to {}, an internal address (WEBHOOK_ALLOW_PRIVATE is off)",
                url.host(),
                address.ip()
            ));
        }
    }
    Ok(())
}

/// The failure of attempt `attempt` made at `at`: retried after the
/// schedule's wait, give or take 10 %, or given up when the schedule ends.
fn retry(schedule: &RetrySchedule, attempt: i32, at: DateTime<Utc>) -> AttemptResult {
    let retry_at = u32::try_from(attempt)
        .ok()
        .and_then(|attempt| schedule.wait_after(attempt))
        .map(|wait| RetrySchedule::jittered(wait, spread()))
        .and_then(|wait| TimeDelta::from_std(wait).ok())
        .and_then(|wait| at.checked_add_signed(wait));
    AttemptResult::Failed {
        retry_at,
        disable: false,
    }
}

/// A random number in [-1, 1]; 0 when the system has no randomness to give.
fn spread() -> f64 {
    getrandom::u64().map_or(0.0, |n| (n as f64 / u64::MAX as f64) * 2.0 - 1.0)
}

/// Longest a whole batch may take: every attempt runs at once, each within
/// the timeout.
pub(crate) fn batch_deadline(settings: &Settings) -> Duration {
    settings.timeout + Duration::from_secs(5)
}

#[cfg(test)]
mod tests {
    use super::*;
    use oms_domain::{DeliveryId, WebhookId, WebhookSecret};

    fn due(url: &str) -> Due {
        Due {
            delivery: DeliveryId::new(1),
            endpoint: WebhookId::new(1),
            attempt: 1,
            url: url.to_owned(),
            secret: WebhookSecret::new(vec![1; 32]).unwrap(),
            event_id: "4f6c3c1e-0000-4000-8000-000000000001".to_owned(),
            event_type: "order.created".to_owned(),
            data: r#"{"order_id":7}"#.to_owned(),
            event_at: "2026-12-04T10:00:00.5Z".parse().unwrap(),
        }
    }

    #[test]
    fn the_body_carries_the_event_and_the_resource_as_it_was() {
        let body: serde_json::Value = serde_json::from_str(&body(&due("http://x"))).unwrap();
        assert_eq!(
            body,
            serde_json::json!({
                "id": "4f6c3c1e-0000-4000-8000-000000000001",
                "type": "order.created",
                "timestamp": "2026-12-04T10:00:00.500Z",
                "data": {"order_id": 7}
            })
        );
    }

    #[test]
    fn internal_targets_are_refused_before_anything_is_sent() {
        let settings = Settings::default();
        let attempt = attempt(
            &client(&settings),
            &settings,
            &due("http://127.0.0.1:9/hook"),
        );
        assert_eq!(attempt.response_status, None);
        assert!(
            attempt
                .error
                .as_deref()
                .unwrap_or_default()
                .contains("internal address"),
            "{:?}",
            attempt.error
        );
        let AttemptResult::Failed { retry_at, disable } = attempt.result else {
            panic!("delivered to a refused target");
        };
        assert!(!disable);
        let wait = retry_at.unwrap() - attempt.attempted_at;
        assert!(
            (4_500..=5_500).contains(&wait.num_milliseconds()),
            "retried after {wait}"
        );
    }

    #[test]
    fn the_last_failure_is_not_retried() {
        let schedule: RetrySchedule = "1s".parse().unwrap();
        let at = Utc::now();
        assert!(matches!(
            retry(&schedule, 2, at),
            AttemptResult::Failed { retry_at: None, .. }
        ));
    }
}
