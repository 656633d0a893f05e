//! Forecast over-optimism: a commit or best-case call that the stage or the fitted win
//! probability does not support. It runs after the win model, whose probability is the weight
//! of all the other evidence.

use super::{Finding, Severity, SignalId};
use crate::domain::ForecastCategory;
use crate::engine::risk::index::Index;
use crate::engine::risk::numbers::pct_text;
use crate::engine::risk::rules::RiskConfig;
use crate::engine::risk::state::DealState;

/// What the check reads for one open deal.
pub(crate) struct CallCheck<'c, 'a> {
    pub index: &'c Index<'a>,
    pub rules: &'c RiskConfig,
    pub pipeline: &'c str,
    pub state: &'c DealState<'a>,
    pub findings: &'c [Finding],
    /// Fitted probability of winning inside the period for a deal due in it, else by its
    /// close date.
    pub call_probability: f64,
    pub explain: bool,
}

pub(crate) fn over_optimism(check: &CallCheck<'_, '_>) -> Option<Finding> {
    let rule = &check.rules.over_optimism;
    let state = check.state;
    let (severity, min_stage, min_probability) = match state.forecast_category {
        ForecastCategory::Commit => (Severity::High, &rule.commit_min_stage, rule.commit_min_probability),
        ForecastCategory::BestCase => (Severity::Warn, &rule.best_case_min_stage, rule.best_case_min_probability),
        _ => return None,
    };
    let mut reasons = Vec::new();
    if !check.index.reaches(check.pipeline, state.stage, min_stage) {
        reasons.push(format!("stage {} is before {min_stage}", state.stage));
    }
    if check.call_probability < min_probability {
        reasons.push(format!(
            "the fitted chance of winning it as called is {} against the {} the call needs",
            pct_text(check.call_probability),
            pct_text(min_probability)
        ));
    }
    if reasons.is_empty() {
        return None;
    }
    // A stale next step is record keeping, not evidence about the buyer.
    let high: Vec<&Finding> =
        check.findings.iter().filter(|f| f.severity == Severity::High && f.signal != SignalId::NextStepStale).collect();
    let mut activities: Vec<u32> = high.iter().flat_map(|f| f.activities.iter().copied()).collect();
    let mut history: Vec<u32> = high.iter().flat_map(|f| f.history.iter().copied()).collect();
    history.extend(state.forecast_evidence);
    activities.sort_unstable();
    activities.dedup();
    history.sort_unstable();
    history.dedup();
    let reason = if check.explain {
        let names: Vec<&str> = high.iter().map(|f| f.signal.as_str()).collect();
        format!(
            "Called {} but {}{}.",
            state.forecast_category.as_str(),
            reasons.join(" and "),
            if names.is_empty() { String::new() } else { format!("; high flags: {}", names.join(", ")) }
        )
    } else {
        String::new()
    };
    Some(Finding {
        signal: SignalId::ForecastOverOptimistic,
        severity,
        reason,
        measure: check.call_probability,
        threshold: min_probability,
        activities,
        history,
    })
}
