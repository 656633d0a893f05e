//! `/api/v1/deals`, `/reps`, `/teams` and `/forecast`: the latest snapshot's deals with their
//! flags and evidence, rep scorecards, team roll-ups and the forecast, each filtered through
//! the caller's scope. The engine's records are served as it stored them; their schemas are
//! the engine's types.

use super::super::auth::{AccessRole, Principal};
use super::super::error::ApiError;
use super::super::extract::{Id, Params};
use super::super::AppState;
use crate::store::{ActivityLine, HistoryLine, SnapshotDeal, SnapshotSummary};
use axum::extract::State;
use axum::Json;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// How many of a deal's latest activities its page shows beside the ones its flags cite.
const RECENT_ACTIVITIES: i64 = 40;

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub(crate) struct FlagSummary {
    pub signal: String,
    pub severity: String,
    pub reason: String,
}

/// The parts of a stored deal record a list needs.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct StoredDealHead {
    name: String,
    account: Option<String>,
    flags: Vec<FlagSummary>,
}

/// A deal's flags as stored in its snapshot record (empty if the record is unreadable).
pub(crate) fn flag_summaries(detail: &str) -> Vec<FlagSummary> {
    serde_json::from_str::<StoredDealHead>(detail).map(|head| head.flags).unwrap_or_default()
}

#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct SnapshotRef {
    pub run_id: String,
    pub as_of: String,
    pub period: String,
    pub currency: String,
    pub ruleset_version: String,
}

fn snapshot_ref(summary: &SnapshotSummary) -> SnapshotRef {
    SnapshotRef {
        run_id: summary.run_id.clone(),
        as_of: summary.as_of.clone(),
        period: summary.period.clone(),
        currency: summary.currency.clone(),
        ruleset_version: summary.ruleset_version.clone(),
    }
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct DealFilter {
    /// Only this rep's deals.
    pub owner: Option<String>,
    /// Only deals whose highest flag is at least this severe: info, warn or high.
    pub severity: Option<String>,
    pub limit: Option<u32>,
    pub offset: Option<u32>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct DealSummary {
    pub deal_id: String,
    pub name: String,
    pub owner_id: String,
    pub account: Option<String>,
    pub stage: String,
    pub amount_minor: i64,
    pub currency: String,
    pub close_date: Option<String>,
    pub win_probability: f64,
    pub highest_severity: Option<String>,
    pub flags: Vec<FlagSummary>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct DealList {
    /// `null` until a run has stored a snapshot.
    pub snapshot: Option<SnapshotRef>,
    pub deals: Vec<DealSummary>,
    pub total: usize,
}

#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct DealDetail {
    pub snapshot: SnapshotRef,
    /// The engine's record: probabilities, their explanation, and every flag with its evidence.
    #[schemars(with = "crate::engine::risk::DealRisk")]
    pub deal: serde_json::Value,
    /// The activities the flags cite, then the latest others, newest first.
    pub activities: Vec<ActivityLine>,
    pub history: Vec<HistoryLine>,
}

fn severity_rank(severity: &str) -> u8 {
    match severity {
        "high" => 3,
        "warn" => 2,
        "info" => 1,
        _ => 0,
    }
}

pub(crate) fn deal_summary(deal: &SnapshotDeal) -> DealSummary {
    let head: StoredDealHead = serde_json::from_str(&deal.detail).unwrap_or_default();
    DealSummary {
        deal_id: deal.deal_id.clone(),
        name: head.name,
        owner_id: deal.owner_id.clone(),
        account: head.account,
        stage: deal.stage.clone(),
        amount_minor: deal.amount_minor,
        currency: deal.currency.clone(),
        close_date: deal.close_date.clone(),
        win_probability: deal.win_probability,
        highest_severity: deal.highest_severity.clone(),
        flags: head.flags,
    }
}

/// The latest snapshot's deals the caller may see, riskiest first.
pub(crate) async fn visible_deals(
    state: &AppState,
    caller: &Principal,
    filter: &DealFilter,
) -> Result<(Option<SnapshotSummary>, Vec<SnapshotDeal>), ApiError> {
    let minimum = match filter.severity.as_deref() {
        None => 0,
        Some(text) => match severity_rank(text) {
            0 => return Err(ApiError::bad_request("invalid_query", "severity must be info, warn or high")),
            rank => rank,
        },
    };
    let Some(snapshot) = state.store.latest_snapshot().await? else { return Ok((None, Vec::new())) };
    let deals = state
        .store
        .snapshot_deals(&snapshot.run_id)
        .await?
        .into_iter()
        .filter(|d| caller.sees_person(&d.owner_id))
        .filter(|d| filter.owner.as_deref().is_none_or(|o| d.owner_id == o))
        .filter(|d| minimum == 0 || d.highest_severity.as_deref().map(severity_rank).unwrap_or(0) >= minimum)
        .collect();
    Ok((Some(snapshot), deals))
}

pub(crate) async fn deals(
    State(state): State<AppState>,
    caller: Principal,
    Params(filter): Params<DealFilter>,
) -> Result<Json<DealList>, ApiError> {
    let (snapshot, deals) = visible_deals(&state, &caller, &filter).await?;
    let limit = filter.limit.unwrap_or(100).clamp(1, 1_000) as usize;
    let offset = filter.offset.unwrap_or(0) as usize;
    Ok(Json(DealList {
        snapshot: snapshot.as_ref().map(snapshot_ref),
        total: deals.len(),
        deals: deals.iter().skip(offset).take(limit).map(deal_summary).collect(),
    }))
}

/// Deal `id` in the latest snapshot with its evidence, if the caller may see it.
pub(crate) async fn deal_detail(state: &AppState, caller: &Principal, id: &str) -> Result<DealDetail, ApiError> {
    let snapshot = state.store.latest_snapshot().await?.ok_or(ApiError::NotFound)?;
    let deal = match state.store.snapshot_deal(&snapshot.run_id, id).await? {
        Some(deal) if caller.sees_person(&deal.owner_id) => deal,
        _ => return Err(ApiError::NotFound),
    };
    let record: serde_json::Value = serde_json::from_str(&deal.detail).map_err(ApiError::internal)?;
    let cited: BTreeSet<String> = record
        .get("flags")
        .and_then(|f| f.as_array())
        .into_iter()
        .flatten()
        .filter_map(|flag| flag.pointer("/evidence/activity_ids").and_then(|ids| ids.as_array()))
        .flatten()
        .filter_map(|id| id.as_str().map(str::to_owned))
        .collect();
    let cited: Vec<String> = cited.into_iter().collect();
    let mut activities = state.store.activity_lines(&cited).await?;
    activities.sort_by(|a, b| b.occurred_at.cmp(&a.occurred_at).then_with(|| a.id.cmp(&b.id)));
    for line in state.store.deal_activity_lines(id, RECENT_ACTIVITIES).await? {
        if !cited.contains(&line.id) {
            activities.push(line);
        }
    }
    let history = state.store.deal_history_lines(id).await?;
    Ok(DealDetail { snapshot: snapshot_ref(&snapshot), deal: record, activities, history })
}

pub(crate) async fn deal(
    State(state): State<AppState>,
    caller: Principal,
    Id(id): Id,
) -> Result<Json<DealDetail>, ApiError> {
    Ok(Json(deal_detail(&state, &caller, &id).await?))
}

#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct ScorecardList {
    pub snapshot: Option<SnapshotRef>,
    /// The engine's scorecards, each number with how it was computed.
    #[schemars(with = "Vec<crate::engine::risk::Scorecard>")]
    pub reps: Vec<serde_json::Value>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct ScorecardDetail {
    pub snapshot: SnapshotRef,
    #[schemars(with = "crate::engine::risk::Scorecard")]
    pub scorecard: serde_json::Value,
}

fn parse_all(rows: Vec<(String, String)>) -> Result<Vec<serde_json::Value>, ApiError> {
    rows.into_iter().map(|(_, text)| serde_json::from_str(&text).map_err(ApiError::internal)).collect()
}

pub(crate) async fn reps(State(state): State<AppState>, caller: Principal) -> Result<Json<ScorecardList>, ApiError> {
    let Some(snapshot) = state.store.latest_snapshot().await? else {
        return Ok(Json(ScorecardList { snapshot: None, reps: Vec::new() }));
    };
    let rows = state.store.snapshot_scorecards(&snapshot.run_id).await?;
    let visible = rows.into_iter().filter(|(person, _)| caller.sees_person(person)).collect();
    Ok(Json(ScorecardList { snapshot: Some(snapshot_ref(&snapshot)), reps: parse_all(visible)? }))
}

/// Rep `id`'s scorecard in the latest snapshot, if the caller may see it.
pub(crate) async fn scorecard(state: &AppState, caller: &Principal, id: &str) -> Result<ScorecardDetail, ApiError> {
    if !caller.sees_person(id) {
        return Err(ApiError::NotFound);
    }
    let snapshot = state.store.latest_snapshot().await?.ok_or(ApiError::NotFound)?;
    let rows = state.store.snapshot_scorecards(&snapshot.run_id).await?;
    let (_, text) = rows.into_iter().find(|(person, _)| person == id).ok_or(ApiError::NotFound)?;
    let scorecard = serde_json::from_str(&text).map_err(ApiError::internal)?;
    Ok(ScorecardDetail { snapshot: snapshot_ref(&snapshot), scorecard })
}

pub(crate) async fn rep(
    State(state): State<AppState>,
    caller: Principal,
    Id(id): Id,
) -> Result<Json<ScorecardDetail>, ApiError> {
    Ok(Json(scorecard(&state, &caller, &id).await?))
}

#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct RollupList {
    pub snapshot: Option<SnapshotRef>,
    /// Reps ranked by their need for the manager this week, with the reasons and deals.
    #[schemars(with = "Vec<crate::engine::risk::TeamRollup>")]
    pub teams: Vec<serde_json::Value>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct RollupDetail {
    pub snapshot: SnapshotRef,
    #[schemars(with = "crate::engine::risk::TeamRollup")]
    pub team: serde_json::Value,
}

pub(crate) async fn teams(State(state): State<AppState>, caller: Principal) -> Result<Json<RollupList>, ApiError> {
    let Some(snapshot) = state.store.latest_snapshot().await? else {
        return Ok(Json(RollupList { snapshot: None, teams: Vec::new() }));
    };
    let rows = state.store.snapshot_rollups(&snapshot.run_id).await?;
    // A team is visible to whoever sees its manager: the manager, those above, the organisation.
    let visible = rows.into_iter().filter(|(manager, _)| caller.sees_person(manager)).collect();
    Ok(Json(RollupList { snapshot: Some(snapshot_ref(&snapshot)), teams: parse_all(visible)? }))
}

/// Manager `id`'s team roll-up in the latest snapshot, if the caller may see it.
pub(crate) async fn rollup(state: &AppState, caller: &Principal, id: &str) -> Result<RollupDetail, ApiError> {
    if !caller.sees_person(id) {
        return Err(ApiError::NotFound);
    }
    let snapshot = state.store.latest_snapshot().await?.ok_or(ApiError::NotFound)?;
    let rows = state.store.snapshot_rollups(&snapshot.run_id).await?;
    let (_, text) = rows.into_iter().find(|(manager, _)| manager == id).ok_or(ApiError::NotFound)?;
    let team = serde_json::from_str(&text).map_err(ApiError::internal)?;
    Ok(RollupDetail { snapshot: snapshot_ref(&snapshot), team })
}

pub(crate) async fn team(
    State(state): State<AppState>,
    caller: Principal,
    Id(id): Id,
) -> Result<Json<RollupDetail>, ApiError> {
    Ok(Json(rollup(&state, &caller, &id).await?))
}

#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct StageTotal {
    pub stage: String,
    pub deals: u32,
    pub amount_minor: i64,
    /// Amount weighted by each deal's win probability.
    pub weighted_minor: i64,
}

#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct ForecastView {
    pub snapshot: SnapshotRef,
    /// `organisation`, or `team` for a manager: totals are the organisation's, the deal-level
    /// parts (exposures, pipeline by stage) only the team's, and no account breakdown.
    pub scope: String,
    /// P10/P50/P90 against target and commit, downside by account and segment, exposures.
    #[schemars(with = "crate::engine::risk::ForecastRisk")]
    pub forecast: serde_json::Value,
    /// How the win probabilities were fitted and how well.
    #[schemars(with = "crate::engine::risk::ModelSummary")]
    pub model: serde_json::Value,
    /// Open pipeline in scope by stage, in the reporting currency.
    pub pipeline_by_stage: Vec<StageTotal>,
}

/// The period's forecast. Organisation-wide callers see all of it; a manager sees the
/// organisation's totals (target, commit, P10/P50/P90) but only their team's deals: exposures
/// in their scope, pipeline by stage of their team, and no account or segment breakdown (it
/// would name other teams' clients). Reps get not found.
pub(crate) async fn forecast_view(state: &AppState, caller: &Principal) -> Result<ForecastView, ApiError> {
    let whole = caller.sees_organisation();
    if !whole && caller.role != AccessRole::Manager {
        return Err(ApiError::NotFound);
    }
    let snapshot = state.store.latest_snapshot().await?.ok_or(ApiError::NotFound)?;
    let mut forecast: serde_json::Value = serde_json::from_str(&snapshot.forecast).map_err(ApiError::internal)?;
    if !whole {
        forecast["by_account"] = serde_json::json!([]);
        forecast["by_segment"] = serde_json::json!([]);
        if let Some(exposures) = forecast.get_mut("largest_exposures").and_then(|e| e.as_array_mut()) {
            exposures.retain(|e| e.get("owner_id").and_then(|o| o.as_str()).is_some_and(|o| caller.sees_person(o)));
        }
    }
    let mut stages: BTreeMap<String, StageTotal> = BTreeMap::new();
    for sum in state.store.snapshot_stage_sums(&snapshot.run_id, !whole).await? {
        if sum.currency != snapshot.currency || !(whole || caller.sees_person(&sum.owner_id)) {
            continue;
        }
        let total = stages.entry(sum.stage.clone()).or_insert_with(|| StageTotal {
            stage: sum.stage.clone(),
            deals: 0,
            amount_minor: 0,
            weighted_minor: 0,
        });
        total.deals = total.deals.saturating_add(u32::try_from(sum.deals).unwrap_or(u32::MAX));
        total.amount_minor = total.amount_minor.saturating_add(sum.amount_minor);
        total.weighted_minor = total.weighted_minor.saturating_add(sum.weighted_minor);
    }
    Ok(ForecastView {
        scope: if whole { "organisation" } else { "team" }.to_owned(),
        forecast,
        model: serde_json::from_str(&snapshot.model).map_err(ApiError::internal)?,
        snapshot: snapshot_ref(&snapshot),
        pipeline_by_stage: stages.into_values().collect(),
    })
}

pub(crate) async fn forecast(State(state): State<AppState>, caller: Principal) -> Result<Json<ForecastView>, ApiError> {
    Ok(Json(forecast_view(&state, &caller).await?))
}
