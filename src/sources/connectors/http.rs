//! The HTTP client every connector calls through. It authenticates each request, keeps to the
//! source's rate limit and concurrency cap, retries what is worth retrying — 429 after the
//! `Retry-After` the vendor asks for (pausing every request to that source), 5xx, 408,
//! timeouts and dropped connections with jittered exponential backoff — renews the token once
//! when a request is refused with 401, and counts every call for the figures. Errors name the
//! method, the URL without its query string, the status and a short excerpt of the body.

use super::auth::{AccessToken, Credentials};
use super::retry::{parse_retry_after, RateLimiter, RetryPolicy};
use super::ConnectorError;
use crate::config::{RateLimit, SyncPolicy};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

/// Longest body excerpt carried in an error.
const DETAIL_CHARS: usize = 300;

/// Call counters, shared by every client cloned from one source's client.
#[derive(Debug, Default)]
pub(crate) struct CallStats {
    calls: AtomicU64,
    retries: AtomicU64,
    throttled: AtomicU64,
    token_requests: AtomicU64,
    reauthenticated: AtomicU64,
}

/// A reading of [`CallStats`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct CallCounts {
    /// API requests sent, retries included, token requests not.
    pub calls: u64,
    pub retries: u64,
    /// Responses that were 429.
    pub throttled: u64,
    pub token_requests: u64,
    /// Requests refused with 401 and replayed with a renewed token.
    pub reauthenticated: u64,
}

impl CallStats {
    pub(crate) fn snapshot(&self) -> CallCounts {
        CallCounts {
            calls: self.calls.load(Ordering::Relaxed),
            retries: self.retries.load(Ordering::Relaxed),
            throttled: self.throttled.load(Ordering::Relaxed),
            token_requests: self.token_requests.load(Ordering::Relaxed),
            reauthenticated: self.reauthenticated.load(Ordering::Relaxed),
        }
    }
}

#[derive(Debug)]
struct Shared {
    http: reqwest::Client,
    limiter: RateLimiter,
    slots: Semaphore,
    retry: RetryPolicy,
    stats: CallStats,
}

/// A request, rebuilt for every attempt.
#[derive(Debug, Clone)]
pub struct ApiRequest {
    pub method: Method,
    pub url: String,
    pub query: Vec<(String, String)>,
    pub headers: Vec<(&'static str, String)>,
    pub json: Option<serde_json::Value>,
}

impl ApiRequest {
    pub fn get(url: impl Into<String>) -> Self {
        Self { method: Method::GET, url: url.into(), query: Vec::new(), headers: Vec::new(), json: None }
    }

    pub fn post(url: impl Into<String>, body: serde_json::Value) -> Self {
        Self { method: Method::POST, url: url.into(), query: Vec::new(), headers: Vec::new(), json: Some(body) }
    }

    pub fn query(mut self, key: &str, value: impl Into<String>) -> Self {
        self.query.push((key.to_owned(), value.into()));
        self
    }

    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }
}

/// The URL as it may appear in errors and logs: no query string, which can carry tokens.
pub(crate) fn redact_url(url: &str) -> String {
    url.split(['?', '#']).next().unwrap_or(url).to_owned()
}

fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    collapsed.chars().take(DETAIL_CHARS).collect()
}

#[derive(Debug, Clone)]
pub struct ApiClient {
    shared: Arc<Shared>,
    credentials: Credentials,
}

impl ApiClient {
    pub fn new(policy: &SyncPolicy, limits: &RateLimit, credentials: Credentials) -> Result<Self, ConnectorError> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(policy.timeout_secs))
            .connect_timeout(Duration::from_secs(policy.timeout_secs.min(30)))
            .user_agent(concat!("candor/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ConnectorError::Client(e.to_string()))?;
        Ok(Self {
            shared: Arc::new(Shared {
                http,
                limiter: RateLimiter::new(limits),
                slots: Semaphore::new(usize::try_from(limits.concurrency.max(1)).unwrap_or(1)),
                retry: RetryPolicy::from_config(policy),
                stats: CallStats::default(),
            }),
            credentials,
        })
    }

    /// The same limits, counters and connection pool with other credentials (another
    /// impersonated user).
    pub fn with_credentials(&self, credentials: Credentials) -> Self {
        Self { shared: Arc::clone(&self.shared), credentials }
    }

    pub fn counts(&self) -> CallCounts {
        self.shared.stats.snapshot()
    }

    /// The current access token, obtaining one if needed (Salesforce needs it for the
    /// instance URL before the first API call).
    pub async fn access_token(&self) -> Result<Option<AccessToken>, ConnectorError> {
        match &self.credentials {
            Credentials::OAuth(session) => {
                let before = session.tokens_issued();
                let token = session.token(&self.shared.http, &self.shared.retry).await;
                let fetched = session.tokens_issued().saturating_sub(before);
                self.shared.stats.token_requests.fetch_add(fetched, Ordering::Relaxed);
                token.map(Some)
            }
            _ => Ok(None),
        }
    }

    pub async fn get_json<T: DeserializeOwned>(&self, request: ApiRequest) -> Result<T, ConnectorError> {
        let url = redact_url(&request.url);
        let body = self.execute(&request).await?;
        serde_json::from_slice(&body).map_err(|e| ConnectorError::Payload { url, detail: e.to_string() })
    }

    /// Sends `request` until it succeeds or fails for good; returns the body of a 2xx answer.
    pub async fn execute(&self, request: &ApiRequest) -> Result<Vec<u8>, ConnectorError> {
        let shared = &self.shared;
        let retry = &shared.retry;
        let method = request.method.to_string();
        let shown_url = redact_url(&request.url);
        let mut attempt: u32 = 0;
        let mut reauthenticated = false;
        loop {
            attempt += 1;
            let token = self.access_token().await?;
            let outcome = {
                let _slot = shared.slots.acquire().await.map_err(|e| ConnectorError::Client(e.to_string()))?;
                shared.limiter.acquire().await;
                shared.stats.calls.fetch_add(1, Ordering::Relaxed);
                self.build(request, token.as_ref()).send().await
            };
            let failure = match outcome {
                Err(error) => {
                    let detail = error.without_url().to_string();
                    ConnectorError::Transport { method: method.clone(), url: shown_url.clone(), detail }
                }
                Ok(response) => {
                    let status = response.status().as_u16();
                    let retry_after = response
                        .headers()
                        .get(reqwest::header::RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| parse_retry_after(v, chrono::Utc::now()));
                    let body = match response.bytes().await {
                        Ok(body) => body,
                        Err(error) => {
                            let detail = format!("reading the body: {}", error.without_url());
                            let failure =
                                ConnectorError::Transport { method: method.clone(), url: shown_url.clone(), detail };
                            self.wait_or_fail(attempt, failure, None).await?;
                            continue;
                        }
                    };
                    if (200..300).contains(&status) {
                        return Ok(body.to_vec());
                    }
                    let failure = ConnectorError::Status {
                        method: method.clone(),
                        url: shown_url.clone(),
                        status,
                        detail: excerpt(&body),
                    };
                    match (status, &self.credentials, token) {
                        (401, Credentials::OAuth(session), Some(token)) if !reauthenticated => {
                            // An expired or revoked token: renew once and replay; this attempt
                            // does not count against the retry budget.
                            reauthenticated = true;
                            attempt -= 1;
                            shared.stats.reauthenticated.fetch_add(1, Ordering::Relaxed);
                            session.invalidate(&token.value).await;
                            continue;
                        }
                        (429, _, _) => {
                            shared.stats.throttled.fetch_add(1, Ordering::Relaxed);
                            if let Some(delay) = retry_after {
                                if delay > retry.max_retry_after {
                                    return Err(failure);
                                }
                                shared.limiter.pause(delay).await;
                            }
                            self.wait_or_fail(attempt, failure, retry_after).await?;
                            continue;
                        }
                        (408 | 500 | 502 | 503 | 504, _, _) => failure,
                        _ => return Err(failure),
                    }
                }
            };
            self.wait_or_fail(attempt, failure, None).await?;
        }
    }

    /// Sleeps before the next attempt, or gives up with `failure` when attempts are spent.
    /// After a `Retry-After` pause the limiter already waited, so only a short backoff follows.
    async fn wait_or_fail(
        &self,
        attempt: u32,
        failure: ConnectorError,
        paused: Option<Duration>,
    ) -> Result<(), ConnectorError> {
        let retry = &self.shared.retry;
        if attempt >= retry.max_attempts {
            return Err(failure);
        }
        self.shared.stats.retries.fetch_add(1, Ordering::Relaxed);
        tracing::debug!(%failure, attempt, "retrying");
        if paused.is_none() {
            tokio::time::sleep(retry.backoff(attempt)).await;
        }
        Ok(())
    }

    fn build(&self, request: &ApiRequest, token: Option<&AccessToken>) -> reqwest::RequestBuilder {
        let mut builder = self.shared.http.request(request.method.clone(), &request.url);
        if !request.query.is_empty() {
            builder = builder.query(&request.query);
        }
        for (name, value) in &request.headers {
            builder = builder.header(*name, value);
        }
        builder = match (&self.credentials, token) {
            (_, Some(token)) => builder.bearer_auth(token.value.expose()),
            (Credentials::Static(secret), None) => builder.bearer_auth(secret.expose()),
            _ => builder,
        };
        if let Some(body) = &request.json {
            builder = builder.json(body);
        }
        builder
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_lose_their_query_in_errors() {
        assert_eq!(redact_url("https://x.example/a/b?access_token=s3cret#f"), "https://x.example/a/b");
        assert_eq!(excerpt(b"  a\n\n b  "), "a b");
    }
}
