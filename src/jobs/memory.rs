//! Memory write-back from the weekly run: a delivered draft is indexed into coaching memory
//! once its delivery has committed, and each run's memory step attaches what happened since to
//! the coaching that preceded it and tells the deals that closed since the last run as
//! narratives for "similar won deals" (each closed deal once; no engine work when none closed).
//! None of it fails its step: memory helps the next draft, so a store hiccup is logged and the
//! delivery or run goes on.

use super::pipeline::Pipeline;
use super::JobError;
use crate::coaching::memory::advice::{self, DeliveredDraft};
use crate::coaching::memory::collections::COACHING;
use crate::coaching::memory::deals::{self, RUN_SAMPLES, RUN_STEP_DAYS};
use crate::coaching::memory::store::Condition;
use crate::coaching::memory::{Access, Filter, Memory, ScopedFilter, VectorStore};
use crate::coaching::{Draft, OrgSnapshot};
use crate::engine::risk::Index;
use crate::store::ClaimedJob;
use crate::store::DraftRecord;
use chrono::{DateTime, Utc};
use std::sync::Arc;

impl Pipeline {
    /// The run's memory step: attaches what happened since to earlier coaching and tells the
    /// deals closed since the last run, beside drafting. Memory helps later drafts, so a
    /// failure is logged and the step still succeeds.
    pub(super) async fn refresh_memory(&self, job: &ClaimedJob, owner: &str) -> Result<(), JobError> {
        let payload = Self::payload(job)?;
        let snapshot = self.snapshots.get(&self.store, &self.config, payload.as_of).await?;
        self.attach_outcomes(&snapshot).await;
        self.index_deal_narratives(&snapshot).await;
        self.finish_plain(job, owner, "coaching memory brought up to date").await
    }

    /// Indexes a delivered draft into coaching memory; logs and returns on any failure.
    pub(super) async fn remember_delivery(&self, draft: &DraftRecord) {
        let Some(memory) = self.memory.as_deref() else { return };
        match self.index_delivery(memory, draft).await {
            Ok(Some(points)) => tracing::debug!(draft = %draft.id, points, "delivered draft indexed"),
            Ok(None) => {}
            Err(error) => tracing::warn!(draft = %draft.id, %error, "delivered draft not indexed in memory"),
        }
    }

    /// `None` when there is nothing to index: no typed draft behind the message, or the
    /// draft already indexed by an earlier channel (indexing again would reset its outcomes).
    async fn index_delivery(&self, memory: &Memory, draft: &DraftRecord) -> Result<Option<usize>, String> {
        // Coaching memory keeps what was advised deal by deal, which only a typed draft records;
        // a draft recorded without one has no such structure.
        let Ok(typed) = serde_json::from_str::<Draft>(&draft.provenance.draft) else { return Ok(None) };
        let indexed = ScopedFilter::new(Access::Organisation, Filter::all([Condition::keyword("draft_id", &draft.id)]));
        if memory.store().count(COACHING.name, &indexed).await.map_err(|e| e.to_string())? > 0 {
            return Ok(None);
        }
        let run = self.store.run(&draft.run_id).await.map_err(|e| e.to_string())?;
        let run = run.ok_or_else(|| format!("run {} is not stored", draft.run_id))?;
        let as_of: DateTime<Utc> = DateTime::parse_from_rfc3339(&run.as_of)
            .map_err(|e| format!("run {} as_of {:?}: {e}", run.id, run.as_of))?
            .with_timezone(&Utc);
        // The deals as they stood at the run's data date are what the advice was about, and that
        // date (not the wall clock) is the timeline later snapshots observe outcomes on.
        let snapshot = self.snapshots.get(&self.store, &self.config, as_of).await.map_err(|e| e.to_string())?;
        let states = snapshot.deal_states();
        let delivered = DeliveredDraft::from_draft(&draft.id, &draft.recipient_id, as_of.date_naive(), &typed, states);
        advice::index_delivered(memory, &delivered).await.map(Some).map_err(|e| e.to_string())
    }

    /// Attaches what happened to the coached deals as of `snapshot`; logs and returns on failure.
    pub(super) async fn attach_outcomes(&self, snapshot: &OrgSnapshot) {
        let Some(memory) = self.memory.as_deref() else { return };
        match advice::attach_outcomes(memory, snapshot.deal_states(), snapshot.as_of.date_naive()).await {
            Ok(updated) => tracing::debug!(updated, "coaching outcomes attached"),
            Err(error) => tracing::warn!(%error, "coaching outcomes not attached"),
        }
    }

    /// Indexes the narratives of deals closed since the last run; logs and returns on failure.
    pub(super) async fn index_deal_narratives(&self, snapshot: &Arc<OrgSnapshot>) {
        let Some(memory) = self.memory.as_deref() else { return };
        match self.narrate_closed_deals(memory, snapshot).await {
            Ok((0, _)) => tracing::debug!("no newly closed deal to narrate"),
            Ok((pending, indexed)) => tracing::info!(pending, indexed, "closed deals narrated into memory"),
            Err(error) => tracing::warn!(%error, "closed deals not narrated in memory"),
        }
    }

    /// `(pending, indexed)`: the closed deals without a narrative, and the narratives written.
    /// The engine runs (once per sample date, off the async threads) only when some are pending.
    async fn narrate_closed_deals(
        &self,
        memory: &Memory,
        snapshot: &Arc<OrgSnapshot>,
    ) -> Result<(usize, usize), String> {
        let pending = deals::pending_narratives(memory, snapshot.dataset(), snapshot.as_of, RUN_SAMPLES, RUN_STEP_DAYS)
            .await
            .map_err(|e| e.to_string())?;
        if pending.is_empty() {
            return Ok((0, 0));
        }
        let settings = self.config.risk_settings();
        let shared = snapshot.clone();
        let narratives = tokio::task::spawn_blocking(move || {
            let index = Index::from_engine(&shared.engine);
            deals::narratives_from(&index, &settings, shared.as_of, RUN_SAMPLES, RUN_STEP_DAYS)
        })
        .await
        .map_err(|e| format!("building narratives: {e}"))?;
        let fresh: Vec<_> = narratives.into_iter().filter(|n| pending.contains(&n.deal_id)).collect();
        if fresh.len() < pending.len() {
            tracing::debug!(pending = pending.len(), told = fresh.len(), "some closed deals had no sampled open state");
        }
        let indexed = deals::index_narratives(memory, &fresh).await.map_err(|e| e.to_string())?;
        Ok((pending.len(), indexed))
    }
}
