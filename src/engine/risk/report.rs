//! The engine's output at one `as_of`: every open deal with its flags, evidence and
//! probabilities, rep scorecards, team roll-ups and the forecast risk, in a stable order so
//! the same data, `as_of` and ruleset always serialise to the same bytes.

use super::assess::{states_at, Engine};
use super::forecast::{forecast, ForecastInputs, ForecastRisk, NewBusiness};
use super::index::Index;
use super::numbers::{r1, share};
use super::parallel;
use super::rollup::{rollups, TeamRollup};
use super::rules::RiskConfig;
use super::scorecard::{scorecards, Scorecard, ScorecardInputs};
use super::signals::{over_optimism, CallCheck, Finding, Severity, SignalId};
use super::state::DealState;
use super::training::training_set;
use super::win::{ModelSummary, WinExplanation, WinModels};
use crate::domain::{money_text, Currency, FiscalCalendar, ForecastCategory, MoneyStyle, Period, Role, StageStatus};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;
use std::collections::BTreeMap;

/// What the engine needs from the configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub rules: RiskConfig,
    pub calendar: FiscalCalendar,
    /// The reporting currency; deals in other currencies are scored but not summed.
    pub currency: Currency,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Evidence {
    pub activity_ids: Vec<String>,
    pub history_ids: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Flag {
    pub signal: SignalId,
    pub severity: Severity,
    pub reason: String,
    pub measure: f64,
    pub threshold: f64,
    pub evidence: Evidence,
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct DealRisk {
    pub deal_id: String,
    pub name: String,
    pub owner_id: String,
    pub account_id: Option<String>,
    pub account: Option<String>,
    pub segment: Option<String>,
    pub pipeline: String,
    pub stage: String,
    pub days_in_stage: f64,
    pub amount_minor: i64,
    pub currency: String,
    /// The amount was not recorded while the deal was open and was estimated from list prices.
    pub amount_estimated: bool,
    pub close_date: Option<NaiveDate>,
    pub forecast_category: ForecastCategory,
    /// Probability of being won by the close date.
    pub win_probability: f64,
    /// Probability of still being open after the close date.
    pub slip_probability: f64,
    /// Probability of being won inside the forecast period.
    pub in_period_probability: f64,
    pub win_explanation: WinExplanation,
    pub highest_severity: Option<Severity>,
    pub flags: Vec<Flag>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RiskReport {
    pub as_of: DateTime<Utc>,
    pub ruleset_version: String,
    pub period: String,
    pub currency: String,
    pub model: ModelSummary,
    pub deals: Vec<DealRisk>,
    pub reps: Vec<Scorecard>,
    pub teams: Vec<TeamRollup>,
    pub forecast: ForecastRisk,
    /// The fiscal calendar the period was cut with, for what is computed from the report later
    /// (a manager's wins of the week and their quota streaks). Not serialised: it is
    /// configuration, and the report's bytes stay what they were.
    #[serde(skip)]
    pub calendar: FiscalCalendar,
}

fn flag(index: &Index<'_>, finding: &Finding) -> Flag {
    let mut activity_ids: Vec<String> =
        finding.activities.iter().filter_map(|&a| index.activity_id(a)).map(str::to_owned).collect();
    let mut history_ids: Vec<String> =
        finding.history.iter().filter_map(|&h| index.history_row(h)).map(|h| h.id.to_owned()).collect();
    activity_ids.sort();
    activity_ids.dedup();
    history_ids.sort();
    history_ids.dedup();
    Flag {
        signal: finding.signal,
        severity: finding.severity,
        reason: finding.reason.clone(),
        measure: finding.measure,
        threshold: finding.threshold,
        evidence: Evidence { activity_ids, history_ids },
    }
}

/// Deals won inside `[start, end)` at their amounts then, in `currency`.
pub(super) fn booked_between(
    index: &Index<'_>,
    states: &[Option<DealState<'_>>],
    start: NaiveDate,
    end: NaiveDate,
    currency: &str,
) -> i64 {
    states
        .iter()
        .enumerate()
        .filter_map(|(p, s)| s.as_ref().map(|s| (p, s)))
        .filter(|(p, s)| {
            s.status() == StageStatus::Won
                && s.closed_at.map(|c| c.date_naive()).is_some_and(|c| c >= start && c < end)
                && index.deal(*p).is_some_and(|d| d.amount.currency.as_str() == currency)
        })
        .map(|(_, s)| s.amount_minor)
        .sum()
}

/// Bookings past periods drew from deals created after the same point in the period, as a
/// run rate for the business not yet in today's pipeline.
fn new_business(
    index: &Index<'_>,
    states: &[Option<DealState<'_>>],
    calendar: FiscalCalendar,
    period: Period,
    as_of: DateTime<Utc>,
    periods: u32,
    currency: &str,
) -> NewBusiness {
    let offset = as_of - calendar.start(period).and_hms_opt(0, 0, 0).map(|t| t.and_utc()).unwrap_or(as_of);
    let earliest = index.data.deals.iter().map(|d| d.created_at).min();
    let mut samples = Vec::new();
    let mut past = period;
    for _ in 0..periods {
        past = past.previous();
        let (start, end) = (calendar.start(past), calendar.end_exclusive(past));
        let Some(cut) = start.and_hms_opt(0, 0, 0).map(|t| t.and_utc() + offset) else { break };
        // A period before the data began would count as a period with no new business.
        if earliest.is_none_or(|e| e.date_naive() >= start) {
            break;
        }
        let amount: i64 = states
            .iter()
            .enumerate()
            .filter_map(|(p, s)| Some((index.deal(p)?, s.as_ref()?)))
            .filter(|(d, s)| {
                d.created_at > cut
                    && d.amount.currency.as_str() == currency
                    && s.status() == StageStatus::Won
                    && s.closed_at.map(|c| c.date_naive()).is_some_and(|c| c >= start && c < end)
            })
            .map(|(_, s)| s.amount_minor)
            .sum();
        samples.push(amount as f64);
    }
    if samples.is_empty() {
        return NewBusiness {
            expected_minor: 0,
            spread_minor: 0,
            periods_used: 0,
            how: "no complete past period to learn from, so none is assumed.".to_owned(),
        };
    }
    let mean = samples.iter().sum::<f64>() / samples.len() as f64;
    let variance = if samples.len() > 1 {
        samples.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / (samples.len() - 1) as f64
    } else {
        0.0
    };
    NewBusiness {
        expected_minor: mean.round() as i64,
        spread_minor: variance.sqrt().round() as i64,
        periods_used: samples.len() as u32,
        how: format!(
            "in the last {} periods, deals created after day {} of the period and won within it brought a mean of {} \
             (standard deviation {}), drawn from a normal distribution floored at zero.",
            samples.len(),
            r1(offset.num_seconds() as f64 / 86_400.0),
            mean.round() as i64,
            variance.sqrt().round() as i64
        ),
    }
}

/// Runs the whole engine at `as_of`.
pub fn analyse(index: &Index<'_>, settings: &Settings, as_of: DateTime<Utc>) -> RiskReport {
    let rules = &settings.rules;
    let currency = settings.currency.as_str().to_owned();
    let states = states_at(index, as_of);
    let engine = Engine::new(index, rules, settings.calendar, &states, as_of);
    let training = training_set(&engine, &states, as_of);
    let models = WinModels::fit(&training, &rules.forecast);
    drop(training);
    let (period, start, end) = engine.period_of(as_of);
    let data = index.data;
    let accounts: BTreeMap<&str, &str> = data.accounts.iter().map(|a| (a.id.as_str(), a.name.as_str())).collect();

    let open: Vec<&DealState<'_>> = states.iter().flatten().filter(|s| s.is_open()).collect();
    let mut deals: Vec<DealRisk> = parallel::map(&open, |state| {
        let deal = index.deal(state.position)?;
        let assessed = engine.assess_state((*state).clone(), as_of, true)?;
        let prediction = models.predict(&assessed);
        let mut findings = assessed.findings;
        let call = over_optimism(&CallCheck {
            index,
            rules,
            pipeline: &deal.pipeline,
            state,
            findings: &findings,
            // A call is about the period when the deal is due in it.
            call_probability: if state.close_date.is_some_and(|c| c < end) {
                prediction.in_period
            } else {
                prediction.win
            },
            explain: true,
        });
        findings.extend(call);
        findings.sort_by_key(|f| f.signal.position());
        let flags: Vec<Flag> = findings.iter().map(|f| flag(index, f)).collect();
        Some(DealRisk {
            deal_id: deal.id.to_string(),
            name: deal.name.clone(),
            owner_id: state.owner.to_owned(),
            account_id: deal.account_id.as_ref().map(|a| a.to_string()),
            account: deal.account_id.as_ref().and_then(|a| accounts.get(a.as_str())).map(|n| (*n).to_owned()),
            segment: index.segment_of(state.position).map(str::to_owned),
            pipeline: deal.pipeline.clone(),
            stage: state.stage.to_owned(),
            days_in_stage: r1((as_of - state.stage_entered_at).num_seconds() as f64 / 86_400.0),
            amount_minor: state.amount_minor,
            currency: deal.amount.currency.to_string(),
            amount_estimated: state.amount_estimated,
            close_date: state.close_date,
            forecast_category: state.forecast_category,
            win_probability: prediction.win,
            slip_probability: prediction.slip,
            in_period_probability: prediction.in_period,
            win_explanation: prediction.explanation,
            highest_severity: flags.iter().map(|f| f.severity).max(),
            flags,
        })
    })
    .into_iter()
    .flatten()
    .collect();
    deals.sort_by(|a, b| a.deal_id.cmp(&b.deal_id));

    let booked = booked_between(index, &states, start, end, &currency);
    let reps: Vec<&str> = data.people.iter().filter(|p| p.role == Role::Rep).map(|p| p.id.as_str()).collect();
    let period_quotas: Vec<_> =
        data.quotas.iter().filter(|q| q.period == period && q.amount.currency.as_str() == currency).collect();
    let rep_quota: i64 =
        period_quotas.iter().filter(|q| reps.contains(&q.person_id.as_str())).map(|q| q.amount.minor).sum();
    let (target, target_basis) = if rep_quota > 0 {
        (
            rep_quota,
            format!(
                "the sum of the reps' quotas for {period}, {}",
                money_text(rep_quota, &currency, MoneyStyle::Whole)
            ),
        )
    } else {
        let all: i64 = period_quotas.iter().map(|q| q.amount.minor).sum();
        (
            all,
            format!(
                "the sum of every quota for {period} (no rep quotas recorded), {}",
                money_text(all, &currency, MoneyStyle::Whole)
            ),
        )
    };
    let new_business =
        new_business(index, &states, settings.calendar, period, as_of, rules.forecast.history_periods, &currency);
    let forecast = forecast(&ForecastInputs {
        period: period.to_string(),
        period_end: end,
        currency: currency.clone(),
        deals: &deals,
        booked_minor: booked,
        target_minor: target,
        target_basis,
        new_business,
        won_amount_ratio: models.won_amount_ratio,
        seed: rules.forecast.seed,
        simulations: rules.forecast.simulations,
        top_concentrations: rules.forecast.top_concentrations as usize,
        top_exposures: rules.forecast.top_exposures as usize,
    });

    let risks: BTreeMap<usize, &DealRisk> =
        deals.iter().filter_map(|d| index.deal_position(&d.deal_id).map(|p| (p, d))).collect();
    let cards = scorecards(&ScorecardInputs {
        index,
        rules,
        calendar: settings.calendar,
        as_of,
        period: (period, start, end),
        currency: &currency,
        states: &states,
        risks: &risks,
    });
    let teams = rollups(&data.people, &cards, &deals, rules);
    RiskReport {
        as_of,
        ruleset_version: rules.ruleset_version.clone(),
        period: period.to_string(),
        currency,
        model: models.summary,
        deals,
        reps: cards,
        teams,
        forecast,
        calendar: settings.calendar,
    }
}

impl RiskReport {
    /// Open deals whose highest flag is at least `severity`.
    pub fn flagged(&self, severity: Severity) -> impl Iterator<Item = &DealRisk> {
        self.deals.iter().filter(move |d| d.highest_severity.is_some_and(|s| s >= severity))
    }

    /// Share of open amount (reporting currency) on deals flagged high.
    pub fn high_risk_share(&self) -> f64 {
        let (mut high, mut all) = (0i64, 0i64);
        for deal in self.deals.iter().filter(|d| d.currency == self.currency) {
            all += deal.amount_minor;
            if deal.highest_severity == Some(Severity::High) {
                high += deal.amount_minor;
            }
        }
        share(high as f64, all as f64)
    }
}

/// Midnight UTC at the start of `date`.
pub fn start_of_day(date: NaiveDate) -> DateTime<Utc> {
    date.and_hms_opt(0, 0, 0).map(|t| t.and_utc()).unwrap_or_default()
}

/// Midnight UTC after `date`: the `as_of` that includes everything that happened on it.
pub fn end_of_day(date: NaiveDate) -> DateTime<Utc> {
    start_of_day(date) + Duration::days(1) - Duration::seconds(1)
}
