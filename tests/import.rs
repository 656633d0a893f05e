//! The file importers end to end: a CSV export full of broken rows (every good row lands,
//! every bad one is named by line and field), the real Maven data set and its check numbers,
//! determinism, and arbitrary bytes never panicking the CSV importer.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use candor::config::Config;
use candor::domain::*;
use candor::sources::ingest::csv::import_csv;
use candor::sources::ingest::maven::import_maven;
use candor::sources::ingest::{ImportOutcome, IngestError};
use chrono::{DateTime, NaiveDate, Utc};
use proptest::prelude::*;
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/csv")
}

fn import_fixtures() -> ImportOutcome {
    let dir = fixtures();
    import_csv(
        &dir.join("mapping.toml"),
        std::slice::from_ref(&dir),
        &Config::default().stage_catalogue(),
        Currency::USD,
    )
    .unwrap()
}

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
}

fn ids<T>(items: &[T], id: impl Fn(&T) -> String) -> Vec<String> {
    items.iter().map(id).collect()
}

/// (file name, line, field, reason) of every rejection, for exact comparison.
fn rejections(outcome: &ImportOutcome) -> Vec<(String, u64, Option<String>, String)> {
    outcome
        .report
        .rejections
        .iter()
        .map(|r| {
            let file = r.file.file_name().unwrap().to_string_lossy().into_owned();
            (file, r.line, r.field.clone(), r.reason.clone())
        })
        .collect()
}

fn rejected(outcome: &ImportOutcome, file: &str, line: u64) -> (Option<String>, Option<String>, String) {
    let matching: Vec<_> =
        outcome.report.rejections.iter().filter(|r| r.file.file_name().unwrap() == file && r.line == line).collect();
    assert_eq!(matching.len(), 1, "{file}:{line}: {:#?}", outcome.report.rejections);
    (matching[0].record.clone(), matching[0].field.clone(), matching[0].reason.clone())
}

#[test]
fn broken_deals_file_lands_every_good_row_and_names_every_bad_one() {
    let outcome = import_fixtures();
    let data = &outcome.data;
    assert_eq!(
        ids(&data.deals, |d| d.id.to_string()),
        ["crm:D-001", "crm:D-002", "crm:D-011", "crm:D-013", "crm:D-015"],
        "{:#?}",
        outcome.report.rejections
    );
    let field = |s: &str| Some(s.to_owned());
    let record = |s: &str| Some(s.to_owned());
    assert_eq!(
        rejected(&outcome, "deals.csv", 4),
        (record("D-003"), field("Close Date"), "invalid date \"31/02/2026\" (expected format %d/%m/%Y)".into())
    );
    assert_eq!(
        rejected(&outcome, "deals.csv", 5),
        (record("D-004"), field("Amount"), "amount \"-5000\" is negative".into())
    );
    let (_, f, reason) = rejected(&outcome, "deals.csv", 6);
    assert_eq!((f, reason.contains("\"lots\"")), (field("Amount"), true));
    assert_eq!(rejected(&outcome, "deals.csv", 7), (None, field("Opportunity ID"), "missing value".into()));
    assert_eq!(
        rejected(&outcome, "deals.csv", 8),
        (record("D-007"), None, "wrong column count: expected 18, found 7".into())
    );
    assert_eq!(
        rejected(&outcome, "deals.csv", 9),
        (record("D-008"), field("Stage"), "unknown stage \"Maybe Later\" in pipeline \"default\"".into())
    );
    assert_eq!(
        rejected(&outcome, "deals.csv", 10),
        (record("D-001"), field("Opportunity ID"), "duplicate deal id \"D-001\": first seen on line 2".into())
    );
    let (r, f, reason) = rejected(&outcome, "deals.csv", 11);
    assert_eq!((r, f), (record("D-010"), field("Opportunity Name")));
    assert!(reason.starts_with("invalid UTF-8"), "{reason}");
    let (_, f, reason) = rejected(&outcome, "deals.csv", 13);
    assert_eq!((f, reason.contains("11000")), (field("Credit Splits"), true), "{reason}");
    // D-013 spans lines 14-15 (a quoted line break), so the next record is on line 16.
    let (r, f, _) = rejected(&outcome, "deals.csv", 16);
    assert_eq!((r, f), (record("D-014"), field("Forecast Category")));
    assert_eq!(rejections(&outcome).iter().filter(|r| r.0 == "deals.csv").count(), 10);

    let notes = &outcome.report.notes;
    assert!(notes.iter().any(|n| n.ends_with("deals_empty.csv: empty file, nothing imported")), "{notes:#?}");
    assert!(notes.iter().any(|n| n.ends_with("deals_header_only.csv: header only, no records")), "{notes:#?}");
    assert!(notes.iter().any(|n| n.contains("mapping.toml: matches no entity in")), "{notes:#?}");
    assert!(!notes.iter().any(|n| n.contains(".gitattributes")), "hidden files are not exports: {notes:#?}");
}

#[test]
fn good_deals_carry_every_mapped_field() {
    let outcome = import_fixtures();
    let deal = |id: &str| outcome.data.deals.iter().find(|d| d.external_id == id).unwrap();
    let d1 = deal("D-001");
    assert_eq!(d1.stage, "discover", "mapped through [stages]");
    assert_eq!(d1.amount, Money::new(25_000_000, Currency::GBP));
    assert_eq!(d1.close_date, NaiveDate::from_ymd_opt(2026, 6, 30));
    assert_eq!(d1.forecast_category, ForecastCategory::BestCase);
    assert_eq!(d1.products, ["Custody", "FX"]);
    assert_eq!(d1.revenue, RevenueType::Recurring { term_months: 36 });
    assert_eq!(d1.created_at, utc("2026-01-15T09:30:00Z"), "London is on GMT in January");
    assert_eq!(d1.next_step_updated_at, Some(utc("2026-02-20T16:00:00Z")));
    assert_eq!(d1.account_id.as_ref().unwrap().as_str(), "crm:A-1");
    assert_eq!(
        d1.splits.iter().map(|s| (s.person_id.to_string(), s.share_bp)).collect::<Vec<_>>(),
        [("crm:u-alice".to_owned(), 6000), ("crm:u-bob".to_owned(), 4000)]
    );
    let d2 = deal("D-002");
    assert_eq!((d2.stage.as_str(), d2.forecast_category), ("closed_won", ForecastCategory::Closed));
    assert_eq!(d2.amount, Money::new(120_000_000, Currency::USD));
    assert_eq!(d2.closed_at, Some(utc("2026-03-31T00:00:00Z")), "closed at its close date");
    let d11 = deal("D-011");
    assert_eq!((d11.stage.as_str(), d11.amount.minor, d11.account_id.is_none()), ("proposal", 0, true));
    let d13 = deal("D-013");
    assert_eq!(d13.name, "Transition management, phase 2\r\n(lost to incumbent)");
    assert_eq!((d13.stage.as_str(), d13.forecast_category), ("closed_lost", ForecastCategory::Omitted));
    assert_eq!(d13.closed_at, Some(utc("2026-03-02T17:45:00Z")));
    assert_eq!(deal("D-015").forecast_category, ForecastCategory::Pipeline);
    let fixes = &outcome.report.fixes;
    assert!(fixes.contains(&"deals with a blank amount recorded as 0 (1 rows)".to_owned()), "{fixes:?}");
    assert!(
        fixes.contains(&"closed deals without closed_at closed at their close date (1 rows)".to_owned()),
        "{fixes:?}"
    );
    assert_eq!(outcome.data.stages, Config::default().stage_catalogue());
}

#[test]
fn other_entities_land_with_their_bad_rows_named() {
    let outcome = import_fixtures();
    let data = &outcome.data;
    assert_eq!(ids(&data.people, |p| p.external_id.clone()), ["u-lee", "u-mia", "u-alice", "u-bob"]);
    let mia = &data.people[1];
    assert_eq!((mia.role, mia.manager_id.as_ref().unwrap().as_str()), (Role::Manager, "crm:u-lee"));
    assert_eq!(mia.emails, ["mia.chen@northbridge.example", "mia@northbridge.example"]);
    assert_eq!(data.people[2].timezone, "Europe/London", "the mapping's zone when blank");
    assert_eq!(rejected(&outcome, "people.csv", 6).1.as_deref(), Some("Time Zone"));

    assert_eq!(ids(&data.accounts, |a| a.external_id.clone()), ["A-1", "A-2"]);
    assert_eq!(data.accounts[0].domains, ["harbourpension.example"]);
    assert_eq!(rejected(&outcome, "accounts.csv", 4).1.as_deref(), Some("Website"));

    assert_eq!(ids(&data.contacts, |c| c.name.clone()), ["Priya Shah", "Tom Reed"]);
    assert_eq!(data.contacts[0].seniority, Seniority::CLevel);
    assert_eq!(data.contacts[1].seniority, Seniority::Manager);
    assert_eq!(data.contacts[0].email.as_deref(), Some("priya.shah@harbourpension.example"));
    assert_eq!(rejected(&outcome, "contacts.csv", 4).1.as_deref(), Some("Email"));

    let history: Vec<_> = data
        .history
        .iter()
        .map(|h| (h.external_id.as_str(), h.field, h.old_value.as_deref(), h.new_value.as_deref()))
        .collect();
    assert_eq!(
        history,
        [
            ("H-1", DealField::Stage, Some("qualify"), Some("discover")),
            ("H-2", DealField::Amount, Some("20000000"), Some("25000000")),
            ("H-3", DealField::CloseDate, Some("2026-02-28"), Some("2026-03-31")),
        ]
    );
    assert_eq!(rejected(&outcome, "deal_history.csv", 5).1.as_deref(), Some("Field"));
    assert_eq!(rejected(&outcome, "deal_history.csv", 6).1.as_deref(), Some("New Value"));

    assert_eq!(data.contact_roles.len(), 2);
    assert_eq!(data.contact_roles[0].role, ContactRole::EconomicBuyer);
    let (_, _, reason) = rejected(&outcome, "deal_contact_roles.csv", 4);
    assert!(reason.contains("first seen on line 2"), "{reason}");

    assert_eq!(ids(&data.activities, |a| a.external_id.clone()), ["T-1", "T-2"]);
    let email = &data.activities[0];
    assert_eq!(email.snippet.as_deref(), Some("Hi Priya, please find the fee schedule attached."));
    assert_eq!(
        email.participants.iter().map(|p| (p.role, p.address.as_str())).collect::<Vec<_>>(),
        [
            (ParticipantRole::From, "alice.grant@northbridge.example"),
            (ParticipantRole::To, "priya.shah@harbourpension.example"),
            (ParticipantRole::Cc, "mia.chen@northbridge.example"),
        ]
    );
    assert_eq!(email.participants[0].name.as_deref(), Some("Alice Grant"));
    let meeting = &data.activities[1];
    assert_eq!((meeting.kind, meeting.duration_minutes), (ActivityKind::Meeting, Some(45)));
    assert_eq!(
        meeting.deals.iter().map(|l| (l.deal_id.as_str(), l.rule.as_str(), l.confidence)).collect::<Vec<_>>(),
        [("crm:D-001", "csv", 1.0), ("crm:D-015", "csv", 1.0)]
    );
    assert_eq!(rejected(&outcome, "activities.csv", 4).1.as_deref(), Some("Type"));
    assert_eq!(rejected(&outcome, "activities.csv", 5).1.as_deref(), Some("From"));

    assert_eq!(data.quotas.len(), 2);
    assert_eq!(data.quotas[1].amount, Money::new(40_000_000, Currency::GBP), "the mapping's currency");
    assert_eq!(rejected(&outcome, "quotas.csv", 4).1.as_deref(), Some("Period"));
    assert!(rejected(&outcome, "quotas.csv", 5).2.contains("first seen on line 2"));

    let expected_rejections = 10 + 1 + 1 + 1 + 2 + 1 + 2 + 2;
    assert_eq!(outcome.report.rejections.len(), expected_rejections, "{:#?}", rejections(&outcome));
    // D-013 and its quoted line break count once.
    assert_eq!(outcome.report.records_read, 15 + 3 + 5 + 3 + 5 + 3 + 4 + 4);
}

#[test]
fn missing_files_and_bad_mappings_stop_the_import_naming_the_culprit() {
    let dir = fixtures();
    let catalogue = Config::default().stage_catalogue();
    let missing = dir.join("no_such_file.csv");
    match import_csv(&dir.join("mapping.toml"), std::slice::from_ref(&missing), &catalogue, Currency::USD) {
        Err(IngestError::Read { path, .. }) => assert_eq!(path, missing),
        other => panic!("expected a read error, got {other:?}"),
    }
    let scratch = tempfile::tempdir().unwrap();
    let mapping = scratch.path().join("mapping.toml");
    let text =
        std::fs::read_to_string(dir.join("mapping.toml")).unwrap().replace("amount = \"Amount\"", "amout = \"Amount\"");
    std::fs::write(&mapping, text).unwrap();
    let err = import_csv(&mapping, &[dir.join("deals.csv")], &catalogue, Currency::USD).unwrap_err();
    assert!(
        matches!(&err, IngestError::Invalid { path, reason } if *path == mapping && reason.contains("deals.columns.amout")),
        "{err}"
    );
    match import_maven(scratch.path()) {
        Err(IngestError::Read { path, .. }) => assert!(path.ends_with("sales_pipeline.csv"), "{path:?}"),
        other => panic!("expected a read error, got {other:?}"),
    }
}

fn maven_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/maven-crm");
    if dir.is_dir() {
        Some(dir)
    } else {
        println!("skipping: ../shared/data/maven-crm not present");
        None
    }
}

#[test]
fn maven_data_set_imports_with_its_check_numbers() {
    let Some(dir) = maven_dir() else { return };
    let outcome = import_maven(&dir).unwrap();
    let data = &outcome.data;
    assert!(outcome.report.rejections.is_empty(), "{:#?}", outcome.report.rejections);
    assert_eq!(data.deals.len(), 8_800);
    let by_stage = |stage: &str| data.deals.iter().filter(|d| d.stage == stage).collect::<Vec<_>>();
    let won = by_stage("won");
    assert_eq!(won.len(), 4_238);
    assert_eq!(by_stage("lost").len(), 2_473);
    assert_eq!(by_stage("engaging").len(), 1_589);
    assert_eq!(by_stage("prospecting").len(), 500);
    assert_eq!(won.iter().map(|d| d.amount.minor).sum::<i64>(), 1_000_553_400);
    assert!(data.deals.iter().all(|d| d.amount.currency == Currency::USD && d.pipeline == "maven"));

    assert_eq!(data.people.iter().filter(|p| p.role == Role::Rep).count(), 35);
    assert_eq!(data.people.iter().filter(|p| p.role == Role::Manager).count(), 6);
    let hierarchy = Hierarchy::new(&data.people);
    let melvin = PersonId::parse("maven:Melvin Marxen").unwrap();
    assert_eq!(hierarchy.direct_reports(&melvin).len(), 6);
    let darcel = data.people.iter().find(|p| p.name == "Darcel Schlecht").unwrap();
    assert_eq!((darcel.team.as_deref(), darcel.region.as_deref()), (Some("Melvin Marxen"), Some("Central")));
    assert!(data.people.iter().all(|p| p.emails.is_empty() && p.timezone == "UTC"));

    assert_eq!(data.accounts.len(), 85);
    assert_eq!(data.products.len(), 7);
    let gtx_pro = data.products.iter().find(|p| p.name == "GTX Pro").unwrap();
    assert_eq!(gtx_pro.list_price, Some(Money::new(482_100, Currency::USD)));
    assert!(outcome
        .report
        .fixes
        .contains(&"product \"GTXPro\" matched \"GTX Pro\" after normalisation (1480 rows)".to_owned()));
    assert_eq!(data.stages.pipeline("maven").count(), 4);

    let first = data.deals.iter().find(|d| d.external_id == "1C1I7A6R").unwrap();
    assert_eq!(first.name, "Cancity – GTX Plus Basic");
    assert_eq!((first.amount.minor, first.forecast_category), (105_400, ForecastCategory::Closed));
    assert_eq!(first.created_at, utc("2016-10-20T00:00:00Z"));
    assert_eq!(first.closed_at, Some(utc("2017-03-01T00:00:00Z")));
    let lost = by_stage("lost");
    assert!(lost.iter().all(|d| d.forecast_category == ForecastCategory::Omitted && d.closed_at.is_some()));
    let no_account = data.deals.iter().filter(|d| d.account_id.is_none()).count();
    assert_eq!(no_account, 1_425);
    assert!(outcome.report.notes.iter().any(|n| n.starts_with("1425 deals have no account")));
    let prospecting = by_stage("prospecting");
    assert!(prospecting.iter().all(|d| d.created_at == utc("2017-12-31T00:00:00Z") && d.close_date.is_none()));
    assert!(prospecting.iter().all(|d| d.forecast_category == ForecastCategory::Pipeline));

    // One engaged change per non-prospecting deal, one closed change per closed deal.
    assert_eq!(data.history.len(), (8_800 - 500) + (4_238 + 2_473));
    let closed = data.history.iter().find(|h| h.external_id == "1C1I7A6R:closed").unwrap();
    assert_eq!((closed.old_value.as_deref(), closed.new_value.as_deref()), (Some("engaging"), Some("won")));
    assert_eq!(closed.id.as_str(), "maven:1C1I7A6R:closed");
}

#[test]
fn importing_twice_gives_identical_datasets() {
    assert_eq!(import_fixtures(), import_fixtures());
    if let Some(dir) = maven_dir() {
        assert_eq!(import_maven(&dir).unwrap(), import_maven(&dir).unwrap());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic_the_csv_importer(body in proptest::collection::vec(any::<u8>(), 0..400), header in any::<bool>()) {
        let scratch = tempfile::tempdir().unwrap();
        let deals = scratch.path().join("deals.csv");
        let mut bytes = Vec::new();
        if header {
            // A real header makes the arbitrary bytes reach the row parsers.
            let real = std::fs::read(fixtures().join("deals_header_only.csv")).unwrap();
            bytes.extend_from_slice(&real);
        }
        bytes.extend_from_slice(&body);
        std::fs::write(&deals, &bytes).unwrap();
        let result = import_csv(&fixtures().join("mapping.toml"), &[deals], &Config::default().stage_catalogue(), Currency::USD);
        match result {
            Ok(outcome) => prop_assert_eq!(
                outcome.data.deals.len() + outcome.report.rejections.len(),
                outcome.report.records_read as usize
            ),
            Err(IngestError::Invalid { reason, .. }) => prop_assert!(!header && reason.contains("no column"), "{}", reason),
            Err(other) => prop_assert!(false, "unexpected error {}", other),
        }
    }
}
