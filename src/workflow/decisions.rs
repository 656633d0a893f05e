//! Recording a draft and deciding on it. Each step is one transaction that changes the draft's
//! state, writes its audit entry and, on approval, the outbox entries for every channel, so a
//! crash leaves either all of it or none.

use super::policy::authorise;
use super::{DraftState, ReviewError};
use crate::coaching::DraftOutcome;
use crate::config::SourceText;
use crate::config::{Config, ReviewPolicy};
use crate::domain::{DeliveryState, DraftStatus, Person};
use crate::store::{instant, Decision, DeliveryRecord, DraftRecord, Provenance, Store};
use chrono::{DateTime, Utc};
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::{Any, Transaction};

/// A week's draft as the drafting step produced it.
#[derive(Debug, Clone)]
pub struct NewDraft<'a> {
    pub draft_id: &'a str,
    pub run_id: &'a str,
    pub week: &'a str,
    /// The engine's data date.
    pub as_of: DateTime<Utc>,
    pub recipient: &'a Person,
    pub outcome: &'a DraftOutcome,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedDraft {
    /// False when the recipient already had this kind of draft this week.
    pub inserted: bool,
    pub state: DraftState,
}

pub fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

fn json_text<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".to_owned())
}

/// How `outcome` was written, as stored beside its text.
fn provenance(outcome: &DraftOutcome) -> Provenance {
    Provenance {
        input_hash: outcome.input_hash.clone(),
        provider: outcome.provider.clone(),
        model: outcome.model.clone(),
        prompt_version: outcome.prompt_version.clone(),
        ruleset_version: outcome.ruleset_version.clone(),
        compliance_version: outcome.compliance_version.clone(),
        status: outcome.status,
        valid: outcome.valid,
        fallback_reasons: json_text(&outcome.fallback_reasons),
        stop_reason: json_text(&outcome.stop),
        draft: json_text(&outcome.draft),
        transcript: json_text(&outcome.transcript),
        validator_results: json_text(&outcome.findings),
        model_findings: json_text(&outcome.model_findings),
        prompt_tokens: i64::try_from(outcome.usage.prompt_tokens).unwrap_or(i64::MAX),
        completion_tokens: i64::try_from(outcome.usage.completion_tokens).unwrap_or(i64::MAX),
        model_calls: i64::from(outcome.model_calls),
        wall_ms: i64::try_from(outcome.wall_ms).unwrap_or(i64::MAX),
        cached_from: outcome.cached_from.clone(),
        legacy: None,
        source_text: outcome.source_text,
        refused_draft: outcome.refused_draft.as_ref().map(json_text),
    }
}

/// A draft's provenance as the audit log and the API show it: provider, model, versions,
/// inputs hash, how it was written and what the validator found. A draft recorded before
/// drafts and reviews were one table shows the summary recorded then.
pub fn provenance_summary(record: &DraftRecord) -> serde_json::Value {
    let p = &record.provenance;
    if let Some(legacy) = p.legacy.as_deref().filter(|_| p.provider.is_empty()) {
        return serde_json::from_str(legacy).unwrap_or(serde_json::Value::Null);
    }
    let findings = serde_json::from_str::<Vec<serde_json::Value>>(&p.validator_results).map(|f| f.len()).unwrap_or(0);
    json!({
        "provider": p.provider,
        "model": p.model,
        "prompt_version": p.prompt_version,
        "ruleset_version": p.ruleset_version,
        "compliance_version": p.compliance_version,
        "inputs_sha256": p.input_hash,
        "as_of": record.as_of,
        "status": p.status.as_str(),
        "fallback": p.status == crate::domain::DraftStatus::Fallback,
        "fallback_reasons": serde_json::from_str::<serde_json::Value>(&p.fallback_reasons).unwrap_or_default(),
        "valid": p.valid,
        "validator_findings": findings,
        "model_calls": p.model_calls,
        "prompt_tokens": p.prompt_tokens,
        "completion_tokens": p.completion_tokens,
        "cached_from": p.cached_from,
        "source_text": p.source_text.map(|s| s.as_str()),
        "refused_model_draft_kept": p.refused_draft.is_some(),
        "held_for_review": record.hold_reason,
    })
}

/// Stores a new draft and applies its kind's review policy, all inside `tx`.
pub async fn record_draft_in(
    store: &Store,
    tx: &mut Transaction<'_, Any>,
    config: &Config,
    draft: &NewDraft<'_>,
    now: DateTime<Utc>,
) -> Result<RecordedDraft, ReviewError> {
    let outcome = draft.outcome;
    let configured = config.review.policy_for(outcome.kind);
    let hold_reason = hold_reason(outcome);
    // A held draft waits for a person even where its kind's policy approves automatically.
    let policy = match (&hold_reason, configured.clone()) {
        (Some(_), ReviewPolicy::AutoApprove) => ReviewPolicy::RecipientManager,
        (_, policy) => policy,
    };
    let at = instant(&now);
    let record = DraftRecord {
        id: draft.draft_id.to_owned(),
        run_id: draft.run_id.to_owned(),
        week: draft.week.to_owned(),
        kind: outcome.kind,
        recipient_id: draft.recipient.id.to_string(),
        recipient_name: draft.recipient.name.clone(),
        recipient_email: draft.recipient.primary_email().map(str::to_owned),
        as_of: instant(&draft.as_of),
        policy: policy.as_text(),
        state: DraftState::Drafted,
        subject: outcome.subject(draft.week),
        drafted_body: outcome.rendered.clone(),
        body: outcome.rendered.clone(),
        created_at: at.clone(),
        decided_by: None,
        decided_at: None,
        decision_reason: None,
        updated_at: at,
        hold_reason: hold_reason.clone(),
        provenance: provenance(outcome),
    };
    if !store.insert_draft_in(tx, &record).await? {
        return Ok(RecordedDraft { inserted: false, state: DraftState::Drafted });
    }
    let detail = json!({
        "run_id": draft.run_id,
        "week": draft.week,
        "kind": outcome.kind.as_str(),
        "recipient_id": record.recipient_id,
        "subject": record.subject,
        "body_sha256": sha256_hex(&record.body),
        "policy": record.policy,
        "provenance": provenance_summary(&record),
    });
    store.append_audit_in(tx, "system:pipeline", "draft.created", draft.draft_id, &detail, now).await?;
    if let Some(reason) = &hold_reason {
        let detail = json!({
            "reason": reason,
            "configured_policy": configured.as_text(),
            "policy": record.policy,
            "valid": outcome.valid,
            "status": outcome.status.as_str(),
            "findings": outcome.findings.iter().map(|f| f.to_string()).collect::<Vec<_>>(),
        });
        store.append_audit_in(tx, "system:review_gate", "review.held", draft.draft_id, &detail, now).await?;
    }
    if policy != ReviewPolicy::AutoApprove {
        return Ok(RecordedDraft { inserted: true, state: DraftState::Drafted });
    }
    let decision = Decision {
        draft_id: draft.draft_id,
        from: &[DraftState::Drafted],
        to: DraftState::Approved,
        by: "policy:auto_approve",
        reason: None,
        body: None,
        at: now,
    };
    store.decide_draft_in(tx, &decision).await?;
    let detail = json!({ "policy": "auto_approve", "body_sha256": sha256_hex(&record.body) });
    store.append_audit_in(tx, "policy:auto_approve", "review.approved", draft.draft_id, &detail, now).await?;
    let record = DraftRecord { state: DraftState::Approved, ..record };
    let state = open_deliveries_in(store, tx, config, &record, now).await?;
    Ok(RecordedDraft { inserted: true, state })
}

/// Why the review gate holds `outcome` for a person whatever its kind's policy says, or `None`
/// when the policy decides: a draft that failed validation is never delivered as written; a
/// model's draft that needed a repair turn, or was written with client and CRM text shown to
/// the model, was shaped by text a person has not read. A fallback (the deterministic drafter's
/// draft, which no source text can steer) follows the policy; the model's refused draft is kept
/// beside it.
fn hold_reason(outcome: &DraftOutcome) -> Option<String> {
    if !outcome.valid {
        let codes: std::collections::BTreeSet<&str> = outcome.findings.iter().map(|f| f.code.as_str()).collect();
        return Some(format!(
            "it failed validation ({}); it can be delivered only after an edit that passes, or rejected",
            codes.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }
    if outcome.status == DraftStatus::Repaired {
        return Some("the model's first draft was refused and this one passed only after a repair turn".to_owned());
    }
    if outcome.status != DraftStatus::Fallback && outcome.source_text == Some(SourceText::Quoted) {
        return Some(
            "the model was shown client and CRM text quoted (agent.source_text = \"quoted\"), which can carry \
             planted instructions"
                .to_owned(),
        );
    }
    None
}

/// Writes one pending outbox entry per channel the draft's kind goes to. A channel that cannot
/// carry it (email without an address) is recorded as failed at once.
async fn open_deliveries_in(
    store: &Store,
    tx: &mut Transaction<'_, Any>,
    config: &Config,
    draft: &DraftRecord,
    now: DateTime<Utc>,
) -> Result<DraftState, ReviewError> {
    for channel in config.delivery.channels_for(draft.kind) {
        let email = draft.recipient_email.clone().unwrap_or_default();
        let (target, error) = match channel.as_str() {
            "email" if email.is_empty() => (String::new(), Some("the recipient has no email address")),
            "email" | "outbox" => (email, None),
            other => (format!("{other} webhook"), None),
        };
        let record = DeliveryRecord {
            draft_id: draft.id.clone(),
            channel: channel.clone(),
            run_id: draft.run_id.clone(),
            week: draft.week.clone(),
            state: if error.is_some() { DeliveryState::Failed } else { DeliveryState::Pending },
            attempts: 0,
            target,
            external_ref: None,
            error: error.map(str::to_owned),
            updated_at: instant(&now),
        };
        if store.insert_delivery_in(tx, &record).await? {
            if let Some(error) = error {
                let detail = json!({ "channel": channel, "error": error, "attempts": 0 });
                store.append_audit_in(tx, "system:delivery", "delivery.failed", &draft.id, &detail, now).await?;
            }
        }
    }
    settle_delivery_in(store, tx, &draft.id, now).await
}

/// Moves an approved draft to `delivered` once every channel delivered, or to `failed` once
/// none is still trying and one failed; returns the resulting state.
pub async fn settle_delivery_in(
    store: &Store,
    tx: &mut Transaction<'_, Any>,
    draft_id: &str,
    now: DateTime<Utc>,
) -> Result<DraftState, ReviewError> {
    let deliveries = store.deliveries_in(tx, draft_id).await?;
    if deliveries.is_empty() {
        return Ok(DraftState::Approved);
    }
    let state = if deliveries.iter().all(|d| d.state == DeliveryState::Delivered) {
        DraftState::Delivered
    } else if deliveries.iter().all(|d| d.state.is_settled()) {
        DraftState::Failed
    } else {
        return Ok(DraftState::Approved);
    };
    store.set_draft_state_in(tx, draft_id, state, now).await?;
    Ok(state)
}

struct Reviewed {
    draft: DraftRecord,
}

/// Loads a drafted message and checks `reviewer` may decide on it.
async fn prepare(
    store: &Store,
    config: &Config,
    draft_id: &str,
    reviewer: &str,
    action: &'static str,
) -> Result<Reviewed, ReviewError> {
    let draft = store.draft(draft_id).await?.ok_or_else(|| ReviewError::NotFound(draft_id.to_owned()))?;
    if draft.state != DraftState::Drafted {
        return Err(ReviewError::WrongState { draft_id: draft.id, state: draft.state.to_string(), action });
    }
    let person = store.find_person(reviewer).await?;
    let recipient = store.find_person(&draft.recipient_id).await?;
    authorise(&config.review, (&draft).into(), reviewer, person.as_ref(), recipient.as_ref())?;
    Ok(Reviewed { draft })
}

fn raced(draft: &DraftRecord, action: &'static str) -> ReviewError {
    ReviewError::WrongState { draft_id: draft.id.clone(), state: "decided meanwhile".to_owned(), action }
}

pub async fn approve(
    store: &Store,
    config: &Config,
    draft_id: &str,
    reviewer: &str,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> Result<DraftRecord, ReviewError> {
    let Reviewed { draft } = prepare(store, config, draft_id, reviewer, "approved").await?;
    if !draft.provenance.valid {
        let findings = serde_json::from_str::<Vec<crate::coaching::Finding>>(&draft.provenance.validator_results)
            .map(|found| found.iter().map(ToString::to_string).collect())
            .unwrap_or_default();
        return Err(ReviewError::FailedValidation { draft_id: draft.id, findings });
    }
    let mut tx = store.begin().await?;
    let decision = Decision {
        draft_id,
        from: &[DraftState::Drafted],
        to: DraftState::Approved,
        by: reviewer,
        reason,
        body: None,
        at: now,
    };
    if !store.decide_draft_in(&mut tx, &decision).await? {
        return Err(raced(&draft, "approved"));
    }
    let approved = DraftRecord { state: DraftState::Approved, ..draft };
    open_deliveries_in(store, &mut tx, config, &approved, now).await?;
    let detail = json!({ "policy": approved.policy, "reason": reason, "body_sha256": sha256_hex(&approved.body) });
    store.append_audit_in(&mut tx, &format!("reviewer:{reviewer}"), "review.approved", draft_id, &detail, now).await?;
    tx.commit().await.map_err(crate::store::StoreError::from)?;
    Ok(store.draft(draft_id).await?.unwrap_or(approved))
}

/// Replaces the text to deliver and approves it; the change is kept as a unified diff.
pub async fn edit(
    store: &Store,
    config: &Config,
    draft_id: &str,
    reviewer: &str,
    new_body: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<DraftRecord, ReviewError> {
    if reason.trim().is_empty() {
        return Err(ReviewError::ReasonRequired("edit"));
    }
    if new_body.trim().is_empty() {
        return Err(ReviewError::EmptyEdit);
    }
    let Reviewed { draft } = prepare(store, config, draft_id, reviewer, "edited").await?;
    let diff = similar::TextDiff::from_lines(draft.body.as_str(), new_body)
        .unified_diff()
        .context_radius(3)
        .header("drafted", "edited")
        .to_string();
    let refused = match super::recheck::edit_findings(store, config, &draft, new_body).await {
        Ok(findings) if findings.is_empty() => None,
        Ok(findings) => Some(ReviewError::EditRefused { draft_id: draft.id.clone(), findings }),
        Err(error) => Some(error),
    };
    if let Some(error) = refused {
        // The refusal is a decision too: the audit keeps what was tried and why it was refused.
        let mut tx = store.begin().await?;
        let detail = json!({ "reason": reason, "refused_because": error.to_string(), "diff": diff });
        let actor = format!("reviewer:{reviewer}");
        store.append_audit_in(&mut tx, &actor, "review.edit_refused", draft_id, &detail, now).await?;
        tx.commit().await.map_err(crate::store::StoreError::from)?;
        return Err(error);
    }
    let mut tx = store.begin().await?;
    let decision = Decision {
        draft_id,
        from: &[DraftState::Drafted],
        to: DraftState::Edited,
        by: reviewer,
        reason: Some(reason),
        body: Some(new_body),
        at: now,
    };
    if !store.decide_draft_in(&mut tx, &decision).await? {
        return Err(raced(&draft, "edited"));
    }
    let seq = store.add_review_edit_in(&mut tx, draft_id, reviewer, reason, &diff, now).await?;
    let edited = DraftRecord { state: DraftState::Edited, body: new_body.to_owned(), ..draft };
    open_deliveries_in(store, &mut tx, config, &edited, now).await?;
    let detail = json!({
        "policy": edited.policy,
        "reason": reason,
        "edit_seq": seq,
        "diff": diff,
        "body_sha256": sha256_hex(new_body),
    });
    store.append_audit_in(&mut tx, &format!("reviewer:{reviewer}"), "review.edited", draft_id, &detail, now).await?;
    tx.commit().await.map_err(crate::store::StoreError::from)?;
    Ok(store.draft(draft_id).await?.unwrap_or(edited))
}

pub async fn reject(
    store: &Store,
    config: &Config,
    draft_id: &str,
    reviewer: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<DraftRecord, ReviewError> {
    if reason.trim().is_empty() {
        return Err(ReviewError::ReasonRequired("reject"));
    }
    let Reviewed { draft } = prepare(store, config, draft_id, reviewer, "rejected").await?;
    let mut tx = store.begin().await?;
    let decision = Decision {
        draft_id,
        from: &[DraftState::Drafted],
        to: DraftState::Rejected,
        by: reviewer,
        reason: Some(reason),
        body: None,
        at: now,
    };
    if !store.decide_draft_in(&mut tx, &decision).await? {
        return Err(raced(&draft, "rejected"));
    }
    let detail = json!({ "policy": draft.policy, "reason": reason });
    store.append_audit_in(&mut tx, &format!("reviewer:{reviewer}"), "review.rejected", draft_id, &detail, now).await?;
    tx.commit().await.map_err(crate::store::StoreError::from)?;
    Ok(DraftRecord { state: DraftState::Rejected, ..draft })
}

/// Whether `reviewer` may decide on `draft` under its policy (its state aside).
pub async fn may_review(
    store: &Store,
    config: &Config,
    draft: &DraftRecord,
    reviewer: &str,
) -> Result<bool, crate::store::StoreError> {
    let person = store.find_person(reviewer).await?;
    let recipient = store.find_person(&draft.recipient_id).await?;
    Ok(authorise(&config.review, draft.into(), reviewer, person.as_ref(), recipient.as_ref()).is_ok())
}
