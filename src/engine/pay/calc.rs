//! A period's earned variable pay: each measure through its rate table, then client-outcome
//! modifiers, the plan cap and conduct gates, in that order, so a gate that sets pay to zero
//! always has the last word. Every step is a [`Line`] with its inputs.

use super::arith::{apply_bp, apportion, bp_pct, bp_times, checked_sum, ratio_bp_floor, scale, split_exact};
use super::facts::WonDeal;
use super::inputs::{PeriodFacts, StatementInputs};
use super::measure::Curve;
use super::plan::{Measure, MeasureKind, OutcomeMetric, Plan, Target, LOGO_UNITS};
use super::statement::{logos_text, DealCredit, Line, LineInput, MeasureResult, Section};
use super::CompError;
use crate::domain::{Money, RevenueType};
use chrono::{Duration, NaiveDate};
use std::collections::BTreeMap;

/// A period's earnings before holds and clawbacks.
#[derive(Debug, Clone)]
pub(super) struct Earnings {
    pub period_target_incentive: i64,
    pub measures: Vec<MeasureResult>,
    pub lines: Vec<Line>,
    pub measures_total: i64,
    pub earned: i64,
    /// Each deal's part of `earned` (adds up to it exactly).
    pub deal_earned: BTreeMap<String, i64>,
    pub notes: Vec<String>,
}

fn input(name: &str, value: impl Into<String>) -> LineInput {
    LineInput { name: name.to_owned(), value: value.into() }
}

fn months_in(facts: &PeriodFacts) -> i64 {
    let (start, end) = (facts.start, facts.end);
    let months = (end.year_month_index() - start.year_month_index()).max(1);
    i64::from(months)
}

trait MonthIndex {
    fn year_month_index(&self) -> i32;
}

impl MonthIndex for NaiveDate {
    fn year_month_index(&self) -> i32 {
        use chrono::Datelike;
        self.year() * 12 + self.month0() as i32
    }
}

/// The deal's value in a measure before any split; `None` when the measure does not count it.
pub fn deal_value(plan: &Plan, measure: &Measure, deal: &WonDeal) -> Result<Option<i64>, CompError> {
    if deal.amount.currency != plan.currency {
        return Ok(None);
    }
    if !measure.products.is_empty() && !deal.products.iter().any(|p| measure.products.contains(p)) {
        return Ok(None);
    }
    let amount = deal.amount.minor.max(0);
    Ok(match (measure.kind, deal.revenue) {
        (MeasureKind::Bookings, _) => Some(amount),
        (MeasureKind::RecurringRevenue { max_term_months }, RevenueType::Recurring { term_months }) => {
            Some(scale(amount, i64::from(term_months.min(max_term_months)), 12)?)
        }
        (MeasureKind::RecurringRevenue { .. }, RevenueType::OneOff) => None,
        (MeasureKind::Margin, _) => Some(apply_bp(amount, plan.margins.rate_for(&deal.products))?),
        (MeasureKind::NewLogos, _) => deal.new_logo.then_some(LOGO_UNITS),
    })
}

/// The person's part of `value` under the deal's splits.
pub fn person_share(deal: &WonDeal, person: &str, value: i64) -> Result<(u16, i64), CompError> {
    let shares: Vec<u16> = deal.splits.iter().map(|s| s.share_bp).collect();
    let Some(index) = deal.splits.iter().position(|s| s.person_id.as_str() == person) else {
        return Ok((0, 0));
    };
    let share = shares[index];
    if shares.iter().map(|s| u32::from(*s)).sum::<u32>() == 10_000 {
        let parts = split_exact(value, &shares)?;
        Ok((share, parts.get(index).copied().unwrap_or(0)))
    } else {
        Ok((share, apply_bp(value, i64::from(share))?))
    }
}

struct MeasureOutcome {
    result: MeasureResult,
    lines: Vec<Line>,
}

fn measure_outcome(
    facts: &PeriodFacts,
    person: &str,
    measure: &Measure,
    period_ti: i64,
    notes: &mut Vec<String>,
) -> Result<MeasureOutcome, CompError> {
    let plan = &facts.plan;
    let currency = plan.currency;
    let ti = apply_bp(period_ti, measure.weight_bp)?;
    let logos = measure.kind.counts_logos();
    let units = |v: i64| match (logos, v == LOGO_UNITS) {
        (true, true) => "1 logo".to_owned(),
        (true, false) => format!("{} logos", logos_text(v)),
        (false, _) => Money::new(v, currency).to_string(),
    };
    let key = |suffix: &str| format!("measure.{}.{suffix}", measure.key);
    let target = match measure.target {
        Target::Quota { share_bp } => match facts.quota {
            Some(quota) if quota.currency == currency => Some(apply_bp(quota.minor, share_bp)?),
            Some(quota) => {
                notes.push(format!(
                    "{}: the quota is in {}, the plan pays in {currency}; the measure pays nothing.",
                    measure.label, quota.currency
                ));
                None
            }
            None => {
                notes.push(format!(
                    "{}: no quota is recorded for {}, so the measure pays nothing.",
                    measure.label, facts.period
                ));
                None
            }
        },
        Target::Amount { minor } => Some(minor),
        Target::Count { logos } => Some(logos.saturating_mul(LOGO_UNITS)),
    }
    .filter(|t| *t > 0);

    let mut credits = Vec::new();
    for deal in &facts.deals {
        let Some(value) = deal_value(plan, measure, deal)? else { continue };
        let (share_bp, credited) = person_share(deal, person, value)?;
        credits.push(DealCredit {
            deal_id: deal.deal_id.clone(),
            won_on: deal.won_on,
            deal_value: value,
            share_bp,
            credited,
            attributed_minor: 0,
        });
    }
    let achieved = checked_sum(credits.iter().map(|c| c.credited))?;
    let deal_ids: Vec<String> = credits.iter().map(|c| c.deal_id.clone()).collect();
    let mut lines = Vec::new();
    let Some(target) = target else {
        lines.push(Line {
            key: key("no_target"),
            section: Section::Measure,
            label: format!("{}: no target", measure.label),
            inputs: vec![input("achieved", units(achieved))],
            how: "Without a target there is no attainment, so this measure pays nothing.".to_owned(),
            amount_minor: 0,
            deal_ids,
        });
        let result = MeasureResult {
            key: measure.key.clone(),
            label: measure.label.clone(),
            kind: measure.kind.as_str().to_owned(),
            unit: if logos { "logos" } else { "money" }.to_owned(),
            weight_bp: measure.weight_bp,
            target_incentive_minor: ti,
            target: 0,
            achieved,
            attainment_bp: 0,
            threshold_bp: measure.threshold_bp,
            threshold_met: false,
            cap_minor: None,
            payout_minor: 0,
            credits,
        };
        return Ok(MeasureOutcome { result, lines });
    };
    let curve = Curve::new(measure, target, ti);
    let attributed = curve.attribute(&credits.iter().map(|c| c.credited).collect::<Vec<_>>())?;
    for (credit, share) in credits.iter_mut().zip(attributed) {
        credit.attributed_minor = share;
    }
    let attainment_bp = ratio_bp_floor(achieved, target);
    let threshold_met = curve.threshold_met(achieved);
    let common = vec![
        input("achieved", units(achieved)),
        input("target", units(target)),
        input("attainment", bp_pct(attainment_bp)),
        input("target incentive", Money::new(ti, currency).to_string()),
    ];
    let payout = curve.payout(achieved)?;
    if !threshold_met {
        lines.push(Line {
            key: key("threshold"),
            section: Section::Measure,
            label: format!("{}: below threshold", measure.label),
            inputs: [common.clone(), vec![input("threshold", bp_pct(measure.threshold_bp))]].concat(),
            how: format!(
                "Attainment {} is below the {} threshold, so the measure pays nothing; at the threshold it pays from the first unit.",
                bp_pct(attainment_bp),
                bp_pct(measure.threshold_bp)
            ),
            amount_minor: 0,
            deal_ids: deal_ids.clone(),
        });
    } else {
        let bands = curve.bands(achieved)?;
        for band in bands.iter().filter(|b| b.achieved_in_band > 0 || b.index == 0) {
            let range = match band.to_bp {
                Some(to) => format!("{}–{}", bp_pct(band.from_bp), bp_pct(to)),
                None => format!("above {}", bp_pct(band.from_bp)),
            };
            let kind = match band.rate_bp {
                r if r > 10_000 => " (accelerator)",
                r if r < 10_000 => " (decelerator)",
                _ => "",
            };
            lines.push(Line {
                key: key(&format!("tier{}", band.index + 1)),
                section: Section::Measure,
                label: format!(
                    "{}: tier {} ({range}) at {}{kind}",
                    measure.label,
                    band.index + 1,
                    bp_times(band.rate_bp)
                ),
                inputs: [
                    common.clone(),
                    vec![
                        input("achieved in tier", units(band.achieved_in_band)),
                        input("rate", bp_times(band.rate_bp)),
                    ],
                ]
                .concat(),
                how: format!(
                    "{} achieved in the {range} tier ÷ {} target × {} × {} target incentive = {}.",
                    units(band.achieved_in_band),
                    units(target),
                    bp_times(band.rate_bp),
                    Money::new(ti, currency),
                    Money::new(band.amount, currency)
                ),
                amount_minor: band.amount,
                deal_ids: deal_ids.clone(),
            });
        }
        let sum = checked_sum(bands.iter().map(|b| b.amount))?;
        if let Some(cap) = curve.cap_amount()?.filter(|cap| sum > *cap) {
            lines.push(Line {
                key: key("cap"),
                section: Section::Measure,
                label: format!("{}: cap at {} of target incentive", measure.label, bp_pct(measure.cap_bp.unwrap_or(0))),
                inputs: vec![
                    input("tiers total", Money::new(sum, currency).to_string()),
                    input("cap", Money::new(cap, currency).to_string()),
                ],
                how: format!(
                    "The tiers total {} but the measure pays at most {}, so {} is removed.",
                    Money::new(sum, currency),
                    Money::new(cap, currency),
                    Money::new(sum - cap, currency)
                ),
                amount_minor: cap - sum,
                deal_ids: Vec::new(),
            });
        }
    }
    let result = MeasureResult {
        key: measure.key.clone(),
        label: measure.label.clone(),
        kind: measure.kind.as_str().to_owned(),
        unit: if logos { "logos" } else { "money" }.to_owned(),
        weight_bp: measure.weight_bp,
        target_incentive_minor: ti,
        target,
        achieved,
        attainment_bp,
        threshold_bp: measure.threshold_bp,
        threshold_met,
        cap_minor: curve.cap_amount()?,
        payout_minor: payout,
        credits,
    };
    Ok(MeasureOutcome { result, lines })
}

/// A client-outcome figure over `[end - lookback, end)`: (rate, numerator, denominator, ids).
fn outcome_figure(
    inputs: &StatementInputs,
    metric: OutcomeMetric,
    lookback_days: u32,
    end: NaiveDate,
) -> (i64, i64, i64, Vec<String>) {
    let from = end - Duration::days(i64::from(lookback_days));
    match metric {
        OutcomeMetric::CancellationRate => {
            let in_window: Vec<_> = inputs.outcomes.iter().filter(|d| d.won_on >= from && d.won_on < end).collect();
            let cancelled: Vec<String> =
                in_window.iter().filter(|d| d.cancelled_on.is_some()).map(|d| d.deal_id.clone()).collect();
            let (part, whole) = (cancelled.len() as i64, in_window.len() as i64);
            (ratio_bp_floor(part, whole), part, whole, cancelled)
        }
        OutcomeMetric::FileReviewFailRate => {
            use super::plan::ComplianceEventKind::{FileReviewFail, FileReviewPass};
            let reviews: Vec<_> = inputs
                .events
                .iter()
                .filter(|e| {
                    matches!(e.kind, FileReviewPass | FileReviewFail) && e.occurred_on >= from && e.occurred_on < end
                })
                .collect();
            let failed: Vec<String> =
                reviews.iter().filter(|e| e.kind == FileReviewFail).map(|e| e.id.clone()).collect();
            let (part, whole) = (failed.len() as i64, reviews.len() as i64);
            (ratio_bp_floor(part, whole), part, whole, failed)
        }
    }
}

/// The earnings of one period of `inputs` (the current one or an earlier one).
pub(super) fn earnings(facts: &PeriodFacts, inputs: &StatementInputs) -> Result<Earnings, CompError> {
    let plan = &facts.plan;
    let currency = plan.currency;
    let money = |v: i64| Money::new(v, currency).to_string();
    let period_ti = scale(plan.target_incentive_minor, months_in(facts), 12)?;
    let mut notes = Vec::new();
    for deal in facts.deals.iter().filter(|d| d.amount.currency != currency) {
        notes.push(format!(
            "Deal {} is in {}; the plan pays in {currency}, so it is not credited.",
            deal.deal_id, deal.amount.currency
        ));
    }
    let mut measures = Vec::new();
    let mut lines = Vec::new();
    for measure in &plan.measures {
        let outcome = measure_outcome(facts, &inputs.person_id, measure, period_ti, &mut notes)?;
        measures.push(outcome.result);
        lines.extend(outcome.lines);
    }
    let measures_total = checked_sum(measures.iter().map(|m| m.payout_minor))?;
    let mut running = measures_total;
    let end = facts.end;

    for modifier in &plan.modifiers {
        let (rate, part, whole, ids) = outcome_figure(inputs, modifier.metric, modifier.lookback_days, end);
        let band = modifier
            .bands
            .iter()
            .find(|b| b.at_most_bp.is_none_or(|limit| rate <= limit))
            .copied()
            .unwrap_or(super::plan::ModifierBand { at_most_bp: None, multiplier_bp: 10_000 });
        let after = apply_bp(running, band.multiplier_bp)?;
        let band_text = match band.at_most_bp {
            Some(limit) => format!("at most {}", bp_pct(limit)),
            None => "above every listed band".to_owned(),
        };
        lines.push(Line {
            key: format!("modifier.{}", modifier.key),
            section: Section::Adjustment,
            label: format!("{} × {}", modifier.label, bp_pct(band.multiplier_bp)),
            inputs: vec![
                input(modifier.metric.as_str(), format!("{part} of {whole} = {}", bp_pct(rate))),
                input("look-back", format!("{} days to {}", modifier.lookback_days, end.pred_opt().unwrap_or(end))),
                input("variable pay before", money(running)),
            ],
            how: format!(
                "{} is {} ({part} of {whole}), {band_text}, so variable pay is multiplied by {}: {} → {}.",
                modifier.metric.as_str().replace('_', " "),
                bp_pct(rate),
                bp_pct(band.multiplier_bp),
                money(running),
                money(after)
            ),
            amount_minor: after - running,
            deal_ids: if modifier.metric == OutcomeMetric::CancellationRate { ids } else { Vec::new() },
        });
        running = after;
    }

    if let Some(max_bp) = plan.max_variable_bp {
        let cap = apply_bp(period_ti, max_bp)?;
        if running > cap {
            lines.push(Line {
                key: "cap.plan".to_owned(),
                section: Section::Adjustment,
                label: format!("Plan cap at {} of the period's target incentive", bp_pct(max_bp)),
                inputs: vec![input("variable pay before", money(running)), input("cap", money(cap))],
                how: format!(
                    "Variable pay {} is above the plan's cap of {}; it is cut to the cap.",
                    money(running),
                    money(cap)
                ),
                amount_minor: cap - running,
                deal_ids: Vec::new(),
            });
            running = cap;
        }
    }

    for gate in &plan.gates {
        let from = gate.lookback_days.map(|d| end - Duration::days(i64::from(d))).unwrap_or(facts.start);
        let events: Vec<&super::inputs::ComplianceEvent> = inputs
            .events
            .iter()
            .filter(|e| e.kind == gate.event && e.occurred_on >= from && e.occurred_on < end)
            .collect();
        let count = events.len() as u32;
        let triggered = count >= gate.at_least;
        let after = if triggered { apply_bp(running, gate.variable_bp)? } else { running };
        lines.push(Line {
            key: format!("gate.{}", gate.key),
            section: Section::Adjustment,
            label: format!("Gate: {}", gate.label),
            inputs: vec![
                input(gate.event.as_str(), count.to_string()),
                input("window", format!("{from} to {}", end.pred_opt().unwrap_or(end))),
                input("variable pay before", money(running)),
            ],
            how: if triggered {
                format!(
                    "{count} {} recorded (trigger: {}), so variable pay is multiplied by {}: {} → {}. Events: {}.",
                    gate.event.as_str().replace('_', " "),
                    gate.at_least,
                    bp_pct(gate.variable_bp),
                    money(running),
                    money(after),
                    events.iter().map(|e| e.id.as_str()).collect::<Vec<_>>().join(", ")
                )
            } else {
                format!(
                    "{count} {} recorded against a trigger of {}; the gate is open and changes nothing.",
                    gate.event.as_str().replace('_', " "),
                    gate.at_least
                )
            },
            amount_minor: after - running,
            deal_ids: events.iter().filter_map(|e| e.deal_id.clone()).collect(),
        });
        running = after;
    }

    // Each deal's part of earned pay follows its part of the measures' pay.
    let mut by_deal: BTreeMap<String, i64> = BTreeMap::new();
    for measure in &measures {
        for credit in &measure.credits {
            *by_deal.entry(credit.deal_id.clone()).or_default() += credit.attributed_minor;
        }
    }
    let ids: Vec<String> = by_deal.keys().cloned().collect();
    let weights: Vec<i64> = by_deal.values().copied().collect();
    let parts = apportion(running.max(0), &weights)?;
    let deal_earned = ids.into_iter().zip(parts).collect();
    Ok(Earnings {
        period_target_incentive: period_ti,
        measures,
        lines,
        measures_total,
        earned: running,
        deal_earned,
        notes,
    })
}
