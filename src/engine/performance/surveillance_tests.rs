//! Surveillance tests on a hand-made organisation: one rep with every pattern, one without.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::engine::pay::test_data::{dataset, day, deal, stage_change};
use crate::engine::pay::won_deals;
use crate::engine::pay::ComplianceEventKind;

fn sale(id: &str, owner: &str, product: &str, amount: i64, won_on: Option<&str>) -> crate::domain::Deal {
    let mut d = deal(
        id,
        owner,
        &format!("acct-{id}"),
        if won_on.is_some() { "closed_won" } else { "closed_lost" },
        amount,
        won_on,
    );
    d.products = vec![product.to_owned()];
    d
}

fn organisation() -> (Dataset, Vec<ComplianceEvent>) {
    let mut data = dataset();
    data.deals.extend([
        sale("e1", "rep1", "custody", 1_000_000, Some("2025-09-10")),
        sale("e2", "rep1", "custody", 1_000_000, Some("2025-11-10")),
        sale("r1", "rep1", "fx_overlay", 1_000_000, Some("2026-03-28")),
        sale("r2", "rep1", "fx_overlay", 10_000_000, Some("2026-03-30")),
        sale("r3", "rep1", "fx_overlay", 1_000_000, None),
    ]);
    data.history.push(stage_change("h1", "r3", "negotiate", "closed_won", "2026-06-26"));
    data.history.push(stage_change("h2", "r3", "closed_won", "closed_lost", "2026-06-29"));
    for (i, won) in ["2026-02-10", "2026-03-10", "2026-04-10", "2026-05-10"].iter().enumerate() {
        data.deals.push(sale(&format!("c{i}"), "rep2", "custody", 5_000_000, Some(won)));
    }
    let events = vec![ComplianceEvent {
        id: "ev1".into(),
        person_id: "rep1".into(),
        kind: ComplianceEventKind::ComplaintUpheld,
        occurred_on: day("2026-06-01"),
        deal_id: Some("r2".into()),
        detail: "unsuitable product".into(),
    }];
    (data, events)
}

fn report() -> ComplianceReport {
    let (data, events) = organisation();
    let members = vec!["cco@firm.example".to_owned()];
    let viewer = authorise(&data, "CCO@firm.example", "compliance", &members).unwrap();
    let settings =
        SurveillanceSettings { high_paying_products: vec!["fx_overlay".into()], ..SurveillanceSettings::default() };
    let won = won_deals(&data, day("2026-06-30"));
    let book = PlanBook::default_book().unwrap();
    surveil(
        &viewer,
        &data,
        &won,
        &events,
        &book,
        FiscalCalendar::default(),
        Currency::USD,
        day("2026-06-30"),
        &settings,
    )
}

#[test]
fn every_pattern_is_surfaced_with_its_deals() {
    let report = report();
    assert_eq!(report.audience, "compliance");
    assert_eq!(report.prepared_for, "CCO@firm.example");
    let rep1 = &report.reps[0];
    assert_eq!(rep1.person_id, "rep1");
    let find = |key: &str| {
        rep1.indicators.iter().find(|i| i.key == key).unwrap_or_else(|| panic!("{key}: {:#?}", rep1.indicators))
    };
    // FY2026-Q1 (110,000) is 11× the median of rep1's other quarters (10,000), and r2 (100,000)
    // is 10× the median sale (10,000): two findings, so high.
    let spike = find("sales_spike");
    assert_eq!(spike.severity, Severity::High);
    assert_eq!(spike.deal_ids, vec!["r1".to_owned(), "r2".to_owned()]);
    assert!(spike.text.starts_with("FY2026-Q1 booked 110,000.00 USD, 11×"), "{}", spike.text);
    // 120,000 of 140,000 won in the last 7 days of a quarter: 85.71%.
    let bunching = find("period_end_bunching");
    assert_eq!(bunching.severity, Severity::High);
    assert!(bunching.text.starts_with("85.71%"), "{}", bunching.text);
    let mix = find("product_mix_shift");
    assert!(mix.text.contains("100%") && mix.text.contains("against 0%"), "{}", mix.text);
    assert_eq!(mix.severity, Severity::High);
    let cancelled = find("cancellations_after_sale");
    assert_eq!(cancelled.deal_ids, vec!["r3".to_owned()]);
    assert!(cancelled.text.starts_with("1 of 5 sales"), "{}", cancelled.text);
    assert_eq!(find("complaints_and_breaches").event_ids, vec!["ev1".to_owned()]);
    assert_eq!(rep1.highest, Some(Severity::High));
    let rep2 = &report.reps[1];
    assert!(rep2.indicators.is_empty(), "{:#?}", rep2.indicators);
    assert_eq!((report.teams[0].reps, report.teams[0].reps_flagged), (2, 1));
    assert_eq!(report.plan_features.len(), 2);
}

#[test]
fn only_compliance_members_may_read_it() {
    let (data, _) = organisation();
    let members = vec!["cco@firm.example".to_owned()];
    assert!(matches!(
        authorise(&data, "rep1@firm.example", "compliance", &members),
        Err(AccessError::NotCompliance { .. })
    ));
    assert!(matches!(authorise(&data, "rep1", "compliance", &members), Err(AccessError::NotCompliance { .. })));
    assert!(matches!(authorise(&data, "cco@firm.example", "compliance", &[]), Err(AccessError::NoMembers(_))));
    // A member listed by person id is recognised by any of their addresses.
    let by_id = authorise(&data, "mgr@firm.example", "compliance", &["mgr".to_owned()]).unwrap();
    assert_eq!(by_id.id(), "mgr");
}
