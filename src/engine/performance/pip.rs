//! Improvement plans. A cause analysis (ramp, territory, pipeline quality, skill) comes first,
//! from the rep's scorecard against the team's; only then is a plan proposed, with measures
//! taken from the scorecard, a target and a due date each; weekly check-ins read the live
//! scorecard and say, per measure, whether it is met, on track or behind.

use super::card::{team_median, MetricKey};
use crate::engine::risk::Scorecard;
use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum CauseKey {
    Ramp,
    Territory,
    PipelineQuality,
    Skill,
}

impl CauseKey {
    pub(crate) fn label(&self) -> &'static str {
        match self {
            CauseKey::Ramp => "Ramp (time in seat)",
            CauseKey::Territory => "Territory (enough opportunity to sell)",
            CauseKey::PipelineQuality => "Pipeline quality",
            CauseKey::Skill => "Skill (converting opportunity)",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Verdict {
    Unlikely,
    Possible,
    Likely,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Cause {
    pub key: CauseKey,
    pub verdict: Verdict,
    /// Each finding names the figures it rests on.
    pub findings: Vec<String>,
}

/// What the analysis needs beyond the scorecards.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct PipSettings {
    pub weeks: u32,
    pub ramp_months: u32,
    pub target_coverage: f64,
}

impl Default for PipSettings {
    fn default() -> Self {
        Self { weeks: 8, ramp_months: 6, target_coverage: 3.0 }
    }
}

fn compare(card: &Scorecard, team: &[&Scorecard], key: MetricKey) -> (f64, Option<f64>, String) {
    let value = key.value(card);
    let median = team_median(team, key);
    let text = match median {
        Some(m) => format!("{} {} against a team median of {}", key.label(), key.format(value), key.format(m)),
        None => format!("{} {}", key.label(), key.format(value)),
    };
    (value, median, text)
}

/// Why the rep may be behind, each cause with a verdict and the figures behind it.
pub(crate) fn analyse_causes(
    card: &Scorecard,
    team: &[&Scorecard],
    tenure_months: u32,
    settings: &PipSettings,
) -> Vec<Cause> {
    let mut causes = Vec::new();
    let ramping = tenure_months < settings.ramp_months;
    causes.push(Cause {
        key: CauseKey::Ramp,
        verdict: if ramping { Verdict::Likely } else { Verdict::Unlikely },
        findings: vec![format!(
            "{tenure_months} month(s) since the first deal against a ramp of {} months.",
            settings.ramp_months
        )],
    });

    let (coverage, coverage_median, coverage_text) = compare(card, team, MetricKey::Coverage);
    let (trend, _, trend_text) = compare(card, team, MetricKey::ActivityTrend);
    let thin = coverage < settings.target_coverage && coverage_median.is_none_or(|m| coverage < 0.75 * m);
    // Thin pipeline with steady effort points at the territory; with falling effort, at the rep.
    let territory = match (thin, trend >= -0.1) {
        (true, true) => Verdict::Likely,
        (true, false) => Verdict::Possible,
        _ => Verdict::Unlikely,
    };
    causes.push(Cause {
        key: CauseKey::Territory,
        verdict: territory,
        findings: vec![
            format!("{coverage_text}; the target is {:.1}x.", settings.target_coverage),
            format!("{trend_text}."),
        ],
    });

    let (risk, risk_median, risk_text) = compare(card, team, MetricKey::HighRiskShare);
    let (overdue, _, overdue_text) = compare(card, team, MetricKey::OverdueCloseDates);
    let quality = if risk > risk_median.unwrap_or(0.0) + 0.15 || overdue >= 3.0 {
        Verdict::Likely
    } else if risk > risk_median.unwrap_or(0.0) || overdue >= 1.0 {
        Verdict::Possible
    } else {
        Verdict::Unlikely
    };
    causes.push(Cause {
        key: CauseKey::PipelineQuality,
        verdict: quality,
        findings: vec![format!("{risk_text}."), format!("{overdue_text}.")],
    });

    let (win, win_median, win_text) = compare(card, team, MetricKey::WinRate);
    let (cycle, cycle_median, cycle_text) = compare(card, team, MetricKey::CycleDays);
    let slow = cycle_median.is_some_and(|m| m > 0.0 && cycle > 1.3 * m);
    let losing = win_median.is_some_and(|m| win < 0.75 * m);
    let skill = match (losing, slow) {
        (true, _) if !ramping => Verdict::Likely,
        (true, _) | (false, true) => Verdict::Possible,
        _ => Verdict::Unlikely,
    };
    causes.push(Cause {
        key: CauseKey::Skill,
        verdict: skill,
        findings: vec![format!("{win_text}."), format!("{cycle_text}.")],
    });
    causes
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct PlanMeasure {
    pub key: MetricKey,
    pub label: String,
    pub baseline: f64,
    pub target: f64,
    pub due: NaiveDate,
    pub why: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum PlanKind {
    /// Time in seat explains the gap: support, not a performance process.
    RampSupport,
    Improvement,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct ImprovementPlan {
    pub id: String,
    pub person_id: String,
    pub name: String,
    pub manager_id: Option<String>,
    pub kind: PlanKind,
    pub created_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub scorecard_period: String,
    /// The cause analysis, always before the measures.
    pub causes: Vec<Cause>,
    pub measures: Vec<PlanMeasure>,
    pub check_in_dates: Vec<NaiveDate>,
}

/// Proposes a plan after the cause analysis; measures follow the likely causes.
pub(crate) fn propose(
    card: &Scorecard,
    team: &[&Scorecard],
    causes: &[Cause],
    created_on: NaiveDate,
    settings: &PipSettings,
) -> ImprovementPlan {
    let weeks = settings.weeks.clamp(2, 26);
    let ends_on = created_on + Duration::weeks(i64::from(weeks));
    let week = |n: u32| created_on + Duration::weeks(i64::from(n.min(weeks)));
    let likely = |key: CauseKey| causes.iter().any(|c| c.key == key && c.verdict == Verdict::Likely);
    let possible = |key: CauseKey| causes.iter().any(|c| c.key == key && c.verdict >= Verdict::Possible);
    let ramp_only = likely(CauseKey::Ramp) && !likely(CauseKey::Skill) && !likely(CauseKey::PipelineQuality);
    let mut measures: Vec<PlanMeasure> = Vec::new();
    let mut add = |key: MetricKey, target: f64, due: NaiveDate, why: String| {
        let baseline = key.value(card);
        // A target already met is no measure of improvement.
        if measures.iter().all(|m| m.key != key) && !key.meets(baseline, target) {
            measures.push(PlanMeasure { key, label: key.label().to_owned(), baseline, target, due, why });
        }
    };
    let median = |key: MetricKey| team_median(team, key);
    if possible(CauseKey::PipelineQuality) {
        add(
            MetricKey::OverdueCloseDates,
            0.0,
            week(2),
            "Every open deal gets a close date the buyer has confirmed.".to_owned(),
        );
        if let Some(m) = median(MetricKey::HighRiskShare) {
            add(
                MetricKey::HighRiskShare,
                m,
                week(4),
                format!("High-risk share down to the team median of {}.", MetricKey::HighRiskShare.format(m)),
            );
        }
    }
    if possible(CauseKey::Territory) || ramp_only {
        let target = if ramp_only { (settings.target_coverage * 2.0 / 3.0).max(1.0) } else { settings.target_coverage };
        add(MetricKey::Coverage, target, week(4), format!("Build pipeline to {target:.1}x the remaining quota."));
    }
    if ramp_only {
        add(
            MetricKey::ActivityTrend,
            0.0,
            week(2),
            "Keep activity on own deals at least flat week on week.".to_owned(),
        );
    }
    if possible(CauseKey::Skill) {
        if let Some(m) = median(MetricKey::WinRate) {
            add(
                MetricKey::WinRate,
                m,
                week(weeks),
                format!("Win rate up to the team median of {}.", MetricKey::WinRate.format(m)),
            );
        }
    }
    if !ramp_only {
        let baseline = MetricKey::Pace.value(card);
        add(
            MetricKey::Pace,
            baseline.max(0.85),
            week(weeks),
            "Pace to quota at 85% or better by the end of the plan.".to_owned(),
        );
    }
    ImprovementPlan {
        id: format!("pip:{}:{created_on}", card.person_id),
        person_id: card.person_id.clone(),
        name: card.name.clone(),
        manager_id: card.manager_id.clone(),
        kind: if ramp_only { PlanKind::RampSupport } else { PlanKind::Improvement },
        created_on,
        ends_on,
        scorecard_period: card.period.clone(),
        causes: causes.to_vec(),
        measures,
        check_in_dates: (1..=weeks).map(week).collect(),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum MeasureStatus {
    Met,
    OnTrack,
    Behind,
    Missed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct MeasureCheck {
    pub key: MetricKey,
    pub baseline: String,
    pub expected: String,
    pub current: String,
    pub target: String,
    pub due: NaiveDate,
    pub status: MeasureStatus,
    pub how: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct CheckIn {
    pub plan_id: String,
    pub as_of: NaiveDate,
    pub week: u32,
    pub measures: Vec<MeasureCheck>,
    pub summary: String,
}

/// A check-in from the live scorecard at `as_of`. On track means at least as good as a straight
/// line from the baseline to the target by the due date.
pub(crate) fn check_in(plan: &ImprovementPlan, card: &Scorecard, as_of: NaiveDate) -> CheckIn {
    let days_in = (as_of - plan.created_on).num_days().max(0);
    let week = u32::try_from(days_in / 7).unwrap_or(u32::MAX);
    let mut measures = Vec::new();
    for measure in &plan.measures {
        let (current, how) = measure.key.read(card);
        let span = (measure.due - plan.created_on).num_days().max(1) as f64;
        let elapsed = ((as_of - plan.created_on).num_days().max(0) as f64 / span).min(1.0);
        let expected = measure.baseline + (measure.target - measure.baseline) * elapsed;
        let met = measure.key.meets(current, measure.target);
        let status = if met {
            MeasureStatus::Met
        } else if as_of >= measure.due {
            MeasureStatus::Missed
        } else if measure.key.meets(current, expected) {
            MeasureStatus::OnTrack
        } else {
            MeasureStatus::Behind
        };
        let f = |v: f64| measure.key.format(v);
        measures.push(MeasureCheck {
            key: measure.key,
            baseline: f(measure.baseline),
            expected: f(expected),
            current: f(current),
            target: f(measure.target),
            due: measure.due,
            status,
            how,
        });
    }
    let count = |s: MeasureStatus| measures.iter().filter(|m| m.status == s).count();
    let summary = format!(
        "Week {week} of {}: {} met, {} on track, {} behind, {} missed.",
        plan.check_in_dates.len(),
        count(MeasureStatus::Met),
        count(MeasureStatus::OnTrack),
        count(MeasureStatus::Behind),
        count(MeasureStatus::Missed)
    );
    CheckIn { plan_id: plan.id.clone(), as_of, week, measures, summary }
}

#[cfg(test)]
#[path = "pip_tests.rs"]
mod tests;
