//! Test fixtures for memory: a local OpenAI-compatible embeddings server with deterministic
//! vectors and injectable failures, and the store factories the behavioural suite runs on.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::bm25::{term_id, tokens};
use super::edge::EdgeStore;
use super::server::ServerStore;
use crate::config::{EmbeddingsConfig, QdrantConfig, Secret};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// Environment variable naming a Qdrant server (gRPC URL) for the server-backend tests.
pub(super) const QDRANT_URL_VAR: &str = "CANDOR_TEST_QDRANT_URL";

#[derive(Clone)]
struct FakeState {
    dims: usize,
    fail_first: usize,
    calls: Arc<AtomicUsize>,
    inputs: Arc<AtomicUsize>,
}

/// A running fake embeddings endpoint.
pub(super) struct FakeEmbeddings {
    pub base_url: String,
    pub calls: Arc<AtomicUsize>,
    /// Texts embedded, over all successful calls.
    #[allow(dead_code)]
    pub inputs: Arc<AtomicUsize>,
}

impl FakeEmbeddings {
    pub(super) fn config(&self, batch_size: usize) -> EmbeddingsConfig {
        EmbeddingsConfig {
            base_url: self.base_url.clone(),
            api_key: Secret::new("test-key"),
            model: "fake".into(),
            dimensions: 0,
            batch_size,
            max_retries: 3,
            backoff_initial_ms: 1,
            timeout_secs: 5,
        }
    }

    pub(super) fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

/// A bag-of-words vector: each term adds to one of `dims` buckets, then unit length.
pub(super) fn fake_vector(text: &str, dims: usize) -> Vec<f32> {
    let mut vector = vec![0.0f32; dims];
    for token in tokens(text) {
        vector[term_id(&token) as usize % dims] += 1.0;
    }
    let norm = vector.iter().map(|v| v * v).sum::<f32>().sqrt();
    if norm == 0.0 {
        vector[0] = 1.0;
        return vector;
    }
    vector.iter().map(|v| v / norm).collect()
}

async fn embeddings(State(state): State<FakeState>, Json(body): Json<Value>) -> Response {
    let call = state.calls.fetch_add(1, Ordering::SeqCst);
    if call < state.fail_first {
        return (StatusCode::SERVICE_UNAVAILABLE, [("retry-after", "0")], "busy").into_response();
    }
    let inputs: Vec<String> =
        body["input"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_owned()).collect();
    state.inputs.fetch_add(inputs.len(), Ordering::SeqCst);
    // Reversed on purpose: clients must order by `index`.
    let data: Vec<Value> = inputs
        .iter()
        .enumerate()
        .rev()
        .map(|(index, text)| json!({ "object": "embedding", "index": index, "embedding": fake_vector(text, state.dims) }))
        .collect();
    Json(json!({ "object": "list", "data": data, "model": "fake" })).into_response()
}

/// Starts a fake endpoint on 127.0.0.1 that answers 503 to its first `fail_first` calls.
pub(super) async fn spawn_embeddings(dims: usize, fail_first: usize) -> FakeEmbeddings {
    let calls = Arc::new(AtomicUsize::new(0));
    let inputs = Arc::new(AtomicUsize::new(0));
    let state = FakeState { dims, fail_first, calls: calls.clone(), inputs: inputs.clone() };
    let app = Router::new().route("/v1/embeddings", post(embeddings)).with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    FakeEmbeddings { base_url: format!("http://{address}/v1"), calls, inputs }
}

/// Opens the embedded store at one directory, again and again (a restart).
pub(super) struct EdgeAt(pub PathBuf);

impl EdgeAt {
    pub(super) fn open(&self) -> EdgeStore {
        EdgeStore::open(&self.0, "t_").unwrap()
    }
}

/// The server-backend configuration from the environment, with a prefix unique to this run,
/// or `None` (and a printed reason) when no server is configured.
pub(super) fn server_config(test: &str) -> Option<QdrantConfig> {
    let Ok(url) = std::env::var(QDRANT_URL_VAR) else {
        println!("skipping {test} on the Qdrant server backend: {QDRANT_URL_VAR} is not set");
        return None;
    };
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    Some(QdrantConfig {
        url,
        api_key: Secret::new(std::env::var("CANDOR_TEST_QDRANT_API_KEY").unwrap_or_default()),
        collection_prefix: format!("candor_test_{}_{}_", std::process::id(), nanos % 1_000_000_000),
        ..QdrantConfig::default()
    })
}

pub(super) fn open_server(config: &QdrantConfig) -> ServerStore {
    ServerStore::connect(config).unwrap()
}
