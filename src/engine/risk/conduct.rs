//! Scorecard parts that look back over past periods: forecast accuracy (what was in commit
//! versus what closed) and conduct-risk indicators (closes bunched at period end, product mix
//! skewed against the organisation's, won deals cancelled afterwards).

use super::index::FieldValue;
use super::numbers::{pct_text, r4, share};
use super::rules::RiskConfig;
use super::scorecard::{Metric, ScorecardInputs};
use super::state::deal_at;
use crate::domain::{money_text, DealField, ForecastCategory, MoneyStyle, StageStatus};
use chrono::Duration;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct PeriodAccuracy {
    pub period: String,
    /// Read on this day of the period.
    pub commit_read_on: String,
    pub committed_minor: i64,
    pub won_from_commit_minor: i64,
    pub won_total_minor: i64,
    /// Won in the period over committed; 1.0 is a perfect call.
    pub accuracy: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Conduct {
    pub bunched_at_period_end: Metric,
    pub product_skew: Metric,
    pub skewed_product: Option<String>,
    pub cancellations: Metric,
    /// The indicators that crossed their thresholds, in words.
    pub indicators: Vec<String>,
}

impl Conduct {
    pub fn empty(rules: &RiskConfig) -> Self {
        let card = &rules.scorecard;
        Self {
            bunched_at_period_end: Metric {
                value: 0.0,
                how: format!("No deals won in the last {} days.", card.lookback_days),
            },
            product_skew: Metric { value: 0.0, how: "No deals won to compare with the organisation.".to_owned() },
            skewed_product: None,
            cancellations: Metric { value: 0.0, how: "No won deal was reopened or cancelled.".to_owned() },
            indicators: Vec::new(),
        }
    }
}

/// Commit calls read early in each past period against what the owner then won in it.
pub(super) fn forecast_accuracy(inputs: &ScorecardInputs<'_, '_>) -> BTreeMap<String, Vec<PeriodAccuracy>> {
    let index = inputs.index;
    let card = &inputs.rules.scorecard;
    let earliest = index.data.deals.iter().map(|d| d.created_at).min();
    let mut out: BTreeMap<String, Vec<PeriodAccuracy>> = BTreeMap::new();
    let mut period = inputs.period.0;
    for _ in 0..inputs.rules.forecast.history_periods {
        period = period.previous();
        let (start, end) = (inputs.calendar.start(period), inputs.calendar.end_exclusive(period));
        let read_on = start + Duration::days(i64::from(card.commit_snapshot_day));
        let snapshot = read_on.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
        let (Some(snapshot), Some(earliest)) = (snapshot, earliest) else { break };
        if snapshot > inputs.as_of || earliest.date_naive() >= start {
            break;
        }
        let mut rows: BTreeMap<&str, (i64, i64, i64)> = BTreeMap::new();
        for (position, now) in inputs.states.iter().enumerate() {
            let Some(now) = now else { continue };
            let Some(deal) = index.deal(position) else { continue };
            if deal.amount.currency.as_str() != inputs.currency {
                continue;
            }
            let won_in = now.status() == StageStatus::Won
                && now.closed_at.map(|c| c.date_naive()).is_some_and(|c| c >= start && c < end);
            if won_in {
                rows.entry(now.owner).or_default().2 += now.amount_minor;
            }
            // Only deals open at the snapshot can have been in commit then.
            if deal.created_at > snapshot || now.closed_at.is_some_and(|c| c <= snapshot) {
                continue;
            }
            let Some(then) = deal_at(index, position, snapshot) else { continue };
            let committed = then.is_open()
                && then.forecast_category >= ForecastCategory::Commit
                && then.close_date.is_some_and(|c| c >= start && c < end);
            if committed {
                let entry = rows.entry(then.owner).or_default();
                entry.0 += then.amount_minor;
                if won_in {
                    entry.1 += now.amount_minor;
                }
            }
        }
        for (owner, (committed, won_from_commit, won_total)) in rows {
            out.entry(owner.to_owned()).or_default().push(PeriodAccuracy {
                period: period.to_string(),
                commit_read_on: read_on.to_string(),
                committed_minor: committed,
                won_from_commit_minor: won_from_commit,
                won_total_minor: won_total,
                accuracy: r4(share(won_total as f64, committed as f64)),
            });
        }
    }
    out
}

#[derive(Default)]
struct ConductTally<'a> {
    won_amount: i64,
    won_deals: u32,
    bunched_amount: i64,
    by_product: BTreeMap<&'a str, f64>,
    cancellations: u32,
    cancellation_examples: Vec<String>,
}

/// Conduct indicators for every owner of a deal won or cancelled in the lookback window.
pub(super) fn conduct_indicators(inputs: &ScorecardInputs<'_, '_>) -> BTreeMap<String, Conduct> {
    let index = inputs.index;
    let card = &inputs.rules.scorecard;
    let from = inputs.as_of - Duration::days(i64::from(card.lookback_days));
    let mut tallies: BTreeMap<&str, ConductTally<'_>> = BTreeMap::new();
    let mut org = ConductTally::default();
    for (position, state) in inputs.states.iter().enumerate() {
        let (Some(state), Some(deal)) = (state, index.deal(position)) else { continue };
        for &h in index.history_of(position) {
            let Some(row) = index.history_row(h) else { continue };
            if row.field != DealField::Stage || row.changed_at < from || row.changed_at > inputs.as_of {
                continue;
            }
            let is_won =
                |value: FieldValue| matches!(value, FieldValue::Stage(info) if info.status == StageStatus::Won);
            let (old, new) = index.change(h);
            let (was_won, now_won) = (is_won(old), is_won(new));
            if was_won && !now_won {
                let tally = tallies.entry(state.owner).or_default();
                tally.cancellations += 1;
                tally.cancellation_examples.push(format!("{} (history {})", deal.id, row.id));
            }
        }
        let Some(closed_at) = state.closed_at.filter(|c| *c >= from) else { continue };
        if state.status() != StageStatus::Won || deal.amount.currency.as_str() != inputs.currency {
            continue;
        }
        let closed_on = closed_at.date_naive();
        let period_end = inputs.calendar.end_exclusive(inputs.calendar.quarter_of(closed_on));
        let bunched = (period_end - closed_on).num_days() <= i64::from(card.bunching_days);
        let per_product =
            if deal.products.is_empty() { 0.0 } else { state.amount_minor as f64 / deal.products.len() as f64 };
        for tally in [tallies.entry(state.owner).or_default(), &mut org] {
            tally.won_amount += state.amount_minor;
            tally.won_deals += 1;
            if bunched {
                tally.bunched_amount += state.amount_minor;
            }
            for product in &deal.products {
                *tally.by_product.entry(product.as_str()).or_default() += per_product;
            }
        }
    }
    let org_bunched = share(org.bunched_amount as f64, org.won_amount as f64);
    let org_products: f64 = org.by_product.values().sum();
    let money = |minor: i64| money_text(minor, inputs.currency, MoneyStyle::Whole);
    let mut out = BTreeMap::new();
    for (owner, tally) in tallies {
        let mut conduct = Conduct::empty(inputs.rules);
        let bunched = share(tally.bunched_amount as f64, tally.won_amount as f64);
        conduct.bunched_at_period_end = Metric {
            value: r4(bunched),
            how: format!(
                "{} of {} won in the last {} days closed in the final {} days of a quarter ({}); the organisation: {}.",
                money(tally.bunched_amount),
                money(tally.won_amount),
                card.lookback_days,
                card.bunching_days,
                pct_text(bunched),
                pct_text(org_bunched)
            ),
        };
        // Four wins is the least that can show a pattern rather than chance.
        if tally.won_deals >= 4 && bunched >= card.bunching_warn_share && bunched > org_bunched {
            conduct.indicators.push(format!(
                "closes bunched at quarter end: {} of won amount against {} for the organisation",
                pct_text(bunched),
                pct_text(org_bunched)
            ));
        }
        let rep_products: f64 = tally.by_product.values().sum();
        let rep_share = |p: &str| share(tally.by_product.get(p).copied().unwrap_or(0.0), rep_products);
        let org_share = |p: &str| share(org.by_product.get(p).copied().unwrap_or(0.0), org_products);
        let (skew, product) = if card.high_commission_products.is_empty() {
            tally
                .by_product
                .keys()
                .map(|p| (rep_share(p) - org_share(p), Some((*p).to_owned())))
                .fold((0.0, None), |best, next| if next.0 > best.0 { next } else { best })
        } else {
            let listed = card.high_commission_products.iter();
            let rep: f64 = listed.clone().map(|p| rep_share(p)).sum();
            let org_total: f64 = listed.map(|p| org_share(p)).sum();
            (rep - org_total, Some(card.high_commission_products.join("+")))
        };
        conduct.product_skew = Metric {
            value: r4(skew),
            how: match &product {
                Some(product) => format!(
                    "Share of won amount in {product} minus the organisation's share of it, over the last {} days.",
                    card.lookback_days
                ),
                None => "No product on the rep's won deals.".to_owned(),
            },
        };
        if tally.won_deals >= 4 && skew * 100.0 >= card.product_skew_points {
            conduct.indicators.push(format!(
                "product mix skewed to {}: {} points above the organisation",
                product.clone().unwrap_or_default(),
                (skew * 100.0).round()
            ));
        }
        conduct.skewed_product = product;
        conduct.cancellations = Metric {
            value: f64::from(tally.cancellations),
            how: if tally.cancellation_examples.is_empty() {
                "No won deal was reopened or cancelled in the window.".to_owned()
            } else {
                format!("Won deals moved out of won: {}.", tally.cancellation_examples.join(", "))
            },
        };
        if tally.cancellations > 0 {
            conduct.indicators.push(format!("{} won deal(s) cancelled or reopened", tally.cancellations));
        }
        out.insert(owner.to_owned(), conduct);
    }
    out
}
