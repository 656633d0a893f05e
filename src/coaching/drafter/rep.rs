//! The template rep nudge: the few deals that most need action, each with what is wrong, the
//! evidence, why it matters and one next step; progress to quota; the bonus basis; one thing
//! going well.

use super::next_step_for;
use crate::coaching::drafts::{DealAction, RepNudge};
use crate::coaching::snapshot::Snapshot;
use crate::coaching::tools::{attainment_added, bonus_basis};
use crate::engine::risk::numbers::pct_text;
use crate::engine::risk::{DealRisk, Flag};

/// Deals a nudge names: a few, so the rep acts on them.
const DEALS_IN_NUDGE: usize = 3;

fn worst_flags(deal: &DealRisk) -> Vec<&Flag> {
    let mut flags: Vec<&Flag> = deal.flags.iter().collect();
    flags.sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| a.signal.cmp(&b.signal)));
    flags
}

fn deal_action(snapshot: &Snapshot, deal: &DealRisk) -> DealAction {
    let flags = worst_flags(deal);
    let what_is_wrong =
        flags.iter().take(2).map(|f| format!("{}.", f.reason.trim_end_matches('.'))).collect::<Vec<_>>().join(" ");
    let timing = match deal.close_date {
        Some(date) => format!("closing {date}"),
        None => "with no close date".to_owned(),
    };
    let mut why = format!(
        "{} {timing}, called {}, with a {} chance to win.",
        snapshot.money(deal.amount_minor),
        deal.forecast_category.as_str().replace('_', " "),
        pct_text(deal.win_probability)
    );
    if let Some(added) = attainment_added(snapshot, deal) {
        why.push_str(&format!(" Winning it adds {} to your attainment.", pct_text(added)));
    }
    DealAction {
        deal_id: deal.deal_id.clone(),
        deal_name: deal.name.clone(),
        what_is_wrong,
        evidence: flags.iter().take(3).map(|f| f.signal.as_str().to_owned()).collect(),
        why_it_matters: why,
        next_step: flags
            .first()
            .map(|f| next_step_for(f.signal))
            .unwrap_or("Confirm the next step with the buyer.")
            .to_owned(),
    }
}

fn going_well(snapshot: &Snapshot) -> String {
    let clean = snapshot
        .deals
        .iter()
        .filter(|d| d.flags.is_empty())
        .max_by(|a, b| a.win_probability.total_cmp(&b.win_probability).then_with(|| b.deal_id.cmp(&a.deal_id)));
    if let Some(deal) = clean {
        return format!(
            "{} carries no risk flag and has a {} chance to win.",
            deal.name,
            pct_text(deal.win_probability)
        );
    }
    match snapshot.scorecard(&snapshot.recipient.person_id) {
        Some(card) if card.booked_minor > 0 => {
            format!("You have booked {} so far in {}.", snapshot.money(card.booked_minor), card.period)
        }
        Some(card) if card.win_rate.value > 0.0 => format!("Your win rate: {}", card.win_rate.how),
        _ => "You keep your deals moving through the pipeline.".to_owned(),
    }
}

pub(super) fn nudge(snapshot: &Snapshot) -> RepNudge {
    let deals: Vec<DealAction> =
        snapshot.deals_by_urgency().into_iter().take(DEALS_IN_NUDGE).map(|d| deal_action(snapshot, d)).collect();
    let headline = match deals.first() {
        Some(first) => format!("{} deals need action this week, {} first.", deals.len(), first.deal_name),
        None => "No deal is flagged this week; keep the pipeline moving.".to_owned(),
    };
    let card = snapshot.scorecard(&snapshot.recipient.person_id);
    let quota_progress = match card {
        Some(card) if card.quota_minor > 0 => format!(
            "Booked {} against a {} quota for {}: {} attainment, pace {:.2} (1.00 is on pace), coverage {}x of the quota still to book.",
            snapshot.money(card.booked_minor),
            snapshot.money(card.quota_minor),
            card.period,
            pct_text(card.attainment.value),
            card.pace.value,
            card.coverage.value
        ),
        _ => format!("No quota is recorded for you in {}.", snapshot.period),
    };
    let bonus_outlook = match card {
        Some(card) => format!(
            "Your bonus is calculated by the compensation plan from {}. Closing the deals above on their merits is what moves it.",
            bonus_basis(snapshot, card)
        ),
        None => "No quota is recorded, so there is no attainment basis for a bonus outlook.".to_owned(),
    };
    RepNudge { headline, deals, quota_progress, bonus_outlook, going_well: going_well(snapshot) }
}
