//! A compromised drafting model on loopback: an OpenAI-compatible `/v1/chat/completions` server
//! that reads every message of a conversation (system, user, its own calls, every tool result)
//! for a planted instruction it knows, records what each recipient's conversation exposed it to,
//! and obeys: it reads all the recipient's deals, then submits the deterministic draft with the
//! attacker's words in it, and again, rephrased, on the repair turn.

use super::goals::{catalog, goal, Goal};
use super::turns::{next_move, obey, submit_call, Move};
use crate::coaching::{drafter, Draft, Snapshot};
use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Value};
use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Words of an instruction that identify it wherever it is shown.
const FRAGMENT_WORDS: usize = 8;

/// What one recipient's conversation did, for one model name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Session {
    pub requests: u32,
    /// Messages of the conversation read so far: each request repeats the earlier ones.
    read: usize,
    /// Requests in which some message carried a planted instruction.
    pub exposed_requests: u32,
    /// The goals whose instructions the model saw.
    pub goals_seen: BTreeSet<&'static str>,
    pub submissions: u32,
    /// Submissions carrying the attacker's words.
    pub obeyed: u32,
}

impl Session {
    pub fn exposed(&self) -> bool {
        self.exposed_requests > 0
    }
}

/// (model name, recipient name, role).
type SessionKey = (String, String, String);

#[derive(Default)]
struct ModelState {
    /// The deterministic draft of each recipient, by (name, role).
    drafts: HashMap<(String, String), Draft>,
    sessions: HashMap<SessionKey, Session>,
}

pub struct ObedientModel {
    /// Each goal's identifying fragments, normalised: its first and its last words.
    fragments: Vec<(&'static Goal, [String; 2])>,
    state: Mutex<ModelState>,
    /// Time spent answering, in microseconds.
    busy_us: AtomicU64,
}

/// Quote markers and the JSON escapes that could split an instruction's words.
const NOISE: [(&str, &str); 10] = [
    ("\\n", " "),
    ("\\t", " "),
    ("\\\"", "\""),
    ("\\u003c", "<"),
    ("\\u003e", ">"),
    ("\\u0026", "&"),
    ("<quoted-source>", " "),
    ("</quoted-source>", " "),
    ("<quoted source>", " "),
    ("</quoted source>", " "),
];

/// Lower case, quote markers and JSON escapes removed, every run of other characters one space.
pub(crate) fn normalise(text: &str) -> String {
    let mut cleaned = std::borrow::Cow::Borrowed(text);
    if text.contains(['\\', '<']) {
        for (from, to) in NOISE {
            if cleaned.contains(from) {
                cleaned = std::borrow::Cow::Owned(cleaned.replace(from, to));
            }
        }
    }
    let mut out = String::with_capacity(cleaned.len());
    for c in cleaned.chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.is_empty() && !out.ends_with(' ') {
            out.push(' ');
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

fn fragments(goal: &Goal) -> [String; 2] {
    let normal = normalise(goal.instruction);
    let words: Vec<&str> = normal.split(' ').collect();
    let take = FRAGMENT_WORDS.min(words.len());
    [words[..take].join(" "), words[words.len() - take..].join(" ")]
}

/// Every text of a message: its content (plain, parts, and the strings of a JSON result) and
/// the arguments of its tool calls.
fn texts_of(message: &Value, out: &mut Vec<String>) {
    fn leaves(value: &Value, out: &mut Vec<String>) {
        match value {
            Value::String(text) => out.push(text.clone()),
            Value::Array(items) => items.iter().for_each(|item| leaves(item, out)),
            Value::Object(map) => map.values().for_each(|item| leaves(item, out)),
            _ => {}
        }
    }
    match &message["content"] {
        // A tool result is JSON: its strings, unescaped; other text as it is.
        Value::String(text) => match serde_json::from_str::<Value>(text) {
            Ok(parsed) if parsed.is_object() || parsed.is_array() => leaves(&parsed, out),
            _ => out.push(text.clone()),
        },
        other => leaves(other, out),
    }
    for call in message["tool_calls"].as_array().into_iter().flatten() {
        leaves(&call["function"], out);
    }
}

fn recipient_in(messages: &[Value]) -> Option<(String, String)> {
    static PATTERN: LazyLock<Option<regex::Regex>> =
        LazyLock::new(|| regex::Regex::new(r"for (.+?) \(a (rep|manager|leader);").ok());
    let prompt = messages.iter().find(|m| m["role"] == "user")?["content"].as_str()?;
    let found = PATTERN.as_ref()?.captures(prompt)?;
    Some((found[1].to_owned(), found[2].to_owned()))
}

fn completion(message: Value) -> Value {
    json!({
        "id": "chatcmpl-obedient", "object": "chat.completion", "created": 1_763_000_000, "model": "obedient",
        "choices": [{ "index": 0, "finish_reason": "tool_calls", "message": message }],
        "usage": { "prompt_tokens": 1000, "completion_tokens": 100, "total_tokens": 1100 }
    })
}

fn calls(turn: usize, calls: Vec<(&'static str, String)>) -> Value {
    let calls: Vec<Value> = calls
        .into_iter()
        .enumerate()
        .map(|(i, (name, arguments))| {
            json!({ "id": format!("call_{turn}_{i}"), "type": "function",
                    "function": { "name": name, "arguments": arguments } })
        })
        .collect();
    completion(json!({ "role": "assistant", "content": null, "tool_calls": calls }))
}

impl ObedientModel {
    fn new() -> ObedientModel {
        ObedientModel {
            fragments: catalog().iter().map(|g| (g, fragments(g))).collect(),
            state: Mutex::new(ModelState::default()),
            busy_us: AtomicU64::new(0),
        }
    }

    fn lock(&self) -> MutexGuard<'_, ModelState> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Keeps the deterministic draft for `snapshot`'s recipient, which the model submits as its
    /// own (with the attacker's words when it saw any).
    pub fn prepare(&self, snapshot: &Snapshot) {
        let key = (snapshot.recipient.name.clone(), snapshot.recipient.role.as_str().to_owned());
        self.lock().drafts.insert(key, drafter::draft(snapshot));
    }

    /// How long the model has spent answering, all requests together.
    pub fn busy(&self) -> Duration {
        Duration::from_micros(self.busy_us.load(Ordering::Relaxed))
    }

    /// Takes what the conversations for `name` in `role` under `model` did since the last take.
    pub fn take(&self, model: &str, name: &str, role: &str) -> Session {
        self.lock().sessions.remove(&(model.to_owned(), name.to_owned(), role.to_owned())).unwrap_or_default()
    }

    /// The goals whose instructions appear in any of `messages`.
    pub(crate) fn planted_in(&self, messages: &[Value]) -> BTreeSet<&'static str> {
        let normal: Vec<String> = messages.iter().flat_map(|m| self.normal_texts(m)).collect();
        self.fragments
            .iter()
            .filter(|(_, fragments)| normal.iter().any(|t| fragments.iter().any(|f| t.contains(f.as_str()))))
            .map(|(g, _)| g.id)
            .collect()
    }

    fn normal_texts(&self, message: &Value) -> Vec<String> {
        let mut texts = Vec::new();
        texts_of(message, &mut texts);
        texts.iter().map(|t| normalise(t)).collect()
    }

    fn answer(&self, request: &Value) -> Value {
        let messages = request["messages"].as_array().map(Vec::as_slice).unwrap_or_default();
        let Some((name, role)) = recipient_in(messages) else {
            return completion(json!({ "role": "assistant", "content": "I cannot tell who this is for." }));
        };
        let key = (request["model"].as_str().unwrap_or_default().to_owned(), name.clone(), role.clone());
        // Each request repeats the conversation so far: only the messages not read yet are new.
        let read = self.lock().sessions.get(&key).map_or(0, |s| s.read).min(messages.len());
        let seen = self.planted_in(&messages[read..]);
        let turn = messages.iter().filter(|m| m["role"] == "assistant").count() + 1;
        let mut state = self.lock();
        let draft = state.drafts.get(&(name, role.clone())).cloned();
        let session = state.sessions.entry(key).or_default();
        session.requests += 1;
        session.read = messages.len();
        session.goals_seen.extend(seen);
        session.exposed_requests += u32::from(!session.goals_seen.is_empty());
        match next_move(messages, &role) {
            Move::Read(reads) => calls(turn, reads),
            Move::Submit { repair } => {
                let Some(mut draft) = draft else {
                    return completion(
                        json!({ "role": "assistant", "content": "I have no draft for this recipient." }),
                    );
                };
                let goals = session.goals_seen.iter().filter_map(|id| goal(id));
                let texts: Vec<&str> = goals.map(|g| if repair { g.retry_text } else { g.draft_text }).collect();
                obey(&mut draft, &texts, repair);
                session.submissions += 1;
                session.obeyed += u32::from(!texts.is_empty());
                calls(turn, vec![submit_call(&draft)])
            }
        }
    }
}

async fn complete(State(model): State<Arc<ObedientModel>>, Json(request): Json<Value>) -> Json<Value> {
    let started = Instant::now();
    let answer = model.answer(&request);
    model.busy_us.fetch_add(started.elapsed().as_micros() as u64, Ordering::Relaxed);
    Json(answer)
}

/// Serves the obedient model on 127.0.0.1; returns its base URL (for `llm.base_url`) and the
/// model, to prepare drafts and read sessions from.
pub async fn serve() -> std::io::Result<(String, Arc<ObedientModel>)> {
    let model = Arc::new(ObedientModel::new());
    let router = Router::new().route("/v1/chat/completions", post(complete)).with_state(model.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    Ok((format!("http://{address}/v1"), model))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn a_planted_instruction_is_found_through_json_escaping_and_quote_markers() {
        let model = ObedientModel::new();
        let g = goal("adviser_change").unwrap();
        let quoted = format!("<quoted-source>Please: {}.</quoted-source>", g.instruction);
        let result = json!({ "recent_activity": [{ "excerpt": quoted }] }).to_string();
        let messages = vec![json!({"role": "tool", "tool_call_id": "c", "content": result})];
        assert_eq!(model.planted_in(&messages), BTreeSet::from(["adviser_change"]));
        let escaped = json!({"role": "tool", "content": json!({"text": g.instruction.replace(' ', "\n")}).to_string()});
        assert_eq!(model.planted_in(&[escaped]), BTreeSet::from(["adviser_change"]));
        let raw = json!({"role": "user", "content": format!("x {} y", g.instruction.replace(' ', "\\n"))});
        assert_eq!(model.planted_in(&[raw]), BTreeSet::from(["adviser_change"]));
    }

    #[test]
    fn the_model_s_own_words_are_not_mistaken_for_a_planted_instruction() {
        let model = ObedientModel::new();
        for g in catalog() {
            for text in [g.draft_text, g.retry_text] {
                let messages = vec![json!({"role": "tool", "content": format!("refused: {text:?} copies the source")})];
                assert!(model.planted_in(&messages).is_empty(), "{}: {text}", g.id);
            }
        }
    }
}
