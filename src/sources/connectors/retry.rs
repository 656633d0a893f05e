//! When and how long to wait: jittered exponential backoff, `Retry-After` parsing, and a
//! token-bucket rate limiter per source that a 429 can pause for every request at once.

use crate::config::{RateLimit, SyncPolicy};
use chrono::{DateTime, Utc};
use rand::Rng;
use std::time::Duration;
use tokio::sync::Mutex;
use tokio::time::Instant;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    pub max_attempts: u32,
    pub base: Duration,
    pub max: Duration,
    pub max_retry_after: Duration,
}

impl RetryPolicy {
    pub fn from_config(policy: &SyncPolicy) -> Self {
        Self {
            max_attempts: policy.max_attempts.max(1),
            base: Duration::from_millis(policy.backoff_base_ms),
            max: Duration::from_millis(policy.backoff_max_ms.max(policy.backoff_base_ms)),
            max_retry_after: Duration::from_secs(policy.max_retry_after_secs),
        }
    }

    /// The wait before retry number `attempt` (1 = first retry): the exponential delay capped
    /// at `max`, then a random point in its upper half, so clients that failed together do not
    /// come back together and no wait is ever near zero.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let exponent = attempt.saturating_sub(1).min(20);
        let ceiling = self.base.saturating_mul(1u32 << exponent).min(self.max);
        let unit: f64 = rand::thread_rng().gen_range(0.5..=1.0);
        ceiling.mul_f64(unit)
    }
}

/// A `Retry-After` value: delay-seconds or an HTTP date, measured from `now`.
pub(crate) fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    if let Ok(seconds) = value.parse::<f64>() {
        return (seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds));
    }
    let at = DateTime::parse_from_rfc2822(value).ok()?.with_timezone(&Utc);
    Some((at - now).to_std().unwrap_or(Duration::ZERO))
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    refilled: Instant,
    paused_until: Option<Instant>,
}

/// Requests per second with a burst allowance, shared by every request to one source.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    rate: f64,
    burst: f64,
    bucket: Mutex<Bucket>,
}

impl RateLimiter {
    pub(crate) fn new(limit: &RateLimit) -> Self {
        let burst = f64::from(limit.burst.max(1));
        Self {
            rate: limit.requests_per_second.max(0.001),
            burst,
            bucket: Mutex::new(Bucket { tokens: burst, refilled: Instant::now(), paused_until: None }),
        }
    }

    /// Waits until one more request is allowed.
    pub(crate) async fn acquire(&self) {
        loop {
            let wait = {
                let mut bucket = self.bucket.lock().await;
                let now = Instant::now();
                match bucket.paused_until {
                    Some(until) if until > now => until - now,
                    _ => {
                        bucket.paused_until = None;
                        let elapsed = now.saturating_duration_since(bucket.refilled).as_secs_f64();
                        bucket.tokens = (bucket.tokens + elapsed * self.rate).min(self.burst);
                        bucket.refilled = now;
                        if bucket.tokens >= 1.0 {
                            bucket.tokens -= 1.0;
                            return;
                        }
                        Duration::from_secs_f64((1.0 - bucket.tokens) / self.rate)
                    }
                }
            };
            tokio::time::sleep(wait).await;
        }
    }

    /// Holds every request back for `delay` (the source said it is over its limit) and
    /// empties the burst, so the first requests after the pause do not trip it again.
    pub(crate) async fn pause(&self, delay: Duration) {
        let mut bucket = self.bucket.lock().await;
        let until = Instant::now() + delay;
        if bucket.paused_until.is_none_or(|current| current < until) {
            bucket.paused_until = Some(until);
        }
        bucket.tokens = 0.0;
        bucket.refilled = until;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_is_capped_and_jittered() {
        let policy = RetryPolicy {
            max_attempts: 5,
            base: Duration::from_millis(100),
            max: Duration::from_millis(1_000),
            max_retry_after: Duration::from_secs(60),
        };
        for _ in 0..50 {
            let first = policy.backoff(1);
            assert!(first >= Duration::from_millis(50) && first <= Duration::from_millis(100), "{first:?}");
            let third = policy.backoff(3);
            assert!(third >= Duration::from_millis(200) && third <= Duration::from_millis(400), "{third:?}");
            assert!(policy.backoff(30) <= Duration::from_millis(1_000));
        }
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let now = DateTime::parse_from_rfc3339("2015-10-21T07:27:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now), Some(Duration::from_secs(60)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:20:00 GMT", now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[tokio::test]
    async fn limiter_spaces_requests_after_the_burst() {
        let limiter = RateLimiter::new(&RateLimit { requests_per_second: 50.0, burst: 2, concurrency: 1 });
        let start = Instant::now();
        for _ in 0..4 {
            limiter.acquire().await;
        }
        // Two from the burst, then one every 20 ms.
        let elapsed = start.elapsed();
        assert!(elapsed >= Duration::from_millis(38), "{elapsed:?}");
        limiter.pause(Duration::from_millis(150)).await;
        let paused = Instant::now();
        limiter.acquire().await;
        assert!(paused.elapsed() >= Duration::from_millis(150));
    }
}
