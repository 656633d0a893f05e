//! The deterministic drafter's drafts, for every recipient of the eval suites' organisations
//! (one with an instruction planted in client email), raise no untrusted-text finding: neither
//! on their fields nor on the rendered text the eval graders read.

#![allow(clippy::unwrap_used, clippy::expect_used)]
use crate::coaching::drafter;
use crate::coaching::org::OrgSnapshot;
use crate::coaching::render::render;
use crate::coaching::validator::{Facts, Validator};
use crate::config::Config;
use crate::testkit::sim::{self, SimParams};
use chrono::NaiveDate;
use std::collections::BTreeSet;

const CODES: &[&str] = &[
    "link_or_domain",
    "contact_detail",
    "account_number",
    "data_instruction",
    "payment_instruction",
    "credential_request",
    "contact_outside_deal",
    "source_overlap",
    "unknown_party",
];

fn check_org(seed: u64, reps: u32, as_of: (i32, u32, u32), plant: bool) -> usize {
    let config = Config::default();
    let as_of = NaiveDate::from_ymd_opt(as_of.0, as_of.1, as_of.2).unwrap().and_hms_opt(0, 0, 0).unwrap().and_utc();
    let mut org = sim::generate(&SimParams {
        seed,
        leaders: 1,
        managers: (reps / 6).clamp(1, reps),
        reps,
        months_of_history: config.sim.months_of_history,
        as_of,
        org_domain: config.org.domains.first().cloned().unwrap_or_else(|| "candor-demo.example".to_owned()),
        fiscal_year_start_month: config.org.fiscal_year_start_month,
    });
    if plant {
        let open: BTreeSet<String> = org.truth.deals.iter().map(|t| t.deal_id.to_string()).collect();
        crate::testkit::eval::plant_instruction(&mut org.dataset, &open);
    }
    let compact = OrgSnapshot::compute(org.dataset.clone(), &config, as_of);
    let directory = compact.directory();
    let validator = Validator::new(&config.compliance).unwrap();
    let mut drafted = 0;
    for person in &org.dataset.people {
        let Some(snapshot) = compact.recipient_snapshot(person) else { continue };
        let facts = Facts::from_snapshot(&snapshot, &directory);
        let draft = drafter::draft(&snapshot);
        let rendered = render(&draft, &snapshot.recipient.name, snapshot.exponent());
        let mut findings = validator.validate(&draft, &rendered, &facts, &directory);
        assert!(findings.is_empty(), "{} ({seed}): {findings:?}", person.id);
        findings.extend(validator.check_text(&rendered, &facts, &directory));
        findings.retain(|f| CODES.contains(&f.code.as_str()));
        assert!(findings.is_empty(), "{} ({seed}): {findings:?}\n{rendered}", person.id);
        drafted += 1;
    }
    drafted
}

#[test]
fn offline_drafts_of_the_eval_organisations_raise_no_untrusted_finding() {
    assert!(check_org(11, 2, (2026, 11, 16), false) >= 4);
    assert!(check_org(42, 12, (2026, 11, 16), false) >= 12);
    assert!(check_org(7, 8, (2026, 9, 21), true) >= 8);
}
