//! Drafting for recipients: one draft (cache lookup, loop, validation, fallback, storage) and a
//! weekly run over every rep, manager and leader with a concurrency limit across recipients.

use super::drafter;
use super::drafts::{Draft, DraftKind};
use super::hashing::{input_hash, ContentDigest, HashInputs};
use super::prompts;
use super::provider::{Provider, Usage};
use super::render::render;
use super::runner::{run_loop, LoopInputs, LoopLimits, StopReason, TranscriptEntry};
use super::snapshot::{recipients, Snapshot};
use super::snapshot_index::SnapshotIndex;
use super::validator::{Directory, Facts, Finding, Validator};
use super::AgentError;
use crate::comp::ComplianceEvent;
use crate::config::Config;
use crate::domain::{Dataset, Hierarchy};
use crate::features::RiskReport;
use crate::memory::Memory;
use crate::store::{Store, StoredDraft};
use chrono::{DateTime, Datelike, Utc};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::Semaphore;

/// Everything a run needs besides the data.
pub struct AgentSetup {
    pub provider: Arc<dyn Provider>,
    pub validator: Validator,
    pub limits: LoopLimits,
    pub org_name: String,
    pub concurrency: usize,
    /// The vector memory behind the memory tools; `None` drafts without them.
    pub memory: Option<Arc<Memory>>,
    /// The configured incentive plans, for the rep nudge's bonus line; `None` without plan files.
    pub pay: Option<Arc<super::pay::PayContext>>,
}

impl AgentSetup {
    /// Offers the memory tools in every loop of this setup; `None` keeps drafting as without them.
    pub fn with_memory(mut self, memory: Option<Arc<Memory>>) -> Self {
        self.memory = memory;
        self
    }

    pub fn new(config: &Config, provider: Arc<dyn Provider>) -> Result<Self, AgentError> {
        Ok(Self {
            provider,
            validator: Validator::new(&config.compliance).map_err(AgentError::Policy)?,
            limits: LoopLimits::from_config(&config.llm),
            org_name: config.org.name.clone(),
            concurrency: config.llm.concurrency.max(1),
            memory: None,
            pay: super::pay::PayContext::from_config(config).map_err(AgentError::Plans)?.map(Arc::new),
        })
    }

    /// Attaches the rep's pay outlook to `snapshot` when plans are configured.
    pub fn attach_pay(&self, dataset: &Dataset, events: &[ComplianceEvent], snapshot: &mut Snapshot) {
        if let Some(pay) = &self.pay {
            snapshot.pay = super::pay::outlook(dataset, pay, events, snapshot);
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DraftStatus {
    /// The model's draft passed the validator on its first submission.
    Validated,
    /// The model's draft passed after the repair turn.
    Repaired,
    /// The deterministic drafter wrote it.
    Fallback,
}

impl DraftStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            DraftStatus::Validated => "validated",
            DraftStatus::Repaired => "repaired",
            DraftStatus::Fallback => "fallback",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct DraftOutcome {
    pub id: String,
    pub run_key: String,
    pub recipient_id: String,
    pub recipient_name: String,
    pub kind: DraftKind,
    pub input_hash: String,
    pub provider: String,
    pub model: String,
    pub prompt_version: String,
    pub status: DraftStatus,
    /// Whether the stored draft passed the validator (a fallback must too).
    pub valid: bool,
    pub fallback_reasons: Vec<String>,
    pub stop: StopReason,
    pub draft: Draft,
    pub rendered: String,
    pub findings: Vec<Finding>,
    pub model_findings: Vec<Finding>,
    pub usage: Usage,
    pub model_calls: u32,
    pub wall_ms: u64,
    pub cached: bool,
}

/// The run key of the ISO week containing `as_of`, e.g. `weekly:2026-W47`.
pub fn weekly_run_key(as_of: DateTime<Utc>) -> String {
    let week = as_of.iso_week();
    format!("weekly:{}-W{:02}", week.year(), week.week())
}

fn json<T: Serialize>(value: &T, what: &'static str) -> Result<String, AgentError> {
    serde_json::to_string(value).map_err(|source| AgentError::Serialise { what, source })
}

fn from_stored(stored: &StoredDraft, snapshot: &Snapshot, id: String, run_key: &str) -> Option<DraftOutcome> {
    Some(DraftOutcome {
        id,
        run_key: run_key.to_owned(),
        recipient_id: stored.recipient_id.clone(),
        recipient_name: snapshot.recipient.name.clone(),
        kind: DraftKind::parse(&stored.kind)?,
        input_hash: stored.input_hash.clone(),
        provider: stored.provider.clone(),
        model: stored.model.clone(),
        prompt_version: stored.prompt_version.clone(),
        status: serde_json::from_value(serde_json::Value::String(stored.status.clone())).ok()?,
        valid: stored.valid,
        fallback_reasons: serde_json::from_str(&stored.fallback_reasons).ok()?,
        stop: StopReason::Cached { from: stored.id.clone() },
        draft: serde_json::from_str(&stored.draft).ok()?,
        rendered: stored.rendered.clone(),
        findings: serde_json::from_str(&stored.validator_results).ok()?,
        model_findings: serde_json::from_str(&stored.model_findings).ok()?,
        usage: Usage::default(),
        model_calls: 0,
        wall_ms: 0,
        cached: true,
    })
}

fn to_stored(
    outcome: &DraftOutcome,
    snapshot: &Snapshot,
    transcript: &[TranscriptEntry],
    compliance_version: &str,
    cached_from: Option<String>,
    now: DateTime<Utc>,
) -> Result<StoredDraft, AgentError> {
    Ok(StoredDraft {
        id: outcome.id.clone(),
        run_key: outcome.run_key.clone(),
        recipient_id: outcome.recipient_id.clone(),
        recipient_role: snapshot.recipient.role.as_str().to_owned(),
        kind: outcome.kind.as_str().to_owned(),
        as_of: snapshot.as_of.to_string(),
        input_hash: outcome.input_hash.clone(),
        provider: outcome.provider.clone(),
        model: outcome.model.clone(),
        prompt_version: outcome.prompt_version.clone(),
        ruleset_version: snapshot.ruleset_version.clone(),
        compliance_version: compliance_version.to_owned(),
        status: outcome.status.as_str().to_owned(),
        valid: outcome.valid,
        fallback: outcome.status == DraftStatus::Fallback,
        fallback_reasons: json(&outcome.fallback_reasons, "fallback reasons")?,
        stop_reason: json(&outcome.stop, "stop reason")?,
        draft: json(&outcome.draft, "draft")?,
        rendered: outcome.rendered.clone(),
        transcript: json(&transcript, "transcript")?,
        validator_results: json(&outcome.findings, "validator results")?,
        model_findings: json(&outcome.model_findings, "model findings")?,
        prompt_tokens: outcome.usage.prompt_tokens as i64,
        completion_tokens: outcome.usage.completion_tokens as i64,
        model_calls: i64::from(outcome.model_calls),
        wall_ms: outcome.wall_ms as i64,
        cached_from,
        created_at: now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
    })
}

/// Drafts for one recipient: reuses a stored draft with the same inputs, else runs the loop
/// and falls back to the deterministic drafter when the model's draft cannot be validated.
pub async fn draft_one(
    setup: &AgentSetup,
    snapshot: Snapshot,
    directory: &Directory,
    run_key: &str,
    store: Option<&Store>,
    now: DateTime<Utc>,
) -> Result<DraftOutcome, AgentError> {
    draft_one_with(setup, snapshot, Prepared::default(), directory, run_key, store, now).await
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

/// [`draft_one`] with what the caller has `prepared`.
pub async fn draft_one_with(
    setup: &AgentSetup,
    snapshot: Snapshot,
    prepared: Prepared,
    directory: &Directory,
    run_key: &str,
    store: Option<&Store>,
    now: DateTime<Utc>,
) -> Result<DraftOutcome, AgentError> {
    let started = Instant::now();
    let provider = setup.provider.as_ref();
    let policy = &setup.validator.policy;
    let prompt = prompts::render(&snapshot, &setup.org_name, policy);
    // Hashing serialises the whole snapshot unless its content digest is given (a leader's
    // holds every open deal): off the async threads.
    let content = prepared.content;
    let parts =
        [provider.name(), provider.model(), &prompt.version, &policy.version, &setup.org_name].map(str::to_owned);
    let (snapshot, hash) = tokio::task::spawn_blocking(move || {
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
    .map_err(|e| AgentError::Unfinished(format!("hashing the draft's inputs: {e}")))?;
    let hashed_ms = started.elapsed().as_millis() as u64;
    let id = format!("{run_key}:{}", snapshot.recipient.person_id);
    if let Some(store) = store {
        if let Some(stored) = store.find_draft_by_input_hash(&hash).await? {
            if let Some(outcome) = from_stored(&stored, &snapshot, id.clone(), run_key) {
                if stored.id != id {
                    let transcript: Vec<TranscriptEntry> = Vec::new();
                    let record =
                        to_stored(&outcome, &snapshot, &transcript, &policy.version, Some(stored.id.clone()), now)?;
                    store.save_draft(&record).await?;
                }
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
    })
    .await;
    let looped_ms = started.elapsed().as_millis() as u64;
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
    // The stored draft is validated whoever wrote it: a fallback that fails is stored invalid.
    let findings = setup.validator.validate(&draft, &rendered, &facts, directory);
    let outcome = DraftOutcome {
        id,
        run_key: run_key.to_owned(),
        recipient_id: snapshot.recipient.person_id.clone(),
        recipient_name: snapshot.recipient.name.clone(),
        kind: snapshot.kind,
        input_hash: hash,
        provider: provider.name().to_owned(),
        model: provider.model().to_owned(),
        prompt_version: prompt.version.clone(),
        status,
        valid: findings.is_empty(),
        fallback_reasons,
        stop: looped.stop.clone(),
        draft,
        rendered,
        findings,
        model_findings: looped.findings.clone(),
        usage: looped.usage,
        model_calls: looped.model_calls,
        wall_ms: started.elapsed().as_millis() as u64,
        cached: false,
    };
    let validated_ms = started.elapsed().as_millis() as u64;
    if let Some(store) = store {
        store.save_draft(&to_stored(&outcome, &snapshot, &looped.transcript, &policy.version, None, now)?).await?;
    }
    tracing::debug!(
        draft = %outcome.id,
        hashed_ms,
        looped_ms,
        validated_ms,
        saved_ms = started.elapsed().as_millis() as u64,
        "draft written"
    );
    Ok(outcome)
}

#[derive(Debug, Clone, Serialize)]
pub struct RunSummary {
    pub run_key: String,
    pub drafts: Vec<DraftOutcome>,
    pub wall_ms: u64,
}

impl RunSummary {
    pub fn count(&self, status: DraftStatus) -> usize {
        self.drafts.iter().filter(|d| d.status == status).count()
    }

    pub fn invalid(&self) -> usize {
        self.drafts.iter().filter(|d| !d.valid).count()
    }
}

/// What a weekly run reads: the dataset and the engine's report at the run's `as_of`.
pub struct RunData {
    pub dataset: Arc<Dataset>,
    pub report: Arc<RiskReport>,
}

/// Drafts for every rep, manager and leader (or only `only`), at most `setup.concurrency` at once.
pub async fn weekly_run(
    setup: Arc<AgentSetup>,
    data: RunData,
    store: Option<Store>,
    run_key: &str,
    only: Option<Vec<String>>,
    now: DateTime<Utc>,
) -> Result<RunSummary, AgentError> {
    let started = Instant::now();
    let hierarchy = Arc::new(Hierarchy::new(&data.dataset.people));
    let directory = Arc::new(Directory::from_dataset(&data.dataset));
    // One pass over the organisation's activities for the whole run, not one per recipient.
    let index = Arc::new(SnapshotIndex::new(&data.dataset, &data.report));
    let semaphore = Arc::new(Semaphore::new(setup.concurrency));
    // Compliance events gate pay, so the outlook reads them when there is a store to read.
    let events: Arc<Vec<ComplianceEvent>> = Arc::new(match (&setup.pay, &store) {
        (Some(_), Some(store)) => store.load_comp_events().await?,
        _ => Vec::new(),
    });
    let mut tasks = tokio::task::JoinSet::new();
    let people: Vec<String> = recipients(&data.dataset)
        .into_iter()
        .map(|p| p.id.to_string())
        .filter(|id| only.as_ref().is_none_or(|o| o.contains(id)))
        .collect();
    for (order, person_id) in people.into_iter().enumerate() {
        let (setup, dataset, report) = (setup.clone(), data.dataset.clone(), data.report.clone());
        let (hierarchy, directory, semaphore, store, events) =
            (hierarchy.clone(), directory.clone(), semaphore.clone(), store.clone(), events.clone());
        let index = index.clone();
        let run_key = run_key.to_owned();
        tasks.spawn(async move {
            let _permit = semaphore.acquire_owned().await.ok();
            let person = dataset.people.iter().find(|p| p.id.as_str() == person_id);
            let Some(mut snapshot) = person.and_then(|p| Snapshot::cut(&index, &dataset, &report, &hierarchy, p))
            else {
                return (order, Err(AgentError::UnknownRecipient(person_id)));
            };
            setup.attach_pay(&dataset, &events, &mut snapshot);
            (order, draft_one(&setup, snapshot, &directory, &run_key, store.as_ref(), now).await)
        });
    }
    let mut results = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(result) => results.push(result),
            Err(error) => tracing::error!(%error, "a drafting task panicked or was cancelled"),
        }
    }
    results.sort_by_key(|(order, _)| *order);
    let mut drafts = Vec::with_capacity(results.len());
    for (_, result) in results {
        drafts.push(result?);
    }
    Ok(RunSummary { run_key: run_key.to_owned(), drafts, wall_ms: started.elapsed().as_millis() as u64 })
}
