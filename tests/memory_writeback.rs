//! Memory write-back through a weekly run on the embedded store: each delivered draft is
//! indexed into coaching memory after its delivery commits, and afterwards a rep's
//! `recall_coaching` returns that rep's delivered coaching and never another rep's.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod pipeline_support;

use candor::coaching::memory::collections::DEAL_NARRATIVES;
use candor::coaching::memory::deals::{self, RUN_SAMPLES, RUN_STEP_DAYS};
use candor::coaching::memory::tools::{access_for, call, MemoryToolContext};
use candor::coaching::memory::{advice, Access, Filter, ScopedFilter, VectorStore};
use candor::coaching::memory::{AnyStore, EdgeStore, Embedder, Memory};
use candor::coaching::{AgentSetup, Snapshot};
use candor::config::Config;
use candor::domain::{Hierarchy, Role, StageStatus};
use candor::engine::risk::{analyse, start_of_day, Index};
use candor::jobs::{start_run, wait_for_run, IsoWeek, Pipeline, RunRequest, RunState, Worker};
use candor::store::Store;
use candor::testkit::sim::{self, SimParams};
use candor::workflow::deliver::Deliverer;
use candor::workflow::DraftKind;
use chrono::{DateTime, NaiveDate, Utc};
use pipeline_support::fast_config;
use std::sync::Arc;
use std::time::Duration;

/// Starts the manual run of `week` and works it to completion, every draft delivered; returns
/// the run's data date.
async fn work(store: &Store, config: &Config, pipeline: &Arc<Pipeline>, week: IsoWeek) -> DateTime<Utc> {
    let (run, _) = start_run(store, config, &RunRequest::manual(week), Utc::now()).await.unwrap();
    let worker = Worker::new(pipeline.clone()).spawn();
    let waited = wait_for_run(store, &run.id, Duration::from_millis(20), |_| {});
    let status = tokio::time::timeout(Duration::from_secs(120), waited).await.expect("the run finishes").unwrap();
    worker.stop(Duration::from_secs(5)).await;
    assert_eq!(status.state, RunState::Completed, "{status:?}");
    assert_eq!(status.delivered, status.recipients, "{status:?}");
    DateTime::parse_from_rfc3339(&run.as_of).unwrap().with_timezone(&Utc)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_run_each_rep_recalls_only_their_own_delivered_coaching() {
    let dir = tempfile::tempdir().unwrap();
    let day = NaiveDate::from_ymd_opt(2026, 11, 16).unwrap();
    let params = SimParams::small(7, 1, 4, start_of_day(day));
    let store = Store::open("", dir.path(), 4).await.unwrap();
    store.save_sim(&sim::generate(&params)).await.unwrap();
    let config = fast_config("");
    let edge = EdgeStore::open(&dir.path().join("qdrant"), "").unwrap();
    let (memory, _) = Memory::start(AnyStore::Embedded(edge), Embedder::sparse_only()).await.unwrap();
    let memory = Arc::new(memory);

    let drafting = AgentSetup::from_config(&config).unwrap().with_memory(Some(memory.clone()));
    let deliverer = Deliverer::from_config(&config, dir.path()).unwrap();
    let pipeline = Arc::new(
        Pipeline::new(store.clone(), Arc::new(config.clone()), Arc::new(drafting), Arc::new(deliverer))
            .with_memory(Some(memory.clone())),
    );
    let week = IsoWeek::of(day);
    work(&store, &config, &pipeline, week).await;
    let dataset = store.load_dataset().await.unwrap();
    let report = analyse(&Index::new(&dataset), &config.risk_settings(), params.as_of);
    let hierarchy = Hierarchy::new(&dataset.people);
    let reps: Vec<Snapshot> = dataset
        .people
        .iter()
        .filter(|p| p.role == Role::Rep)
        .filter_map(|p| Snapshot::build(&dataset, &report, &hierarchy, p))
        .collect();
    assert_eq!(reps.len(), 4);
    let owner_of =
        |deal_id: &str| dataset.deals.iter().find(|d| d.id.as_str() == deal_id).map(|d| d.owner_id.to_string());
    let mut deals_recalled = 0;
    for snapshot in &reps {
        let rep = &snapshot.recipient.person_id;
        let own_draft = format!("{week}.{}.{rep}", DraftKind::RepNudge.as_str());
        let remembered = advice::recall(memory.as_ref(), access_for(snapshot), rep, None, None, 50).await.unwrap();
        assert!(!remembered.is_empty(), "{rep}'s delivered nudge is in memory");
        assert!(remembered.iter().all(|r| r.draft_id == own_draft), "{rep} recalls only {own_draft}: {remembered:?}");

        // The same through the agent's tool, as the next week's loop would call it.
        let context = MemoryToolContext { snapshot, memory: memory.as_ref() };
        let answer = call(&context, "recall_coaching", r#"{"query":null,"deal_id":null,"limit":20}"#)
            .await
            .expect("a memory tool")
            .unwrap();
        let items = answer["items"].as_array().unwrap();
        assert_eq!(items.len(), remembered.len().min(20), "{answer}");
        for item in items {
            let deal_id = item["deal_id"].as_str().unwrap();
            if !deal_id.is_empty() {
                deals_recalled += 1;
                assert_eq!(owner_of(deal_id).as_deref(), Some(rep.as_str()), "another rep's deal came back: {item}");
            }
        }
    }
    assert!(deals_recalled > 0, "the nudges named flagged deals, and recall returned them");

    // The next week's snapshot observes the coached deals again and attaches what happened.
    work(&store, &config, &pipeline, IsoWeek::of(day + chrono::Duration::days(7))).await;
    let mut outcomes = 0;
    for snapshot in &reps {
        let rep = &snapshot.recipient.person_id;
        let first = format!("{week}.{}.{rep}", DraftKind::RepNudge.as_str());
        let remembered = advice::recall(memory.as_ref(), access_for(snapshot), rep, None, None, 50).await.unwrap();
        let observed: Vec<_> = remembered.iter().filter(|r| r.draft_id == first && !r.deal_id.is_empty()).collect();
        assert!(
            observed.iter().all(|r| r.outcome != advice::PENDING),
            "week one's coaching has outcomes after week two's snapshot: {observed:?}"
        );
        outcomes += observed.len();
    }
    assert_eq!(outcomes, deals_recalled, "every deal coached in week one was observed in week two");
}

/// How many deal narratives memory holds.
async fn narrated(memory: &Memory<AnyStore>) -> usize {
    let everything = ScopedFilter::new(Access::Organisation, Filter::default());
    memory.store().count(DEAL_NARRATIVES.name, &everything).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_narrates_closed_deals_once_and_reps_find_their_similar_won_deals() {
    let dir = tempfile::tempdir().unwrap();
    let day = NaiveDate::from_ymd_opt(2026, 11, 16).unwrap();
    let params = SimParams::small(11, 1, 3, start_of_day(day));
    let store = Store::open("", dir.path(), 4).await.unwrap();
    store.save_sim(&sim::generate(&params)).await.unwrap();
    let config = fast_config("");
    let edge = EdgeStore::open(&dir.path().join("qdrant"), "").unwrap();
    let (memory, _) = Memory::start(AnyStore::Embedded(edge), Embedder::sparse_only()).await.unwrap();
    let memory = Arc::new(memory);
    let drafting = AgentSetup::from_config(&config).unwrap().with_memory(Some(memory.clone()));
    let deliverer = Deliverer::from_config(&config, dir.path()).unwrap();
    let pipeline = Arc::new(
        Pipeline::new(store.clone(), Arc::new(config.clone()), Arc::new(drafting), Arc::new(deliverer))
            .with_memory(Some(memory.clone())),
    );
    assert_eq!(narrated(&memory).await, 0, "a fresh memory holds no narratives");

    // The first run narrates every closed deal it can tell, without a separate reindex.
    let as_of = work(&store, &config, &pipeline, IsoWeek::of(day)).await;
    let dataset = store.load_dataset().await.unwrap();
    let closed = deals::narratable_closed(&dataset, as_of, RUN_SAMPLES, RUN_STEP_DAYS);
    let first = narrated(&memory).await;
    assert!(first > 0 && first <= closed.len(), "{first} narratives for {} closed deals", closed.len());
    let pending = deals::pending_narratives(&memory, &dataset, as_of, RUN_SAMPLES, RUN_STEP_DAYS).await.unwrap();
    assert!(pending.is_empty(), "the run told every closed deal it could: {pending:?} still pending");

    // A rep asks for won deals like one of their open deals: only their own won deals come back.
    let report = analyse(&Index::new(&dataset), &config.risk_settings(), params.as_of);
    let hierarchy = Hierarchy::new(&dataset.people);
    let status_of = |deal_id: &str| {
        let deal = dataset.deals.iter().find(|d| d.id.as_str() == deal_id)?;
        Some((deal.owner_id.to_string(), dataset.stages.get(&deal.pipeline, &deal.stage)?.status))
    };
    let mut answered = 0;
    for person in dataset.people.iter().filter(|p| p.role == Role::Rep) {
        let snapshot = Snapshot::build(&dataset, &report, &hierarchy, person).unwrap();
        let Some(open) = report.deals.iter().find(|d| d.owner_id == person.id.as_str()) else { continue };
        let context = MemoryToolContext { snapshot: &snapshot, memory: memory.as_ref() };
        let args = serde_json::json!({ "deal_id": open.deal_id, "limit": 5 }).to_string();
        let answer = call(&context, "find_similar_won_deals", &args).await.expect("a memory tool").unwrap();
        let won = answer["won_deals"].as_array().unwrap();
        for story in won {
            let deal_id = story["deal_id"].as_str().unwrap();
            assert_ne!(deal_id, open.deal_id);
            let (owner, status) = status_of(deal_id).unwrap();
            assert_eq!(owner, person.id.as_str(), "another rep's deal came back: {story}");
            assert_eq!(status, StageStatus::Won, "{story}");
        }
        if !won.is_empty() {
            answered += 1;
        }
    }
    assert!(answered > 0, "some rep found won deals like an open one");

    // The next week's run over the same records finds nothing new to narrate.
    let next = work(&store, &config, &pipeline, IsoWeek::of(day + chrono::Duration::days(7))).await;
    assert_eq!(narrated(&memory).await, first, "the second run indexed nothing new");
    let pending = deals::pending_narratives(&memory, &dataset, next, RUN_SAMPLES, RUN_STEP_DAYS).await.unwrap();
    assert!(pending.is_empty(), "nothing left for the engine: {pending:?}");
}
