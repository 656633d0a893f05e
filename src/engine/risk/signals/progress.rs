//! Progress signals: stalled in stage (against the won deals' own pace), stage regression,
//! amount decreased, ageing beyond the won-deal age distribution and stale next step.

use super::{rising, DealContext, Finding, Severity, SignalId};
use crate::domain::{Money, MoneyStyle};
use crate::engine::risk::numbers::{percentile_sorted, r1};
use chrono::Duration;

pub(super) fn evaluate(context: &DealContext<'_, '_>, findings: &mut Vec<Finding>) {
    findings.extend(stalled(context));
    findings.extend(regression(context));
    findings.extend(amount_decreased(context));
    findings.extend(ageing(context));
    findings.extend(next_step_stale(context));
}

fn stalled(context: &DealContext<'_, '_>) -> Option<Finding> {
    let rule = &context.rules.stalled_in_stage;
    let stage = context.state.stage;
    let floor = f64::from(context.rules.stalled_floor(stage));
    let days = context.days_since(context.state.stage_entered_at) as f64;
    let learned = context
        .velocity
        .stage(&context.deal.pipeline, stage)
        .filter(|v| v.won_deals >= rule.min_won_deals && v.median_days_in_stage > 0.0);
    let (warn, high, basis) = match learned {
        Some(v) => (
            (rule.warn_multiple * v.median_days_in_stage).max(floor),
            (rule.high_multiple * v.median_days_in_stage).max(floor * rule.high_multiple / rule.warn_multiple),
            format!(
                "won deals spent a median {} days in {stage} ({} deals); warn at {}x that, high at {}x, floor {} days",
                r1(v.median_days_in_stage),
                v.won_deals,
                rule.warn_multiple,
                rule.high_multiple,
                floor
            ),
        ),
        None => (
            floor,
            floor * rule.high_multiple / rule.warn_multiple,
            format!("too few won deals to learn the pace of {stage}; configured floor of {floor} days"),
        ),
    };
    let severity = rising(days, warn, high)?;
    Some(Finding {
        signal: SignalId::StalledInStage,
        severity,
        reason: context.text(|| {
            format!("In stage {stage} for {days} days: {basis}, so warn at {} and high at {} days.", r1(warn), r1(high))
        }),
        measure: days,
        threshold: r1(if severity == Severity::High { high } else { warn }),
        activities: Vec::new(),
        history: context.state.stage_evidence.into_iter().collect(),
    })
}

fn regression(context: &DealContext<'_, '_>) -> Option<Finding> {
    let rule = &context.rules.stage_regression;
    let from = context.as_of - Duration::days(i64::from(rule.lookback_days));
    let recent: Vec<_> = context.state.regressions.iter().filter(|r| r.at >= from).collect();
    let largest = recent.iter().map(|r| r.steps).max()?;
    let severity = if largest >= rule.high_steps as usize { Severity::High } else { Severity::Warn };
    Some(Finding {
        signal: SignalId::StageRegression,
        severity,
        reason: context.text(|| {
            format!(
                "Moved back to an earlier stage {} time{} in the last {} days (largest move {largest} stage{}); \
             high at {} stages back.",
                recent.len(),
                if recent.len() == 1 { "" } else { "s" },
                rule.lookback_days,
                if largest == 1 { "" } else { "s" },
                rule.high_steps
            )
        }),
        measure: largest as f64,
        threshold: f64::from(rule.high_steps),
        activities: Vec::new(),
        history: recent.iter().map(|r| r.history).collect(),
    })
}

fn amount_decreased(context: &DealContext<'_, '_>) -> Option<Finding> {
    let rule = &context.rules.amount_decreased;
    let from = context.as_of - Duration::days(i64::from(rule.lookback_days));
    let recent: Vec<_> = context.state.amount_changes.iter().filter(|c| c.at >= from).collect();
    let peak = recent.iter().map(|c| c.old_minor.max(c.new_minor)).max()?;
    let current = context.state.amount_minor;
    if peak <= 0 || current >= peak {
        return None;
    }
    let drop_percent = (peak - current) as f64 * 100.0 / peak as f64;
    let severity = rising(drop_percent, rule.warn_percent, rule.high_percent)?;
    let currency = context.deal.amount.currency;
    let money = |minor: i64| Money::new(minor, currency).text(MoneyStyle::Whole);
    Some(Finding {
        signal: SignalId::AmountDecreased,
        severity,
        reason: context.text(|| {
            format!(
                "The amount fell {}% in the last {} days, from a peak of {} to {}; warn at {}%, high at {}%.",
                r1(drop_percent),
                rule.lookback_days,
                money(peak),
                money(current),
                rule.warn_percent,
                rule.high_percent
            )
        }),
        measure: r1(drop_percent),
        threshold: if severity == Severity::High { rule.high_percent } else { rule.warn_percent },
        activities: Vec::new(),
        history: recent.iter().filter(|c| c.new_minor < c.old_minor).map(|c| c.history).collect(),
    })
}

fn ageing(context: &DealContext<'_, '_>) -> Option<Finding> {
    let rule = &context.rules.ageing;
    let (ages, own_segment) = context.velocity.won_ages(context.segment, rule.min_won_deals);
    if ages.len() < rule.min_won_deals as usize {
        return None;
    }
    let warn = percentile_sorted(ages, rule.warn_percentile)?;
    let high = percentile_sorted(ages, rule.high_percentile)?;
    let age = context.days_since(context.deal.created_at) as f64;
    let severity = rising(age, warn.max(1.0), high.max(1.0))?;
    let population = match (own_segment, context.segment) {
        (true, Some(segment)) => format!("won deals in segment {segment}"),
        _ => "won deals".to_owned(),
    };
    Some(Finding {
        signal: SignalId::AgeingBeyondWonDeals,
        severity,
        reason: context.text(|| {
            format!(
            "Open for {age} days; {} of {} {population} closed within {} days (the {}th percentile) and {} within {} \
             days (the {}th).",
            (ages.len() as f64 * rule.warn_percentile / 100.0).round(),
            ages.len(),
            r1(warn),
            rule.warn_percentile,
            (ages.len() as f64 * rule.high_percentile / 100.0).round(),
            r1(high),
            rule.high_percentile
        )
        }),
        measure: age,
        threshold: r1(if severity == Severity::High { high } else { warn }),
        activities: Vec::new(),
        history: Vec::new(),
    })
}

fn next_step_stale(context: &DealContext<'_, '_>) -> Option<Finding> {
    let (warn, high) = context.rules.next_step_stale.for_deal(context.state.stage, context.segment);
    let state = context.state;
    let (days, what) = match (state.has_next_step, state.next_step_updated_at) {
        (true, Some(at)) => (context.days_since(at), "The next step was last updated"),
        (false, Some(at)) => (context.days_since(at), "The next step was cleared"),
        (_, None) => (context.days_since(context.deal.created_at), "No next step update on record since creation,"),
    };
    let severity = rising(days as f64, f64::from(warn), f64::from(high))?;
    Some(Finding {
        signal: SignalId::NextStepStale,
        severity,
        reason: context.text(|| format!("{what} {days} days ago; warn at {warn}, high at {high} days.")),
        measure: days as f64,
        threshold: f64::from(if severity == Severity::High { high } else { warn }),
        activities: Vec::new(),
        history: state.next_step_evidence.into_iter().collect(),
    })
}
