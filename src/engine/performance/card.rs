//! The scorecard metrics performance management reads, by stable key, with their direction and
//! formatting: the one place that knows the shape of [`Scorecard`].

use super::stats::median_f64;
use crate::engine::risk::Scorecard;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum MetricKey {
    Attainment,
    Pace,
    Coverage,
    WinRate,
    CycleDays,
    AverageDeal,
    ActivityTrend,
    HighRiskShare,
    OverdueCloseDates,
    StaleNextSteps,
}

impl MetricKey {
    pub(crate) fn as_str(&self) -> &'static str {
        match self {
            MetricKey::Attainment => "attainment",
            MetricKey::Pace => "pace",
            MetricKey::Coverage => "coverage",
            MetricKey::WinRate => "win_rate",
            MetricKey::CycleDays => "cycle_days",
            MetricKey::AverageDeal => "average_deal",
            MetricKey::ActivityTrend => "activity_trend",
            MetricKey::HighRiskShare => "high_risk_share",
            MetricKey::OverdueCloseDates => "overdue_close_dates",
            MetricKey::StaleNextSteps => "stale_next_steps",
        }
    }

    pub(crate) fn label(&self) -> &'static str {
        match self {
            MetricKey::Attainment => "attainment of quota",
            MetricKey::Pace => "pace to quota",
            MetricKey::Coverage => "pipeline coverage of the remaining quota",
            MetricKey::WinRate => "win rate",
            MetricKey::CycleDays => "median sales cycle",
            MetricKey::AverageDeal => "average won deal",
            MetricKey::ActivityTrend => "activity trend on own deals",
            MetricKey::HighRiskShare => "share of open pipeline flagged high-risk",
            MetricKey::OverdueCloseDates => "open deals past their close date",
            MetricKey::StaleNextSteps => "open deals with a stale next step",
        }
    }

    pub(crate) fn higher_is_better(&self) -> bool {
        !matches!(
            self,
            MetricKey::CycleDays | MetricKey::HighRiskShare | MetricKey::OverdueCloseDates | MetricKey::StaleNextSteps
        )
    }

    /// The value and the sentence saying how the scorecard computed it.
    pub(crate) fn read(&self, card: &Scorecard) -> (f64, String) {
        match self {
            MetricKey::Attainment => (card.attainment.value, card.attainment.how.clone()),
            MetricKey::Pace => (card.pace.value, card.pace.how.clone()),
            MetricKey::Coverage => (card.coverage.value, card.coverage.how.clone()),
            MetricKey::WinRate => (card.win_rate.value, card.win_rate.how.clone()),
            MetricKey::CycleDays => (card.cycle_days.value, card.cycle_days.how.clone()),
            MetricKey::AverageDeal => (card.average_deal_minor.value, card.average_deal_minor.how.clone()),
            MetricKey::ActivityTrend => (card.activity_trend.value, card.activity_trend.how.clone()),
            MetricKey::HighRiskShare => (card.high_risk_share.value, card.high_risk_share.how.clone()),
            MetricKey::OverdueCloseDates => (f64::from(card.hygiene.overdue_close_dates), card.hygiene.how.clone()),
            MetricKey::StaleNextSteps => (f64::from(card.hygiene.stale_next_steps), card.hygiene.how.clone()),
        }
    }

    pub(crate) fn value(&self, card: &Scorecard) -> f64 {
        self.read(card).0
    }

    /// The value as a person reads it: `85%`, `2.4x`, `41 days`, `3`.
    pub(crate) fn format(&self, value: f64) -> String {
        match self {
            MetricKey::Attainment
            | MetricKey::Pace
            | MetricKey::WinRate
            | MetricKey::HighRiskShare
            | MetricKey::ActivityTrend => {
                format!("{:.0}%", value * 100.0)
            }
            MetricKey::Coverage => format!("{value:.1}x"),
            MetricKey::CycleDays => format!("{value:.0} days"),
            MetricKey::AverageDeal => format!("{:.0} (minor units)", value),
            MetricKey::OverdueCloseDates | MetricKey::StaleNextSteps => format!("{value:.0}"),
        }
    }

    /// Whether `value` is at least as good as `target`.
    pub(crate) fn meets(&self, value: f64, target: f64) -> bool {
        // A rounding hair must not fail a target that reads as met.
        let tolerance = 1e-9;
        if self.higher_is_better() {
            value + tolerance >= target
        } else {
            value <= target + tolerance
        }
    }
}

/// The median of a metric over a team's scorecards.
pub(crate) fn team_median(team: &[&Scorecard], key: MetricKey) -> Option<f64> {
    let values: Vec<f64> = team.iter().map(|c| key.value(c)).collect();
    median_f64(&values)
}
