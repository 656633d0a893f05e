//! Deal risk signals: stable ids, severities, and the evaluation of every rule for one open
//! deal at `as_of`. Each finding carries a plain-language reason with its numbers and the
//! positions of the activities and history rows behind it; ids are resolved for output.

mod close_date;
mod engagement;
mod optimism;
mod progress;
mod stakeholders;

use super::engagement::Engagement;
use super::index::Index;
use super::rules::RiskConfig;
use super::state::DealState;
use super::velocity::Velocity;
use crate::domain::Deal;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub(crate) use optimism::{over_optimism, CallCheck};

/// Stable identifiers: stored with snapshots and cited by drafts, so never renamed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SignalId {
    NoRecentActivity,
    Ghosted,
    OverdueCloseDate,
    CloseDatePushed,
    CloseDateTooSoon,
    StalledInStage,
    StageRegression,
    NotMultithreaded,
    NoPower,
    MissingRoles,
    NoNextMeeting,
    MeetingCadenceWidening,
    OneSidedCommunication,
    AmountDecreased,
    AgeingBeyondWonDeals,
    NextStepStale,
    ForecastOverOptimistic,
    CompetitorMentioned,
    RedFlagRaised,
    PricingNotDiscussed,
}

impl SignalId {
    pub const ALL: [SignalId; 20] = [
        SignalId::NoRecentActivity,
        SignalId::Ghosted,
        SignalId::OverdueCloseDate,
        SignalId::CloseDatePushed,
        SignalId::CloseDateTooSoon,
        SignalId::StalledInStage,
        SignalId::StageRegression,
        SignalId::NotMultithreaded,
        SignalId::NoPower,
        SignalId::MissingRoles,
        SignalId::NoNextMeeting,
        SignalId::MeetingCadenceWidening,
        SignalId::OneSidedCommunication,
        SignalId::AmountDecreased,
        SignalId::AgeingBeyondWonDeals,
        SignalId::NextStepStale,
        SignalId::ForecastOverOptimistic,
        SignalId::CompetitorMentioned,
        SignalId::RedFlagRaised,
        SignalId::PricingNotDiscussed,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            SignalId::NoRecentActivity => "no_recent_activity",
            SignalId::Ghosted => "ghosted",
            SignalId::OverdueCloseDate => "overdue_close_date",
            SignalId::CloseDatePushed => "close_date_pushed",
            SignalId::CloseDateTooSoon => "close_date_too_soon",
            SignalId::StalledInStage => "stalled_in_stage",
            SignalId::StageRegression => "stage_regression",
            SignalId::NotMultithreaded => "not_multithreaded",
            SignalId::NoPower => "no_power",
            SignalId::MissingRoles => "missing_roles",
            SignalId::NoNextMeeting => "no_next_meeting",
            SignalId::MeetingCadenceWidening => "meeting_cadence_widening",
            SignalId::OneSidedCommunication => "one_sided_communication",
            SignalId::AmountDecreased => "amount_decreased",
            SignalId::AgeingBeyondWonDeals => "ageing_beyond_won_deals",
            SignalId::NextStepStale => "next_step_stale",
            SignalId::ForecastOverOptimistic => "forecast_over_optimistic",
            SignalId::CompetitorMentioned => "competitor_mentioned",
            SignalId::RedFlagRaised => "red_flag_raised",
            SignalId::PricingNotDiscussed => "pricing_not_discussed",
        }
    }

    /// Signals driven only by how long nobody has heard from whom.
    pub fn is_silence(&self) -> bool {
        matches!(
            self,
            SignalId::NoRecentActivity | SignalId::Ghosted | SignalId::NoNextMeeting | SignalId::MeetingCadenceWidening
        )
    }

    pub fn position(&self) -> usize {
        Self::ALL.iter().position(|s| s == self).unwrap_or(0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Warn,
    High,
}

impl Severity {
    pub fn as_str(&self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warn => "warn",
            Severity::High => "high",
        }
    }

    /// The severity as a model input: 0 (none) to 1 (high).
    pub fn weight(severity: Option<Severity>) -> f64 {
        match severity {
            None => 0.0,
            Some(Severity::Info) => 0.25,
            Some(Severity::Warn) => 0.5,
            Some(Severity::High) => 1.0,
        }
    }
}

/// A rule that fired, in compact form: row positions instead of ids.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Finding {
    pub signal: SignalId,
    pub severity: Severity,
    pub reason: String,
    /// The number the rule measured (days, count, percent or ratio) and the threshold it passed.
    pub measure: f64,
    pub threshold: f64,
    pub activities: Vec<u32>,
    pub history: Vec<u32>,
}

/// Everything one rule may look at.
pub(crate) struct DealContext<'c, 'a> {
    pub index: &'c Index<'a>,
    pub rules: &'c RiskConfig,
    pub velocity: &'c Velocity<'a>,
    pub as_of: DateTime<Utc>,
    pub deal: &'a Deal,
    pub state: &'c DealState<'a>,
    pub engagement: &'c Engagement,
    pub segment: Option<&'a str>,
    /// Write the reasons; off for the past snapshots the model learns from, which no one reads.
    pub explain: bool,
}

impl DealContext<'_, '_> {
    /// Whether the deal's stage has reached `gate`.
    pub(crate) fn reaches(&self, gate: &str) -> bool {
        self.index.reaches(&self.deal.pipeline, self.state.stage, gate)
    }

    /// The reason text, written only when it will be read.
    pub(crate) fn text(&self, write: impl FnOnce() -> String) -> String {
        if self.explain {
            write()
        } else {
            String::new()
        }
    }

    /// Whole days from `at` to `as_of`.
    pub(crate) fn days_since(&self, at: DateTime<Utc>) -> i64 {
        (self.as_of - at).num_days().max(0)
    }
}

/// Severity for a measure that grows worse as it rises.
pub(crate) fn rising(measure: f64, warn: f64, high: f64) -> Option<Severity> {
    if measure >= high {
        Some(Severity::High)
    } else if measure >= warn {
        Some(Severity::Warn)
    } else {
        None
    }
}

/// Every rule for an open deal, in the order of [`SignalId::ALL`]. The forecast-call check
/// needs the win probability, so it runs later: see [`over_optimism`].
pub(crate) fn evaluate(context: &DealContext<'_, '_>) -> Vec<Finding> {
    let mut findings = Vec::new();
    engagement::evaluate(context, &mut findings);
    close_date::evaluate(context, &mut findings);
    progress::evaluate(context, &mut findings);
    stakeholders::evaluate(context, &mut findings);
    findings.sort_by_key(|f| f.signal.position());
    findings
}
