//! Helpers for the run-pipeline tests: fast job settings, working a run to its end in-process,
//! and a loopback HTTP server that scripts a webhook's answers and records what it received.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use candor::coaching::AgentSetup;
use candor::config::Config;
use candor::jobs::{wait_for_run, Pipeline, RunStatus, Worker};
use candor::store::Store;
use candor::workflow::deliver::Deliverer;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Retries and polling in milliseconds, so failure paths run in a test's time.
pub fn fast_config(extra: &str) -> Config {
    Config::from_toml(&format!(
        "[jobs]\nbackoff_base_ms = 20\nbackoff_max_seconds = 1\nlease_seconds = 5\npoll_interval_ms = 20\n{extra}"
    ))
    .unwrap()
}

/// The drafting `config` names (the offline provider unless it says otherwise).
pub fn drafting(config: &Config) -> Arc<AgentSetup> {
    Arc::new(AgentSetup::from_config(config).unwrap())
}

pub fn pipeline(store: &Store, config: &Config, data_dir: &Path, drafting: Arc<AgentSetup>) -> Arc<Pipeline> {
    let deliverer = Deliverer::from_config(config, data_dir).unwrap();
    Arc::new(Pipeline::new(store.clone(), Arc::new(config.clone()), drafting, Arc::new(deliverer)))
}

/// Works the queue until `run_id` finishes (at most a minute) and returns its status.
pub async fn work_run(store: &Store, config: &Config, data_dir: &Path, run_id: &str) -> RunStatus {
    work_run_with(store, config, data_dir, run_id, drafting(config)).await
}

pub async fn work_run_with(
    store: &Store,
    config: &Config,
    data_dir: &Path,
    run_id: &str,
    drafting: Arc<AgentSetup>,
) -> RunStatus {
    let worker = Worker::new(pipeline(store, config, data_dir, drafting)).spawn();
    let status =
        tokio::time::timeout(Duration::from_secs(60), wait_for_run(store, run_id, Duration::from_millis(20), |_| {}))
            .await
            .expect("the run finishes within a minute")
            .unwrap();
    worker.stop(Duration::from_secs(5)).await;
    status
}

/// One request the scripted server received.
#[derive(Debug, Clone)]
pub struct Received {
    pub content_type: String,
    pub body: serde_json::Value,
}

/// What the server answers: status, extra headers and body.
pub type Answer = (u16, Vec<(&'static str, String)>, String);

#[derive(Clone)]
struct Script {
    received: Arc<Mutex<Vec<Received>>>,
    answer: Arc<dyn Fn(&serde_json::Value, usize) -> Answer + Send + Sync>,
}

/// A webhook on 127.0.0.1: `answer(payload, n)` decides the reply to the n-th request (0-based)
/// carrying the same payload text.
pub struct ScriptedWebhook {
    pub url: String,
    pub received: Arc<Mutex<Vec<Received>>>,
}

async fn receive(State(script): State<Script>, headers: HeaderMap, body: Bytes) -> Response {
    let content_type = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    let Ok(payload) = serde_json::from_slice::<serde_json::Value>(&body) else {
        return (StatusCode::BAD_REQUEST, "invalid_payload").into_response();
    };
    let seen = {
        let mut received = script.received.lock().unwrap();
        let seen = received.iter().filter(|r| r.body == payload).count();
        received.push(Received { content_type, body: payload.clone() });
        seen
    };
    let (status, headers, text) = (script.answer)(&payload, seen);
    let mut response = (StatusCode::from_u16(status).unwrap(), text).into_response();
    for (name, value) in headers {
        response.headers_mut().insert(name, value.parse().unwrap());
    }
    response
}

pub async fn scripted_webhook(
    answer: impl Fn(&serde_json::Value, usize) -> Answer + Send + Sync + 'static,
) -> ScriptedWebhook {
    let received = Arc::new(Mutex::new(Vec::new()));
    let script = Script { received: received.clone(), answer: Arc::new(answer) };
    let router = Router::new().route("/hook", post(receive)).with_state(script);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    ScriptedWebhook { url: format!("http://{address}/hook"), received }
}

pub fn ok(text: &str) -> Answer {
    (200, Vec::new(), text.to_owned())
}
