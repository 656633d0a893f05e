//! `candor bench --suite http`: wrk against the real listener on loopback, with a 1,000-rep
//! organisation after one weekly run: requests per second and p99 latency for the drafts list
//! (as a manager), the forecast (as a leader) and, in the same run, a trivial `/healthz`.

use crate::app::Context;
use crate::engine::risk::start_of_day;
use crate::http::auth::{create_token, create_user, AccessRole, NewUser};
use crate::store::Store;
use crate::testkit::sim;
use crate::testkit::sim::params_from_config as sim_params;
use anyhow::Context as _;
use chrono::{NaiveDate, Utc};
use std::path::Path;
use std::process::Command;

/// One wrk measurement.
struct WrkFigures {
    requests_per_second: f64,
    p99: String,
    non_2xx: u64,
}

fn parse_wrk(output: &str) -> Option<WrkFigures> {
    let requests_per_second = output
        .lines()
        .find_map(|line| line.trim().strip_prefix("Requests/sec:"))
        .and_then(|value| value.trim().parse().ok())?;
    let p99 = output.lines().find_map(|line| line.trim().strip_prefix("99%")).map(|v| v.trim().to_owned())?;
    let non_2xx = output
        .lines()
        .find_map(|line| line.trim().strip_prefix("Non-2xx or 3xx responses:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    Some(WrkFigures { requests_per_second, p99, non_2xx })
}

async fn wrk(url: &str, token: Option<&str>, seconds: u32, connections: u32) -> anyhow::Result<WrkFigures> {
    let mut command = Command::new("wrk");
    command.args(["-t2", &format!("-c{connections}"), &format!("-d{seconds}s"), "--latency"]);
    if let Some(token) = token {
        command.args(["-H", &format!("Authorization: Bearer {token}")]);
    }
    command.arg(url);
    // wrk blocks; the listener keeps answering on the async threads meanwhile.
    let output = tokio::task::spawn_blocking(move || command.output())
        .await?
        .context("running wrk (install it: apt-get install wrk)")?;
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    anyhow::ensure!(output.status.success(), "wrk failed: {}", String::from_utf8_lossy(&output.stderr));
    parse_wrk(&text).with_context(|| format!("reading wrk's output: {text}"))
}

/// Generates the organisation into `dir` and works one weekly run there with the offline
/// provider, in a child process as `candor run --wait` does it.
async fn prepare(context: &Context, dir: &Path, reps: u32) -> anyhow::Result<Store> {
    let as_of = start_of_day(NaiveDate::from_ymd_opt(2026, 11, 16).unwrap_or_default());
    let org = sim::generate(&sim_params(&context.config, None, Some(reps), as_of));
    let store = Store::open("", dir, 8).await?;
    store.save_sim(&org).await?;
    drop(org);
    let mut command = Command::new(std::env::current_exe()?);
    command.arg("--data-dir").arg(dir).args(["run", "--week", "2026-W47", "--wait"]);
    command.env("CANDOR__REVIEW__REP_NUDGE", "auto_approve").stdout(std::process::Stdio::null());
    let status = tokio::task::spawn_blocking(move || command.status()).await?.context("starting the weekly run")?;
    anyhow::ensure!(status.success(), "the weekly run failed: {status}");
    Ok(store)
}

pub(super) async fn run(context: &Context, reps: u32, seconds: u32, connections: u32) -> anyhow::Result<()> {
    let scratch = tempfile::tempdir()?;
    let started = std::time::Instant::now();
    let store = prepare(context, scratch.path(), reps).await?;
    println!("http: {reps}-rep organisation and its weekly run ready in {:.1}s", started.elapsed().as_secs_f64());
    let people = store.load_people().await?;
    let manager = people.iter().find(|p| p.role == crate::domain::Role::Manager).context("no manager")?;
    let leader = people.iter().find(|p| p.role == crate::domain::Role::Leader).context("no leader")?;
    let mut tokens = Vec::new();
    for (id, role, person) in
        [("bench-manager", AccessRole::Manager, manager), ("bench-leader", AccessRole::Leader, leader)]
    {
        let new = NewUser { id: id.to_owned(), name: None, role, person: Some(person.id.to_string()), password: None };
        create_user(&store, new, 1, Utc::now()).await?;
        tokens.push(create_token(&store, id, "bench", 1, Utc::now()).await?.1);
    }
    let state = crate::http::AppState::new(store.clone(), std::sync::Arc::new(context.config.clone()));
    let server = crate::http::serve("127.0.0.1:0", crate::http::app(state)?).await?;
    let base = format!("http://{}", server.address);
    let drafts = store.drafts(crate::store::DraftQuery::default()).await?.len();
    let targets = [
        ("/healthz", None, "healthz (no auth, one database ping)".to_owned()),
        ("/api/v1/drafts", Some(tokens[0].as_str()), format!("drafts list as a manager (of {drafts} drafts)")),
        ("/api/v1/forecast", Some(tokens[1].as_str()), "forecast as a leader".to_owned()),
    ];
    for (path, token, label) in targets {
        let figures = wrk(&format!("{base}{path}"), token, seconds, connections).await?;
        println!(
            "http: {label}: {:.0} requests/s, p99 {} ({connections} connections, {seconds}s{})",
            figures.requests_per_second,
            figures.p99,
            if figures.non_2xx > 0 { format!(", {} non-2xx answers", figures.non_2xx) } else { String::new() }
        );
    }
    server.stop().await;
    store.close().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn reads_wrk_output() {
        let output = "Running 10s test @ http://127.0.0.1:1/healthz\n  2 threads and 16 connections\n\
                      \x20 Latency Distribution\n     50%  350.00us\n     99%    2.10ms\n\
                      \x20 120000 requests in 10.00s, 20.00MB read\nRequests/sec:  12000.50\nTransfer/sec: 2.00MB\n";
        let figures = parse_wrk(output).unwrap();
        assert_eq!(figures.requests_per_second, 12000.5);
        assert_eq!(figures.p99, "2.10ms");
        assert_eq!(figures.non_2xx, 0);
    }
}
