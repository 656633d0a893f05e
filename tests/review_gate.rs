//! The review gate on SQLite and Postgres: a draft that failed validation is never approved
//! or delivered as written; one that needed a repair turn, or was written with quoted source
//! text shown to the model, waits for a person whatever its kind's policy says; a fallback
//! follows the policy, marked, with the model's refused draft kept beside it; a reviewer's edit
//! meets the validator's checks and is refused with its findings when it fails them. Each
//! decision is in the audit log with its reason.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod pipeline_support;

use candor::coaching::{AgentSetup, DraftOutcome, DraftStatus, Finding, FindingCategory, OrgSnapshot};
use candor::config::{Config, SourceText};
use candor::domain::{DraftState, Person};
use candor::jobs::{start_run, IsoWeek, RunRequest, RunState};
use candor::store::{DraftQuery, Store};
use candor::workflow::{self, NewDraft, ReviewError};
use chrono::Utc;
use common::{sample_dataset, ts};
use pipeline_support::{fast_config, work_run};
use std::sync::Arc;

fn week() -> IsoWeek {
    "2026-W47".parse().unwrap()
}

/// rep1's nudge as the offline drafter writes it, from the stored organisation.
async fn offline_outcome(store: &Store, config: &Config) -> (Person, DraftOutcome) {
    let as_of = week().start();
    let org = Arc::new(OrgSnapshot::load(store, config, as_of).await.unwrap());
    let rep = org.dataset().people.iter().find(|p| p.id.as_str() == "test:rep1").unwrap().clone();
    let setup = AgentSetup::from_config(config).unwrap();
    let outcome = setup.draft_for(&org, &rep, store).await.unwrap();
    assert!(outcome.valid, "{:?}", outcome.findings);
    (rep, outcome)
}

/// Records `outcome` for `recipient` under `draft_id` the way the weekly run's draft step does.
/// Each test draft gets its own week: a recipient has one draft of a kind per week.
async fn record(store: &Store, config: &Config, draft_id: &str, recipient: &Person, outcome: &DraftOutcome) {
    let draft_week = match draft_id {
        "ok" => "2026-W40",
        "invalid" => "2026-W41",
        "repaired" => "2026-W42",
        "quoted" => "2026-W43",
        _ => "2026-W44",
    };
    let mut tx = store.begin().await.unwrap();
    let draft = NewDraft { draft_id, run_id: "gate-test", week: draft_week, as_of: week().start(), recipient, outcome };
    let recorded = workflow::record_draft_in(store, &mut tx, config, &draft, Utc::now()).await.unwrap();
    assert!(recorded.inserted);
    tx.commit().await.unwrap();
}

async fn actions(store: &Store, draft_id: &str) -> Vec<String> {
    store.audit_for_subject(draft_id).await.unwrap().into_iter().map(|e| e.action).collect()
}

both_backends!(the_gate_holds_what_the_policy_would_approve, |store: Store| async move {
    store.save_dataset(&sample_dataset()).await.unwrap();
    // Every kind approves automatically unless the gate says otherwise.
    let config = fast_config("");
    let (rep, outcome) = offline_outcome(&store, &config).await;

    // Valid, written by the offline drafter: the policy approves it and delivery is queued.
    record(&store, &config, "ok", &rep, &outcome).await;
    let ok = store.draft("ok").await.unwrap().unwrap();
    assert_eq!((ok.state, ok.policy.as_str(), ok.hold_reason.as_deref()), (DraftState::Approved, "auto_approve", None));
    assert!(!store.deliveries("ok").await.unwrap().is_empty());

    // Failed validation: held, never queued, and approval as written is refused.
    let finding = Finding::new(FindingCategory::Compliance, "link_or_domain", "deals[0].next_step", "a web address");
    let invalid = DraftOutcome { valid: false, findings: vec![finding], ..outcome.clone() };
    record(&store, &config, "invalid", &rep, &invalid).await;
    let held = store.draft("invalid").await.unwrap().unwrap();
    assert_eq!((held.state, held.policy.as_str()), (DraftState::Drafted, "recipient_manager"));
    assert!(held.hold_reason.as_deref().unwrap().contains("failed validation (link_or_domain)"));
    assert!(store.deliveries("invalid").await.unwrap().is_empty());
    let approved = workflow::approve(&store, &config, "invalid", "lead@northbridge.example", None, Utc::now()).await;
    assert!(
        matches!(&approved, Err(ReviewError::FailedValidation { findings, .. }) if findings[0].contains("link_or_domain")),
        "{approved:?}"
    );
    assert_eq!(actions(&store, "invalid").await, vec!["draft.created", "review.held"]);

    // Passed only after a repair turn, or written with quoted source text: held for a person.
    let repaired = DraftOutcome { status: DraftStatus::Repaired, ..outcome.clone() };
    record(&store, &config, "repaired", &rep, &repaired).await;
    let quoted = DraftOutcome { source_text: Some(SourceText::Quoted), ..outcome.clone() };
    record(&store, &config, "quoted", &rep, &quoted).await;
    for (id, why) in [("repaired", "repair turn"), ("quoted", "quoted")] {
        let held = store.draft(id).await.unwrap().unwrap();
        assert_eq!(held.state, DraftState::Drafted, "{id}");
        assert!(held.hold_reason.as_deref().unwrap().contains(why), "{id}: {:?}", held.hold_reason);
        assert!(store.deliveries(id).await.unwrap().is_empty(), "{id}");
        let trail = store.audit_for_subject(id).await.unwrap();
        let held_entry = trail.iter().find(|e| e.action == "review.held").unwrap();
        assert!(held_entry.detail.to_string().contains(why), "{id}: {}", held_entry.detail);
    }
    // The recipient's manager may now decide; the repaired one is approved and queued.
    let approved =
        workflow::approve(&store, &config, "repaired", "lead@northbridge.example", Some("read it"), Utc::now())
            .await
            .unwrap();
    assert_eq!(approved.state, DraftState::Approved);

    // A fallback follows the policy, marked, with the refused model draft kept beside it.
    let fallback = DraftOutcome {
        status: DraftStatus::Fallback,
        refused_draft: Some(outcome.draft.clone()),
        source_text: Some(SourceText::Quoted),
        ..outcome.clone()
    };
    record(&store, &config, "fallback", &rep, &fallback).await;
    let marked = store.draft("fallback").await.unwrap().unwrap();
    assert_eq!((marked.state, marked.hold_reason.as_deref()), (DraftState::Approved, None));
    assert!(marked.provenance.refused_draft.is_some());
    let summary = workflow::provenance_summary(&marked);
    assert_eq!(
        (summary["fallback"].as_bool(), summary["refused_model_draft_kept"].as_bool()),
        (Some(true), Some(true))
    );
    assert!(workflow::verify(&store).await.unwrap().intact());
});

both_backends!(a_reviewers_edit_meets_the_validator, |store: Store| async move {
    store.save_dataset(&sample_dataset()).await.unwrap();
    let config = fast_config("[review]\nrep_nudge = \"recipient_manager\"\n");
    let dir = tempfile::tempdir().unwrap();
    let (run, _) = start_run(&store, &config, &RunRequest::manual(week()), Utc::now()).await.unwrap();
    let status = work_run(&store, &config, dir.path(), &run.id).await;
    assert_eq!(status.state, RunState::Completed, "{status:?}");
    let waiting = store.drafts(DraftQuery { state: Some(DraftState::Drafted), ..DraftQuery::default() }).await.unwrap();
    let draft = waiting.iter().find(|d| d.recipient_id == "test:rep1").unwrap().clone();
    let now = ts("2026-11-17T09:00:00Z");

    // An edit carrying a planted instruction, a contact address and an invented figure is refused.
    let planted = format!(
        "{}\n\nBefore Friday, email the client's statements to ops@northbank-settle.example and mention the 93 deals.\n",
        draft.body.trim_end()
    );
    let refused = workflow::edit(&store, &config, &draft.id, "lead@northbridge.example", &planted, "add", now).await;
    let Err(ReviewError::EditRefused { findings, .. }) = &refused else { panic!("{refused:?}") };
    let codes: Vec<&str> = findings.iter().map(|f| f.code.as_str()).collect();
    assert!(codes.iter().any(|c| ["client_personal_data", "contact_detail"].contains(c)), "{codes:?}");
    assert!(codes.contains(&"unsupported_number"), "{codes:?}");
    let unchanged = store.draft(&draft.id).await.unwrap().unwrap();
    assert_eq!((unchanged.state, unchanged.body.as_str()), (DraftState::Drafted, draft.body.as_str()));
    assert!(store.deliveries(&draft.id).await.unwrap().is_empty());
    let trail = store.audit_for_subject(&draft.id).await.unwrap();
    let entry = trail.iter().find(|e| e.action == "review.edit_refused").unwrap();
    assert!(entry.detail.to_string().contains("unsupported_number"), "{}", entry.detail);

    // An edit that only shortens the text passes the same checks and is approved.
    let first_paragraph = draft.body.split("\n\n").next().unwrap().to_owned();
    let shortened = format!("{first_paragraph}\n\nLet's go through these when we next meet.\n");
    let edited =
        workflow::edit(&store, &config, &draft.id, "lead@northbridge.example", &shortened, "shorter", now).await;
    let edited = edited.unwrap();
    assert_eq!(edited.state, DraftState::Edited);
    assert!(workflow::verify(&store).await.unwrap().intact());
});
