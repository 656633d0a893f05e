//! Loopback stand-ins for the vendor APIs, serving the payload shapes the vendors document,
//! for the connector tests and `candor bench`. Each server counts requests, issues and checks
//! bearer tokens, and injects faults on request: 429 with `Retry-After`, 500s, slow answers,
//! tokens that expire after a number of requests, and an outage after a number of pages (a
//! sync interrupted half-way).

pub(crate) mod feed;
pub mod google;
pub mod google_data;
pub mod hubspot;
pub(crate) mod hubspot_data;
pub mod msgraph;
pub mod salesforce;
pub mod salesforce_data;
pub mod setup;

use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use serde_json::json;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

/// Faults keyed by API request number (1-based; token requests are not numbered).
#[derive(Debug, Clone, Default)]
pub struct Faults {
    /// Answered 429 with `Retry-After: retry_after_secs`.
    pub throttle_on: HashSet<u64>,
    pub retry_after_secs: u64,
    /// Answered 500.
    pub error_on: HashSet<u64>,
    /// Answered only after `slow_for` (longer than the client's timeout, in tests).
    pub slow_on: HashSet<u64>,
    pub slow_for: Duration,
    /// Each token is refused (401) after this many requests.
    pub token_lifetime: Option<u64>,
    /// After this many pages, every API request is answered 503 until [`MockCore::heal`].
    pub outage_after_pages: Option<u64>,
}

#[derive(Debug, Clone)]
struct IssuedToken {
    uses: u64,
    subject: Option<String>,
}

/// What every mock shares: counters, tokens and faults.
#[derive(Debug, Default)]
pub struct MockCore {
    requests: AtomicU64,
    pages: AtomicU64,
    grants: AtomicU64,
    refused: AtomicU64,
    down: AtomicBool,
    faults: Mutex<Faults>,
    tokens: Mutex<HashMap<String, IssuedToken>>,
    /// A token accepted without being issued (a HubSpot private-app token).
    pub static_token: Mutex<Option<String>>,
}

/// A lock that survives a panicked holder: a mock never stops serving over it.
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A JSON error answer.
pub fn error(status: StatusCode, body: serde_json::Value) -> Response {
    (status, Json(body)).into_response()
}

impl MockCore {
    pub fn set_faults(&self, faults: Faults) {
        *lock(&self.faults) = faults;
    }

    /// API requests answered so far (faults included).
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::SeqCst)
    }

    /// Pages of records served.
    pub fn pages(&self) -> u64 {
        self.pages.load(Ordering::SeqCst)
    }

    /// Tokens issued.
    pub fn grants(&self) -> u64 {
        self.grants.load(Ordering::SeqCst)
    }

    /// Requests refused for an expired or unknown token.
    pub fn refused(&self) -> u64 {
        self.refused.load(Ordering::SeqCst)
    }

    /// Ends an outage.
    pub fn heal(&self) {
        lock(&self.faults).outage_after_pages = None;
        self.down.store(false, Ordering::SeqCst);
    }

    /// Starts an outage once `more` further pages have been served.
    pub fn outage_after_more_pages(&self, more: u64) {
        lock(&self.faults).outage_after_pages = Some(self.pages() + more);
    }

    pub fn issue_token(&self, subject: Option<String>) -> String {
        let number = self.grants.fetch_add(1, Ordering::SeqCst) + 1;
        let token = format!("mock-token-{number}-{}", subject.as_deref().unwrap_or("app"));
        lock(&self.tokens).insert(token.clone(), IssuedToken { uses: 0, subject });
        token
    }

    /// Counts a served page; starts the outage when its page count is reached.
    pub fn page_served(&self) {
        let pages = self.pages.fetch_add(1, Ordering::SeqCst) + 1;
        if lock(&self.faults).outage_after_pages.is_some_and(|limit| pages >= limit) {
            self.down.store(true, Ordering::SeqCst);
        }
    }

    /// Numbers the request, applies the faults due, and checks the bearer token. `Ok` carries
    /// the token's subject (the impersonated user), if it has one.
    pub async fn gate(&self, headers: &HeaderMap, unauthorized: serde_json::Value) -> Result<Option<String>, Response> {
        let number = self.requests.fetch_add(1, Ordering::SeqCst) + 1;
        let faults = lock(&self.faults).clone();
        if self.down.load(Ordering::SeqCst) {
            return Err(error(StatusCode::SERVICE_UNAVAILABLE, json!({"error": "service unavailable"})));
        }
        if faults.error_on.contains(&number) {
            return Err(error(StatusCode::INTERNAL_SERVER_ERROR, json!({"error": "internal error"})));
        }
        if faults.throttle_on.contains(&number) {
            let mut response = error(StatusCode::TOO_MANY_REQUESTS, json!({"error": "rate limit exceeded"}));
            if let Ok(value) = faults.retry_after_secs.to_string().parse() {
                response.headers_mut().insert("retry-after", value);
            }
            return Err(response);
        }
        if faults.slow_on.contains(&number) {
            tokio::time::sleep(faults.slow_for).await;
        }
        let presented = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("")
            .to_owned();
        if lock(&self.static_token).as_deref() == Some(presented.as_str()) && !presented.is_empty() {
            return Ok(None);
        }
        let mut tokens = lock(&self.tokens);
        match tokens.get_mut(&presented) {
            Some(token) if faults.token_lifetime.is_none_or(|limit| token.uses < limit) => {
                token.uses += 1;
                Ok(token.subject.clone())
            }
            _ => {
                self.refused.fetch_add(1, Ordering::SeqCst);
                Err(error(StatusCode::UNAUTHORIZED, unauthorized))
            }
        }
    }
}

/// A mock listening on 127.0.0.1; stops when dropped.
pub struct Running {
    pub base_url: String,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Serves `router` on a free loopback port.
pub async fn serve(router: Router) -> std::io::Result<Running> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
    let address = listener.local_addr()?;
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    Ok(Running { base_url: format!("http://{address}"), task })
}

/// Deterministic pick from a list, for generated data.
pub fn pick<'a>(items: &[&'a str], index: usize) -> &'a str {
    items[index % items.len().max(1)]
}
