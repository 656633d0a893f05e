//! Improvement-plan tests: causes from hand-made scorecards, the plan they lead to, and
//! check-ins against later scorecards.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::engine::performance::test_cards::card;

fn day(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

fn team() -> Vec<Scorecard> {
    vec![card("a", 1.0, 3.0, 0.40, 0.10, 0), card("b", 0.9, 2.8, 0.35, 0.15, 1), card("c", 1.1, 3.2, 0.45, 0.05, 0)]
}

fn verdict(causes: &[Cause], key: CauseKey) -> Verdict {
    causes.iter().find(|c| c.key == key).unwrap().verdict
}

#[test]
fn causes_come_from_the_scorecard_against_the_team() {
    let team = team();
    let refs: Vec<&Scorecard> = team.iter().collect();
    // Thin pipeline with steady activity, lots flagged high, three overdue, a low win rate.
    let rep = card("r", 0.5, 1.2, 0.15, 0.45, 3);
    let causes = analyse_causes(&rep, &refs, 18, &PipSettings::default());
    assert_eq!(
        causes.iter().map(|c| c.key).collect::<Vec<_>>(),
        vec![CauseKey::Ramp, CauseKey::Territory, CauseKey::PipelineQuality, CauseKey::Skill]
    );
    assert_eq!(verdict(&causes, CauseKey::Ramp), Verdict::Unlikely);
    assert_eq!(verdict(&causes, CauseKey::Territory), Verdict::Likely);
    assert_eq!(verdict(&causes, CauseKey::PipelineQuality), Verdict::Likely);
    assert_eq!(verdict(&causes, CauseKey::Skill), Verdict::Likely);
    // Findings carry the figures: the rep's 15% win rate against the team's 40%.
    let skill = causes.iter().find(|c| c.key == CauseKey::Skill).unwrap();
    assert!(skill.findings[0].contains("15%") && skill.findings[0].contains("40%"), "{:?}", skill.findings);
    // A healthy rep: nothing likely.
    let fine = analyse_causes(&card("f", 1.0, 3.1, 0.42, 0.08, 0), &refs, 24, &PipSettings::default());
    assert!(fine.iter().all(|c| c.verdict == Verdict::Unlikely), "{fine:?}");
}

#[test]
fn plan_measures_follow_likely_causes_with_targets_and_dates() {
    let team = team();
    let refs: Vec<&Scorecard> = team.iter().collect();
    let rep = card("r", 0.5, 1.2, 0.15, 0.45, 3);
    let settings = PipSettings::default();
    let causes = analyse_causes(&rep, &refs, 18, &settings);
    let plan = propose(&rep, &refs, &causes, day("2026-02-02"), &settings);
    assert_eq!(plan.kind, PlanKind::Improvement);
    assert_eq!(plan.ends_on, day("2026-03-30"));
    assert_eq!(plan.check_in_dates.len(), 8);
    let keys: Vec<MetricKey> = plan.measures.iter().map(|m| m.key).collect();
    assert_eq!(
        keys,
        vec![
            MetricKey::OverdueCloseDates,
            MetricKey::HighRiskShare,
            MetricKey::Coverage,
            MetricKey::WinRate,
            MetricKey::Pace
        ]
    );
    let overdue = &plan.measures[0];
    assert_eq!((overdue.baseline, overdue.target, overdue.due), (3.0, 0.0, day("2026-02-16")));
    let win = &plan.measures[3];
    assert_eq!((win.target, win.due), (0.40, day("2026-03-30")));
    assert_eq!(plan.measures[4].target, 0.85);

    // A rep in month two with a thin pipeline gets ramp support, not a performance plan.
    let new_rep = card("n", 0.3, 1.0, 0.40, 0.10, 0);
    let causes = analyse_causes(&new_rep, &refs, 2, &settings);
    let plan = propose(&new_rep, &refs, &causes, day("2026-02-02"), &settings);
    assert_eq!(plan.kind, PlanKind::RampSupport);
    assert!(plan.measures.iter().all(|m| m.key != MetricKey::Pace));
    assert_eq!(plan.measures.iter().find(|m| m.key == MetricKey::Coverage).unwrap().target, 2.0);
}

#[test]
fn check_ins_read_live_scorecards() {
    let team = team();
    let refs: Vec<&Scorecard> = team.iter().collect();
    let rep = card("r", 0.5, 1.2, 0.15, 0.45, 3);
    let settings = PipSettings::default();
    let plan = propose(&rep, &refs, &analyse_causes(&rep, &refs, 18, &settings), day("2026-02-02"), &settings);
    // Week 1: overdue down from 3 to 1 (expected 1.5 by a straight line to 0 over two weeks):
    // on track. Coverage unchanged at 1.2x against an expected 1.6x: behind.
    let later = card("r", 0.55, 1.2, 0.15, 0.45, 1);
    let check = check_in(&plan, &later, day("2026-02-09"));
    assert_eq!(check.week, 1);
    let status = |key: MetricKey| check.measures.iter().find(|m| m.key == key).unwrap().status;
    assert_eq!(status(MetricKey::OverdueCloseDates), MeasureStatus::OnTrack);
    assert_eq!(status(MetricKey::Coverage), MeasureStatus::Behind);
    // After the due date an unmet target is missed; a met one is met.
    let end = check_in(&plan, &card("r", 0.9, 3.0, 0.20, 0.10, 0), day("2026-03-30"));
    let status = |key: MetricKey| end.measures.iter().find(|m| m.key == key).unwrap().status;
    assert_eq!(status(MetricKey::OverdueCloseDates), MeasureStatus::Met);
    assert_eq!(status(MetricKey::Coverage), MeasureStatus::Met);
    assert_eq!(status(MetricKey::WinRate), MeasureStatus::Missed);
    assert!(end.summary.starts_with("Week 8 of 8"), "{}", end.summary);
}
