//! Where a run stands, computed from its jobs, drafts and deliveries: `queued` (nothing
//! started), `running`, `completed`, or `failed` (finished with a job or delivery that failed for
//! good). Drafts waiting for a reviewer do not hold a run open; their deliveries, once
//! approved, reopen it until they are done.

use crate::domain::{DeliveryState, DraftState};
use crate::store::{RunRecord, Store, StoreError};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RunState {
    Queued,
    Running,
    Completed,
    Failed,
}

impl RunState {
    pub fn as_str(self) -> &'static str {
        match self {
            RunState::Queued => "queued",
            RunState::Running => "running",
            RunState::Completed => "completed",
            RunState::Failed => "failed",
        }
    }

    pub fn is_finished(self) -> bool {
        matches!(self, RunState::Completed | RunState::Failed)
    }
}

/// Where a run stands: what the CLI prints and the API returns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct RunStatus {
    pub id: String,
    pub week: String,
    pub selection: String,
    pub trigger: String,
    pub as_of: String,
    pub created_at: String,
    pub state: RunState,
    /// Jobs of the run, and how many of them have finished.
    pub jobs_total: i64,
    pub jobs_finished: i64,
    /// People this run drafts for (those already drafted this week by another run excluded).
    pub recipients: i64,
    pub drafted: i64,
    pub awaiting_review: i64,
    pub rejected: i64,
    pub deliveries: i64,
    pub delivered: i64,
    pub delivery_failures: i64,
    /// Failures for good, one line each: failed jobs and failed deliveries.
    pub failures: Vec<String>,
}

pub async fn run_status(store: &Store, run: RunRecord) -> Result<RunStatus, StoreError> {
    let tallies = store.job_tallies(&run.id).await?;
    let drafts = store.draft_state_counts(&run.id).await?;
    let deliveries = store.delivery_state_counts(&run.id).await?;
    let count = |state: &str| tallies.iter().filter(|t| t.state == state).map(|t| t.count).sum::<i64>();
    let jobs_total: i64 = tallies.iter().map(|t| t.count).sum();
    let started: i64 = tallies.iter().map(|t| t.started).sum();
    let (active, failed_jobs) = (count("queued") + count("running"), count("failed"));
    let draft_count = |wanted: DraftState| drafts.iter().filter(|(s, _)| *s == wanted).map(|(_, n)| n).sum();
    let delivery_count =
        |states: &[DeliveryState]| deliveries.iter().filter(|(s, _)| states.contains(s)).map(|(_, n)| n).sum();
    let delivery_failures: i64 = delivery_count(&[DeliveryState::Failed]);
    // A queued delivery has (or is about to get) a job: the relay creates the job and marks the
    // delivery queued in one transaction, but the tallies above were read before it may have
    // committed, so the delivery's own state must keep the run open.
    let pending_deliveries: i64 = delivery_count(&[DeliveryState::Pending, DeliveryState::Queued]);
    let state = if started == 0 && jobs_total > 0 && active == jobs_total {
        RunState::Queued
    } else if active > 0 || pending_deliveries > 0 {
        RunState::Running
    } else if failed_jobs > 0 || delivery_failures > 0 {
        RunState::Failed
    } else {
        RunState::Completed
    };
    let mut failures = Vec::new();
    if failed_jobs > 0 {
        for job in store.failed_jobs(&run.id).await? {
            // Failed deliveries are listed from the deliveries themselves, below.
            if job.kind != "deliver" {
                failures.push(format!("{} {}: {}", job.kind, job.scope, job.last_error.unwrap_or_default()));
            }
        }
    }
    if delivery_failures > 0 {
        for delivery in store.failed_deliveries(&run.id).await? {
            failures.push(format!(
                "delivery {} via {}: {}",
                delivery.draft_id,
                delivery.channel,
                delivery.error.unwrap_or_default()
            ));
        }
    }
    Ok(RunStatus {
        recipients: tallies.iter().filter(|t| t.kind == "draft").map(|t| t.count).sum(),
        drafted: drafts.iter().map(|(_, n)| n).sum(),
        awaiting_review: draft_count(DraftState::Drafted),
        rejected: draft_count(DraftState::Rejected),
        deliveries: deliveries.iter().map(|(_, n)| n).sum(),
        delivered: delivery_count(&[DeliveryState::Delivered]),
        delivery_failures,
        jobs_total,
        jobs_finished: jobs_total - active,
        failures,
        state,
        id: run.id,
        week: run.week,
        selection: run.selection,
        trigger: run.trigger,
        as_of: run.as_of,
        created_at: run.created_at,
    })
}

/// The newest `limit` runs with their status.
pub async fn run_statuses(store: &Store, limit: i64) -> Result<Vec<RunStatus>, StoreError> {
    let mut statuses = Vec::new();
    for run in store.runs(limit).await? {
        statuses.push(run_status(store, run).await?);
    }
    Ok(statuses)
}

/// Polls the run until it finishes, calling `on_update` whenever its figures change.
pub async fn wait_for_run(
    store: &Store,
    run_id: &str,
    every: std::time::Duration,
    mut on_update: impl FnMut(&RunStatus),
) -> Result<RunStatus, StoreError> {
    let mut last: Option<RunStatus> = None;
    loop {
        let Some(run) = store.run(run_id).await? else {
            return Err(StoreError::Corrupt {
                table: "runs",
                id: run_id.to_owned(),
                field: "id",
                reason: "no such run".into(),
            });
        };
        let status = run_status(store, run).await?;
        if last.as_ref() != Some(&status) {
            on_update(&status);
        }
        if status.state.is_finished() {
            return Ok(status);
        }
        last = Some(status);
        tokio::time::sleep(every).await;
    }
}
