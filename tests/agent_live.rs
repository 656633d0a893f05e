//! The weekly run's job pipeline over the demo organisation against a real tiny model (SmolLM2-135M behind an
//! OpenAI-compatible server, started by `../shared/llm/serve-tiny-llm.sh`). Runs only when
//! `CANDOR_TINY_LLM_URL` is set. Its tool arguments are often nonsense: every recipient must
//! still end with a validated draft or a fallback, and nothing that failed validation may be
//! stored as valid.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use candor::coaching::AgentSetup;
use candor::config::{Config, ProviderKind};
use candor::domain::{DraftKind, DraftStatus, IsoWeek};
use candor::engine::risk::start_of_day;
use candor::jobs::{start_run, wait_for_run, Pipeline, RunRequest, RunState, Selection, Worker};
use candor::store::DraftQuery;
use candor::testkit::sim::{self, SimParams};
use candor::workflow::deliver::Deliverer;
use chrono::NaiveDate;
use std::sync::Arc;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn weekly_run_against_the_tiny_model_ends_validated_or_in_fallback() {
    let Ok(url) = std::env::var("CANDOR_TINY_LLM_URL") else {
        eprintln!(
            "skipping the live model test: CANDOR_TINY_LLM_URL is not set (start ../shared/llm/serve-tiny-llm.sh)"
        );
        return;
    };
    let mut config = Config::default();
    config.llm.provider = ProviderKind::Openai;
    config.llm.base_url = url;
    config.llm.model = "smollm2-135m".into();
    config.llm.request_timeout_secs = 180;
    config.llm.max_retries = 0;
    // A CPU-only model writes a few tokens a second: short answers and two turns keep the
    // run inside the CI budget while still exercising tool calls, validation and fallback.
    config.llm.max_completion_tokens = 160;
    config.llm.turn_budget = 2;
    // The server answers one request at a time: more in flight would only queue into timeouts.
    config.llm.concurrency = 1;
    // The demo organisation's generator and seed, kept small enough for a CPU-only model within
    // the CI budget: one rep, their manager and the leader (CANDOR_LIVE_REPS raises it).
    let reps: u32 = std::env::var("CANDOR_LIVE_REPS").ok().and_then(|r| r.parse().ok()).unwrap_or(1);
    let as_of = start_of_day(NaiveDate::from_ymd_opt(2026, 11, 16).unwrap());
    let params = SimParams {
        seed: config.sim.seed,
        leaders: 1,
        managers: (reps / 6).max(1),
        reps,
        months_of_history: config.sim.months_of_history,
        as_of,
        org_domain: config.org.domains[0].clone(),
        fiscal_year_start_month: config.org.fiscal_year_start_month,
    };
    let org = sim::generate(&params);
    let dir = tempfile::tempdir().unwrap();
    let store = candor::store::Store::open("", dir.path(), 4).await.unwrap();
    store.replace_sim(&org).await.unwrap();
    // The weekly run's own pipeline, worked here with the live model.
    let started = std::time::Instant::now();
    let setup = Arc::new(AgentSetup::from_config(&config).unwrap());
    let deliverer = Arc::new(Deliverer::from_config(&config, dir.path()).unwrap());
    let pipeline = Pipeline::new(store.clone(), Arc::new(config.clone()), setup, deliverer);
    let week: IsoWeek = "2026-W47".parse().unwrap();
    let request = RunRequest { week, selection: Selection::All, as_of, trigger: "live".to_owned() };
    let (run, _) = start_run(&store, &config, &request, chrono::Utc::now()).await.unwrap();
    let worker = Worker::new(Arc::new(pipeline)).spawn();
    let status = wait_for_run(&store, &run.id, Duration::from_millis(200), |_| {}).await.unwrap();
    worker.stop(Duration::from_secs(10)).await;
    assert_eq!(status.state, RunState::Completed, "{status:?}");

    let recipients = org.dataset.people.iter().filter(|p| DraftKind::for_role(p.role).is_some()).count();
    let stored = store.drafts(DraftQuery { run_id: Some(&run.id), ..DraftQuery::default() }).await.unwrap();
    assert_eq!(stored.len(), recipients, "every recipient has a draft");
    for row in &stored {
        let p = &row.provenance;
        let findings: Vec<serde_json::Value> = serde_json::from_str(&p.validator_results).unwrap();
        assert_eq!(p.valid, findings.is_empty(), "{}: valid flag and validator results disagree", row.id);
        assert!(p.valid, "{} failed validation: {}", row.id, p.validator_results);
        assert_eq!(p.provider, "openai");
        if p.status != DraftStatus::Fallback {
            assert!(p.model_calls >= 1);
        }
    }
    let tokens: i64 = stored.iter().map(|d| d.provenance.prompt_tokens).sum();
    assert!(tokens > 0, "the model was really called");
    let count = |status: DraftStatus| stored.iter().filter(|d| d.provenance.status == status).count();
    eprintln!(
        "live run: {} drafts, {} validated, {} repaired, {} fallback, {} prompt tokens, {:.1}s",
        stored.len(),
        count(DraftStatus::Validated),
        count(DraftStatus::Repaired),
        count(DraftStatus::Fallback),
        tokens,
        started.elapsed().as_secs_f64()
    );
    store.close().await;
}
