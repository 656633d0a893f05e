//! The vector-store contract both backends implement, and the backend-neutral types it speaks:
//! points with an owner, payload filters, scoped reads and search hits.
//!
//! Scope is enforced here rather than in the tools: every read takes a [`ScopedFilter`], which
//! can only be built from an [`Access`], and always carries the owner condition. A backend never
//! sees a read filter without it.
//!
//! The types serialise so the remote backend can carry them to the process holding the store;
//! a scoped filter travels with its access and the receiving backend applies it as any other.

use super::MemoryError;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::future::Future;

/// Owner of content every reader may see (the playbook).
pub(crate) const SHARED_OWNER: &str = "org";
/// Payload key holding the person a point belongs to; indexed in every collection.
pub(crate) const OWNER_FIELD: &str = "owner";
/// Payload key holding the point's logical key, from which its id is derived.
pub(crate) const KEY_FIELD: &str = "key";
/// Payload key holding the text the vectors were computed from, so they can be rebuilt.
pub(crate) const TEXT_FIELD: &str = "text";
/// Name of the dense vector in every collection that has one.
pub(crate) const DENSE_VECTOR: &str = "dense";
/// Name of the BM25 sparse vector present in every collection.
pub(crate) const SPARSE_VECTOR: &str = "bm25";

/// A sparse vector: sorted, unique term ids and their weights.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SparseVector {
    pub indices: Vec<u32>,
    pub values: Vec<f32>,
}

impl SparseVector {
    pub fn is_empty(&self) -> bool {
        self.indices.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PointVectors {
    pub dense: Option<Vec<f32>>,
    pub sparse: SparseVector,
}

/// One stored item. Built only through [`Point::new`], which stamps the owner and key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Point {
    id: String,
    pub vectors: PointVectors,
    payload: Map<String, Value>,
}

impl Point {
    /// `key` identifies the item within `collection`; upserting the same key replaces it.
    pub fn new(
        collection: &str,
        key: &str,
        owner: &str,
        vectors: PointVectors,
        mut payload: Map<String, Value>,
    ) -> Self {
        payload.insert(OWNER_FIELD.to_owned(), Value::String(owner.to_owned()));
        payload.insert(KEY_FIELD.to_owned(), Value::String(key.to_owned()));
        Self { id: point_id(collection, key), vectors, payload }
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn payload(&self) -> &Map<String, Value> {
        &self.payload
    }
}

/// The stable point id (a UUID, as both backends require) of `key` in `collection`.
pub(crate) fn point_id(collection: &str, key: &str) -> String {
    let digest = Sha256::digest(format!("{collection}\u{1f}{key}").as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    // Version 8 (custom) and the RFC 4122 variant, so every parser accepts it.
    bytes[6] = (bytes[6] & 0x0f) | 0x80;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex = hex::encode(bytes);
    format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

/// One payload condition. Keyword conditions also match a value inside an array field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Condition {
    KeywordIn { key: String, any: Vec<String> },
    KeywordNotIn { key: String, values: Vec<String> },
    IntegerRange { key: String, gte: Option<i64>, lte: Option<i64> },
}

impl Condition {
    pub fn keyword(key: &str, value: &str) -> Self {
        Condition::KeywordIn { key: key.to_owned(), any: vec![value.to_owned()] }
    }

    pub fn keyword_in(key: &str, values: impl IntoIterator<Item = impl Into<String>>) -> Self {
        Condition::KeywordIn { key: key.to_owned(), any: values.into_iter().map(Into::into).collect() }
    }
}

/// Conditions that must all hold.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Filter {
    pub must: Vec<Condition>,
}

impl Filter {
    pub fn all(conditions: impl IntoIterator<Item = Condition>) -> Self {
        Self { must: conditions.into_iter().collect() }
    }

    pub fn and(mut self, condition: Condition) -> Self {
        self.must.push(condition);
        self
    }
}

/// Whose points a read may return.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Access {
    /// Everything: leaders and the system's own jobs.
    Organisation,
    /// Points owned by these people, plus shared content.
    People(BTreeSet<String>),
}

impl Access {
    pub fn person(person_id: &str) -> Self {
        Access::People(BTreeSet::from([person_id.to_owned()]))
    }

    pub fn allows(&self, owner: &str) -> bool {
        match self {
            Access::Organisation => true,
            Access::People(people) => owner == SHARED_OWNER || people.contains(owner),
        }
    }
}

/// A read filter that always includes the reader's access condition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScopedFilter {
    access: Access,
    filter: Filter,
}

impl ScopedFilter {
    pub fn new(access: Access, filter: Filter) -> Self {
        Self { access, filter }
    }

    pub fn access(&self) -> &Access {
        &self.access
    }

    /// The caller's conditions plus the owner condition, as a backend must apply them.
    pub fn conditions(&self) -> Vec<Condition> {
        let mut must = self.filter.must.clone();
        if let Access::People(people) = &self.access {
            let mut owners: Vec<String> = people.iter().cloned().collect();
            owners.push(SHARED_OWNER.to_owned());
            must.push(Condition::KeywordIn { key: OWNER_FIELD.to_owned(), any: owners });
        }
        must
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum QueryVector {
    Dense(Vec<f32>),
    Sparse(SparseVector),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchRequest {
    pub vector: QueryVector,
    pub filter: ScopedFilter,
    pub limit: usize,
}

/// A search result; `payload` includes `key`, `owner` and `text`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hit {
    pub id: String,
    pub score: f32,
    pub payload: Map<String, Value>,
}

impl Hit {
    pub fn str_field(&self, key: &str) -> Option<&str> {
        self.payload.get(key).and_then(Value::as_str)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub id: String,
    pub payload: Map<String, Value>,
}

impl Record {
    pub fn str_field(&self, key: &str) -> Option<&str> {
        self.payload.get(key).and_then(Value::as_str)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FieldKind {
    Keyword,
    Integer,
}

/// What a collection must look like; the store creates or migrates it to match.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CollectionSpec {
    /// The logical name; backends add their prefix.
    pub name: String,
    /// Length of the dense vector, when an embeddings endpoint is configured.
    pub dense_size: Option<usize>,
    /// Payload indexes for the fields filters use; `owner` is always added.
    pub indexes: Vec<(String, FieldKind)>,
}

impl CollectionSpec {
    pub fn new(name: &str, dense_size: Option<usize>, fields: &[(&str, FieldKind)]) -> Self {
        let mut indexes = vec![(OWNER_FIELD.to_owned(), FieldKind::Keyword)];
        indexes.extend(fields.iter().map(|(k, kind)| ((*k).to_owned(), *kind)));
        indexes.dedup_by(|a, b| a.0 == b.0);
        Self { name: name.to_owned(), dense_size, indexes }
    }
}

/// The vector layout of an existing collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Layout {
    pub dense_size: Option<usize>,
}

/// A vector store: the embedded shard files or a Qdrant server. Writes are unscoped (only the
/// system writes); every read is scoped.
pub trait VectorStore: Send + Sync {
    fn backend_name(&self) -> &'static str;

    /// The layout of `collection`, or `None` when it does not exist.
    fn layout(&self, collection: &str) -> impl Future<Output = Result<Option<Layout>, MemoryError>> + Send;

    fn create_collection(&self, spec: &CollectionSpec) -> impl Future<Output = Result<(), MemoryError>> + Send;

    /// Creates the payload indexes of `spec` that are missing.
    fn ensure_indexes(&self, spec: &CollectionSpec) -> impl Future<Output = Result<(), MemoryError>> + Send;

    /// Removes the collection and its data; `false` when there was none.
    fn drop_collection(&self, collection: &str) -> impl Future<Output = Result<bool, MemoryError>> + Send;

    fn upsert(&self, collection: &str, points: Vec<Point>) -> impl Future<Output = Result<(), MemoryError>> + Send;

    fn delete(&self, collection: &str, ids: Vec<String>) -> impl Future<Output = Result<(), MemoryError>> + Send;

    /// Merges `payload` into the payload of point `id`.
    fn set_payload(
        &self,
        collection: &str,
        id: &str,
        payload: Map<String, Value>,
    ) -> impl Future<Output = Result<(), MemoryError>> + Send;

    fn search(
        &self,
        collection: &str,
        request: &SearchRequest,
    ) -> impl Future<Output = Result<Vec<Hit>, MemoryError>> + Send;

    /// Up to `limit` records matching `filter`, in id order.
    fn scroll(
        &self,
        collection: &str,
        filter: &ScopedFilter,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<Record>, MemoryError>> + Send;

    fn count(&self, collection: &str, filter: &ScopedFilter)
        -> impl Future<Output = Result<usize, MemoryError>> + Send;
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn point_ids_are_stable_uuids_per_collection_and_key() {
        let a = point_id("playbook", "stalled#1");
        assert_eq!(a, point_id("playbook", "stalled#1"));
        assert_ne!(a, point_id("coaching", "stalled#1"));
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "8");
    }

    #[test]
    fn a_person_scope_always_adds_the_owner_condition() {
        let scoped = ScopedFilter::new(Access::person("rep-1"), Filter::all([Condition::keyword("kind", "nudge")]));
        let conditions = scoped.conditions();
        assert_eq!(conditions.len(), 2);
        assert_eq!(
            conditions[1],
            Condition::KeywordIn { key: OWNER_FIELD.into(), any: vec!["rep-1".into(), SHARED_OWNER.into()] }
        );
        let org = ScopedFilter::new(Access::Organisation, Filter::default());
        assert!(org.conditions().is_empty());
        assert!(Access::person("rep-1").allows(SHARED_OWNER));
        assert!(!Access::person("rep-1").allows("rep-2"));
    }
}
