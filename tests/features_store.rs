//! Risk snapshots in the store, on SQLite and Postgres: a run's deals, flags with evidence,
//! scorecards and roll-ups are stored with the ruleset version, replaced on re-save, and the
//! synthetic organisation's ground truth loads back for backtests.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use candor::engine::risk::{analyse, to_json, EngineData, Index, Settings};
use candor::store::{report_hash, Store};
use candor::testkit::sim::{self, SimParams};
use common::{sample_dataset, ts};
use std::collections::BTreeMap;

fn settings() -> Settings {
    candor::config::Config::default().risk_settings()
}

both_backends!(snapshots_round_trip_per_run, |store: Store| async move {
    let data = sample_dataset();
    let report = analyse(&Index::new(&data), &settings(), ts("2026-11-16T00:00:00Z"));
    assert!(!report.deals.is_empty());
    let counts = store.save_risk_report("run-1", &report).await.unwrap();
    assert_eq!(counts.deals, report.deals.len() as u64);
    let flags_in_report: usize = report.deals.iter().map(|d| d.flags.len()).sum();
    assert_eq!(counts.flags, flags_in_report as u64);
    assert_eq!(counts.reps, report.reps.len() as u64);

    let stored = store.risk_snapshot("run-1").await.unwrap().unwrap();
    assert_eq!(stored.ruleset_version, report.ruleset_version);
    assert_eq!(stored.as_of, report.as_of);
    assert_eq!(stored.report_hash, report_hash(&report));
    let flags = store.risk_flags("run-1").await.unwrap();
    assert_eq!(flags.len(), flags_in_report);
    for flag in &flags {
        let deal = report.deals.iter().find(|d| d.deal_id == flag.deal_id).unwrap();
        let original = deal.flags.iter().find(|f| f.signal.as_str() == flag.signal).unwrap();
        assert_eq!(flag.reason, original.reason);
        assert_eq!(flag.activity_ids, original.evidence.activity_ids);
        assert_eq!(flag.history_ids, original.evidence.history_ids);
        assert_eq!(flag.ruleset_version, report.ruleset_version);
    }

    // Saving the run again replaces it instead of adding to it; another run stands apart.
    store.save_risk_report("run-1", &report).await.unwrap();
    assert_eq!(store.risk_flags("run-1").await.unwrap().len(), flags_in_report);
    let later = analyse(&Index::new(&data), &settings(), ts("2026-12-01T00:00:00Z"));
    store.save_risk_report("run-2", &later).await.unwrap();
    assert_eq!(store.risk_snapshot("run-1").await.unwrap().unwrap().report_hash, report_hash(&report));
    assert!(store.risk_snapshot("missing").await.unwrap().is_none());
});

both_backends!(a_report_stored_in_parts_appears_with_its_summary_row, |store: Store| async move {
    let data = sample_dataset();
    let report = analyse(&Index::new(&data), &settings(), ts("2026-11-16T00:00:00Z"));
    let whole = store.save_risk_report("run-whole", &report).await.unwrap();
    // A first attempt that stopped half way left rows behind; the next one starts afresh.
    store.save_risk_report_parts("run-parts", &report).await.unwrap();
    let counts = store.save_risk_report_parts("run-parts", &report).await.unwrap();
    assert_eq!(counts, whole);
    assert!(store.risk_snapshot("run-parts").await.unwrap().is_none(), "no summary row, no report");

    let mut tx = store.begin().await.unwrap();
    store.save_risk_report_header_in(&mut tx, "run-parts", &report, &report_hash(&report)).await.unwrap();
    tx.commit().await.unwrap();
    let stored = store.risk_snapshot("run-parts").await.unwrap().unwrap();
    assert_eq!(stored.report_hash, report_hash(&report));
    assert_eq!(store.risk_flags("run-parts").await.unwrap(), store.risk_flags("run-whole").await.unwrap());
});

both_backends!(pipeline_sums_round_each_deal_as_the_engine_does, |store: Store| async move {
    let data = sample_dataset();
    let mut report = analyse(&Index::new(&data), &settings(), ts("2026-11-16T00:00:00Z"));
    // Weighted amounts that fall exactly on a half round away from zero, as f64::round does.
    for (deal, amount) in report.deals.iter_mut().zip([12_345, 7, 250_001]) {
        deal.amount_minor = amount;
        deal.win_probability = 0.5;
    }
    store.save_risk_report("run-sums", &report).await.unwrap();
    let mut expected: BTreeMap<(String, String, String), (i64, i64, i64)> = BTreeMap::new();
    for deal in &report.deals {
        for owner in [String::new(), deal.owner_id.clone()] {
            let key = (owner, deal.stage.clone(), deal.currency.clone());
            let sum = expected.entry(key).or_default();
            sum.0 += 1;
            sum.1 += deal.amount_minor;
            sum.2 += (deal.amount_minor as f64 * deal.win_probability).round() as i64;
        }
    }
    for per_owner in [false, true] {
        let sums = store.snapshot_stage_sums("run-sums", per_owner).await.unwrap();
        assert_eq!(sums.len(), expected.keys().filter(|(owner, _, _)| owner.is_empty() != per_owner).count());
        for sum in sums {
            assert_eq!(sum.owner_id.is_empty(), !per_owner);
            let key = (sum.owner_id.clone(), sum.stage.clone(), sum.currency.clone());
            assert_eq!(Some(&(sum.deals, sum.amount_minor, sum.weighted_minor)), expected.get(&key), "{key:?}");
        }
    }
});

both_backends!(sim_ground_truth_loads_back, |store: Store| async move {
    assert!(store.load_sim_truth().await.unwrap().is_none(), "no synthetic organisation yet");
    let params = SimParams::small(7, 1, 2, ts("2026-11-16T00:00:00Z"));
    let org = sim::generate(&params);
    store.save_sim(&org).await.unwrap();
    let truth = store.load_sim_truth().await.unwrap().unwrap();
    assert_eq!(truth.as_of, Some(params.as_of));
    let mut expected: Vec<_> = org.truth.deals.clone();
    expected.sort_by(|a, b| a.deal_id.cmp(&b.deal_id));
    assert_eq!(truth.deals, expected);
    assert_eq!(truth.conduct_reps.len(), org.truth.conduct_reps.len());
});

both_backends!(the_lean_load_gives_the_same_report, |store: Store| async move {
    let params = SimParams::small(11, 1, 3, ts("2026-11-16T00:00:00Z"));
    store.save_sim(&sim::generate(&params)).await.unwrap();
    let full = store.load_dataset().await.unwrap();
    let lean = store.load_engine_data().await.unwrap();
    assert_eq!(lean.data.deals, full.deals);
    assert_eq!(lean.data.contacts, full.contacts);
    assert_eq!(lean.history.len(), full.history.len());
    assert_eq!(lean.activities.len(), full.activities.len());
    let links: usize = full.activities.iter().map(|a| a.deals.len()).sum();
    assert_eq!(lean.activities.links.len(), links);
    let as_of = params.as_of;
    let from_full = to_json(&analyse(&Index::new(&full), &settings(), as_of)).unwrap();
    let from_lean = to_json(&analyse(&Index::from_engine(&lean), &settings(), as_of)).unwrap();
    assert_eq!(from_full, from_lean, "the engine reads nothing the lean load leaves behind");
    let converted = EngineData::from_dataset(full);
    let from_converted = to_json(&analyse(&Index::from_engine(&converted), &settings(), as_of)).unwrap();
    assert_eq!(from_full, from_converted, "the compact form of the full load gives the same report");
});
