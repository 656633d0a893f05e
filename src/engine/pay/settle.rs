//! From earnings to what is payable: holds on deferred revenue (held, released or forfeited as
//! of the statement's day) and clawbacks on deals cancelled inside the period within the
//! plan's window; then the statement itself.

use super::arith::{apply_bp, bp_pct, checked_sum, ROUNDING_RULES};
use super::calc::{earnings, Earnings};
use super::facts::WonDeal;
use super::inputs::{PeriodFacts, StatementInputs};
use super::plan::{Hold, Plan, RevenueFilter};
use super::statement::{DealHold, DealPay, HoldStatus, Line, LineInput, Section, Statement, Totals};
use super::CompError;
use crate::domain::{Money, RevenueType};
use chrono::{Duration, NaiveDate};

fn hold_rule<'p>(plan: &'p Plan, deal: &WonDeal) -> Option<&'p Hold> {
    plan.holds.iter().find(|hold| {
        let revenue_ok = match hold.revenue {
            RevenueFilter::Any => true,
            RevenueFilter::Recurring => matches!(deal.revenue, RevenueType::Recurring { .. }),
            RevenueFilter::OneOff => deal.revenue == RevenueType::OneOff,
        };
        revenue_ok && (hold.products.is_empty() || deal.products.iter().any(|p| hold.products.contains(p)))
    })
}

/// The hold on a deal's earned pay and its status at `as_of`.
pub(super) fn deal_hold(
    plan: &Plan,
    deal: &WonDeal,
    earned: i64,
    as_of: NaiveDate,
) -> Result<Option<DealHold>, CompError> {
    let Some(rule) = hold_rule(plan, deal) else { return Ok(None) };
    if earned <= 0 {
        return Ok(None);
    }
    let held = apply_bp(earned, rule.held_bp)?;
    let release_on = deal.won_on + Duration::days(i64::from(rule.release_after_days));
    let status = match deal.cancelled_on {
        Some(cancelled) if cancelled < release_on && cancelled <= as_of => HoldStatus::Forfeited,
        _ if as_of >= release_on => HoldStatus::Released,
        _ => HoldStatus::Held,
    };
    Ok(Some(DealHold { rule: rule.key.clone(), held_minor: held, release_on, status }))
}

fn clawback_window(plan: &Plan, deal: &WonDeal, current: &PeriodFacts, as_of: NaiveDate) -> Option<(NaiveDate, u32)> {
    let window = plan.clawback?.window_days;
    let cancelled = deal.cancelled_on?;
    let inside = cancelled >= current.start && cancelled < current.end && cancelled <= as_of;
    (inside && (cancelled - deal.won_on).num_days() <= i64::from(window)).then_some((cancelled, window))
}

/// Computes the statement from its inputs alone; the same inputs always give the same bytes.
pub fn calculate(inputs: &StatementInputs) -> Result<Statement, CompError> {
    let current = &inputs.current;
    let plan = &current.plan;
    let currency = plan.currency;
    let money = |v: i64| Money::new(v, currency).to_string();
    let Earnings { period_target_incentive, measures, mut lines, measures_total, earned, deal_earned, mut notes } =
        earnings(current, inputs)?;

    let mut deals = Vec::new();
    let (mut held, mut released, mut forfeited) = (0i64, 0i64, 0i64);
    for deal in &current.deals {
        let earned_here = deal_earned.get(&deal.deal_id).copied().unwrap_or(0);
        let hold = deal_hold(plan, deal, earned_here, inputs.as_of)?;
        if let Some(hold) = &hold {
            let rule = plan.holds.iter().find(|h| h.key == hold.rule);
            let held_pct = rule.map(|r| bp_pct(r.held_bp)).unwrap_or_default();
            let (amount, how) = match hold.status {
                HoldStatus::Held => {
                    held += hold.held_minor;
                    (
                        -hold.held_minor,
                        format!(
                            "{held_pct} of the {} this deal earned is held until {}.",
                            money(earned_here),
                            hold.release_on
                        ),
                    )
                }
                HoldStatus::Released => {
                    released += hold.held_minor;
                    (
                        0,
                        format!(
                            "{held_pct} of the {} this deal earned was held and released on {}; it is payable.",
                            money(earned_here),
                            hold.release_on
                        ),
                    )
                }
                HoldStatus::Forfeited => {
                    forfeited += hold.held_minor;
                    (
                        -hold.held_minor,
                        format!(
                            "The deal was cancelled on {} before the release on {}, so the held {} is forfeited.",
                            deal.cancelled_on.map(|c| c.to_string()).unwrap_or_default(),
                            hold.release_on,
                            money(hold.held_minor)
                        ),
                    )
                }
            };
            lines.push(Line {
                key: format!("hold.{}.{}", hold.rule, deal.deal_id),
                section: Section::Hold,
                label: format!("Hold ({}): {}", hold.rule, deal.deal_id),
                inputs: vec![
                    LineInput { name: "earned on deal".into(), value: money(earned_here) },
                    LineInput { name: "held".into(), value: money(hold.held_minor) },
                    LineInput { name: "release on".into(), value: hold.release_on.to_string() },
                ],
                how,
                amount_minor: amount,
                deal_ids: vec![deal.deal_id.clone()],
            });
        }
        deals.push(DealPay {
            deal_id: deal.deal_id.clone(),
            name: deal.name.clone(),
            won_on: deal.won_on,
            amount_minor: deal.amount.minor,
            amount_currency: deal.amount.currency,
            share_bp: deal.share_of(&inputs.person_id).unwrap_or(0),
            earned_minor: earned_here,
            hold,
            cancelled_on: deal.cancelled_on,
        });
    }

    let mut clawback = 0i64;
    let mut sources: Vec<(&PeriodFacts, Option<Earnings>)> = vec![(current, None)];
    for facts in &inputs.earlier {
        sources.push((facts, Some(earnings(facts, inputs)?)));
    }
    for (facts, own) in &sources {
        let shares = own.as_ref().map(|e| &e.deal_earned).unwrap_or(&deal_earned);
        for deal in &facts.deals {
            let Some((cancelled, window)) = clawback_window(&facts.plan, deal, current, inputs.as_of) else { continue };
            let earned_then = shares.get(&deal.deal_id).copied().unwrap_or(0);
            let never_paid = match deal_hold(&facts.plan, deal, earned_then, inputs.as_of)? {
                Some(hold) if hold.status == HoldStatus::Forfeited => hold.held_minor,
                _ => 0,
            };
            let recovered = earned_then - never_paid;
            if recovered <= 0 {
                continue;
            }
            clawback += recovered;
            lines.push(Line {
                key: format!("clawback.{}", deal.deal_id),
                section: Section::Clawback,
                label: format!("Clawback: {} cancelled {cancelled}", deal.deal_id),
                inputs: vec![
                    LineInput { name: "won on".into(), value: deal.won_on.to_string() },
                    LineInput { name: "cancelled on".into(), value: cancelled.to_string() },
                    LineInput { name: "earned in".into(), value: format!("{} ({})", facts.period, money(earned_then)) },
                    LineInput { name: "never paid (forfeited hold)".into(), value: money(never_paid) },
                ],
                how: format!(
                    "Cancelled {} days after it was won, inside the {window}-day window: the {} it earned in {}, less {} never paid, is recovered.",
                    (cancelled - deal.won_on).num_days(),
                    money(earned_then),
                    facts.period,
                    money(never_paid)
                ),
                amount_minor: -recovered,
                deal_ids: vec![deal.deal_id.clone()],
            });
        }
    }
    if clawback > earned - held - forfeited {
        notes.push("Clawbacks exceed this period's pay; the difference is recovered from later payments.".to_owned());
    }
    let payable = checked_sum([earned, -held, -forfeited, -clawback])?;
    Ok(Statement {
        person_id: inputs.person_id.clone(),
        person_name: inputs.person_name.clone(),
        period: current.period.to_string(),
        period_start: current.start,
        period_end: current.end,
        as_of: inputs.as_of,
        plan_id: plan.id.clone(),
        plan_version: plan.version,
        plan_name: plan.name.clone(),
        plan_fingerprint: plan.fingerprint(),
        inputs_fingerprint: inputs.fingerprint()?,
        currency,
        base_salary_annual_minor: plan.base_salary_minor,
        target_incentive_annual_minor: plan.target_incentive_minor,
        target_incentive_period_minor: period_target_incentive,
        variable_share_bp: plan.variable_share_bp(),
        quota_minor: current.quota.filter(|q| q.currency == currency).map(|q| q.minor),
        measures,
        lines,
        deals,
        totals: Totals {
            measures_minor: measures_total,
            earned_minor: earned,
            held_minor: held,
            released_minor: released,
            forfeited_minor: forfeited,
            clawback_minor: clawback,
            payable_minor: payable,
        },
        notes,
        rounding: ROUNDING_RULES.iter().map(|r| (*r).to_owned()).collect(),
    })
}
