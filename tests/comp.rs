//! Pay and performance management through the store (SQLite and Postgres) and the real binary:
//! a statement stored with its inputs reproduces byte for byte, compliance events and
//! improvement plans round-trip, and the commands work end to end on the demo organisation.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use candor::domain::FiscalCalendar;
use candor::engine::pay::{
    calculate, gather, ComplianceEvent, ComplianceEventKind, GatherRequest, PlanBook, StatementInputs,
};
use candor::store::{Store, StoredImprovementPlan, StoredStatement};
use common::{day, sample_dataset};
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

both_backends!(statements_reproduce_from_stored_inputs, |store: Store| async move {
    store.save_dataset(&sample_dataset()).await.unwrap();
    let data = store.load_dataset().await.unwrap();
    let book = PlanBook::default_book().unwrap();
    let request = GatherRequest {
        book: &book,
        calendar: FiscalCalendar::default(),
        person_id: "test:rep1",
        period: "FY2026-Q4".parse().unwrap(),
        as_of: day("2026-11-30"),
        events: &[],
    };
    let inputs = gather(&data, &request).unwrap();
    let statement = calculate(&inputs).unwrap();
    // d2 (40,000.50, recurring, 70% to rep1) is acme's first win. Recurring: 28,000.35 of a
    // 300,000.00 target × 5,000.00 = 466.67; new logos: 0.7 of 1 × 3,000.00 = 2,100.00;
    // bookings (5.6%) is under its 50% threshold. 25% of 2,566.67 is held until 2026-12-30.
    assert_eq!(statement.totals.earned_minor, 256_667);
    assert_eq!(statement.totals.held_minor, 64_167);
    assert_eq!(statement.totals.payable_minor, 192_500);

    let json = serde_json::to_string(&statement).unwrap();
    let record = StoredStatement {
        id: "stmt-test".into(),
        person_id: inputs.person_id.clone(),
        period: "FY2026-Q4".into(),
        as_of: "2026-11-30".into(),
        plan_id: inputs.current.plan.id.clone(),
        plan_version: 1,
        inputs: serde_json::to_string(&inputs).unwrap(),
        inputs_hash: inputs.fingerprint().unwrap(),
        statement: json.clone(),
        statement_hash: "unused".into(),
        created_at: "2026-11-30T12:00:00.000Z".into(),
    };
    assert!(store.save_statement(&record).await.unwrap());
    assert!(!store.save_statement(&record).await.unwrap(), "saving the same statement twice stores it once");
    let loaded = store.load_statement("stmt-test").await.unwrap().unwrap();
    assert_eq!(loaded, record);
    let restored: StatementInputs = serde_json::from_str(&loaded.inputs).unwrap();
    assert_eq!(serde_json::to_string(&calculate(&restored).unwrap()).unwrap(), loaded.statement);
    assert_eq!(store.list_statements(Some("test:rep1")).await.unwrap().len(), 1);
    assert!(store.list_statements(Some("test:rep2")).await.unwrap().is_empty());
});

both_backends!(compliance_events_and_plans_round_trip, |store: Store| async move {
    let event = ComplianceEvent {
        id: "ev1".into(),
        person_id: "test:rep1".into(),
        kind: ComplianceEventKind::ComplaintUpheld,
        occurred_on: day("2026-10-12"),
        deal_id: Some("test:d2".into()),
        detail: "fee disclosure".into(),
    };
    assert!(store.save_comp_event(&event, "cco", "2026-10-13T09:00:00.000Z").await.unwrap());
    assert!(!store.save_comp_event(&event, "cco", "2026-10-13T09:00:00.000Z").await.unwrap());
    assert_eq!(store.load_comp_events().await.unwrap(), vec![event]);

    let plan = StoredImprovementPlan {
        id: "pip:test:rep1:2026-10-05".into(),
        person_id: "test:rep1".into(),
        created_on: "2026-10-05".into(),
        ends_on: "2026-11-30".into(),
        status: "active".into(),
        plan: "{}".into(),
        created_by: "mgr".into(),
        created_at: "2026-10-05T09:00:00.000Z".into(),
    };
    assert!(store.save_improvement_plan(&plan).await.unwrap());
    assert!(!store.save_improvement_plan(&plan).await.unwrap());
    assert!(store.set_improvement_plan_status(&plan.id, "ended").await.unwrap());
    assert_eq!(store.load_improvement_plan(&plan.id).await.unwrap().unwrap().status, "ended");
    assert_eq!(store.list_improvement_plans("test:rep1").await.unwrap().len(), 1);
    store.save_checkin(&plan.id, "2026-10-12", "{\"week\":1}", "2026-10-12T09:00:00.000Z").await.unwrap();
    store
        .save_checkin(&plan.id, "2026-10-12", "{\"week\":1,\"again\":true}", "2026-10-12T10:00:00.000Z")
        .await
        .unwrap();
    store.save_checkin(&plan.id, "2026-10-19", "{\"week\":2}", "2026-10-19T09:00:00.000Z").await.unwrap();
    let checks = store.list_checkins(&plan.id).await.unwrap();
    assert_eq!(checks.iter().map(|(d, _)| d.as_str()).collect::<Vec<_>>(), vec!["2026-10-12", "2026-10-19"]);
    assert!(checks[0].1.contains("again"), "a second check-in on a day replaces the first");
});

fn candor(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_candor"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env_remove("CANDOR__DATABASE__URL")
        .current_dir(dir)
        .output()
        .expect("run candor")
}

fn ok(output: &Output) -> String {
    assert!(
        output.status.success(),
        "failed: {}\n{}",
        String::from_utf8_lossy(&output.stderr),
        String::from_utf8_lossy(&output.stdout)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn pay_and_performance_commands_work_on_the_demo_organisation() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path();
    ok(&candor(path, &["demo", "--reps", "6", "--as-of", "2026-11-21"]));

    let statement: Value = serde_json::from_str(&ok(&candor(
        path,
        &["comp", "statement", "--rep", "sim:rep-00001", "--as-of", "2026-11-21", "--json"],
    )))
    .unwrap();
    assert_eq!(statement["period"], "FY2026-Q4");
    let totals = &statement["totals"];
    let lines: i64 = statement["lines"].as_array().unwrap().iter().map(|l| l["amount_minor"].as_i64().unwrap()).sum();
    // Every line is shown, so the lines add up to what is payable.
    assert_eq!(lines, totals["payable_minor"].as_i64().unwrap());
    let text = ok(&candor(path, &["comp", "statement", "--rep", "sim:rep-00001", "--as-of", "2026-11-21"]));
    assert!(text.contains("Payable to date") && text.contains("Rounding:"), "{text}");
    let verify = ok(&candor(path, &["comp", "verify"]));
    assert!(verify.contains("1 statement(s) checked, 0 differ"), "{verify}");

    let quotas: Value = serde_json::from_str(&ok(&candor(
        path,
        &["quota", "suggest", "--period", "FY2027-Q1", "--as-of", "2026-11-21", "--json"],
    )))
    .unwrap();
    let reps = quotas["reps"].as_array().unwrap();
    assert_eq!(reps.len(), 6);
    let suggested: i64 = reps.iter().map(|r| r["suggested_minor"].as_i64().unwrap()).sum();
    let unit = 100_000; // 1,000.00 USD
    assert!((suggested - quotas["total_minor"].as_i64().unwrap()).abs() <= unit / 2, "quotas share out the total");

    let recognition: Value =
        serde_json::from_str(&ok(&candor(path, &["recognition", "--as-of", "2026-11-21", "--json"]))).unwrap();
    assert_eq!(recognition["period"], "FY2026-Q4");
    let boards = recognition["leaderboards"].as_array().unwrap();
    let outcomes: Vec<&str> = boards.iter().map(|b| b["outcome"].as_str().unwrap()).collect();
    assert_eq!(outcomes, vec!["bookings", "attainment", "new_clients", "deals_won"], "outcomes, not activity counts");
    assert_eq!(boards[0]["entries"].as_array().unwrap().len(), 6);
    assert_eq!(recognition["reps"].as_array().unwrap().len(), 6);
    assert!(!recognition["wins_this_week"].as_array().unwrap().is_empty(), "one section per manager");
    let text = ok(&candor(path, &["recognition", "--as-of", "2026-11-21"]));
    assert!(text.contains("Streaks and personal bests:") && text.contains("Wins this week for"), "{text}");

    let created = ok(&candor(path, &["pip", "create", "--rep", "sim:rep-00002", "--as-of", "2026-10-20", "--json"]));
    let plan: Value = serde_json::from_str(&created).unwrap();
    let id = plan["id"].as_str().unwrap().to_owned();
    assert_eq!(plan["causes"].as_array().unwrap().len(), 4, "the cause analysis comes with every plan");
    assert!(!plan["measures"].as_array().unwrap().is_empty());
    let check: Value =
        serde_json::from_str(&ok(&candor(path, &["pip", "check", "--id", &id, "--as-of", "2026-11-21", "--json"])))
            .unwrap();
    assert_eq!(check["week"], 4);
    assert_eq!(check["measures"].as_array().unwrap().len(), plan["measures"].as_array().unwrap().len());
    assert!(ok(&candor(path, &["pip", "show", "--id", &id])).contains("Check-in 2026-11-21"));
    let review = candor(path, &["pip", "review", "--rep", "sim:rep-00002", "--as-of", "2026-11-21"]);
    assert!(ok(&review).contains("Every claim is backed by its figures."));

    // Surveillance is for the compliance role only.
    let refused = candor(path, &["conduct", "report", "--as", "sim:rep-00001"]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("compliance"));
    std::fs::write(path.join("candor.toml"), "[comp]\ncompliance_members = [\"cco@northbridge-fs.example\"]\n")
        .unwrap();
    ok(&candor(
        path,
        &[
            "conduct",
            "record",
            "--as",
            "cco@northbridge-fs.example",
            "--rep",
            "sim:rep-00001",
            "--kind",
            "conduct_breach",
            "--date",
            "2026-11-02",
        ],
    ));
    let report: Value = serde_json::from_str(&ok(&candor(
        path,
        &["conduct", "report", "--as", "cco@northbridge-fs.example", "--as-of", "2026-11-21", "--json"],
    )))
    .unwrap();
    assert_eq!(report["audience"], "compliance");
    let rep1 = report["reps"].as_array().unwrap().iter().find(|r| r["person_id"] == "sim:rep-00001").unwrap();
    assert!(rep1["indicators"].as_array().unwrap().iter().any(|i| i["key"] == "complaints_and_breaches"));
    // The breach gates rep1's variable pay to zero for the quarter.
    let gated: Value = serde_json::from_str(&ok(&candor(
        path,
        &["comp", "statement", "--rep", "sim:rep-00001", "--as-of", "2026-11-21", "--json", "--no-save"],
    )))
    .unwrap();
    assert_eq!(gated["totals"]["earned_minor"], 0);
}
