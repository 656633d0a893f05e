//! The what-if estimator: "if deal D closes at amount A on day T, your pay for that period
//! changes by X, because of these lines". Pure: it recomputes the statement with and without
//! the hypothetical close and compares line by line. A rep nudge calls [`what_if`] or
//! [`slip_cost`] to say what a slipping deal costs.

use super::facts::{won_deals, WonDeal};
use super::inputs::{gather_from, period_like, GatherRequest};
use super::settle::calculate;
use super::statement::{Line, Statement};
use super::CompError;
use crate::domain::{Dataset, Money};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scenario {
    pub deal_id: String,
    pub amount: Money,
    pub close_on: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineChange {
    pub key: String,
    pub label: String,
    pub before_minor: i64,
    pub after_minor: i64,
    pub change_minor: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WhatIf {
    pub person_id: String,
    pub scenario: Scenario,
    pub deal_name: String,
    pub period: String,
    /// The statement day both sides are computed at: the later of `as_of` and the close.
    pub computed_as_of: NaiveDate,
    pub earned_before_minor: i64,
    pub earned_after_minor: i64,
    pub earned_change_minor: i64,
    pub payable_before_minor: i64,
    pub payable_after_minor: i64,
    pub payable_change_minor: i64,
    /// Only the lines that change.
    pub lines: Vec<LineChange>,
    pub summary: String,
}

/// The deal as if won on `close_on` at `amount`, with its splits, products and revenue.
fn hypothetical(data: &Dataset, won: &[WonDeal], scenario: &Scenario) -> Result<WonDeal, CompError> {
    let deal = data
        .deals
        .iter()
        .find(|d| d.id.as_str() == scenario.deal_id)
        .ok_or_else(|| CompError::UnknownDeal(scenario.deal_id.clone()))?;
    let account = deal.account_id.as_ref().map(|a| a.to_string());
    let already_client = account.as_ref().is_some_and(|account| {
        won.iter().any(|w| {
            w.deal_id != scenario.deal_id
                && w.account_id.as_ref() == Some(account)
                && w.won_on <= scenario.close_on
                && w.cancelled_on.is_none_or(|c| c > scenario.close_on)
        })
    });
    let new_logo = account.is_some() && !already_client;
    Ok(WonDeal {
        new_logo,
        deal_id: deal.id.to_string(),
        name: deal.name.clone(),
        owner_id: deal.owner_id.to_string(),
        account_id: account,
        won_on: scenario.close_on,
        amount: scenario.amount,
        revenue: deal.revenue,
        products: deal.products.clone(),
        splits: deal.effective_splits(),
        cancelled_on: None,
    })
}

fn line_amounts(statement: &Statement) -> BTreeMap<&str, (&Line, i64)> {
    statement.lines.iter().map(|l| (l.key.as_str(), (l, l.amount_minor))).collect()
}

/// How `request.person_id`'s pay for the period containing `scenario.close_on` changes if the
/// deal closes as described (instead of not closing in that period at all). `request.period`
/// only gives the period length (quarter or year).
pub fn what_if(data: &Dataset, request: &GatherRequest<'_>, scenario: &Scenario) -> Result<WhatIf, CompError> {
    let won = won_deals(data, request.as_of);
    let hypothetical = hypothetical(data, &won, scenario)?;
    if hypothetical.share_of(request.person_id).is_none() {
        return Err(CompError::NotCredited { person: request.person_id.to_owned(), deal: scenario.deal_id.clone() });
    }
    let period = period_like(request.calendar, request.period, scenario.close_on);
    let computed_as_of = request.as_of.max(scenario.close_on);
    let shifted = GatherRequest { period, as_of: computed_as_of, ..*request };
    let without: Vec<WonDeal> = won.iter().filter(|w| w.deal_id != scenario.deal_id).cloned().collect();
    let mut with = without.clone();
    with.push(hypothetical);
    with.sort_by(|a, b| (a.won_on, a.deal_id.as_str()).cmp(&(b.won_on, b.deal_id.as_str())));
    let before = calculate(&gather_from(data, &shifted, &without)?)?;
    let after = calculate(&gather_from(data, &shifted, &with)?)?;

    let (old, new) = (line_amounts(&before), line_amounts(&after));
    let mut keys: Vec<&str> = old.keys().chain(new.keys()).copied().collect();
    keys.sort_unstable();
    keys.dedup();
    // Keep the order the statement prints lines in.
    let position = |key: &str| {
        after.lines.iter().position(|l| l.key == key).or_else(|| before.lines.iter().position(|l| l.key == key))
    };
    keys.sort_by_key(|k| position(k));
    let mut lines = Vec::new();
    for key in keys {
        let before_minor = old.get(key).map(|(_, a)| *a).unwrap_or(0);
        let after_minor = new.get(key).map(|(_, a)| *a).unwrap_or(0);
        if before_minor == after_minor {
            continue;
        }
        let label = new.get(key).or_else(|| old.get(key)).map(|(l, _)| l.label.clone()).unwrap_or_default();
        lines.push(LineChange {
            key: key.to_owned(),
            label,
            before_minor,
            after_minor,
            change_minor: after_minor - before_minor,
        });
    }
    let currency = after.currency;
    let money = |v: i64| Money::new(v, currency).to_string();
    let signed = |v: i64| if v >= 0 { format!("+{}", money(v)) } else { money(v) };
    let earned_change = after.totals.earned_minor - before.totals.earned_minor;
    let payable_change = after.totals.payable_minor - before.totals.payable_minor;
    let because: Vec<String> = lines.iter().map(|l| format!("{} {}", l.label, signed(l.change_minor))).collect();
    let summary = if lines.is_empty() {
        format!(
            "If {} closes at {} on {}, your {} variable pay does not change ({}).",
            scenario.deal_id,
            Money::new(scenario.amount.minor, scenario.amount.currency),
            scenario.close_on,
            after.period,
            money(after.totals.earned_minor)
        )
    } else {
        format!(
            "If {} closes at {} on {}, your {} variable pay changes by {} ({} → {}), payable now by {}, because: {}.",
            scenario.deal_id,
            Money::new(scenario.amount.minor, scenario.amount.currency),
            scenario.close_on,
            after.period,
            signed(earned_change),
            money(before.totals.earned_minor),
            money(after.totals.earned_minor),
            signed(payable_change),
            because.join("; ")
        )
    };
    Ok(WhatIf {
        person_id: request.person_id.to_owned(),
        deal_name: with.iter().find(|w| w.deal_id == scenario.deal_id).map(|w| w.name.clone()).unwrap_or_default(),
        scenario: scenario.clone(),
        period: after.period.clone(),
        computed_as_of,
        earned_before_minor: before.totals.earned_minor,
        earned_after_minor: after.totals.earned_minor,
        earned_change_minor: earned_change,
        payable_before_minor: before.totals.payable_minor,
        payable_after_minor: after.totals.payable_minor,
        payable_change_minor: payable_change,
        lines,
        summary,
    })
}

/// What a slip costs: pay lost in the period of `due_on` and regained in the period of
/// `slips_to` (zero when both fall in the same period).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlipCost {
    pub deal_id: String,
    pub due_period: String,
    pub slip_period: String,
    /// Change to the due period's earned pay if the deal slips (zero or negative).
    pub due_period_change_minor: i64,
    /// Change to the later period's earned pay when it lands there.
    pub slip_period_change_minor: i64,
    pub summary: String,
}

pub fn slip_cost(
    data: &Dataset,
    request: &GatherRequest<'_>,
    deal_id: &str,
    amount: Money,
    due_on: NaiveDate,
    slips_to: NaiveDate,
) -> Result<SlipCost, CompError> {
    let on_time = what_if(data, request, &Scenario { deal_id: deal_id.to_owned(), amount, close_on: due_on })?;
    let late = what_if(data, request, &Scenario { deal_id: deal_id.to_owned(), amount, close_on: slips_to })?;
    let same_period = on_time.period == late.period;
    let (lost, regained) = if same_period {
        (on_time.earned_change_minor - late.earned_change_minor, 0)
    } else {
        (on_time.earned_change_minor, late.earned_change_minor)
    };
    let money = |v: i64| Money::new(v, amount.currency).to_string();
    let summary = if same_period {
        format!(
            "If {deal_id} slips from {due_on} to {slips_to} it still lands in {}; the period's pay changes by {}.",
            on_time.period,
            money(-lost)
        )
    } else {
        format!(
            "If {deal_id} slips from {due_on} to {slips_to}, {} pay is {} lower and {} pay {} higher.",
            on_time.period,
            money(lost),
            late.period,
            money(regained)
        )
    };
    Ok(SlipCost {
        deal_id: deal_id.to_owned(),
        due_period: on_time.period,
        slip_period: late.period,
        due_period_change_minor: -lost,
        slip_period_change_minor: regained,
        summary,
    })
}
