//! The weekly run as jobs: sync → snapshot → plan recipients → draft each (beside storing the
//! engine's report) → review → deliver.
//! A run is unique per (week, selection); its first job is enqueued in the transaction that
//! creates it, and each step enqueues the next in the transaction that completes it. Drafts
//! are keyed by (recipient, kind, week), so two runs covering the same people in one week (an
//! on-demand run and a scheduled one) draft each person once.

use super::start::{step_job, Selection, StepPayload, DELIVER_PRIORITY};
use super::JobError;
use crate::coaching::memory::Memory;
use crate::coaching::{AgentSetup, SnapshotCache};
use crate::config::Config;
use crate::domain::{DraftKind, IsoWeek};
use crate::store::{instant, report_hash, ClaimedJob, JobOutcome, NewJob, Store, StoreError};
use crate::workflow::deliver::Deliverer;
use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::{Any, Transaction};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

pub(super) const SYNC: &str = "sync";
pub(super) const SNAPSHOT: &str = "snapshot";
pub(super) const REPORT: &str = "report";
pub(super) const PLAN: &str = "plan";
pub(super) const DRAFT: &str = "draft";
pub(super) const DELIVER: &str = "deliver";
/// Brings coaching memory up to date with the run's snapshot (only with a memory).
pub(super) const MEMORY: &str = "memory";

/// Brings records in from a configured source before the snapshot is taken.
pub trait SyncSource: Send + Sync {
    fn name(&self) -> &str;
    /// Returns a one-line summary of what changed.
    fn sync<'a>(&'a self, store: &'a Store) -> Pin<Box<dyn Future<Output = Result<String, String>> + Send + 'a>>;
}

/// Everything a worker needs to run any step.
pub struct Pipeline {
    pub(super) store: Store,
    pub(super) config: Arc<Config>,
    /// How every draft is written: the configured provider, the validator and the fallback.
    pub(super) drafting: Arc<AgentSetup>,
    pub(super) deliverer: Arc<Deliverer>,
    pub(super) snapshots: SnapshotCache,
    sources: Vec<Arc<dyn SyncSource>>,
    /// Coaching memory written back after deliveries and snapshots ([`super::memory`]).
    pub(super) memory: Option<Arc<Memory>>,
}

impl Pipeline {
    pub fn new(store: Store, config: Arc<Config>, drafting: Arc<AgentSetup>, deliverer: Arc<Deliverer>) -> Pipeline {
        Pipeline {
            store,
            config,
            drafting,
            deliverer,
            snapshots: SnapshotCache::default(),
            sources: Vec::new(),
            memory: None,
        }
    }

    /// Writes delivered drafts and their outcomes to `memory`; `None` leaves memory alone.
    pub fn with_memory(mut self, memory: Option<Arc<Memory>>) -> Pipeline {
        self.memory = memory;
        self
    }

    /// Adds a source the sync step pulls from.
    pub fn with_source(mut self, source: Arc<dyn SyncSource>) -> Pipeline {
        self.sources.push(source);
        self
    }

    /// The vector memory the pipeline writes back to, if any.
    pub fn memory(&self) -> Option<Arc<Memory>> {
        self.memory.clone()
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Runs one attempt of `job`. On success the step has already committed its results
    /// together with the job's completion.
    pub async fn execute(&self, job: &ClaimedJob, owner: &str) -> Result<(), JobError> {
        match job.kind.as_str() {
            SYNC => self.sync(job, owner).await,
            SNAPSHOT => self.snapshot(job, owner).await,
            REPORT => self.report(job, owner).await,
            PLAN => self.plan(job, owner).await,
            DRAFT => self.draft(job, owner).await,
            DELIVER => self.deliver(job, owner).await,
            MEMORY => self.refresh_memory(job, owner).await,
            other => Err(JobError::Fatal(format!("unknown job kind {other:?}"))),
        }
    }

    /// Turns outbox entries into delivery jobs.
    pub async fn relay(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        self.store.relay_pending_deliveries(DELIVER_PRIORITY, i64::from(self.config.jobs.max_attempts), now).await
    }

    pub(super) fn payload(job: &ClaimedJob) -> Result<StepPayload, JobError> {
        serde_json::from_str(&job.payload)
            .map_err(|e| JobError::Fatal(format!("job {} has a bad payload: {e}", job.id)))
    }

    /// Commits `tx` if it holds this attempt's completion, else discards it.
    pub(super) async fn commit_if_held(tx: Transaction<'_, Any>, held: bool) -> Result<(), JobError> {
        if held {
            tx.commit().await?;
            Ok(())
        } else {
            tx.rollback().await?;
            Err(JobError::LeaseLost)
        }
    }

    async fn sync(&self, job: &ClaimedJob, owner: &str) -> Result<(), JobError> {
        let payload = Self::payload(job)?;
        let mut synced = Vec::new();
        for source in &self.sources {
            let summary = source
                .sync(&self.store)
                .await
                .map_err(|e| JobError::Transient(format!("syncing {}: {e}", source.name())))?;
            synced.push(json!({ "source": source.name(), "summary": summary }));
        }
        let result = json!({ "sources": synced }).to_string();
        let now = Utc::now();
        let mut tx = self.store.begin().await?;
        let held =
            self.store.finish_job_in(&mut tx, job, owner, JobOutcome::Succeeded { result: Some(&result) }, now).await?;
        if held {
            let next = step_job(SNAPSHOT, job.run_id.clone(), &job.run_id, &payload, &self.config);
            self.store.enqueue_job_in(&mut tx, &next, now).await?;
        }
        Self::commit_if_held(tx, held).await
    }

    async fn snapshot(&self, job: &ClaimedJob, owner: &str) -> Result<(), JobError> {
        let payload = Self::payload(job)?;
        let snapshot = self.snapshots.get(&self.store, &self.config, payload.as_of).await?;
        let report = &snapshot.report;
        let result = json!({
            "as_of": instant(&snapshot.as_of),
            "ruleset_version": report.ruleset_version,
            "period": report.period,
            "people": snapshot.dataset().people.len(),
            "open_deals": report.deals.len(),
            "flagged_deals": report.deals.iter().filter(|d| !d.flags.is_empty()).count(),
        })
        .to_string();
        let now = Utc::now();
        let mut tx = self.store.begin().await?;
        let held =
            self.store.finish_job_in(&mut tx, job, owner, JobOutcome::Succeeded { result: Some(&result) }, now).await?;
        if held {
            let next = step_job(PLAN, job.run_id.clone(), &job.run_id, &payload, &self.config);
            self.store.enqueue_job_in(&mut tx, &next, now).await?;
            if self.memory.is_some() {
                let memory = step_job(MEMORY, job.run_id.clone(), &job.run_id, &payload, &self.config);
                self.store.enqueue_job_in(&mut tx, &memory, now).await?;
            }
        }
        Self::commit_if_held(tx, held).await
    }

    /// Keeps the run's deals, flags with evidence, scorecards, roll-ups and forecast with the
    /// run (the API and web app read them). The rows go in short transactions, so the drafts
    /// committing meanwhile are not held up behind one long one; the run's summary row, by
    /// which readers find the report, is committed with the step itself.
    async fn report(&self, job: &ClaimedJob, owner: &str) -> Result<(), JobError> {
        let payload = Self::payload(job)?;
        let snapshot = self.snapshots.get(&self.store, &self.config, payload.as_of).await?;
        let counts = self.store.save_risk_report_parts(&job.run_id, &snapshot.report).await?;
        let hashed = snapshot.clone();
        let hash = tokio::task::spawn_blocking(move || report_hash(&hashed.report))
            .await
            .map_err(|e| JobError::Transient(format!("hashing the run's report failed: {e}")))?;
        let result =
            json!({ "deals": counts.deals, "flags": counts.flags, "reps": counts.reps, "teams": counts.teams });
        let result = result.to_string();
        let now = Utc::now();
        let mut tx = self.store.begin().await?;
        let held =
            self.store.finish_job_in(&mut tx, job, owner, JobOutcome::Succeeded { result: Some(&result) }, now).await?;
        if held {
            self.store.save_risk_report_header_in(&mut tx, &job.run_id, &snapshot.report, &hash).await?;
        }
        Self::commit_if_held(tx, held).await
    }

    async fn plan(&self, job: &ClaimedJob, owner: &str) -> Result<(), JobError> {
        let payload = Self::payload(job)?;
        let selection = Selection::parse(&payload.selection)
            .ok_or_else(|| JobError::Fatal(format!("unknown selection {:?}", payload.selection)))?;
        let snapshot = self.snapshots.get(&self.store, &self.config, payload.as_of).await?;
        let recipients: Vec<_> = snapshot
            .dataset()
            .people
            .iter()
            .filter_map(|person| Some((DraftKind::for_role(person.role)?, person)))
            .filter(|(kind, person)| match &selection {
                Selection::All => true,
                Selection::Slot { kind: wanted, timezone } => {
                    kind == wanted
                        && super::scheduler::recipient_zone(&person.timezone, &self.config.org.timezone) == timezone
                }
            })
            .collect();
        let now = Utc::now();
        let mut tx = self.store.begin().await?;
        let held = self.store.finish_job_in(&mut tx, job, owner, JobOutcome::Succeeded { result: None }, now).await?;
        if !held {
            return Self::commit_if_held(tx, held).await;
        }
        let drafts: Vec<NewJob> = recipients
            .iter()
            .map(|(kind, person)| {
                let step =
                    StepPayload { kind: Some(*kind), recipient_id: Some(person.id.to_string()), ..payload.clone() };
                step_job(DRAFT, format!("{}:{}", kind.as_str(), person.id), &job.run_id, &step, &self.config)
            })
            .collect();
        let queued = self.store.enqueue_jobs_in(&mut tx, &drafts, now).await?;
        // Storing the engine's report is a long write; it starts once the drafts are queued and
        // runs beside them, so drafting waits for neither.
        let report = step_job(REPORT, job.run_id.clone(), &job.run_id, &payload, &self.config);
        self.store.enqueue_job_in(&mut tx, &report, now).await?;
        tracing::info!(run = %job.run_id, recipients = recipients.len(), queued, "planned");
        Self::commit_if_held(tx, held).await
    }

    /// Ends `job` for good: records the failure where it belongs (the delivery, the draft, the
    /// run) and in the audit log.
    pub async fn fail(&self, job: &ClaimedJob, owner: &str, reason: &str) -> Result<(), JobError> {
        let now = Utc::now();
        let mut tx = self.store.begin().await?;
        let held = self.store.finish_job_in(&mut tx, job, owner, JobOutcome::Failed { error: reason }, now).await?;
        if held {
            match job.kind.as_str() {
                DELIVER => self.record_failed_delivery_in(&mut tx, job, reason, now).await?,
                kind => {
                    let (subject, action) = match kind {
                        DRAFT => (draft_id_for_scope(&job.period, &job.scope), "draft.failed"),
                        _ => (job.run_id.clone(), "job.failed"),
                    };
                    let detail =
                        json!({ "job": job.id, "run_id": job.run_id, "attempts": job.attempt, "error": reason });
                    self.store.append_audit_in(&mut tx, "system:pipeline", action, &subject, &detail, now).await?;
                }
            }
        }
        tracing::warn!(job = %job.id, attempts = job.attempt, error = reason, "job failed");
        Self::commit_if_held(tx, held).await
    }
}

/// The draft id behind a draft job's scope (`kind:recipient`).
fn draft_id_for_scope(week: &str, scope: &str) -> String {
    let parsed = week.parse::<IsoWeek>().ok().zip(scope.split_once(':'));
    match parsed.and_then(|(week, (kind, recipient))| Some((week, DraftKind::parse(kind)?, recipient))) {
        Some((week, kind, recipient)) => crate::domain::draft_id(week, kind, recipient),
        None => scope.to_owned(),
    }
}
