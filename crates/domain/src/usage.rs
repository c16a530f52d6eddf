//! A key's requests over the last minute, counted second by second: the rule
//! behind per-key rate limits.
//!
//! A key with a quota of `q` requests per minute may spend all of it at once
//! (its burst is a whole minute's quota); each request is given back once it
//! is a minute old, so in no 60 seconds does a key make more than `q`
//! requests. Servers take requests from the window a few at a time and may use
//! them up to [`AHEAD_SECONDS`] later, so a request is counted for
//! [`WINDOW_SECONDS`]: the minute plus that second and the second it was
//! taken in.

/// How long after being taken a request may still be used.
pub const AHEAD_SECONDS: i64 = 1;
/// Seconds a taken request stays counted.
pub const WINDOW_SECONDS: i64 = 60 + AHEAD_SECONDS + 1;
const SLOTS: usize = WINDOW_SECONDS as usize;

/// Requests taken in each of the last [`WINDOW_SECONDS`] seconds.
///
/// ```
/// use oms_domain::UsageWindow;
///
/// let mut window = UsageWindow::default();
/// let first = window.take(1_000, 100, 120);
/// assert_eq!((first.granted, first.remaining), (100, 20));
/// let second = window.take(1_030, 50, 120);
/// assert_eq!((second.granted, second.remaining, second.retry_after), (20, 0, 32));
/// // The first 100 come back once they have been counted for the whole window.
/// assert_eq!(window.take(1_062, 100, 120).granted, 100);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageWindow {
    /// The second (Unix time) the last slot counts.
    newest: i64,
    /// `counts[i]` is the requests taken in second `newest - (SLOTS - 1) + i`.
    counts: [u32; SLOTS],
}

impl Default for UsageWindow {
    fn default() -> Self {
        Self {
            newest: 0,
            counts: [0; SLOTS],
        }
    }
}

/// The answer to a request for requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grant {
    /// How many of the requests asked for may be made (possibly none).
    pub granted: u32,
    /// How many more could be taken now.
    pub remaining: u32,
    /// Seconds until at least one more can be taken; 0 while `remaining > 0`.
    pub retry_after: u32,
}

impl UsageWindow {
    /// A window as stored: the second its last slot counts and the slots,
    /// oldest first (missing slots count 0, extra ones are ignored).
    pub fn from_parts(newest: i64, counts: &[i32]) -> Self {
        let mut window = Self {
            newest,
            counts: [0; SLOTS],
        };
        let skip = SLOTS.saturating_sub(counts.len());
        for (slot, &count) in window.counts[skip..].iter_mut().zip(counts) {
            *slot = u32::try_from(count).unwrap_or(0);
        }
        window
    }

    /// The second the last slot counts.
    pub fn newest(&self) -> i64 {
        self.newest
    }

    /// The slots, oldest first, as stored.
    pub fn counts(&self) -> Vec<i32> {
        self.counts
            .iter()
            .map(|&count| i32::try_from(count).unwrap_or(i32::MAX))
            .collect()
    }

    /// Takes up to `wanted` requests at second `now` for a key allowed `quota`
    /// per minute. A `now` before the newest slot (another server's clock)
    /// counts in the newest slot.
    pub fn take(&mut self, now: i64, wanted: u32, quota: u32) -> Grant {
        self.advance(now);
        let used: u32 = self.counts.iter().fold(0, |sum, &n| sum.saturating_add(n));
        let granted = wanted.min(quota.saturating_sub(used));
        self.counts[SLOTS - 1] = self.counts[SLOTS - 1].saturating_add(granted);
        let used = used.saturating_add(granted);
        let remaining = quota.saturating_sub(used);
        Grant {
            granted,
            remaining,
            retry_after: if remaining > 0 {
                0
            } else {
                self.seconds_until_free(used - quota + 1)
            },
        }
    }

    fn advance(&mut self, now: i64) {
        if now <= self.newest {
            return;
        }
        let shift = usize::try_from(now - self.newest).map_or(SLOTS, |shift| shift.min(SLOTS));
        self.counts.rotate_left(shift);
        self.counts[SLOTS - shift..].fill(0);
        self.newest = now;
    }

    /// Seconds until the oldest slots holding `needed` requests have left the
    /// window.
    fn seconds_until_free(&self, needed: u32) -> u32 {
        let mut freed = 0_u32;
        for (index, &count) in self.counts.iter().enumerate() {
            freed = freed.saturating_add(count);
            if freed >= needed {
                return index as u32 + 1;
            }
        }
        WINDOW_SECONDS as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_whole_quota_at_once_then_nothing_until_it_ages_out() {
        let mut window = UsageWindow::default();
        assert_eq!(window.take(10, 120, 120).granted, 120);
        for second in 10..10 + WINDOW_SECONDS {
            let grant = window.take(second, 1, 120);
            assert_eq!(grant.granted, 0, "second {second}");
            assert_eq!(grant.retry_after as i64, 10 + WINDOW_SECONDS - second);
        }
        assert_eq!(window.take(10 + WINDOW_SECONDS, 200, 120).granted, 120);
    }

    #[test]
    fn clocks_behind_the_newest_slot_count_in_it() {
        let mut window = UsageWindow::default();
        window.take(100, 5, 10);
        assert_eq!(window.take(90, 10, 10).granted, 5);
        assert_eq!(window.newest(), 100);
    }

    #[test]
    fn round_trips_through_its_stored_form() {
        let mut window = UsageWindow::default();
        window.take(500, 3, 100);
        window.take(530, 4, 100);
        let stored = UsageWindow::from_parts(window.newest(), &window.counts());
        assert_eq!(stored, window);
        let short = UsageWindow::from_parts(530, &[4]);
        assert_eq!(short.counts()[SLOTS - 1], 4);
        assert_eq!(UsageWindow::from_parts(1, &[-3]).counts()[SLOTS - 1], 0);
    }

    /// Several servers taking batches that they use up to a second later never
    /// let more than the quota through in any 60 seconds.
    #[test]
    fn batches_used_up_to_a_second_late_stay_within_the_quota() {
        let quota = 120;
        let mut window = UsageWindow::default();
        let mut seed = 0x9e37_79b9_u64;
        let mut random = move |below: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % below
        };
        // Times (in milliseconds) at which a request was let through.
        let mut used = Vec::new();
        let mut millis = 1_000_000_u64;
        while millis < 1_000_000 + 600_000 {
            millis += random(400);
            let grant = window.take((millis / 1000) as i64, 1 + random(12) as u32, quota);
            for _ in 0..grant.granted {
                // Used any time before the batch expires.
                used.push(millis + random(1000));
            }
        }
        used.sort_unstable();
        let most_in_a_minute = used
            .iter()
            .enumerate()
            .map(|(start, &at)| used[start..].partition_point(|&t| t < at + 60_000))
            .max()
            .unwrap();
        assert!(most_in_a_minute <= quota as usize, "{most_in_a_minute}");
        assert!(
            most_in_a_minute >= quota as usize * 9 / 10,
            "{most_in_a_minute}"
        );
    }
}
