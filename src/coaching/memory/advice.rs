//! Coaching memory: what each recipient was told, deal by deal, and what happened next. A
//! delivered draft becomes one point per deal it discussed, owned by its recipient; each later
//! observation of those deals attaches an outcome (progressed, slipped, regressed, won, lost or
//! no change) until the deal closes.

use super::collections::COACHING;
use super::store::{Access, Condition, Filter, ScopedFilter, VectorStore, TEXT_FIELD};
use super::{Memory, MemoryError};
use crate::coaching::drafts::Draft;
use crate::domain::{Dataset, StageStatus};
use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// Outcome of a point not yet observed.
pub const PENDING: &str = "pending";
/// Deal ids per outcome lookup; keeps filters small.
const DEALS_PER_LOOKUP: usize = 200;

/// A deal as it stands at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DealState {
    pub deal_id: String,
    pub name: String,
    pub owner_id: String,
    pub stage: String,
    /// Position in its pipeline; higher is further along.
    pub stage_order: i64,
    pub status: StageStatus,
    pub close_date: Option<NaiveDate>,
    pub amount_minor: i64,
}

/// Every deal's current state, by id.
pub fn deal_states(dataset: &Dataset) -> BTreeMap<String, DealState> {
    dataset
        .deals
        .iter()
        .map(|deal| {
            let stage = dataset.stages.get(&deal.pipeline, &deal.stage);
            let state = DealState {
                deal_id: deal.id.to_string(),
                name: deal.name.clone(),
                owner_id: deal.owner_id.to_string(),
                stage: deal.stage.clone(),
                stage_order: stage.map(|s| s.order).unwrap_or(0),
                status: stage.map(|s| s.status).unwrap_or(StageStatus::Open),
                close_date: deal.close_date,
                amount_minor: deal.amount.minor,
            };
            (state.deal_id.clone(), state)
        })
        .collect()
}

/// One deal a draft discussed, with the deal's state when the draft went out.
#[derive(Debug, Clone, PartialEq)]
pub struct AdvisedDeal {
    pub state: DealState,
    /// What the draft said about it: the problem and the next step.
    pub advice: String,
}

/// A draft that reached its recipient.
#[derive(Debug, Clone, PartialEq)]
pub struct DeliveredDraft {
    pub draft_id: String,
    pub recipient_id: String,
    pub kind: String,
    pub delivered_on: NaiveDate,
    pub headline: String,
    pub deals: Vec<AdvisedDeal>,
}

impl DeliveredDraft {
    /// Pairs each deal the draft names with its state in `states`; deals not found are kept
    /// out, since no outcome could ever be attached to them.
    pub fn from_draft(
        draft_id: &str,
        recipient_id: &str,
        delivered_on: NaiveDate,
        draft: &Draft,
        states: &BTreeMap<String, DealState>,
    ) -> Self {
        let (headline, mentions): (&str, Vec<(&str, String)>) = match draft {
            Draft::RepNudge(n) => (
                &n.headline,
                n.deals
                    .iter()
                    .map(|d| (d.deal_id.as_str(), format!("{} Next step: {}", d.what_is_wrong, d.next_step)))
                    .collect(),
            ),
            Draft::InterventionBrief(b) => (
                &b.headline,
                b.reps
                    .iter()
                    .flat_map(|r| {
                        r.deals_to_inspect
                            .iter()
                            .map(move |d| (d.deal_id.as_str(), format!("{} {}", r.why, d.what_to_check)))
                    })
                    .collect(),
            ),
            Draft::ForecastMemo(m) => (
                &m.headline,
                m.exposures
                    .iter()
                    .map(|e| (e.deal_id.as_str(), format!("{} Mitigation: {}", e.note, e.mitigation)))
                    .collect(),
            ),
        };
        let mut seen = std::collections::BTreeSet::new();
        let deals = mentions
            .into_iter()
            .filter(|(id, _)| seen.insert(*id))
            .filter_map(|(id, advice)| Some(AdvisedDeal { state: states.get(id)?.clone(), advice }))
            .collect();
        Self {
            draft_id: draft_id.to_owned(),
            recipient_id: recipient_id.to_owned(),
            kind: draft.kind().as_str().to_owned(),
            delivered_on,
            headline: headline.to_owned(),
            deals,
        }
    }
}

/// Days since 1970-01-01, the integer form dates take in payload filters.
pub fn day_number(date: NaiveDate) -> i64 {
    i64::from(date.num_days_from_ce()) - 719_163
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// Indexes a delivered draft; re-indexing the same draft replaces its points (and resets
/// their outcomes, as a re-delivery starts a new observation).
pub async fn index_delivered<S: VectorStore>(memory: &Memory<S>, draft: &DeliveredDraft) -> Result<usize, MemoryError> {
    let common = |deal_id: &str| {
        json!({
            "recipient": draft.recipient_id,
            "draft_id": draft.draft_id,
            "kind": draft.kind,
            "deal_id": deal_id,
            "headline": draft.headline,
            "delivered_on": draft.delivered_on.to_string(),
            "delivered_day": day_number(draft.delivered_on),
            "outcome": PENDING,
        })
    };
    let mut items = Vec::new();
    for deal in &draft.deals {
        let state = &deal.state;
        let mut payload = object(common(&state.deal_id));
        payload.extend(object(json!({
            "deal_name": state.name,
            "deal_owner": state.owner_id,
            "stage": state.stage,
            "stage_order": state.stage_order,
            "close_date": state.close_date.map(|d| d.to_string()),
            "amount_minor": state.amount_minor,
            "advice": deal.advice,
            TEXT_FIELD: format!("{}\n{} ({})\n{}", draft.headline, state.name, state.stage, deal.advice),
        })));
        items.push((format!("{}/{}", draft.draft_id, state.deal_id), draft.recipient_id.clone(), payload));
    }
    if items.is_empty() {
        let mut payload = object(common(""));
        payload.insert(TEXT_FIELD.to_owned(), Value::String(draft.headline.clone()));
        items.push((format!("{}/", draft.draft_id), draft.recipient_id.clone(), payload));
    }
    memory.write(&COACHING, items).await
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeKind {
    Won,
    Lost,
    Regressed,
    Progressed,
    Slipped,
    NoChange,
}

impl OutcomeKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            OutcomeKind::Won => "won",
            OutcomeKind::Lost => "lost",
            OutcomeKind::Regressed => "regressed",
            OutcomeKind::Progressed => "progressed",
            OutcomeKind::Slipped => "slipped",
            OutcomeKind::NoChange => "no_change",
        }
    }

    pub fn is_final(&self) -> bool {
        matches!(self, OutcomeKind::Won | OutcomeKind::Lost)
    }
}

/// What happened to a deal between the draft (`stage_order`, `close_date` then) and `now`.
pub fn classify(stage_then: i64, close_then: Option<NaiveDate>, now: &DealState) -> (OutcomeKind, String) {
    let slip = match (close_then, now.close_date) {
        (Some(then), Some(later)) if later > then => Some((later - then).num_days()),
        _ => None,
    };
    let slip_text = slip.map(|d| format!("close date moved {d} days later")).unwrap_or_default();
    let join = |main: String| if slip_text.is_empty() { main } else { format!("{main}; {slip_text}") };
    match now.status {
        StageStatus::Won => (OutcomeKind::Won, "closed won".to_owned()),
        StageStatus::Lost => (OutcomeKind::Lost, "closed lost".to_owned()),
        StageStatus::Open if now.stage_order < stage_then => {
            (OutcomeKind::Regressed, join(format!("moved back to {}", now.stage)))
        }
        StageStatus::Open if now.stage_order > stage_then => {
            (OutcomeKind::Progressed, join(format!("advanced to {}", now.stage)))
        }
        StageStatus::Open if slip.is_some() => (OutcomeKind::Slipped, slip_text.clone()),
        StageStatus::Open => (OutcomeKind::NoChange, format!("still in {}", now.stage)),
    }
}

/// Attaches what happened to every coached deal in `states` that was advised on or before
/// `observed_on` and has not closed yet in memory; returns how many points were updated.
pub async fn attach_outcomes<S: VectorStore>(
    memory: &Memory<S>,
    states: &BTreeMap<String, DealState>,
    observed_on: NaiveDate,
) -> Result<usize, MemoryError> {
    let ids: Vec<&String> = states.keys().collect();
    let mut updated = 0;
    for chunk in ids.chunks(DEALS_PER_LOOKUP) {
        let filter = Filter::all([
            Condition::keyword_in("deal_id", chunk.iter().map(|id| id.as_str())),
            Condition::KeywordNotIn { key: "outcome".into(), values: vec!["won".into(), "lost".into()] },
            Condition::IntegerRange { key: "delivered_day".into(), gte: None, lte: Some(day_number(observed_on)) },
        ]);
        let records =
            memory.store().scroll(COACHING.name, &ScopedFilter::new(Access::Organisation, filter), usize::MAX).await?;
        for record in records {
            let Some(now) = record.str_field("deal_id").and_then(|id| states.get(id)) else { continue };
            let stage_then = record.payload.get("stage_order").and_then(Value::as_i64).unwrap_or(0);
            let close_then = record.str_field("close_date").and_then(|d| d.parse().ok());
            let (kind, detail) = classify(stage_then, close_then, now);
            let unchanged = record.str_field("outcome") == Some(kind.as_str())
                && record.str_field("outcome_detail") == Some(detail.as_str());
            if unchanged {
                continue;
            }
            let payload = object(json!({
                "outcome": kind.as_str(),
                "outcome_detail": detail,
                "outcome_on": observed_on.to_string(),
            }));
            memory.store().set_payload(COACHING.name, &record.id, payload).await?;
            updated += 1;
        }
    }
    Ok(updated)
}

/// One remembered piece of coaching.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recalled {
    pub draft_id: String,
    pub delivered_on: String,
    pub deal_id: String,
    pub deal_name: String,
    pub stage_then: String,
    pub advice: String,
    /// `pending` until the deal is observed again.
    pub outcome: String,
    pub outcome_detail: String,
    pub score: f32,
}

/// What `recipient` was told that best matches `query` (the most recent first when there is no
/// query), optionally about one deal. The store applies `access`; the recipient condition keeps
/// a manager's recall to their own briefs even though their access covers their reps.
pub async fn recall<S: VectorStore>(
    memory: &Memory<S>,
    access: Access,
    recipient: &str,
    query: Option<&str>,
    deal_id: Option<&str>,
    limit: usize,
) -> Result<Vec<Recalled>, MemoryError> {
    let mut filter = Filter::all([Condition::keyword("recipient", recipient)]);
    if let Some(deal_id) = deal_id {
        filter = filter.and(Condition::keyword("deal_id", deal_id));
    }
    let scoped = ScopedFilter::new(access, filter);
    let found: Vec<(Map<String, Value>, f32)> = match query.map(str::trim).filter(|q| !q.is_empty()) {
        Some(query) => {
            memory.search(&COACHING, query, scoped, limit).await?.into_iter().map(|h| (h.payload, h.score)).collect()
        }
        None => {
            let mut records = memory.store().scroll(COACHING.name, &scoped, usize::MAX).await?;
            let day = |r: &super::store::Record| r.payload.get("delivered_day").and_then(Value::as_i64).unwrap_or(0);
            records.sort_by(|a, b| day(b).cmp(&day(a)).then_with(|| a.id.cmp(&b.id)));
            records.into_iter().take(limit).map(|r| (r.payload, 0.0)).collect()
        }
    };
    let field = |payload: &Map<String, Value>, key: &str| {
        payload.get(key).and_then(Value::as_str).unwrap_or_default().to_owned()
    };
    Ok(found
        .iter()
        .map(|(payload, score)| Recalled {
            draft_id: field(payload, "draft_id"),
            delivered_on: field(payload, "delivered_on"),
            deal_id: field(payload, "deal_id"),
            deal_name: field(payload, "deal_name"),
            stage_then: field(payload, "stage"),
            advice: field(payload, "advice"),
            outcome: field(payload, "outcome"),
            outcome_detail: field(payload, "outcome_detail"),
            score: *score,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn state(order: i64, status: StageStatus, close: Option<&str>) -> DealState {
        DealState {
            deal_id: "d1".into(),
            name: "Custody mandate".into(),
            owner_id: "rep-1".into(),
            stage: format!("stage{order}"),
            stage_order: order,
            status,
            close_date: close.map(|c| c.parse().unwrap()),
            amount_minor: 100,
        }
    }

    #[test]
    fn outcomes_follow_stage_status_and_close_date() {
        let then: Option<NaiveDate> = Some("2026-09-30".parse().unwrap());
        assert_eq!(classify(3, then, &state(6, StageStatus::Won, None)).0, OutcomeKind::Won);
        assert_eq!(classify(3, then, &state(7, StageStatus::Lost, None)).0, OutcomeKind::Lost);
        let (kind, detail) = classify(3, then, &state(4, StageStatus::Open, Some("2026-10-14")));
        assert_eq!(kind, OutcomeKind::Progressed);
        assert_eq!(detail, "advanced to stage4; close date moved 14 days later");
        assert_eq!(classify(3, then, &state(2, StageStatus::Open, Some("2026-09-30"))).0, OutcomeKind::Regressed);
        let (kind, detail) = classify(3, then, &state(3, StageStatus::Open, Some("2026-10-30")));
        assert_eq!((kind, detail.as_str()), (OutcomeKind::Slipped, "close date moved 30 days later"));
        assert_eq!(classify(3, then, &state(3, StageStatus::Open, Some("2026-09-15"))).0, OutcomeKind::NoChange);
    }

    #[test]
    fn day_numbers_count_from_the_unix_epoch() {
        assert_eq!(day_number("1970-01-01".parse().unwrap()), 0);
        assert_eq!(day_number("2026-01-01".parse().unwrap()), 20_454);
    }
}
