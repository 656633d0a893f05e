//! The organisation's snapshot at a run's data date: the engine's compact input, the engine's
//! report, the manager tree and what every recipient's scoped snapshot is cut from. Computing
//! it is deterministic, so a worker that restarts computes the same one again; the cache makes
//! every step and draft of a run share one, so a thousand drafts cost one engine pass, one
//! index of the activities and one validator directory, not one each. Activities stay compact:
//! only the few recent ones each open deal shows a drafter carry their text, read by id.

use super::hashing::{content_digest, ContentDigest};
use super::snapshot::PersonRef;
use super::validator::{Directory, Facts};
use super::AgentError;
use super::{Snapshot, SnapshotIndex};
use crate::coaching::memory::advice::{deal_states, DealState};
use crate::config::Config;
use crate::domain::{Dataset, Hierarchy, Person, Role};
use crate::engine::risk::{analyse, EngineData, Index, RiskReport};
use crate::store::Store;
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use tokio::sync::{Mutex, OnceCell};

#[derive(Debug)]
pub struct OrgSnapshot {
    pub as_of: DateTime<Utc>,
    /// What the engine ran on: the small tables and the deal history's stage and amount changes
    /// as records in `data` (what crediting won deals reads), activities and the whole history
    /// as the engine's columns.
    pub engine: EngineData,
    pub report: RiskReport,
    pub hierarchy: Hierarchy,
    /// Open deals by owner and their recent activities, for cutting recipient snapshots.
    pub index: SnapshotIndex,
    /// Every person, deal and account, for the validator; built with the snapshot.
    directory: Arc<Directory>,
    /// Every deal's state, for coaching memory; built by the first delivery that needs it.
    deal_states: std::sync::OnceLock<BTreeMap<String, DealState>>,
    /// The organisation-wide snapshot every leader's is a copy of, cut by the first leader's
    /// draft, and the validator's facts about it.
    org_wide: std::sync::OnceLock<Option<Snapshot>>,
    org_wide_facts: OnceCell<Arc<Facts>>,
    org_wide_content: OnceCell<ContentDigest>,
}

impl OrgSnapshot {
    /// Runs the engine over `dataset` at `as_of` and indexes the result, activity text
    /// included.
    pub fn compute(dataset: Dataset, config: &Config, as_of: DateTime<Utc>) -> OrgSnapshot {
        let texts: HashMap<String, (Option<String>, Option<String>)> =
            dataset.activities.iter().map(|a| (a.id.to_string(), (a.subject.clone(), a.snippet.clone()))).collect();
        let history = dataset.history.iter().filter(|h| h.field.credits()).cloned().collect();
        let mut engine = EngineData::from_dataset(dataset);
        engine.data.history = history;
        let mut snapshot = OrgSnapshot::from_engine(engine, config, as_of);
        snapshot.index.fill_texts(|id| texts.get(id).cloned());
        snapshot
    }

    /// Runs the engine over `engine` at `as_of` and indexes the result. The recent activities
    /// carry no text until [`OrgSnapshot::fill_texts`].
    pub fn from_engine(mut engine: EngineData, config: &Config, as_of: DateTime<Utc>) -> OrgSnapshot {
        let settings = config.risk_settings();
        // Names are what every tool, drafter and validator read of a deal or account: one that
        // carries an address or an instruction is withheld before any of them sees it.
        super::untrusted::neutralise_names(&mut engine.data);
        // Every agent draft validates against the directory: it is built beside the engine's
        // pass, whose serial parts leave a core free, rather than under the first drafts.
        let (report, index, directory) = std::thread::scope(|scope| {
            let directory = scope.spawn(|| Arc::new(Directory::from_engine(&engine)));
            let engine_index = Index::from_engine(&engine);
            let report = analyse(&engine_index, &settings, as_of);
            let index = SnapshotIndex::from_engine_index(&engine_index, &report);
            let directory = directory.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (report, index, directory)
        });
        let hierarchy = Hierarchy::new(&engine.data.people);
        let mut index = index;
        index.fill_next_steps(&engine.data.deals);
        OrgSnapshot {
            as_of,
            engine,
            report,
            hierarchy,
            index,
            directory,
            deal_states: std::sync::OnceLock::new(),
            org_wide: std::sync::OnceLock::new(),
            org_wide_facts: OnceCell::new(),
            org_wide_content: OnceCell::new(),
        }
    }

    /// Reads the subject and snippet of every activity the index keeps from `store`.
    pub async fn fill_texts(&mut self, store: &Store) -> Result<(), AgentError> {
        let texts = store.activity_texts(&self.index.activity_ids()).await?;
        self.index.fill_texts(|id| texts.get(id).map(|t| (t.subject.clone(), t.snippet.clone())));
        Ok(())
    }

    /// The people, accounts, contacts, deals and the stage and amount changes of the deal
    /// history (activities and the other changes live in `engine`).
    pub fn dataset(&self) -> &Dataset {
        &self.engine.data
    }

    /// `person`'s scoped snapshot, or `None` for a role that receives no draft. A leader sees
    /// the whole organisation, so every leader's snapshot is the same one addressed to them:
    /// it is cut once.
    pub fn recipient_snapshot(&self, person: &Person) -> Option<Snapshot> {
        if person.role != Role::Leader {
            return Snapshot::cut(&self.index, self.dataset(), &self.report, &self.hierarchy, person);
        }
        let org_wide = self
            .org_wide
            .get_or_init(|| Snapshot::cut(&self.index, self.dataset(), &self.report, &self.hierarchy, person));
        let mut snapshot = org_wide.clone()?;
        snapshot.recipient =
            PersonRef { person_id: person.id.to_string(), name: person.name.clone(), role: person.role };
        Some(snapshot)
    }

    /// Cuts the organisation-wide snapshot every leader's draft shares and works out its facts
    /// and content digest (see [`SnapshotCache::get`]).
    async fn warm_up(self: Arc<Self>) {
        let started = std::time::Instant::now();
        let Some(leader) = self.dataset().people.iter().find(|p| p.role == Role::Leader).cloned() else { return };
        let cut = self.clone();
        let Ok(Some(snapshot)) = tokio::task::spawn_blocking(move || cut.recipient_snapshot(&leader)).await else {
            return;
        };
        let cut_ms = started.elapsed().as_millis() as u64;
        let (facts, content) = tokio::join!(self.facts(&snapshot), self.shared_content_digest(&snapshot));
        if let Err(error) = facts.and(content) {
            tracing::warn!(%error, "working out the leaders' shared state ahead of the drafts failed");
        }
        tracing::debug!(
            cut_ms,
            facts_and_digest_ms = started.elapsed().as_millis() as u64 - cut_ms,
            "leaders' shared state ready"
        );
    }

    /// The validator's facts about `snapshot`, a recipient snapshot of this organisation, worked
    /// out off the async threads; once for all leaders, whose snapshots differ only in whom
    /// they are for.
    pub async fn facts(self: &Arc<Self>, snapshot: &Snapshot) -> Result<Facts, AgentError> {
        let compute = |snapshot: Snapshot| {
            let directory = self.directory();
            async move {
                tokio::task::spawn_blocking(move || Facts::from_snapshot(&snapshot, &directory))
                    .await
                    .map_err(|e| AgentError::Unfinished(format!("working out the validator's facts failed: {e}")))
            }
        };
        if snapshot.recipient.role != Role::Leader {
            return compute(snapshot.clone()).await;
        }
        let shared =
            self.org_wide_facts.get_or_try_init(|| async { compute(snapshot.clone()).await.map(Arc::new) }).await?;
        Ok(shared.for_recipient(&snapshot.recipient))
    }

    /// The content digest of `snapshot`, a recipient snapshot of this organisation, when it is
    /// the organisation-wide one every leader's draft shares: worked out once, off the async
    /// threads. `None` for any other, whose input hash works out its own.
    pub async fn shared_content_digest(
        self: &Arc<Self>,
        snapshot: &Snapshot,
    ) -> Result<Option<ContentDigest>, AgentError> {
        // A leader's snapshot is the organisation-wide one addressed to them; a pay outlook
        // would make it their own.
        if snapshot.recipient.role != Role::Leader || snapshot.pay.is_some() {
            return Ok(None);
        }
        let digest = self
            .org_wide_content
            .get_or_try_init(|| async {
                let snapshot = snapshot.clone();
                tokio::task::spawn_blocking(move || content_digest(&snapshot))
                    .await
                    .map_err(|e| AgentError::Unfinished(format!("hashing the leaders' snapshot failed: {e}")))
            })
            .await?;
        Ok(Some(*digest))
    }

    /// Every deal's state by id, computed once per snapshot: each delivery indexed into
    /// coaching memory reads the deals it advised on from here.
    pub fn deal_states(&self) -> &BTreeMap<String, DealState> {
        self.deal_states.get_or_init(|| deal_states(self.dataset()))
    }

    /// The validator's directory of this dataset, shared by every draft.
    pub fn directory(&self) -> Arc<Directory> {
        self.directory.clone()
    }
}

impl OrgSnapshot {
    /// Loads the engine's input from `store` and computes the snapshot at `as_of`, activity
    /// text included.
    pub async fn load(store: &Store, config: &Config, as_of: DateTime<Utc>) -> Result<OrgSnapshot, AgentError> {
        let started = std::time::Instant::now();
        let engine = store.load_engine_data_with_credit_history().await?;
        let loaded_ms = started.elapsed().as_millis() as u64;
        let config = config.clone();
        let mut snapshot = tokio::task::spawn_blocking(move || OrgSnapshot::from_engine(engine, &config, as_of))
            .await
            .map_err(|e| AgentError::Unfinished(format!("computing the snapshot failed: {e}")))?;
        let computed_ms = started.elapsed().as_millis() as u64 - loaded_ms;
        snapshot.fill_texts(store).await?;
        tracing::info!(
            %as_of,
            loaded_ms,
            computed_ms,
            texts_ms = started.elapsed().as_millis() as u64 - loaded_ms - computed_ms,
            open_deals = snapshot.report.deals.len(),
            "organisation snapshot ready"
        );
        Ok(snapshot)
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
    ) -> Result<Arc<OrgSnapshot>, AgentError> {
        let mut entries = self.entries.lock().await;
        if let Some(found) = entries.get(&as_of) {
            return Ok(found.clone());
        }
        let snapshot = OrgSnapshot::load(store, config, as_of).await?;
        let snapshot = Arc::new(snapshot);
        // Every leader's draft needs the organisation-wide cut and its facts: build them now,
        // while the run plans its drafts, rather than under the first leader's.
        tokio::spawn(snapshot.clone().warm_up());
        while entries.len() >= KEEP {
            let Some(oldest) = entries.keys().next().copied() else { break };
            entries.remove(&oldest);
        }
        entries.insert(as_of, snapshot.clone());
        Ok(snapshot)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::testkit::sim::{self, SimParams};
    use chrono::NaiveDate;

    fn org() -> sim::SimOrg {
        let config = Config::default();
        sim::generate(&SimParams {
            seed: 11,
            leaders: 2,
            managers: 2,
            reps: 8,
            months_of_history: config.sim.months_of_history,
            as_of: NaiveDate::from_ymd_opt(2026, 11, 16).unwrap().and_hms_opt(0, 0, 0).unwrap().and_utc(),
            org_domain: "northbridge-fs.example".into(),
            fiscal_year_start_month: 1,
        })
    }

    /// The run's compact snapshot must cut every recipient exactly the snapshot the full
    /// records give: the same report, deals, recent activities (text included) and wins.
    #[test]
    fn the_compact_snapshot_cuts_what_the_full_records_cut() {
        let org = org();
        let config = Config::default();
        let as_of = org.params.as_of;
        let compact = OrgSnapshot::compute(org.dataset.clone(), &config, as_of);
        let report = analyse(&Index::new(&org.dataset), &config.risk_settings(), as_of);
        assert_eq!(compact.report, report);
        let full = SnapshotIndex::new(&org.dataset, &report);
        let hierarchy = Hierarchy::new(&org.dataset.people);
        let mut with_activities = 0;
        for person in &org.dataset.people {
            let expected = Snapshot::cut(&full, &org.dataset, &report, &hierarchy, person);
            let cut = compact.recipient_snapshot(person);
            with_activities +=
                usize::from(cut.as_ref().is_some_and(|s| s.activities.iter().any(|a| a.subject.is_some())));
            assert_eq!(cut, expected, "{}", person.id);
        }
        assert!(with_activities > 0, "the recipients' snapshots quote activity text");
    }

    /// Leaders share one cut, one set of facts and one content digest, each addressed to its own leader, and equal
    /// to what each leader's own would be.
    #[tokio::test]
    async fn leaders_share_the_organisation_wide_snapshot_and_facts() {
        let org = org();
        let compact = Arc::new(OrgSnapshot::compute(org.dataset.clone(), &Config::default(), org.params.as_of));
        let directory = compact.directory();
        let leaders: Vec<&Person> = org.dataset.people.iter().filter(|p| p.role == Role::Leader).collect();
        assert_eq!(leaders.len(), 2);
        for leader in leaders {
            let snapshot = compact.recipient_snapshot(leader).unwrap();
            assert_eq!(snapshot.recipient.person_id, leader.id.as_str());
            let own = Snapshot::cut(&compact.index, compact.dataset(), &compact.report, &compact.hierarchy, leader);
            assert_eq!(Some(&snapshot), own.as_ref());
            let shared = compact.facts(&snapshot).await.unwrap();
            let fresh = Facts::from_snapshot(&snapshot, &directory);
            assert_eq!(
                (shared.recipient_id.as_str(), shared.recipient_name.as_str()),
                (leader.id.as_str(), leader.name.as_str())
            );
            assert_eq!(format!("{:?}", shared.pool), format!("{:?}", fresh.pool));
            assert_eq!(shared.ids, fresh.ids);
            assert_eq!(shared.people, fresh.people);
            let digest = compact.shared_content_digest(&snapshot).await.unwrap();
            assert_eq!(digest, Some(content_digest(&own.unwrap())), "the leaders share the content digest");
            assert!(Arc::ptr_eq(&snapshot.deals, &compact.recipient_snapshot(leader).unwrap().deals), "not copied");
        }
        let rep = org.dataset.people.iter().find(|p| p.role == Role::Rep).unwrap();
        let rep_snapshot = compact.recipient_snapshot(rep).unwrap();
        assert_eq!(compact.shared_content_digest(&rep_snapshot).await.unwrap(), None);
    }

    #[test]
    fn the_compact_directory_knows_every_record_and_evidence_row() {
        let org = org();
        let compact = OrgSnapshot::compute(org.dataset.clone(), &Config::default(), org.params.as_of);
        let directory = Directory::from_engine(&compact.engine);
        let full = Directory::from_dataset(&org.dataset);
        assert_eq!(directory.ids, full.ids);
        for id in org
            .dataset
            .activities
            .iter()
            .map(|a| a.id.as_str())
            .chain(org.dataset.history.iter().map(|h| h.id.as_str()))
        {
            assert!(directory.knows(id) && full.knows(id), "{id}");
        }
        assert!(!directory.knows("sim:deal-999999-a001"));
    }
}
