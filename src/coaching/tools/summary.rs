//! `get_snapshot_summary`: who the draft is for, the period, and the headline numbers of their
//! scope — a rep's scorecard, a manager's team totals or the organisation's forecast.

use super::briefs::ScorecardBrief;
use super::{NoArgs, Tool, ToolContext};
use crate::engine::risk::numbers::pct_text;
use crate::engine::risk::Severity;
use serde::Serialize;

pub(super) const NAME: &str = "get_snapshot_summary";

pub(super) struct SnapshotSummaryTool;

#[derive(Debug, Serialize)]
pub(super) struct TeamTotals {
    pub manager: String,
    pub reps: usize,
    pub quota: String,
    pub booked: String,
    pub attainment: String,
}

#[derive(Debug, Serialize)]
pub(super) struct ForecastHeadline {
    pub p10: String,
    pub p50: String,
    pub p90: String,
    pub target: String,
    pub commit: String,
    pub probability_of_target: String,
}

#[derive(Debug, Serialize)]
pub(super) struct SnapshotSummary {
    pub recipient_id: String,
    pub recipient_name: String,
    pub role: &'static str,
    pub scope: String,
    pub as_of: String,
    pub period: String,
    pub currency: String,
    pub open_deals: usize,
    pub open_amount: String,
    pub deals_flagged_high: usize,
    pub deals_flagged_warn: usize,
    pub scorecard: Option<ScorecardBrief>,
    pub team: Option<TeamTotals>,
    pub forecast: Option<ForecastHeadline>,
    pub finish_with: &'static str,
}

impl Tool for SnapshotSummaryTool {
    const NAME: &'static str = NAME;
    const DESCRIPTION: &'static str = "Headline facts for this draft: the recipient, the period, open and flagged \
        deals in scope, and the scorecard (rep), team totals (manager) or forecast headline (leader). Call first.";
    type Args = NoArgs;
    type Output = SnapshotSummary;

    fn run(context: &ToolContext<'_>, _args: NoArgs) -> Result<SnapshotSummary, String> {
        let s = context.snapshot;
        let highest = |level: Severity| s.deals.iter().filter(|d| d.highest_severity == Some(level)).count();
        let open_minor: i64 = s.deals.iter().filter(|d| d.currency == s.currency).map(|d| d.amount_minor).sum();
        let scorecard = s.scorecard(&s.recipient.person_id).map(|c| ScorecardBrief::new(s, c));
        let team = s.team.as_ref().map(|t| TeamTotals {
            manager: t.manager_name.clone(),
            reps: t.reps.len(),
            quota: s.money(t.quota_minor),
            booked: s.money(t.booked_minor),
            attainment: pct_text(crate::engine::risk::numbers::share(t.booked_minor as f64, t.quota_minor as f64)),
        });
        let forecast = s.forecast.as_ref().map(|f| ForecastHeadline {
            p10: s.money(f.p10_minor),
            p50: s.money(f.p50_minor),
            p90: s.money(f.p90_minor),
            target: s.money(f.target_minor),
            commit: s.money(f.commit_minor),
            probability_of_target: pct_text(f.probability_of_target),
        });
        Ok(SnapshotSummary {
            recipient_id: s.recipient.person_id.clone(),
            recipient_name: s.recipient.name.clone(),
            role: s.recipient.role.as_str(),
            scope: s.scope_text(),
            as_of: s.as_of.to_string(),
            period: s.period.clone(),
            currency: s.currency.clone(),
            open_deals: s.deals.len(),
            open_amount: s.money(open_minor),
            deals_flagged_high: highest(Severity::High),
            deals_flagged_warn: highest(Severity::Warn),
            scorecard,
            team,
            forecast,
            finish_with: s.kind.submit_tool(),
        })
    }
}
