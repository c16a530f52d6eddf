//! When a failed delivery is tried again.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use crate::InputError;

/// The waits before each retry of a delivery: after the first failed attempt
/// the first wait, and so on; when they run out the delivery has failed.
/// Written as a comma-separated list of whole numbers with a unit, `s`, `m`,
/// `h` or `d` (`5s,5m,30m`); the default is the Standard Webhooks schedule.
///
/// ```
/// use std::time::Duration;
/// use oms_domain::RetrySchedule;
///
/// let schedule: RetrySchedule = "1s, 2m".parse().unwrap();
/// assert_eq!(schedule.wait_after(1), Some(Duration::from_secs(1)));
/// assert_eq!(schedule.wait_after(2), Some(Duration::from_secs(120)));
/// assert_eq!(schedule.wait_after(3), None);
/// assert_eq!(RetrySchedule::default().to_string(), "5s,5m,30m,2h,5h,10h,14h,20h,24h");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetrySchedule(Vec<Duration>);

impl Default for RetrySchedule {
    fn default() -> Self {
        let minutes = |m: u64| Duration::from_secs(m * 60);
        let hours = |h: u64| minutes(h * 60);
        Self(vec![
            Duration::from_secs(5),
            minutes(5),
            minutes(30),
            hours(2),
            hours(5),
            hours(10),
            hours(14),
            hours(20),
            hours(24),
        ])
    }
}

impl RetrySchedule {
    /// The wait before the attempt after attempt `attempt` (from 1) failed;
    /// `None` when that was the last one.
    pub fn wait_after(&self, attempt: u32) -> Option<Duration> {
        let index = usize::try_from(attempt).ok()?.checked_sub(1)?;
        self.0.get(index).copied()
    }

    /// How many attempts a delivery gets: the first and one per wait.
    pub fn attempts(&self) -> usize {
        self.0.len() + 1
    }

    /// `wait` made up to 10 % shorter or longer, by `spread` in [-1, 1] (a
    /// random draw, so that deliveries that failed together do not all retry
    /// in the same instant).
    pub fn jittered(wait: Duration, spread: f64) -> Duration {
        let factor = 1.0 + 0.1 * spread.clamp(-1.0, 1.0);
        wait.mul_f64(factor)
    }
}

impl FromStr for RetrySchedule {
    type Err = InputError;

    fn from_str(text: &str) -> Result<Self, InputError> {
        let waits = text
            .split(',')
            .map(str::trim)
            .filter(|part| !part.is_empty())
            .map(wait)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self(waits))
    }
}

fn wait(part: &str) -> Result<Duration, InputError> {
    let bad = || {
        InputError::rule(format!(
            "has '{part}', which is not a wait such as 5s, 5m, 2h or 1d"
        ))
    };
    let unit_at = part.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
    let (number, unit) = part.split_at(unit_at);
    let number: u64 = number.parse().map_err(|_| bad())?;
    let seconds = match unit {
        "s" => Some(number),
        "m" => number.checked_mul(60),
        "h" => number.checked_mul(3_600),
        "d" => number.checked_mul(86_400),
        _ => None,
    }
    .filter(|seconds| *seconds <= 366 * 86_400)
    .ok_or_else(bad)?;
    Ok(Duration::from_secs(seconds))
}

impl fmt::Display for RetrySchedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|wait| {
                let seconds = wait.as_secs();
                match seconds {
                    s if s % 3_600 == 0 && s > 0 => format!("{}h", s / 3_600),
                    s if s % 60 == 0 && s > 0 => format!("{}m", s / 60),
                    s => format!("{s}s"),
                }
            })
            .collect();
        f.write_str(&parts.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_gives_ten_attempts() {
        let schedule = RetrySchedule::default();
        assert_eq!(schedule.attempts(), 10);
        assert_eq!(schedule.wait_after(9), Some(Duration::from_secs(86_400)));
        assert_eq!(schedule.wait_after(10), None);
        assert_eq!(schedule.wait_after(0), None);
    }

    #[test]
    fn an_empty_schedule_never_retries() {
        let schedule: RetrySchedule = "".parse().unwrap();
        assert_eq!(schedule.wait_after(1), None);
        assert_eq!(schedule.attempts(), 1);
    }

    #[test]
    fn refuses_waits_without_a_known_unit_or_too_long() {
        for text in [
            "5",
            "5x",
            "m",
            "-5s",
            "1.5s",
            "367d",
            "99999999999999999999s",
        ] {
            let error = text.parse::<RetrySchedule>().unwrap_err();
            assert!(
                error.message.contains("is not a wait"),
                "{text}: {}",
                error.message
            );
        }
        assert_eq!(
            "1d".parse::<RetrySchedule>().unwrap().wait_after(1),
            Some(Duration::from_secs(86_400))
        );
    }

    #[test]
    fn jitter_stays_within_ten_percent() {
        let wait = Duration::from_secs(100);
        assert_eq!(RetrySchedule::jittered(wait, 1.0), Duration::from_secs(110));
        assert_eq!(RetrySchedule::jittered(wait, -1.0), Duration::from_secs(90));
        assert_eq!(RetrySchedule::jittered(wait, 7.0), Duration::from_secs(110));
        assert_eq!(RetrySchedule::jittered(wait, 0.0), wait);
    }
}
