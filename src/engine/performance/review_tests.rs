//! Review and coaching-note drafts: every claim grounded in its figures, and a claim with an
//! invented number refused.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::engine::performance::pip::{analyse_causes, PipSettings};
use crate::engine::performance::test_cards::card;

fn day(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

#[test]
fn review_claims_are_grounded_and_name_the_figures() {
    let team =
        [card("a", 1.0, 3.0, 0.40, 0.10, 0), card("b", 0.9, 2.8, 0.35, 0.15, 1), card("c", 1.1, 3.2, 0.45, 0.05, 0)];
    let refs: Vec<&Scorecard> = team.iter().collect();
    let rep = card("r", 0.5, 1.2, 0.15, 0.45, 3);
    let causes = analyse_causes(&rep, &refs, 18, &PipSettings::default());
    let history = vec![
        PeriodResult {
            period: "FY2025-Q3".into(),
            booked_minor: 90_000_000,
            quota_minor: Some(100_000_000),
            ..PeriodResult::default()
        },
        PeriodResult {
            period: "FY2025-Q4".into(),
            booked_minor: 70_000_000,
            quota_minor: Some(100_000_000),
            ..PeriodResult::default()
        },
    ];
    let notes = vec![
        PriorNote { id: "n1".into(), date: day("2026-01-12"), summary: "stalled deal".into() },
        PriorNote { id: "n2".into(), date: day("2026-03-02"), summary: "coverage".into() },
    ];
    let input = ReviewInput {
        card: &rep,
        team: &refs,
        history: &history,
        achievements: None,
        causes: &causes,
        plan: None,
        notes: &notes,
        currency: Currency::USD,
        as_of: day("2026-03-31"),
    };
    let draft = draft_quarterly_review(&input);
    assert_eq!(ground_claims(&draft), Vec::<String>::new());
    let text = draft.render();
    assert!(text.contains("booked 250,000.00 USD against a quota of 1,000,000.00 USD (25%)"), "{text}");
    assert!(text.contains("FY2025-Q3 90%, FY2025-Q4 70%"), "{text}");
    assert!(text.contains("Win rate is 15%, behind the team median of 40%."), "{text}");
    assert!(text.contains("2 coaching message(s) between 2026-01-12 and 2026-03-02."), "{text}");
    let titles: Vec<&str> = draft.sections.iter().map(|s| s.title.as_str()).collect();
    assert_eq!(
        titles,
        vec![
            "Results",
            "How the quarter was worked",
            "What may be holding results back",
            "Coaching this quarter",
            "Focus for next quarter"
        ]
    );

    let notes = draft_coaching_notes(&rep, &refs, &causes, day("2026-03-31"));
    assert_eq!(ground_claims(&notes), Vec::<String>::new());
    assert!(notes.render().contains("Skill (converting opportunity): review the last three losses"));
}

#[test]
fn an_invented_number_or_a_product_push_is_refused() {
    let rep = card("r", 0.5, 1.2, 0.15, 0.45, 3);
    let mut draft = draft_coaching_notes(&rep, &[], &[], day("2026-03-31"));
    draft.sections.push(ReviewSection {
        title: "Extra".into(),
        claims: vec![Claim {
            text: "Win rate is 35% this quarter.".into(),
            figures: vec![figure("win_rate", "15%", "scorecard")],
        }],
    });
    let issues = ground_claims(&draft);
    assert_eq!(issues.len(), 1);
    assert!(issues[0].contains("\"35\""), "{issues:?}");
    draft.sections.pop();
    draft.sections.push(ReviewSection {
        title: "Extra".into(),
        claims: vec![Claim { text: "Pitch the new fund to every client to lift your bonus.".into(), figures: vec![] }],
    });
    assert!(ground_claims(&draft).iter().any(|i| i.starts_with("pay talk")));
}
