//! Quota suggestions from data: each rep's recent run rate and the open pipeline due in the
//! period give a capacity; new reps get the ramped median instead of a history they do not
//! have; the period's total is shared out in proportion to capacity. Alongside: how much
//! growth each quota asks of each rep (fairness) and the difference from the current quotas.

use super::history::{first_seen, months_between, quarters_before, results_by_period};
use super::stats::{spread, Spread};
use crate::domain::{Currency, Dataset, FiscalCalendar, Money, Period, Role, StageStatus};
use crate::engine::pay::arith::{apportion, bp_pct};
use crate::engine::pay::WonDeal;
use chrono::NaiveDate;
use serde::Serialize;

/// How suggestions are weighted; written out on every suggestion.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct QuotaMethod {
    /// Completed quarters of history averaged into the run rate.
    pub history_periods: usize,
    /// Weight of the run rate in capacity, in basis points; the pipeline gets the rest.
    pub history_weight_bp: i64,
    /// Months until a new rep carries a full quota.
    pub ramp_months: u32,
    /// Suggestions are whole multiples of this many major units.
    pub rounding_major: i64,
    /// Growth over last period's total when the period has no quotas yet, in basis points.
    pub growth_bp: i64,
}

impl Default for QuotaMethod {
    fn default() -> Self {
        Self { history_periods: 4, history_weight_bp: 7_000, ramp_months: 6, rounding_major: 1_000, growth_bp: 0 }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct QuotaSuggestion {
    pub person_id: String,
    pub name: String,
    pub team: Option<String>,
    pub tenure_months: u32,
    pub ramp_bp: i64,
    /// Mean booked per completed quarter of history (at credit share).
    pub run_rate_minor: i64,
    pub history_periods_used: usize,
    pub prior_attainment_bp: Option<i64>,
    /// Open deals due in the period, at stage probability and credit share.
    pub weighted_pipeline_minor: i64,
    pub capacity_minor: i64,
    pub suggested_minor: i64,
    pub current_minor: Option<i64>,
    pub difference_minor: Option<i64>,
    /// Suggested over run rate, less one; `None` without history.
    pub required_growth_bp: Option<i64>,
    pub current_required_growth_bp: Option<i64>,
    pub how: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Fairness {
    /// Spread of required growth across reps with history, suggested quotas.
    pub suggested: Spread,
    /// The same for the current quotas, when the period has them.
    pub current: Option<Spread>,
    pub how: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct QuotaPlan {
    pub period: String,
    pub as_of: NaiveDate,
    pub currency: Currency,
    pub total_minor: i64,
    pub total_basis: String,
    pub method: Vec<String>,
    pub reps: Vec<QuotaSuggestion>,
    pub fairness: Fairness,
}

/// Open deals due in `[start, end)` at `as_of`, weighted by stage probability, per person.
fn weighted_pipeline(data: &Dataset, person: &str, currency: Currency, start: NaiveDate, end: NaiveDate) -> i64 {
    let mut total = 0i64;
    for deal in data.deals.iter().filter(|d| d.amount.currency == currency) {
        let Some(stage) = data.stages.get(&deal.pipeline, &deal.stage) else { continue };
        if stage.status != StageStatus::Open || !deal.close_date.is_some_and(|c| c >= start && c < end) {
            continue;
        }
        let share =
            deal.effective_splits().iter().find(|s| s.person_id.as_str() == person).map(|s| i64::from(s.share_bp));
        let Some(share) = share else { continue };
        let weighted = i128::from(deal.amount.minor) * i128::from(stage.probability) * i128::from(share) / 1_000_000;
        total += i64::try_from(weighted).unwrap_or(0);
    }
    total
}

/// Suggests quotas for every rep for `period`, from data known at `as_of`.
pub(crate) fn suggest_quotas(
    data: &Dataset,
    won: &[WonDeal],
    calendar: FiscalCalendar,
    currency: Currency,
    period: Period,
    as_of: NaiveDate,
    method: QuotaMethod,
) -> QuotaPlan {
    let money = |v: i64| Money::new(v, currency).to_string();
    let (start, end) = (calendar.start(period), calendar.end_exclusive(period));
    // Only quarters that have ended by `as_of` are history.
    let history: Vec<Period> = quarters_before(period, method.history_periods)
        .into_iter()
        .filter(|p| calendar.end_exclusive(*p) <= as_of.succ_opt().unwrap_or(as_of))
        .collect();
    let results = results_by_period(data, won, calendar, currency, &history);
    let reps: Vec<&crate::domain::Person> = data.people.iter().filter(|p| p.role == Role::Rep).collect();
    let mut rows = Vec::new();
    for person in &reps {
        let id = person.id.as_str();
        let seen = first_seen(data, id);
        let tenure = seen.map(|s| months_between(s, start)).unwrap_or(0);
        // Quarters that ended before the rep started say nothing about them.
        let mine: Vec<&super::history::PeriodResult> = history
            .iter()
            .filter(|p| seen.is_some_and(|s| calendar.start(**p) >= s))
            .filter_map(|p| results.get(id).and_then(|r| r.get(p)))
            .collect();
        let used = mine.len();
        let run_rate = if used == 0 { 0 } else { mine.iter().map(|r| r.booked_minor).sum::<i64>() / used as i64 };
        let attainments: Vec<i64> = mine.iter().filter_map(|r| r.attainment_bp()).collect();
        let prior_attainment =
            (!attainments.is_empty()).then(|| attainments.iter().sum::<i64>() / attainments.len() as i64);
        let pipeline = weighted_pipeline(data, id, currency, start, end);
        let ramp_bp = if method.ramp_months == 0 {
            10_000
        } else {
            (i64::from(tenure) * 10_000 / i64::from(method.ramp_months)).clamp(2_500, 10_000)
        };
        let current = data
            .quotas
            .iter()
            .find(|q| q.person_id == person.id && q.period == period && q.amount.currency == currency)
            .map(|q| q.amount.minor);
        rows.push((person, tenure, ramp_bp, run_rate, used, prior_attainment, pipeline, current));
    }
    let history_weight = method.history_weight_bp.clamp(0, 10_000);
    let blended = |run_rate: i64, pipeline: i64| {
        (i128::from(run_rate) * i128::from(history_weight) + i128::from(pipeline) * i128::from(10_000 - history_weight))
            / 10_000
    };
    let mut ramped: Vec<i64> = rows
        .iter()
        .filter(|r| r.2 == 10_000 && r.4 > 0)
        .map(|r| i64::try_from(blended(r.3, r.6)).unwrap_or(0))
        .collect();
    ramped.sort_unstable();
    let median_capacity = ramped.get(ramped.len() / 2).copied().unwrap_or(0);
    let capacities: Vec<i64> = rows
        .iter()
        .map(|(_, _, ramp_bp, run_rate, used, _, pipeline, _)| {
            let own = i64::try_from(blended(*run_rate, *pipeline)).unwrap_or(0);
            if *ramp_bp < 10_000 || *used == 0 {
                // New reps: the ramped median, or their own capacity if that is already larger.
                (median_capacity * ramp_bp / 10_000).max(own)
            } else {
                own
            }
        })
        .collect();

    let current_total: i64 = rows.iter().filter_map(|r| r.7).sum();
    let previous = period.previous();
    let previous_total: i64 = data
        .quotas
        .iter()
        .filter(|q| q.period == previous && q.amount.currency == currency && reps.iter().any(|r| r.id == q.person_id))
        .map(|q| q.amount.minor)
        .sum();
    let (total, total_basis) = if current_total > 0 {
        (current_total, format!("the sum of the reps' current {period} quotas, {}", money(current_total)))
    } else if previous_total > 0 {
        let grown = previous_total + previous_total * method.growth_bp / 10_000;
        (
            grown,
            format!("the reps' {previous} quotas, {}, grown by {}", money(previous_total), bp_pct(method.growth_bp)),
        )
    } else {
        let bottom_up: i64 = capacities.iter().sum();
        (bottom_up, format!("the sum of the reps' capacities, {} (no quotas recorded to share out)", money(bottom_up)))
    };
    let unit = method.rounding_major.max(1).saturating_mul(10i64.pow(currency.exponent()));
    let total_units = (total + unit / 2) / unit;
    let suggested_units = apportion(total_units, &capacities).unwrap_or_else(|_| vec![0; capacities.len()]);

    let growth = |quota: i64, run_rate: i64| (run_rate > 0).then(|| (quota - run_rate) * 10_000 / run_rate);
    let mut suggestions = Vec::new();
    for (row, (capacity, units)) in rows.iter().zip(capacities.iter().zip(suggested_units)) {
        let (person, tenure, ramp_bp, run_rate, used, prior_attainment, pipeline, current) = row;
        let suggested = units * unit;
        let how = format!(
            "Run rate {} over {used} quarter(s) × {} + weighted pipeline due in {period} {} × {}{}= capacity {}; \
             {} of the total capacity gives {}.",
            money(*run_rate),
            bp_pct(history_weight),
            money(*pipeline),
            bp_pct(10_000 - history_weight),
            if *ramp_bp < 10_000 || *used == 0 {
                format!(
                    " (new rep, {tenure} month(s) in: {} of the ramped reps' median capacity {}) ",
                    bp_pct(*ramp_bp),
                    money(median_capacity)
                )
            } else {
                " ".to_owned()
            },
            money(*capacity),
            bp_pct(crate::engine::pay::arith::ratio_bp_floor(*capacity, capacities.iter().sum::<i64>().max(1))),
            money(suggested)
        );
        suggestions.push(QuotaSuggestion {
            person_id: person.id.to_string(),
            name: person.name.clone(),
            team: person.team.clone(),
            tenure_months: *tenure,
            ramp_bp: *ramp_bp,
            run_rate_minor: *run_rate,
            history_periods_used: *used,
            prior_attainment_bp: *prior_attainment,
            weighted_pipeline_minor: *pipeline,
            capacity_minor: *capacity,
            suggested_minor: suggested,
            current_minor: *current,
            difference_minor: current.map(|c| suggested - c),
            required_growth_bp: growth(suggested, *run_rate),
            current_required_growth_bp: current.and_then(|c| growth(c, *run_rate)),
            how,
        });
    }
    let suggested_growth: Vec<i64> = suggestions.iter().filter_map(|s| s.required_growth_bp).collect();
    let current_growth: Vec<i64> = suggestions.iter().filter_map(|s| s.current_required_growth_bp).collect();
    let fairness = Fairness {
        suggested: spread(&suggested_growth),
        current: (!current_growth.is_empty()).then(|| spread(&current_growth)),
        how: "Required growth is a quota over the rep's run rate, less one. A narrow spread (small gap between the \
              25th and 75th percentiles) means every rep is asked for a similar stretch."
            .to_owned(),
    };
    let method_text = vec![
        format!(
            "History: the mean of what each rep booked (at credit share, deals later cancelled left out) in the last \
             {} completed quarter(s) before {period}; quarters before the rep started are skipped.",
            history.len()
        ),
        format!(
            "Territory potential: open deals due in {period} ({start} to {}), each at its stage probability and the \
             rep's credit share, as of {as_of}.",
            end.pred_opt().unwrap_or(end)
        ),
        format!(
            "Capacity = {} × run rate + {} × weighted pipeline.",
            bp_pct(history_weight),
            bp_pct(10_000 - history_weight)
        ),
        format!(
            "Ramp: a rep with under {} months of selling (from their first deal) gets the ramped reps' median capacity \
             × months/{} (at least 25%), or their own capacity if larger.",
            method.ramp_months, method.ramp_months
        ),
        format!("Total to share: {total_basis}."),
        format!(
            "Each rep's quota is the total × their capacity over all capacity, in whole units of {} (largest remainders \
             take the leftover units), so the quotas add up to the total rounded to that unit.",
            money(unit)
        ),
    ];
    QuotaPlan {
        period: period.to_string(),
        as_of,
        currency,
        total_minor: total,
        total_basis,
        method: method_text,
        reps: suggestions,
        fairness,
    }
}

#[cfg(test)]
#[path = "quota_tests.rs"]
mod tests;
