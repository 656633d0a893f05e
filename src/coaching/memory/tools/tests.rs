//! The memory tools end to end on the embedded store: strict schemas checked in under
//! `tools/`, arguments parsed and refused like the snapshot tools, and every result confined
//! to the recipient's scope.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::coaching::memory::advice::{self, AdvisedDeal, DealState, DeliveredDraft};
use crate::coaching::memory::edge::EdgeStore;
use crate::coaching::memory::suite_memory::simulated::small_org;
use crate::coaching::memory::{deals, playbook, Embedder};
use crate::coaching::snapshot::Snapshot;
use crate::config::Config;
use crate::domain::{Hierarchy, Role};
use crate::engine::risk::{analyse, Index};
use std::collections::BTreeMap;

#[test]
fn checked_in_memory_tool_schemas_match_the_types() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tools");
    let files: Vec<String> = NAMES.iter().map(|name| format!("{name}.json")).collect();
    assert!(files.iter().all(|f| dir.join(f).is_file()), "run `candor tools export`");
    let drifted: Vec<String> =
        crate::coaching::tools::export::drift(&dir).into_iter().filter(|f| files.contains(f)).collect();
    assert!(drifted.is_empty(), "tools/ is out of date for {drifted:?}; run `candor tools export`");
}

#[test]
fn every_memory_tool_schema_is_strict() {
    for (name, definition) in definitions() {
        crate::coaching::tools::schema::is_strict(&definition["function"]["parameters"])
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(definition["function"]["name"], name);
    }
    assert!(NAMES.iter().all(|n| is_memory_tool(n)));
    assert!(!is_memory_tool("get_deal_detail"));
}

fn state_of(deal: &crate::engine::risk::DealRisk) -> DealState {
    DealState {
        deal_id: deal.deal_id.clone(),
        name: deal.name.clone(),
        owner_id: deal.owner_id.clone(),
        stage: deal.stage.clone(),
        stage_order: 3,
        status: crate::domain::StageStatus::Open,
        close_date: deal.close_date,
        amount_minor: deal.amount_minor,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_tools_answer_within_the_recipients_scope() {
    let org = small_org();
    let settings = Config::default().risk_settings();
    let report = analyse(&Index::new(&org.dataset), &settings, org.params.as_of);
    let hierarchy = Hierarchy::new(&org.dataset.people);
    let reps: Vec<_> = org.dataset.people.iter().filter(|p| p.role == Role::Rep).collect();
    let snapshots: Vec<Snapshot> =
        reps.iter().map(|p| Snapshot::build(&org.dataset, &report, &hierarchy, p).unwrap()).collect();
    let (mine, other) = (&snapshots[0], &snapshots[1]);
    let my_deal = mine.deals.iter().find(|d| !d.flags.is_empty()).expect("a flagged deal");
    let other_deal = other.deals.first().expect("another rep's deal");

    let dir = tempfile::tempdir().unwrap();
    let (memory, _) = Memory::start(EdgeStore::open(dir.path(), "t_").unwrap(), Embedder::sparse_only()).await.unwrap();
    playbook::sync(&memory, &playbook::load_sources("").unwrap()).await.unwrap();
    deals::index_narratives(&memory, &deals::build_narratives(&org.dataset, &settings, org.params.as_of, 8, 30))
        .await
        .unwrap();
    let delivered_on = mine.as_of;
    for (snapshot, deal) in [(mine, my_deal), (other, other_deal)] {
        let draft = DeliveredDraft {
            draft_id: format!("draft-{}", snapshot.recipient.person_id),
            recipient_id: snapshot.recipient.person_id.clone(),
            kind: "rep_nudge".into(),
            delivered_on,
            headline: "This week: get a dated next step".into(),
            deals: vec![AdvisedDeal {
                state: state_of(deal),
                advice: "Stalled in stage; book the committee date.".into(),
            }],
        };
        advice::index_delivered(&memory, &draft).await.unwrap();
    }
    let context = MemoryToolContext { snapshot: mine, memory: &memory };

    let playbook =
        call(&context, "search_playbook", r#"{"question":"champion stopped replying","document":null,"limit":2}"#)
            .await
            .unwrap()
            .unwrap();
    assert_eq!(playbook["passages"].as_array().unwrap().len(), 2);
    assert!(playbook["passages"][0]["guidance"].as_str().unwrap().len() > 40);

    let recall = call(&context, "recall_coaching", "").await.unwrap().unwrap();
    let items = recall["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{recall}");
    assert_eq!(items[0]["deal_id"], my_deal.deal_id.as_str());
    assert!(items[0]["said"].as_str().unwrap().contains("committee date"));
    let asked_for_other = format!(r#"{{"query":"committee","deal_id":"{}","limit":null}}"#, other_deal.deal_id);
    let recall = call(&context, "recall_coaching", &asked_for_other).await.unwrap().unwrap();
    assert!(recall["items"].as_array().unwrap().is_empty(), "another rep's coaching never comes back: {recall}");

    let similar = call(&context, "find_similar_won_deals", &format!(r#"{{"deal_id":"{}"}}"#, my_deal.deal_id))
        .await
        .unwrap()
        .unwrap();
    let owners: BTreeMap<String, String> =
        org.dataset.deals.iter().map(|d| (d.id.to_string(), d.owner_id.to_string())).collect();
    for won in similar["won_deals"].as_array().unwrap() {
        assert_eq!(owners[won["deal_id"].as_str().unwrap()], mine.recipient.person_id);
    }
    let refused = call(&context, "find_similar_won_deals", &format!(r#"{{"deal_id":"{}"}}"#, other_deal.deal_id))
        .await
        .unwrap()
        .unwrap_err();
    assert!(matches!(refused, ToolFailure::Refused { .. }), "{refused:?}");

    let invalid = call(&context, "search_playbook", r#"{"question":"x","color":"red"}"#).await.unwrap().unwrap_err();
    assert!(matches!(invalid, ToolFailure::InvalidArguments { .. }), "{invalid:?}");
    assert!(call(&context, "list_flagged_deals", "{}").await.is_none());
}
