//! Starting a run: what it covers (a week, every recipient or one kind in one time zone, the
//! data date), the payload every step of it reads, how each step becomes a job with its priority,
//! and creating the run with its first job in one transaction.

use super::pipeline::{DRAFT, SYNC};
use crate::config::Config;
use crate::domain::{DraftKind, IsoWeek};
use crate::store::{instant, NewJob, RunRecord, Store, StoreError};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::{Any, Transaction};

/// Deliveries go ahead of drafts, so messages leave as soon as they are approved.
const STEP_PRIORITY: i64 = 0;
pub(super) const DELIVER_PRIORITY: i64 = 5;
const DRAFT_PRIORITY: i64 = 10;

/// Who a run drafts for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// Every recipient of every kind.
    All,
    /// Recipients of one kind whose schedule zone is `timezone`.
    Slot { kind: DraftKind, timezone: String },
}

impl Selection {
    pub fn as_text(&self) -> String {
        match self {
            Selection::All => "all".to_owned(),
            Selection::Slot { kind, timezone } => format!("{}@{timezone}", kind.as_str()),
        }
    }

    pub fn parse(text: &str) -> Option<Selection> {
        if text == "all" {
            return Some(Selection::All);
        }
        let (kind, timezone) = text.split_once('@')?;
        Some(Selection::Slot { kind: DraftKind::parse(kind)?, timezone: timezone.to_owned() })
    }
}

#[derive(Debug, Clone)]
pub struct RunRequest {
    pub week: IsoWeek,
    pub selection: Selection,
    /// The data date the engine runs at.
    pub as_of: DateTime<Utc>,
    /// `manual` or `schedule`.
    pub trigger: String,
}

impl RunRequest {
    /// An on-demand run of every recipient for `week`, at the start of that week.
    pub fn manual(week: IsoWeek) -> RunRequest {
        RunRequest { week, selection: Selection::All, as_of: week.start(), trigger: "manual".to_owned() }
    }

    pub fn run_id(&self) -> String {
        match &self.selection {
            Selection::All => self.week.to_string(),
            other => format!("{}/{}", self.week, other.as_text()),
        }
    }
}

/// What every step of a run reads from its payload.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct StepPayload {
    pub week: String,
    pub as_of: DateTime<Utc>,
    pub selection: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<DraftKind>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient_id: Option<String>,
}

/// The costliest drafts go first and the cheap ones fill the end of the run, where nothing is
/// left to overlap them (longest first): managers' briefs, then leaders' memos, whose
/// organisation-wide cut and facts are worked out while the briefs draft, then rep nudges.
fn draft_order(kind: DraftKind) -> i64 {
    match kind {
        DraftKind::InterventionBrief => 0,
        DraftKind::ForecastMemo => 1,
        DraftKind::RepNudge => 2,
    }
}

pub(super) fn step_job(kind: &str, scope: String, run_id: &str, payload: &StepPayload, config: &Config) -> NewJob {
    NewJob {
        kind: kind.to_owned(),
        scope,
        period: payload.week.clone(),
        run_id: run_id.to_owned(),
        payload: serde_json::to_string(payload).unwrap_or_default(),
        priority: match (kind, payload.kind) {
            (DRAFT, Some(draft)) => DRAFT_PRIORITY + draft_order(draft),
            (DRAFT, None) => DRAFT_PRIORITY,
            _ => STEP_PRIORITY,
        },
        max_attempts: i64::from(config.jobs.max_attempts),
        run_after: Utc::now(),
    }
}

/// Creates the run and enqueues its first step inside `tx`; returns the run and whether it is
/// new. Starting an existing run changes nothing.
pub(super) async fn start_run_in(
    store: &Store,
    tx: &mut Transaction<'_, Any>,
    config: &Config,
    request: &RunRequest,
    now: DateTime<Utc>,
) -> Result<(RunRecord, bool), StoreError> {
    let run = RunRecord {
        id: request.run_id(),
        week: request.week.to_string(),
        selection: request.selection.as_text(),
        as_of: instant(&request.as_of),
        trigger: request.trigger.clone(),
        created_at: instant(&now),
    };
    if !store.create_run_in(tx, &run).await? {
        return Ok((run, false));
    }
    let payload = StepPayload {
        week: run.week.clone(),
        as_of: request.as_of,
        selection: run.selection.clone(),
        kind: None,
        recipient_id: None,
    };
    store.enqueue_job_in(tx, &step_job(SYNC, run.id.clone(), &run.id, &payload, config), now).await?;
    let detail = json!({ "week": run.week, "selection": run.selection, "as_of": run.as_of, "trigger": run.trigger });
    store.append_audit_in(tx, &format!("trigger:{}", run.trigger), "run.started", &run.id, &detail, now).await?;
    Ok((run, true))
}

/// Starts a run in its own transaction; see [`start_run_in`].
pub async fn start_run(
    store: &Store,
    config: &Config,
    request: &RunRequest,
    now: DateTime<Utc>,
) -> Result<(RunRecord, bool), StoreError> {
    let mut tx = store.begin().await?;
    let (run, created) = start_run_in(store, &mut tx, config, request, now).await?;
    tx.commit().await?;
    if created {
        Ok((run, true))
    } else {
        Ok((store.run(&run.id).await?.unwrap_or(run), false))
    }
}
