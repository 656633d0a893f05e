//! A fixed-window limit on authentication attempts, per key (client address, account): enough
//! to make guessing passwords or tokens slow without a shared store. Each `candor serve`
//! process keeps its own windows.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(60);

pub struct AttemptLimiter {
    per_window: u32,
    windows: Mutex<HashMap<String, (Instant, u32)>>,
}

impl AttemptLimiter {
    pub fn new(per_minute: u32) -> AttemptLimiter {
        AttemptLimiter { per_window: per_minute.max(1), windows: Mutex::new(HashMap::new()) }
    }

    /// Counts one attempt under each key; false when any key is over its limit this minute.
    pub fn attempt(&self, keys: &[&str], now: Instant) -> bool {
        let Ok(mut windows) = self.windows.lock() else { return false };
        if windows.len() > 100_000 {
            // Bounded memory under a flood of distinct keys: forget finished windows.
            windows.retain(|_, (started, _)| now.duration_since(*started) < WINDOW);
        }
        let mut allowed = true;
        for key in keys {
            let entry = windows.entry((*key).to_owned()).or_insert((now, 0));
            if now.duration_since(entry.0) >= WINDOW {
                *entry = (now, 0);
            }
            entry.1 = entry.1.saturating_add(1);
            allowed &= entry.1 <= self.per_window;
        }
        allowed
    }

    /// Whether `key` is already over its limit, without counting an attempt.
    pub fn blocked(&self, key: &str, now: Instant) -> bool {
        let Ok(windows) = self.windows.lock() else { return true };
        windows
            .get(key)
            .is_some_and(|(started, count)| now.duration_since(*started) < WINDOW && *count >= self.per_window)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_per_key_and_window() {
        let limiter = AttemptLimiter::new(2);
        let start = Instant::now();
        assert!(limiter.attempt(&["ip:a", "user:x"], start));
        assert!(limiter.attempt(&["ip:a", "user:x"], start));
        assert!(!limiter.attempt(&["ip:a", "user:x"], start));
        assert!(limiter.blocked("ip:a", start));
        assert!(limiter.attempt(&["ip:b"], start), "other keys are not affected");
        assert!(!limiter.attempt(&["ip:b", "user:x"], start), "the account's window is shared");
        assert!(limiter.attempt(&["ip:a", "user:x"], start + WINDOW), "a new window starts afresh");
    }
}
