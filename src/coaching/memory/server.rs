//! The server backend: a Qdrant server or cluster over gRPC with `qdrant-client`. TLS follows
//! the URL's scheme, the API key comes from configuration, collection names carry the
//! configured prefix, and collections are created with the configured shard, replication and
//! write-consistency settings. Writes wait for the server to apply them, so a read that
//! follows sees them.

use super::store::{
    CollectionSpec, Condition, FieldKind, Hit, Layout, Point, QueryVector, Record, ScopedFilter, SearchRequest,
    VectorStore, DENSE_VECTOR, SPARSE_VECTOR,
};
use super::MemoryError;
use crate::config::QdrantConfig;
use qdrant_client::qdrant::point_id::PointIdOptions;
use qdrant_client::qdrant::vectors_config::Config as VectorsConfigKind;
use qdrant_client::qdrant::{
    Condition as QdrantCondition, CountPointsBuilder, CreateCollectionBuilder, CreateFieldIndexCollectionBuilder,
    DeletePointsBuilder, Distance, FieldType, Filter as QdrantFilter, Modifier, PointId, PointStruct, PointsIdsList,
    Query, QueryPointsBuilder, Range, ScrollPointsBuilder, SetPayloadPointsBuilder, SparseVectorParamsBuilder,
    SparseVectorsConfigBuilder, UpsertPointsBuilder, Vector, VectorInput, VectorParamsBuilder, VectorsConfigBuilder,
};
use qdrant_client::{Payload, Qdrant};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::time::Duration;

/// Points per upsert request; keeps each gRPC message well under the server's size limit.
const UPSERT_CHUNK: usize = 256;
const SCROLL_PAGE: u32 = 1_000;

pub struct ServerStore {
    client: Qdrant,
    prefix: String,
    shard_number: u32,
    replication_factor: u32,
    write_consistency_factor: u32,
}

fn server_error(context: &str, error: impl std::fmt::Display) -> MemoryError {
    MemoryError::Backend { backend: "server", reason: format!("{context}: {error}") }
}

impl ServerStore {
    /// Connects lazily: building the client does not reach the server.
    pub fn connect(config: &QdrantConfig) -> Result<Self, MemoryError> {
        let mut builder = Qdrant::from_url(config.url.trim())
            .timeout(Duration::from_secs(config.timeout_secs))
            .connect_timeout(Duration::from_secs(config.connect_timeout_secs))
            .skip_compatibility_check();
        if !config.api_key.is_empty() {
            builder = builder.api_key(config.api_key.expose().to_owned());
        }
        let client = builder.build().map_err(|e| server_error("building the client", e))?;
        Ok(Self {
            client,
            prefix: config.collection_prefix.clone(),
            shard_number: config.shard_number,
            replication_factor: config.replication_factor,
            write_consistency_factor: config.write_consistency_factor,
        })
    }

    fn name(&self, collection: &str) -> String {
        format!("{}{collection}", self.prefix)
    }

    /// Fails when the server cannot be reached or refuses the credentials.
    pub async fn health_check(&self) -> Result<String, MemoryError> {
        let reply = self.client.health_check().await.map_err(|e| server_error("health check", e))?;
        Ok(reply.version)
    }
}

fn to_point_id(id: &str) -> PointId {
    PointId::from(id.to_owned())
}

fn from_point_id(id: Option<PointId>) -> String {
    match id.and_then(|id| id.point_id_options) {
        Some(PointIdOptions::Uuid(uuid)) => uuid,
        Some(PointIdOptions::Num(number)) => number.to_string(),
        None => String::new(),
    }
}

fn to_filter(conditions: &[Condition]) -> Option<QdrantFilter> {
    if conditions.is_empty() {
        return None;
    }
    let mut must = Vec::new();
    let mut must_not = Vec::new();
    for condition in conditions {
        match condition {
            Condition::KeywordIn { key, any } => must.push(QdrantCondition::matches(key.clone(), any.clone())),
            Condition::KeywordNotIn { key, values } => {
                must_not.push(QdrantCondition::matches(key.clone(), values.clone()))
            }
            Condition::IntegerRange { key, gte, lte } => must.push(QdrantCondition::range(
                key.clone(),
                Range { gte: gte.map(|v| v as f64), lte: lte.map(|v| v as f64), ..Default::default() },
            )),
        }
    }
    Some(QdrantFilter { must, must_not, ..Default::default() })
}

fn to_json(payload: HashMap<String, qdrant_client::qdrant::Value>) -> Map<String, Value> {
    Map::from(Payload::from(payload))
}

fn to_point(point: Point) -> PointStruct {
    let mut vectors: HashMap<String, Vector> = HashMap::new();
    if let Some(dense) = &point.vectors.dense {
        vectors.insert(DENSE_VECTOR.to_owned(), Vector::new_dense(dense.clone()));
    }
    let sparse = &point.vectors.sparse;
    vectors.insert(SPARSE_VECTOR.to_owned(), Vector::new_sparse(sparse.indices.clone(), sparse.values.clone()));
    PointStruct::new(to_point_id(point.id()), vectors, Payload::from(point.payload().clone()))
}

impl VectorStore for ServerStore {
    fn backend_name(&self) -> &'static str {
        "server"
    }

    async fn layout(&self, collection: &str) -> Result<Option<Layout>, MemoryError> {
        let name = self.name(collection);
        let exists =
            self.client.collection_exists(&name).await.map_err(|e| server_error("checking a collection", e))?;
        if !exists {
            return Ok(None);
        }
        let info = self.client.collection_info(&name).await.map_err(|e| server_error("reading a collection", e))?;
        let vectors = info.result.and_then(|i| i.config).and_then(|c| c.params).and_then(|p| p.vectors_config);
        let dense_size = match vectors.and_then(|v| v.config) {
            Some(VectorsConfigKind::ParamsMap(map)) => map.map.get(DENSE_VECTOR).map(|p| p.size as usize),
            Some(VectorsConfigKind::Params(_)) | None => None,
        };
        Ok(Some(Layout { dense_size }))
    }

    async fn create_collection(&self, spec: &CollectionSpec) -> Result<(), MemoryError> {
        let mut sparse = SparseVectorsConfigBuilder::default();
        sparse.add_named_vector_params(SPARSE_VECTOR, SparseVectorParamsBuilder::default().modifier(Modifier::Idf));
        let mut builder = CreateCollectionBuilder::new(self.name(&spec.name))
            .sparse_vectors_config(sparse)
            .shard_number(self.shard_number)
            .replication_factor(self.replication_factor)
            .write_consistency_factor(self.write_consistency_factor);
        if let Some(size) = spec.dense_size {
            let mut dense = VectorsConfigBuilder::default();
            dense.add_named_vector_params(DENSE_VECTOR, VectorParamsBuilder::new(size as u64, Distance::Cosine));
            builder = builder.vectors_config(dense);
        }
        self.client.create_collection(builder).await.map_err(|e| server_error("creating a collection", e))?;
        Ok(())
    }

    async fn ensure_indexes(&self, spec: &CollectionSpec) -> Result<(), MemoryError> {
        let name = self.name(&spec.name);
        let info = self.client.collection_info(&name).await.map_err(|e| server_error("reading a collection", e))?;
        let existing = info.result.map(|i| i.payload_schema).unwrap_or_default();
        for (field, kind) in &spec.indexes {
            if existing.contains_key(field) {
                continue;
            }
            let field_type = match kind {
                FieldKind::Keyword => FieldType::Keyword,
                FieldKind::Integer => FieldType::Integer,
            };
            let request = CreateFieldIndexCollectionBuilder::new(&name, field, field_type).wait(true);
            self.client.create_field_index(request).await.map_err(|e| server_error("creating a payload index", e))?;
        }
        Ok(())
    }

    async fn drop_collection(&self, collection: &str) -> Result<bool, MemoryError> {
        let name = self.name(collection);
        let exists =
            self.client.collection_exists(&name).await.map_err(|e| server_error("checking a collection", e))?;
        if exists {
            self.client.delete_collection(&name).await.map_err(|e| server_error("deleting a collection", e))?;
        }
        Ok(exists)
    }

    async fn upsert(&self, collection: &str, points: Vec<Point>) -> Result<(), MemoryError> {
        let name = self.name(collection);
        let points: Vec<PointStruct> = points.into_iter().map(to_point).collect();
        for chunk in points.chunks(UPSERT_CHUNK) {
            let request = UpsertPointsBuilder::new(&name, chunk.to_vec()).wait(true);
            self.client.upsert_points(request).await.map_err(|e| server_error("upserting points", e))?;
        }
        Ok(())
    }

    async fn delete(&self, collection: &str, ids: Vec<String>) -> Result<(), MemoryError> {
        if ids.is_empty() {
            return Ok(());
        }
        let ids: Vec<PointId> = ids.iter().map(|id| to_point_id(id)).collect();
        let request = DeletePointsBuilder::new(self.name(collection)).points(PointsIdsList::from(ids)).wait(true);
        self.client.delete_points(request).await.map_err(|e| server_error("deleting points", e))?;
        Ok(())
    }

    async fn set_payload(&self, collection: &str, id: &str, payload: Map<String, Value>) -> Result<(), MemoryError> {
        let payload: HashMap<String, qdrant_client::qdrant::Value> = Payload::from(payload).into();
        let request = SetPayloadPointsBuilder::new(self.name(collection), payload)
            .points_selector(PointsIdsList::from(vec![to_point_id(id)]))
            .wait(true);
        self.client.set_payload(request).await.map_err(|e| server_error("setting payload", e))?;
        Ok(())
    }

    async fn search(&self, collection: &str, request: &SearchRequest) -> Result<Vec<Hit>, MemoryError> {
        let (input, using) = match &request.vector {
            QueryVector::Dense(values) => (VectorInput::new_dense(values.clone()), DENSE_VECTOR),
            QueryVector::Sparse(sparse) => {
                (VectorInput::new_sparse(sparse.indices.clone(), sparse.values.clone()), SPARSE_VECTOR)
            }
        };
        let mut query = QueryPointsBuilder::new(self.name(collection))
            .query(Query::new_nearest(input))
            .using(using)
            .limit(request.limit as u64)
            .with_payload(true);
        if let Some(filter) = to_filter(&request.filter.conditions()) {
            query = query.filter(filter);
        }
        let response = self.client.query(query).await.map_err(|e| server_error("searching", e))?;
        Ok(response
            .result
            .into_iter()
            .map(|p| Hit { id: from_point_id(p.id), score: p.score, payload: to_json(p.payload) })
            .collect())
    }

    async fn scroll(&self, collection: &str, filter: &ScopedFilter, limit: usize) -> Result<Vec<Record>, MemoryError> {
        let name = self.name(collection);
        let filter = to_filter(&filter.conditions());
        let mut records = Vec::new();
        let mut offset: Option<PointId> = None;
        while records.len() < limit {
            let page = SCROLL_PAGE.min(u32::try_from(limit - records.len()).unwrap_or(SCROLL_PAGE));
            let mut request = ScrollPointsBuilder::new(&name).limit(page).with_payload(true);
            if let Some(filter) = &filter {
                request = request.filter(filter.clone());
            }
            if let Some(offset) = offset.take() {
                request = request.offset(offset);
            }
            let response = self.client.scroll(request).await.map_err(|e| server_error("scrolling", e))?;
            records.extend(
                response.result.into_iter().map(|p| Record { id: from_point_id(p.id), payload: to_json(p.payload) }),
            );
            match response.next_page_offset {
                Some(next) => offset = Some(next),
                None => break,
            }
        }
        Ok(records)
    }

    async fn count(&self, collection: &str, filter: &ScopedFilter) -> Result<usize, MemoryError> {
        let mut request = CountPointsBuilder::new(self.name(collection)).exact(true);
        if let Some(filter) = to_filter(&filter.conditions()) {
            request = request.filter(filter);
        }
        let response = self.client.count(request).await.map_err(|e| server_error("counting", e))?;
        Ok(response.result.map(|r| r.count as usize).unwrap_or(0))
    }
}
