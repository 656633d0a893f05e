//! Recording a draft and deciding on it. Each step is one transaction that changes the draft's
//! state, writes its audit entry and, on approval, the outbox entries for every channel, so a
//! crash leaves either all of it or none.

use super::policy::{authorise, Policy};
use super::{DraftKind, ReviewError, APPROVED, DELIVERED, DRAFTED, EDITED, FAILED, REJECTED};
use crate::config::Config;
use crate::store::{instant, Decision, DeliveryRecord, ReviewRecord, Store};
use chrono::{DateTime, Utc};
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::{Any, Transaction};

/// A message as the drafting step produced it.
#[derive(Debug, Clone)]
pub struct NewDraft<'a> {
    pub draft_id: &'a str,
    pub run_id: &'a str,
    pub week: &'a str,
    pub kind: DraftKind,
    pub recipient_id: &'a str,
    pub recipient_name: &'a str,
    pub recipient_email: Option<&'a str>,
    pub subject: &'a str,
    pub body: &'a str,
    /// Provider, model, versions, inputs hash, fallback and validator results.
    pub provenance: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedDraft {
    /// False when the recipient already had this kind of draft this week.
    pub inserted: bool,
    pub state: &'static str,
}

pub fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// Stores a new draft and applies its kind's review policy, all inside `tx`.
pub async fn record_draft_in(
    store: &Store,
    tx: &mut Transaction<'_, Any>,
    config: &Config,
    draft: &NewDraft<'_>,
    now: DateTime<Utc>,
) -> Result<RecordedDraft, ReviewError> {
    let policy = Policy::for_kind(&config.review, draft.kind);
    let at = instant(&now);
    let record = ReviewRecord {
        draft_id: draft.draft_id.to_owned(),
        run_id: draft.run_id.to_owned(),
        week: draft.week.to_owned(),
        kind: draft.kind.as_str().to_owned(),
        recipient_id: draft.recipient_id.to_owned(),
        recipient_name: draft.recipient_name.to_owned(),
        recipient_email: draft.recipient_email.map(str::to_owned),
        policy: policy.as_text(),
        state: DRAFTED.to_owned(),
        subject: draft.subject.to_owned(),
        drafted_body: draft.body.to_owned(),
        body: draft.body.to_owned(),
        provenance: draft.provenance.to_string(),
        created_at: at.clone(),
        decided_by: None,
        decided_at: None,
        decision_reason: None,
        updated_at: at,
    };
    if !store.insert_review_in(tx, &record).await? {
        return Ok(RecordedDraft { inserted: false, state: DRAFTED });
    }
    let detail = json!({
        "run_id": draft.run_id,
        "week": draft.week,
        "kind": draft.kind.as_str(),
        "recipient_id": draft.recipient_id,
        "subject": draft.subject,
        "body_sha256": sha256_hex(draft.body),
        "policy": record.policy,
        "provenance": draft.provenance,
    });
    store.append_audit_in(tx, "system:pipeline", "draft.created", draft.draft_id, &detail, now).await?;
    if policy != Policy::AutoApprove {
        return Ok(RecordedDraft { inserted: true, state: DRAFTED });
    }
    let decision = Decision {
        draft_id: draft.draft_id,
        from: &[DRAFTED],
        to: APPROVED,
        by: "policy:auto_approve",
        reason: None,
        body: None,
        at: now,
    };
    store.decide_review_in(tx, &decision).await?;
    let detail = json!({ "policy": "auto_approve", "body_sha256": sha256_hex(draft.body) });
    store.append_audit_in(tx, "policy:auto_approve", "review.approved", draft.draft_id, &detail, now).await?;
    let record = ReviewRecord { state: APPROVED.to_owned(), ..record };
    let state = open_deliveries_in(store, tx, config, &record, now).await?;
    Ok(RecordedDraft { inserted: true, state })
}

/// Writes one pending outbox entry per channel the draft's kind goes to. A channel that cannot
/// carry it (email without an address) is recorded as failed at once.
async fn open_deliveries_in(
    store: &Store,
    tx: &mut Transaction<'_, Any>,
    config: &Config,
    draft: &ReviewRecord,
    now: DateTime<Utc>,
) -> Result<&'static str, ReviewError> {
    for channel in config.delivery.channels_for(&draft.kind) {
        let email = draft.recipient_email.clone().unwrap_or_default();
        let (target, error) = match channel.as_str() {
            "email" if email.is_empty() => (String::new(), Some("the recipient has no email address")),
            "email" | "outbox" => (email, None),
            other => (format!("{other} webhook"), None),
        };
        let record = DeliveryRecord {
            draft_id: draft.draft_id.clone(),
            channel: channel.clone(),
            run_id: draft.run_id.clone(),
            week: draft.week.clone(),
            state: if error.is_some() { FAILED } else { "pending" }.to_owned(),
            attempts: 0,
            target,
            external_ref: None,
            error: error.map(str::to_owned),
            updated_at: instant(&now),
        };
        if store.insert_delivery_in(tx, &record).await? {
            if let Some(error) = error {
                let detail = json!({ "channel": channel, "error": error, "attempts": 0 });
                store.append_audit_in(tx, "system:delivery", "delivery.failed", &draft.draft_id, &detail, now).await?;
            }
        }
    }
    settle_delivery_in(store, tx, &draft.draft_id, now).await
}

/// Moves an approved draft to `delivered` once every channel delivered, or to `failed` once
/// none is still trying and one failed; returns the resulting state.
pub async fn settle_delivery_in(
    store: &Store,
    tx: &mut Transaction<'_, Any>,
    draft_id: &str,
    now: DateTime<Utc>,
) -> Result<&'static str, ReviewError> {
    let deliveries = store.deliveries_in(tx, draft_id).await?;
    if deliveries.is_empty() {
        return Ok(APPROVED);
    }
    let state = if deliveries.iter().all(|d| d.state == DELIVERED) {
        DELIVERED
    } else if deliveries.iter().all(|d| d.state == DELIVERED || d.state == FAILED) {
        FAILED
    } else {
        return Ok(APPROVED);
    };
    store.set_review_state_in(tx, draft_id, state, now).await?;
    Ok(state)
}

struct Reviewed {
    draft: ReviewRecord,
}

/// Loads a drafted message and checks `reviewer` may decide on it.
async fn prepare(
    store: &Store,
    config: &Config,
    draft_id: &str,
    reviewer: &str,
    action: &'static str,
) -> Result<Reviewed, ReviewError> {
    let draft = store.review(draft_id).await?.ok_or_else(|| ReviewError::NotFound(draft_id.to_owned()))?;
    if draft.state != DRAFTED {
        return Err(ReviewError::WrongState { draft_id: draft.draft_id, state: draft.state, action });
    }
    let person = store.find_person(reviewer).await?;
    let recipient = store.find_person(&draft.recipient_id).await?;
    authorise(&config.review, &draft, reviewer, person.as_ref(), recipient.as_ref())?;
    Ok(Reviewed { draft })
}

fn raced(draft: &ReviewRecord, action: &'static str) -> ReviewError {
    ReviewError::WrongState { draft_id: draft.draft_id.clone(), state: "decided meanwhile".to_owned(), action }
}

pub async fn approve(
    store: &Store,
    config: &Config,
    draft_id: &str,
    reviewer: &str,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> Result<ReviewRecord, ReviewError> {
    let Reviewed { draft } = prepare(store, config, draft_id, reviewer, "approved").await?;
    let mut tx = store.begin().await?;
    let decision = Decision { draft_id, from: &[DRAFTED], to: APPROVED, by: reviewer, reason, body: None, at: now };
    if !store.decide_review_in(&mut tx, &decision).await? {
        return Err(raced(&draft, "approved"));
    }
    let approved = ReviewRecord { state: APPROVED.to_owned(), ..draft };
    open_deliveries_in(store, &mut tx, config, &approved, now).await?;
    let detail = json!({ "policy": approved.policy, "reason": reason, "body_sha256": sha256_hex(&approved.body) });
    store.append_audit_in(&mut tx, &format!("reviewer:{reviewer}"), "review.approved", draft_id, &detail, now).await?;
    tx.commit().await.map_err(crate::store::StoreError::from)?;
    Ok(store.review(draft_id).await?.unwrap_or(approved))
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
) -> Result<ReviewRecord, ReviewError> {
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
    let mut tx = store.begin().await?;
    let decision = Decision {
        draft_id,
        from: &[DRAFTED],
        to: EDITED,
        by: reviewer,
        reason: Some(reason),
        body: Some(new_body),
        at: now,
    };
    if !store.decide_review_in(&mut tx, &decision).await? {
        return Err(raced(&draft, "edited"));
    }
    let seq = store.add_review_edit_in(&mut tx, draft_id, reviewer, reason, &diff, now).await?;
    let edited = ReviewRecord { state: EDITED.to_owned(), body: new_body.to_owned(), ..draft };
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
    Ok(store.review(draft_id).await?.unwrap_or(edited))
}

pub async fn reject(
    store: &Store,
    config: &Config,
    draft_id: &str,
    reviewer: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<ReviewRecord, ReviewError> {
    if reason.trim().is_empty() {
        return Err(ReviewError::ReasonRequired("reject"));
    }
    let Reviewed { draft } = prepare(store, config, draft_id, reviewer, "rejected").await?;
    let mut tx = store.begin().await?;
    let decision =
        Decision { draft_id, from: &[DRAFTED], to: REJECTED, by: reviewer, reason: Some(reason), body: None, at: now };
    if !store.decide_review_in(&mut tx, &decision).await? {
        return Err(raced(&draft, "rejected"));
    }
    let detail = json!({ "policy": draft.policy, "reason": reason });
    store.append_audit_in(&mut tx, &format!("reviewer:{reviewer}"), "review.rejected", draft_id, &detail, now).await?;
    tx.commit().await.map_err(crate::store::StoreError::from)?;
    Ok(ReviewRecord { state: REJECTED.to_owned(), ..draft })
}

/// Whether `reviewer` may decide on `draft` under its policy (its state aside).
pub async fn may_review(
    store: &Store,
    config: &Config,
    draft: &ReviewRecord,
    reviewer: &str,
) -> Result<bool, crate::store::StoreError> {
    let person = store.find_person(reviewer).await?;
    let recipient = store.find_person(&draft.recipient_id).await?;
    Ok(authorise(&config.review, draft, reviewer, person.as_ref(), recipient.as_ref()).is_ok())
}
