//! The risk engine on a hand-made organisation: reconstruction at `as_of`, every signal with its
//! evidence, learned thresholds, scorecards, roll-ups, forecast and determinism.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod features_data;

use candor::domain::*;
use candor::engine::risk::{analyse, to_json, DealRisk, Index, RiskReport, Severity, SignalId};
use chrono::Duration;
use features_data::{settings, ts, Org};

const AS_OF: &str = "2026-11-16T00:00:00Z";

/// Ids of the rows the troubled deal's flags must cite.
struct Troubled {
    deal: DealId,
    entered_proposal: HistoryId,
    first_push: HistoryId,
    second_push: HistoryId,
    amount_cut: HistoryId,
    last_inbound: ActivityId,
    outbound: Vec<ActivityId>,
    last_meeting: ActivityId,
}

/// Ten won deals that spent ten days in each stage, one troubled open deal for rep1 and one
/// healthy open deal for rep2.
fn organisation() -> (Org, Troubled, DealId) {
    let mut org = Org::new();
    for i in 0..10 {
        let created = ts("2026-01-05T09:00:00Z") + Duration::days(21 * i);
        org.won_deal(&format!("won{i}"), &created.to_rfc3339(), [10, 10, 10, 10, 10]);
    }

    let deal = org.deal("d1", "rep1", "proposal", 1_200_000, "2026-11-12", "2026-08-01T09:00:00Z");
    org.change(&deal, DealField::Stage, None, "qualify", "2026-08-01T09:00:00Z");
    org.change(&deal, DealField::Amount, None, "2000000", "2026-08-01T09:00:00Z");
    org.change(&deal, DealField::CloseDate, None, "2026-10-31", "2026-08-01T09:00:00Z");
    org.change(&deal, DealField::Stage, Some("qualify"), "discover", "2026-08-20T09:00:00Z");
    org.change(&deal, DealField::Stage, Some("discover"), "solution", "2026-09-10T09:00:00Z");
    let entered_proposal = org.change(&deal, DealField::Stage, Some("solution"), "proposal", "2026-10-01T09:00:00Z");
    org.change(&deal, DealField::ForecastCategory, Some("pipeline"), "commit", "2026-10-05T09:00:00Z");
    let first_push = org.change(&deal, DealField::CloseDate, Some("2026-10-31"), "2026-11-10", "2026-10-28T09:00:00Z");
    let amount_cut = org.change(&deal, DealField::Amount, Some("2000000"), "1200000", "2026-11-01T09:00:00Z");
    let second_push = org.change(&deal, DealField::CloseDate, Some("2026-11-10"), "2026-11-12", "2026-11-09T09:00:00Z");
    org.deal_mut(&deal).forecast_category = ForecastCategory::Commit;
    let mut last_meeting = None;
    for at in ["2026-08-10", "2026-08-17", "2026-08-24", "2026-09-01"] {
        last_meeting = Some(org.activity(
            &deal,
            ActivityKind::Meeting,
            Direction::Outbound,
            ts(&format!("{at}T14:00:00Z")),
            &["champ", "analyst"],
        ));
    }
    let last_inbound =
        org.activity(&deal, ActivityKind::Email, Direction::Inbound, ts("2026-10-01T10:00:00Z"), &["champ"]);
    let outbound = ["2026-10-10", "2026-10-20", "2026-10-25", "2026-11-02", "2026-11-05"]
        .iter()
        .map(|at| {
            org.activity(&deal, ActivityKind::Email, Direction::Outbound, ts(&format!("{at}T10:00:00Z")), &["champ"])
        })
        .collect();
    org.role(&deal, "champ", ContactRole::Champion);

    let healthy = org.deal("d2", "rep2", "solution", 3_000_000, "2026-12-15", "2026-10-20T09:00:00Z");
    org.change(&healthy, DealField::Stage, None, "qualify", "2026-10-20T09:00:00Z");
    org.change(&healthy, DealField::Stage, Some("qualify"), "discover", "2026-10-26T09:00:00Z");
    org.change(&healthy, DealField::Stage, Some("discover"), "solution", "2026-11-09T09:00:00Z");
    for days in [0, 5, 10, 15, 20] {
        let at = ts("2026-10-22T14:00:00Z") + Duration::days(days);
        org.activity(&healthy, ActivityKind::Meeting, Direction::Outbound, at, &["cfo", "champ", "analyst"]);
        org.activity(&healthy, ActivityKind::Email, Direction::Inbound, at + Duration::days(1), &["cfo"]);
    }
    org.role(&healthy, "champ", ContactRole::Champion);
    org.role(&healthy, "cfo", ContactRole::EconomicBuyer);
    org.deal_mut(&healthy).next_step = Some("Board paper".into());
    org.deal_mut(&healthy).next_step_updated_at = Some(ts("2026-11-10T09:00:00Z"));

    let troubled = Troubled {
        deal,
        entered_proposal,
        first_push,
        second_push,
        amount_cut,
        last_inbound,
        outbound,
        last_meeting: last_meeting.unwrap(),
    };
    (org, troubled, healthy)
}

fn report_at(data: &Dataset, as_of: &str) -> RiskReport {
    analyse(&Index::new(data), &settings(), ts(as_of))
}

fn deal<'r>(report: &'r RiskReport, id: &DealId) -> &'r DealRisk {
    report.deals.iter().find(|d| d.deal_id == id.as_str()).unwrap()
}

fn flag(deal: &DealRisk, signal: SignalId) -> &candor::engine::risk::Flag {
    deal.flags
        .iter()
        .find(|f| f.signal == signal)
        .unwrap_or_else(|| panic!("{signal:?} missing from {:#?}", deal.flags))
}

fn ids<T: ToString>(items: &[T]) -> Vec<String> {
    let mut out: Vec<String> = items.iter().map(T::to_string).collect();
    out.sort();
    out
}

#[test]
fn the_deal_is_reconstructed_as_it_stood() {
    let (org, troubled, _) = organisation();
    let now = report_at(&org.data, AS_OF);
    let today = deal(&now, &troubled.deal);
    assert_eq!((today.stage.as_str(), today.amount_minor), ("proposal", 1_200_000));
    assert_eq!(today.close_date, Some(features_data::day("2026-11-12")));
    assert_eq!(today.forecast_category, ForecastCategory::Commit);

    let earlier = report_at(&org.data, "2026-09-20T00:00:00Z");
    let then = deal(&earlier, &troubled.deal);
    assert_eq!((then.stage.as_str(), then.amount_minor), ("solution", 2_000_000));
    assert_eq!(then.close_date, Some(features_data::day("2026-10-31")));
    assert_eq!(then.forecast_category, ForecastCategory::Pipeline);
    assert!(then.flags.iter().all(|f| f.signal != SignalId::CloseDatePushed), "no push had happened yet");
    assert!(earlier.deals.iter().all(|d| d.deal_id != "d2"), "a deal created later does not exist yet");
    assert!(earlier.deals.iter().all(|d| d.deal_id != "won0"), "won0 was closed by then");
    let summer = report_at(&org.data, "2026-08-01T00:00:00Z");
    let won9 = summer.deals.iter().find(|d| d.deal_id == "won9").expect("won9 was still open then");
    assert_eq!(won9.stage, "discover");
    assert_eq!(won9.forecast_category, ForecastCategory::Pipeline, "its closed call came later");
}

#[test]
fn the_troubled_deal_raises_every_flag_with_its_evidence() {
    let (org, t, _) = organisation();
    let report = report_at(&org.data, AS_OF);
    let d1 = deal(&report, &t.deal);

    let ghosted = flag(d1, SignalId::Ghosted);
    assert_eq!(ghosted.severity, Severity::High);
    assert_eq!(ghosted.measure, 45.0, "{}", ghosted.reason);
    assert!(ghosted.reason.contains("45 days"), "{}", ghosted.reason);
    let mut expected = t.outbound.clone();
    expected.push(t.last_inbound.clone());
    assert_eq!(ghosted.evidence.activity_ids, ids(&expected));

    let overdue = flag(d1, SignalId::OverdueCloseDate);
    assert_eq!((overdue.severity, overdue.measure), (Severity::Warn, 4.0));
    assert_eq!(overdue.evidence.history_ids, ids(std::slice::from_ref(&t.second_push)));

    let pushed = flag(d1, SignalId::CloseDatePushed);
    assert_eq!(pushed.measure, 2.0);
    assert!(pushed.reason.contains("12 days in total"), "{}", pushed.reason);
    assert_eq!(pushed.evidence.history_ids, ids(&[t.first_push.clone(), t.second_push.clone()]));

    let stalled = flag(d1, SignalId::StalledInStage);
    assert_eq!(stalled.severity, Severity::High);
    assert_eq!(stalled.evidence.history_ids, ids(std::slice::from_ref(&t.entered_proposal)));

    let amount = flag(d1, SignalId::AmountDecreased);
    assert_eq!((amount.severity, amount.measure), (Severity::High, 40.0));
    assert_eq!(amount.evidence.history_ids, ids(std::slice::from_ref(&t.amount_cut)));

    let one_sided = flag(d1, SignalId::OneSidedCommunication);
    assert_eq!((one_sided.severity, one_sided.measure), (Severity::Warn, 4.0));
    assert_eq!(one_sided.evidence.activity_ids.len(), 4);

    let meeting = flag(d1, SignalId::NoNextMeeting);
    assert_eq!(meeting.severity, Severity::High);
    assert_eq!(meeting.evidence.activity_ids, ids(std::slice::from_ref(&t.last_meeting)));
    let cadence = flag(d1, SignalId::MeetingCadenceWidening);
    assert_eq!(cadence.severity, Severity::High);
    assert!(cadence.evidence.activity_ids.contains(&t.last_meeting.to_string()));

    let threads = flag(d1, SignalId::NotMultithreaded);
    assert_eq!((threads.severity, threads.measure, threads.threshold), (Severity::High, 1.0, 3.0));
    assert_eq!(flag(d1, SignalId::NoPower).severity, Severity::Warn);
    let roles = flag(d1, SignalId::MissingRoles);
    assert!(roles.reason.contains("economic buyer"), "{}", roles.reason);
    assert_eq!(flag(d1, SignalId::AgeingBeyondWonDeals).severity, Severity::High);
    // 107 days without a next step: warn from 30 days, high only from 120.
    assert_eq!(flag(d1, SignalId::NextStepStale).severity, Severity::Warn);

    // Too little history to fit: the win probability is the stage's default (60% at proposal),
    // which supports a commit call at proposal.
    assert_eq!(d1.win_explanation.method, "stage_default");
    assert!(d1.flags.iter().all(|f| f.signal != SignalId::ForecastOverOptimistic));

    // The last touch was eleven days ago: below the 14-day threshold.
    assert!(d1.flags.iter().all(|f| f.signal != SignalId::NoRecentActivity));
    // Every evidence id exists in the data.
    for f in &d1.flags {
        for id in &f.evidence.activity_ids {
            assert!(org.data.activities.iter().any(|a| a.id.as_str() == id), "{id}");
        }
        for id in &f.evidence.history_ids {
            assert!(org.data.history.iter().any(|h| h.id.as_str() == id), "{id}");
        }
        assert!(!f.reason.is_empty());
    }
}

#[test]
fn a_commit_call_before_the_commit_stage_is_over_optimistic() {
    let (mut org, _, _) = organisation();
    let early = org.deal("d3", "rep1", "discover", 500_000, "2026-12-20", "2026-11-02T09:00:00Z");
    org.change(&early, DealField::Stage, None, "qualify", "2026-11-02T09:00:00Z");
    org.change(&early, DealField::Stage, Some("qualify"), "discover", "2026-11-09T09:00:00Z");
    let call = org.change(&early, DealField::ForecastCategory, Some("pipeline"), "commit", "2026-11-10T09:00:00Z");
    org.activity(&early, ActivityKind::Meeting, Direction::Outbound, ts("2026-11-12T10:00:00Z"), &["cfo", "champ"]);
    let report = report_at(&org.data, AS_OF);
    let d3 = deal(&report, &early);
    let optimism = flag(d3, SignalId::ForecastOverOptimistic);
    assert_eq!(optimism.severity, Severity::High);
    assert!(optimism.reason.contains("stage discover is before proposal"), "{}", optimism.reason);
    assert_eq!(optimism.evidence.history_ids, ids(&[call]));
}

#[test]
fn the_stalled_threshold_is_learned_from_won_deals() {
    let (org, t, _) = organisation();
    let d1 = deal(&report_at(&org.data, AS_OF), &t.deal).clone();
    let stalled = flag(&d1, SignalId::StalledInStage);
    // Won deals spent a median 10 days in proposal: warn at 1.5 × 10 = 15, high at 2.5 × 10 = 25.
    assert!(stalled.reason.contains("median 10 days"), "{}", stalled.reason);
    assert_eq!(stalled.threshold, 25.0);
    assert_eq!(stalled.measure, 45.0);

    // Slower won deals move the threshold: with 40 days in proposal the deal is not stalled.
    let mut slow = Org::new();
    for i in 0..6 {
        let created = ts("2026-01-05T09:00:00Z") + Duration::days(28 * i);
        slow.won_deal(&format!("won{i}"), &created.to_rfc3339(), [10, 10, 10, 40, 10]);
    }
    let mut data = org.data.clone();
    data.history.retain(|h| !h.deal_id.as_str().starts_with("won"));
    data.deals.retain(|d| !d.id.as_str().starts_with("won"));
    data.deals.extend(slow.data.deals);
    data.history.extend(slow.data.history);
    let d1 = deal(&report_at(&data, AS_OF), &t.deal).clone();
    assert!(d1.flags.iter().all(|f| f.signal != SignalId::StalledInStage), "{:#?}", d1.flags);
}

#[test]
fn the_healthy_deal_raises_no_high_flag() {
    let (org, _, healthy) = organisation();
    let report = report_at(&org.data, AS_OF);
    let d2 = deal(&report, &healthy);
    assert!(d2.flags.iter().all(|f| f.severity < Severity::High), "{:#?}", d2.flags);
    let d1 = report.deals.iter().find(|d| d.deal_id == "d1").unwrap();
    assert!(d1.flags.iter().filter(|f| f.severity == Severity::High).count() >= 7, "{:#?}", d1.flags);
}

#[test]
fn output_is_byte_identical_whatever_the_input_order() {
    let (org, _, _) = organisation();
    let first = to_json(&report_at(&org.data, AS_OF)).unwrap();
    assert_eq!(first, to_json(&report_at(&org.data, AS_OF)).unwrap());
    let mut shuffled = org.data.clone();
    shuffled.activities.reverse();
    shuffled.history.reverse();
    shuffled.deals.reverse();
    shuffled.contact_roles.reverse();
    assert_eq!(first, to_json(&report_at(&shuffled, AS_OF)).unwrap());
}

#[test]
fn what_happens_after_as_of_changes_nothing() {
    let (org, t, _) = organisation();
    let before = to_json(&report_at(&org.data, AS_OF)).unwrap();
    let mut later = org.clone();
    later.activity(&t.deal, ActivityKind::Email, Direction::Inbound, ts("2026-11-20T10:00:00Z"), &["cfo"]);
    later.change(&t.deal, DealField::Stage, Some("proposal"), "closed_lost", "2026-11-25T10:00:00Z");
    let closed = later.deal_mut(&t.deal);
    closed.stage = "closed_lost".into();
    closed.closed_at = Some(ts("2026-11-25T10:00:00Z"));
    let later = later.data;
    assert_eq!(before, to_json(&report_at(&later, AS_OF)).unwrap());
}

#[test]
fn scorecards_and_rollups_explain_every_number() {
    let (org, _, _) = organisation();
    let report = report_at(&org.data, AS_OF);
    let rep1 = report.reps.iter().find(|c| c.person_id == "rep1").unwrap();
    assert_eq!(rep1.quota_minor, 50_000_000);
    assert_eq!(rep1.open_deals, 1);
    assert_eq!(rep1.high_risk_share.value, 1.0);
    assert_eq!(rep1.hygiene.overdue_close_dates, 1);
    for metric in [&rep1.attainment, &rep1.pace, &rep1.coverage, &rep1.win_rate, &rep1.cycle_days, &rep1.activity_trend]
    {
        assert!(!metric.how.is_empty());
    }
    let rep2 = report.reps.iter().find(|c| c.person_id == "rep2").unwrap();
    assert_eq!(rep2.win_rate.value, 1.0, "{}", rep2.win_rate.how);
    assert_eq!(rep2.cycle_days.value, 50.0, "{}", rep2.cycle_days.how);

    let team = report.teams.iter().find(|t| t.manager_id == "mgr").unwrap();
    assert_eq!(team.reps.len(), 2);
    assert_eq!(team.reps[0].person_id, "rep1", "the rep with the troubled deal needs the manager most");
    assert_eq!(team.reps[0].rank, 1);
    assert!(team.reps[0].reasons.iter().any(|r| r.key == "high_risk"));
    assert_eq!(team.reps[0].deals_to_inspect[0].deal_id, "d1");
    assert_eq!(team.quota_minor, 80_000_000);
}

#[test]
fn the_forecast_is_ordered_and_against_quota() {
    let (org, _, _) = organisation();
    let report = report_at(&org.data, AS_OF);
    let f = &report.forecast;
    assert_eq!(f.period, "FY2026-Q4");
    assert_eq!(f.target_minor, 80_000_000);
    assert!(f.p10_minor <= f.p50_minor && f.p50_minor <= f.p90_minor);
    let most =
        f.booked_minor + f.open_due_in_period_minor + f.new_business.expected_minor + 6 * f.new_business.spread_minor;
    assert!(f.p90_minor <= most, "{f:#?}");
    assert!(!f.how_computed.is_empty());
    // Both open deals are due in the period; the troubled one is the larger exposure at risk.
    assert_eq!(f.open_due_in_period_minor, 4_200_000);
    assert_eq!(report.model.method, "stage_default", "ten won deals are too few to fit");
}
