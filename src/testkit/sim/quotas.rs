//! Quarterly quotas for every rep, calibrated on what each rep actually books in steady state
//! so typical attainment lands between 60% and 120%; managers and leaders carry the sum of
//! their teams.

use super::calendar::uniform;
use super::people::Org;
use crate::domain::{Currency, FiscalCalendar, Money, Period, Quota};
use chrono::{Duration, NaiveDate};
use rand::Rng;
use std::collections::BTreeMap;

/// A won deal as quota calibration sees it.
pub(crate) struct Booking {
    pub rep: usize,
    pub closed_on: NaiveDate,
    pub amount_minor: i64,
}

pub(crate) struct QuotaWindow {
    pub calendar: FiscalCalendar,
    pub first_day: NaiveDate,
    pub as_of: NaiveDate,
}

/// Quarters from the one containing `first_day` to the one after `as_of`.
pub(crate) fn quarters(window: &QuotaWindow) -> Vec<Period> {
    let last = window.calendar.quarter_of(window.as_of).next();
    let mut period = window.calendar.quarter_of(window.first_day);
    let mut out = vec![period];
    while period < last && out.len() < 200 {
        period = period.next();
        out.push(period);
    }
    out
}

pub(crate) fn build_quotas(org: &Org, bookings: &[Booking], window: &QuotaWindow, rng: &mut impl Rng) -> Vec<Quota> {
    let periods = quarters(window);
    // Steady state: the pipeline warm-up before the window lets most quarters qualify; the
    // margin guards against a window shorter than the warm-up.
    let steady_from = window.first_day + Duration::days(30);
    let mut per_rep: Vec<BTreeMap<Period, i64>> = vec![BTreeMap::new(); org.reps.len()];
    for booking in bookings {
        let period = window.calendar.quarter_of(booking.closed_on);
        if let Some(map) = per_rep.get_mut(booking.rep) {
            *map.entry(period).or_default() += booking.amount_minor;
        }
    }
    let steady: Vec<Period> = periods.iter().copied().filter(|p| window.calendar.start(*p) >= steady_from).collect();
    let reference = if steady.is_empty() { &periods } else { &steady };
    let org_mean = {
        let total: i64 =
            per_rep.iter().map(|m| reference.iter().map(|p| m.get(p).copied().unwrap_or(0)).sum::<i64>()).sum();
        total as f64 / (reference.len().max(1) * org.reps.len().max(1)) as f64
    };

    let mut quotas = Vec::with_capacity(periods.len() * org.people.len());
    let mut rep_quota = vec![0i64; org.reps.len()];
    for (r, map) in per_rep.iter().enumerate() {
        let mean = reference.iter().map(|p| map.get(p).copied().unwrap_or(0)).sum::<i64>() as f64
            / reference.len().max(1) as f64;
        // A rep with little history still gets a quota in line with the organisation.
        let base = if mean > 0.0 { 0.7 * mean + 0.3 * org_mean } else { org_mean };
        let target = base * uniform(rng, 1.0, 1.3);
        let step = 1_000_000.0; // whole ten-thousands of dollars
        rep_quota[r] = ((target / step).round() * step).max(step) as i64;
    }
    let mut team_sum: BTreeMap<usize, i64> = BTreeMap::new();
    for (r, rep) in org.reps.iter().enumerate() {
        *team_sum.entry(rep.manager).or_default() += rep_quota[r];
    }
    let mut leader_sum: BTreeMap<usize, i64> = BTreeMap::new();
    for (manager, sum) in &team_sum {
        let leader = org
            .people
            .get(*manager)
            .and_then(|m| m.manager_id.as_ref())
            .and_then(|id| org.people.iter().position(|p| &p.id == id));
        if let Some(leader) = leader {
            *leader_sum.entry(leader).or_default() += sum;
        }
    }
    for period in &periods {
        for (r, rep) in org.reps.iter().enumerate() {
            push(&mut quotas, org, rep.person, *period, rep_quota[r]);
        }
        for (manager, sum) in &team_sum {
            push(&mut quotas, org, *manager, *period, *sum);
        }
        for (leader, sum) in &leader_sum {
            push(&mut quotas, org, *leader, *period, *sum);
        }
    }
    quotas
}

fn push(quotas: &mut Vec<Quota>, org: &Org, person: usize, period: Period, amount: i64) {
    if let Some(p) = org.people.get(person) {
        quotas.push(Quota { person_id: p.id.clone(), period, amount: Money::new(amount, Currency::USD) });
    }
}
