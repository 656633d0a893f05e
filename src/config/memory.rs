//! The `[qdrant]` section (where vector memory lives: the embedded store under the data
//! directory, or a Qdrant server or cluster) and the `[embeddings]` section (an optional
//! OpenAI-compatible embeddings endpoint; without one, retrieval runs on BM25 sparse vectors).

use super::{invalid, ConfigError, Secret};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QdrantConfig {
    /// Empty means the embedded store in `<data-dir>/qdrant/`; otherwise the gRPC address of a
    /// Qdrant server or cluster, e.g. `https://qdrant.internal:6334`.
    pub url: String,
    pub api_key: Secret,
    /// Refuse a server address that is not `https://`; TLS itself follows the URL's scheme.
    pub require_tls: bool,
    /// Prepended to every collection name, so several deployments can share one cluster.
    pub collection_prefix: String,
    /// Shards per collection on a cluster (ignored by the embedded store).
    pub shard_number: u32,
    /// Copies of each shard on a cluster (ignored by the embedded store).
    pub replication_factor: u32,
    /// Replicas that must acknowledge a write on a cluster (ignored by the embedded store).
    pub write_consistency_factor: u32,
    pub timeout_secs: u64,
    pub connect_timeout_secs: u64,
    /// A folder of Markdown playbook files; empty means the playbook built into Candor.
    pub playbook_dir: String,
}

impl Default for QdrantConfig {
    fn default() -> Self {
        Self {
            url: String::new(),
            api_key: Secret::default(),
            require_tls: false,
            collection_prefix: "candor_".to_owned(),
            shard_number: 1,
            replication_factor: 1,
            write_consistency_factor: 1,
            timeout_secs: 30,
            connect_timeout_secs: 5,
            playbook_dir: String::new(),
        }
    }
}

impl QdrantConfig {
    pub fn is_embedded(&self) -> bool {
        self.url.trim().is_empty()
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        let url = self.url.trim();
        if !(url.is_empty() || url.starts_with("http://") || url.starts_with("https://")) {
            return Err(invalid("qdrant.url", "must start with http:// or https://"));
        }
        if self.require_tls && !url.is_empty() && !url.starts_with("https://") {
            return Err(invalid("qdrant.url", "must be https:// because qdrant.require_tls is set"));
        }
        let prefix_ok = self.collection_prefix.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !prefix_ok || self.collection_prefix.len() > 64 {
            return Err(invalid("qdrant.collection_prefix", "may hold at most 64 letters, digits, '_' or '-'"));
        }
        if self.shard_number == 0 {
            return Err(invalid("qdrant.shard_number", "must be at least 1"));
        }
        if self.replication_factor == 0 {
            return Err(invalid("qdrant.replication_factor", "must be at least 1"));
        }
        if self.write_consistency_factor == 0 || self.write_consistency_factor > self.replication_factor {
            return Err(invalid("qdrant.write_consistency_factor", "must be between 1 and qdrant.replication_factor"));
        }
        if self.timeout_secs == 0 || self.connect_timeout_secs == 0 {
            return Err(invalid("qdrant.timeout_secs", "timeouts must be at least one second"));
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EmbeddingsConfig {
    /// Base URL of an OpenAI-compatible API (`…/v1`); empty means no dense embeddings.
    pub base_url: String,
    pub api_key: Secret,
    pub model: String,
    /// Expected vector length; 0 learns it from the endpoint's first answer.
    pub dimensions: u32,
    /// Texts sent in one request.
    pub batch_size: usize,
    /// Attempts of one request on 429, 5xx and timeouts.
    pub max_retries: u32,
    pub backoff_initial_ms: u64,
    pub timeout_secs: u64,
}

impl Default for EmbeddingsConfig {
    fn default() -> Self {
        Self {
            base_url: String::new(),
            api_key: Secret::default(),
            model: "text-embedding-3-small".to_owned(),
            dimensions: 0,
            batch_size: 64,
            max_retries: 4,
            backoff_initial_ms: 500,
            timeout_secs: 60,
        }
    }
}

impl EmbeddingsConfig {
    pub fn is_configured(&self) -> bool {
        !self.base_url.trim().is_empty()
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        let url = self.base_url.trim();
        if !(url.is_empty() || url.starts_with("http://") || url.starts_with("https://")) {
            return Err(invalid("embeddings.base_url", "must start with http:// or https://"));
        }
        if self.is_configured() && self.model.trim().is_empty() {
            return Err(invalid("embeddings.model", "is empty"));
        }
        if !(1..=2048).contains(&self.batch_size) {
            return Err(invalid("embeddings.batch_size", "must be between 1 and 2048"));
        }
        if self.dimensions > 65_536 {
            return Err(invalid("embeddings.dimensions", "must be at most 65536"));
        }
        if self.timeout_secs == 0 {
            return Err(invalid("embeddings.timeout_secs", "must be at least one second"));
        }
        Ok(())
    }
}
