//! Vector memory on Qdrant: the playbook, past coaching and what followed it, and narratives of
//! closed deals, searchable by the agent's memory tools.
//!
//! One [`VectorStore`] contract, two backends: the embedded `qdrant-edge` store under
//! `<data-dir>/qdrant/` (the default) and a Qdrant server or cluster when `qdrant.url` is set.
//! The embedded store admits one process at a time; while `candor serve` holds it, other
//! commands on the same data directory use it through the server ([`RemoteStore`]).
//! Retrieval is BM25 with no model, or hybrid (dense + BM25, fused by reciprocal rank) when an
//! embeddings endpoint is configured. Every read is scoped by the point's owner in the store
//! layer, so a rep's recall never returns another rep's coaching.

pub mod advice;
pub(crate) mod bm25;
pub mod collections;
pub mod deals;
pub(crate) mod edge;
pub(crate) mod embed;
pub(crate) mod playbook;
pub(crate) mod remote;
pub(crate) mod retrieval;
pub(crate) mod server;
pub(crate) mod store;
pub mod tools;

#[cfg(test)]
mod suite;
#[cfg(test)]
pub(crate) mod suite_memory;
#[cfg(test)]
mod test_support;

pub use collections::Ensured;
pub use edge::EdgeStore;
pub use embed::Embedder;
pub use remote::RemoteStore;
pub use server::ServerStore;
pub use store::{Access, Filter, ScopedFilter, VectorStore};

use crate::config::Config;
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use store::{CollectionSpec, Hit, Layout, Point, Record, SearchRequest};

/// Failures of the memory layer.
#[derive(Debug, thiserror::Error)]
pub enum MemoryError {
    #[error("vector store ({backend}) failed: {reason}")]
    Backend { backend: &'static str, reason: String },
    /// Another process holds the embedded store (each shard's write-ahead log is locked).
    #[error("the vector store in {path} is held by another process ({reason})")]
    Locked { path: PathBuf, reason: String },
    #[error("collection {0} does not exist")]
    NoCollection(String),
    #[error("cannot use {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("invalid point: {0}")]
    InvalidPoint(String),
    #[error("embeddings: {0}")]
    Embedding(String),
    #[error("{what} has {found} dimensions where {expected} are expected")]
    DimensionMismatch { what: String, expected: usize, found: usize },
    #[error("playbook: {0}")]
    Playbook(String),
}

/// The backend chosen by configuration, or the running server's when it holds the embedded one.
pub enum AnyStore {
    Embedded(EdgeStore),
    Server(ServerStore),
    Remote(RemoteStore),
}

/// Where the embedded store of `data_dir` lives.
pub(crate) fn embedded_root(data_dir: &Path) -> PathBuf {
    data_dir.join("qdrant")
}

impl AnyStore {
    /// The server when `qdrant.url` is set, else the embedded store in `<data_dir>/qdrant`.
    pub fn from_config(config: &Config, data_dir: &Path) -> Result<AnyStore, MemoryError> {
        if config.qdrant.is_embedded() {
            Ok(AnyStore::Embedded(EdgeStore::open(&embedded_root(data_dir), &config.qdrant.collection_prefix)?))
        } else {
            Ok(AnyStore::Server(ServerStore::connect(&config.qdrant)?))
        }
    }
}

macro_rules! delegate {
    ($self:ident, $store:ident => $call:expr) => {
        match $self {
            AnyStore::Embedded($store) => $call,
            AnyStore::Server($store) => $call,
            AnyStore::Remote($store) => $call,
        }
    };
}

impl VectorStore for AnyStore {
    fn backend_name(&self) -> &'static str {
        delegate!(self, s => s.backend_name())
    }
    async fn layout(&self, collection: &str) -> Result<Option<Layout>, MemoryError> {
        delegate!(self, s => s.layout(collection).await)
    }
    async fn create_collection(&self, spec: &CollectionSpec) -> Result<(), MemoryError> {
        delegate!(self, s => s.create_collection(spec).await)
    }
    async fn ensure_indexes(&self, spec: &CollectionSpec) -> Result<(), MemoryError> {
        delegate!(self, s => s.ensure_indexes(spec).await)
    }
    async fn drop_collection(&self, collection: &str) -> Result<bool, MemoryError> {
        delegate!(self, s => s.drop_collection(collection).await)
    }
    async fn upsert(&self, collection: &str, points: Vec<Point>) -> Result<(), MemoryError> {
        delegate!(self, s => s.upsert(collection, points).await)
    }
    async fn delete(&self, collection: &str, ids: Vec<String>) -> Result<(), MemoryError> {
        delegate!(self, s => s.delete(collection, ids).await)
    }
    async fn set_payload(&self, collection: &str, id: &str, payload: Map<String, Value>) -> Result<(), MemoryError> {
        delegate!(self, s => s.set_payload(collection, id, payload).await)
    }
    async fn search(&self, collection: &str, request: &SearchRequest) -> Result<Vec<Hit>, MemoryError> {
        delegate!(self, s => s.search(collection, request).await)
    }
    async fn scroll(&self, collection: &str, filter: &ScopedFilter, limit: usize) -> Result<Vec<Record>, MemoryError> {
        delegate!(self, s => s.scroll(collection, filter, limit).await)
    }
    async fn count(&self, collection: &str, filter: &ScopedFilter) -> Result<usize, MemoryError> {
        delegate!(self, s => s.count(collection, filter).await)
    }
}

/// What start-up found and did.
#[derive(Debug, Clone, PartialEq)]
pub struct StartReport {
    pub backend: &'static str,
    pub dense_size: Option<usize>,
    pub collections: Vec<(&'static str, Ensured)>,
    pub playbook: playbook::SyncReport,
}

/// A store, the embedder that fills it, and the collections brought to layout.
pub struct Memory<S: VectorStore = AnyStore> {
    store: S,
    embedder: Embedder,
    dense_size: Option<usize>,
}

impl Memory<AnyStore> {
    /// Opens the configured store, creates or migrates the collections and re-indexes the
    /// playbook where it changed.
    pub async fn open(config: &Config, data_dir: &Path) -> Result<(Memory<AnyStore>, StartReport), MemoryError> {
        let store = AnyStore::from_config(config, data_dir)?;
        let embedder = Embedder::from_config(&config.embeddings)?;
        let (memory, collections) = Memory::start(store, embedder).await?;
        let sources = playbook::load_sources(&config.qdrant.playbook_dir)?;
        let synced = playbook::sync(&memory, &sources).await?;
        let report = StartReport {
            backend: memory.store.backend_name(),
            dense_size: memory.dense_size,
            collections,
            playbook: synced,
        };
        Ok((memory, report))
    }
}

impl Memory<AnyStore> {
    /// The memory a weekly run, `candor draft` or `candor serve` drafts with, opened once from
    /// configuration. When another process holds the embedded store and that process is the
    /// running server (its `serve.json` names it and it answers), the memory is used through
    /// the server. `None` when it cannot be opened (held by a process that does not serve it,
    /// the Qdrant server unreachable): drafting then goes on without the memory tools rather
    /// than failing the run. A store held elsewhere is also said on stderr, not only in the
    /// log, because the person running the command is the one who can fix it.
    pub async fn open_for_agent(config: &Config, data_dir: &Path) -> Option<Arc<Memory<AnyStore>>> {
        let error = match Memory::open(config, data_dir).await {
            Ok((memory, report)) => {
                tracing::info!(
                    backend = report.backend,
                    hybrid = report.dense_size.is_some(),
                    playbook_passages = report.playbook.passages,
                    playbook_written = report.playbook.written,
                    "vector memory ready"
                );
                return Some(Arc::new(memory));
            }
            Err(error) => error,
        };
        let MemoryError::Locked { .. } = &error else {
            tracing::warn!(%error, "vector memory unavailable; drafting without the memory tools");
            return None;
        };
        match Memory::through_server(config, data_dir).await {
            Ok((memory, served)) => {
                tracing::info!(
                    pid = served.pid,
                    "vector memory is held by the running server at {}; using it through the server",
                    served.url
                );
                Some(Arc::new(memory))
            }
            Err(reason) => {
                tracing::warn!(%error, %reason, "vector memory held by another process; drafting without the memory tools");
                eprintln!(
                    "warning: drafts made here have no memory tools: the vector memory in {} is held by another \
                     process and no `candor serve` answers for it ({reason}); stop that process, or leave the \
                     drafting to the server (`candor run` without --wait queues the run for `candor serve`)",
                    embedded_root(data_dir).display()
                );
                None
            }
        }
    }

    /// The embedded store of `data_dir` through the server that holds it and announced itself
    /// there. That server created and migrated the collections and synced the playbook when it
    /// started, so this process does neither: it checks that every collection is there with the
    /// vector layout its own embedder writes, which is also the proof that the server answers.
    async fn through_server(
        config: &Config,
        data_dir: &Path,
    ) -> Result<(Memory<AnyStore>, remote::Served), MemoryError> {
        let served = remote::Served::read(data_dir)?.ok_or_else(|| MemoryError::Backend {
            backend: "remote",
            reason: format!("no server announced itself in {}", remote::Served::path(data_dir).display()),
        })?;
        let store = RemoteStore::connect(&served)?;
        let embedder = Embedder::from_config(&config.embeddings)?;
        let dense_size = embedder.dense_size().await?;
        for def in collections::ALL {
            let layout = store.layout(def.name).await?;
            if layout != Some(Layout { dense_size }) {
                return Err(MemoryError::Backend {
                    backend: "remote",
                    reason: format!(
                        "the server's {} collection has layout {layout:?} where this configuration writes \
                         dense vectors of {dense_size:?}; use the server's embeddings settings",
                        def.name
                    ),
                });
            }
        }
        Ok((Memory { store: AnyStore::Remote(store), embedder, dense_size }, served))
    }
}

impl<S: VectorStore> Memory<S> {
    /// Creates or migrates every collection for the embedder's vector layout.
    pub async fn start(store: S, embedder: Embedder) -> Result<(Memory<S>, Vec<(&'static str, Ensured)>), MemoryError> {
        let dense_size = embedder.dense_size().await?;
        let mut ensured = Vec::new();
        for def in collections::ALL {
            ensured.push((def.name, collections::ensure(&store, &embedder, &def, dense_size).await?));
        }
        Ok((Memory { store, embedder, dense_size }, ensured))
    }

    pub fn store(&self) -> &S {
        &self.store
    }

    pub fn embedder(&self) -> &Embedder {
        &self.embedder
    }

    /// Whether searches fuse dense and sparse results.
    pub fn is_hybrid(&self) -> bool {
        self.dense_size.is_some()
    }

    /// Vectorises and writes items of one collection; each is `(key, owner, payload)` and its
    /// payload must hold the `text` to index.
    pub async fn write(
        &self,
        def: &collections::CollectionDef,
        items: Vec<(String, String, Map<String, Value>)>,
    ) -> Result<usize, MemoryError> {
        let texts: Vec<String> = items
            .iter()
            .map(|(_, _, payload)| {
                payload.get(store::TEXT_FIELD).and_then(Value::as_str).unwrap_or_default().to_owned()
            })
            .collect();
        let vectors = self.embedder.documents(def.bm25, &texts).await?;
        let points: Vec<Point> = items
            .into_iter()
            .zip(vectors)
            .map(|((key, owner, payload), vectors)| Point::new(def.name, &key, &owner, vectors, payload))
            .collect();
        let written = points.len();
        self.store.upsert(def.name, points).await?;
        Ok(written)
    }

    /// The best `limit` points of `def` for `text` within `filter`.
    pub async fn search(
        &self,
        def: &collections::CollectionDef,
        text: &str,
        filter: ScopedFilter,
        limit: usize,
    ) -> Result<Vec<Hit>, MemoryError> {
        retrieval::search(&self.store, &self.embedder, def, text, filter, limit).await
    }
}
