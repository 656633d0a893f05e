//! The `openai` provider: async-openai against any OpenAI-compatible chat-completions endpoint,
//! or Azure OpenAI when a deployment is configured. The client's own retry layer is replaced by
//! a plain transport that reports every non-success status with its Retry-After, so the loop's
//! single retry policy decides.

use super::wire::{request_body, RequestOptions, WireResponse};
use super::{BoxFuture, ModelReply, ModelRequest, Provider, ProviderError};
use crate::coaching::AgentError;
use crate::config::LlmConfig;
use async_openai::config::{AzureConfig, OpenAIConfig};
use async_openai::error::OpenAIError;
use async_openai::middleware::{HttpRequestFactory, ReqwestService};
use async_openai::Client;
use serde_json::Value;
use std::sync::atomic::{AtomicU32, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

/// A non-success HTTP response, carried out of the client intact.
#[derive(Debug, thiserror::Error)]
#[error("HTTP {status}: {body}")]
struct HttpFailure {
    status: u16,
    retry_after: Option<Duration>,
    body: String,
}

/// Transport that turns non-success responses into [`HttpFailure`] before the client reads them.
#[derive(Clone)]
struct StatusCapture {
    inner: ReqwestService,
}

impl tower::Service<HttpRequestFactory> for StatusCapture {
    type Response = reqwest::Response;
    type Error = OpenAIError;
    type Future = BoxFuture<'static, Result<reqwest::Response, OpenAIError>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), OpenAIError>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: HttpRequestFactory) -> Self::Future {
        let pending = self.inner.call(request);
        Box::pin(async move {
            let response = pending.await?;
            if response.status().is_success() {
                return Ok(response);
            }
            let status = response.status().as_u16();
            let retry_after = retry_after(response.headers());
            let body = response.text().await.unwrap_or_default();
            Err(OpenAIError::Boxed(Box::new(HttpFailure { status, retry_after, body })))
        })
    }
}

/// `retry-after-ms`, else `Retry-After` in seconds or as an HTTP date.
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    if let Some(ms) = text("retry-after-ms").and_then(|v| v.parse::<f64>().ok()) {
        return Some(Duration::from_secs_f64(ms.max(0.0) / 1000.0));
    }
    let value = text("retry-after")?;
    if let Ok(seconds) = value.parse::<f64>() {
        return Some(Duration::from_secs_f64(seconds.max(0.0)));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = at.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}

fn is_context_length(body: &str) -> bool {
    let lower = body.to_ascii_lowercase();
    ["context_length_exceeded", "context length", "maximum context", "too many tokens", "exceeds the context"]
        .iter()
        .any(|marker| lower.contains(marker))
}

fn classify(error: OpenAIError) -> ProviderError {
    match error {
        OpenAIError::Boxed(boxed) => match boxed.downcast::<HttpFailure>() {
            Ok(failure) => classify_status(failure.status, failure.retry_after, failure.body),
            Err(other) => ProviderError::Transport(other.to_string()),
        },
        OpenAIError::Reqwest(e) if e.is_timeout() => ProviderError::Timeout,
        OpenAIError::Reqwest(e) => ProviderError::Transport(e.to_string()),
        OpenAIError::ApiError(api) => classify_status(api.status_code.as_u16(), None, api.api_error.to_string()),
        OpenAIError::JSONDeserialize(e, _) => ProviderError::Decode(e.to_string()),
        other => ProviderError::Client { status: 0, message: other.to_string() },
    }
}

fn classify_status(status: u16, retry_after: Option<Duration>, body: String) -> ProviderError {
    let message: String = body.chars().take(500).collect();
    match status {
        429 => ProviderError::RateLimited { retry_after, message },
        500..=599 => ProviderError::Server { status, message },
        400 | 413 if is_context_length(&body) => ProviderError::ContextLength(message),
        408 => ProviderError::Timeout,
        _ => ProviderError::Client { status, message },
    }
}

enum Backend {
    OpenAi(Client<OpenAIConfig>),
    Azure(Client<AzureConfig>),
}

pub struct OpenAiProvider {
    backend: Backend,
    model: String,
    max_completion_tokens: u32,
    temperature: f32,
    request_timeout: Duration,
    calls: AtomicU32,
}

impl OpenAiProvider {
    pub fn new(config: &LlmConfig) -> Result<Self, AgentError> {
        let setup = |reason: String| AgentError::ProviderSetup { provider: "openai", reason };
        let request_timeout = Duration::from_secs(config.request_timeout_secs);
        let http = reqwest::Client::builder()
            .timeout(request_timeout)
            .connect_timeout(Duration::from_secs(config.connect_timeout_secs))
            .build()
            .map_err(|e| setup(e.to_string()))?;
        let transport = StatusCapture { inner: ReqwestService::new(http.clone()) };
        let base = config.base_url.trim_end_matches('/').to_owned();
        let (backend, model) = if config.azure.deployment.is_empty() {
            let client_config =
                OpenAIConfig::new().with_api_base(base).with_api_key(config.api_key.expose().to_owned());
            let client = Client::build(http, client_config).with_http_service(transport);
            (Backend::OpenAi(client), config.model.clone())
        } else {
            let client_config = AzureConfig::new()
                .with_api_base(base)
                .with_api_key(config.api_key.expose().to_owned())
                .with_deployment_id(config.azure.deployment.clone())
                .with_api_version(config.azure.api_version.clone());
            let client = Client::build(http, client_config).with_http_service(transport);
            (Backend::Azure(client), config.azure.deployment.clone())
        };
        Ok(Self {
            backend,
            model,
            max_completion_tokens: config.max_completion_tokens,
            temperature: config.temperature,
            request_timeout,
            calls: AtomicU32::new(0),
        })
    }

    async fn send(&self, body: Value) -> Result<WireResponse, OpenAIError> {
        match &self.backend {
            Backend::OpenAi(client) => client.chat().create_byot(body).await,
            Backend::Azure(client) => client.chat().create_byot(body).await,
        }
    }
}

impl Provider for OpenAiProvider {
    fn name(&self) -> &'static str {
        "openai"
    }

    fn model(&self) -> &str {
        &self.model
    }

    fn complete<'a>(&'a self, request: ModelRequest<'a>) -> BoxFuture<'a, Result<ModelReply, ProviderError>> {
        Box::pin(async move {
            let options = RequestOptions {
                model: &self.model,
                max_completion_tokens: self.max_completion_tokens,
                temperature: self.temperature,
            };
            let body = request_body(request.messages, request.tools, &options);
            let call_number = self.calls.fetch_add(1, Ordering::Relaxed);
            // The HTTP client has the same timeout; this one also bounds a stalled body read.
            let outcome = tokio::time::timeout(self.request_timeout + Duration::from_secs(1), self.send(body)).await;
            match outcome {
                Err(_) => Err(ProviderError::Timeout),
                Ok(Err(error)) => Err(classify(error)),
                Ok(Ok(response)) => response.into_reply(call_number).map_err(ProviderError::Decode),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn statuses_are_classified_for_retry() {
        assert!(classify_status(429, Some(Duration::from_secs(2)), String::new()).is_retryable());
        assert!(classify_status(503, None, String::new()).is_retryable());
        let long = classify_status(400, None, r#"{"error":{"code":"context_length_exceeded"}}"#.into());
        assert!(matches!(long, ProviderError::ContextLength(_)) && !long.is_retryable());
        assert!(!classify_status(401, None, "bad key".into()).is_retryable());
    }

    #[test]
    fn retry_after_reads_seconds_and_milliseconds() {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("retry-after", "3".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(3)));
        headers.insert("retry-after-ms", "250".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_millis(250)));
    }
}
