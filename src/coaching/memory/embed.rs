//! Text to vectors. Dense vectors come from any OpenAI-compatible `/embeddings` endpoint, in
//! batches, with retries on rate limits, server errors and timeouts, and with every vector's
//! length checked; sparse BM25 vectors are always computed locally, so a collection can be
//! searched with no endpoint at all.

use super::bm25::Bm25;
use super::store::{PointVectors, SparseVector};
use super::MemoryError;
use crate::config::EmbeddingsConfig;
use serde::Deserialize;
use std::sync::OnceLock;
use std::time::Duration;

/// Longest `Retry-After` honoured before a request counts as failed.
const RETRY_AFTER_CAP: Duration = Duration::from_secs(30);

/// A client for an OpenAI-compatible embeddings endpoint.
pub(crate) struct DenseEmbedder {
    client: reqwest::Client,
    url: String,
    api_key: String,
    model: String,
    batch_size: usize,
    max_retries: u32,
    backoff_initial: Duration,
    /// Fixed by configuration, or learned from the first answer.
    dimensions: OnceLock<usize>,
}

#[derive(Deserialize)]
struct EmbeddingResponse {
    data: Vec<EmbeddingItem>,
}

#[derive(Deserialize)]
struct EmbeddingItem {
    embedding: Vec<f32>,
    #[serde(default)]
    index: Option<usize>,
}

enum AttemptError {
    Retryable { reason: String, wait: Option<Duration> },
    Fatal(String),
}

impl DenseEmbedder {
    pub(crate) fn from_config(config: &EmbeddingsConfig) -> Result<Self, MemoryError> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(config.timeout_secs))
            .build()
            .map_err(|e| MemoryError::Embedding(format!("cannot build the HTTP client: {e}")))?;
        let dimensions = OnceLock::new();
        if config.dimensions > 0 {
            let _ = dimensions.set(config.dimensions as usize);
        }
        Ok(Self {
            client,
            url: format!("{}/embeddings", config.base_url.trim().trim_end_matches('/')),
            api_key: config.api_key.expose().to_owned(),
            model: config.model.clone(),
            batch_size: config.batch_size.max(1),
            max_retries: config.max_retries,
            backoff_initial: Duration::from_millis(config.backoff_initial_ms),
            dimensions,
        })
    }

    /// The vector length, asking the endpoint once when it was not configured.
    pub(crate) async fn dimensions(&self) -> Result<usize, MemoryError> {
        if let Some(size) = self.dimensions.get() {
            return Ok(*size);
        }
        let probe = self.embed(&["dimension probe".to_owned()]).await?;
        probe.first().map(Vec::len).ok_or_else(|| MemoryError::Embedding("the endpoint returned no vector".into()))
    }

    /// One vector per text, in order.
    pub(crate) async fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, MemoryError> {
        let mut vectors = Vec::with_capacity(texts.len());
        for batch in texts.chunks(self.batch_size) {
            vectors.extend(self.embed_batch(batch).await?);
        }
        Ok(vectors)
    }

    async fn embed_batch(&self, batch: &[String]) -> Result<Vec<Vec<f32>>, MemoryError> {
        let mut wait = self.backoff_initial;
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.attempt(batch).await {
                Ok(vectors) => return self.checked(batch.len(), vectors),
                Err(AttemptError::Fatal(reason)) => return Err(MemoryError::Embedding(reason)),
                Err(AttemptError::Retryable { reason, wait: asked }) => {
                    if attempt > self.max_retries {
                        return Err(MemoryError::Embedding(format!("{reason} (after {attempt} attempts)")));
                    }
                    let pause = asked.unwrap_or(wait);
                    if pause > RETRY_AFTER_CAP {
                        return Err(MemoryError::Embedding(format!("{reason}; asked to wait {}s", pause.as_secs())));
                    }
                    tracing::warn!(attempt, reason = %reason, "embeddings request failed; retrying");
                    tokio::time::sleep(pause).await;
                    wait = (wait * 2).min(RETRY_AFTER_CAP);
                }
            }
        }
    }

    async fn attempt(&self, batch: &[String]) -> Result<Vec<Vec<f32>>, AttemptError> {
        let body = serde_json::json!({ "model": self.model, "input": batch, "encoding_format": "float" });
        let mut request = self
            .client
            .post(&self.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_string());
        if !self.api_key.is_empty() {
            request = request.bearer_auth(&self.api_key);
        }
        let response = request.send().await.map_err(|e| AttemptError::Retryable {
            reason: format!("embeddings request failed: {}", without_url(&e)),
            wait: None,
        })?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let bytes = response.bytes().await.map_err(|e| AttemptError::Retryable {
            reason: format!("reading the embeddings answer failed: {}", without_url(&e)),
            wait: None,
        })?;
        if status.as_u16() == 429 || status.is_server_error() {
            return Err(AttemptError::Retryable {
                reason: format!("embeddings endpoint answered {status}"),
                wait: retry_after,
            });
        }
        if !status.is_success() {
            let detail: String = String::from_utf8_lossy(&bytes).chars().take(300).collect();
            return Err(AttemptError::Fatal(format!("embeddings endpoint answered {status}: {detail}")));
        }
        let parsed: EmbeddingResponse = serde_json::from_slice(&bytes)
            .map_err(|e| AttemptError::Fatal(format!("the embeddings answer is not valid: {e}")))?;
        let mut items = parsed.data;
        // Answers may come out of order; `index` says where each belongs.
        items.sort_by_key(|item| item.index.unwrap_or(usize::MAX));
        Ok(items.into_iter().map(|item| item.embedding).collect())
    }

    fn checked(&self, expected: usize, vectors: Vec<Vec<f32>>) -> Result<Vec<Vec<f32>>, MemoryError> {
        if vectors.len() != expected {
            return Err(MemoryError::Embedding(format!("asked for {expected} vectors, received {}", vectors.len())));
        }
        let size = *self.dimensions.get_or_init(|| vectors.first().map(Vec::len).unwrap_or(0));
        if let Some(wrong) = vectors.iter().find(|v| v.len() != size || v.is_empty()) {
            return Err(MemoryError::DimensionMismatch {
                what: "embeddings endpoint".to_owned(),
                expected: size,
                found: wrong.len(),
            });
        }
        Ok(vectors)
    }
}

/// The client's error text without the request URL, which may carry credentials.
fn without_url(error: &reqwest::Error) -> String {
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "could not connect"
    } else if error.is_body() || error.is_decode() {
        "broken body"
    } else {
        "transport error"
    };
    kind.to_owned()
}

/// Turns text into the vectors a collection stores: BM25 always, dense when configured.
pub struct Embedder {
    dense: Option<DenseEmbedder>,
}

impl Embedder {
    pub fn sparse_only() -> Self {
        Self { dense: None }
    }

    pub fn from_config(config: &EmbeddingsConfig) -> Result<Self, MemoryError> {
        let dense = if config.is_configured() { Some(DenseEmbedder::from_config(config)?) } else { None };
        Ok(Self { dense })
    }

    pub fn has_dense(&self) -> bool {
        self.dense.is_some()
    }

    /// The dense vector length, or `None` when retrieval is sparse only.
    pub async fn dense_size(&self) -> Result<Option<usize>, MemoryError> {
        match &self.dense {
            Some(dense) => Ok(Some(dense.dimensions().await?)),
            None => Ok(None),
        }
    }

    /// Vectors for documents of a collection whose documents average `bm25.average_terms`.
    pub async fn documents(&self, bm25: Bm25, texts: &[String]) -> Result<Vec<PointVectors>, MemoryError> {
        let dense = match &self.dense {
            Some(dense) => dense.embed(texts).await?.into_iter().map(Some).collect(),
            None => vec![None; texts.len()],
        };
        Ok(texts.iter().zip(dense).map(|(text, dense)| PointVectors { dense, sparse: bm25.document(text) }).collect())
    }

    /// The query's sparse vector and, when configured, its dense vector.
    pub async fn query(&self, bm25: Bm25, text: &str) -> Result<(SparseVector, Option<Vec<f32>>), MemoryError> {
        let dense = match &self.dense {
            Some(dense) => dense.embed(&[text.to_owned()]).await?.into_iter().next(),
            None => None,
        };
        Ok((bm25.query(text), dense))
    }
}
