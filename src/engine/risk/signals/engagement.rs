//! Engagement signals: no recent activity, ghosted, no next meeting, meeting cadence widening
//! and one-sided communication. The first four depend only on silence, so more days without a
//! word can only raise their severity.

use super::{rising, DealContext, Finding, Severity, SignalId};
use crate::engine::risk::numbers::{median, r1};

pub(super) fn evaluate(context: &DealContext<'_, '_>, findings: &mut Vec<Finding>) {
    findings.extend(no_recent_activity(context));
    findings.extend(ghosted(context));
    findings.extend(no_next_meeting(context));
    findings.extend(meeting_cadence_widening(context));
    findings.extend(one_sided(context));
}

fn no_recent_activity(context: &DealContext<'_, '_>) -> Option<Finding> {
    let rules = &context.rules.no_recent_activity;
    let (warn, high) = rules.for_deal(context.state.stage, context.segment);
    let engagement = context.engagement;
    let (days, since, activities) = match engagement.last_touch {
        Some((position, at)) => (context.days_since(at), "the last one", vec![position]),
        None => (context.days_since(context.deal.created_at), "none since the deal was created", Vec::new()),
    };
    let severity = rising(days as f64, f64::from(warn), f64::from(high))?;
    Some(Finding {
        signal: SignalId::NoRecentActivity,
        severity,
        reason: context.text(|| {
            format!(
            "No email, meeting or call with the buyer for {days} days ({since}); warn at {warn}, high at {high} days."
        )
        }),
        measure: days as f64,
        threshold: f64::from(if severity == Severity::High { high } else { warn }),
        activities,
        history: Vec::new(),
    })
}

fn ghosted(context: &DealContext<'_, '_>) -> Option<Finding> {
    let engagement = context.engagement;
    // Silence on both sides is "no recent activity"; ghosting is us writing and them not.
    if engagement.outbound_since_inbound == 0 {
        return None;
    }
    let (warn, high) = context.rules.ghosted.for_deal(context.state.stage, context.segment);
    let (days, heard, mut activities) = match engagement.last_inbound {
        Some((position, at)) => (context.days_since(at), "last heard from", vec![position]),
        None => {
            (context.days_since(context.deal.created_at), "never heard from since the deal was created", Vec::new())
        }
    };
    let severity = rising(days as f64, f64::from(warn), f64::from(high))?;
    activities.extend(engagement.outbound_since_inbound_ids.iter().copied());
    Some(Finding {
        signal: SignalId::Ghosted,
        severity,
        reason: context.text(|| {
            format!(
                "The buyer has not replied for {days} days ({heard}) while we sent {} emails, calls or meetings; \
             warn at {warn}, high at {high} days.",
                engagement.outbound_since_inbound
            )
        }),
        measure: days as f64,
        threshold: f64::from(if severity == Severity::High { high } else { warn }),
        activities,
        history: Vec::new(),
    })
}

fn no_next_meeting(context: &DealContext<'_, '_>) -> Option<Finding> {
    let rule = &context.rules.no_next_meeting;
    if !context.reaches(&rule.gate.from_stage) {
        return None;
    }
    let (warn, high) = rule.days.for_deal(context.state.stage, context.segment);
    let last = context.engagement.meetings.last().copied();
    let (days, activities, what) = match last {
        Some((position, at)) => (context.days_since(at), vec![position], "since the last meeting"),
        None => (context.days_since(context.deal.created_at), Vec::new(), "and no meeting since the deal was created"),
    };
    let severity = rising(days as f64, f64::from(warn), f64::from(high))?;
    Some(Finding {
        signal: SignalId::NoNextMeeting,
        severity,
        reason: context.text(|| format!(
            "No meeting with the buyer on record for {days} days {what}, at stage {}; warn at {warn}, high at {high} days.",
            context.state.stage
        )),
        measure: days as f64,
        threshold: f64::from(if severity == Severity::High { high } else { warn }),
        activities,
        history: Vec::new(),
    })
}

fn meeting_cadence_widening(context: &DealContext<'_, '_>) -> Option<Finding> {
    let rule = &context.rules.meeting_cadence;
    let meetings = &context.engagement.meetings;
    if meetings.len() < rule.min_meetings as usize {
        return None;
    }
    let mut gaps: Vec<f64> = meetings.windows(2).map(|w| (w[1].1 - w[0].1).num_seconds() as f64 / 86_400.0).collect();
    let baseline = median(&mut gaps)?.max(1.0);
    let (_, last_at) = *meetings.last()?;
    // The gap still open today against the deal's usual gap: a cadence that widened once and
    // recovered is not widening now.
    let current = context.days_since(last_at) as f64;
    if current < f64::from(rule.min_gap_days) {
        return None;
    }
    let ratio = current / baseline;
    let severity = rising(ratio, rule.warn_factor, rule.high_factor)?;
    let activities: Vec<u32> = meetings.iter().rev().take(3).map(|(p, _)| *p).collect();
    Some(Finding {
        signal: SignalId::MeetingCadenceWidening,
        severity,
        reason: context.text(|| format!(
            "Meetings used to be {} days apart (median); the current gap is {} days, {}x wider; warn at {}x, high at {}x.",
            r1(baseline),
            r1(current),
            r1(ratio),
            rule.warn_factor,
            rule.high_factor
        )),
        measure: r1(ratio),
        threshold: if severity == Severity::High { rule.high_factor } else { rule.warn_factor },
        activities,
        history: Vec::new(),
    })
}

fn one_sided(context: &DealContext<'_, '_>) -> Option<Finding> {
    let rule = &context.rules.one_sided;
    let engagement = context.engagement;
    let (outbound, inbound) = (engagement.window_outbound, engagement.window_inbound);
    if outbound < rule.min_outbound {
        return None;
    }
    let reply_share = f64::from(inbound) / f64::from(outbound);
    let severity = if inbound == 0 && outbound >= rule.high_min_outbound {
        Severity::High
    } else if reply_share <= rule.warn_reply_share {
        Severity::Warn
    } else {
        return None;
    };
    Some(Finding {
        signal: SignalId::OneSidedCommunication,
        severity,
        reason: context.text(|| {
            format!(
                "In the last {} days we reached out {} and the buyer replied {} ({:.0}% replies); warn at {:.0}% \
             or less, high at no reply to {} or more.",
                rule.lookback_days,
                times(outbound),
                times(inbound),
                reply_share * 100.0,
                rule.warn_reply_share * 100.0,
                rule.high_min_outbound
            )
        }),
        measure: f64::from(outbound),
        threshold: f64::from(rule.min_outbound),
        activities: engagement.window_outbound_ids.clone(),
        history: Vec::new(),
    })
}

/// "once", "twice" or "N times".
fn times(count: u32) -> String {
    match count {
        1 => "once".to_owned(),
        2 => "twice".to_owned(),
        n => format!("{n} times"),
    }
}
