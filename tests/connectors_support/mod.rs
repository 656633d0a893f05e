//! Shared helpers for the connector tests: scratch SQLite stores, a configuration with
//! millisecond retries, syncing, and the vendor fixtures under ../shared/data (skipped with a
//! message when absent).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use candor::config::Config;
use candor::domain::Dataset;
use candor::sources::connectors::{sync_source, ConnectorError, SourceKind, SyncOptions, SyncReport};
use candor::store::Store;
use std::path::PathBuf;

pub struct TestStore {
    pub store: Store,
    _dir: tempfile::TempDir,
}

pub async fn store() -> TestStore {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open("", dir.path(), 4).await.unwrap();
    TestStore { store, _dir: dir }
}

/// Defaults with fast retries and open rate limits.
pub fn config() -> Config {
    let mut config = Config::default();
    candor::testkit::vendors::setup::fast_policy(&mut config);
    config
}

pub async fn try_sync(
    store: &Store,
    config: &Config,
    source: SourceKind,
    full: bool,
) -> Result<SyncReport, ConnectorError> {
    sync_source(store, config, source, &SyncOptions { full, progress: None }).await
}

pub async fn sync(store: &Store, config: &Config, source: SourceKind) -> SyncReport {
    try_sync(store, config, source, false).await.unwrap()
}

pub async fn dataset(store: &Store) -> Dataset {
    store.load_dataset().await.unwrap()
}

/// A folder of ../shared/data, or `None` (with a message) when this checkout has none.
pub fn shared_data(name: &str) -> Option<PathBuf> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data").join(name);
    if path.is_dir() {
        Some(path)
    } else {
        eprintln!("skipping: {} is absent", path.display());
        None
    }
}

/// Rows of a CSV file as header → value maps.
pub fn csv_rows(path: &std::path::Path) -> Vec<std::collections::BTreeMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let headers = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| {
            let record = r.unwrap();
            headers.iter().zip(record.iter()).map(|(h, v)| (h.to_owned(), v.to_owned())).collect()
        })
        .collect()
}
