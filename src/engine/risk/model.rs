//! The model inputs for one open deal at `as_of`: stage, engagement, close-date history,
//! progress against the won deals' pace, forecast call, roles, conversation content, the
//! position in the period, and the severity of every signal. Names explain each input.

use super::engagement::Engagement;
use super::index::Index;
use super::signals::{Finding, Severity, SignalId};
use super::state::DealState;
use super::velocity::Velocity;
use crate::domain::{ContactRole, Deal, ForecastCategory, Period};
use chrono::{DateTime, NaiveDate, Utc};

/// Stage indicators for open ranks 1..=STAGE_SLOTS; rank 0 (the first open stage) is the base.
const STAGE_SLOTS: usize = 6;
const BASE_FEATURES: usize = 28;
pub(super) const FEATURE_COUNT: usize = STAGE_SLOTS + BASE_FEATURES + SignalId::ALL.len();

pub(super) type FeatureRow = [f64; FEATURE_COUNT];

/// Position of the "close date inside the period" input.
pub(super) const CLOSE_IN_PERIOD_INPUT: usize = STAGE_SLOTS + 27;

/// Human names of the inputs, in row order.
pub(super) fn feature_name(position: usize) -> String {
    const BASE: [&str; BASE_FEATURES] = [
        "days since the last buyer touch",
        "days since the buyer last wrote",
        "buyer messages in the last 30 days",
        "our outreach in the last 30 days",
        "meetings in the last 60 days",
        "activity trend (last 30 days against the 30 before)",
        "buyer contacts engaged",
        "a C-level or VP contact engaged",
        "close-date pushes",
        "days the close date was pushed",
        "days past the close date",
        "days to the close date",
        "no close date",
        "time in stage against won deals",
        "deal age against won deals",
        "stage moved back",
        "amount decrease",
        "commit call",
        "best-case call",
        "pipeline call",
        "champion recorded",
        "economic buyer recorded",
        "competitor named",
        "red flag raised",
        "pricing discussed",
        "days since the next step was updated",
        "share of the period left",
        "close date inside the period",
    ];
    if position < STAGE_SLOTS {
        return format!("stage {} of the pipeline", position + 2);
    }
    let base = position - STAGE_SLOTS;
    if let Some(name) = BASE.get(base) {
        return (*name).to_owned();
    }
    SignalId::ALL.get(base - BASE_FEATURES).map(|s| format!("flag {}", s.as_str())).unwrap_or_default()
}

/// Whether the input at `position` is a stage indicator (explained by the stage itself).
pub(super) fn is_stage_feature(position: usize) -> bool {
    position < STAGE_SLOTS
}

fn log_days(days: f64) -> f64 {
    days.max(0.0).ln_1p()
}

fn ratio_log(value: f64, typical: Option<f64>) -> f64 {
    match typical {
        Some(typical) if typical > 0.0 => ((value.max(0.0) + 1.0) / (typical + 1.0)).ln().clamp(-3.0, 3.0),
        _ => 0.0,
    }
}

pub(super) struct FeatureInputs<'c, 'a> {
    pub index: &'c Index<'a>,
    pub velocity: &'c Velocity<'a>,
    pub deal: &'a Deal,
    pub state: &'c DealState<'a>,
    pub engagement: &'c Engagement,
    pub findings: &'c [Finding],
    pub as_of: DateTime<Utc>,
    /// The period being forecast: (start, exclusive end).
    pub period: (Period, NaiveDate, NaiveDate),
}

pub(super) fn feature_row(inputs: &FeatureInputs<'_, '_>) -> FeatureRow {
    let mut row = [0.0; FEATURE_COUNT];
    let FeatureInputs { index, velocity, deal, state, engagement, findings, as_of, period } = inputs;
    let rank = state.stage_info.open_rank;
    if rank >= 1 {
        row[rank.min(STAGE_SLOTS) - 1] = 1.0;
    }
    let today = as_of.date_naive();
    let days_since = |at: DateTime<Utc>| (*as_of - at).num_seconds().max(0) as f64 / 86_400.0;
    let age = days_since(deal.created_at);
    let mut base = [0.0; BASE_FEATURES];
    base[0] = log_days(engagement.last_touch.map(|(_, at)| days_since(at)).unwrap_or(age));
    base[1] = log_days(engagement.last_inbound.map(|(_, at)| days_since(at)).unwrap_or(age));
    base[2] = f64::from(engagement.inbound_30d).ln_1p();
    base[3] = f64::from(engagement.outbound_30d).ln_1p();
    base[4] = f64::from(engagement.meetings_60d).ln_1p();
    let recent = f64::from(engagement.inbound_30d + engagement.outbound_30d);
    base[5] = ((recent + 1.0) / (f64::from(engagement.touches_prior_30d) + 1.0)).ln();
    base[6] = (engagement.engaged_contacts.len() as f64).min(6.0);
    base[7] = if engagement.most_senior.is_some_and(|(s, _)| s.is_senior()) { 1.0 } else { 0.0 };
    base[8] = (state.pushes.len() as f64).min(5.0);
    base[9] = log_days(state.pushes.iter().map(|p| p.days as f64).sum());
    match state.close_date {
        Some(close) => {
            let days_to_close = (close - today).num_days() as f64;
            base[10] = log_days(-days_to_close);
            base[11] = days_to_close.clamp(-180.0, 365.0) / 90.0;
        }
        None => base[12] = 1.0,
    }
    let typical_stage = velocity.stage(&deal.pipeline, state.stage).map(|v| v.median_days_in_stage);
    base[13] = ratio_log(days_since(state.stage_entered_at), typical_stage);
    base[14] = ratio_log(age, velocity.median_won_age());
    base[15] = if state.regressions.is_empty() { 0.0 } else { 1.0 };
    let peak = state.amount_changes.iter().map(|c| c.old_minor.max(c.new_minor)).max().unwrap_or(0);
    if peak > 0 && state.amount_minor < peak {
        base[16] = (peak - state.amount_minor) as f64 / peak as f64;
    }
    match state.forecast_category {
        ForecastCategory::Commit | ForecastCategory::Closed => base[17] = 1.0,
        ForecastCategory::BestCase => base[18] = 1.0,
        ForecastCategory::Pipeline => base[19] = 1.0,
        ForecastCategory::Omitted => {}
    }
    base[20] = if index.roles_of(state.position).any(|r| r == ContactRole::Champion) { 1.0 } else { 0.0 };
    base[21] =
        if index.roles_of(state.position).any(|r| matches!(r, ContactRole::EconomicBuyer | ContactRole::DecisionMaker))
        {
            1.0
        } else {
            0.0
        };
    base[22] = (engagement.competitor_ids.len() as f64).min(3.0);
    base[23] = (engagement.red_flag_ids.len() as f64).min(3.0);
    base[24] = if engagement.pricing_discussed { 1.0 } else { 0.0 };
    base[25] = log_days(state.next_step_updated_at.map(days_since).unwrap_or(age));
    let (_, start, end) = *period;
    let length = (end - start).num_days().max(1) as f64;
    base[26] = ((end - today).num_days() as f64 / length).clamp(0.0, 1.0);
    base[27] = if state.close_date.is_some_and(|c| c < end) { 1.0 } else { 0.0 };
    row[STAGE_SLOTS..STAGE_SLOTS + BASE_FEATURES].copy_from_slice(&base);
    for finding in findings.iter() {
        let slot = STAGE_SLOTS + BASE_FEATURES + finding.signal.position();
        if let Some(value) = row.get_mut(slot) {
            *value = value.max(Severity::weight(Some(finding.severity)));
        }
    }
    row
}
