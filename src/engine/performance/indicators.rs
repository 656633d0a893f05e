//! The per-rep conduct indicators behind surveillance, each with the deals or events behind it:
//! sales spikes (a quarter far above the rep's usual, or one sale far above their usual sale),
//! closes bunched at quarter end, a product mix moving toward products that pay more,
//! cancellations after the sale, and complaints or breaches.

use super::surveillance::{Indicator, Severity, SurveillanceSettings};
use crate::domain::{Currency, FiscalCalendar, Money, Period};
use crate::engine::pay::arith::{bp_pct, bp_times, ratio_bp_floor};
use crate::engine::pay::plan::ComplianceEventKind;
use crate::engine::pay::{ComplianceEvent, WonDeal};
use chrono::NaiveDate;
use std::collections::{BTreeMap, BTreeSet};

/// A sale at the rep's credit share (or the whole amount for organisation figures).
pub(crate) struct Sale<'a> {
    pub deal: &'a WonDeal,
    pub credit: i64,
}

/// The days the indicators look at.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Window {
    pub calendar: FiscalCalendar,
    pub currency: Currency,
    /// Sales after this day count as the window's.
    pub from: NaiveDate,
    pub as_of: NaiveDate,
    pub recent_from: NaiveDate,
    pub earlier_from: NaiveDate,
}

pub(crate) fn bunched(calendar: FiscalCalendar, day: NaiveDate, days: u32) -> bool {
    let end = calendar.end_exclusive(calendar.quarter_of(day));
    (end - day).num_days() <= i64::from(days)
}

/// Share of sales (by number: the mix is about what is sold, not how large) with a
/// higher-paying product.
pub(crate) fn high_paying_share(sales: &[&Sale<'_>], products: &BTreeSet<String>) -> Option<i64> {
    let high = sales.iter().filter(|s| s.deal.products.iter().any(|p| products.contains(p))).count();
    (!sales.is_empty()).then(|| ratio_bp_floor(high as i64, sales.len() as i64))
}

fn median(values: &mut [i64]) -> Option<i64> {
    values.sort_unstable();
    values.get(values.len() / 2).copied()
}

fn times(part: i64, whole: i64) -> String {
    bp_times(i64::try_from(i128::from(part) * 10_000 / i128::from(whole.max(1))).unwrap_or(i64::MAX) / 100 * 100)
}

/// `all` reaches back a second window before `window.from`, so a rep's usual is known.
pub(crate) fn sales_spike(all: &[Sale<'_>], window: &Window, settings: &SurveillanceSettings) -> Option<Indicator> {
    let money = |v: i64| Money::new(v, window.currency).to_string();
    let mut parts = Vec::new();
    let mut deal_ids: Vec<String> = Vec::new();
    let mut by_quarter: BTreeMap<Period, (i64, Vec<&str>)> = BTreeMap::new();
    if let Some(first) = all.iter().map(|s| s.deal.won_on).min() {
        let mut quarter = window.calendar.quarter_of(first);
        let last = window.calendar.quarter_of(window.as_of);
        while quarter <= last {
            by_quarter.insert(quarter, (0, Vec::new()));
            quarter = quarter.next();
        }
    }
    for sale in all {
        let entry = by_quarter.entry(window.calendar.quarter_of(sale.deal.won_on)).or_default();
        entry.0 += sale.credit;
        entry.1.push(sale.deal.deal_id.as_str());
    }
    for (quarter, (booked, ids)) in &by_quarter {
        if window.calendar.end_exclusive(*quarter) <= window.from {
            continue;
        }
        let mut others: Vec<i64> = by_quarter.iter().filter(|(q, _)| *q != quarter).map(|(_, (b, _))| *b).collect();
        if others.len() < 3 {
            continue;
        }
        let usual = median(&mut others).unwrap_or(0);
        if usual > 0 && i128::from(*booked) * 10_000 >= i128::from(usual) * i128::from(settings.quarter_spike_bp) {
            parts.push(format!(
                "{quarter} booked {}, {} the median of the rep's other quarters ({})",
                money(*booked),
                times(*booked, usual),
                money(usual)
            ));
            deal_ids.extend(ids.iter().map(|id| (*id).to_owned()));
        }
    }
    let mut credits: Vec<i64> = all.iter().map(|s| s.credit).collect();
    if credits.len() >= settings.min_deals {
        let usual = median(&mut credits).unwrap_or(0);
        for sale in all.iter().filter(|s| s.deal.won_on > window.from) {
            if usual > 0 && i128::from(sale.credit) * 10_000 >= i128::from(usual) * i128::from(settings.deal_spike_bp) {
                parts.push(format!(
                    "sale {} at {}, {} the rep's median sale ({})",
                    sale.deal.deal_id,
                    money(sale.credit),
                    times(sale.credit, usual),
                    money(usual)
                ));
                if !deal_ids.contains(&sale.deal.deal_id) {
                    deal_ids.insert(0, sale.deal.deal_id.clone());
                }
            }
        }
    }
    (!parts.is_empty()).then(|| Indicator {
        key: "sales_spike",
        severity: if parts.len() >= 2 { Severity::High } else { Severity::Medium },
        text: format!("{}.", parts.join("; ")),
        deal_ids,
        event_ids: Vec::new(),
    })
}

pub(crate) fn period_end_bunching(
    mine: &[&Sale<'_>],
    org_bunched_bp: i64,
    window: &Window,
    settings: &SurveillanceSettings,
) -> Option<Indicator> {
    let total: i64 = mine.iter().map(|s| s.credit).sum();
    let bunched_sales: Vec<&&Sale<'_>> =
        mine.iter().filter(|s| bunched(window.calendar, s.deal.won_on, settings.bunching_days)).collect();
    let bunched_bp = ratio_bp_floor(bunched_sales.iter().map(|s| s.credit).sum(), total);
    let flagged =
        mine.len() >= settings.min_deals && bunched_bp >= settings.bunching_warn_bp && bunched_bp > org_bunched_bp;
    flagged.then(|| Indicator {
        key: "period_end_bunching",
        severity: if bunched_bp >= 7_500 { Severity::High } else { Severity::Medium },
        text: format!(
            "{} of won amount closed in the last {} days of a quarter, against {} for the organisation.",
            bp_pct(bunched_bp),
            settings.bunching_days,
            bp_pct(org_bunched_bp)
        ),
        deal_ids: bunched_sales.iter().map(|s| s.deal.deal_id.clone()).collect(),
        event_ids: Vec::new(),
    })
}

pub(crate) fn product_mix(
    all: &[Sale<'_>],
    org_mix_bp: Option<i64>,
    products: &BTreeSet<String>,
    window: &Window,
    settings: &SurveillanceSettings,
) -> Option<Indicator> {
    if products.is_empty() {
        return None;
    }
    let recent: Vec<&Sale<'_>> = all.iter().filter(|s| s.deal.won_on > window.recent_from).collect();
    let earlier: Vec<&Sale<'_>> =
        all.iter().filter(|s| s.deal.won_on > window.earlier_from && s.deal.won_on <= window.recent_from).collect();
    if recent.len() * 2 < settings.min_deals {
        return None;
    }
    let now = high_paying_share(&recent, products)?;
    let before = high_paying_share(&earlier, products);
    let shift = before.map(|b| now - b);
    let above_org = org_mix_bp.map(|o| now - o);
    let flagged = shift.is_some_and(|s| s >= settings.mix_shift_warn_bp)
        || above_org.is_some_and(|a| a >= settings.mix_shift_warn_bp);
    flagged.then(|| Indicator {
        key: "product_mix_shift",
        severity: if shift.is_some_and(|s| s >= 2 * settings.mix_shift_warn_bp) || above_org.is_some_and(|a| a >= 2 * settings.mix_shift_warn_bp) {
            Severity::High
        } else {
            Severity::Medium
        },
        text: format!(
            "Higher-paying products ({}) are {} of the last {} days' sales by number, against {} in the {} days before and {} for the organisation.",
            products.iter().cloned().collect::<Vec<_>>().join(", "),
            bp_pct(now),
            settings.recent_days,
            before.map(bp_pct).unwrap_or_else(|| "no sales".to_owned()),
            settings.recent_days,
            org_mix_bp.map(bp_pct).unwrap_or_else(|| "no sales".to_owned())
        ),
        deal_ids: recent.iter().filter(|s| s.deal.products.iter().any(|p| products.contains(p))).map(|s| s.deal.deal_id.clone()).collect(),
        event_ids: Vec::new(),
    })
}

pub(crate) fn cancellations(mine: &[&Sale<'_>], settings: &SurveillanceSettings) -> Option<Indicator> {
    let cancelled: Vec<&&Sale<'_>> = mine.iter().filter(|s| s.deal.cancelled_on.is_some()).collect();
    let cancelled_bp = ratio_bp_floor(cancelled.len() as i64, mine.len() as i64);
    if cancelled.is_empty() || cancelled_bp < settings.cancellation_warn_bp {
        return None;
    }
    let quick =
        cancelled.iter().filter(|s| s.deal.cancelled_on.is_some_and(|c| (c - s.deal.won_on).num_days() <= 90)).count();
    Some(Indicator {
        key: "cancellations_after_sale",
        severity: if quick > 0 { Severity::High } else { Severity::Medium },
        text: format!(
            "{} of {} sales in the window were cancelled afterwards ({}), {quick} within 90 days.",
            cancelled.len(),
            mine.len(),
            bp_pct(cancelled_bp)
        ),
        deal_ids: cancelled.iter().map(|s| s.deal.deal_id.clone()).collect(),
        event_ids: Vec::new(),
    })
}

pub(crate) fn complaints(events: &[ComplianceEvent], person: &str, window: &Window) -> Option<Indicator> {
    let found: Vec<&ComplianceEvent> = events
        .iter()
        .filter(|e| e.person_id == person && e.occurred_on > window.from && e.occurred_on <= window.as_of)
        .filter(|e| {
            matches!(
                e.kind,
                ComplianceEventKind::Complaint
                    | ComplianceEventKind::ComplaintUpheld
                    | ComplianceEventKind::ConductBreach
            )
        })
        .collect();
    if found.is_empty() {
        return None;
    }
    let serious = found.iter().filter(|e| e.kind != ComplianceEventKind::Complaint).count();
    Some(Indicator {
        key: "complaints_and_breaches",
        severity: if serious > 0 { Severity::High } else { Severity::Medium },
        text: format!(
            "{} complaint(s) or breach(es) recorded in the window, {serious} upheld or a breach.",
            found.len()
        ),
        deal_ids: found.iter().filter_map(|e| e.deal_id.clone()).collect(),
        event_ids: found.iter().map(|e| e.id.clone()).collect(),
    })
}
