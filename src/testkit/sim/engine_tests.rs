//! The engine on the synthetic organisation: backtest figures for three seeds against the
//! targets (time-split AUC, Brier score, P50 hit rate), determinism and evidence.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::config::Config;
use crate::engine::risk::{backtest, BacktestOptions, GroundTruthOutcome, Index, Settings};
use crate::testkit::sim::{self, SimParams, TrueOutcome};
use chrono::{Duration, NaiveDate};

fn params(seed: u64) -> SimParams {
    let config = Config::default();
    SimParams {
        seed,
        leaders: config.sim.leaders,
        managers: config.sim.managers,
        reps: config.sim.reps,
        months_of_history: config.sim.months_of_history,
        as_of: NaiveDate::from_ymd_opt(2026, 11, 16).unwrap().and_hms_opt(0, 0, 0).unwrap().and_utc(),
        org_domain: "northbridge-fs.example".into(),
        fiscal_year_start_month: 1,
    }
}

fn run(seed: u64) -> crate::engine::risk::BacktestReport {
    let params = params(seed);
    let org = sim::generate(&params);
    let settings = Config::default().risk_settings();
    let index = Index::new(&org.dataset);
    let truth: Vec<GroundTruthOutcome> = org
        .truth
        .deals
        .iter()
        .map(|t| GroundTruthOutcome { deal_id: t.deal_id.to_string(), won_on_time: t.outcome == TrueOutcome::Won })
        .collect();
    let to = params.as_of.date_naive();
    let options = BacktestOptions {
        from: to - Duration::days(273),
        to,
        step_days: 7,
        horizon: Some(params.as_of),
        truth: Some((params.as_of, truth)),
        p50_tolerance: 0.10,
    };
    backtest(&index, &settings, &options).unwrap()
}

#[test]
#[ignore = "slow: run with --release -- --ignored"]
fn synthetic_backtest_meets_targets() {
    for seed in [42, 7, 2026] {
        let report = run(seed);
        println!(
            "seed {seed}: auc {:?} brier {:?} | history auc {:?} brier {:?} rows {} | truth auc {:?} brier {:?} rows {:?} | p50 hit {:?} of {} mae {:?} p10-p90 {:?} | high-flag precision {:?} base {:?}",
            report.auc,
            report.brier,
            report.history.auc,
            report.history.brier,
            report.history.rows,
            report.ground_truth.as_ref().and_then(|g| g.auc),
            report.ground_truth.as_ref().and_then(|g| g.brier),
            report.ground_truth.as_ref().map(|g| g.rows),
            report.p50_hit_rate,
            report.p50_scored_points,
            report.p50_mean_absolute_error,
            report.p10_p90_coverage,
            report.high_flag_precision,
            report.lost_or_slipped_rate,
        );
        let truth = report.ground_truth.as_ref().unwrap();
        assert!(report.auc.unwrap() >= 0.80 && truth.auc.unwrap() >= 0.80, "seed {seed}: AUC below 0.80");
        assert!(report.brier.unwrap() <= 0.20 && truth.brier.unwrap() <= 0.20, "seed {seed}: Brier above 0.20");
        assert!(report.p50_scored_points >= 20, "seed {seed}: too few complete periods to judge P50");
        assert!(report.p50_hit_rate.unwrap() >= 0.75, "seed {seed}: P50 within 10% in under 75% of periods");
    }
}

#[test]
fn ground_truth_time_split_on_the_default_organisation() {
    let params = params(42);
    let org = sim::generate(&params);
    let settings = Config::default().risk_settings();
    let index = Index::new(&org.dataset);
    let report = crate::engine::risk::analyse(&index, &settings, params.as_of);
    let truth: std::collections::BTreeMap<String, bool> =
        org.truth.deals.iter().map(|t| (t.deal_id.to_string(), t.outcome == TrueOutcome::Won)).collect();
    let scored: Vec<(f64, bool)> =
        report.deals.iter().map(|d| (d.win_probability, *truth.get(&d.deal_id).unwrap())).collect();
    assert_eq!(scored.len(), org.truth.deals.len(), "every deal open at as_of is scored");
    let auc = crate::engine::risk::auc(&scored).unwrap();
    let brier = crate::engine::risk::brier(&scored).unwrap();
    assert!(auc >= 0.80, "AUC {auc}");
    assert!(brier <= 0.20, "Brier {brier}");
    assert_eq!(report.model.method, "fitted");
    // Every flag's evidence points at rows that exist.
    let activities: std::collections::BTreeSet<&str> = org.dataset.activities.iter().map(|a| a.id.as_str()).collect();
    let history: std::collections::BTreeSet<&str> = org.dataset.history.iter().map(|h| h.id.as_str()).collect();
    for flag in report.deals.iter().flat_map(|d| &d.flags) {
        assert!(flag.evidence.activity_ids.iter().all(|id| activities.contains(id.as_str())));
        assert!(flag.evidence.history_ids.iter().all(|id| history.contains(id.as_str())));
        assert!(!flag.reason.is_empty());
    }
    // Conduct patterns planted in the organisation surface on those reps' scorecards.
    for (rep, _) in &org.truth.conduct_reps {
        let card = report.reps.iter().find(|c| c.person_id == rep.as_str()).unwrap();
        assert!(!card.conduct.indicators.is_empty(), "{rep}: {:?}", card.conduct);
    }
    let flagged = report.reps.iter().filter(|c| !c.conduct.indicators.is_empty()).count();
    assert_eq!(flagged, org.truth.conduct_reps.len(), "no rep without a planted pattern is flagged");
}

/// CPU seconds this process has used (user + system), from /proc: wall time is unreliable on
/// a shared machine.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat.rsplit(')').next().unwrap_or("").split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

/// Prints how long each phase of the engine takes on `org`.
fn print_breakdown(org: &sim::SimOrg, as_of: chrono::DateTime<chrono::Utc>) {
    use crate::engine::risk::assess::{states_at, Engine};
    use crate::engine::risk::training::training_set;
    use crate::engine::risk::win::WinModels;
    use std::time::Instant;
    println!(
        "deals {} activities {} history {}",
        org.dataset.deals.len(),
        org.dataset.activities.len(),
        org.dataset.history.len()
    );
    let settings = Config::default().risk_settings();
    let t = Instant::now();
    let cpu = cpu_seconds();
    let index = Index::new(&org.dataset);
    println!("index {:?} ({:.2} CPU s)", t.elapsed(), cpu_seconds() - cpu);
    let t = Instant::now();
    let states = states_at(&index, as_of);
    println!("states {:?}", t.elapsed());
    let t = Instant::now();
    let engine = Engine::new(&index, &settings.rules, settings.calendar, &states, as_of);
    println!("velocity {:?}", t.elapsed());
    let t = Instant::now();
    let training = training_set(&engine, &states, as_of);
    println!("training {:?} rows {} candidates {}", t.elapsed(), training.rows.len(), training.candidates);
    let t = Instant::now();
    let _models = WinModels::fit(&training, &settings.rules.forecast);
    println!("fit {:?}", t.elapsed());
    let t = Instant::now();
    let cpu = cpu_seconds();
    let report = crate::engine::risk::analyse(&index, &settings, as_of);
    println!(
        "analyse (all phases again) {:?} ({:.2} CPU s) deals {}",
        t.elapsed(),
        cpu_seconds() - cpu,
        report.deals.len()
    );
}

#[test]
#[ignore = "timing: run with --release -- --ignored"]
fn timing_breakdown() {
    let params = params(42);
    print_breakdown(&sim::generate(&params), params.as_of);
}

#[test]
#[ignore = "benchmark: run with --release -- --ignored"]
fn large_organisation_timing() {
    let mut params = params(42);
    params.reps = 1000;
    params.managers = 166;
    params.leaders = 16;
    print_breakdown(&sim::generate(&params), params.as_of);
}

#[test]
#[ignore = "profiling aid: run with --release -- --ignored"]
fn large_index_repeated() {
    let mut params = params(42);
    params.reps = 1000;
    params.managers = 166;
    params.leaders = 16;
    let org = sim::generate(&params);
    for _ in 0..5 {
        let cpu = cpu_seconds();
        let index = Index::new(&org.dataset);
        println!("index {:.2} CPU s ({} deals)", cpu_seconds() - cpu, index.data.deals.len());
    }
}

#[test]
#[ignore = "profiling aid: run with --release -- --ignored"]
fn large_analyse_repeated() {
    let mut params = params(42);
    params.reps = 1000;
    params.managers = 166;
    params.leaders = 16;
    let org = sim::generate(&params);
    let index = Index::new(&org.dataset);
    let settings = Config::default().risk_settings();
    for _ in 0..4 {
        let cpu = cpu_seconds();
        let report = crate::engine::risk::analyse(&index, &settings, params.as_of);
        println!("analyse {:.2} CPU s ({} open deals)", cpu_seconds() - cpu, report.deals.len());
    }
}

/// Per signal and severity: how many deals due in the period it flagged, and the share of them
/// lost or slipped, pooled over several past dates of the default organisation.
fn signal_lift(settings: &Settings) -> Vec<String> {
    let params = params(42);
    let org = sim::generate(&params);
    let index = Index::new(&org.dataset);
    let finals = crate::engine::risk::assess::states_at(&index, params.as_of);
    let mut stats: std::collections::BTreeMap<(String, String), (u32, u32)> = Default::default();
    let (mut due, mut bad_total) = (0u32, 0u32);
    for date in ["2026-04-06", "2026-05-04", "2026-06-01", "2026-07-06", "2026-08-03", "2026-09-01"] {
        let as_of = NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap().and_hms_opt(0, 0, 0).unwrap().and_utc();
        let report = crate::engine::risk::analyse(&index, settings, as_of);
        let period = settings.calendar.quarter_of(as_of.date_naive());
        let end = settings.calendar.end_exclusive(period);
        for deal in report.deals.iter().filter(|d| d.close_date.is_some_and(|c| c < end)) {
            let position = index.deal_position(&deal.deal_id).unwrap();
            let won = finals[position].as_ref().is_some_and(|s| {
                s.status() == crate::domain::StageStatus::Won && s.closed_at.is_some_and(|c| c.date_naive() < end)
            });
            due += 1;
            bad_total += u32::from(!won);
            let base = stats.entry(("(stage base)".to_owned(), deal.stage.clone())).or_default();
            base.0 += 1;
            base.1 += u32::from(!won);
            for flag in deal.flags.iter().filter(|f| f.severity == crate::engine::risk::Severity::High) {
                let entry = stats.entry((format!("{} high", flag.signal.as_str()), deal.stage.clone())).or_default();
                entry.0 += 1;
                entry.1 += u32::from(!won);
            }
            for flag in &deal.flags {
                let entry =
                    stats.entry((flag.signal.as_str().to_owned(), flag.severity.as_str().to_owned())).or_default();
                entry.0 += 1;
                entry.1 += u32::from(!won);
            }
        }
    }
    let mut lines = vec![format!("base: {due} due, {:.2} lost or slipped", f64::from(bad_total) / f64::from(due))];
    for ((signal, severity), (n, bad)) in stats {
        lines.push(format!("{signal:34} {severity:9} n={n:5} lost/slipped={:.2}", f64::from(bad) / f64::from(n)));
    }
    lines
}

#[test]
#[ignore = "analysis aid: run with --release -- --ignored --nocapture"]
fn print_signal_lift() {
    let settings = Config::default().risk_settings();
    for line in signal_lift(&settings) {
        println!("{line}");
    }
}
