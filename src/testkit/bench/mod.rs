//! `candor bench`: measures and prints the foundation's performance figures (import rate,
//! generation time and peak memory, bulk insert rates on SQLite and Postgres). Figures are
//! printed, never asserted: timing belongs in benchmarks, not tests.

mod connectors;
mod http;
mod ingest;
mod memory;
mod memory_quality;
mod risk;
mod run;
mod weekly;

use crate::app::Context;
use crate::engine::risk::start_of_day;
use crate::store::Store;
use crate::testkit::sim;
use crate::testkit::sim::params_from_config as sim_params;
use anyhow::Context as _;
use chrono::NaiveDate;
use clap::{Args, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BenchSuite {
    All,
    Import,
    Sim,
    Insert,
    /// Calendar and mail import: a 100k-message mbox and a calendar of 10k recurring series.
    Activities,
    /// The deal-risk engine on the 1,000-rep organisation: the pure computation, then loading
    /// from SQLite plus the computation in a fresh process (so its peak memory is its own).
    Risk,
    /// Internal: load-plus-compute on an existing SQLite data directory (the second half of
    /// `risk`, run as a child process).
    #[value(hide = true)]
    RiskLoad,
    /// A whole weekly run (offline, then against a scripted model endpoint), each in a process
    /// of its own so its peak memory is the run's; not part of `all`.
    Run,
    /// Internal: one weekly run over an existing SQLite data directory (a mode of `run`, run as
    /// a child process).
    #[value(hide = true)]
    RunOne,
    /// Internal: serves the scripted model endpoint for the organisation in `--run-data-dir`
    /// until stopped, printing its URL (for timing `run-one` by hand).
    #[value(hide = true)]
    ScriptedModel,
    /// Each live connector syncing a generated org from its loopback vendor stand-in: records
    /// per second and API calls per 1,000 records; not part of `all`.
    Connectors,
    /// Vector memory on the embedded store: upsert rate and query p50/p99 for 100k points, and
    /// recall@5 on the labelled playbook questions; not part of `all`.
    Memory,
    /// wrk against `candor serve`'s listener with the 1,000-rep organisation after a weekly
    /// run: the drafts list, the forecast and `/healthz`; not part of `all`.
    Http,
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Which figures to measure.
    #[arg(long, value_enum, default_value = "all")]
    pub suite: BenchSuite,
    /// The Maven CRM data set folder.
    #[arg(long, default_value = "../shared/data/maven-crm")]
    pub maven_dir: PathBuf,
    /// Reps in the organisation generated for the generation benchmark.
    #[arg(long, default_value_t = 1000)]
    pub sim_reps: u32,
    /// Reps in the organisation written for the insert benchmark.
    #[arg(long, default_value_t = 100)]
    pub insert_reps: u32,
    /// Postgres server for the insert benchmark; a scratch database is created and dropped.
    #[arg(long, env = "CANDOR_BENCH_POSTGRES_URL", default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    pub postgres_url: String,
    /// Reps in the organisation of the weekly-run benchmark.
    #[arg(long, default_value_t = 1000)]
    pub run_reps: u32,
    /// Latency of each call to the scripted model endpoint, in milliseconds.
    #[arg(long, default_value_t = 1000)]
    pub model_latency_ms: u64,
    /// Drafting jobs in flight at once against the scripted endpoint.
    #[arg(long, default_value_t = 32)]
    pub model_concurrency: u32,
    /// The data directory holding the database for `--suite run-one`.
    #[arg(long, hide = true)]
    pub run_data_dir: Option<PathBuf>,
    /// The scripted model endpoint for `--suite run-one`; without it the run drafts offline.
    #[arg(long, hide = true)]
    pub run_model_url: Option<String>,
    /// Messages in the generated mbox of the activities benchmark.
    #[arg(long, default_value_t = 100_000)]
    pub mail_messages: usize,
    /// Recurring series in the generated calendar of the activities benchmark.
    #[arg(long, default_value_t = 10_000)]
    pub calendar_series: usize,
    /// Reps in the organisation of the risk-engine benchmark.
    #[arg(long, default_value_t = 1000)]
    pub risk_reps: u32,
    /// The data directory holding the database for `--suite risk-load`; with `--suite risk`,
    /// where the generated organisation is stored and kept.
    #[arg(long)]
    pub risk_data_dir: Option<PathBuf>,
    /// Seconds wrk runs against each endpoint of the HTTP benchmark.
    #[arg(long, default_value_t = 10)]
    pub http_seconds: u32,
    /// Connections wrk keeps open in the HTTP benchmark.
    #[arg(long, default_value_t = 16)]
    pub http_connections: u32,
}

/// Peak resident memory of this process in MiB, from /proc (Linux only).
pub(crate) fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// Resets the peak-RSS mark so the next reading covers only what follows (Linux ≥ 4.0).
pub(crate) fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn fmt_peak() -> String {
    peak_rss_mib().map(|m| format!("{m:.0} MiB")).unwrap_or_else(|| "n/a".to_owned())
}

pub(crate) async fn run(context: &Context, args: BenchArgs) -> anyhow::Result<ExitCode> {
    let as_of = start_of_day(NaiveDate::from_ymd_opt(2026, 11, 16).unwrap_or_default());
    if args.suite == BenchSuite::Run {
        let latency = std::time::Duration::from_millis(args.model_latency_ms);
        run::run(context, args.run_reps, latency, args.model_concurrency).await?;
        return Ok(ExitCode::SUCCESS);
    }
    if args.suite == BenchSuite::RunOne {
        let one = run::RunOne {
            data_dir: args.run_data_dir.context("--run-data-dir is required with --suite run-one")?,
            model_url: args.run_model_url,
            concurrency: args.model_concurrency,
            latency: std::time::Duration::from_millis(args.model_latency_ms),
        };
        run::run_one(context, &one).await?;
        return Ok(ExitCode::SUCCESS);
    }
    if args.suite == BenchSuite::ScriptedModel {
        let dir = args.run_data_dir.context("--run-data-dir is required with --suite scripted-model")?;
        let latency = std::time::Duration::from_millis(args.model_latency_ms);
        run::serve_scripted_model(context, &dir, latency, args.model_concurrency).await?;
        return Ok(ExitCode::SUCCESS);
    }
    if args.suite == BenchSuite::Connectors {
        for line in connectors::bench_connectors().await {
            println!("{line}");
        }
        return Ok(ExitCode::SUCCESS);
    }
    if args.suite == BenchSuite::Http {
        http::run(context, args.run_reps, args.http_seconds, args.http_connections).await?;
        return Ok(ExitCode::SUCCESS);
    }
    if args.suite == BenchSuite::Memory {
        let scratch = tempfile::tempdir()?;
        let lines = memory::bench_memory(scratch.path(), 100_000, 1_000, &context.config.embeddings);
        for line in lines.await {
            println!("{line}");
        }
        return Ok(ExitCode::SUCCESS);
    }
    if args.suite == BenchSuite::Risk {
        bench_risk(context, &args, as_of).await?;
        return Ok(ExitCode::SUCCESS);
    }
    if args.suite == BenchSuite::RiskLoad {
        let dir = args.risk_data_dir.as_deref().context("--risk-data-dir is required with --suite risk-load")?;
        let store = Store::open("", dir, 2).await?;
        let settings = context.config.risk_settings();
        for line in risk::bench_features_from_store(&store, &settings, as_of).await? {
            println!("{line}");
        }
        store.close().await;
        return Ok(ExitCode::SUCCESS);
    }
    if matches!(args.suite, BenchSuite::All | BenchSuite::Activities) {
        println!("{}", ingest::bench_mail(args.mail_messages).await?);
        println!("{}", ingest::bench_ics(args.calendar_series).await?);
    }
    if matches!(args.suite, BenchSuite::All | BenchSuite::Sim) {
        reset_peak_rss();
        let params = sim_params(&context.config, None, Some(args.sim_reps), as_of);
        let started = Instant::now();
        let org = sim::generate(&params);
        let seconds = started.elapsed().as_secs_f64();
        println!(
            "sim: {} reps, {} deals, {} activities, {} history rows generated in {seconds:.2}s; peak RSS {}",
            params.reps,
            org.dataset.deals.len(),
            org.dataset.activities.len(),
            org.dataset.history.len(),
            fmt_peak()
        );
    }
    if matches!(args.suite, BenchSuite::All | BenchSuite::Import) {
        if args.maven_dir.is_dir() {
            bench_import(&args.maven_dir).await?;
        } else {
            println!("import: skipped, {} not present", args.maven_dir.display());
        }
    }
    if matches!(args.suite, BenchSuite::All | BenchSuite::Insert) {
        let params = sim_params(&context.config, None, Some(args.insert_reps), as_of);
        let org = sim::generate(&params);
        let rows = org.dataset.counts().iter().map(|(_, n)| *n as u64).sum::<u64>()
            + org.dataset.activities.iter().map(|a| a.deals.len() as u64).sum::<u64>();
        let scratch = tempfile::tempdir()?;
        let store = Store::open("", scratch.path(), 4).await?;
        let started = Instant::now();
        store.save_sim(&org).await?;
        let seconds = started.elapsed().as_secs_f64();
        println!("insert sqlite: {rows} rows in {seconds:.2}s = {:.0} rows/s", rows as f64 / seconds);
        store.close().await;
        match bench_postgres(&args.postgres_url, &org, rows).await {
            Ok(line) => println!("{line}"),
            Err(error) => println!("insert postgres: skipped, {error:#}"),
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The engine on a generated organisation: pure computation here, then load + compute in a
/// child process reading the same SQLite file.
async fn bench_risk(context: &Context, args: &BenchArgs, as_of: chrono::DateTime<chrono::Utc>) -> anyhow::Result<()> {
    let params = sim_params(&context.config, None, Some(args.risk_reps), as_of);
    let org = sim::generate(&params);
    let settings = context.config.risk_settings();
    let dataset = org.dataset.clone();
    let lines = tokio::task::spawn_blocking(move || risk::bench_features(&dataset, &settings, as_of)).await?;
    for line in lines {
        println!("{line}");
    }
    // With --risk-data-dir the database is kept there, for measuring the load again on its own
    // (`--suite risk-load`); otherwise it goes with a scratch directory.
    let scratch = tempfile::tempdir()?;
    let dir = args.risk_data_dir.as_deref().unwrap_or(scratch.path());
    let store = Store::open("", dir, 4).await?;
    let started = Instant::now();
    if args.risk_data_dir.is_some() {
        store.replace_sim(&org).await?;
    } else {
        store.save_sim(&org).await?;
    }
    println!("risk: stored the organisation on SQLite in {:.1}s", started.elapsed().as_secs_f64());
    store.close().await;
    drop(org);
    let status = std::process::Command::new(std::env::current_exe()?)
        .arg("--data-dir")
        .arg(dir)
        .args(["bench", "--suite", "risk-load", "--risk-data-dir"])
        .arg(dir)
        .status()
        .context("starting the load-and-compute process")?;
    anyhow::ensure!(status.success(), "the load-and-compute process failed: {status}");
    Ok(())
}

async fn bench_import(dir: &std::path::Path) -> anyhow::Result<()> {
    let started = Instant::now();
    let outcome = crate::sources::ingest::maven::import_maven(dir)?;
    let parse_seconds = started.elapsed().as_secs_f64();
    let rows = outcome.report.records_read;
    let scratch = tempfile::tempdir()?;
    let store = Store::open("", scratch.path(), 4).await?;
    let started = Instant::now();
    store.save_dataset(&outcome.data).await?;
    let store_seconds = started.elapsed().as_secs_f64();
    println!(
        "import maven: {rows} rows parsed in {parse_seconds:.3}s ({:.0} rows/s); parsed + stored on SQLite {:.0} rows/s",
        rows as f64 / parse_seconds,
        rows as f64 / (parse_seconds + store_seconds)
    );
    store.close().await;
    Ok(())
}

async fn bench_postgres(server_url: &str, org: &sim::SimOrg, rows: u64) -> anyhow::Result<String> {
    let admin = Store::connect(server_url, 1).await?;
    let name = format!("candor_bench_{}", std::process::id());
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name}")).execute(admin.pool()).await?;
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(admin.pool()).await?;
    let url = crate::store::with_database(server_url, &name);
    let result = async {
        let store = Store::open(&url, std::path::Path::new("."), 4).await?;
        let started = Instant::now();
        store.save_sim(org).await?;
        let seconds = started.elapsed().as_secs_f64();
        store.close().await;
        anyhow::Ok(format!("insert postgres: {rows} rows in {seconds:.2}s = {:.0} rows/s", rows as f64 / seconds))
    }
    .await;
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name}"))
        .execute(admin.pool())
        .await
        .context("dropping the scratch database")?;
    result
}
