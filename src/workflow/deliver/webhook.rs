//! Posting JSON to an incoming webhook. The URL is a credential, so no error text built here
//! ever contains it.

use super::DeliverError;
use crate::config::Secret;
use std::time::Duration;

pub(super) struct Webhook {
    pub url: Secret,
    pub timeout: Duration,
}

/// A webhook's answer, before the service-specific reading of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct WebhookAnswer {
    pub status: u16,
    pub retry_after: Option<Duration>,
    pub body: String,
}

impl Webhook {
    pub(super) async fn post(
        &self,
        client: &reqwest::Client,
        payload: &serde_json::Value,
    ) -> Result<WebhookAnswer, DeliverError> {
        let response = client
            .post(self.url.expose())
            .timeout(self.timeout)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(payload.to_string())
            .send()
            .await
            .map_err(|e| DeliverError::Transient(format!("webhook request failed: {}", e.without_url())))?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let body = response.text().await.unwrap_or_default();
        Ok(WebhookAnswer { status, retry_after, body: body.chars().take(500).collect() })
    }
}
