//! The organisation's snapshot at a run's data date: the dataset, the engine's report and the
//! manager tree. Computing it is deterministic, so a worker that restarts computes the same one
//! again; the cache only spares doing so once per draft.

use super::JobError;
use crate::config::Config;
use crate::domain::{Dataset, Hierarchy};
use crate::features::{analyse, Index, RiskReport, Settings};
use crate::store::Store;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::sync::Arc;
use tokio::sync::Mutex;

#[derive(Debug)]
pub struct OrgSnapshot {
    pub as_of: DateTime<Utc>,
    pub dataset: Dataset,
    pub report: RiskReport,
    pub hierarchy: Hierarchy,
}

impl OrgSnapshot {
    /// Runs the engine over `dataset` at `as_of`.
    pub fn compute(dataset: Dataset, config: &Config, as_of: DateTime<Utc>) -> OrgSnapshot {
        let settings = Settings::from_config(config);
        let report = {
            let index = Index::new(&dataset);
            analyse(&index, &settings, as_of)
        };
        let hierarchy = Hierarchy::new(&dataset.people);
        OrgSnapshot { as_of, dataset, report, hierarchy }
    }
}

/// Snapshots by data date; computing one holds the lock, so concurrent drafts wait for a single
/// computation instead of each starting their own.
#[derive(Default)]
pub struct SnapshotCache {
    entries: Mutex<BTreeMap<DateTime<Utc>, Arc<OrgSnapshot>>>,
}

/// Snapshots kept in memory; runs rarely span more than a few data dates at once.
const KEEP: usize = 3;

impl SnapshotCache {
    pub async fn get(
        &self,
        store: &Store,
        config: &Config,
        as_of: DateTime<Utc>,
    ) -> Result<Arc<OrgSnapshot>, JobError> {
        let mut entries = self.entries.lock().await;
        if let Some(found) = entries.get(&as_of) {
            return Ok(found.clone());
        }
        let dataset = store.load_dataset().await?;
        let config = config.clone();
        let snapshot = tokio::task::spawn_blocking(move || OrgSnapshot::compute(dataset, &config, as_of))
            .await
            .map_err(|e| JobError::Fatal(format!("computing the snapshot failed: {e}")))?;
        let snapshot = Arc::new(snapshot);
        while entries.len() >= KEEP {
            let Some(oldest) = entries.keys().next().copied() else { break };
            entries.remove(&oldest);
        }
        entries.insert(as_of, snapshot.clone());
        Ok(snapshot)
    }
}
