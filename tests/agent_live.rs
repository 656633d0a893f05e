//! A weekly run over the demo organisation against a real tiny model (SmolLM2-135M behind an
//! OpenAI-compatible server, started by `../shared/llm/serve-tiny-llm.sh`). Runs only when
//! `CANDOR_TINY_LLM_URL` is set. Its tool arguments are often nonsense: every recipient must
//! still end with a validated draft or a fallback, and nothing that failed validation may be
//! stored as valid.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use candor::agent::{provider, weekly_run, AgentSetup, DraftStatus, RunData};
use candor::config::{Config, ProviderKind};
use candor::features::{analyse, start_of_day, Index, Settings};
use candor::sim::{self, SimParams};
use chrono::NaiveDate;
use std::sync::Arc;

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
    let dataset = Arc::new(org.dataset);
    let report = Arc::new(analyse(&Index::new(&dataset), &Settings::from_config(&config), as_of));
    let dir = tempfile::tempdir().unwrap();
    let store = candor::store::Store::open("", dir.path(), 4).await.unwrap();
    let setup = Arc::new(AgentSetup::new(&config, provider::from_config(&config.llm).unwrap()).unwrap());
    let data = RunData { dataset: dataset.clone(), report };
    let summary =
        weekly_run(setup, data, Some(store.clone()), "live:2026-W47", None, chrono::Utc::now()).await.unwrap();

    let recipients = dataset.people.iter().filter(|p| candor::agent::DraftKind::for_role(p.role).is_some()).count();
    assert_eq!(summary.drafts.len(), recipients, "every recipient has a draft");
    let stored = store.drafts_of_run("live:2026-W47").await.unwrap();
    assert_eq!(stored.len(), recipients);
    for draft in &summary.drafts {
        assert!(draft.valid, "{} is stored invalid: {:?}", draft.recipient_id, draft.findings);
        if draft.status != DraftStatus::Fallback {
            assert!(draft.model_calls >= 1);
        }
    }
    for row in &stored {
        let findings: Vec<serde_json::Value> = serde_json::from_str(&row.validator_results).unwrap();
        assert_eq!(row.valid, findings.is_empty(), "{}: valid flag and validator results disagree", row.id);
        assert!(row.valid, "{} failed validation: {}", row.id, row.validator_results);
        assert_eq!(row.fallback, row.status == "fallback");
        assert_eq!(row.provider, "openai");
    }
    let tokens: u64 = summary.drafts.iter().map(|d| d.usage.prompt_tokens).sum();
    assert!(tokens > 0, "the model was really called");
    eprintln!(
        "live run: {} drafts, {} validated, {} repaired, {} fallback, {} prompt tokens, {:.1}s",
        summary.drafts.len(),
        summary.count(DraftStatus::Validated),
        summary.count(DraftStatus::Repaired),
        summary.count(DraftStatus::Fallback),
        tokens,
        summary.wall_ms as f64 / 1000.0
    );
    store.close().await;
}
