//! The remote backend: the embedded store of the running `candor serve`, used through its
//! loopback listener. The embedded store admits one process at a time (each shard's write-ahead
//! log is locked), so while the server holds it, other commands on the same data directory
//! (`candor run --wait`, `candor draft`) read and write it through the server instead of going
//! without memory.
//!
//! The server announces itself in `<data-dir>/qdrant/serve.json` ([`Served`]: its address, its
//! process id and a per-process secret; readable by the owner only). Each [`VectorStore`] call
//! is one POST under `/internal/memory/` with that secret as a bearer token. The request bodies
//! are defined here, for both ends, so the client and the routes cannot drift apart.

use super::store::{CollectionSpec, Hit, Layout, Point, Record, ScopedFilter, SearchRequest, VectorStore};
use super::MemoryError;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The routes, one per [`VectorStore`] method.
pub(crate) mod paths {
    pub(crate) const LAYOUT: &str = "/internal/memory/layout";
    pub(crate) const CREATE_COLLECTION: &str = "/internal/memory/create_collection";
    pub(crate) const ENSURE_INDEXES: &str = "/internal/memory/ensure_indexes";
    pub(crate) const DROP_COLLECTION: &str = "/internal/memory/drop_collection";
    pub(crate) const UPSERT: &str = "/internal/memory/upsert";
    pub(crate) const DELETE: &str = "/internal/memory/delete";
    pub(crate) const SET_PAYLOAD: &str = "/internal/memory/set_payload";
    pub(crate) const SEARCH: &str = "/internal/memory/search";
    pub(crate) const SCROLL: &str = "/internal/memory/scroll";
    pub(crate) const COUNT: &str = "/internal/memory/count";
}

/// The file a server holding the embedded store writes beside it.
const SERVE_FILE: &str = "serve.json";
/// Points per request: with dense vectors a point is tens of kilobytes, and a bulk load
/// (the deal narratives) is thousands of points.
const UPSERT_CHUNK: usize = 128;
/// The largest request body the internal routes accept (a chunk of points with dense vectors).
pub(crate) const BODY_LIMIT: usize = 64 * 1024 * 1024;
/// The server is on this machine: one that does not accept at once is not there.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// A write waits for the shard to apply it; generous, as a bulk load's chunks take a while.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

fn remote_error(context: &str, reason: impl std::fmt::Display) -> MemoryError {
    MemoryError::Backend { backend: "remote", reason: format!("{context}: {reason}") }
}

/// An error and its causes on one line (an HTTP client error alone says little: the cause, such
/// as a refused connection, is in its sources).
fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// What a server holding the embedded store writes to `<data-dir>/qdrant/serve.json`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Served {
    /// `http://host:port` of its listener, reachable from this machine.
    pub(crate) url: String,
    pub(crate) pid: u32,
    /// The bearer token its internal routes require.
    pub(crate) secret: String,
}

impl std::fmt::Debug for Served {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Served").field("url", &self.url).field("pid", &self.pid).finish_non_exhaustive()
    }
}

impl Served {
    /// Where the server holding `data_dir`'s embedded store announces itself.
    pub(crate) fn path(data_dir: &Path) -> PathBuf {
        super::embedded_root(data_dir).join(SERVE_FILE)
    }

    /// The announcement in `data_dir`, or `None` when no server wrote one.
    pub(crate) fn read(data_dir: &Path) -> Result<Option<Served>, MemoryError> {
        let path = Self::path(data_dir);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(MemoryError::Io { path, source }),
        };
        serde_json::from_str(&text).map(Some).map_err(|e| remote_error(&format!("reading {}", path.display()), e))
    }

    /// Writes the announcement for `data_dir`, readable by this user only. It is written to a
    /// temporary file and renamed into place, so a reader never sees half of it.
    pub(crate) fn write(&self, data_dir: &Path) -> Result<PathBuf, MemoryError> {
        let path = Self::path(data_dir);
        let dir = super::embedded_root(data_dir);
        let io = |source| MemoryError::Io { path: path.clone(), source };
        std::fs::create_dir_all(&dir).map_err(io)?;
        let text = serde_json::to_vec_pretty(self).map_err(|e| remote_error("encoding the announcement", e))?;
        // Created with mode 0600 on Unix.
        let mut file = tempfile::NamedTempFile::new_in(&dir).map_err(io)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            file.as_file().set_permissions(std::fs::Permissions::from_mode(0o600)).map_err(io)?;
        }
        file.write_all(&text).map_err(io)?;
        file.as_file().sync_all().map_err(io)?;
        file.persist(&path).map_err(|e| io(e.error))?;
        Ok(path)
    }

    /// Removes the announcement at `path`; one already gone is not an error.
    pub(crate) fn remove(path: &Path) -> Result<(), MemoryError> {
        match std::fs::remove_file(path) {
            Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
                Err(MemoryError::Io { path: path.to_path_buf(), source: error })
            }
            _ => Ok(()),
        }
    }
}

/// The body of calls that name a collection only.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct CollectionBody<'a> {
    pub(crate) collection: Cow<'a, str>,
}

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct SpecBody<'a> {
    pub(crate) spec: Cow<'a, CollectionSpec>,
}

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct UpsertBody<'a> {
    pub(crate) collection: Cow<'a, str>,
    pub(crate) points: Cow<'a, [Point]>,
}

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct DeleteBody<'a> {
    pub(crate) collection: Cow<'a, str>,
    pub(crate) ids: Cow<'a, [String]>,
}

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct SetPayloadBody<'a> {
    pub(crate) collection: Cow<'a, str>,
    pub(crate) id: Cow<'a, str>,
    pub(crate) payload: Cow<'a, Map<String, Value>>,
}

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct SearchBody<'a> {
    pub(crate) collection: Cow<'a, str>,
    pub(crate) request: Cow<'a, SearchRequest>,
}

/// Scroll (with `limit`) and count (without) take the same body.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct FilterBody<'a> {
    pub(crate) collection: Cow<'a, str>,
    pub(crate) filter: Cow<'a, ScopedFilter>,
    #[serde(default)]
    pub(crate) limit: usize,
}

/// The body of a failed call: the store's error, for the caller's log.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Failure {
    pub(crate) reason: String,
}

/// The store of the server announced in a data directory, over HTTP.
pub struct RemoteStore {
    client: reqwest::Client,
    url: String,
    secret: String,
}

impl RemoteStore {
    /// A client for `served`; builds the client only, reaching the server on the first call.
    pub(crate) fn connect(served: &Served) -> Result<Self, MemoryError> {
        let client = reqwest::Client::builder()
            // Loopback: a proxy from the environment must not see the secret.
            .no_proxy()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .build()
            .map_err(|e| remote_error("building the HTTP client", with_causes(&e)))?;
        Ok(Self { client, url: served.url.trim_end_matches('/').to_owned(), secret: served.secret.clone() })
    }

    /// The server's address.
    pub fn url(&self) -> &str {
        &self.url
    }

    async fn call<B: Serialize, R: DeserializeOwned>(&self, path: &'static str, body: &B) -> Result<R, MemoryError> {
        let response = self
            .client
            .post(format!("{}{path}", self.url))
            .bearer_auth(&self.secret)
            .json(body)
            .send()
            .await
            .map_err(|e| remote_error(path, with_causes(&e)))?;
        let status = response.status();
        if status.is_success() {
            return response.json::<R>().await.map_err(|e| remote_error(path, with_causes(&e)));
        }
        let reason = match response.json::<Failure>().await {
            Ok(failure) => failure.reason,
            Err(_) => format!("the server answered {status}"),
        };
        Err(remote_error(path, reason))
    }
}

impl VectorStore for RemoteStore {
    fn backend_name(&self) -> &'static str {
        "remote"
    }

    async fn layout(&self, collection: &str) -> Result<Option<Layout>, MemoryError> {
        self.call(paths::LAYOUT, &CollectionBody { collection: collection.into() }).await
    }

    async fn create_collection(&self, spec: &CollectionSpec) -> Result<(), MemoryError> {
        self.call(paths::CREATE_COLLECTION, &SpecBody { spec: Cow::Borrowed(spec) }).await
    }

    async fn ensure_indexes(&self, spec: &CollectionSpec) -> Result<(), MemoryError> {
        self.call(paths::ENSURE_INDEXES, &SpecBody { spec: Cow::Borrowed(spec) }).await
    }

    async fn drop_collection(&self, collection: &str) -> Result<bool, MemoryError> {
        self.call(paths::DROP_COLLECTION, &CollectionBody { collection: collection.into() }).await
    }

    async fn upsert(&self, collection: &str, points: Vec<Point>) -> Result<(), MemoryError> {
        for chunk in points.chunks(UPSERT_CHUNK) {
            let body = UpsertBody { collection: collection.into(), points: Cow::Borrowed(chunk) };
            self.call::<_, ()>(paths::UPSERT, &body).await?;
        }
        Ok(())
    }

    async fn delete(&self, collection: &str, ids: Vec<String>) -> Result<(), MemoryError> {
        self.call(paths::DELETE, &DeleteBody { collection: collection.into(), ids: Cow::Owned(ids) }).await
    }

    async fn set_payload(&self, collection: &str, id: &str, payload: Map<String, Value>) -> Result<(), MemoryError> {
        let body = SetPayloadBody { collection: collection.into(), id: id.into(), payload: Cow::Owned(payload) };
        self.call(paths::SET_PAYLOAD, &body).await
    }

    async fn search(&self, collection: &str, request: &SearchRequest) -> Result<Vec<Hit>, MemoryError> {
        self.call(paths::SEARCH, &SearchBody { collection: collection.into(), request: Cow::Borrowed(request) }).await
    }

    async fn scroll(&self, collection: &str, filter: &ScopedFilter, limit: usize) -> Result<Vec<Record>, MemoryError> {
        let body = FilterBody { collection: collection.into(), filter: Cow::Borrowed(filter), limit };
        self.call(paths::SCROLL, &body).await
    }

    async fn count(&self, collection: &str, filter: &ScopedFilter) -> Result<usize, MemoryError> {
        let body = FilterBody { collection: collection.into(), filter: Cow::Borrowed(filter), limit: 0 };
        self.call(paths::COUNT, &body).await
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::super::store::{
        Access, Condition, FieldKind, Filter, PointVectors, QueryVector, SparseVector, OWNER_FIELD,
    };
    use super::*;
    use serde_json::json;

    fn round_trip<T: Serialize + DeserializeOwned>(value: &T) -> T {
        serde_json::from_str(&serde_json::to_string(value).unwrap()).unwrap()
    }

    #[test]
    fn the_store_types_cross_the_wire_unchanged() {
        let vectors = PointVectors {
            dense: Some(vec![0.1, -0.25, 1.0e-7]),
            sparse: SparseVector { indices: vec![3, 17], values: vec![0.5, 1.25] },
        };
        let point =
            Point::new("coaching", "w47#deal-1", "rep-1", vectors, Map::from_iter([("text".into(), json!("x"))]));
        let body = UpsertBody { collection: "coaching".into(), points: Cow::Owned(vec![point.clone()]) };
        let back: UpsertBody<'static> = round_trip(&body);
        assert_eq!(back.points.as_ref(), [point.clone()].as_slice());
        assert_eq!(back.points[0].payload()[OWNER_FIELD], json!("rep-1"));

        let filter = ScopedFilter::new(
            Access::person("rep-1"),
            Filter::all([
                Condition::keyword("kind", "nudge"),
                Condition::KeywordNotIn { key: "outcome".into(), values: vec!["lost".into()] },
                Condition::IntegerRange { key: "day".into(), gte: Some(-3), lte: None },
            ]),
        );
        let back = round_trip(&filter);
        assert_eq!(back, filter);
        assert_eq!(back.conditions(), filter.conditions(), "the owner condition survives");
        let request = SearchRequest {
            vector: QueryVector::Sparse(SparseVector { indices: vec![1], values: vec![2.0] }),
            filter: ScopedFilter::new(Access::Organisation, Filter::default()),
            limit: 5,
        };
        assert_eq!(round_trip(&request), request);
        let spec = CollectionSpec::new("coaching", Some(384), &[("delivered_day", FieldKind::Integer)]);
        assert_eq!(round_trip(&spec), spec);
        assert_eq!(round_trip(&Some(Layout { dense_size: None })), Some(Layout { dense_size: None }));
        let hit = Hit { id: point.id().to_owned(), score: 0.123_456_7, payload: point.payload().clone() };
        assert_eq!(round_trip(&vec![hit.clone()]), vec![hit]);
    }

    #[test]
    fn the_announcement_is_private_to_its_owner_and_goes_away() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(Served::read(dir.path()).unwrap(), None);
        let served = Served { url: "http://127.0.0.1:1".into(), pid: 42, secret: "s3cret".into() };
        let path = served.write(dir.path()).unwrap();
        assert_eq!(path, dir.path().join("qdrant").join("serve.json"));
        assert_eq!(Served::read(dir.path()).unwrap(), Some(served.clone()));
        assert!(!format!("{served:?}").contains("s3cret"), "the secret stays out of logs");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        Served::remove(&path).unwrap();
        Served::remove(&path).unwrap();
        assert_eq!(Served::read(dir.path()).unwrap(), None);
    }
}
