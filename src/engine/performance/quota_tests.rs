//! Quota suggestions worked by hand: two ramped reps with history and pipeline, one new rep.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::engine::pay::test_data::{dataset, day, deal, person, quota, ts};
use crate::engine::pay::won_deals;

fn organisation() -> Dataset {
    let mut data = dataset();
    data.people.push(person("rep3", Role::Rep, Some("mgr")));
    for (i, won) in ["2025-05-15", "2025-08-15", "2025-11-15", "2026-02-15"].iter().enumerate() {
        for (rep, amount) in [("rep1", 10_000_000), ("rep2", 5_000_000)] {
            let mut d = deal(&format!("{rep}-{i}"), rep, &format!("{rep}-acct{i}"), "closed_won", amount, Some(won));
            d.created_at = ts("2025-01-01");
            data.deals.push(d);
        }
    }
    let mut open = deal("open1", "rep1", "big", "proposal", 20_000_000, None);
    open.close_date = Some(day("2026-05-20"));
    data.deals.push(open);
    let mut new_rep = deal("open3", "rep3", "new", "qualify", 5_000_000, None);
    new_rep.created_at = ts("2026-02-15");
    new_rep.close_date = Some(day("2026-09-01"));
    data.deals.push(new_rep);
    for (rep, q1, q2) in [("rep1", 10_000_000, 12_000_000), ("rep2", 5_000_000, 6_000_000), ("rep3", 0, 3_000_000)] {
        if q1 > 0 {
            data.quotas.push(quota(rep, "FY2026-Q1", q1));
        }
        data.quotas.push(quota(rep, "FY2026-Q2", q2));
    }
    data
}

#[test]
fn suggestions_share_the_total_by_capacity_with_ramp() {
    let data = organisation();
    let won = won_deals(&data, day("2026-03-31"));
    let plan = suggest_quotas(
        &data,
        &won,
        FiscalCalendar::default(),
        Currency::USD,
        "FY2026-Q2".parse().unwrap(),
        day("2026-03-31"),
        QuotaMethod::default(),
    );
    assert_eq!(plan.total_minor, 21_000_000);
    let rep = |id: &str| plan.reps.iter().find(|r| r.person_id == id).unwrap();
    // rep1: run rate 100,000 over 4 quarters; proposal at 60% of 200,000 = 120,000 weighted.
    // Capacity 70% × 100,000 + 30% × 120,000 = 106,000.
    assert_eq!((rep("rep1").run_rate_minor, rep("rep1").history_periods_used), (10_000_000, 4));
    assert_eq!(rep("rep1").weighted_pipeline_minor, 12_000_000);
    assert_eq!(rep("rep1").capacity_minor, 10_600_000);
    assert_eq!(rep("rep1").prior_attainment_bp, Some(10_000));
    // rep2: 70% × 50,000 = 35,000. rep3: one month in, so 25% (the floor) of the ramped
    // median (106,000, the upper of two) = 26,500.
    assert_eq!(rep("rep2").capacity_minor, 3_500_000);
    assert_eq!((rep("rep3").tenure_months, rep("rep3").ramp_bp, rep("rep3").capacity_minor), (1, 2_500, 2_650_000));
    // 210 units of 1,000 shared 106 : 35 : 26.5 → 132.9, 43.9, 33.2 → floors 132, 43, 33 and the
    // two leftover units to the largest remainders (rep1, rep2): 133,000 / 44,000 / 33,000.
    let suggested: Vec<i64> = ["rep1", "rep2", "rep3"].iter().map(|id| rep(id).suggested_minor).collect();
    assert_eq!(suggested, vec![13_300_000, 4_400_000, 3_300_000]);
    assert_eq!(rep("rep1").difference_minor, Some(1_300_000));
    assert_eq!(rep("rep2").required_growth_bp, Some(-1_200));
    assert_eq!(rep("rep1").current_required_growth_bp, Some(2_000));
    assert_eq!(rep("rep3").required_growth_bp, None);
    assert_eq!((plan.fairness.suggested.min_bp, plan.fairness.suggested.max_bp), (-1_200, 3_300));
    assert_eq!(plan.fairness.current.as_ref().unwrap().interquartile_bp, 0);
    assert!(plan.method.iter().any(|m| m.contains("70% × run rate + 30% × weighted pipeline")));
    assert!(rep("rep3").how.contains("new rep, 1 month(s) in"), "{}", rep("rep3").how);
}

#[test]
fn without_current_quotas_the_previous_period_sets_the_total() {
    let mut data = organisation();
    data.quotas.retain(|q| q.period.to_string() != "FY2026-Q2");
    let won = won_deals(&data, day("2026-03-31"));
    let method = QuotaMethod { growth_bp: 1_000, ..QuotaMethod::default() };
    let plan = suggest_quotas(
        &data,
        &won,
        FiscalCalendar::default(),
        Currency::USD,
        "FY2026-Q2".parse().unwrap(),
        day("2026-03-31"),
        method,
    );
    // FY2026-Q1 quotas: 150,000 grown by 10% = 165,000.
    assert_eq!(plan.total_minor, 16_500_000);
    assert_eq!(plan.reps.iter().map(|r| r.suggested_minor).sum::<i64>(), 16_500_000);
    assert!(plan.reps.iter().all(|r| r.current_minor.is_none() && r.difference_minor.is_none()));
}
