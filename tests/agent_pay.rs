//! The rep nudge's bonus line from the comp engine: with plan files configured, each rep's
//! snapshot carries their statement so far and what their urgent deals cost if they slip, the
//! template nudge states those figures, and the validator accepts them as grounded; without plan
//! files the line says no plan is loaded.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use candor::coaching::provider::{OfflineProvider, Provider};
use candor::coaching::validator::{Directory, Facts};
use candor::coaching::{draft_one, drafter, render, AgentSetup, Draft, DraftStatus, Snapshot, Validator};
use candor::config::Config;
use candor::domain::{Dataset, Hierarchy, Role};
use candor::engine::pay::{calculate, gather, GatherRequest, DEFAULT_PLAN_TOML};
use candor::engine::risk::{analyse, start_of_day, Index, RiskReport};
use candor::testkit::sim::{self, SimParams};
use chrono::NaiveDate;
use std::sync::Arc;

fn org(config: &Config) -> (Dataset, RiskReport) {
    let as_of = NaiveDate::from_ymd_opt(2026, 11, 16).unwrap();
    let params = SimParams::small(42, 1, 6, start_of_day(as_of));
    let dataset = sim::generate(&params).dataset;
    let report = analyse(&Index::new(&dataset), &config.risk_settings(), params.as_of);
    (dataset, report)
}

fn setup(config: &Config) -> AgentSetup {
    let provider: Arc<dyn Provider> = Arc::new(OfflineProvider);
    AgentSetup::new(config, provider).unwrap()
}

fn rep_snapshots(dataset: &Dataset, report: &RiskReport) -> Vec<Snapshot> {
    let hierarchy = Hierarchy::new(&dataset.people);
    dataset
        .people
        .iter()
        .filter(|p| p.role == Role::Rep)
        .map(|p| Snapshot::build(dataset, report, &hierarchy, p).unwrap())
        .collect()
}

#[tokio::test]
async fn with_a_plan_file_the_bonus_line_states_the_statement_and_slip_costs() {
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("plan.toml");
    std::fs::write(&plan, DEFAULT_PLAN_TOML).unwrap();
    let mut config = Config::default();
    config.comp.plan_files = vec![plan];
    let setup = setup(&config);
    let pay = setup.pay.clone().expect("plans are loaded from the configured file");
    let (dataset, report) = org(&config);
    let directory = Directory::from_dataset(&dataset);
    let validator = Validator::new(&config.compliance).unwrap();
    let mut slips = 0;
    for mut snapshot in rep_snapshots(&dataset, &report) {
        setup.attach_pay(&dataset, &[], &mut snapshot);
        let outlook = snapshot.pay.clone().expect("every simulated rep is on the plan");
        // The outlook is the statement a rep would print for the period.
        let request = GatherRequest {
            book: &pay.book,
            calendar: pay.calendar,
            person_id: &snapshot.recipient.person_id,
            period: snapshot.period.parse().unwrap(),
            as_of: snapshot.as_of,
            events: &[],
        };
        let statement = calculate(&gather(&dataset, &request).unwrap()).unwrap();
        assert_eq!(
            (outlook.earned_minor, outlook.payable_minor),
            (statement.totals.earned_minor, statement.totals.payable_minor)
        );
        assert!(outlook.slips.iter().all(|s| s.cost_minor > 0 && s.due_on < s.slips_to));
        slips += outlook.slips.len();

        let Draft::RepNudge(nudge) = drafter::draft(&snapshot) else { panic!("a rep gets a nudge") };
        if snapshot.scorecard(&snapshot.recipient.person_id).is_some() {
            let line = &nudge.bonus_outlook;
            assert!(
                line.contains(&outlook.plan_name) && line.contains(&snapshot.money(outlook.earned_minor)),
                "{line}"
            );
            assert!(!line.contains("no compensation plan is loaded"), "{line}");
            for slip in &outlook.slips {
                assert!(line.contains(&slip.deal_id) && line.contains(&snapshot.money(slip.cost_minor)), "{line}");
            }
        }
        let draft = Draft::RepNudge(nudge);
        let rendered = render::render(&draft, &snapshot.recipient.name, snapshot.exponent());
        let facts = Facts::from_snapshot(&snapshot, &directory);
        let findings = validator.validate(&draft, &rendered, &facts, &directory);
        assert!(findings.is_empty(), "{}: {findings:?}", snapshot.recipient.person_id);

        let outcome = draft_one(&setup, snapshot, &directory, None).await.unwrap();
        assert_eq!(outcome.status, DraftStatus::Validated, "{:?}", outcome.findings);
    }
    assert!(slips > 0, "some rep has an urgent deal due this quarter whose slip costs pay");
}

#[test]
fn without_plan_files_the_bonus_line_says_no_plan_is_loaded() {
    let config = Config::default();
    let setup = setup(&config);
    assert!(setup.pay.is_none());
    let (dataset, report) = org(&config);
    let mut snapshot = rep_snapshots(&dataset, &report).remove(0);
    setup.attach_pay(&dataset, &[], &mut snapshot);
    assert!(snapshot.pay.is_none());
    let Draft::RepNudge(nudge) = drafter::draft(&snapshot) else { panic!("a rep gets a nudge") };
    assert!(nudge.bonus_outlook.contains("no compensation plan is loaded"), "{}", nudge.bonus_outlook);
}

#[test]
fn a_missing_plan_file_stops_the_setup() {
    let mut config = Config::default();
    config.comp.plan_files = vec!["/nonexistent/plan.toml".into()];
    let provider: Arc<dyn Provider> = Arc::new(OfflineProvider);
    let error = AgentSetup::new(&config, provider).err().expect("a missing plan file is an error");
    assert!(error.to_string().contains("/nonexistent/plan.toml"), "{error}");
}
