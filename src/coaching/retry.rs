//! When a failed model call is tried again: exponential backoff with jitter on 429, 5xx,
//! timeouts and dropped connections, honouring the server's Retry-After; never on other 4xx
//! or context-length errors, which would only fail the same way again.

use super::provider::{ModelReply, ModelRequest, Provider, ProviderError};
use crate::config::LlmConfig;
use rand::Rng;
use serde::Serialize;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    pub max_retries: u32,
    pub initial: Duration,
    pub max: Duration,
    /// A longer Retry-After than this is not waited for: the draft falls back instead.
    pub retry_after_cap: Duration,
}

impl RetryPolicy {
    pub fn from_config(config: &LlmConfig) -> Self {
        Self {
            max_retries: config.max_retries,
            initial: Duration::from_millis(config.backoff_initial_ms),
            max: Duration::from_millis(config.backoff_max_ms),
            retry_after_cap: Duration::from_secs(config.retry_after_cap_secs),
        }
    }

    /// The wait before retry number `retry` (1-based) after `error`, or `None` to give up.
    /// `unit` is a uniform draw in [0, 1) for the jitter.
    pub fn delay(&self, retry: u32, error: &ProviderError, unit: f64) -> Option<Duration> {
        if !error.is_retryable() || retry > self.max_retries {
            return None;
        }
        if let Some(wait) = error.retry_after() {
            return (wait <= self.retry_after_cap).then_some(wait);
        }
        let exponent = retry.saturating_sub(1).min(20);
        let base = self.initial.saturating_mul(1u32 << exponent).min(self.max);
        // "Equal jitter": at least half the backoff, so retries never bunch at zero.
        Some(base.mul_f64(0.5 + 0.5 * unit.clamp(0.0, 1.0)))
    }
}

/// One attempt at a model call, for the transcript.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Attempt {
    pub error: Option<String>,
    pub waited_ms: u64,
    pub elapsed_ms: u64,
}

/// Calls the provider, retrying as the policy allows. Returns the final result and every attempt.
pub(crate) async fn call_with_retry(
    provider: &dyn Provider,
    request: ModelRequest<'_>,
    policy: &RetryPolicy,
) -> (Result<ModelReply, ProviderError>, Vec<Attempt>) {
    let mut attempts = Vec::new();
    let mut waited = Duration::ZERO;
    let mut retry = 0;
    loop {
        let started = Instant::now();
        let result = provider.complete(request).await;
        let elapsed_ms = started.elapsed().as_millis() as u64;
        match result {
            Ok(reply) => {
                attempts.push(Attempt { error: None, waited_ms: waited.as_millis() as u64, elapsed_ms });
                return (Ok(reply), attempts);
            }
            Err(error) => {
                attempts.push(Attempt {
                    error: Some(error.to_string()),
                    waited_ms: waited.as_millis() as u64,
                    elapsed_ms,
                });
                retry += 1;
                let unit: f64 = rand::thread_rng().gen();
                match policy.delay(retry, &error, unit) {
                    Some(wait) => {
                        tracing::warn!(%error, wait_ms = wait.as_millis() as u64, "model call failed; retrying");
                        tokio::time::sleep(wait).await;
                        waited = wait;
                    }
                    None => return (Err(error), attempts),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            max_retries: 3,
            initial: Duration::from_millis(100),
            max: Duration::from_millis(300),
            retry_after_cap: Duration::from_secs(10),
        }
    }

    #[test]
    fn backoff_grows_with_jitter_and_caps() {
        let server = ProviderError::Server { status: 503, message: String::new() };
        let p = policy();
        assert_eq!(p.delay(1, &server, 0.0), Some(Duration::from_millis(50)));
        assert_eq!(p.delay(1, &server, 1.0), Some(Duration::from_millis(100)));
        assert_eq!(p.delay(2, &server, 1.0), Some(Duration::from_millis(200)));
        assert_eq!(p.delay(3, &server, 1.0), Some(Duration::from_millis(300)));
        assert_eq!(p.delay(4, &server, 1.0), None);
    }

    #[test]
    fn retry_after_is_honoured_and_capped_and_4xx_is_final() {
        let p = policy();
        let limited = ProviderError::RateLimited { retry_after: Some(Duration::from_secs(2)), message: String::new() };
        assert_eq!(p.delay(1, &limited, 0.3), Some(Duration::from_secs(2)));
        let too_long =
            ProviderError::RateLimited { retry_after: Some(Duration::from_secs(60)), message: String::new() };
        assert_eq!(p.delay(1, &too_long, 0.3), None);
        assert_eq!(p.delay(1, &ProviderError::Client { status: 400, message: String::new() }, 0.3), None);
        assert_eq!(p.delay(1, &ProviderError::ContextLength(String::new()), 0.3), None);
        assert!(p.delay(1, &ProviderError::Timeout, 0.3).is_some());
    }
}
