//! The memory layer's behaviour over any backend: collections created and migrated on start,
//! the playbook re-indexed only where it changed, coaching written back and recalled within
//! scope, outcomes attached, narratives of won deals found for an open deal, and everything
//! surviving a restart.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::advice::{self, AdvisedDeal, DealState, DeliveredDraft};
use super::collections::Ensured;
use super::store::{Access, Filter, ScopedFilter, VectorStore};
use super::test_support::spawn_embeddings;
use super::{deals, playbook, Embedder, Memory};
use crate::config::Config;
use crate::domain::StageStatus;
use crate::engine::risk::{analyse, Index};
use chrono::NaiveDate;
use std::collections::BTreeMap;

fn state(id: &str, owner: &str, stage: &str, order: i64, status: StageStatus, close: &str) -> DealState {
    DealState {
        deal_id: id.into(),
        name: format!("{id} custody mandate"),
        owner_id: owner.into(),
        stage: stage.into(),
        stage_order: order,
        status,
        close_date: Some(close.parse().unwrap()),
        amount_minor: 50_000_000,
    }
}

fn delivered(draft: &str, recipient: &str, deal: DealState, advice: &str) -> DeliveredDraft {
    DeliveredDraft {
        draft_id: draft.into(),
        recipient_id: recipient.into(),
        kind: "rep_nudge".into(),
        delivered_on: "2026-10-05".parse().unwrap(),
        headline: "Two deals need a dated next step".into(),
        deals: vec![AdvisedDeal { state: deal, advice: advice.into() }],
    }
}

fn date(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

async fn playbook_reindexes_only_what_changed<S: VectorStore>(memory: &Memory<S>) {
    let built_in = playbook::load_sources("").unwrap();
    let first = playbook::sync(memory, &built_in).await.unwrap();
    assert!(first.passages >= 24);
    assert_eq!((first.written, first.removed), (first.passages, 0));
    let again = playbook::sync(memory, &built_in).await.unwrap();
    assert_eq!((again.written, again.removed, again.unchanged), (0, 0, first.passages));

    let mut edited: Vec<playbook::Source> = built_in.iter().filter(|s| s.doc != "suitability").cloned().collect();
    edited[0].markdown = edited[0].markdown.replace("Look at what changed last", "Look first at what changed last");
    let suitability = built_in.iter().find(|s| s.doc == "suitability").map(playbook::passages).unwrap().len();
    let changed = playbook::sync(memory, &edited).await.unwrap();
    assert_eq!((changed.written, changed.removed), (1, suitability));
    let found =
        playbook::search(memory, "suitability product commission", Some("suitability"), Access::Organisation, 3)
            .await
            .unwrap();
    assert!(found.is_empty(), "removed passages are gone");

    let restored = playbook::sync(memory, &built_in).await.unwrap();
    assert_eq!((restored.written, restored.removed), (suitability + 1, 0));
    let found = playbook::search(memory, "my champion stopped replying to emails", None, Access::person("rep-a"), 3)
        .await
        .unwrap();
    assert!(found.iter().any(|f| f.key == "multithreading#when-your-champion-goes-quiet"), "{found:?}");
}

async fn coaching_is_written_back_recalled_in_scope_and_followed_up<S: VectorStore>(memory: &Memory<S>) {
    let d1 = state("d1", "rep-a", "proposal", 4, StageStatus::Open, "2026-10-31");
    let d2 = state("d2", "rep-b", "proposal", 4, StageStatus::Open, "2026-10-31");
    let advice = "Champion silent for three weeks. Next step: ask for the committee date.";
    advice::index_delivered(memory, &delivered("draft-a", "rep-a", d1.clone(), advice)).await.unwrap();
    advice::index_delivered(memory, &delivered("draft-b", "rep-b", d2.clone(), advice)).await.unwrap();

    let own =
        advice::recall(memory, Access::person("rep-a"), "rep-a", Some("champion committee"), None, 10).await.unwrap();
    assert_eq!(own.len(), 1);
    assert_eq!((own[0].deal_id.as_str(), own[0].outcome.as_str()), ("d1", advice::PENDING));
    // Asking for another rep's recipient id does not widen the reader's access.
    let forged =
        advice::recall(memory, Access::person("rep-a"), "rep-b", Some("champion committee"), None, 10).await.unwrap();
    assert!(forged.is_empty(), "{forged:?}");
    let recent = advice::recall(memory, Access::person("rep-a"), "rep-a", None, None, 10).await.unwrap();
    assert_eq!(recent.iter().map(|r| r.draft_id.as_str()).collect::<Vec<_>>(), vec!["draft-a"]);
    let forged = advice::recall(memory, Access::person("rep-a"), "rep-b", None, None, 10).await.unwrap();
    assert!(forged.is_empty(), "{forged:?}");
    let manager = Access::People(["mgr".to_owned(), "rep-a".to_owned(), "rep-b".to_owned()].into());
    let theirs = advice::recall(memory, manager, "rep-b", Some("champion"), None, 10).await.unwrap();
    assert_eq!(theirs.len(), 1, "a manager's access covers their reps");

    let mut now = BTreeMap::new();
    now.insert("d1".to_owned(), state("d1", "rep-a", "negotiate", 5, StageStatus::Open, "2026-11-14"));
    now.insert("d2".to_owned(), state("d2", "rep-b", "closed_won", 6, StageStatus::Won, "2026-10-20"));
    now.insert("d9".to_owned(), state("d9", "rep-a", "qualify", 1, StageStatus::Open, "2026-12-01"));
    assert_eq!(advice::attach_outcomes(memory, &now, date("2026-10-04")).await.unwrap(), 0, "not before delivery");
    assert_eq!(advice::attach_outcomes(memory, &now, date("2026-10-12")).await.unwrap(), 2);
    assert_eq!(advice::attach_outcomes(memory, &now, date("2026-10-12")).await.unwrap(), 0, "idempotent");
    let own = advice::recall(memory, Access::person("rep-a"), "rep-a", Some("champion"), Some("d1"), 5).await.unwrap();
    assert_eq!(own[0].outcome, "progressed");
    assert_eq!(own[0].outcome_detail, "advanced to negotiate; close date moved 14 days later");
    // A won deal is final: later observations leave it alone.
    now.insert("d2".to_owned(), state("d2", "rep-b", "proposal", 4, StageStatus::Open, "2026-12-31"));
    assert_eq!(advice::attach_outcomes(memory, &now, date("2026-10-19")).await.unwrap(), 0);
    let theirs = advice::recall(memory, Access::person("rep-b"), "rep-b", Some("champion"), None, 5).await.unwrap();
    assert_eq!(theirs[0].outcome, "won");
}

async fn similar_won_deals_stay_in_scope<S: VectorStore>(memory: &Memory<S>) {
    let org = simulated::small_org();
    let settings = Config::default().risk_settings();
    let as_of = org.params.as_of;
    let narratives = deals::build_narratives(&org.dataset, &settings, as_of, 8, 30);
    assert!(narratives.iter().any(|n| n.status == "won") && narratives.iter().any(|n| n.status == "lost"));
    assert_eq!(narratives, deals::build_narratives(&org.dataset, &settings, as_of, 8, 30), "deterministic");
    assert_eq!(deals::index_narratives(memory, &narratives).await.unwrap(), narratives.len());

    let report = analyse(&Index::new(&org.dataset), &settings, as_of);
    let open = report.deals.iter().find(|d| !d.flags.is_empty()).expect("a flagged open deal");
    let mine = Access::person(&open.owner_id);
    let similar = deals::find_similar_won(memory, mine, open, 5).await.unwrap();
    assert!(!similar.is_empty());
    let by_id: BTreeMap<&str, &deals::Narrative> = narratives.iter().map(|n| (n.deal_id.as_str(), n)).collect();
    for deal in &similar {
        let narrative = by_id[deal.deal_id.as_str()];
        assert_eq!(narrative.status, "won");
        assert_eq!(narrative.owner_id, open.owner_id, "only the reader's own deals");
        assert_ne!(deal.deal_id, open.deal_id);
    }
    let everyone = deals::find_similar_won(memory, Access::Organisation, open, 5).await.unwrap();
    assert!(everyone.len() >= similar.len());
}

/// The whole memory behaviour on the store `open` returns (called again for each restart).
pub(crate) async fn memory_behaviour<S: VectorStore>(open: impl Fn() -> S) {
    let (memory, ensured) = Memory::start(open(), Embedder::sparse_only()).await.unwrap();
    assert!(ensured.iter().all(|(_, e)| *e == Ensured::Created), "{ensured:?}");
    assert!(!memory.is_hybrid());
    playbook_reindexes_only_what_changed(&memory).await;
    coaching_is_written_back_recalled_in_scope_and_followed_up(&memory).await;
    similar_won_deals_stay_in_scope(&memory).await;
    let coaching_points =
        memory.store().count("coaching", &ScopedFilter::new(Access::Organisation, Filter::default())).await.unwrap();
    drop(memory);

    // Restart with the same layout: nothing is rebuilt and the data is there.
    let (memory, ensured) = Memory::start(open(), Embedder::sparse_only()).await.unwrap();
    let coaching_state = ensured.iter().find(|(name, _)| *name == "coaching").map(|(_, e)| e.clone());
    assert_eq!(coaching_state, Some(Ensured::Unchanged { points: coaching_points }));
    let own = advice::recall(&memory, Access::person("rep-a"), "rep-a", Some("champion"), None, 5).await.unwrap();
    assert_eq!(own[0].outcome, "progressed");
    drop(memory);

    // Restart with an embeddings endpoint: every collection is rebuilt with dense vectors, the
    // coaching history kept, and search becomes hybrid.
    let endpoint = spawn_embeddings(16, 0).await;
    let embedder = Embedder::from_config(&endpoint.config(32)).unwrap();
    let (memory, ensured) = Memory::start(open(), embedder).await.unwrap();
    for (name, outcome) in &ensured {
        assert!(
            matches!(outcome, Ensured::Rebuilt { from_dense: None, to_dense: Some(16), .. }),
            "{name}: {outcome:?}"
        );
    }
    assert!(memory.is_hybrid());
    let own = advice::recall(&memory, Access::person("rep-a"), "rep-a", Some("champion"), None, 5).await.unwrap();
    assert_eq!((own.len(), own[0].outcome.as_str()), (1, "progressed"));
    let forged = advice::recall(&memory, Access::person("rep-a"), "rep-b", Some("champion"), None, 5).await.unwrap();
    assert!(forged.is_empty());
    let found =
        playbook::search(&memory, "discount to sign before quarter end", None, Access::Organisation, 5).await.unwrap();
    assert!(found.iter().any(|f| f.doc == "pricing-conversations" || f.doc == "suitability"), "{found:?}");
    assert!(endpoint.calls() > 0);
    drop(memory);
    let (_, ensured) = Memory::start(open(), Embedder::from_config(&endpoint.config(32)).unwrap()).await.unwrap();
    assert!(ensured.iter().all(|(_, e)| matches!(e, Ensured::Unchanged { .. })), "{ensured:?}");
}

/// The simulator's small organisation the memory tests read: test code, like this file, so it
/// sits in a test module of its own (the simulator is not a dependency of the product).
#[cfg(test)]
pub(crate) mod simulated {
    use crate::testkit::sim::{self, SimParams};

    pub(crate) fn small_org() -> sim::SimOrg {
        let as_of = super::date("2026-11-16").and_hms_opt(0, 0, 0).unwrap().and_utc();
        sim::generate(&SimParams::small(11, 1, 4, as_of))
    }
}
