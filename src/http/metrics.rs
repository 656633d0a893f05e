//! `/metrics` in the Prometheus text format: jobs by kind and state, deliveries by channel and
//! state, audit entries, uptime.

use super::{unavailable, AppState};
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use std::fmt::Write as _;

async fn render(state: &AppState) -> Result<String, crate::store::StoreError> {
    let mut text = String::new();
    let _ = writeln!(text, "# HELP candor_jobs Jobs in the queue by kind and state.\n# TYPE candor_jobs gauge");
    for (kind, job_state, count) in state.store.job_state_counts().await? {
        let _ = writeln!(text, "candor_jobs{{kind=\"{kind}\",state=\"{job_state}\"}} {count}");
    }
    let _ = writeln!(text, "# HELP candor_deliveries Deliveries by channel and state.\n# TYPE candor_deliveries gauge");
    for (channel, delivery_state, count) in state.store.delivery_channel_counts().await? {
        let _ = writeln!(text, "candor_deliveries{{channel=\"{channel}\",state=\"{delivery_state}\"}} {count}");
    }
    let (audit_entries, _) = state.store.audit_head().await?;
    let _ =
        writeln!(text, "# HELP candor_audit_entries Entries in the audit log.\n# TYPE candor_audit_entries counter");
    let _ = writeln!(text, "candor_audit_entries {audit_entries}");
    let _ = writeln!(
        text,
        "# HELP candor_uptime_seconds Seconds since the listener started.\n# TYPE candor_uptime_seconds gauge"
    );
    let _ = writeln!(text, "candor_uptime_seconds {:.1}", state.started.elapsed().as_secs_f64());
    Ok(text)
}

pub async fn metrics(State(state): State<AppState>) -> Response {
    match render(&state).await {
        Ok(text) => ([(CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response(),
        Err(error) => unavailable("metrics_unavailable", &error),
    }
}
