//! HubSpot change notifications. [`verify_signature_v3`] checks a request the way HubSpot signs
//! it (HMAC-SHA256 with the app's client secret over method, URI, body and timestamp, base64;
//! requests older than five minutes refused); [`router`] is an axum router the HTTP server
//! nests (e.g. at `/webhooks/hubspot`) that verifies, records each event once, and answers at
//! once. The next sync applies deletions and marks the events processed.

use super::super::{secrets, ConnectorError};
use crate::config::{HubspotConfig, Secret};
use crate::store::{Store, WebhookEventRecord};
use axum::body::Bytes;
use axum::extract::{OriginalUri, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use base64::Engine as _;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde::Deserialize;
use serde_json::json;
use sha2::Sha256;
use std::sync::Arc;
use std::time::Duration;

pub const SIGNATURE_HEADER: &str = "x-hubspot-signature-v3";
pub const TIMESTAMP_HEADER: &str = "x-hubspot-request-timestamp";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    #[error("the request carries no {0} header")]
    MissingHeader(&'static str),
    #[error("the request timestamp is not a number of milliseconds")]
    BadTimestamp,
    #[error("the request is older than the allowed {0} seconds")]
    Stale(u64),
    #[error("the signature does not match")]
    BadSignature,
    #[error("no client secret is configured to check signatures")]
    NoSecret,
    #[error("the body is not a list of HubSpot events: {0}")]
    BadPayload(String),
}

/// HubSpot writes these characters decoded in the URI it signs.
fn decode_signed_uri(uri: &str) -> String {
    const DECODED: [(&str, &str); 11] = [
        ("%3A", ":"),
        ("%2F", "/"),
        ("%3F", "?"),
        ("%40", "@"),
        ("%21", "!"),
        ("%24", "$"),
        ("%27", "'"),
        ("%28", "("),
        ("%29", ")"),
        ("%2A", "*"),
        ("%2C", ","),
    ];
    let mut out = uri.to_owned();
    for (encoded, plain) in DECODED {
        out = out.replace(encoded, plain).replace(&encoded.to_ascii_lowercase(), plain);
    }
    out.replace("%3B", ";").replace("%3b", ";")
}

/// The v3 signature of a request, base64.
pub fn sign_v3(client_secret: &Secret, method: &str, uri: &str, body: &[u8], timestamp: &str) -> Option<String> {
    let mut mac = Hmac::<Sha256>::new_from_slice(client_secret.expose().as_bytes()).ok()?;
    mac.update(method.as_bytes());
    mac.update(decode_signed_uri(uri).as_bytes());
    mac.update(body);
    mac.update(timestamp.as_bytes());
    Some(base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes()))
}

/// Checks a v3 signature and the request's age against `now`.
#[allow(clippy::too_many_arguments)]
pub fn verify_signature_v3(
    client_secret: &Secret,
    method: &str,
    uri: &str,
    body: &[u8],
    timestamp: &str,
    signature: &str,
    now: DateTime<Utc>,
    max_age: Duration,
) -> Result<(), WebhookError> {
    if client_secret.is_empty() {
        return Err(WebhookError::NoSecret);
    }
    let sent: i64 = timestamp.trim().parse().map_err(|_| WebhookError::BadTimestamp)?;
    let age_ms = now.timestamp_millis().saturating_sub(sent).unsigned_abs();
    if age_ms > u64::try_from(max_age.as_millis()).unwrap_or(u64::MAX) {
        return Err(WebhookError::Stale(max_age.as_secs()));
    }
    let given =
        base64::engine::general_purpose::STANDARD.decode(signature.trim()).map_err(|_| WebhookError::BadSignature)?;
    let mut mac =
        Hmac::<Sha256>::new_from_slice(client_secret.expose().as_bytes()).map_err(|_| WebhookError::NoSecret)?;
    mac.update(method.as_bytes());
    mac.update(decode_signed_uri(uri).as_bytes());
    mac.update(body);
    mac.update(timestamp.trim().as_bytes());
    // verify_slice compares in constant time.
    mac.verify_slice(&given).map_err(|_| WebhookError::BadSignature)
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Event {
    event_id: serde_json::Value,
    subscription_type: String,
    object_id: serde_json::Value,
    occurred_at: i64,
}

/// The events in a notification body, as stored records.
pub fn parse_events(body: &[u8]) -> Result<Vec<WebhookEventRecord>, WebhookError> {
    let events: Vec<Event> = serde_json::from_slice(body).map_err(|e| WebhookError::BadPayload(e.to_string()))?;
    let plain = |value: &serde_json::Value| match value {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    events
        .into_iter()
        .map(|event| {
            let (object, change) =
                event.subscription_type.split_once('.').unwrap_or((event.subscription_type.as_str(), ""));
            Ok(WebhookEventRecord {
                event_id: format!("hubspot:{}", plain(&event.event_id)),
                source: "hubspot".to_owned(),
                object: object.to_owned(),
                object_id: plain(&event.object_id),
                change: change.to_owned(),
                occurred_at: DateTime::from_timestamp_millis(event.occurred_at).ok_or(WebhookError::BadTimestamp)?,
            })
        })
        .collect()
}

struct WebhookState {
    store: Store,
    client_secret: Secret,
    /// The exact URL registered with HubSpot, when a proxy makes the one seen here differ.
    public_url: Option<String>,
    max_age: Duration,
}

/// The client secret that checks signatures: from the configuration (environment included),
/// else from the secrets file. `None` when neither has one: a private-app setup without
/// webhooks.
pub fn client_secret(config: &HubspotConfig) -> Result<Option<Secret>, ConnectorError> {
    let mut secret = config.client_secret.clone();
    secrets::fill_from_file(config.secrets_file.as_deref(), &mut [("client_secret", &mut secret)])?;
    Ok((!secret.is_empty()).then_some(secret))
}

/// The receiver the HTTP server mounts when HubSpot is enabled: its secret resolved as the
/// sync resolves it, and the URL signatures are checked against from `webhook_url` when set.
/// `None` (logged) when there is no client secret, since no request could then be verified.
pub fn configured_router(store: Store, config: &HubspotConfig) -> Result<Option<Router>, ConnectorError> {
    let Some(secret) = client_secret(config)? else {
        tracing::info!("HubSpot webhook receiver not mounted: no client_secret to verify signatures with");
        return Ok(None);
    };
    let config = HubspotConfig { client_secret: secret, ..config.clone() };
    let public_url = Some(config.webhook_url.trim().to_owned()).filter(|url| !url.is_empty());
    Ok(Some(router(store, &config, public_url)))
}

/// An axum router receiving HubSpot webhook POSTs at its root.
pub fn router(store: Store, config: &HubspotConfig, public_url: Option<String>) -> Router {
    let state = Arc::new(WebhookState {
        store,
        client_secret: config.client_secret.clone(),
        public_url,
        max_age: Duration::from_secs(config.webhook_max_age_secs),
    });
    Router::new().route("/", post(receive)).with_state(state)
}

fn refuse(status: StatusCode, code: &'static str, error: &WebhookError) -> Response {
    tracing::warn!(code, %error, "HubSpot webhook refused");
    (status, Json(json!({ "status": "refused", "code": code }))).into_response()
}

async fn receive(
    State(state): State<Arc<WebhookState>>,
    method: Method,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let header =
        |name: &'static str| headers.get(name).and_then(|v| v.to_str().ok()).ok_or(WebhookError::MissingHeader(name));
    let signed_uri = match &state.public_url {
        Some(url) => url.clone(),
        None => {
            let host = headers.get("host").and_then(|h| h.to_str().ok()).unwrap_or("localhost");
            let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
            format!("https://{host}{path}")
        }
    };
    let checked = header(SIGNATURE_HEADER).and_then(|signature| {
        let timestamp = header(TIMESTAMP_HEADER)?;
        verify_signature_v3(
            &state.client_secret,
            method.as_str(),
            &signed_uri,
            &body,
            timestamp,
            signature,
            Utc::now(),
            state.max_age,
        )
    });
    if let Err(error) = checked {
        return refuse(StatusCode::UNAUTHORIZED, "bad_signature", &error);
    }
    let events = match parse_events(&body) {
        Ok(events) => events,
        Err(error) => return refuse(StatusCode::BAD_REQUEST, "bad_payload", &error),
    };
    match state.store.record_webhook_events(&events, Utc::now()).await {
        Ok(new) => {
            (StatusCode::OK, Json(json!({ "status": "ok", "received": events.len(), "new": new }))).into_response()
        }
        Err(error) => {
            tracing::error!(code = "store_unavailable", %error, "cannot record HubSpot webhook events");
            // HubSpot retries failed deliveries, so a 5xx loses nothing.
            (StatusCode::SERVICE_UNAVAILABLE, Json(json!({ "status": "unavailable", "code": "store_unavailable" })))
                .into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_verify_and_stale_requests_are_refused() {
        let secret = Secret::new("yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy");
        let body = br#"[{"eventId":1,"subscriptionType":"deal.deletion","objectId":42,"occurredAt":1700000000000}]"#;
        let now = DateTime::from_timestamp_millis(1_700_000_060_000).unwrap();
        let timestamp = "1700000000000";
        let uri = "https://candor.example/webhooks/hubspot";
        let signature = sign_v3(&secret, "POST", uri, body, timestamp).unwrap();
        let five = Duration::from_secs(300);
        assert_eq!(verify_signature_v3(&secret, "POST", uri, body, timestamp, &signature, now, five), Ok(()));
        // An encoded colon is signed decoded, as HubSpot does.
        let encoded = "https%3A//candor.example/webhooks/hubspot";
        assert_eq!(verify_signature_v3(&secret, "POST", encoded, body, timestamp, &signature, now, five), Ok(()));
        let tampered =
            br#"[{"eventId":1,"subscriptionType":"deal.deletion","objectId":43,"occurredAt":1700000000000}]"#;
        assert_eq!(
            verify_signature_v3(&secret, "POST", uri, tampered, timestamp, &signature, now, five),
            Err(WebhookError::BadSignature)
        );
        let later = DateTime::from_timestamp_millis(1_700_000_000_000 + 301_000).unwrap();
        assert_eq!(
            verify_signature_v3(&secret, "POST", uri, body, timestamp, &signature, later, five),
            Err(WebhookError::Stale(300))
        );
        let other = Secret::new("other");
        assert_eq!(
            verify_signature_v3(&other, "POST", uri, body, timestamp, &signature, now, five),
            Err(WebhookError::BadSignature)
        );
        let events = parse_events(body).unwrap();
        assert_eq!(events[0].object, "deal");
        assert_eq!(events[0].change, "deletion");
        assert_eq!(events[0].object_id, "42");
        assert_eq!(events[0].event_id, "hubspot:1");
    }
}
