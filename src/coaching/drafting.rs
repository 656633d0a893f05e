//! Drafting for one recipient, the only way a draft is written: reuse a stored draft with the
//! same inputs, else run the bounded loop and fall back to the deterministic drafter when the
//! model's draft cannot be validated. Nothing is stored here: the weekly run's draft step
//! records the outcome with its review decision in one transaction.

use super::drafter;
use super::drafts::{Draft, DraftKind};
use super::hashing::{input_hash, ContentDigest, HashInputs};
use super::org::OrgSnapshot;
use super::prompts;
use super::provider::{Provider, Usage};
use super::render::render;
use super::runner::{run_loop, LoopInputs, LoopLimits, StopReason, TranscriptEntry};
use super::snapshot::Snapshot;
use super::validator::{Directory, Facts, Finding, Validator};
use super::AgentError;
use crate::coaching::memory::Memory;
use crate::config::{Config, SourceText};
use crate::domain::{Dataset, DraftStatus, Person};
use crate::engine::pay::ComplianceEvent;
use crate::store::{DraftRecord, Store};
use serde::Serialize;
use std::sync::Arc;
use std::time::Instant;

/// Everything drafting needs besides the data: the provider, the validator and the loop's
/// budgets, the memory behind the memory tools and the incentive plans behind the bonus line.
pub struct AgentSetup {
    pub provider: Arc<dyn Provider>,
    pub validator: Validator,
    pub limits: LoopLimits,
    pub org_name: String,
    /// The vector memory behind the memory tools; `None` drafts without them.
    pub memory: Option<Arc<Memory>>,
    /// The configured incentive plans, for the rep nudge's bonus line; `None` without plan files.
    pub pay: Option<Arc<super::pay::PayContext>>,
    /// What the model is shown of client and CRM text (`agent.source_text`).
    pub source_text: SourceText,
}

impl AgentSetup {
    pub fn new(config: &Config, provider: Arc<dyn Provider>) -> Result<Self, AgentError> {
        Ok(Self {
            provider,
            validator: Validator::new(&config.compliance).map_err(AgentError::Policy)?,
            limits: LoopLimits::from_config(&config.llm),
            org_name: config.org.name.clone(),
            memory: None,
            pay: super::pay::PayContext::from_config(config).map_err(AgentError::Plans)?.map(Arc::new),
            source_text: config.agent.source_text,
        })
    }

    /// The provider `config` names.
    pub fn from_config(config: &Config) -> Result<Self, AgentError> {
        Self::new(config, super::provider::from_config(&config.llm)?)
    }

    /// Offers the memory tools in every loop of this setup; `None` keeps drafting as without them.
    pub fn with_memory(mut self, memory: Option<Arc<Memory>>) -> Self {
        self.memory = memory;
        self
    }

    /// Attaches the rep's pay outlook to `snapshot` when plans are configured.
    pub fn attach_pay(&self, dataset: &Dataset, events: &[ComplianceEvent], snapshot: &mut Snapshot) {
        if let Some(pay) = &self.pay {
            snapshot.pay = super::pay::outlook(dataset, pay, events, snapshot);
        }
    }

    /// Drafts for `recipient` from the organisation's snapshot: cuts their scoped snapshot,
    /// attaches their pay outlook, works out the validator's facts (shared between leaders),
    /// then [`draft_one_with`], reusing a draft stored in `store` with the same inputs.
    pub async fn draft_for(
        &self,
        org: &Arc<OrgSnapshot>,
        recipient: &Person,
        store: &Store,
    ) -> Result<DraftOutcome, AgentError> {
        let started = Instant::now();
        let (shared, person) = (org.clone(), recipient.clone());
        let mut snapshot = tokio::task::spawn_blocking(move || shared.recipient_snapshot(&person))
            .await
            .map_err(|e| AgentError::Unfinished(format!("cutting the snapshot failed: {e}")))?
            .ok_or_else(|| AgentError::NoDraftForRole(recipient.id.to_string(), recipient.role.to_string()))?;
        let cut_ms = started.elapsed().as_millis() as u64;
        if self.pay.is_some() {
            // Compliance events gate pay, so the nudge's pay outlook reads the current ones.
            let events = store.load_comp_events().await?;
            self.attach_pay(org.dataset(), &events, &mut snapshot);
        }
        let (facts, content) = tokio::join!(org.facts(&snapshot), org.shared_content_digest(&snapshot));
        let prepared = Prepared { facts: Some(facts?), content: content? };
        tracing::debug!(recipient = %recipient.id, cut_ms, facts_ms = started.elapsed().as_millis() as u64 - cut_ms, "draft inputs ready");
        draft_one_with(self, snapshot, prepared, &org.directory(), Some(store)).await
    }
}

/// A written draft with everything the audit keeps about how it was written.
#[derive(Debug, Clone, Serialize)]
pub struct DraftOutcome {
    pub recipient_id: String,
    pub recipient_name: String,
    pub kind: DraftKind,
    pub input_hash: String,
    pub provider: String,
    pub model: String,
    pub prompt_version: String,
    pub compliance_version: String,
    pub ruleset_version: String,
    pub status: DraftStatus,
    /// Whether the draft passed the validator (a fallback must too).
    pub valid: bool,
    pub fallback_reasons: Vec<String>,
    pub stop: StopReason,
    pub draft: Draft,
    pub rendered: String,
    pub findings: Vec<Finding>,
    pub model_findings: Vec<Finding>,
    pub transcript: Vec<TranscriptEntry>,
    pub usage: Usage,
    pub model_calls: u32,
    pub wall_ms: u64,
    /// The stored draft whose identical inputs this one reused, spending no tokens.
    pub cached_from: Option<String>,
    /// What the model was shown of client and CRM text; `None` when no model was called.
    pub source_text: Option<SourceText>,
    /// The model's last draft when the validator refused it and the fallback was recorded:
    /// kept so a reviewer sees what the model tried to say.
    pub refused_draft: Option<Draft>,
}

impl DraftOutcome {
    /// The subject line: the draft's headline, or what it is when the headline is empty.
    pub fn subject(&self, week: &str) -> String {
        let headline = match &self.draft {
            Draft::RepNudge(nudge) => &nudge.headline,
            Draft::InterventionBrief(brief) => &brief.headline,
            Draft::ForecastMemo(memo) => &memo.headline,
        };
        let subject: String = headline.chars().take(150).collect();
        if subject.trim().is_empty() {
            format!("Your {} for {week}", self.kind.label())
        } else {
            subject
        }
    }

    /// The outcome `record` stored, reused for `snapshot`'s recipient.
    fn reused(record: &DraftRecord, snapshot: &Snapshot) -> Option<DraftOutcome> {
        let p = &record.provenance;
        Some(DraftOutcome {
            recipient_id: snapshot.recipient.person_id.clone(),
            recipient_name: snapshot.recipient.name.clone(),
            kind: record.kind,
            input_hash: p.input_hash.clone(),
            provider: p.provider.clone(),
            model: p.model.clone(),
            prompt_version: p.prompt_version.clone(),
            compliance_version: p.compliance_version.clone(),
            ruleset_version: p.ruleset_version.clone(),
            status: p.status,
            valid: p.valid,
            fallback_reasons: serde_json::from_str(&p.fallback_reasons).ok()?,
            stop: StopReason::Cached { from: record.id.clone() },
            draft: serde_json::from_str(&p.draft).ok()?,
            rendered: record.drafted_body.clone(),
            findings: serde_json::from_str(&p.validator_results).ok()?,
            model_findings: serde_json::from_str(&p.model_findings).ok()?,
            transcript: Vec::new(),
            usage: Usage::default(),
            model_calls: 0,
            wall_ms: 0,
            cached_from: Some(record.id.clone()),
            source_text: p.source_text,
            refused_draft: p.refused_draft.as_deref().and_then(|d| serde_json::from_str(d).ok()),
        })
    }
}

/// What a caller may have worked out about a recipient's snapshot ahead of [`draft_one_with`]:
/// off the async threads, or once for recipients who share a scope (every leader's). `None`
/// parts are worked out there.
#[derive(Default)]
pub struct Prepared {
    /// [`Facts::from_snapshot`] on this snapshot and the run's directory.
    pub facts: Option<Facts>,
    /// [`super::hashing::content_digest`] of this snapshot.
    pub content: Option<ContentDigest>,
}

/// Drafts for one recipient with nothing prepared; see [`draft_one_with`].
pub async fn draft_one(
    setup: &AgentSetup,
    snapshot: Snapshot,
    directory: &Directory,
    cache: Option<&Store>,
) -> Result<DraftOutcome, AgentError> {
    draft_one_with(setup, snapshot, Prepared::default(), directory, cache).await
}

/// Drafts for `snapshot`'s recipient: reuses a draft stored in `cache` with the same inputs,
/// else runs the loop and falls back to the deterministic drafter when the model's draft
/// cannot be validated. The result is validated whoever wrote it.
pub async fn draft_one_with(
    setup: &AgentSetup,
    snapshot: Snapshot,
    prepared: Prepared,
    directory: &Directory,
    cache: Option<&Store>,
) -> Result<DraftOutcome, AgentError> {
    let started = Instant::now();
    let provider = setup.provider.as_ref();
    let policy = &setup.validator.policy;
    let prompt = prompts::render(&snapshot, &setup.org_name, policy);
    let (snapshot, hash) = hash_inputs(setup, snapshot, prepared.content, &prompt.version).await?;
    if let Some(store) = cache {
        if let Some(record) = store.draft_with_inputs(&hash).await? {
            if let Some(outcome) = DraftOutcome::reused(&record, &snapshot) {
                return Ok(outcome);
            }
        }
    }
    let facts = prepared.facts.unwrap_or_else(|| Facts::from_snapshot(&snapshot, directory));
    let looped = run_loop(LoopInputs {
        provider,
        snapshot: &snapshot,
        prompt: &prompt,
        validator: &setup.validator,
        facts: &facts,
        directory,
        limits: &setup.limits,
        memory: setup.memory.as_deref(),
        source_text: setup.source_text,
    })
    .await;
    let refused_draft = match looped.stop {
        StopReason::Validated { .. } => None,
        _ => looped.draft.clone(),
    };
    let (draft, status, fallback_reasons) = match (&looped.draft, &looped.stop) {
        (Some(draft), StopReason::Validated { after_repair }) => {
            let status = if *after_repair { DraftStatus::Repaired } else { DraftStatus::Validated };
            (draft.clone(), status, Vec::new())
        }
        _ => {
            let mut reasons = vec![looped.stop.describe()];
            reasons.extend(looped.findings.iter().take(10).map(Finding::to_string));
            (drafter::draft(&snapshot), DraftStatus::Fallback, reasons)
        }
    };
    let rendered = render(&draft, &snapshot.recipient.name, snapshot.exponent());
    // The draft is validated whoever wrote it: a fallback that fails is recorded invalid.
    let findings = setup.validator.validate(&draft, &rendered, &facts, directory);
    let outcome = DraftOutcome {
        recipient_id: snapshot.recipient.person_id.clone(),
        recipient_name: snapshot.recipient.name.clone(),
        kind: snapshot.kind,
        input_hash: hash,
        provider: provider.name().to_owned(),
        model: provider.model().to_owned(),
        prompt_version: prompt.version.clone(),
        compliance_version: policy.version.clone(),
        ruleset_version: snapshot.ruleset_version.clone(),
        status,
        valid: findings.is_empty(),
        fallback_reasons,
        stop: looped.stop.clone(),
        draft,
        rendered,
        findings,
        model_findings: looped.findings,
        transcript: looped.transcript,
        usage: looped.usage,
        model_calls: looped.model_calls,
        wall_ms: started.elapsed().as_millis() as u64,
        cached_from: None,
        source_text: (looped.model_calls > 0 && provider.reads_tool_results()).then_some(setup.source_text),
        refused_draft,
    };
    tracing::debug!(recipient = %outcome.recipient_id, wall_ms = outcome.wall_ms, "draft written");
    Ok(outcome)
}

/// The inputs hash, worked out off the async threads: hashing serialises the whole snapshot
/// unless its content digest is given (a leader's holds every open deal).
async fn hash_inputs(
    setup: &AgentSetup,
    snapshot: Snapshot,
    content: Option<ContentDigest>,
    prompt_version: &str,
) -> Result<(Snapshot, String), AgentError> {
    let provider = setup.provider.as_ref();
    let parts = [provider.name(), provider.model(), prompt_version, &setup.validator.policy.version, &setup.org_name]
        .map(str::to_owned);
    tokio::task::spawn_blocking(move || {
        let [provider, model, prompt_version, compliance_version, org_name] = &parts;
        let hash = input_hash(&HashInputs {
            snapshot: &snapshot,
            content,
            provider,
            model,
            prompt_version,
            compliance_version,
            org_name,
        });
        (snapshot, hash)
    })
    .await
    .map_err(|e| AgentError::Unfinished(format!("hashing the draft's inputs: {e}")))
}
