//! What wraps every request: a request id (taken from `X-Request-Id` when sane, else made) in
//! the log span and the response; security headers (CSP, frame-ancestors, nosniff, referrer,
//! no caching of signed-in pages); and the request counters and latency histogram `/metrics`
//! reports.

use super::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Instant;
use tracing::Instrument as _;

pub(super) const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

fn request_id(request: &Request) -> String {
    let incoming = request.headers().get(&REQUEST_ID).and_then(|v| v.to_str().ok());
    match incoming {
        Some(id) if (1..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') => {
            id.to_owned()
        }
        _ => {
            static NEXT: AtomicU64 = AtomicU64::new(1);
            let started = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or_default();
            format!("{started:x}-{:x}", NEXT.fetch_add(1, Ordering::Relaxed))
        }
    }
}

/// Latency bucket bounds, seconds.
const BUCKETS: [f64; 10] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0];

#[derive(Default)]
struct RouteStats {
    count: u64,
    seconds: f64,
    buckets: [u64; BUCKETS.len()],
}

/// Requests by (method, route, status) and latency by route, kept in memory.
#[derive(Default)]
pub struct HttpMetrics {
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    latency: Mutex<BTreeMap<String, RouteStats>>,
}

impl HttpMetrics {
    fn record(&self, method: &str, route: &str, status: u16, seconds: f64) {
        if let Ok(mut requests) = self.requests.lock() {
            *requests.entry((method.to_owned(), route.to_owned(), status)).or_default() += 1;
        }
        if let Ok(mut latency) = self.latency.lock() {
            let stats = latency.entry(route.to_owned()).or_default();
            stats.count += 1;
            stats.seconds += seconds;
            for (bucket, bound) in stats.buckets.iter_mut().zip(BUCKETS) {
                if seconds <= bound {
                    *bucket += 1;
                }
            }
        }
    }

    /// The Prometheus text for these metrics.
    pub fn render(&self, text: &mut String) {
        let _ = writeln!(text, "# HELP candor_http_requests_total HTTP requests by method, route and status.");
        let _ = writeln!(text, "# TYPE candor_http_requests_total counter");
        if let Ok(requests) = self.requests.lock() {
            for ((method, route, status), count) in requests.iter() {
                let _ = writeln!(
                    text,
                    "candor_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {count}"
                );
            }
        }
        let _ = writeln!(text, "# HELP candor_http_request_seconds HTTP request latency by route.");
        let _ = writeln!(text, "# TYPE candor_http_request_seconds histogram");
        if let Ok(latency) = self.latency.lock() {
            for (route, stats) in latency.iter() {
                for (bucket, bound) in stats.buckets.iter().zip(BUCKETS) {
                    let _ = writeln!(
                        text,
                        "candor_http_request_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {bucket}"
                    );
                }
                let _ = writeln!(
                    text,
                    "candor_http_request_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
                    stats.count
                );
                let _ = writeln!(text, "candor_http_request_seconds_sum{{route=\"{route}\"}} {:.6}", stats.seconds);
                let _ = writeln!(text, "candor_http_request_seconds_count{{route=\"{route}\"}} {}", stats.count);
            }
        }
    }
}

/// Request id, log span, security headers and metrics, around every request.
pub(super) async fn around(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let id = request_id(&request);
    // The matched pattern, never the raw path: ids in paths would make unbounded label sets.
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let method = request.method().as_str().to_owned();
    let span = tracing::info_span!("request", request_id = %id, %method, %route);
    let started = Instant::now();
    let mut response = next.run(request).instrument(span.clone()).await;
    let seconds = started.elapsed().as_secs_f64();
    let status = response.status().as_u16();
    span.in_scope(|| {
        if status >= 500 {
            tracing::warn!(status, ms = seconds * 1e3, "request failed");
        } else {
            tracing::debug!(status, ms = seconds * 1e3, "request");
        }
    });
    state.http_metrics.record(&method, &route, status, seconds);
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&id) {
        headers.insert(REQUEST_ID, value);
    }
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(
        HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
    );
    headers.insert(HeaderName::from_static("cross-origin-opener-policy"), HeaderValue::from_static("same-origin"));
    if state.config.http.secure_cookies {
        headers.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000"));
    }
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}
