//! `/metrics` in the Prometheus text format: runs by state, drafts by kind and outcome with the
//! model's calls, tokens and time, jobs by kind and state, deliveries by channel and state,
//! audit entries, HTTP requests and latency, uptime.

use super::{unavailable, AppState};
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use std::collections::BTreeMap;
use std::fmt::Write as _;

fn family(text: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(text, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

async fn render(state: &AppState) -> Result<String, crate::store::StoreError> {
    let mut text = String::new();
    family(&mut text, "candor_runs", "gauge", "Weekly runs by state (the latest 1000).");
    let mut by_state: BTreeMap<&'static str, u64> = BTreeMap::new();
    match crate::app::runs::list(&state.store, 1_000).await {
        Ok(list) => list.into_iter().for_each(|run| *by_state.entry(run.state.as_str()).or_default() += 1),
        Err(error) => tracing::warn!(%error, "metrics: cannot list runs"),
    }
    for (run_state, count) in by_state {
        let _ = writeln!(text, "candor_runs{{state=\"{run_state}\"}} {count}");
    }
    let outcomes = state.store.draft_outcome_totals().await?;
    family(&mut text, "candor_drafts", "counter", "Drafts by kind and outcome (validated, repaired, fallback).");
    for o in &outcomes {
        let _ = writeln!(text, "candor_drafts{{kind=\"{}\",outcome=\"{}\"}} {}", o.kind, o.status, o.drafts);
    }
    family(&mut text, "candor_llm_calls_total", "counter", "Model calls made while drafting.");
    family(&mut text, "candor_llm_tokens_total", "counter", "Model tokens spent while drafting, by direction.");
    family(&mut text, "candor_draft_seconds_total", "counter", "Time spent drafting, model calls included.");
    for o in &outcomes {
        let labels = format!("kind=\"{}\",outcome=\"{}\"", o.kind, o.status);
        let _ = writeln!(text, "candor_llm_calls_total{{{labels}}} {}", o.model_calls);
        let _ = writeln!(text, "candor_llm_tokens_total{{{labels},direction=\"prompt\"}} {}", o.prompt_tokens);
        let _ = writeln!(text, "candor_llm_tokens_total{{{labels},direction=\"completion\"}} {}", o.completion_tokens);
        let _ = writeln!(text, "candor_draft_seconds_total{{{labels}}} {:.3}", o.wall_ms as f64 / 1e3);
    }
    family(&mut text, "candor_jobs", "gauge", "Jobs in the queue by kind and state.");
    for (kind, job_state, count) in state.store.job_state_counts().await? {
        let _ = writeln!(text, "candor_jobs{{kind=\"{kind}\",state=\"{job_state}\"}} {count}");
    }
    family(&mut text, "candor_deliveries", "gauge", "Deliveries by channel and state.");
    for (channel, delivery_state, count) in state.store.delivery_channel_counts().await? {
        let _ = writeln!(text, "candor_deliveries{{channel=\"{channel}\",state=\"{delivery_state}\"}} {count}");
    }
    let (audit_entries, _) = state.store.audit_head().await?;
    family(&mut text, "candor_audit_entries", "counter", "Entries in the audit log.");
    let _ = writeln!(text, "candor_audit_entries {audit_entries}");
    state.http_metrics.render(&mut text);
    family(&mut text, "candor_uptime_seconds", "gauge", "Seconds since the listener started.");
    let _ = writeln!(text, "candor_uptime_seconds {:.1}", state.started.elapsed().as_secs_f64());
    Ok(text)
}

pub(super) async fn metrics(State(state): State<AppState>) -> Response {
    match render(&state).await {
        Ok(text) => ([(CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response(),
        Err(error) => unavailable("metrics_unavailable", &error),
    }
}
