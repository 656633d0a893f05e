//! `candor bench --suite run`: a weekly run for a synthetic organisation end to end (sync,
//! snapshot, plan, draft, review, delivery to the file outbox) on a fresh SQLite store, first
//! with the offline provider, then against a scripted OpenAI-compatible endpoint on loopback
//! that answers every call after a fixed latency. The second figure is compared with the ideal
//! (model calls × latency ÷ concurrency): the run should be bounded by the model, with nothing
//! serialised behind it.

use super::demo::{sim_params, start_of_day};
use super::Context;
use crate::agent::{self, Draft, Snapshot};
use crate::config::{Config, ProviderKind};
use crate::domain::Hierarchy;
use crate::features::{analyse, Index, Settings};
use crate::jobs::bench::time_weekly_run;
use crate::jobs::{AgentDrafter, IsoWeek};
use crate::store::Store;
use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use chrono::NaiveDate;
use serde_json::{json, Value};
use std::collections::HashMap;
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

async fn fresh_store(org: &crate::sim::SimOrg, dir: &std::path::Path, connections: u32) -> anyhow::Result<Store> {
    let store = Store::open("", dir, connections).await?;
    store.save_sim(org).await?;
    Ok(store)
}

/// Answers each chat completion after `latency` with the submit call the deterministic drafter
/// would make for the recipient named in the prompt.
struct ScriptedModel {
    latency: Duration,
    calls: AtomicU64,
    drafts: HashMap<(String, String), Value>,
}

fn recipient_in(request: &Value) -> Option<(String, String)> {
    let prompt = request["messages"].as_array()?.iter().find(|m| m["role"] == "user")?["content"].as_str()?.to_owned();
    let pattern = regex::Regex::new(r"for (.+?) \(a (rep|manager|leader);").ok()?;
    let found = pattern.captures(&prompt)?;
    Some((found[1].to_owned(), found[2].to_owned()))
}

async fn complete(State(model): State<Arc<ScriptedModel>>, Json(request): Json<Value>) -> Json<Value> {
    model.calls.fetch_add(1, Ordering::Relaxed);
    tokio::time::sleep(model.latency).await;
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
    org: &crate::sim::SimOrg,
    config: &Config,
    latency: Duration,
) -> anyhow::Result<(String, Arc<ScriptedModel>)> {
    let as_of = start_of_day(NaiveDate::from_ymd_opt(2026, 11, 16).unwrap_or_default());
    let data = &org.dataset;
    let report = analyse(&Index::new(data), &Settings::from_config(config), as_of);
    let hierarchy = Hierarchy::new(&data.people);
    let mut drafts = HashMap::new();
    for person in &data.people {
        if let Some(call) =
            Snapshot::build(data, &report, &hierarchy, person).and_then(|s| submit_call(&agent::drafter::draft(&s)))
        {
            drafts.insert((person.name.clone(), person.role.as_str().to_owned()), call);
        }
    }
    let model = Arc::new(ScriptedModel { latency, calls: AtomicU64::new(0), drafts });
    let router = Router::new().route("/v1/chat/completions", post(complete)).with_state(model.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    Ok((format!("http://{address}/v1"), model))
}

pub async fn run(context: &Context, reps: u32, latency: Duration, concurrency: u32) -> anyhow::Result<()> {
    let as_of = start_of_day(NaiveDate::from_ymd_opt(2026, 11, 16).unwrap_or_default());
    let week = IsoWeek::of(as_of.date_naive());
    let params = sim_params(context, None, Some(reps), as_of);
    let org = crate::sim::generate(&params);

    let config = Arc::new(bench_config(context, context.config.jobs.concurrency));
    let scratch = tempfile::tempdir()?;
    let store = fresh_store(&org, scratch.path(), config.database.max_connections).await?;
    let drafter = Arc::new(AgentDrafter::from_config(&config, store.clone())?);
    let offline = time_weekly_run(&store, config.clone(), scratch.path(), drafter, week).await?;
    println!(
        "run offline: {} reps, {} recipients drafted, reviewed and {} delivered to the outbox in {:.2}s ({:.0} drafts/s), {}",
        params.reps,
        offline.drafted,
        offline.delivered,
        offline.seconds,
        offline.drafted as f64 / offline.seconds,
        offline.state
    );
    store.close().await;

    let mut config = bench_config(context, concurrency);
    let (url, model) = scripted_endpoint(&org, &config, latency).await?;
    config.llm.provider = ProviderKind::Openai;
    config.llm.base_url = url;
    config.llm.model = "scripted".to_owned();
    config.llm.concurrency = concurrency as usize;
    config.llm.request_timeout_secs = latency.as_secs() + 30;
    let config = Arc::new(config);
    let scratch = tempfile::tempdir()?;
    let store = fresh_store(&org, scratch.path(), config.database.max_connections).await?;
    let drafter = Arc::new(AgentDrafter::from_config(&config, store.clone())?);
    let remote = time_weekly_run(&store, config.clone(), scratch.path(), drafter, week).await?;
    let calls = model.calls.load(Ordering::Relaxed);
    let ideal = calls as f64 * latency.as_secs_f64() / f64::from(concurrency);
    println!(
        "run scripted model ({}ms per call, concurrency {concurrency}): {} drafts, {} delivered, {calls} model calls in \
         {:.1}s; ideal {:.1}s; ratio {:.2} (budget 1.30), {}",
        latency.as_millis(),
        remote.drafted,
        remote.delivered,
        remote.seconds,
        ideal,
        remote.seconds / ideal.max(f64::EPSILON),
        remote.state
    );
    store.close().await;
    Ok(())
}
