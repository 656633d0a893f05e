//! The embedded backend: one `qdrant-edge` shard per collection under `<data-dir>/qdrant/`,
//! opened on first use and kept open. Edge calls block on disk I/O, so each runs on tokio's
//! blocking pool.

use super::store::{
    CollectionSpec, Condition, FieldKind, Hit, Layout, Point, QueryVector, Record, ScopedFilter, SearchRequest,
    VectorStore, DENSE_VECTOR, SPARSE_VECTOR,
};
use super::MemoryError;
use qdrant_edge::external::uuid::Uuid;
use qdrant_edge::{
    CountRequest, CreateIndex, Distance, EdgeConfigBuilder, EdgeShard, EdgeSparseVectorParamsBuilder,
    EdgeVectorParamsBuilder, FieldIndexOperations, Filter as EdgeFilter, JsonPath, Modifier, NamedQuery, Payload,
    PayloadFieldSchema, PayloadOps, PayloadSchemaType, PointId, PointInsertOperations, PointOperations, PointStruct,
    QueryEnum, QueryRequest, ScoringQuery, ScrollRequest, SetPayloadOp, UpdateOperation, Vector, VectorInternal,
    Vectors, WithPayloadInterface, WithVector,
};
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

/// Points per write to the shard's log; bounds memory per operation on bulk loads.
const UPSERT_CHUNK: usize = 512;
/// Records per scroll page.
const SCROLL_PAGE: usize = 1_000;

pub struct EdgeStore {
    root: PathBuf,
    prefix: String,
    shards: RwLock<HashMap<String, Arc<EdgeShard>>>,
}

fn edge_error(context: &str, error: impl std::fmt::Display) -> MemoryError {
    MemoryError::Backend { backend: "edge", reason: format!("{context}: {error}") }
}

/// Why the shard at `path` did not open. The engine takes an exclusive `flock` on each shard's
/// write-ahead log and reports failures only as text, in which the I/O error's kind survives
/// (`WouldBlock`); that case is told apart because another process holding the store is not a
/// fault of the store, and the caller may reach that process instead.
fn open_error(context: &str, path: &Path, error: impl std::fmt::Display) -> MemoryError {
    let reason = error.to_string();
    if reason.contains("WAL") && reason.contains("WouldBlock") {
        MemoryError::Locked { path: path.to_path_buf(), reason }
    } else {
        edge_error(context, reason)
    }
}

impl EdgeStore {
    /// A store rooted at `root` (normally `<data-dir>/qdrant`), created if missing.
    pub fn open(root: &Path, prefix: &str) -> Result<Self, MemoryError> {
        std::fs::create_dir_all(root).map_err(|source| MemoryError::Io { path: root.to_path_buf(), source })?;
        Ok(Self { root: root.to_path_buf(), prefix: prefix.to_owned(), shards: RwLock::new(HashMap::new()) })
    }

    fn path_of(&self, collection: &str) -> PathBuf {
        self.root.join(format!("{}{collection}", self.prefix))
    }

    fn cached(&self, collection: &str) -> Result<Option<Arc<EdgeShard>>, MemoryError> {
        let shards = self.shards.read().map_err(|_| edge_error("shard table", "lock poisoned"))?;
        Ok(shards.get(collection).cloned())
    }

    /// The open shard of `collection`, loading it from disk when it exists there.
    async fn shard(&self, collection: &str) -> Result<Option<Arc<EdgeShard>>, MemoryError> {
        if let Some(shard) = self.cached(collection)? {
            return Ok(Some(shard));
        }
        let path = self.path_of(collection);
        if !path.join("edge_config.json").exists() {
            return Ok(None);
        }
        let shard =
            blocking(move || EdgeShard::load(&path, None).map_err(|e| open_error("opening shard", &path, e))).await?;
        let shard = Arc::new(shard);
        let mut shards = self.shards.write().map_err(|_| edge_error("shard table", "lock poisoned"))?;
        Ok(Some(shards.entry(collection.to_owned()).or_insert(shard).clone()))
    }

    async fn existing(&self, collection: &str) -> Result<Arc<EdgeShard>, MemoryError> {
        self.shard(collection).await?.ok_or_else(|| MemoryError::NoCollection(collection.to_owned()))
    }

    /// Merges segments and builds indexes; worth calling after a bulk load.
    pub async fn optimize(&self, collection: &str) -> Result<bool, MemoryError> {
        let shard = self.existing(collection).await?;
        blocking(move || shard.optimize().map_err(|e| edge_error("optimising", e))).await
    }

    /// Flushes and closes every open shard, as a process exit would.
    pub fn close_all(&self) -> Result<(), MemoryError> {
        let mut shards = self.shards.write().map_err(|_| edge_error("shard table", "lock poisoned"))?;
        shards.clear();
        Ok(())
    }
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, MemoryError> + Send + 'static,
) -> Result<T, MemoryError> {
    tokio::task::spawn_blocking(work).await.map_err(|e| edge_error("blocking task", e))?
}

fn to_edge_id(id: &str) -> Result<PointId, MemoryError> {
    Uuid::parse_str(id).map(PointId::Uuid).map_err(|e| MemoryError::InvalidPoint(format!("id {id:?}: {e}")))
}

fn from_edge_id(id: &PointId) -> String {
    match id {
        PointId::Uuid(uuid) => uuid.to_string(),
        PointId::NumId(number) => number.to_string(),
    }
}

/// Translates backend-neutral conditions into the engine's filter through its documented JSON
/// form, which is the same on the edge and on a server.
fn to_edge_filter(conditions: &[Condition]) -> Result<Option<EdgeFilter>, MemoryError> {
    if conditions.is_empty() {
        return Ok(None);
    }
    let mut must = Vec::new();
    let mut must_not = Vec::new();
    for condition in conditions {
        match condition {
            Condition::KeywordIn { key, any } => must.push(json!({ "key": key, "match": { "any": any } })),
            Condition::KeywordNotIn { key, values } => must_not.push(json!({ "key": key, "match": { "any": values } })),
            Condition::IntegerRange { key, gte, lte } => {
                must.push(json!({ "key": key, "range": { "gte": gte, "lte": lte } }))
            }
        }
    }
    serde_json::from_value(json!({ "must": must, "must_not": must_not }))
        .map(Some)
        .map_err(|e| MemoryError::InvalidPoint(format!("filter: {e}")))
}

fn to_edge_point(point: Point) -> Result<PointStruct, MemoryError> {
    let mut named: Vec<(&str, Vector)> = Vec::with_capacity(2);
    if let Some(dense) = &point.vectors.dense {
        named.push((DENSE_VECTOR, Vector::new_dense(dense.clone())));
    }
    let sparse = Vector::new_sparse(point.vectors.sparse.indices.clone(), point.vectors.sparse.values.clone())
        .map_err(|e| MemoryError::InvalidPoint(format!("sparse vector: {e}")))?;
    named.push((SPARSE_VECTOR, sparse));
    let id = to_edge_id(point.id())?;
    Ok(PointStruct::new(id, Vectors::new_named(named), Value::Object(point.payload().clone())))
}

fn payload_map(payload: Option<Payload>) -> Map<String, Value> {
    payload.map(|p| p.0.into_iter().collect()).unwrap_or_default()
}

impl VectorStore for EdgeStore {
    fn backend_name(&self) -> &'static str {
        "embedded"
    }

    async fn layout(&self, collection: &str) -> Result<Option<Layout>, MemoryError> {
        Ok(self
            .shard(collection)
            .await?
            .map(|shard| Layout { dense_size: shard.config().vectors.get(DENSE_VECTOR).map(|params| params.size) }))
    }

    async fn create_collection(&self, spec: &CollectionSpec) -> Result<(), MemoryError> {
        let mut builder = EdgeConfigBuilder::new()
            .sparse_vector(SPARSE_VECTOR, EdgeSparseVectorParamsBuilder::new().modifier(Modifier::Idf).build());
        if let Some(size) = spec.dense_size {
            builder = builder.vector(DENSE_VECTOR, EdgeVectorParamsBuilder::new(size, Distance::Cosine).build());
        }
        let config = builder.build();
        let path = self.path_of(&spec.name);
        let shard = blocking(move || {
            std::fs::create_dir_all(&path).map_err(|source| MemoryError::Io { path: path.clone(), source })?;
            EdgeShard::new(&path, config).map_err(|e| open_error("creating shard", &path, e))
        })
        .await?;
        let mut shards = self.shards.write().map_err(|_| edge_error("shard table", "lock poisoned"))?;
        shards.insert(spec.name.clone(), Arc::new(shard));
        Ok(())
    }

    async fn ensure_indexes(&self, spec: &CollectionSpec) -> Result<(), MemoryError> {
        let shard = self.existing(&spec.name).await?;
        let indexes = spec.indexes.clone();
        blocking(move || {
            let existing = shard.info().payload_schema;
            for (field, kind) in indexes {
                let path: JsonPath =
                    field.parse().map_err(|_| MemoryError::InvalidPoint(format!("payload field {field:?}")))?;
                if existing.contains_key(&path) {
                    continue;
                }
                let schema = match kind {
                    FieldKind::Keyword => PayloadSchemaType::Keyword,
                    FieldKind::Integer => PayloadSchemaType::Integer,
                };
                let operation = UpdateOperation::FieldIndexOperation(FieldIndexOperations::CreateIndex(CreateIndex {
                    field_name: path,
                    field_schema: Some(PayloadFieldSchema::FieldType(schema)),
                }));
                shard.update(operation).map_err(|e| edge_error("creating payload index", e))?;
            }
            Ok(())
        })
        .await
    }

    async fn drop_collection(&self, collection: &str) -> Result<bool, MemoryError> {
        let removed = {
            let mut shards = self.shards.write().map_err(|_| edge_error("shard table", "lock poisoned"))?;
            shards.remove(collection)
        };
        // The shard flushes on drop; it must be closed before its files go.
        drop(removed);
        let path = self.path_of(collection);
        if !path.exists() {
            return Ok(false);
        }
        blocking(move || std::fs::remove_dir_all(&path).map_err(|source| MemoryError::Io { path, source })).await?;
        Ok(true)
    }

    async fn upsert(&self, collection: &str, points: Vec<Point>) -> Result<(), MemoryError> {
        let shard = self.existing(collection).await?;
        let converted: Vec<PointStruct> = points.into_iter().map(to_edge_point).collect::<Result<_, _>>()?;
        blocking(move || {
            let mut remaining = converted;
            while !remaining.is_empty() {
                let rest = remaining.split_off(remaining.len().min(UPSERT_CHUNK));
                let batch = remaining.into_iter().map(Into::into).collect();
                let operation = UpdateOperation::PointOperation(PointOperations::UpsertPoints(
                    PointInsertOperations::PointsList(batch),
                ));
                shard.update(operation).map_err(|e| edge_error("upserting points", e))?;
                remaining = rest;
            }
            Ok(())
        })
        .await
    }

    async fn delete(&self, collection: &str, ids: Vec<String>) -> Result<(), MemoryError> {
        let shard = self.existing(collection).await?;
        let ids: Vec<PointId> = ids.iter().map(|id| to_edge_id(id)).collect::<Result<_, _>>()?;
        blocking(move || {
            let operation = UpdateOperation::PointOperation(PointOperations::DeletePoints { ids });
            shard.update(operation).map_err(|e| edge_error("deleting points", e))
        })
        .await
    }

    async fn set_payload(&self, collection: &str, id: &str, payload: Map<String, Value>) -> Result<(), MemoryError> {
        let shard = self.existing(collection).await?;
        let id = to_edge_id(id)?;
        blocking(move || {
            let operation = UpdateOperation::PayloadOperation(PayloadOps::SetPayload(SetPayloadOp {
                payload: Payload(payload.into_iter().collect()),
                points: Some(vec![id]),
                filter: None,
                key: None,
            }));
            shard.update(operation).map_err(|e| edge_error("setting payload", e))
        })
        .await
    }

    async fn search(&self, collection: &str, request: &SearchRequest) -> Result<Vec<Hit>, MemoryError> {
        let shard = self.existing(collection).await?;
        let filter = to_edge_filter(&request.filter.conditions())?;
        let (vector, using) = match &request.vector {
            QueryVector::Dense(values) => (VectorInternal::Dense(values.clone()), DENSE_VECTOR),
            QueryVector::Sparse(sparse) => {
                let vector = Vector::new_sparse(sparse.indices.clone(), sparse.values.clone())
                    .map_err(|e| MemoryError::InvalidPoint(format!("sparse query: {e}")))?;
                (vector.0, SPARSE_VECTOR)
            }
        };
        let query = QueryRequest {
            prefetches: Vec::new(),
            query: Some(ScoringQuery::Vector(QueryEnum::Nearest(NamedQuery {
                query: vector,
                using: Some(using.into()),
            }))),
            filter,
            score_threshold: None,
            limit: request.limit,
            offset: 0,
            params: None,
            with_vector: WithVector::Bool(false),
            with_payload: WithPayloadInterface::Bool(true),
        };
        let points = blocking(move || shard.query(query).map_err(|e| edge_error("searching", e))).await?;
        Ok(points
            .into_iter()
            .map(|p| Hit { id: from_edge_id(&p.id), score: p.score, payload: payload_map(p.payload) })
            .collect())
    }

    async fn scroll(&self, collection: &str, filter: &ScopedFilter, limit: usize) -> Result<Vec<Record>, MemoryError> {
        let shard = self.existing(collection).await?;
        let filter = to_edge_filter(&filter.conditions())?;
        blocking(move || {
            let mut records = Vec::new();
            let mut offset = None;
            while records.len() < limit {
                let request = ScrollRequest {
                    offset,
                    limit: Some(SCROLL_PAGE.min(limit - records.len())),
                    filter: filter.clone(),
                    with_payload: Some(WithPayloadInterface::Bool(true)),
                    with_vector: WithVector::Bool(false),
                    order_by: None,
                };
                let (page, next) = shard.scroll(request).map_err(|e| edge_error("scrolling", e))?;
                records.extend(
                    page.into_iter().map(|r| Record { id: from_edge_id(&r.id), payload: payload_map(r.payload) }),
                );
                match next {
                    Some(next) => offset = Some(next),
                    None => break,
                }
            }
            Ok(records)
        })
        .await
    }

    async fn count(&self, collection: &str, filter: &ScopedFilter) -> Result<usize, MemoryError> {
        let shard = self.existing(collection).await?;
        let filter = to_edge_filter(&filter.conditions())?;
        blocking(move || shard.count(CountRequest { filter, exact: true }).map_err(|e| edge_error("counting", e))).await
    }
}
