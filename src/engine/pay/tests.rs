//! Hand-worked pay examples, one feature at a time: tiers and their boundaries, accelerators,
//! thresholds, caps, splits, currency rounding, holds, clawbacks, modifiers and gates; then
//! reproduction from stored inputs and the what-if. The expected numbers are worked out in the
//! comments, not computed by the code under test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::test_data::{dataset, day, deal, quota, stage_change};
use super::*;
use crate::domain::{CreditSplit, Currency, Dataset, FiscalCalendar, Money, PersonId, RevenueType};

/// A one-measure bookings plan: 48,000 a year (12,000 a quarter) on a quota target.
fn plan_text(measure_extra: &str, plan_extra: &str) -> String {
    format!(
        "id = \"test\"\nversion = 1\nname = \"Test plan\"\ncurrency = \"USD\"\neffective_from = \"2026-01-01\"\n\
         [eligibility]\nroles = [\"rep\"]\n[pay]\nbase_salary = \"72000\"\ntarget_incentive = \"48000\"\n\
         [[measures]]\nkey = \"bookings\"\nlabel = \"Bookings\"\nkind = \"bookings\"\nweight_pct = \"100\"\n\
         target = {{ quota_pct = \"100\" }}\n\
         tiers = [{{ from_pct = \"0\", rate = \"1.0\" }}, {{ from_pct = \"100\", rate = \"1.5\" }}, {{ from_pct = \"150\", rate = \"0.5\" }}]\n\
         {measure_extra}\n{plan_extra}"
    )
}

fn book(text: &str) -> PlanBook {
    PlanBook::from_texts([text]).unwrap()
}

/// rep1 with a 1,000,000.00 quota for FY2026-Q1 and won deals of the given amounts (minor).
fn data_with(amounts: &[i64]) -> Dataset {
    let mut data = dataset();
    data.quotas.push(quota("rep1", "FY2026-Q1", 100_000_000));
    for (i, amount) in amounts.iter().enumerate() {
        let won = format!("2026-02-{:02}", i + 1);
        data.deals.push(deal(
            &format!("d{}", i + 1),
            "rep1",
            &format!("acct{}", i + 1),
            "closed_won",
            *amount,
            Some(&won),
        ));
    }
    data
}

fn statement_at(
    data: &Dataset,
    book: &PlanBook,
    person: &str,
    period: &str,
    as_of: &str,
    events: &[ComplianceEvent],
) -> Statement {
    let request = GatherRequest {
        book,
        calendar: FiscalCalendar::default(),
        person_id: person,
        period: period.parse().unwrap(),
        as_of: day(as_of),
        events,
    };
    calculate(&gather(data, &request).unwrap()).unwrap()
}

fn statement(data: &Dataset, text: &str) -> Statement {
    statement_at(data, &book(text), "rep1", "FY2026-Q1", "2026-03-31", &[])
}

fn line<'a>(statement: &'a Statement, key: &str) -> &'a statement::Line {
    statement.lines.iter().find(|l| l.key == key).unwrap_or_else(|| panic!("no line {key}: {:#?}", statement.lines))
}

#[test]
fn tiers_and_accelerator_pay_band_by_band() {
    // 700,000 + 500,000 = 120% of quota. Tier 1: 100% × 1.0 × 12,000 = 12,000.00.
    // Tier 2: 20% × 1.5 × 12,000 = 3,600.00. Total 15,600.00.
    let s = statement(&data_with(&[70_000_000, 50_000_000]), &plan_text("", ""));
    assert_eq!(s.target_incentive_period_minor, 1_200_000);
    assert_eq!(line(&s, "measure.bookings.tier1").amount_minor, 1_200_000);
    assert_eq!(line(&s, "measure.bookings.tier2").amount_minor, 360_000);
    assert!(s.lines.iter().all(|l| l.key != "measure.bookings.tier3"));
    assert_eq!(s.totals.earned_minor, 1_560_000);
    assert_eq!(s.totals.payable_minor, 1_560_000);
    assert_eq!(s.measures[0].attainment_bp, 12_000);
    // Close order: d1 (70%) earns 8,400.00; d2 takes it from 70% to 120%: 7,200.00.
    let credits: Vec<i64> = s.measures[0].credits.iter().map(|c| c.attributed_minor).collect();
    assert_eq!(credits, vec![840_000, 720_000]);
    assert_eq!(s.deals.iter().map(|d| d.earned_minor).sum::<i64>(), 1_560_000);
    // 170%: 12,000 + 50% × 1.5 × 12,000 + 20% × 0.5 × 12,000 = 22,200.00 (decelerator above 150%).
    let s = statement(&data_with(&[170_000_000]), &plan_text("", ""));
    assert_eq!(s.totals.earned_minor, 2_220_000);
    assert!(line(&s, "measure.bookings.tier3").label.contains("decelerator"));
}

#[test]
fn tier_boundaries_land_exactly() {
    // Exactly at quota: 12,000.00 with nothing in tier 2.
    let s = statement(&data_with(&[100_000_000]), &plan_text("", ""));
    assert_eq!(s.totals.earned_minor, 1_200_000);
    assert!(s.lines.iter().all(|l| l.key != "measure.bookings.tier2"));
    // One cent over: tier 2 holds 0.01 × 1.5 × 12,000 / 1,000,000 = 0.00018, which rounds to 0.00.
    let s = statement(&data_with(&[100_000_001]), &plan_text("", ""));
    assert_eq!(line(&s, "measure.bookings.tier2").amount_minor, 0);
    assert_eq!(s.totals.earned_minor, 1_200_000);
    // 150% exactly: 12,000 + 50% × 1.5 × 12,000 = 21,000.00; tier 3 is empty.
    let s = statement(&data_with(&[150_000_000]), &plan_text("", ""));
    assert_eq!(s.totals.earned_minor, 2_100_000);
    assert!(s.lines.iter().all(|l| l.key != "measure.bookings.tier3"));
}

#[test]
fn threshold_withholds_below_and_pays_from_zero_at_it() {
    let text = plan_text("threshold_pct = \"50\"", "");
    let s = statement(&data_with(&[49_999_999]), &text);
    assert_eq!(s.totals.earned_minor, 0);
    assert_eq!(line(&s, "measure.bookings.threshold").amount_minor, 0);
    assert!(!s.measures[0].threshold_met);
    // At 50%: half of 12,000.00, paid from the first unit.
    let s = statement(&data_with(&[50_000_000]), &text);
    assert_eq!(s.totals.earned_minor, 600_000);
}

#[test]
fn measure_cap_and_plan_cap_limit_pay() {
    // Measure cap 150% of 12,000 = 18,000.00; at 170% the tiers make 22,200.00.
    let s = statement(&data_with(&[170_000_000]), &plan_text("cap_pct = \"150\"", ""));
    assert_eq!(line(&s, "measure.bookings.cap").amount_minor, 1_800_000 - 2_220_000);
    assert_eq!(s.totals.earned_minor, 1_800_000);
    // Plan cap: max_variable_pct goes under [pay]; 120% of 12,000 = 14,400.00.
    let text = plan_text("", "")
        .replace("target_incentive = \"48000\"", "target_incentive = \"48000\"\nmax_variable_pct = \"120\"");
    let s = statement(&data_with(&[170_000_000]), &text);
    assert_eq!(line(&s, "cap.plan").amount_minor, 1_440_000 - 2_220_000);
    assert_eq!(s.totals.earned_minor, 1_440_000);
}

#[test]
fn credit_splits_share_exactly() {
    // 100,000.01 split 33.34% / 33.33% / 33.33%: floors 33,340.00 / 33,330.00 / 33,330.00 leave one
    // cent, which goes to the largest remainder (rep1's .3334).
    let mut data = data_with(&[]);
    let mut shared = deal("d1", "rep1", "acct1", "closed_won", 10_000_001, Some("2026-02-01"));
    shared.splits = vec![
        CreditSplit { person_id: PersonId::parse("rep1").unwrap(), share_bp: 3_334 },
        CreditSplit { person_id: PersonId::parse("rep2").unwrap(), share_bp: 3_333 },
        CreditSplit { person_id: PersonId::parse("mgr").unwrap(), share_bp: 3_333 },
    ];
    data.deals.push(shared);
    data.quotas.push(quota("rep2", "FY2026-Q1", 100_000_000));
    let text = plan_text("", "");
    let rep1 = statement(&data, &text);
    assert_eq!(rep1.measures[0].credits[0].credited, 3_334_001);
    assert_eq!(rep1.measures[0].credits[0].share_bp, 3_334);
    // 33,340.01 of 1,000,000 × 12,000 = 400.0801 → 400.08.
    assert_eq!(rep1.totals.earned_minor, 40_008);
    let rep2 = statement_at(&data, &book(&text), "rep2", "FY2026-Q1", "2026-03-31", &[]);
    assert_eq!(rep2.measures[0].credits[0].credited, 3_333_000);
    // A person outside the split is not credited at all.
    let mut other = data_with(&[]);
    let mut not_mine = deal("d9", "rep2", "acct9", "closed_won", 50_000_000, Some("2026-02-01"));
    not_mine.splits = vec![CreditSplit { person_id: PersonId::parse("rep2").unwrap(), share_bp: 10_000 }];
    other.deals.push(not_mine);
    assert!(statement(&other, &text).measures[0].credits.is_empty());
}

#[test]
fn currency_rounding_is_half_away_from_zero_in_the_minor_unit() {
    // USD: a 300,000.00 amount target and 1,000.00 a quarter (4,000 a year). 1.50 achieved pays
    // 1,000 × 1.50 / 300,000 = 0.005, exactly half a cent: it rounds up to 0.01.
    let text = plan_text("", "")
        .replace("target_incentive = \"48000\"", "target_incentive = \"4000\"")
        .replace("target = { quota_pct = \"100\" }", "target = { amount = \"300000\" }");
    let s = statement(&data_with(&[150]), &text);
    assert_eq!(s.totals.earned_minor, 1);
    let s = statement(&data_with(&[149]), &text);
    assert_eq!(s.totals.earned_minor, 0);
    // JPY has no minor unit: 1,000,000 a year is 250,000 a quarter; 3,333,333 of 10,000,000
    // pays 83,333.325 → 83,333.
    let jpy = plan_text("", "")
        .replace("currency = \"USD\"", "currency = \"JPY\"")
        .replace("target_incentive = \"48000\"", "target_incentive = \"1000000\"")
        .replace("target = { quota_pct = \"100\" }", "target = { amount = \"10000000\" }");
    let mut data = dataset();
    let mut yen = deal("d1", "rep1", "acct1", "closed_won", 3_333_333, Some("2026-02-01"));
    yen.amount = Money::new(3_333_333, Currency::parse("JPY").unwrap());
    data.deals.push(yen);
    data.deals.push(deal("d2", "rep1", "acct2", "closed_won", 100_000, Some("2026-02-02")));
    let s = statement(&data, &jpy);
    assert_eq!(s.target_incentive_period_minor, 250_000);
    assert_eq!(s.totals.earned_minor, 83_333);
    assert!(s.notes.iter().any(|n| n.contains("d2") && n.contains("USD")), "a USD deal is not credited on a JPY plan");
    assert_eq!(Money::new(83_333, Currency::parse("JPY").unwrap()).to_string(), "83,333 JPY");
    assert_eq!(Money::new(1_234_567, Currency::parse("KWD").unwrap()).to_string(), "1,234.567 KWD");
    // A precision the currency lacks is refused in the plan.
    assert!(parse_plan(&jpy.replace("\"10000000\"", "\"10000000.5\"")).is_err());
}

#[test]
fn measures_value_recurring_terms_margins_and_new_logos() {
    let text = "id = \"mix\"\nversion = 1\nname = \"Mix\"\ncurrency = \"USD\"\neffective_from = \"2026-01-01\"\n\
        [eligibility]\nroles = [\"rep\"]\n[pay]\nbase_salary = 0\ntarget_incentive = \"40000\"\n\
        [margins]\ndefault_pct = \"20\"\nproducts = { custody = \"35\", fx_overlay = \"55\" }\n\
        [[measures]]\nkey = \"arr\"\nkind = \"recurring_revenue\"\nmax_term_months = 24\nweight_pct = 40\ntarget = { amount = \"400000\" }\ntiers = [{ from_pct = 0, rate = 1 }]\n\
        [[measures]]\nkey = \"margin\"\nkind = \"margin\"\nweight_pct = 30\ntarget = { amount = \"100000\" }\ntiers = [{ from_pct = 0, rate = 1 }]\n\
        [[measures]]\nkey = \"logos\"\nkind = \"new_logos\"\nweight_pct = 30\ntarget = { count = 2 }\ntiers = [{ from_pct = 0, rate = 1 }]\n";
    let mut data = dataset();
    let mut recurring = deal("d1", "rep1", "acme", "closed_won", 10_000_000, Some("2026-01-10"));
    recurring.revenue = RevenueType::Recurring { term_months: 36 };
    let mut mixed = deal("d2", "rep1", "acme", "closed_won", 20_000_000, Some("2026-01-20"));
    mixed.products = vec!["custody".into(), "fx_overlay".into()];
    data.deals.extend([recurring, mixed]);
    let s = statement(&data, text);
    // Recurring: 100,000 a year × min(36, 24) / 12 = 200,000 of 400,000: 50% of 4,000 = 2,000.00.
    assert_eq!(s.measures[0].achieved, 20_000_000);
    assert_eq!(s.measures[0].payout_minor, 200_000);
    // Margin: d1 custody 35% of 100,000 = 35,000; d2 mean of 35% and 55% = 45% of 200,000 =
    // 90,000; 125,000 of 100,000 = 125% of 3,000 = 3,750.00.
    assert_eq!(s.measures[1].achieved, 12_500_000);
    assert_eq!(s.measures[1].payout_minor, 375_000);
    // Logos: d1 is acme's first win, d2 is not: 1 of 2 = 50% of 3,000 = 1,500.00.
    assert_eq!(s.measures[2].achieved, 10_000);
    assert_eq!(s.measures[2].payout_minor, 150_000);
    assert_eq!(s.totals.earned_minor, 725_000);
}

fn hold_plan() -> String {
    plan_text("", "[[holds]]\nkey = \"deferral\"\nrevenue = \"recurring\"\nheld_pct = \"25\"\nrelease_after_days = 90\n[clawback]\nwindow_days = 180\n")
}

fn recurring_data() -> Dataset {
    let mut data = data_with(&[]);
    let mut d1 = deal("d1", "rep1", "acme", "closed_won", 50_000_000, Some("2026-02-01"));
    d1.revenue = RevenueType::Recurring { term_months: 36 };
    data.deals.push(d1);
    data
}

#[test]
fn holds_defer_pay_until_release() {
    // 500,000 of 1,000,000 = 50% of 12,000 = 6,000.00 earned; 25% = 1,500.00 held for 90 days
    // from 2026-02-01, so until 2026-05-02.
    let data = recurring_data();
    let b = book(&hold_plan());
    let s = statement_at(&data, &b, "rep1", "FY2026-Q1", "2026-03-31", &[]);
    assert_eq!(s.totals.earned_minor, 600_000);
    assert_eq!(s.totals.held_minor, 150_000);
    assert_eq!(s.totals.payable_minor, 450_000);
    let hold = s.deals[0].hold.as_ref().unwrap();
    assert_eq!((hold.release_on, hold.status), (day("2026-05-02"), statement::HoldStatus::Held));
    // Read again after the release day: nothing is held and all of it is payable.
    let later = statement_at(&data, &b, "rep1", "FY2026-Q1", "2026-05-02", &[]);
    assert_eq!(
        (later.totals.held_minor, later.totals.released_minor, later.totals.payable_minor),
        (0, 150_000, 600_000)
    );
    // A one-off deal is not held.
    let s = statement(&data_with(&[50_000_000]), &hold_plan());
    assert_eq!(s.totals.held_minor, 0);
}

#[test]
fn clawback_recovers_pay_on_a_cancellation_inside_the_window() {
    // d1 (recurring, 6,000.00 earned in Q1, 1,500.00 held) is cancelled on 2026-04-20: before its
    // release on 2026-05-02 and 78 days after the win, inside the 180-day window.
    let mut data = recurring_data();
    data.deals[0].stage = "closed_lost".into();
    data.history.push(stage_change("h1", "d1", "negotiate", "closed_won", "2026-02-01"));
    data.history.push(stage_change("h2", "d1", "closed_won", "closed_lost", "2026-04-20"));
    data.quotas.push(quota("rep1", "FY2026-Q2", 100_000_000));
    let b = book(&hold_plan());
    // Q1 read after the cancellation: the deal still counts where it was won, its hold is forfeited.
    let q1 = statement_at(&data, &b, "rep1", "FY2026-Q1", "2026-06-30", &[]);
    assert_eq!(
        (q1.totals.earned_minor, q1.totals.forfeited_minor, q1.totals.payable_minor),
        (600_000, 150_000, 450_000)
    );
    // Q2 recovers what was paid: 6,000.00 less the 1,500.00 never paid = 4,500.00.
    let q2 = statement_at(&data, &b, "rep1", "FY2026-Q2", "2026-06-30", &[]);
    assert_eq!(line(&q2, "clawback.d1").amount_minor, -450_000);
    assert_eq!((q2.totals.clawback_minor, q2.totals.payable_minor), (450_000, -450_000));
    assert!(q2.notes.iter().any(|n| n.contains("later payments")));
    // With a 30-day window the cancellation (78 days after the win) is outside it: no clawback.
    let short = book(&hold_plan().replace("window_days = 180", "window_days = 30"));
    let q2 = statement_at(&data, &short, "rep1", "FY2026-Q2", "2026-06-30", &[]);
    assert_eq!(q2.totals.clawback_minor, 0);
}

#[test]
fn same_period_cancellation_nets_to_zero() {
    let mut data = recurring_data();
    data.deals[0].stage = "closed_lost".into();
    data.history.push(stage_change("h1", "d1", "negotiate", "closed_won", "2026-02-01"));
    data.history.push(stage_change("h2", "d1", "closed_won", "closed_lost", "2026-03-10"));
    let s = statement_at(&data, &book(&hold_plan()), "rep1", "FY2026-Q1", "2026-03-31", &[]);
    assert_eq!(s.totals.earned_minor, 600_000);
    assert_eq!((s.totals.forfeited_minor, s.totals.clawback_minor, s.totals.payable_minor), (150_000, 450_000, 0));
}

fn event(id: &str, kind: ComplianceEventKind, on: &str) -> ComplianceEvent {
    ComplianceEvent {
        id: id.into(),
        person_id: "rep1".into(),
        kind,
        occurred_on: day(on),
        deal_id: Some("d1".into()),
        detail: String::new(),
    }
}

#[test]
fn conduct_gates_can_remove_variable_pay() {
    let gates = "[[gates]]\nkey = \"conduct\"\nevent = \"conduct_breach\"\nat_least = 1\nvariable_pct = \"0\"\n\
                 [[gates]]\nkey = \"complaints\"\nevent = \"complaint_upheld\"\nat_least = 2\nlookback_days = 365\nvariable_pct = \"50\"\n";
    let b = book(&plan_text("", gates));
    let data = data_with(&[120_000_000]);
    let clean = statement_at(&data, &b, "rep1", "FY2026-Q1", "2026-03-31", &[]);
    assert_eq!(clean.totals.earned_minor, 1_560_000);
    assert_eq!(line(&clean, "gate.conduct").amount_minor, 0);
    // One breach in the period: variable pay × 0.
    let breach = [event("e1", ComplianceEventKind::ConductBreach, "2026-03-01")];
    let s = statement_at(&data, &b, "rep1", "FY2026-Q1", "2026-03-31", &breach);
    assert_eq!(
        (line(&s, "gate.conduct").amount_minor, s.totals.earned_minor, s.totals.payable_minor),
        (-1_560_000, 0, 0)
    );
    // A breach recorded before the period does not gate it (the gate looks at the period).
    let old = [event("e1", ComplianceEventKind::ConductBreach, "2025-12-01")];
    assert_eq!(statement_at(&data, &b, "rep1", "FY2026-Q1", "2026-03-31", &old).totals.earned_minor, 1_560_000);
    // Two upheld complaints in the last 365 days halve it: 7,800.00; one does nothing.
    let complaints = [
        event("c1", ComplianceEventKind::ComplaintUpheld, "2025-06-01"),
        event("c2", ComplianceEventKind::ComplaintUpheld, "2026-01-15"),
    ];
    let s = statement_at(&data, &b, "rep1", "FY2026-Q1", "2026-03-31", &complaints);
    assert_eq!(s.totals.earned_minor, 780_000);
    let s = statement_at(&data, &b, "rep1", "FY2026-Q1", "2026-03-31", &complaints[1..]);
    assert_eq!(s.totals.earned_minor, 1_560_000);
}

#[test]
fn client_outcome_modifier_scales_pay_by_cancellations() {
    let modifier = "[[modifiers]]\nkey = \"outcomes\"\nmetric = \"cancellation_rate\"\nlookback_days = 365\n\
                    bands = [{ at_most_pct = 5, multiplier_pct = 100 }, { at_most_pct = 30, multiplier_pct = 85 }, { multiplier_pct = 60 }]\n";
    // Four wins in Q1 (30% each, 120% in all): one later cancelled in Q1 itself → 1 of 4 = 25%
    // → the 85% band. 15,600.00 × 85% = 13,260.00.
    let mut data = data_with(&[30_000_000, 30_000_000, 30_000_000, 30_000_000]);
    data.deals[3].stage = "closed_lost".into();
    data.history.push(stage_change("h1", "d4", "negotiate", "closed_won", "2026-02-04"));
    data.history.push(stage_change("h2", "d4", "closed_won", "closed_lost", "2026-03-20"));
    let s = statement(&data, &plan_text("", modifier));
    assert_eq!(s.totals.measures_minor, 1_560_000);
    let m = line(&s, "modifier.outcomes");
    assert_eq!(m.amount_minor, 1_326_000 - 1_560_000);
    assert_eq!(m.deal_ids, vec!["d4".to_owned()]);
    assert_eq!(s.totals.earned_minor, 1_326_000);
}

#[test]
fn statements_reproduce_exactly_from_stored_inputs() {
    let data = recurring_data();
    let b = book(&hold_plan());
    let request = GatherRequest {
        book: &b,
        calendar: FiscalCalendar::default(),
        person_id: "rep1",
        period: "FY2026-Q1".parse().unwrap(),
        as_of: day("2026-03-31"),
        events: &[],
    };
    let inputs = gather(&data, &request).unwrap();
    let first = serde_json::to_string(&calculate(&inputs).unwrap()).unwrap();
    let stored = serde_json::to_string(&inputs).unwrap();
    let restored: StatementInputs = serde_json::from_str(&stored).unwrap();
    assert_eq!(restored, inputs);
    assert_eq!(serde_json::to_string(&calculate(&restored).unwrap()).unwrap(), first);
    // A changed input changes the fingerprint the statement carries.
    let mut tampered = restored.clone();
    tampered.current.deals[0].amount.minor += 1;
    assert_ne!(calculate(&tampered).unwrap().inputs_fingerprint, calculate(&restored).unwrap().inputs_fingerprint);
}

#[test]
fn what_if_explains_the_change_line_by_line() {
    // rep1 has 700,000 won in Q1; open d9 closing at 500,000 on 2026-03-15 takes attainment to
    // 120%: pay goes 8,400.00 → 15,600.00 (+7,200.00): tier 1 +3,600.00, tier 2 +3,600.00.
    let mut data = data_with(&[70_000_000]);
    data.deals.push(deal("d9", "rep1", "acme", "negotiate", 40_000_000, None));
    let b = book(&plan_text("", ""));
    let request = GatherRequest {
        book: &b,
        calendar: FiscalCalendar::default(),
        person_id: "rep1",
        period: "FY2026-Q1".parse().unwrap(),
        as_of: day("2026-03-01"),
        events: &[],
    };
    let scenario =
        Scenario { deal_id: "d9".into(), amount: Money::new(50_000_000, Currency::USD), close_on: day("2026-03-15") };
    let estimate = what_if(&data, &request, &scenario).unwrap();
    assert_eq!(
        (estimate.earned_before_minor, estimate.earned_after_minor, estimate.earned_change_minor),
        (840_000, 1_560_000, 720_000)
    );
    let changes: Vec<(&str, i64)> = estimate.lines.iter().map(|l| (l.key.as_str(), l.change_minor)).collect();
    assert_eq!(changes, vec![("measure.bookings.tier1", 360_000), ("measure.bookings.tier2", 360_000)]);
    assert!(estimate.summary.contains("+7,200.00 USD"), "{}", estimate.summary);
    assert!(check_pay_talk(&estimate.summary, &["custody".to_owned()]).is_empty());
    // Slipping into Q2 costs Q1 the 7,200.00; Q2 has no quota recorded, so its bookings measure
    // cannot pay and nothing is regained there.
    let slip = slip_cost(&data, &request, "d9", scenario.amount, day("2026-03-15"), day("2026-04-10")).unwrap();
    assert_eq!((slip.due_period.as_str(), slip.slip_period.as_str()), ("FY2026-Q1", "FY2026-Q2"));
    assert_eq!((slip.due_period_change_minor, slip.slip_period_change_minor), (-720_000, 0));
    let not_mine = what_if(&data, &GatherRequest { person_id: "rep2", ..request }, &scenario);
    assert!(matches!(not_mine, Err(CompError::NotCredited { .. })));
}

#[test]
fn invalid_plans_name_the_field() {
    let cases = [
        (plan_text("", "").replace("weight_pct = \"100\"", "weight_pct = \"90\""), "measures"),
        (plan_text("", "").replace("{ from_pct = \"0\", rate = \"1.0\" }, ", ""), "tiers"),
        (plan_text("", "").replace("rate = \"1.5\"", "rate = \"12\""), "rate"),
        (plan_text("", "[[gates]]\nkey = \"g\"\nevent = \"bad\"\nat_least = 1\nvariable_pct = 0\n"), "event"),
        (
            plan_text("", "[[gates]]\nkey = \"g\"\nevent = \"conduct_breach\"\nat_least = 1\nvariable_pct = 100\n"),
            "variable_pct",
        ),
        (plan_text("", "surprise = 1"), "toml"),
        (
            plan_text("", "").replace("effective_from = \"2026-01-01\"", "effective_from = \"01/01/2026\""),
            "effective_from",
        ),
    ];
    for (text, field) in cases {
        let error = parse_plan(&text).unwrap_err();
        assert!(error.field.contains(field), "expected {field}: {error}");
    }
}

#[test]
fn example_plans_under_fixtures_are_valid() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/plans");
    let mut count = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let text = std::fs::read_to_string(&path).unwrap();
            parse_plan(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            count += 1;
        }
    }
    assert!(count >= 2);
}

mod monotone {
    use super::*;
    use proptest::prelude::*;

    fn random_plan(rates: &[u32], threshold: u32, cap: Option<u32>) -> String {
        let mut from = 0;
        let tiers: Vec<String> = rates
            .iter()
            .enumerate()
            .map(|(i, rate)| {
                let tier = format!("{{ from_pct = {from}, rate = \"{}.{:04}\" }}", rate / 10_000, rate % 10_000);
                from += 40 + 30 * i as u32;
                tier
            })
            .collect();
        let cap = cap.map(|c| format!("cap_pct = {c}\n")).unwrap_or_default();
        plan_text("", "")
            .replace(
                "tiers = [{ from_pct = \"0\", rate = \"1.0\" }, { from_pct = \"100\", rate = \"1.5\" }, { from_pct = \"150\", rate = \"0.5\" }]",
                &format!("tiers = [{}]\nthreshold_pct = {threshold}\n{cap}", tiers.join(", ")),
            )
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]
        #[test]
        fn more_bookings_never_pay_less(
            rates in proptest::collection::vec(0u32..30_000, 1..5),
            threshold in 0u32..120,
            cap in proptest::option::of(50u32..400),
            amounts in proptest::collection::vec(1i64..80_000_000, 1..6),
            bump_index in 0usize..6,
            bump in 1i64..50_000_000,
        ) {
            let text = random_plan(&rates, threshold, cap);
            let before = statement(&data_with(&amounts), &text);
            let mut raised = amounts.clone();
            let index = bump_index % raised.len();
            raised[index] += bump;
            let after = statement(&data_with(&raised), &text);
            prop_assert!(after.totals.earned_minor >= before.totals.earned_minor);
            prop_assert!(after.totals.payable_minor >= before.totals.payable_minor);
            let mut more = amounts.clone();
            more.push(bump);
            let added = statement(&data_with(&more), &text);
            prop_assert!(added.totals.earned_minor >= before.totals.earned_minor);
            // Each deal's share of earned pay adds up to the total exactly.
            prop_assert_eq!(added.deals.iter().map(|d| d.earned_minor).sum::<i64>(), added.totals.earned_minor);
        }
    }
}
