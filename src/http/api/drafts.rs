//! `/api/v1/drafts`: the drafts a caller may read (their own, their team's, or the
//! organisation's), each with its text, provenance, cited deals and their flags, edits and
//! deliveries; and the review decisions and feedback on them. Decisions go through the review
//! workflow, whose policy decides who may take them.

use super::super::auth::Principal;
use super::super::error::ApiError;
use super::super::extract::{csrf_header, Body, Id, Params};
use super::super::AppState;
use super::insight::{flag_summaries, FlagSummary};
use crate::coaching::Draft;
use crate::domain::{DeliveryState, DraftKind, DraftState};
use crate::store::{DeliveryRecord, DraftQuery, DraftRecord, FeedbackRecord, ReviewEdit};
use crate::workflow::{self, ReviewError};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::Json;
use chrono::Utc;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct DraftFilter {
    pub state: Option<DraftState>,
    pub kind: Option<DraftKind>,
    /// ISO week, e.g. 2026-W47.
    pub week: Option<String>,
    pub recipient: Option<String>,
    /// Only drafts the caller could approve now (state `drafted`, a policy that needs them).
    pub to_review: Option<bool>,
    /// At most this many (default 100, at most 500).
    pub limit: Option<u32>,
    pub offset: Option<u32>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct DraftSummary {
    pub id: String,
    pub run_id: String,
    pub week: String,
    pub kind: DraftKind,
    pub recipient_id: String,
    pub recipient_name: String,
    pub state: DraftState,
    pub policy: String,
    pub subject: String,
    pub created_at: String,
    pub updated_at: String,
    pub decided_by: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct DraftList {
    pub drafts: Vec<DraftSummary>,
    /// How many match before `limit` and `offset`.
    pub total: usize,
}

#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct CitedDeal {
    pub deal_id: String,
    /// Where in the structured draft it is named, e.g. `deals[0].deal_id`.
    pub field: String,
    /// The deal's flags in the run's snapshot (empty when the deal is not in it).
    pub flags: Vec<FlagSummary>,
    /// Ids the draft itself cites as evidence for this deal.
    pub evidence: Vec<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct DraftDetail {
    #[serde(flatten)]
    pub summary: DraftSummary,
    /// The text to deliver (the reviewer's edit, if any).
    pub body: String,
    /// The text as drafted, never changed.
    pub drafted_body: String,
    pub decision_reason: Option<String>,
    /// Why the review gate held this draft for a person whatever its kind's policy says.
    pub hold_reason: Option<String>,
    /// What the validator found against the drafted text (empty for a valid draft).
    pub findings: Vec<String>,
    /// The model's draft the validator refused, kept beside a deterministic fallback: shown to
    /// everyone who may see the draft except its recipient.
    pub refused_model_draft: Option<RefusedDraftView>,
    /// Provider, model, prompt and ruleset versions, inputs hash, fallback, validator tally.
    pub provenance: serde_json::Value,
    pub cited_deals: Vec<CitedDeal>,
    pub edits: Vec<EditView>,
    pub deliveries: Vec<DeliveryView>,
    pub feedback: Vec<FeedbackView>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct RefusedDraftView {
    /// The refused draft as it would have read.
    pub text: String,
    /// Why the model's draft was refused.
    pub findings: Vec<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct EditView {
    pub seq: i64,
    pub editor: String,
    pub edited_at: String,
    pub reason: String,
    /// Unified diff from the previous text.
    pub diff: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct DeliveryView {
    pub channel: String,
    pub state: DeliveryState,
    pub attempts: i64,
    pub updated_at: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct FeedbackView {
    pub user_id: String,
    pub rating: String,
    pub comment: Option<String>,
    pub created_at: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ApproveRequest {
    pub reason: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct EditRequest {
    /// The full new text.
    pub body: String,
    pub reason: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RejectRequest {
    pub reason: String,
}

#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Rating {
    Useful,
    NotUseful,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct FeedbackRequest {
    pub rating: Rating,
    pub comment: Option<String>,
}

fn summary(record: &DraftRecord) -> DraftSummary {
    DraftSummary {
        id: record.id.clone(),
        run_id: record.run_id.clone(),
        week: record.week.clone(),
        kind: record.kind,
        recipient_id: record.recipient_id.clone(),
        recipient_name: record.recipient_name.clone(),
        state: record.state,
        policy: record.policy.clone(),
        subject: record.subject.clone(),
        created_at: record.created_at.clone(),
        updated_at: record.updated_at.clone(),
        decided_by: record.decided_by.clone(),
    }
}

/// Whether the caller could decide on `record` now under its policy.
async fn reviewable(state: &AppState, caller: &Principal, record: &DraftRecord) -> bool {
    record.state == DraftState::Drafted
        && workflow::may_review(&state.store, &state.config, record, caller.reviewer()).await.unwrap_or(false)
}

/// The drafts visible to `caller` that match `filter`, newest first.
pub(crate) async fn visible_drafts(
    state: &AppState,
    caller: &Principal,
    filter: &DraftFilter,
) -> Result<Vec<DraftRecord>, ApiError> {
    let stored = match (caller.scope.members(), &filter.recipient) {
        (_, Some(recipient)) if caller.sees_person(recipient) => {
            state.store.drafts_to(std::slice::from_ref(recipient), filter.state).await?
        }
        (_, Some(_)) => Vec::new(),
        (Some(members), None) => {
            let members: Vec<String> = members.iter().cloned().collect();
            state.store.drafts_to(&members, filter.state).await?
        }
        (None, None) => state.store.drafts(DraftQuery { state: filter.state, ..DraftQuery::default() }).await?,
    };
    let mut records: Vec<DraftRecord> = stored
        .into_iter()
        .filter(|r| caller.sees_person(&r.recipient_id))
        .filter(|r| filter.kind.is_none_or(|k| r.kind == k))
        .filter(|r| filter.week.as_deref().is_none_or(|w| r.week == w))
        .filter(|r| filter.recipient.as_deref().is_none_or(|p| r.recipient_id == p))
        .collect();
    records.reverse();
    if filter.to_review == Some(true) {
        let mut waiting = Vec::new();
        for record in records {
            if reviewable(state, caller, &record).await {
                waiting.push(record);
            }
        }
        records = waiting;
    }
    Ok(records)
}

pub(crate) async fn list(
    State(state): State<AppState>,
    caller: Principal,
    Params(filter): Params<DraftFilter>,
) -> Result<Json<DraftList>, ApiError> {
    let records = visible_drafts(&state, &caller, &filter).await?;
    let limit = filter.limit.unwrap_or(100).clamp(1, 500) as usize;
    let offset = filter.offset.unwrap_or(0) as usize;
    let drafts = records.iter().skip(offset).take(limit).map(summary).collect();
    Ok(Json(DraftList { drafts, total: records.len() }))
}

/// The draft `id` if the caller may see it; otherwise not found, whether or not it exists.
pub(crate) async fn visible_draft(state: &AppState, caller: &Principal, id: &str) -> Result<DraftRecord, ApiError> {
    match state.store.draft(id).await? {
        Some(record) if caller.sees_person(&record.recipient_id) => Ok(record),
        _ => Err(ApiError::NotFound),
    }
}

async fn cited_deals(state: &AppState, record: &DraftRecord) -> Result<Vec<CitedDeal>, ApiError> {
    let Ok(draft) = serde_json::from_str::<Draft>(&record.provenance.draft) else { return Ok(Vec::new()) };
    let evidence_of = |deal_id: &str| -> Vec<String> {
        match &draft {
            Draft::RepNudge(nudge) => {
                nudge.deals.iter().filter(|d| d.deal_id == deal_id).flat_map(|d| d.evidence.clone()).collect()
            }
            _ => Vec::new(),
        }
    };
    let mut cited = Vec::new();
    for (field, deal_id) in draft.deal_ids() {
        let flags = match state.store.snapshot_deal(&record.run_id, deal_id).await? {
            Some(deal) => flag_summaries(&deal.detail),
            None => Vec::new(),
        };
        cited.push(CitedDeal { deal_id: deal_id.to_owned(), field, flags, evidence: evidence_of(deal_id) });
    }
    Ok(cited)
}

/// Findings stored as JSON, one line each; a row that holds none (or older JSON) gives none.
fn finding_lines(json: &str) -> Vec<String> {
    serde_json::from_str::<Vec<crate::coaching::Finding>>(json)
        .map(|found| found.iter().map(ToString::to_string).collect())
        .unwrap_or_default()
}

/// The model's refused draft beside a fallback, rendered, unless `caller` is its recipient.
fn refused_view(state: &AppState, caller: &Principal, record: &DraftRecord) -> Option<RefusedDraftView> {
    if caller.person_id.as_deref() == Some(record.recipient_id.as_str()) {
        return None;
    }
    let draft: crate::coaching::Draft = serde_json::from_str(record.provenance.refused_draft.as_deref()?).ok()?;
    let exponent = crate::domain::exponent_of(&state.config.org.currency);
    Some(RefusedDraftView {
        text: crate::coaching::render::render(&draft, &record.recipient_name, exponent),
        findings: finding_lines(&record.provenance.model_findings),
    })
}

pub(crate) async fn detail(state: &AppState, caller: &Principal, record: DraftRecord) -> Result<DraftDetail, ApiError> {
    let cited = cited_deals(state, &record).await?;
    let edits = state.store.review_edits(&record.id).await?;
    let deliveries = state.store.deliveries(&record.id).await?;
    let feedback = state.store.feedback(&record.id).await?;
    let (refused_model_draft, findings) =
        (refused_view(state, caller, &record), finding_lines(&record.provenance.validator_results));
    Ok(DraftDetail {
        summary: summary(&record),
        provenance: workflow::provenance_summary(&record),
        body: record.body,
        drafted_body: record.drafted_body,
        refused_model_draft,
        decision_reason: record.decision_reason,
        findings,
        hold_reason: record.hold_reason,
        cited_deals: cited,
        edits: edits.into_iter().map(edit_view).collect(),
        deliveries: deliveries.into_iter().map(delivery_view).collect(),
        feedback: feedback.into_iter().map(feedback_view).collect(),
    })
}

fn edit_view(edit: ReviewEdit) -> EditView {
    EditView { seq: edit.seq, editor: edit.editor, edited_at: edit.edited_at, reason: edit.reason, diff: edit.diff }
}

fn delivery_view(delivery: DeliveryRecord) -> DeliveryView {
    // Targets (addresses, webhook URLs) are left out: a webhook URL is a credential.
    DeliveryView {
        channel: delivery.channel,
        state: delivery.state,
        attempts: delivery.attempts,
        updated_at: delivery.updated_at,
    }
}

fn feedback_view(feedback: FeedbackRecord) -> FeedbackView {
    FeedbackView {
        user_id: feedback.user_id,
        rating: feedback.rating,
        comment: feedback.comment,
        created_at: feedback.created_at,
    }
}

pub(crate) async fn get(
    State(state): State<AppState>,
    caller: Principal,
    Id(id): Id,
) -> Result<Json<DraftDetail>, ApiError> {
    let record = visible_draft(&state, &caller, &id).await?;
    Ok(Json(detail(&state, &caller, record).await?))
}

/// Review errors as API errors: a refusal by policy says so without naming who could decide.
pub(crate) fn review_error(error: ReviewError) -> ApiError {
    match error {
        ReviewError::NotFound(_) => ApiError::NotFound,
        ReviewError::WrongState { state, .. } => ApiError::Conflict(format!("the draft is {state}")),
        ReviewError::NotAllowed { .. } => ApiError::Forbidden("the draft's review policy does not let you decide"),
        ReviewError::ReasonRequired(action) => {
            ApiError::bad_request("reason_required", format!("a reason is required to {action}"))
        }
        ReviewError::EmptyEdit => ApiError::bad_request("empty_edit", "the edited text is empty"),
        ReviewError::FailedValidation { findings, .. } => ApiError::Refused {
            code: "failed_validation",
            message:
                "the draft failed validation and cannot be approved as written; edit it so it passes, or reject it"
                    .to_owned(),
            findings,
        },
        ReviewError::EditRefused { findings, .. } => ApiError::Refused {
            code: "edit_refused",
            message: "the edit was refused: it fails the checks every draft must pass".to_owned(),
            findings: findings.iter().map(ToString::to_string).collect(),
        },
        error @ ReviewError::CannotCheck { .. } => {
            ApiError::Refused { code: "edit_not_checked", message: error.to_string(), findings: Vec::new() }
        }
        ReviewError::Store(error) => ApiError::internal(error),
    }
}

/// What a reviewer may send: every decision is one of these.
#[derive(Debug)]
pub(crate) enum Decision {
    Approve { reason: Option<String> },
    Edit { body: String, reason: String },
    Reject { reason: String },
}

/// Applies `decision` to draft `id` as `caller`, after the scope check.
pub(crate) async fn decide(
    state: &AppState,
    caller: &Principal,
    id: &str,
    decision: Decision,
) -> Result<DraftRecord, ApiError> {
    visible_draft(state, caller, id).await?;
    let (store, config, reviewer, now) = (&state.store, state.config.as_ref(), caller.reviewer(), Utc::now());
    let result = match decision {
        Decision::Approve { reason } => workflow::approve(store, config, id, reviewer, reason.as_deref(), now).await,
        Decision::Edit { body, reason } => workflow::edit(store, config, id, reviewer, &body, &reason, now).await,
        Decision::Reject { reason } => workflow::reject(store, config, id, reviewer, &reason, now).await,
    };
    result.map_err(review_error)
}

async fn respond(state: &AppState, caller: &Principal, record: DraftRecord) -> Result<Json<DraftDetail>, ApiError> {
    Ok(Json(detail(state, caller, record).await?))
}

pub(crate) async fn approve(
    State(state): State<AppState>,
    caller: Principal,
    headers: HeaderMap,
    Id(id): Id,
    Body(request): Body<ApproveRequest>,
) -> Result<Json<DraftDetail>, ApiError> {
    caller.check_csrf(csrf_header(&headers))?;
    let record = decide(&state, &caller, &id, Decision::Approve { reason: request.reason }).await?;
    respond(&state, &caller, record).await
}

pub(crate) async fn edit(
    State(state): State<AppState>,
    caller: Principal,
    headers: HeaderMap,
    Id(id): Id,
    Body(request): Body<EditRequest>,
) -> Result<Json<DraftDetail>, ApiError> {
    caller.check_csrf(csrf_header(&headers))?;
    let record = decide(&state, &caller, &id, Decision::Edit { body: request.body, reason: request.reason }).await?;
    respond(&state, &caller, record).await
}

pub(crate) async fn reject(
    State(state): State<AppState>,
    caller: Principal,
    headers: HeaderMap,
    Id(id): Id,
    Body(request): Body<RejectRequest>,
) -> Result<Json<DraftDetail>, ApiError> {
    caller.check_csrf(csrf_header(&headers))?;
    let record = decide(&state, &caller, &id, Decision::Reject { reason: request.reason }).await?;
    respond(&state, &caller, record).await
}

/// Records the caller's opinion of a draft they can see.
pub(crate) async fn save_feedback(
    state: &AppState,
    caller: &Principal,
    id: &str,
    rating: Rating,
    comment: Option<String>,
) -> Result<(), ApiError> {
    visible_draft(state, caller, id).await?;
    let comment = comment.map(|c| c.trim().chars().take(2_000).collect::<String>()).filter(|c| !c.is_empty());
    let rating = match rating {
        Rating::Useful => "useful",
        Rating::NotUseful => "not_useful",
    };
    let record = FeedbackRecord {
        draft_id: id.to_owned(),
        user_id: caller.user_id.clone(),
        rating: rating.to_owned(),
        comment,
        created_at: crate::store::instant(&Utc::now()),
    };
    state.store.save_feedback(&record).await?;
    Ok(())
}

pub(crate) async fn feedback(
    State(state): State<AppState>,
    caller: Principal,
    headers: HeaderMap,
    Id(id): Id,
    Body(request): Body<FeedbackRequest>,
) -> Result<Json<DraftDetail>, ApiError> {
    caller.check_csrf(csrf_header(&headers))?;
    save_feedback(&state, &caller, &id, request.rating, request.comment).await?;
    let record = visible_draft(&state, &caller, &id).await?;
    respond(&state, &caller, record).await
}
