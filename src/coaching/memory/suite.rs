//! The behavioural suite every vector store passes, written once over [`VectorStore`] and run
//! on the embedded backend always and on a Qdrant server when `CANDOR_TEST_QDRANT_URL` is set:
//! create, upsert, filter, search, payload update, delete, reopen after a restart, and the
//! scope filter holding on every read.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::bm25::Bm25;
use super::store::{
    Access, CollectionSpec, Condition, FieldKind, Filter, Layout, Point, PointVectors, QueryVector, ScopedFilter,
    SearchRequest, VectorStore, SHARED_OWNER,
};
use super::test_support::{open_server, server_config, EdgeAt};
use serde_json::{json, Map, Value};

const COLLECTION: &str = "suite";
const BM25: Bm25 = Bm25 { average_terms: 8.0 };

fn spec() -> CollectionSpec {
    CollectionSpec::new(COLLECTION, Some(3), &[("kind", FieldKind::Keyword), ("day", FieldKind::Integer)])
}

fn payload(value: Value) -> Map<String, Value> {
    value.as_object().unwrap().clone()
}

fn point(key: &str, owner: &str, text: &str, dense: [f32; 3], kind: &str, day: i64) -> Point {
    let vectors = PointVectors { dense: Some(dense.to_vec()), sparse: BM25.document(text) };
    Point::new(COLLECTION, key, owner, vectors, payload(json!({ "kind": kind, "day": day, "text": text })))
}

fn corpus() -> Vec<Point> {
    vec![
        point("a1", "rep-a", "champion went quiet after the proposal", [1.0, 0.0, 0.0], "nudge", 10),
        point("a2", "rep-a", "pricing discussed with procurement", [0.9, 0.1, 0.0], "nudge", 20),
        point("b1", "rep-b", "champion went quiet after the proposal, rep b", [1.0, 0.0, 0.0], "nudge", 15),
        point("b2", "rep-b", "executive sponsor meeting booked", [0.0, 1.0, 0.0], "brief", 30),
        point("p1", SHARED_OWNER, "playbook: when your champion goes quiet", [0.0, 0.0, 1.0], "playbook", 0),
    ]
}

fn everyone(filter: Filter) -> ScopedFilter {
    ScopedFilter::new(Access::Organisation, filter)
}

fn keys(hits: &[super::store::Hit]) -> Vec<String> {
    hits.iter().map(|h| h.str_field("key").unwrap().to_owned()).collect()
}

fn sparse(text: &str, access: Access, limit: usize) -> SearchRequest {
    SearchRequest {
        vector: QueryVector::Sparse(BM25.query(text)),
        filter: ScopedFilter::new(access, Filter::default()),
        limit,
    }
}

/// The contract, on the store `open` returns (called again to simulate a restart).
pub(super) async fn store_contract<S: VectorStore>(open: impl Fn() -> S) {
    let store = open();
    assert_eq!(store.layout(COLLECTION).await.unwrap(), None);
    store.create_collection(&spec()).await.unwrap();
    store.ensure_indexes(&spec()).await.unwrap();
    store.ensure_indexes(&spec()).await.unwrap();
    assert_eq!(store.layout(COLLECTION).await.unwrap(), Some(Layout { dense_size: Some(3) }));

    store.upsert(COLLECTION, corpus()).await.unwrap();
    assert_eq!(store.count(COLLECTION, &everyone(Filter::default())).await.unwrap(), 5);
    // The same key again replaces rather than adds.
    store.upsert(COLLECTION, vec![corpus().remove(0)]).await.unwrap();
    assert_eq!(store.count(COLLECTION, &everyone(Filter::default())).await.unwrap(), 5);

    // Filters: keyword, keyword exclusion, integer range.
    let nudges = everyone(Filter::all([Condition::keyword("kind", "nudge")]));
    assert_eq!(store.count(COLLECTION, &nudges).await.unwrap(), 3);
    let not_nudges =
        everyone(Filter::all([Condition::KeywordNotIn { key: "kind".into(), values: vec!["nudge".into()] }]));
    assert_eq!(store.count(COLLECTION, &not_nudges).await.unwrap(), 2);
    let window = everyone(Filter::all([Condition::IntegerRange { key: "day".into(), gte: Some(12), lte: Some(25) }]));
    let mut in_window: Vec<String> = store
        .scroll(COLLECTION, &window, 100)
        .await
        .unwrap()
        .iter()
        .map(|r| r.str_field("key").unwrap().to_owned())
        .collect();
    in_window.sort();
    assert_eq!(in_window, vec!["a2", "b1"]);

    // Sparse search ranks the best lexical match first; dense search the nearest vector.
    let hits = store.search(COLLECTION, &sparse("executive sponsor", Access::Organisation, 3)).await.unwrap();
    assert_eq!(keys(&hits)[0], "b2");
    assert!(hits.windows(2).all(|w| w[0].score >= w[1].score));
    let dense = SearchRequest {
        vector: QueryVector::Dense(vec![0.0, 0.1, 1.0]),
        filter: everyone(Filter::default()),
        limit: 1,
    };
    assert_eq!(keys(&store.search(COLLECTION, &dense).await.unwrap()), vec!["p1"]);

    // Scope: rep-a sees their own points and shared ones, never rep-b's, on every read.
    let hits = store.search(COLLECTION, &sparse("champion quiet proposal", Access::person("rep-a"), 10)).await.unwrap();
    let mut found = keys(&hits);
    found.sort();
    assert_eq!(found, vec!["a1", "p1"]);
    assert!(hits.iter().all(|h| h.str_field("owner") != Some("rep-b")));
    let scoped = ScopedFilter::new(Access::person("rep-a"), Filter::default());
    assert_eq!(store.count(COLLECTION, &scoped).await.unwrap(), 3);
    assert!(store
        .scroll(COLLECTION, &scoped, 100)
        .await
        .unwrap()
        .iter()
        .all(|r| r.str_field("owner") != Some("rep-b")));
    let nobody = ScopedFilter::new(Access::People(Default::default()), Filter::default());
    assert_eq!(store.count(COLLECTION, &nobody).await.unwrap(), 1, "an empty scope still sees shared content");

    // Payload updates merge into the stored payload.
    let a1 = super::store::point_id(COLLECTION, "a1");
    store.set_payload(COLLECTION, &a1, payload(json!({ "outcome": "won" }))).await.unwrap();
    let won = everyone(Filter::all([Condition::keyword("outcome", "won")]));
    let records = store.scroll(COLLECTION, &won, 10).await.unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].str_field("kind"), Some("nudge"), "other fields survive");

    // Delete.
    store.delete(COLLECTION, vec![super::store::point_id(COLLECTION, "b2")]).await.unwrap();
    assert_eq!(store.count(COLLECTION, &everyone(Filter::default())).await.unwrap(), 4);
    let hits = store.search(COLLECTION, &sparse("executive sponsor", Access::Organisation, 5)).await.unwrap();
    assert!(!keys(&hits).contains(&"b2".to_owned()));

    // Restart: a fresh handle sees the same data, payload updates included.
    drop(store);
    let store = open();
    assert_eq!(store.layout(COLLECTION).await.unwrap(), Some(Layout { dense_size: Some(3) }));
    assert_eq!(store.count(COLLECTION, &everyone(Filter::default())).await.unwrap(), 4);
    assert_eq!(store.count(COLLECTION, &won).await.unwrap(), 1);
    let hits = store.search(COLLECTION, &sparse("pricing procurement", Access::person("rep-a"), 2)).await.unwrap();
    assert_eq!(keys(&hits)[0], "a2");

    assert!(store.drop_collection(COLLECTION).await.unwrap());
    assert_eq!(store.layout(COLLECTION).await.unwrap(), None);
    assert!(!store.drop_collection(COLLECTION).await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn embedded_store_passes_the_contract() {
    let dir = tempfile::tempdir().unwrap();
    let at = EdgeAt(dir.path().join("qdrant"));
    store_contract(|| at.open()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_store_passes_the_contract() {
    let Some(config) = server_config("server_store_passes_the_contract") else { return };
    store_contract(|| open_server(&config)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn embedded_memory_behaves() {
    let dir = tempfile::tempdir().unwrap();
    let at = EdgeAt(dir.path().join("qdrant"));
    super::suite_memory::memory_behaviour(|| at.open()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_memory_behaves() {
    let Some(config) = server_config("server_memory_behaves") else { return };
    super::suite_memory::memory_behaviour(|| open_server(&config)).await;
    let store = open_server(&config);
    for def in super::collections::ALL {
        store.drop_collection(def.name).await.unwrap();
    }
}
