//! Rep scorecards: attainment and pace to quota, coverage of the remaining quota, win rate, cycle
//! time, deal size, activity trend, share of pipeline flagged high, hygiene, forecast accuracy
//! and conduct-risk indicators. Every number carries the sentence that says how it was computed.

use super::conduct::{conduct_indicators, forecast_accuracy, Conduct, PeriodAccuracy};
use super::index::Index;
use super::numbers::{days_between, pct_text, r1, r4, share};
use super::report::DealRisk;
use super::rules::RiskConfig;
use super::signals::{Severity, SignalId};
use super::state::DealState;
use crate::domain::{money_text, FiscalCalendar, MoneyStyle, Period, Role, StageStatus};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;
use std::collections::BTreeMap;

/// A number and the sentence that says how it was computed.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Metric {
    pub value: f64,
    pub how: String,
}

impl Metric {
    fn new(value: f64, how: String) -> Self {
        Self { value, how }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Hygiene {
    pub overdue_close_dates: u32,
    pub stale_next_steps: u32,
    pub missing_close_dates: u32,
    pub how: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Scorecard {
    pub person_id: String,
    pub name: String,
    pub manager_id: Option<String>,
    pub team: Option<String>,
    pub period: String,
    pub quota_minor: i64,
    pub booked_minor: i64,
    pub attainment: Metric,
    pub pace: Metric,
    pub coverage: Metric,
    pub win_rate: Metric,
    pub cycle_days: Metric,
    pub average_deal_minor: Metric,
    pub activity_trend: Metric,
    pub high_risk_share: Metric,
    pub open_deals: u32,
    pub hygiene: Hygiene,
    pub forecast_accuracy: Vec<PeriodAccuracy>,
    pub conduct: Conduct,
}

/// Everything the scorecards read, computed once for all reps.
pub(super) struct ScorecardInputs<'c, 'a> {
    pub index: &'c Index<'a>,
    pub rules: &'c RiskConfig,
    pub calendar: FiscalCalendar,
    pub as_of: DateTime<Utc>,
    pub period: (Period, NaiveDate, NaiveDate),
    pub currency: &'c str,
    /// Every deal at `as_of`, by position.
    pub states: &'c [Option<DealState<'a>>],
    /// Open deals' risk, by position.
    pub risks: &'c BTreeMap<usize, &'c DealRisk>,
}

#[derive(Default)]
struct Tally {
    booked: f64,
    due_open: f64,
    won: u32,
    lost: u32,
    won_amount: i64,
    cycle_days: Vec<f64>,
    recent_touches: u32,
    prior_touches: u32,
    open_amount: i64,
    high_amount: i64,
    open_deals: u32,
    overdue: u32,
    stale_next_step: u32,
    missing_close: u32,
}

pub(super) fn scorecards(inputs: &ScorecardInputs<'_, '_>) -> Vec<Scorecard> {
    let data = inputs.index.data;
    let (period, start, end) = inputs.period;
    let today = inputs.as_of.date_naive();
    let lookback_from = inputs.as_of - Duration::days(i64::from(inputs.rules.scorecard.lookback_days));
    let window = Duration::days(i64::from(inputs.rules.scorecard.activity_window_days));
    let mut tallies: BTreeMap<&str, Tally> = BTreeMap::new();
    for person in data.people.iter().filter(|p| p.role == Role::Rep) {
        tallies.entry(person.id.as_str()).or_default();
    }
    for (position, state) in inputs.states.iter().enumerate() {
        let (Some(state), Some(deal)) = (state, inputs.index.deal(position)) else { continue };
        if deal.amount.currency.as_str() != inputs.currency {
            continue;
        }
        let closed_on = state.closed_at.map(|c| c.date_naive());
        let won_in_period = state.status() == StageStatus::Won && closed_on.is_some_and(|c| c >= start && c < end);
        let due_in_period = state.is_open() && state.close_date.is_some_and(|c| c < end);
        let splits: Vec<(&str, u16)> = if deal.splits.is_empty() {
            vec![(state.owner, 10_000)]
        } else {
            deal.splits.iter().map(|s| (s.person_id.as_str(), s.share_bp)).collect()
        };
        for (person, share_bp) in splits {
            if !won_in_period && !due_in_period {
                break;
            }
            let credit = state.amount_minor as f64 * f64::from(share_bp) / 10_000.0;
            let tally = tallies.entry(person).or_default();
            if won_in_period {
                tally.booked += credit;
            } else {
                tally.due_open += credit;
            }
        }
        let tally = tallies.entry(state.owner).or_default();
        if let Some(closed_at) = state.closed_at.filter(|c| *c >= lookback_from) {
            match state.status() {
                StageStatus::Won => {
                    tally.won += 1;
                    tally.won_amount += state.amount_minor;
                    tally.cycle_days.push(days_between(deal.created_at, closed_at).max(0.0));
                }
                StageStatus::Lost => tally.lost += 1,
                StageStatus::Open => {}
            }
        }
        for &a in inputs.index.activities_of(position) {
            let Some(activity) = inputs.index.activity(a) else { continue };
            if activity.occurred_at > inputs.as_of {
                break;
            }
            if activity.occurred_at > inputs.as_of - window {
                tally.recent_touches += 1;
            } else if activity.occurred_at > inputs.as_of - window - window {
                tally.prior_touches += 1;
            }
        }
        if let Some(risk) = inputs.risks.get(&position) {
            tally.open_deals += 1;
            tally.open_amount += state.amount_minor;
            if risk.flags.iter().any(|f| f.severity == Severity::High) {
                tally.high_amount += state.amount_minor;
            }
            let has = |signal: SignalId| risk.flags.iter().any(|f| f.signal == signal);
            tally.overdue += u32::from(has(SignalId::OverdueCloseDate));
            tally.stale_next_step += u32::from(has(SignalId::NextStepStale));
            tally.missing_close += u32::from(state.close_date.is_none());
        }
    }

    let quotas: BTreeMap<&str, i64> = data
        .quotas
        .iter()
        .filter(|q| q.period == period && q.amount.currency.as_str() == inputs.currency)
        .map(|q| (q.person_id.as_str(), q.amount.minor))
        .collect();
    let accuracy = forecast_accuracy(inputs);
    let conduct = conduct_indicators(inputs);
    let people: BTreeMap<&str, &crate::domain::Person> = data.people.iter().map(|p| (p.id.as_str(), p)).collect();
    let elapsed = share((today - start).num_days().max(0) as f64, (end - start).num_days().max(1) as f64).min(1.0);
    let money = |minor: f64| money_text(minor.round() as i64, inputs.currency, MoneyStyle::Whole);
    let coverage_target = inputs.rules.scorecard.target_coverage;

    let mut cards = Vec::new();
    for (person_id, tally) in tallies {
        let person = people.get(person_id);
        // Scorecards are for sellers: people known in another role do not get one.
        if person.is_some_and(|p| p.role != Role::Rep) {
            continue;
        }
        let quota = quotas.get(person_id).copied().unwrap_or(0);
        let attainment = share(tally.booked, quota as f64);
        let remaining = (quota as f64 - tally.booked).max(0.0);
        let coverage = if remaining > 0.0 { tally.due_open / remaining } else { 0.0 };
        let closed = tally.won + tally.lost;
        let mut cycle = tally.cycle_days.clone();
        let median_cycle = super::numbers::median(&mut cycle).unwrap_or(0.0);
        let trend = share(
            f64::from(tally.recent_touches) - f64::from(tally.prior_touches),
            f64::from(tally.prior_touches.max(1)),
        );
        let lookback = inputs.rules.scorecard.lookback_days;
        let window_days = inputs.rules.scorecard.activity_window_days;
        cards.push(Scorecard {
            person_id: person_id.to_owned(),
            name: person.map(|p| p.name.clone()).unwrap_or_else(|| person_id.to_owned()),
            manager_id: person.and_then(|p| p.manager_id.as_ref().map(|m| m.to_string())),
            team: person.and_then(|p| p.team.clone()),
            period: period.to_string(),
            quota_minor: quota,
            booked_minor: tally.booked.round() as i64,
            attainment: Metric::new(
                r4(attainment),
                format!("Booked {} (credit share of deals won in {period}) over a quota of {}.", money(tally.booked), money(quota as f64)),
            ),
            pace: Metric::new(
                r4(share(attainment, elapsed)),
                format!(
                    "Attainment {} over the {} of the period elapsed; 1.0 is on pace.",
                    pct_text(attainment),
                    pct_text(elapsed)
                ),
            ),
            coverage: Metric::new(
                r1(coverage),
                format!(
                    "Open pipeline due in {period} ({}, credit share) over the quota still to book ({}); {coverage_target}x is the target.",
                    money(tally.due_open),
                    money(remaining)
                ),
            ),
            win_rate: Metric::new(
                r4(share(f64::from(tally.won), f64::from(closed))),
                format!("{} won of {closed} deals closed in the last {lookback} days (as owner).", tally.won),
            ),
            cycle_days: Metric::new(
                r1(median_cycle),
                format!("Median days from creation to close of the {} deals won in the last {lookback} days.", tally.won),
            ),
            average_deal_minor: Metric::new(
                (share(tally.won_amount as f64, f64::from(tally.won))).round(),
                format!("Won amount {} over {} won deals in the last {lookback} days.", money(tally.won_amount as f64), tally.won),
            ),
            activity_trend: Metric::new(
                r4(trend),
                format!(
                    "{} activities on own deals in the last {window_days} days against {} in the {window_days} before; 0 is flat.",
                    tally.recent_touches, tally.prior_touches
                ),
            ),
            high_risk_share: Metric::new(
                r4(share(tally.high_amount as f64, tally.open_amount as f64)),
                format!(
                    "Open amount on deals with a high-severity flag ({}) over all open amount ({}).",
                    money(tally.high_amount as f64),
                    money(tally.open_amount as f64)
                ),
            ),
            open_deals: tally.open_deals,
            hygiene: Hygiene {
                overdue_close_dates: tally.overdue,
                stale_next_steps: tally.stale_next_step,
                missing_close_dates: tally.missing_close,
                how: format!(
                    "Of {} open deals: {} past their close date, {} with a stale next step, {} with no close date.",
                    tally.open_deals, tally.overdue, tally.stale_next_step, tally.missing_close
                ),
            },
            forecast_accuracy: accuracy.get(person_id).cloned().unwrap_or_default(),
            conduct: conduct.get(person_id).cloned().unwrap_or_else(|| Conduct::empty(inputs.rules)),
        });
    }
    cards
}
