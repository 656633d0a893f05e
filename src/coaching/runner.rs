//! The bounded tool-calling loop for one draft: a turn budget, a per-tool failure budget,
//! corrective tool messages on unknown tools and invalid arguments, retried model calls, one
//! repair turn after a refused draft, and a typed reason for every stop.

use super::drafts::Draft;
use super::prompts::Prompt;
use super::provider::{Message, ModelRequest, Provider, ToolCall, Usage};
use super::render::render;
use super::retry::{call_with_retry, Attempt, RetryPolicy};
use super::snapshot::Snapshot;
use super::tools::{self, ToolContext, ToolFailure, ToolOutput, ToolSpec};
use super::validator::{Directory, Facts, Finding, Validator};
use crate::coaching::memory::tools::MemoryToolContext;
use crate::coaching::memory::Memory;
use crate::config::{LlmConfig, SourceText};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Longest tool result kept in the stored transcript.
const TRANSCRIPT_RESULT_CHARS: usize = 4_000;

#[derive(Debug, Clone, PartialEq)]
pub struct LoopLimits {
    /// Model turns per draft, the repair turn included (retries of one call are not turns).
    pub turn_budget: u32,
    /// Failed calls of one tool tolerated before the loop stops.
    pub tool_retry_budget: u32,
    pub retry: RetryPolicy,
}

impl LoopLimits {
    pub fn from_config(config: &LlmConfig) -> Self {
        Self {
            turn_budget: config.turn_budget,
            tool_retry_budget: config.tool_retry_budget,
            retry: RetryPolicy::from_config(config),
        }
    }
}

/// Why the loop ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum StopReason {
    /// A submitted draft passed the validator.
    Validated {
        after_repair: bool,
    },
    /// The draft submitted after the repair turn was refused again.
    RepairFailed {
        findings: u32,
    },
    TurnBudgetExhausted {
        turns: u32,
    },
    ToolRetryBudgetExhausted {
        tool: String,
        failures: u32,
    },
    /// The model could not be reached, after retries where retrying made sense.
    ProviderFailed {
        error: String,
        retryable: bool,
    },
    /// An identical earlier draft was reused; no model was called.
    Cached {
        from: String,
    },
}

impl StopReason {
    pub fn describe(&self) -> String {
        match self {
            StopReason::Validated { after_repair: false } => "validated on the first submission".to_owned(),
            StopReason::Validated { after_repair: true } => "validated after the repair turn".to_owned(),
            StopReason::RepairFailed { findings } => {
                format!("the draft was refused again after the repair turn ({findings} findings)")
            }
            StopReason::TurnBudgetExhausted { turns } => format!("no valid draft within the turn budget of {turns}"),
            StopReason::ToolRetryBudgetExhausted { tool, failures } => {
                format!("tool {tool} failed {failures} times, past the retry budget")
            }
            StopReason::ProviderFailed { error, .. } => format!("the model call failed: {error}"),
            StopReason::Cached { from } => format!("reused the identical draft {from}"),
        }
    }
}

/// One step of the conversation, as stored with the draft.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum TranscriptEntry {
    ModelCall {
        turn: u32,
        content: Option<String>,
        tool_calls: Vec<ToolCall>,
        usage: Usage,
        attempts: Vec<AttemptRecord>,
    },
    ModelFailed {
        turn: u32,
        error: String,
        attempts: Vec<AttemptRecord>,
    },
    ToolResult {
        turn: u32,
        call_id: String,
        tool: String,
        ok: bool,
        result: String,
    },
    Submission {
        turn: u32,
        accepted: bool,
        findings: Vec<Finding>,
    },
    Correction {
        turn: u32,
        message: String,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttemptRecord {
    pub error: Option<String>,
    pub waited_ms: u64,
    pub elapsed_ms: u64,
}

impl From<Attempt> for AttemptRecord {
    fn from(a: Attempt) -> Self {
        Self { error: a.error, waited_ms: a.waited_ms, elapsed_ms: a.elapsed_ms }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct LoopOutcome {
    /// The validated draft, when the loop produced one.
    pub draft: Option<Draft>,
    pub stop: StopReason,
    pub transcript: Vec<TranscriptEntry>,
    pub usage: Usage,
    /// HTTP-level model calls, retries included.
    pub model_calls: u32,
    /// Findings against the model's submissions, in order.
    pub findings: Vec<Finding>,
}

pub(crate) struct LoopInputs<'a> {
    pub provider: &'a dyn Provider,
    pub snapshot: &'a Snapshot,
    pub prompt: &'a Prompt,
    pub validator: &'a Validator,
    pub facts: &'a Facts,
    pub directory: &'a Directory,
    pub limits: &'a LoopLimits,
    /// The vector memory; with it the memory tools are offered too, read within the
    /// recipient's scope like every other tool.
    pub memory: Option<&'a Memory>,
    /// Whether client and CRM text is shown to the model quoted or only as typed signals.
    pub source_text: SourceText,
}

fn truncate(text: &str, limit: usize) -> String {
    if text.chars().count() <= limit {
        text.to_owned()
    } else {
        text.chars().take(limit).collect::<String>() + "…"
    }
}

fn refusal_message(findings: &[Finding], submit_tool: &str) -> String {
    let mut message = format!(
        "The draft was refused by the validator. Fix every finding below and call {submit_tool} again with the whole \
         corrected draft; this is the only repair turn.\n"
    );
    for finding in findings.iter().take(20) {
        message.push_str(&format!("- {finding}\n"));
    }
    message
}

/// Runs one call: a memory tool against the store when the run has a memory, any other tool
/// among `offered` (which reports a tool not offered as unknown).
async fn dispatch(
    offered: &[ToolSpec],
    context: &ToolContext<'_>,
    memory: Option<&Memory>,
    call: &ToolCall,
) -> Result<ToolOutput, ToolFailure> {
    if let Some(memory) = memory {
        let reader = MemoryToolContext { snapshot: context.snapshot, memory };
        if let Some(result) = crate::coaching::memory::tools::call(&reader, &call.name, &call.arguments).await {
            return result.map(ToolOutput::Data);
        }
    }
    tools::call(offered, context, &call.name, &call.arguments)
}

pub(crate) async fn run_loop(inputs: LoopInputs<'_>) -> LoopOutcome {
    let snapshot = inputs.snapshot;
    let submit_tool = snapshot.kind.submit_tool();
    let offered = match inputs.memory {
        Some(_) => tools::tools_with_memory(snapshot.kind),
        None => tools::tools_for(snapshot.kind),
    };
    let context = ToolContext { snapshot, source_text: inputs.source_text };
    let mut messages = vec![
        Message::System { content: inputs.prompt.system.clone() },
        Message::User { content: inputs.prompt.task.clone() },
    ];
    let mut outcome = LoopOutcome {
        draft: None,
        stop: StopReason::TurnBudgetExhausted { turns: inputs.limits.turn_budget },
        transcript: Vec::new(),
        usage: Usage::default(),
        model_calls: 0,
        findings: Vec::new(),
    };
    let mut failures: BTreeMap<String, u32> = BTreeMap::new();
    let mut submissions = 0u32;
    for turn in 1..=inputs.limits.turn_budget {
        let request = ModelRequest { messages: &messages, tools: &offered, snapshot };
        let (result, attempts) = call_with_retry(inputs.provider, request, &inputs.limits.retry).await;
        outcome.model_calls += attempts.len() as u32;
        let attempts: Vec<AttemptRecord> = attempts.into_iter().map(AttemptRecord::from).collect();
        let reply = match result {
            Ok(reply) => reply,
            Err(error) => {
                outcome.transcript.push(TranscriptEntry::ModelFailed { turn, error: error.to_string(), attempts });
                outcome.stop = StopReason::ProviderFailed { error: error.to_string(), retryable: error.is_retryable() };
                return outcome;
            }
        };
        outcome.usage.add(reply.usage);
        outcome.transcript.push(TranscriptEntry::ModelCall {
            turn,
            content: reply.content.clone(),
            tool_calls: reply.tool_calls.clone(),
            usage: reply.usage,
            attempts,
        });
        messages.push(Message::Assistant { content: reply.content.clone(), tool_calls: reply.tool_calls.clone() });
        if reply.tool_calls.is_empty() {
            let message =
                format!("Plain text is not a draft. Use the tools, then call {submit_tool} with the complete draft.");
            outcome.transcript.push(TranscriptEntry::Correction { turn, message: message.clone() });
            messages.push(Message::User { content: message });
            continue;
        }
        for call in &reply.tool_calls {
            let (ok, content) = match dispatch(&offered, &context, inputs.memory, call).await {
                Ok(ToolOutput::Data(value)) => (true, value.to_string()),
                Ok(ToolOutput::Submitted(draft)) => {
                    submissions += 1;
                    let rendered = render(&draft, &snapshot.recipient.name, snapshot.exponent());
                    let findings = inputs.validator.validate(&draft, &rendered, inputs.facts, inputs.directory);
                    let accepted = findings.is_empty();
                    outcome.transcript.push(TranscriptEntry::Submission { turn, accepted, findings: findings.clone() });
                    if accepted {
                        outcome.draft = Some(draft);
                        outcome.stop = StopReason::Validated { after_repair: submissions > 1 };
                        return outcome;
                    }
                    outcome.findings.extend(findings.iter().cloned());
                    if submissions > 1 {
                        outcome.stop = StopReason::RepairFailed { findings: findings.len() as u32 };
                        return outcome;
                    }
                    (false, refusal_message(&findings, submit_tool))
                }
                Err(failure) => {
                    let count = failures.entry(call.name.clone()).or_insert(0);
                    *count += 1;
                    (false, format!("error: {failure}"))
                }
            };
            outcome.transcript.push(TranscriptEntry::ToolResult {
                turn,
                call_id: call.id.clone(),
                tool: call.name.clone(),
                ok,
                result: truncate(&content, TRANSCRIPT_RESULT_CHARS),
            });
            messages.push(Message::Tool { tool_call_id: call.id.clone(), content });
        }
        if let Some((tool, count)) = failures.iter().find(|(_, count)| **count > inputs.limits.tool_retry_budget) {
            outcome.stop = StopReason::ToolRetryBudgetExhausted { tool: tool.clone(), failures: *count };
            return outcome;
        }
    }
    outcome
}

#[cfg(test)]
mod memory_tests;
