//! Drafting providers behind one trait: `openai` (any OpenAI-compatible chat-completions
//! endpoint, Azure included, through async-openai) and `offline` (template drafts, no network).
//! The loop speaks only these neutral message types; retries live in the loop, not here, so
//! every provider gets the same policy.

mod limited;
mod offline;
mod openai;
mod wire;

pub use limited::Limited;
pub use offline::OfflineProvider;
pub use openai::OpenAiProvider;

use super::snapshot::Snapshot;
use super::tools::ToolSpec;
use crate::config::{LlmConfig, ProviderKind};
use serde::{Deserialize, Serialize};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolCall {
    pub id: String,
    pub name: String,
    /// The raw JSON text the model produced; parsed (and possibly refused) by the tool.
    pub arguments: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "role", rename_all = "snake_case")]
pub enum Message {
    System { content: String },
    User { content: String },
    Assistant { content: Option<String>, tool_calls: Vec<ToolCall> },
    Tool { tool_call_id: String, content: String },
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
}

impl Usage {
    pub fn add(&mut self, other: Usage) {
        self.prompt_tokens += other.prompt_tokens;
        self.completion_tokens += other.completion_tokens;
    }
}

/// One model call's input. `snapshot` is there for the offline provider, which drafts from it
/// directly; a network provider never sends it.
#[derive(Clone, Copy)]
pub struct ModelRequest<'a> {
    pub messages: &'a [Message],
    pub tools: &'a [ToolSpec],
    pub snapshot: &'a Snapshot,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ModelReply {
    pub content: Option<String>,
    pub tool_calls: Vec<ToolCall>,
    pub usage: Usage,
}

/// Why a model call failed, classified for the retry policy.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProviderError {
    #[error("rate limited (429){}: {message}", retry_after.map(|d| format!(", retry after {}s", d.as_secs_f64())).unwrap_or_default())]
    RateLimited { retry_after: Option<Duration>, message: String },
    #[error("server error {status}: {message}")]
    Server { status: u16, message: String },
    #[error("the model call timed out")]
    Timeout,
    #[error("transport error: {0}")]
    Transport(String),
    #[error("the prompt exceeds the model's context length: {0}")]
    ContextLength(String),
    #[error("request refused with {status}: {message}")]
    Client { status: u16, message: String },
    #[error("unreadable response: {0}")]
    Decode(String),
}

impl ProviderError {
    /// 429, 5xx, timeouts and dropped connections are worth another attempt; other 4xx,
    /// context-length errors and unreadable responses are not.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            ProviderError::RateLimited { .. }
                | ProviderError::Server { .. }
                | ProviderError::Timeout
                | ProviderError::Transport(_)
        )
    }

    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            ProviderError::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

pub trait Provider: Send + Sync {
    /// `offline` or `openai`, stored with every draft.
    fn name(&self) -> &'static str;
    /// The model (or deployment) that drafts, stored with every draft.
    fn model(&self) -> &str;
    fn complete<'a>(&'a self, request: ModelRequest<'a>) -> BoxFuture<'a, Result<ModelReply, ProviderError>>;
    /// Whether a language model reads the tools' results: false for the offline drafter,
    /// whose draft is the engine's template whatever the tools return, so no text it is
    /// shown can steer it.
    fn reads_tool_results(&self) -> bool {
        true
    }
}

/// The provider the configuration names; a remote one with at most `llm.concurrency` calls in
/// flight across the process.
pub fn from_config(config: &LlmConfig) -> Result<Arc<dyn Provider>, super::AgentError> {
    match config.provider {
        ProviderKind::Offline => Ok(Arc::new(OfflineProvider)),
        ProviderKind::Openai => Ok(Arc::new(Limited::new(OpenAiProvider::new(config)?, config.concurrency))),
    }
}
