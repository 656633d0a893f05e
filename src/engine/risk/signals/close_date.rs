//! Close-date signals: overdue, pushed (count and total days), and too soon for the stage given
//! how long the organisation's won deals took from this stage to close.

use super::{rising, DealContext, Finding, Severity, SignalId};
use crate::engine::risk::numbers::r1;

pub(super) fn evaluate(context: &DealContext<'_, '_>, findings: &mut Vec<Finding>) {
    findings.extend(overdue(context));
    findings.extend(pushed(context));
    findings.extend(too_soon(context));
}

fn overdue(context: &DealContext<'_, '_>) -> Option<Finding> {
    let close_date = context.state.close_date?;
    let days = (context.as_of.date_naive() - close_date).num_days();
    let (warn, high) = context.rules.overdue_close_date.for_deal(context.state.stage, context.segment);
    let severity = rising(days as f64, f64::from(warn), f64::from(high))?;
    Some(Finding {
        signal: SignalId::OverdueCloseDate,
        severity,
        reason: context.text(|| {
            format!(
                "The close date {close_date} passed {days} days ago and the deal is still open at stage {}; \
             warn at {warn}, high at {high} days.",
                context.state.stage
            )
        }),
        measure: days as f64,
        threshold: f64::from(if severity == Severity::High { high } else { warn }),
        activities: Vec::new(),
        history: context.state.close_date_evidence.into_iter().collect(),
    })
}

fn pushed(context: &DealContext<'_, '_>) -> Option<Finding> {
    let pushes = &context.state.pushes;
    if pushes.is_empty() {
        return None;
    }
    let rule = &context.rules.close_date_pushed;
    let count = pushes.len() as f64;
    let total_days: i64 = pushes.iter().map(|p| p.days).sum();
    let by_count = rising(count, f64::from(rule.warn_count), f64::from(rule.high_count));
    let by_days = rising(total_days as f64, f64::from(rule.warn_total_days), f64::from(rule.high_total_days));
    let severity = by_count.max(by_days).unwrap_or(Severity::Info);
    Some(Finding {
        signal: SignalId::CloseDatePushed,
        severity,
        reason: context.text(|| {
            format!(
                "The close date was pushed {} time{} by {total_days} days in total; warn at {} pushes or {} days, \
             high at {} pushes or {} days.",
                pushes.len(),
                if pushes.len() == 1 { "" } else { "s" },
                rule.warn_count,
                rule.warn_total_days,
                rule.high_count,
                rule.high_total_days
            )
        }),
        measure: count,
        threshold: f64::from(rule.warn_count),
        activities: Vec::new(),
        history: pushes.iter().map(|p| p.history).collect(),
    })
}

fn too_soon(context: &DealContext<'_, '_>) -> Option<Finding> {
    let rule = &context.rules.close_date_too_soon;
    let close_date = context.state.close_date?;
    let days_left = (close_date - context.as_of.date_naive()).num_days();
    // An overdue close date is its own signal.
    if days_left < 0 {
        return None;
    }
    let velocity = context.velocity.stage(&context.deal.pipeline, context.state.stage)?;
    if velocity.won_deals < rule.min_won_deals {
        return None;
    }
    let days_in_stage = context.days_since(context.state.stage_entered_at) as f64;
    let expected = (velocity.median_days_to_close - days_in_stage).max(0.0);
    // Under a week of expected runway is too little to judge.
    if expected < 7.0 {
        return None;
    }
    let ratio = days_left as f64 / expected;
    let severity = if ratio <= rule.high_ratio {
        Severity::High
    } else if ratio <= rule.warn_ratio {
        Severity::Warn
    } else {
        return None;
    };
    Some(Finding {
        signal: SignalId::CloseDateTooSoon,
        severity,
        reason: context.text(|| {
            format!(
            "The close date {close_date} is {days_left} days away, but won deals took a median {} days from entering \
             {} to closing ({} of them) and this one has been there {} days, so about {} days remain; \
             warn under {:.0}%, high under {:.0}% of that.",
            r1(velocity.median_days_to_close),
            context.state.stage,
            velocity.won_deals,
            r1(days_in_stage),
            r1(expected),
            rule.warn_ratio * 100.0,
            rule.high_ratio * 100.0
        )
        }),
        measure: r1(ratio),
        threshold: if severity == Severity::High { rule.high_ratio } else { rule.warn_ratio },
        activities: Vec::new(),
        history: context.state.close_date_evidence.into_iter().collect(),
    })
}
