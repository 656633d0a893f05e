//! The chat-completions wire format: the request body built from the loop's messages and tool
//! definitions, and a lenient reading of the response. Lenient because OpenAI-compatible servers
//! (llama.cpp, vLLM, Ollama) omit or vary fields the official schema marks required; only the
//! choices' message, tool calls and usage matter here.

use super::{Message, ModelReply, ToolCall, Usage};
use crate::coaching::tools::ToolSpec;
use serde::Deserialize;
use serde_json::{json, Value};

pub(super) struct RequestOptions<'a> {
    pub model: &'a str,
    pub max_completion_tokens: u32,
    pub temperature: f32,
}

pub(super) fn request_body(messages: &[Message], tools: &[ToolSpec], options: &RequestOptions<'_>) -> Value {
    let messages: Vec<Value> = messages.iter().map(message_json).collect();
    let tools: Vec<Value> = tools.iter().map(ToolSpec::definition).collect();
    json!({
        "model": options.model,
        "messages": messages,
        "tools": tools,
        "tool_choice": "auto",
        "parallel_tool_calls": false,
        "max_tokens": options.max_completion_tokens,
        "temperature": options.temperature,
        "stream": false,
    })
}

fn message_json(message: &Message) -> Value {
    match message {
        Message::System { content } => json!({"role": "system", "content": content}),
        Message::User { content } => json!({"role": "user", "content": content}),
        Message::Assistant { content, tool_calls } => {
            // Some servers (llama-cpp-python) refuse a null content and their chat templates
            // read it even beside tool calls; an empty string satisfies every server.
            let mut value = json!({"role": "assistant", "content": content.clone().unwrap_or_default()});
            if !tool_calls.is_empty() {
                value["tool_calls"] = tool_calls
                    .iter()
                    .map(|c| json!({"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}))
                    .collect();
            }
            value
        }
        Message::Tool { tool_call_id, content } => {
            json!({"role": "tool", "tool_call_id": tool_call_id, "content": content})
        }
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct WireResponse {
    #[serde(default)]
    choices: Vec<WireChoice>,
    #[serde(default)]
    usage: Option<WireUsage>,
}

#[derive(Debug, Deserialize)]
struct WireChoice {
    message: Option<WireMessage>,
}

#[derive(Debug, Deserialize)]
struct WireMessage {
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    tool_calls: Option<Vec<WireToolCall>>,
}

#[derive(Debug, Deserialize)]
struct WireToolCall {
    #[serde(default)]
    id: Option<String>,
    function: WireFunction,
}

#[derive(Debug, Deserialize)]
struct WireFunction {
    #[serde(default)]
    name: String,
    /// A JSON string per the spec; some servers send an object instead.
    #[serde(default)]
    arguments: Option<Value>,
}

#[derive(Debug, Deserialize)]
struct WireUsage {
    #[serde(default)]
    prompt_tokens: u64,
    #[serde(default)]
    completion_tokens: u64,
}

impl WireResponse {
    /// The first choice as a reply; tool calls without an id get one so the transcript pairs up.
    pub(super) fn into_reply(self, call_number: u32) -> Result<ModelReply, String> {
        let usage = self
            .usage
            .map(|u| Usage { prompt_tokens: u.prompt_tokens, completion_tokens: u.completion_tokens })
            .unwrap_or_default();
        let message = self.choices.into_iter().next().and_then(|c| c.message).ok_or("the response has no choices")?;
        let tool_calls = message
            .tool_calls
            .unwrap_or_default()
            .into_iter()
            .enumerate()
            .map(|(i, call)| ToolCall {
                id: call.id.filter(|id| !id.is_empty()).unwrap_or_else(|| format!("call_{call_number}_{i}")),
                name: call.function.name,
                arguments: match call.function.arguments {
                    Some(Value::String(text)) => text,
                    Some(other) => other.to_string(),
                    None => String::new(),
                },
            })
            .collect();
        Ok(ModelReply { content: message.content.filter(|c| !c.trim().is_empty()), tool_calls, usage })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn reads_minimal_and_odd_responses() {
        let text = r#"{"choices":[{"message":{"role":"assistant","content":null,"tool_calls":[
            {"type":"function","function":{"name":"get_snapshot_summary","arguments":{}}}]}}],
            "usage":{"prompt_tokens":120,"completion_tokens":9}}"#;
        let reply = serde_json::from_str::<WireResponse>(text).unwrap().into_reply(3).unwrap();
        assert_eq!(reply.tool_calls[0].id, "call_3_0");
        assert_eq!(reply.tool_calls[0].arguments, "{}");
        assert_eq!(reply.usage.prompt_tokens, 120);
        assert!(serde_json::from_str::<WireResponse>("{}").unwrap().into_reply(0).is_err());
    }
}
