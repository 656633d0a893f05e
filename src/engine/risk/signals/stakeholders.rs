//! Buyer-side signals: too few engaged contacts, no senior contact, missing champion or economic
//! buyer, and what the conversation contained (competitor named, red flag, pricing never raised).

use super::{DealContext, Finding, Severity, SignalId};
use crate::domain::ContactRole;

pub(super) fn evaluate(context: &DealContext<'_, '_>, findings: &mut Vec<Finding>) {
    findings.extend(not_multithreaded(context));
    findings.extend(no_power(context));
    findings.extend(missing_roles(context));
    findings.extend(competitor(context));
    findings.extend(red_flag(context));
    findings.extend(pricing_not_discussed(context));
}

fn not_multithreaded(context: &DealContext<'_, '_>) -> Option<Finding> {
    let rule = &context.rules.not_multithreaded;
    if !context.reaches(&rule.gate.from_stage) {
        return None;
    }
    let minimum = context.rules.min_contacts(context.state.stage);
    let engaged = context.engagement.engaged_contacts.len() as u32;
    if engaged >= minimum {
        return None;
    }
    let severity =
        if engaged <= 1 && context.reaches(&rule.gate.high_from_stage) { Severity::High } else { Severity::Warn };
    let mut activities: Vec<u32> = context.engagement.engaged_contacts.iter().map(|(_, a)| *a).collect();
    activities.sort_unstable();
    activities.dedup();
    Some(Finding {
        signal: SignalId::NotMultithreaded,
        severity,
        reason: context.text(|| {
            format!(
                "{engaged} buyer contact{} took part in the last {} days; stage {} expects at least {minimum}; \
             high when one or none from {}.",
                if engaged == 1 { "" } else { "s" },
                rule.lookback_days,
                context.state.stage,
                rule.gate.high_from_stage
            )
        }),
        measure: f64::from(engaged),
        threshold: f64::from(minimum),
        activities,
        history: Vec::new(),
    })
}

fn no_power(context: &DealContext<'_, '_>) -> Option<Finding> {
    let rule = &context.rules.no_power;
    if !context.reaches(&rule.gate.from_stage) {
        return None;
    }
    let most_senior = context.engagement.most_senior;
    if most_senior.is_some_and(|(s, _)| s.is_senior()) {
        return None;
    }
    let severity = if context.reaches(&rule.gate.high_from_stage) { Severity::High } else { Severity::Warn };
    let (seen, activities) = match most_senior {
        Some((seniority, activity)) => (format!("the most senior was {}", seniority.as_str()), vec![activity]),
        None => ("no buyer contact took part at all".to_owned(), Vec::new()),
    };
    Some(Finding {
        signal: SignalId::NoPower,
        severity,
        reason: context.text(|| {
            format!(
                "No C-level or VP buyer contact took part in the last {} days ({seen}) at stage {}; high from {}.",
                rule.lookback_days, context.state.stage, rule.gate.high_from_stage
            )
        }),
        measure: 0.0,
        threshold: 1.0,
        activities,
        history: Vec::new(),
    })
}

fn missing_roles(context: &DealContext<'_, '_>) -> Option<Finding> {
    let gate = &context.rules.missing_roles;
    if !context.reaches(&gate.from_stage) {
        return None;
    }
    let position = context.state.position;
    let has_champion = context.index.roles_of(position).any(|r| r == ContactRole::Champion);
    let has_buyer =
        context.index.roles_of(position).any(|r| matches!(r, ContactRole::EconomicBuyer | ContactRole::DecisionMaker));
    let missing: Vec<&str> = [(!has_champion).then_some("champion"), (!has_buyer).then_some("economic buyer")]
        .into_iter()
        .flatten()
        .collect();
    if missing.is_empty() {
        return None;
    }
    let severity =
        if context.reaches(&gate.high_from_stage) || missing.len() == 2 { Severity::High } else { Severity::Warn };
    Some(Finding {
        signal: SignalId::MissingRoles,
        severity,
        reason: context.text(|| {
            format!(
                "No {} recorded on the deal at stage {}; roles are expected from {} and their absence is high from {}.",
                missing.join(" and no "),
                context.state.stage,
                gate.from_stage,
                gate.high_from_stage
            )
        }),
        measure: missing.len() as f64,
        threshold: 0.0,
        activities: Vec::new(),
        history: Vec::new(),
    })
}

fn competitor(context: &DealContext<'_, '_>) -> Option<Finding> {
    let ids = &context.engagement.competitor_ids;
    let latest = *ids.first()?;
    let name = context.index.competitor_named_in(latest).unwrap_or("a competitor");
    Some(Finding {
        signal: SignalId::CompetitorMentioned,
        severity: if ids.len() >= 2 { Severity::Warn } else { Severity::Info },
        reason: context.text(|| {
            format!(
                "{name} came up in {} conversation{} in the last {} days.",
                ids.len(),
                if ids.len() == 1 { "" } else { "s" },
                context.rules.content.lookback_days
            )
        }),
        measure: ids.len() as f64,
        threshold: 1.0,
        activities: ids.clone(),
        history: Vec::new(),
    })
}

fn red_flag(context: &DealContext<'_, '_>) -> Option<Finding> {
    let ids = &context.engagement.red_flag_ids;
    if ids.is_empty() {
        return None;
    }
    Some(Finding {
        signal: SignalId::RedFlagRaised,
        severity: if ids.len() >= 2 { Severity::High } else { Severity::Warn },
        reason: context.text(|| format!(
            "Red-flag language (a pause, a cancellation, a complaint) appeared in {} conversation{} in the last {} days.",
            ids.len(),
            if ids.len() == 1 { "" } else { "s" },
            context.rules.content.lookback_days
        )),
        measure: ids.len() as f64,
        threshold: 1.0,
        activities: ids.clone(),
        history: Vec::new(),
    })
}

fn pricing_not_discussed(context: &DealContext<'_, '_>) -> Option<Finding> {
    // Without keyword detection on this data set, silence about pricing proves nothing.
    if !context.index.has_keyword_signals || context.engagement.pricing_discussed {
        return None;
    }
    let gate = &context.rules.content.pricing_gate;
    if !context.reaches(&gate.from_stage) {
        return None;
    }
    let severity = if context.reaches(&gate.high_from_stage) { Severity::High } else { Severity::Warn };
    Some(Finding {
        signal: SignalId::PricingNotDiscussed,
        severity,
        reason: context.text(|| {
            format!(
                "Pricing has not come up in any recorded conversation, at stage {}; expected from {}, high from {}.",
                context.state.stage, gate.from_stage, gate.high_from_stage
            )
        }),
        measure: 0.0,
        threshold: 1.0,
        activities: Vec::new(),
        history: Vec::new(),
    })
}
