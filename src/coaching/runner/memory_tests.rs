//! The loop with and without a vector memory: with one, the memory tools are offered and run
//! within the recipient's scope (a rep's recall never returns another rep's coaching); without
//! one, they are not offered and a call to one is an unknown tool, as before memory existed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::coaching::memory::advice::{self, AdvisedDeal, DealState, DeliveredDraft};
use crate::coaching::memory::{AnyStore, EdgeStore, Embedder};
use crate::coaching::provider::{BoxFuture, ModelReply, ModelRequest, OfflineProvider, ProviderError};
use crate::coaching::snapshot::Snapshot;
use crate::config::Config;
use crate::domain::{Hierarchy, Role};
use crate::engine::risk::{analyse, Index};

/// Recalls coaching on its first turn, then submits the offline provider's draft.
struct RecallThenSubmit;

impl Provider for RecallThenSubmit {
    fn name(&self) -> &'static str {
        "scripted"
    }

    fn model(&self) -> &str {
        "recall-then-submit"
    }

    fn complete<'a>(&'a self, request: ModelRequest<'a>) -> BoxFuture<'a, Result<ModelReply, ProviderError>> {
        if request.messages.iter().any(|m| matches!(m, Message::Assistant { .. })) {
            return OfflineProvider.complete(request);
        }
        Box::pin(async move {
            let call = ToolCall { id: "recall_0".into(), name: "recall_coaching".into(), arguments: "{}".into() };
            Ok(ModelReply { content: None, tool_calls: vec![call], usage: Usage::default() })
        })
    }
}

fn delivered(snapshot: &Snapshot, deal: &crate::engine::risk::DealRisk) -> DeliveredDraft {
    DeliveredDraft {
        draft_id: format!("draft-{}", snapshot.recipient.person_id),
        recipient_id: snapshot.recipient.person_id.clone(),
        kind: "rep_nudge".into(),
        delivered_on: snapshot.as_of,
        headline: "Get a dated next step".into(),
        deals: vec![AdvisedDeal {
            state: DealState {
                deal_id: deal.deal_id.clone(),
                name: deal.name.clone(),
                owner_id: deal.owner_id.clone(),
                stage: deal.stage.clone(),
                stage_order: 3,
                status: crate::domain::StageStatus::Open,
                close_date: deal.close_date,
                amount_minor: deal.amount_minor,
            },
            advice: format!("Book the committee date for {}.", deal.name),
        }],
    }
}

async fn run(snapshot: &Snapshot, directory: &Directory, memory: Option<&Memory>) -> LoopOutcome {
    let config = Config::default();
    let validator = Validator::new(&config.compliance).unwrap();
    let prompt = crate::coaching::prompts::render(snapshot, &config.org.name, &validator.policy);
    let facts = Facts::from_snapshot(snapshot, directory);
    let limits = LoopLimits::from_config(&config.llm);
    run_loop(LoopInputs {
        source_text: crate::config::SourceText::default(),
        provider: &RecallThenSubmit,
        snapshot,
        prompt: &prompt,
        validator: &validator,
        facts: &facts,
        directory,
        limits: &limits,
        memory,
    })
    .await
}

fn recall_result(outcome: &LoopOutcome) -> (bool, String) {
    outcome
        .transcript
        .iter()
        .find_map(|entry| match entry {
            TranscriptEntry::ToolResult { tool, ok, result, .. } if tool == "recall_coaching" => {
                Some((*ok, result.clone()))
            }
            _ => None,
        })
        .expect("the recall call has a result")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_loop_runs_memory_tools_in_the_recipients_scope_and_only_with_memory() {
    let org = crate::coaching::memory::suite_memory::simulated::small_org();
    let report = analyse(&Index::new(&org.dataset), &Config::default().risk_settings(), org.params.as_of);
    let hierarchy = Hierarchy::new(&org.dataset.people);
    let directory = Directory::from_dataset(&org.dataset);
    let snapshots: Vec<Snapshot> = org
        .dataset
        .people
        .iter()
        .filter(|p| p.role == Role::Rep)
        .filter_map(|p| Snapshot::build(&org.dataset, &report, &hierarchy, p))
        .filter(|s| !s.deals.is_empty())
        .collect();
    let (mine, other) = (&snapshots[0], &snapshots[1]);

    let dir = tempfile::tempdir().unwrap();
    let store = AnyStore::Embedded(EdgeStore::open(dir.path(), "loop_").unwrap());
    let (memory, _) = Memory::start(store, Embedder::sparse_only()).await.unwrap();
    for snapshot in [mine, other] {
        advice::index_delivered(&memory, &delivered(snapshot, &snapshot.deals[0])).await.unwrap();
    }

    let with = run(mine, &directory, Some(&memory)).await;
    assert!(matches!(with.stop, StopReason::Validated { .. }), "{:?}", with.stop);
    let (ok, result) = recall_result(&with);
    assert!(ok, "{result}");
    assert!(result.contains(&mine.deals[0].deal_id), "my coaching comes back: {result}");
    assert!(!result.contains(&other.deals[0].deal_id), "another rep's coaching never does: {result}");

    let without = run(mine, &directory, None).await;
    assert!(matches!(without.stop, StopReason::Validated { .. }), "{:?}", without.stop);
    let (ok, result) = recall_result(&without);
    assert!(!ok && result.contains("unknown tool"), "{result}");
}
