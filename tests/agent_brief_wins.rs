//! The "wins this week" section of a manager's intervention brief: the snapshot carries the
//! team's wins, the template drafter writes them, and the validator holds each win to the data
//! (a won deal of the team, named as it is, for a rep it credits, with the snapshot's figures).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use candor::coaching::validator::{Directory, Facts};
use candor::coaching::{drafter, render, Draft, InterventionBrief, Snapshot, Validator};
use candor::config::Config;
use candor::domain::{Dataset, Hierarchy, Role};
use candor::engine::risk::{analyse, start_of_day, Index, RiskReport};
use candor::testkit::sim::{self, SimParams};
use chrono::NaiveDate;

struct Org {
    config: Config,
    dataset: Dataset,
    report: RiskReport,
}

fn org() -> Org {
    let config = Config::default();
    let as_of = NaiveDate::from_ymd_opt(2026, 11, 16).unwrap();
    let params = SimParams::small(42, 1, 6, start_of_day(as_of));
    let dataset = sim::generate(&params).dataset;
    let report = analyse(&Index::new(&dataset), &config.risk_settings(), params.as_of);
    Org { config, dataset, report }
}

fn manager_snapshot(org: &Org) -> Snapshot {
    let hierarchy = Hierarchy::new(&org.dataset.people);
    let manager = org.dataset.people.iter().find(|p| p.role == Role::Manager).unwrap();
    Snapshot::build(&org.dataset, &org.report, &hierarchy, manager).unwrap()
}

fn codes(org: &Org, snapshot: &Snapshot, brief: &InterventionBrief) -> Vec<String> {
    let directory = Directory::from_dataset(&org.dataset);
    let facts = Facts::from_snapshot(snapshot, &directory);
    let draft = Draft::InterventionBrief(brief.clone());
    let rendered = render::render(&draft, &snapshot.recipient.name, snapshot.exponent());
    let validator = Validator::new(&org.config.compliance).unwrap();
    validator.validate(&draft, &rendered, &facts, &directory).into_iter().map(|f| f.code).collect()
}

#[test]
fn a_managers_brief_carries_the_weeks_wins_and_each_is_checked_against_the_data() {
    let org = org();
    let snapshot = manager_snapshot(&org);
    let wins = snapshot.wins.clone().expect("a manager's snapshot carries the week's wins");
    assert!(!wins.wins.is_empty(), "the simulated team won something in the week to {}", wins.to);
    assert!(wins.wins.iter().all(|w| w.won_on >= wins.from && w.won_on <= wins.to));

    let Draft::InterventionBrief(brief) = drafter::draft(&snapshot) else { panic!("a manager gets a brief") };
    assert_eq!(brief.wins_this_week.len(), wins.wins.len().min(5));
    assert_eq!(brief.wins_this_week[0].deal_id, wins.wins[0].deal_id, "largest credit first");
    assert!(brief.wins_this_week[0].note.contains(&wins.wins[0].name));
    assert!(codes(&org, &snapshot, &brief).is_empty(), "the template brief validates");
    let rendered = render::render(&Draft::InterventionBrief(brief.clone()), "M", 2);
    assert!(rendered.contains("## Wins this week") && rendered.contains(&wins.wins[0].deal_name));

    // An open deal is not a win.
    let open = snapshot.deals.first().unwrap();
    let mut bad = brief.clone();
    bad.wins_this_week[0].deal_id = open.deal_id.clone();
    bad.wins_this_week[0].deal_name = open.name.clone();
    assert!(codes(&org, &snapshot, &bad).contains(&"not_a_win".to_owned()));
    // A win credited to someone else.
    let mut bad = brief.clone();
    bad.wins_this_week[0].person_id = snapshot.recipient.person_id.clone();
    assert!(codes(&org, &snapshot, &bad).contains(&"win_not_of_rep".to_owned()));
    // A made-up amount.
    let mut bad = brief.clone();
    bad.wins_this_week[0].note = "Won for 987,654,321 USD.".into();
    assert!(codes(&org, &snapshot, &bad).contains(&"unsupported_number".to_owned()));
    // Leaving the week's wins out when there were some.
    let mut bad = brief;
    bad.wins_this_week.clear();
    assert!(codes(&org, &snapshot, &bad).contains(&"list_size".to_owned()));
}

#[test]
fn other_roles_carry_no_wins() {
    let org = org();
    let hierarchy = Hierarchy::new(&org.dataset.people);
    for person in org.dataset.people.iter().filter(|p| matches!(p.role, Role::Rep | Role::Leader)) {
        assert!(Snapshot::build(&org.dataset, &org.report, &hierarchy, person).unwrap().wins.is_none());
    }
}
