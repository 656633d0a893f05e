//! Forecast risk for leaders: a seeded Monte Carlo of the period's bookings (already booked,
//! plus each open deal won with its fitted probability, plus new business at the historical run
//! rate) giving P10/P50/P90 against target and against the reps' commit, with the downside
//! concentrated by account and segment and the largest single-deal exposures.

use super::numbers::{r4, share};
use super::report::DealRisk;
use super::signals::{Severity, SignalId};
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct NewBusiness {
    pub expected_minor: i64,
    pub spread_minor: i64,
    pub periods_used: u32,
    pub how: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Concentration {
    pub key: String,
    pub deals: u32,
    pub amount_minor: i64,
    /// Amount expected in the period that the model expects to miss: amount × (1 − p).
    pub at_risk_minor: i64,
    pub share_of_risk: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Exposure {
    pub deal_id: String,
    pub name: String,
    pub owner_id: String,
    pub account: Option<String>,
    pub amount_minor: i64,
    pub win_in_period: f64,
    pub at_risk_minor: i64,
    pub high_flags: Vec<SignalId>,
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct ForecastRisk {
    pub period: String,
    pub currency: String,
    pub simulations: u32,
    pub seed: u64,
    pub booked_minor: i64,
    pub open_due_in_period_minor: i64,
    pub expected_minor: i64,
    pub p10_minor: i64,
    pub p50_minor: i64,
    pub p90_minor: i64,
    pub target_minor: i64,
    pub commit_minor: i64,
    pub probability_of_target: f64,
    pub probability_of_commit: f64,
    /// Commit minus P50: how far the reps' call sits above the model.
    pub commit_gap_minor: i64,
    /// (P50 − P10) / P50: how much of the median outcome a bad quarter loses.
    pub downside_share: f64,
    pub new_business: NewBusiness,
    pub by_account: Vec<Concentration>,
    pub by_segment: Vec<Concentration>,
    pub largest_exposures: Vec<Exposure>,
    /// Open deals left out because their currency is not the reporting currency.
    pub other_currency_deals: u32,
    pub how_computed: Vec<String>,
}

pub(super) struct ForecastInputs<'r> {
    pub period: String,
    /// Exclusive end of the period.
    pub period_end: chrono::NaiveDate,
    pub currency: String,
    pub deals: &'r [DealRisk],
    pub booked_minor: i64,
    pub target_minor: i64,
    pub target_basis: String,
    pub new_business: NewBusiness,
    pub won_amount_ratio: f64,
    pub seed: u64,
    pub simulations: u32,
    pub top_concentrations: usize,
    pub top_exposures: usize,
}

fn quantile(sorted: &[i64], q: f64) -> i64 {
    if sorted.is_empty() {
        return 0;
    }
    let at = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted.get(at.min(sorted.len() - 1)).copied().unwrap_or(0)
}

fn concentrate(groups: BTreeMap<String, (u32, i64, i64)>, total_risk: i64, top: usize) -> Vec<Concentration> {
    let mut rows: Vec<Concentration> = groups
        .into_iter()
        .map(|(key, (deals, amount_minor, at_risk_minor))| Concentration {
            key,
            deals,
            amount_minor,
            at_risk_minor,
            share_of_risk: r4(share(at_risk_minor as f64, total_risk as f64)),
        })
        .collect();
    rows.sort_by(|a, b| b.at_risk_minor.cmp(&a.at_risk_minor).then_with(|| a.key.cmp(&b.key)));
    rows.truncate(top);
    rows
}

pub(super) fn forecast(inputs: &ForecastInputs<'_>) -> ForecastRisk {
    let in_currency: Vec<&DealRisk> = inputs.deals.iter().filter(|d| d.currency == inputs.currency).collect();
    let other_currency_deals = (inputs.deals.len() - in_currency.len()) as u32;
    let ratio = inputs.won_amount_ratio;
    let live: Vec<(f64, i64)> = in_currency
        .iter()
        .filter(|d| d.in_period_probability > 0.0005 && d.amount_minor > 0)
        .map(|d| (d.in_period_probability, (d.amount_minor as f64 * ratio).round() as i64))
        .collect();
    // A draw below p · 2³² wins: one 32-bit draw per deal instead of a float.
    let thresholds: Vec<(u64, i64)> =
        live.iter().map(|&(p, amount)| ((p.clamp(0.0, 1.0) * 4_294_967_296.0) as u64, amount)).collect();
    let new_business = &inputs.new_business;
    let spread = Normal::new(new_business.expected_minor as f64, new_business.spread_minor.max(0) as f64).ok();
    let mut rng = ChaCha8Rng::seed_from_u64(inputs.seed);
    let mut totals: Vec<i64> = Vec::with_capacity(inputs.simulations as usize);
    for _ in 0..inputs.simulations {
        let mut total = inputs.booked_minor;
        total += match &spread {
            Some(normal) => normal.sample(&mut rng).max(0.0).round() as i64,
            None => new_business.expected_minor,
        };
        for &(threshold, amount) in &thresholds {
            if u64::from(rng.next_u32()) < threshold {
                total = total.saturating_add(amount);
            }
        }
        totals.push(total);
    }
    totals.sort_unstable();
    let expected_minor = inputs.booked_minor
        + new_business.expected_minor
        + live.iter().map(|(p, a)| (p * *a as f64).round() as i64).sum::<i64>();
    let (p10, p50, p90) = (quantile(&totals, 0.1), quantile(&totals, 0.5), quantile(&totals, 0.9));
    let due = |d: &&&DealRisk| d.close_date.is_some_and(|c| c < inputs.period_end);
    let commit_minor = inputs.booked_minor
        + in_currency
            .iter()
            .filter(due)
            .filter(|d| d.forecast_category >= crate::domain::ForecastCategory::Commit)
            .map(|d| d.amount_minor)
            .sum::<i64>();
    let at_least = |level: i64| share(totals.iter().filter(|&&t| t >= level).count() as f64, totals.len() as f64);

    let mut by_account: BTreeMap<String, (u32, i64, i64)> = BTreeMap::new();
    let mut by_segment: BTreeMap<String, (u32, i64, i64)> = BTreeMap::new();
    let mut exposures = Vec::new();
    let mut total_risk = 0i64;
    for deal in in_currency.iter().filter(due) {
        let at_risk = (deal.amount_minor as f64 * (1.0 - deal.in_period_probability)).round() as i64;
        total_risk += at_risk;
        let account = deal.account.clone().unwrap_or_else(|| "(no account)".to_owned());
        let segment = deal.segment.clone().unwrap_or_else(|| "(no segment)".to_owned());
        for (map, key) in [(&mut by_account, account), (&mut by_segment, segment)] {
            let entry = map.entry(key).or_insert((0, 0, 0));
            entry.0 += 1;
            entry.1 += deal.amount_minor;
            entry.2 += at_risk;
        }
        exposures.push(Exposure {
            deal_id: deal.deal_id.clone(),
            name: deal.name.clone(),
            owner_id: deal.owner_id.clone(),
            account: deal.account.clone(),
            amount_minor: deal.amount_minor,
            win_in_period: deal.in_period_probability,
            at_risk_minor: at_risk,
            high_flags: deal.flags.iter().filter(|f| f.severity == Severity::High).map(|f| f.signal).collect(),
        });
    }
    exposures.sort_by(|a, b| b.at_risk_minor.cmp(&a.at_risk_minor).then_with(|| a.deal_id.cmp(&b.deal_id)));
    exposures.truncate(inputs.top_exposures);
    let open_due_in_period_minor = in_currency.iter().filter(due).map(|d| d.amount_minor).sum();

    let how_computed = vec![
        format!("Booked so far: deals won in {} at their amounts when won.", inputs.period),
        format!(
            "Each open deal is won inside the period with its fitted probability (independent draws), at its \
             current amount times {ratio:.3}, the average ratio of final to earlier amount among past won deals."
        ),
        format!("New business not yet in the pipeline: {}", new_business.how),
        format!(
            "{} simulations with a ChaCha8 generator seeded {}; P10/P50/P90 are the 10th/50th/90th percentiles \
             of simulated bookings.",
            inputs.simulations, inputs.seed
        ),
        format!("Target: {}.", inputs.target_basis),
        "Commit: booked plus open deals called commit and due inside the period.".to_owned(),
        "At risk: amount due inside the period times the probability it is not won there.".to_owned(),
    ];
    ForecastRisk {
        period: inputs.period.clone(),
        currency: inputs.currency.clone(),
        simulations: inputs.simulations,
        seed: inputs.seed,
        booked_minor: inputs.booked_minor,
        open_due_in_period_minor,
        expected_minor,
        p10_minor: p10,
        p50_minor: p50,
        p90_minor: p90,
        target_minor: inputs.target_minor,
        commit_minor,
        probability_of_target: r4(if inputs.target_minor > 0 { at_least(inputs.target_minor) } else { 0.0 }),
        probability_of_commit: r4(at_least(commit_minor)),
        commit_gap_minor: commit_minor - p50,
        downside_share: r4(share((p50 - p10) as f64, p50 as f64)),
        new_business: new_business.clone(),
        by_account: concentrate(by_account, total_risk, inputs.top_concentrations),
        by_segment: concentrate(by_segment, total_risk, inputs.top_concentrations),
        largest_exposures: exposures,
        other_currency_deals,
        how_computed,
    }
}
