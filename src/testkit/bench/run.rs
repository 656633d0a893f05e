//! `candor bench --suite run`: a weekly run for a synthetic organisation end to end (sync,
//! snapshot, plan, draft, review, delivery to the file outbox) on a fresh SQLite store, first
//! with the offline provider, then against a scripted OpenAI-compatible endpoint on loopback
//! that answers every call after a fixed latency. The second figure is compared with the ideal
//! (model calls × latency ÷ concurrency): the run should be bounded by the model, with nothing
//! serialised behind it.

use super::weekly::time_weekly_run;
use super::{peak_rss_mib, reset_peak_rss};
use crate::app::Context;
use crate::coaching::AgentSetup;
use crate::coaching::{self, Draft, Snapshot, SnapshotIndex};
use crate::config::{Config, ProviderKind};
use crate::domain::Hierarchy;
use crate::domain::{DraftStatus, IsoWeek};
use crate::engine::risk::{analyse, Index};
use crate::jobs::RunState;
use crate::store::DraftQuery;
use crate::store::Store;
use crate::testkit::sim::params_from_config as sim_params;
use anyhow::Context as _;
use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// A run's configuration for benchmarking: every kind approved automatically, the outbox only.
fn bench_config(context: &Context, concurrency: u32) -> Config {
    let mut config = context.config.clone();
    config.review = crate::config::ReviewConfig::default();
    config.delivery = crate::config::DeliveryConfig::default();
    config.jobs.concurrency = concurrency;
    config.database.max_connections = concurrency.max(8);
    config
}

async fn fresh_store(
    org: &crate::testkit::sim::SimOrg,
    dir: &std::path::Path,
    connections: u32,
) -> anyhow::Result<Store> {
    let store = Store::open("", dir, connections).await?;
    store.save_sim(org).await?;
    Ok(store)
}

/// Answers each chat completion after `latency` with the submit call the deterministic drafter
/// would make for the recipient named in the prompt.
struct ScriptedModel {
    latency: Duration,
    calls: AtomicU64,
    /// Calls being answered now, and the most there ever were: the run must keep to its
    /// configured model concurrency.
    in_flight: AtomicU64,
    most_in_flight: AtomicU64,
    drafts: HashMap<(String, String), Value>,
}

fn recipient_in(request: &Value) -> Option<(String, String)> {
    let prompt = request["messages"].as_array()?.iter().find(|m| m["role"] == "user")?["content"].as_str()?.to_owned();
    static PATTERN: std::sync::LazyLock<Option<regex::Regex>> =
        std::sync::LazyLock::new(|| regex::Regex::new(r"for (.+?) \(a (rep|manager|leader);").ok());
    let found = PATTERN.as_ref()?.captures(&prompt)?;
    Some((found[1].to_owned(), found[2].to_owned()))
}

async fn complete(State(model): State<Arc<ScriptedModel>>, Json(request): Json<Value>) -> Json<Value> {
    model.calls.fetch_add(1, Ordering::Relaxed);
    let now = model.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    model.most_in_flight.fetch_max(now, Ordering::SeqCst);
    tokio::time::sleep(model.latency).await;
    model.in_flight.fetch_sub(1, Ordering::SeqCst);
    let message = match recipient_in(&request).and_then(|key| model.drafts.get(&key)) {
        Some(call) => json!({ "role": "assistant", "content": null, "tool_calls": [call] }),
        None => json!({ "role": "assistant", "content": "I cannot tell who this is for." }),
    };
    Json(json!({
        "id": "chatcmpl-bench", "object": "chat.completion", "created": 1_763_000_000, "model": "scripted",
        "choices": [{ "index": 0, "finish_reason": "tool_calls", "message": message }],
        "usage": { "prompt_tokens": 1000, "completion_tokens": 100, "total_tokens": 1100 }
    }))
}

fn submit_call(draft: &Draft) -> Option<Value> {
    let (tool, arguments) = match draft {
        Draft::RepNudge(d) => ("submit_rep_nudge", serde_json::to_string(d).ok()?),
        Draft::InterventionBrief(d) => ("submit_intervention_brief", serde_json::to_string(d).ok()?),
        Draft::ForecastMemo(d) => ("submit_forecast_memo", serde_json::to_string(d).ok()?),
    };
    Some(json!({ "id": "call_0", "type": "function", "function": { "name": tool, "arguments": arguments } }))
}

async fn scripted_endpoint(
    data: &crate::domain::Dataset,
    config: &Config,
    latency: Duration,
) -> anyhow::Result<(String, Arc<ScriptedModel>)> {
    let report = analyse(&Index::new(data), &config.risk_settings(), bench_week().start());
    let hierarchy = Hierarchy::new(&data.people);
    let index = SnapshotIndex::new(data, &report);
    let mut drafts = HashMap::new();
    for person in &data.people {
        let snapshot = Snapshot::cut(&index, data, &report, &hierarchy, person);
        if let Some(call) = snapshot.and_then(|s| submit_call(&coaching::drafter::draft(&s))) {
            drafts.insert((person.name.clone(), person.role.as_str().to_owned()), call);
        }
    }
    let model = Arc::new(ScriptedModel {
        latency,
        calls: AtomicU64::new(0),
        in_flight: AtomicU64::new(0),
        most_in_flight: AtomicU64::new(0),
        drafts,
    });
    let router = Router::new().route("/v1/chat/completions", post(complete)).with_state(model.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    Ok((format!("http://{address}/v1"), model))
}

/// The week every benchmark run drafts for; its data date is the Monday the organisation is
/// generated at.
fn bench_week() -> IsoWeek {
    IsoWeek::of(NaiveDate::from_ymd_opt(2026, 11, 16).unwrap_or_default())
}

/// Job slots for a run whose model takes `model_concurrency` calls at once: half as many again.
fn jobs_beside_model(model_concurrency: u32) -> u32 {
    model_concurrency.saturating_add(model_concurrency / 2)
}

/// What the run process reports back, one JSON line on its standard output.
#[derive(Debug, Serialize, Deserialize)]
struct ChildFigures {
    seconds: f64,
    recipients: i64,
    drafted: i64,
    delivered: i64,
    state: RunState,
    /// Model calls recorded on the run's drafts (the offline provider's included).
    model_calls: i64,
    fallbacks: usize,
    peak_rss_mib: Option<f64>,
    /// Each job kind's span in seconds from the run's start: where the time went.
    #[serde(default)]
    phases: String,
}

/// How the weekly run process is told what to run.
#[derive(Debug, Clone)]
pub(super) struct RunOne {
    pub data_dir: PathBuf,
    /// The scripted endpoint; `None` drafts with the offline provider.
    pub model_url: Option<String>,
    pub concurrency: u32,
    pub latency: Duration,
}

/// The weekly run over the store in `one.data_dir`, in this process, as `candor serve` would run
/// it: its peak RSS is the run's own, not the generator's.
pub(super) async fn run_one(context: &Context, one: &RunOne) -> anyhow::Result<()> {
    reset_peak_rss();
    let mut config = bench_config(context, one.concurrency);
    if let Some(url) = &one.model_url {
        config.llm.provider = ProviderKind::Openai;
        config.llm.base_url = url.clone();
        config.llm.model = "scripted".to_owned();
        config.llm.concurrency = one.concurrency as usize;
        config.llm.request_timeout_secs = one.latency.as_secs() + 30;
        // As the configuration advises for a remote model: job slots beyond the model's, so
        // deliveries and each draft's work around its call overlap the calls.
        config.jobs.concurrency = jobs_beside_model(one.concurrency);
        config.database.max_connections = config.jobs.concurrency.max(8);
    }
    let config = Arc::new(config);
    let store = Store::open("", &one.data_dir, config.database.max_connections).await?;
    let drafting = Arc::new(AgentSetup::from_config(&config)?);
    let week = bench_week();
    let figures = time_weekly_run(&store, config, &one.data_dir, drafting, week).await?;
    let peak_rss_mib = peak_rss_mib();
    let week_text = week.to_string();
    let drafts = store.drafts(DraftQuery { week: Some(&week_text), ..DraftQuery::default() }).await?;
    let phases = phases(&store.job_spans(&week.to_string()).await?);
    store.close().await;
    let child = ChildFigures {
        seconds: figures.seconds,
        recipients: figures.recipients,
        drafted: figures.drafted,
        delivered: figures.delivered,
        state: figures.state,
        model_calls: drafts.iter().map(|d| d.provenance.model_calls).sum(),
        fallbacks: drafts.iter().filter(|d| d.provenance.status == DraftStatus::Fallback).count(),
        peak_rss_mib,
        phases,
    };
    println!("{}", serde_json::to_string(&child)?);
    Ok(())
}

/// `kind a–b s` for each job kind, in seconds from the first job's creation.
fn phases(spans: &[crate::store::JobSpan]) -> String {
    let at = |text: &str| chrono::DateTime::parse_from_rfc3339(text).ok().map(|t| t.timestamp_millis());
    let Some(start) = spans.first().and_then(|s| at(&s.first_created_at)) else { return String::new() };
    let seconds = |millis: i64| (millis - start) as f64 / 1000.0;
    spans
        .iter()
        .map(|span| {
            let from = at(&span.first_created_at).map(seconds).unwrap_or(0.0);
            let to = span.last_finished_at.as_deref().and_then(at).map(seconds).unwrap_or(f64::NAN);
            format!("{} ×{} {from:.1}–{to:.1}s", span.kind, span.jobs)
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Serves the scripted endpoint for the organisation stored in `data_dir` until the process is
/// stopped; prints its URL first.
pub(super) async fn serve_scripted_model(
    context: &Context,
    data_dir: &std::path::Path,
    latency: Duration,
    concurrency: u32,
) -> anyhow::Result<()> {
    let store = Store::open("", data_dir, 4).await?;
    let dataset = store.load_dataset().await?;
    store.close().await;
    let (url, model) = scripted_endpoint(&dataset, &bench_config(context, concurrency), latency).await?;
    drop(dataset);
    println!("{url}");
    tokio::signal::ctrl_c().await?;
    println!("{} model calls answered", model.calls.load(Ordering::Relaxed));
    Ok(())
}

/// Runs [`run_one`] in a child process and reads its figures.
async fn in_child(context: &Context, one: RunOne) -> anyhow::Result<ChildFigures> {
    let mut command = std::process::Command::new(std::env::current_exe()?);
    command
        .arg("--data-dir")
        .arg(&context.data_dir)
        .args(["bench", "--suite", "run-one", "--run-data-dir"])
        .arg(&one.data_dir)
        .args(["--model-concurrency", &one.concurrency.to_string()])
        .args(["--model-latency-ms", &one.latency.as_millis().to_string()]);
    if let Some(url) = &one.model_url {
        command.args(["--run-model-url", url]);
    }
    command.stderr(std::process::Stdio::inherit());
    // Blocking wait off the async threads: the scripted endpoint keeps answering meanwhile.
    let output = tokio::task::spawn_blocking(move || command.output()).await?.context("starting the run process")?;
    anyhow::ensure!(output.status.success(), "the run process failed: {}", output.status);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout.lines().last().context("the run process printed no figures")?;
    serde_json::from_str(line).with_context(|| format!("reading the run process's figures from {line:?}"))
}

fn rss(figures: &ChildFigures) -> String {
    figures.peak_rss_mib.map(|m| format!("{m:.0} MiB")).unwrap_or_else(|| "n/a".to_owned())
}

pub(super) async fn run(context: &Context, reps: u32, latency: Duration, concurrency: u32) -> anyhow::Result<()> {
    let week = bench_week();
    let params = sim_params(&context.config, None, Some(reps), week.start());
    let org = crate::testkit::sim::generate(&params);
    println!(
        "run: {} reps, {} people, {} deals, {} activities; each mode runs in its own process on its own SQLite store",
        params.reps,
        org.dataset.people.len(),
        org.dataset.deals.len(),
        org.dataset.activities.len()
    );
    let offline_concurrency = context.config.jobs.concurrency;
    let offline_dir = tempfile::tempdir()?;
    let scripted_dir = tempfile::tempdir()?;
    fresh_store(&org, offline_dir.path(), 4).await?.close().await;
    fresh_store(&org, scripted_dir.path(), 4).await?.close().await;
    let (url, model) = scripted_endpoint(&org.dataset, &bench_config(context, concurrency), latency).await?;
    drop(org);

    let one = RunOne {
        data_dir: offline_dir.path().to_path_buf(),
        model_url: None,
        concurrency: offline_concurrency,
        latency,
    };
    let offline = in_child(context, one).await?;
    println!(
        "run offline (concurrency {offline_concurrency}): {} drafts, {} delivered to the outbox, {} model calls \
         (offline provider) in {:.2}s ({:.0} drafts/s); peak RSS {}; {}",
        offline.drafted,
        offline.delivered,
        offline.model_calls,
        offline.seconds,
        offline.drafted as f64 / offline.seconds.max(f64::EPSILON),
        rss(&offline),
        offline.state.as_str()
    );
    println!("  phases: {}", offline.phases);

    let one = RunOne { data_dir: scripted_dir.path().to_path_buf(), model_url: Some(url), concurrency, latency };
    let remote = in_child(context, one).await?;
    let calls = model.calls.load(Ordering::Relaxed);
    let ideal = calls as f64 * latency.as_secs_f64() / f64::from(concurrency.max(1));
    let ratio = remote.seconds / ideal.max(f64::EPSILON);
    println!(
        "run scripted model ({}ms per call, concurrency {concurrency}, {} jobs at once): {} drafts ({} fallback), \
         {} delivered, {calls} model calls (at most {} at once) in {:.1}s; ideal {:.1}s; ratio {ratio:.2} \
         (budget 1.30, {}); peak RSS {}; {}",
        latency.as_millis(),
        jobs_beside_model(concurrency),
        remote.drafted,
        remote.fallbacks,
        remote.delivered,
        model.most_in_flight.load(Ordering::SeqCst),
        remote.seconds,
        ideal,
        if ratio <= 1.30 { "met" } else { "missed" },
        rss(&remote),
        remote.state.as_str()
    );
    println!("  phases: {}", remote.phases);
    Ok(())
}
