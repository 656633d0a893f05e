//! `get_forecast_breakdown`: the leader's quarter — P10/P50/P90 against target and commit, where
//! the downside is concentrated and the largest single-deal exposures.

use super::{NoArgs, Tool, ToolContext};
use crate::engine::risk::numbers::pct_text;
use crate::engine::risk::Concentration;
use serde::Serialize;

pub(super) const NAME: &str = "get_forecast_breakdown";
const TOP: usize = 5;

#[derive(Debug, Serialize)]
pub(super) struct ConcentrationView {
    pub key: String,
    pub deals: u32,
    pub amount: String,
    pub at_risk: String,
    pub share_of_risk: String,
}

#[derive(Debug, Serialize)]
pub(super) struct ExposureView {
    pub deal_id: String,
    pub name: String,
    pub owner: Option<String>,
    pub account: Option<String>,
    pub amount: String,
    pub win_in_period: String,
    pub at_risk: String,
    pub high_flags: Vec<&'static str>,
}

#[derive(Debug, Serialize)]
pub(super) struct ForecastBreakdown {
    pub period: String,
    pub currency: String,
    /// Whole currency units, as `submit_forecast_memo` expects them.
    pub p10_units: i64,
    pub p50_units: i64,
    pub p90_units: i64,
    pub target_units: i64,
    pub commit_units: i64,
    pub booked: String,
    pub p10: String,
    pub p50: String,
    pub p90: String,
    pub target: String,
    pub commit: String,
    pub probability_of_target: String,
    pub probability_of_commit: String,
    pub commit_gap: String,
    pub downside_share: String,
    pub by_account: Vec<ConcentrationView>,
    pub by_segment: Vec<ConcentrationView>,
    pub largest_exposures: Vec<ExposureView>,
    pub how_computed: Vec<String>,
}

pub(super) struct ForecastBreakdownTool;

impl Tool for ForecastBreakdownTool {
    const NAME: &'static str = NAME;
    const DESCRIPTION: &'static str = "The period's simulated bookings (P10/P50/P90) against target and commit, the \
        downside by account and segment, and the largest single-deal exposures. Leaders only.";
    type Args = NoArgs;
    type Output = ForecastBreakdown;

    fn run(context: &ToolContext<'_>, _args: NoArgs) -> Result<ForecastBreakdown, String> {
        let s = context.snapshot;
        let f = s.forecast.as_ref().ok_or("the forecast is only in a leader's scope")?;
        let concentration = |rows: &[Concentration]| -> Vec<ConcentrationView> {
            rows.iter()
                .take(TOP)
                .map(|c| ConcentrationView {
                    key: c.key.clone(),
                    deals: c.deals,
                    amount: s.money(c.amount_minor),
                    at_risk: s.money(c.at_risk_minor),
                    share_of_risk: pct_text(c.share_of_risk),
                })
                .collect()
        };
        Ok(ForecastBreakdown {
            period: f.period.clone(),
            currency: f.currency.clone(),
            p10_units: s.whole_units(f.p10_minor),
            p50_units: s.whole_units(f.p50_minor),
            p90_units: s.whole_units(f.p90_minor),
            target_units: s.whole_units(f.target_minor),
            commit_units: s.whole_units(f.commit_minor),
            booked: s.money(f.booked_minor),
            p10: s.money(f.p10_minor),
            p50: s.money(f.p50_minor),
            p90: s.money(f.p90_minor),
            target: s.money(f.target_minor),
            commit: s.money(f.commit_minor),
            probability_of_target: pct_text(f.probability_of_target),
            probability_of_commit: pct_text(f.probability_of_commit),
            commit_gap: s.money(f.commit_gap_minor),
            downside_share: pct_text(f.downside_share),
            by_account: concentration(&f.by_account),
            by_segment: concentration(&f.by_segment),
            largest_exposures: f
                .largest_exposures
                .iter()
                .take(TOP)
                .map(|e| ExposureView {
                    deal_id: e.deal_id.clone(),
                    name: e.name.clone(),
                    owner: s.person_name(&e.owner_id).map(str::to_owned),
                    account: e.account.clone(),
                    amount: s.money(e.amount_minor),
                    win_in_period: pct_text(e.win_in_period),
                    at_risk: s.money(e.at_risk_minor),
                    high_flags: e.high_flags.iter().map(|f| f.as_str()).collect(),
                })
                .collect(),
            how_computed: f.how_computed.clone(),
        })
    }
}
