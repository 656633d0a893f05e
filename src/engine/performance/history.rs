//! Per-person results by period, from won deals at each person's credit share: what quota
//! suggestions, recognition, improvement plans and reviews all look back on. Deals later
//! cancelled do not count as results.

use crate::domain::{Currency, Dataset, FiscalCalendar, Period, Role};
use crate::engine::pay::arith::split_exact;
use crate::engine::pay::WonDeal;
use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// One person's results in one period.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub(crate) struct PeriodResult {
    pub period: String,
    pub booked_minor: i64,
    pub quota_minor: Option<i64>,
    pub deals_won: u32,
    pub new_logos: u32,
    pub largest_deal_minor: i64,
    pub deal_ids: Vec<String>,
}

impl PeriodResult {
    /// Booked over quota in basis points; `None` without a quota.
    pub(crate) fn attainment_bp(&self) -> Option<i64> {
        self.quota_minor.filter(|q| *q > 0).map(|q| crate::engine::pay::arith::ratio_bp_floor(self.booked_minor, q))
    }
}

/// A person's credit in a deal, in the deal's currency.
pub(crate) fn credit_of(deal: &WonDeal, person: &str) -> i64 {
    let shares: Vec<u16> = deal.splits.iter().map(|s| s.share_bp).collect();
    let Some(index) = deal.splits.iter().position(|s| s.person_id.as_str() == person) else { return 0 };
    if shares.iter().map(|s| u32::from(*s)).sum::<u32>() == 10_000 {
        split_exact(deal.amount.minor, &shares).ok().and_then(|p| p.get(index).copied()).unwrap_or(0)
    } else {
        crate::engine::pay::arith::apply_bp(deal.amount.minor, i64::from(shares[index])).unwrap_or(0)
    }
}

/// The `count` quarters ending with the one before `period`, oldest first.
pub(crate) fn quarters_before(period: Period, count: usize) -> Vec<Period> {
    let mut out = Vec::with_capacity(count);
    let mut current = period;
    for _ in 0..count {
        current = current.previous();
        out.push(current);
    }
    out.reverse();
    out
}

/// Results for every rep in each of `periods`, in `currency`; deals cancelled by the time of
/// the data are left out.
pub(crate) fn results_by_period(
    data: &Dataset,
    won: &[WonDeal],
    calendar: FiscalCalendar,
    currency: Currency,
    periods: &[Period],
) -> BTreeMap<String, BTreeMap<Period, PeriodResult>> {
    results_of(data, won, calendar, currency, periods, |_| true)
}

/// [`results_by_period`] for the reps `wanted` lets through only.
pub(crate) fn results_of(
    data: &Dataset,
    won: &[WonDeal],
    calendar: FiscalCalendar,
    currency: Currency,
    periods: &[Period],
    wanted: impl Fn(&str) -> bool,
) -> BTreeMap<String, BTreeMap<Period, PeriodResult>> {
    let mut out: BTreeMap<String, BTreeMap<Period, PeriodResult>> = BTreeMap::new();
    // The first quota row per (person, period) in the currency counts, as a search would find.
    let mut quotas: HashMap<(&str, Period), i64> = HashMap::new();
    for quota in data.quotas.iter().filter(|q| q.amount.currency == currency && periods.contains(&q.period)) {
        quotas.entry((quota.person_id.as_str(), quota.period)).or_insert(quota.amount.minor);
    }
    for person in data.people.iter().filter(|p| p.role == Role::Rep && wanted(p.id.as_str())) {
        let entry = out.entry(person.id.to_string()).or_default();
        for period in periods {
            let quota = quotas.get(&(person.id.as_str(), *period)).copied();
            entry.insert(
                *period,
                PeriodResult { period: period.to_string(), quota_minor: quota, ..PeriodResult::default() },
            );
        }
    }
    for deal in won.iter().filter(|d| d.cancelled_on.is_none() && d.amount.currency == currency) {
        let period = calendar.quarter_of(deal.won_on);
        if !periods.contains(&period) {
            continue;
        }
        for split in &deal.splits {
            let Some(result) = out.get_mut(split.person_id.as_str()).and_then(|m| m.get_mut(&period)) else { continue };
            let credit = credit_of(deal, split.person_id.as_str());
            result.booked_minor += credit;
            result.deals_won += 1;
            result.new_logos += u32::from(deal.new_logo);
            result.largest_deal_minor = result.largest_deal_minor.max(credit);
            result.deal_ids.push(deal.deal_id.clone());
        }
    }
    out
}

/// The first day a person shows up selling: their earliest deal created or credited.
pub(crate) fn first_seen(data: &Dataset, person: &str) -> Option<NaiveDate> {
    data.deals
        .iter()
        .filter(|d| d.owner_id.as_str() == person || d.splits.iter().any(|s| s.person_id.as_str() == person))
        .map(|d| d.created_at.date_naive())
        .min()
}

/// Whole months from `from` to `to` (0 when `to` is earlier).
pub(crate) fn months_between(from: NaiveDate, to: NaiveDate) -> u32 {
    let months =
        (to.year() - from.year()) * 12 + to.month() as i32 - from.month() as i32 - i32::from(to.day() < from.day());
    u32::try_from(months.max(0)).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::domain::{CreditSplit, PersonId};
    use crate::engine::pay::test_data::{dataset, day, deal, quota};
    use crate::engine::pay::won_deals;

    #[test]
    fn results_follow_credit_shares_and_skip_other_periods() {
        let mut data = dataset();
        data.quotas.push(quota("rep1", "FY2026-Q1", 1_000_000));
        let mut shared = deal("d1", "rep1", "a", "closed_won", 1_000_001, Some("2026-02-01"));
        shared.splits = vec![
            CreditSplit { person_id: PersonId::parse("rep1").unwrap(), share_bp: 5_000 },
            CreditSplit { person_id: PersonId::parse("rep2").unwrap(), share_bp: 5_000 },
        ];
        data.deals.push(shared);
        data.deals.push(deal("d2", "rep1", "a", "closed_won", 300_000, Some("2025-12-30")));
        let won = won_deals(&data, day("2026-03-31"));
        let periods = vec!["FY2026-Q1".parse().unwrap()];
        let results = results_by_period(&data, &won, FiscalCalendar::default(), crate::domain::Currency::USD, &periods);
        let rep1 = &results["rep1"][&periods[0]];
        let rep2 = &results["rep2"][&periods[0]];
        assert_eq!(rep1.booked_minor + rep2.booked_minor, 1_000_001);
        assert_eq!((rep1.booked_minor, rep1.deals_won, rep1.new_logos), (500_001, 1, 0));
        assert_eq!(rep1.attainment_bp(), Some(5_000));
        assert_eq!(rep2.attainment_bp(), None);
        assert_eq!(months_between(day("2026-01-15"), day("2026-04-14")), 2);
        assert_eq!(months_between(day("2026-01-15"), day("2026-04-15")), 3);
        assert_eq!(
            quarters_before("FY2026-Q1".parse().unwrap(), 2).iter().map(|p| p.to_string()).collect::<Vec<_>>(),
            vec!["FY2025-Q3", "FY2025-Q4"]
        );
    }
}
