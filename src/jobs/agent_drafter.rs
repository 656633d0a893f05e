//! The drafting step backed by the agent: the recipient's scoped snapshot goes through the
//! agent's bounded, validated loop (or its offline provider), which stores the draft with its
//! provenance and reuses a stored draft with the same inputs, so a repeated step after a crash
//! spends no tokens.

use super::drafting::{DraftError, DraftFuture, DraftRequest, DraftedMessage, Drafter};
use super::snapshot::OrgSnapshot;
use crate::agent::{self, AgentError, AgentSetup, Draft};
use crate::config::Config;
use crate::domain::Person;
use crate::memory::Memory;
use crate::store::Store;
use serde_json::json;
use std::sync::Arc;

pub struct AgentDrafter {
    setup: Arc<AgentSetup>,
    store: Store,
}

impl AgentDrafter {
    /// The provider and policies `config` names.
    pub fn from_config(config: &Config, store: Store) -> Result<AgentDrafter, AgentError> {
        AgentDrafter::with_memory(config, store, None)
    }

    /// As [`AgentDrafter::from_config`], offering the memory tools when `memory` is given.
    pub fn with_memory(config: &Config, store: Store, memory: Option<Arc<Memory>>) -> Result<AgentDrafter, AgentError> {
        let provider = agent::provider::from_config(&config.llm)?;
        let setup = AgentSetup::new(config, provider)?.with_memory(memory);
        Ok(AgentDrafter { setup: Arc::new(setup), store })
    }
}

/// Cuts the recipient's snapshot from the run's shared index, off the async threads: a leader's
/// covers the whole organisation.
async fn recipient_snapshot(org: &Arc<OrgSnapshot>, recipient: &Person) -> Result<agent::Snapshot, DraftError> {
    let (org, person) = (org.clone(), recipient.clone());
    tokio::task::spawn_blocking(move || org.recipient_snapshot(&person))
        .await
        .map_err(|e| DraftError::Transient(format!("cutting the snapshot failed: {e}")))?
        .ok_or_else(|| DraftError::Fatal(format!("{} receives no draft", recipient.id)))
}

fn headline(draft: &Draft) -> &str {
    match draft {
        Draft::RepNudge(nudge) => &nudge.headline,
        Draft::InterventionBrief(brief) => &brief.headline,
        Draft::ForecastMemo(memo) => &memo.headline,
    }
}

impl Drafter for AgentDrafter {
    fn draft<'a>(&'a self, request: &'a DraftRequest) -> DraftFuture<'a> {
        Box::pin(async move {
            let org = &request.snapshot;
            let started = std::time::Instant::now();
            let mut snapshot = recipient_snapshot(org, &request.recipient).await?;
            let cut_ms = started.elapsed().as_millis() as u64;
            if self.setup.pay.is_some() {
                // Compliance events gate pay, so the nudge's pay outlook reads the current ones.
                let events = self
                    .store
                    .load_comp_events()
                    .await
                    .map_err(|e| DraftError::Transient(format!("loading compliance events: {e}")))?;
                self.setup.attach_pay(org.dataset(), &events, &mut snapshot);
            }
            let directory = org.directory();
            let facts_started = std::time::Instant::now();
            let (facts, content) = tokio::join!(org.facts(&snapshot), org.shared_content_digest(&snapshot));
            let transient = |e: super::JobError| DraftError::Transient(e.to_string());
            let (facts, content) = (facts.map_err(transient)?, content.map_err(transient)?);
            let facts_ms = facts_started.elapsed().as_millis() as u64;
            tracing::debug!(recipient = %request.recipient.id, cut_ms, facts_ms, "draft inputs ready");
            let run_key = format!("weekly:{}", request.week);
            let now = chrono::Utc::now();
            let prepared = agent::Prepared { facts: Some(facts), content };
            let outcome =
                agent::draft_one_with(&self.setup, snapshot, prepared, &directory, &run_key, Some(&self.store), now)
                    .await
                    .map_err(|error| match error {
                        AgentError::Store(e) => DraftError::Transient(format!("storing the draft: {e}")),
                        AgentError::Unfinished(e) => DraftError::Transient(e),
                        other => DraftError::Fatal(other.to_string()),
                    })?;
            let subject: String = headline(&outcome.draft).chars().take(150).collect();
            Ok(DraftedMessage {
                subject: if subject.trim().is_empty() {
                    format!("Your {} for {}", request.kind.label(), request.week)
                } else {
                    subject
                },
                body: outcome.rendered.clone(),
                provenance: json!({
                    "agent_draft_id": outcome.id,
                    "provider": outcome.provider,
                    "model": outcome.model,
                    "prompt_version": outcome.prompt_version,
                    "ruleset_version": org.report.ruleset_version,
                    "inputs_sha256": outcome.input_hash,
                    "status": outcome.status.as_str(),
                    "fallback": outcome.status == agent::DraftStatus::Fallback,
                    "fallback_reasons": outcome.fallback_reasons,
                    "valid": outcome.valid,
                    "validator_findings": outcome.findings.len(),
                    "model_calls": outcome.model_calls,
                    "prompt_tokens": outcome.usage.prompt_tokens,
                    "completion_tokens": outcome.usage.completion_tokens,
                    "cached": outcome.cached,
                }),
            })
        })
    }
}
