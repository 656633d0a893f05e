//! The organisation's snapshot at a run's data date: the dataset, the engine's report, the
//! manager tree and what every recipient's scoped snapshot is cut from. Computing it is
//! deterministic, so a worker that restarts computes the same one again; the cache makes every
//! step and draft of a run share one, so a thousand drafts cost one engine pass, one index of
//! the activities and one validator directory, not one each.

use super::JobError;
use crate::agent::validator::Directory;
use crate::agent::{Snapshot, SnapshotIndex};
use crate::config::Config;
use crate::domain::{Dataset, Hierarchy, Person};
use crate::features::{analyse, Index, RiskReport, Settings};
use crate::memory::coaching::{deal_states, DealState};
use crate::store::Store;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::sync::Arc;
use tokio::sync::{Mutex, OnceCell};

#[derive(Debug)]
pub struct OrgSnapshot {
    pub as_of: DateTime<Utc>,
    pub dataset: Dataset,
    pub report: RiskReport,
    pub hierarchy: Hierarchy,
    /// Open deals by owner and their recent activities, for cutting recipient snapshots.
    pub index: SnapshotIndex,
    /// Every person, deal and account, for the validator; built by the first agent draft.
    directory: OnceCell<Arc<Directory>>,
    /// Every deal's state, for coaching memory; built by the first delivery that needs it.
    deal_states: std::sync::OnceLock<BTreeMap<String, DealState>>,
}

impl OrgSnapshot {
    /// Runs the engine over `dataset` at `as_of` and indexes the result.
    pub fn compute(dataset: Dataset, config: &Config, as_of: DateTime<Utc>) -> OrgSnapshot {
        let settings = Settings::from_config(config);
        let report = {
            let index = Index::new(&dataset);
            analyse(&index, &settings, as_of)
        };
        let hierarchy = Hierarchy::new(&dataset.people);
        let index = SnapshotIndex::new(&dataset, &report);
        OrgSnapshot {
            as_of,
            dataset,
            report,
            hierarchy,
            index,
            directory: OnceCell::new(),
            deal_states: std::sync::OnceLock::new(),
        }
    }

    /// `person`'s scoped snapshot, or `None` for a role that receives no draft.
    pub fn recipient_snapshot(&self, person: &Person) -> Option<Snapshot> {
        Snapshot::cut(&self.index, &self.dataset, &self.report, &self.hierarchy, person)
    }

    /// Every deal's state by id, computed once per snapshot: each delivery indexed into
    /// coaching memory reads the deals it advised on from here.
    pub fn deal_states(&self) -> &BTreeMap<String, DealState> {
        self.deal_states.get_or_init(|| deal_states(&self.dataset))
    }

    /// The validator's directory of this dataset, built once (off the async threads) and shared.
    pub async fn directory(self: &Arc<Self>) -> Result<Arc<Directory>, JobError> {
        let directory = self
            .directory
            .get_or_try_init(|| {
                let snapshot = self.clone();
                async move {
                    tokio::task::spawn_blocking(move || Arc::new(Directory::from_dataset(&snapshot.dataset)))
                        .await
                        .map_err(|e| JobError::Transient(format!("building the validator directory failed: {e}")))
                }
            })
            .await?;
        Ok(directory.clone())
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
        let started = std::time::Instant::now();
        let dataset = store.load_dataset().await?;
        let loaded_ms = started.elapsed().as_millis() as u64;
        let config = config.clone();
        let snapshot = tokio::task::spawn_blocking(move || OrgSnapshot::compute(dataset, &config, as_of))
            .await
            .map_err(|e| JobError::Fatal(format!("computing the snapshot failed: {e}")))?;
        tracing::info!(
            %as_of,
            loaded_ms,
            computed_ms = started.elapsed().as_millis() as u64 - loaded_ms,
            open_deals = snapshot.report.deals.len(),
            "organisation snapshot ready"
        );
        let snapshot = Arc::new(snapshot);
        while entries.len() >= KEEP {
            let Some(oldest) = entries.keys().next().copied() else { break };
            entries.remove(&oldest);
        }
        entries.insert(as_of, snapshot.clone());
        Ok(snapshot)
    }
}
