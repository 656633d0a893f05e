//! The week's drafts on SQLite and Postgres: a draft round-trips with its provenance, a second
//! draft for the same (week, kind, recipient) is refused, decisions are guarded by the state
//! they leave, the cache lookup skips drafts that ended on an unreachable model, and rows
//! written before drafts and reviews were one table move into it with nothing lost.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use candor::config::SourceText;
use candor::domain::{DraftKind, DraftState, DraftStatus};
use candor::store::{Decision, DraftQuery, DraftRecord, Provenance, Store};
use chrono::Utc;
use sqlx::migrate::Migrator;

fn record(id: &str, recipient: &str, hash: &str, stop_reason: &str, created_at: &str) -> DraftRecord {
    DraftRecord {
        id: id.into(),
        run_id: "2026-W47".into(),
        week: "2026-W47".into(),
        kind: DraftKind::RepNudge,
        recipient_id: recipient.into(),
        recipient_name: "Rita Rep".into(),
        recipient_email: Some("rita@northbridge.example".into()),
        as_of: "2026-11-16T00:00:00.000Z".into(),
        policy: "recipient_manager".into(),
        state: DraftState::Drafted,
        subject: "Two deals need you this week".into(),
        drafted_body: "# Your week".into(),
        body: "# Your week".into(),
        created_at: created_at.into(),
        decided_by: None,
        decided_at: None,
        decision_reason: None,
        updated_at: created_at.into(),
        hold_reason: Some("the validator refused the model's draft; a fallback was recorded".into()),
        provenance: Provenance {
            input_hash: hash.into(),
            provider: "openai".into(),
            model: "gpt-4o-mini".into(),
            prompt_version: "system-2026.11.1+rep-nudge-2026.11.1".into(),
            ruleset_version: "risk-2026.11.1".into(),
            compliance_version: "compliance-fs-2026.11.1".into(),
            status: DraftStatus::Fallback,
            valid: true,
            fallback_reasons: r#"["the draft was refused again after the repair turn (2 findings)"]"#.into(),
            stop_reason: stop_reason.into(),
            draft: r#"{"kind":"rep_nudge","draft":{}}"#.into(),
            transcript: r#"[{"step":"model_call","turn":1}]"#.into(),
            validator_results: "[]".into(),
            model_findings:
                r#"[{"category":"grounding","code":"unknown_deal","field":"deals[0].deal_id","detail":"x"}]"#.into(),
            prompt_tokens: 5_497,
            completion_tokens: 310,
            model_calls: 4,
            wall_ms: 33_853,
            cached_from: None,
            legacy: None,
            source_text: Some(SourceText::Quoted),
            refused_draft: Some(r#"{"kind":"rep_nudge","draft":{"headline":"refused"}}"#.into()),
        },
    }
}

async fn insert(store: &Store, draft: &DraftRecord) -> bool {
    let mut tx = store.begin().await.unwrap();
    let inserted = store.insert_draft_in(&mut tx, draft).await.unwrap();
    tx.commit().await.unwrap();
    inserted
}

both_backends!(a_draft_round_trips_once_per_week_kind_and_recipient, |store: Store| async move {
    let first = record(
        "2026-W47.rep_nudge.sim:rep-00001",
        "sim:rep-00001",
        "h1",
        r#"{"reason":"repair_failed","findings":2}"#,
        "2026-11-16T07:00:00.000Z",
    );
    assert!(insert(&store, &first).await);
    assert_eq!(store.draft(&first.id).await.unwrap(), Some(first.clone()));
    assert_eq!(store.draft_for("sim:rep-00001", DraftKind::RepNudge, "2026-W47").await.unwrap(), Some(first.clone()));
    let again = DraftRecord { id: "another id".into(), ..first.clone() };
    assert!(!insert(&store, &again).await, "one draft per (week, kind, recipient)");
    let now = Utc::now();
    let mut tx = store.begin().await.unwrap();
    let reject = |from| Decision {
        draft_id: &first.id,
        from,
        to: DraftState::Rejected,
        by: "lead@northbridge.example",
        reason: Some("wrong deal"),
        body: None,
        at: now,
    };
    assert!(!store.decide_draft_in(&mut tx, &reject(&[DraftState::Approved])).await.unwrap(), "state guarded");
    assert!(store.decide_draft_in(&mut tx, &reject(&[DraftState::Drafted])).await.unwrap());
    tx.commit().await.unwrap();
    let rejected = store.draft(&first.id).await.unwrap().unwrap();
    assert_eq!(
        (rejected.state, rejected.decided_by.as_deref()),
        (DraftState::Rejected, Some("lead@northbridge.example"))
    );
    assert_eq!(store.draft_state_counts("2026-W47").await.unwrap(), vec![(DraftState::Rejected, 1)]);
    let listed = store.drafts(DraftQuery { state: Some(DraftState::Rejected), ..DraftQuery::default() }).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(store.drafts_to(&["sim:rep-00001".to_owned()], None).await.unwrap().len(), 1);
});

both_backends!(cache_lookup_skips_unreachable_model_drafts, |store: Store| async move {
    let reusable = record(
        "a",
        "sim:rep-00001",
        "same",
        r#"{"reason":"validated","after_repair":false}"#,
        "2026-11-16T07:00:00.000Z",
    );
    let failed = record(
        "b",
        "sim:rep-00002",
        "same",
        r#"{"reason":"provider_failed","error":"429","retryable":true}"#,
        "2026-11-16T08:00:00.000Z",
    );
    insert(&store, &reusable).await;
    insert(&store, &failed).await;
    assert_eq!(store.draft_with_inputs("same").await.unwrap().map(|d| d.id), Some("a".to_owned()));
    assert_eq!(store.draft_with_inputs("other").await.unwrap(), None);
});

/// The schema as it stood before drafts and reviews became one table.
fn migrations_before_one_drafts_table() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let mut names: Vec<_> = std::fs::read_dir("migrations").unwrap().map(|e| e.unwrap().file_name()).collect();
    names.sort();
    for name in names.iter().take_while(|n| !n.to_string_lossy().contains("one_drafts_table")) {
        std::fs::copy(std::path::Path::new("migrations").join(name), dir.path().join(name)).unwrap();
    }
    let path = dir.path().to_path_buf();
    (dir, path)
}

const LEGACY_ROWS: [&str; 5] = [
    "INSERT INTO runs (id, week, selection, as_of, trigger_kind, created_at) VALUES \
     ('2026-W47', '2026-W47', 'all', '2026-11-16T00:00:00.000Z', 'manual', '2026-11-16T06:00:00.000Z')",
    // A brief under review, with the agent draft behind it.
    "INSERT INTO reviews (draft_id, run_id, week, kind, recipient_id, recipient_name, recipient_email, policy, state, \
     subject, drafted_body, body, provenance, created_at, decided_by, decided_at, decision_reason, updated_at) VALUES \
     ('2026-W47.manager_brief.sim:mgr-1', '2026-W47', '2026-W47', 'manager_brief', 'sim:mgr-1', 'Mia Manager', \
     'mia@northbridge.example', 'recipient_manager', 'edited', 'Your team', 'drafted text', 'edited text', \
     '{\"provider\":\"offline\",\"agent_draft_id\":\"weekly:2026-W47:sim:mgr-1\"}', '2026-11-16T07:00:00.000Z', \
     'sim:lead-1', '2026-11-16T09:00:00.000Z', 'tone', '2026-11-16T09:00:00.000Z')",
    "INSERT INTO drafts (id, run_key, recipient_id, recipient_role, kind, as_of, input_hash, provider, model, \
     prompt_version, ruleset_version, compliance_version, status, valid, fallback, fallback_reasons, stop_reason, \
     draft, rendered, transcript, validator_results, model_findings, prompt_tokens, completion_tokens, model_calls, \
     wall_ms, cached_from, created_at) VALUES ('weekly:2026-W47:sim:mgr-1', 'weekly:2026-W47', 'sim:mgr-1', 'manager', \
     'intervention_brief', '2026-11-16 00:00:00 UTC', 'hash-brief', 'offline', 'templates-v1', 'p1', 'r1', 'c1', \
     'validated', 1, 0, '[]', '{\"reason\":\"validated\",\"after_repair\":false}', '{\"kind\":\"intervention_brief\"}', \
     'drafted text', '[]', '[]', '[]', 0, 0, 2, 15, NULL, '2026-11-16T07:00:00.000Z')",
    // A weekly draft that never reached review (the demo's, before it ran through the pipeline).
    "INSERT INTO drafts (id, run_key, recipient_id, recipient_role, kind, as_of, input_hash, provider, model, \
     prompt_version, ruleset_version, compliance_version, status, valid, fallback, fallback_reasons, stop_reason, \
     draft, rendered, transcript, validator_results, model_findings, prompt_tokens, completion_tokens, model_calls, \
     wall_ms, cached_from, created_at) VALUES ('weekly:2026-W47:sim:rep-1', 'weekly:2026-W47', 'sim:rep-1', 'rep', \
     'rep_nudge', '2026-11-16 00:00:00 UTC', 'hash-nudge', 'offline', 'templates-v1', 'p1', 'r1', 'c1', 'fallback', 1, \
     1, '[\"x\"]', '{\"reason\":\"repair_failed\",\"findings\":1}', '{\"kind\":\"rep_nudge\"}', 'nudge text', '[]', \
     '[]', '[]', 10, 5, 3, 20, NULL, '2026-11-16T07:30:00.000Z')",
    // A one-off preview: not a week's draft.
    "INSERT INTO drafts (id, run_key, recipient_id, recipient_role, kind, as_of, input_hash, provider, model, \
     prompt_version, ruleset_version, compliance_version, status, valid, fallback, fallback_reasons, stop_reason, \
     draft, rendered, transcript, validator_results, model_findings, prompt_tokens, completion_tokens, model_calls, \
     wall_ms, cached_from, created_at) VALUES ('adhoc:2026-11-16:sim:rep-1', 'adhoc:2026-11-16', 'sim:rep-1', 'rep', \
     'rep_nudge', '2026-11-16 00:00:00 UTC', 'hash-preview', 'offline', 'templates-v1', 'p1', 'r1', 'c1', 'validated', \
     1, 0, '[]', '{}', '{}', 'preview text', '[]', '[]', '[]', 0, 0, 2, 10, NULL, '2026-11-16T08:00:00.000Z')",
];

async fn legacy_rows_move_into_one_table(db: common::TestDb) {
    let store = &db.store;
    let (_dir, path) = migrations_before_one_drafts_table();
    Migrator::new(path.as_path()).await.unwrap().run(store.pool()).await.unwrap();
    for sql in LEGACY_ROWS {
        sqlx::query(sql).execute(store.pool()).await.unwrap();
    }
    store.migrate().await.unwrap();

    let brief = store.draft("2026-W47.manager_brief.sim:mgr-1").await.unwrap().expect("the id is kept as issued");
    assert_eq!((brief.kind, brief.state), (DraftKind::InterventionBrief, DraftState::Edited));
    assert_eq!((brief.drafted_body.as_str(), brief.body.as_str()), ("drafted text", "edited text"));
    assert_eq!(brief.decision_reason.as_deref(), Some("tone"));
    assert_eq!(brief.as_of, "2026-11-16T00:00:00.000Z");
    let p = &brief.provenance;
    assert_eq!(
        (p.input_hash.as_str(), p.provider.as_str(), p.status),
        ("hash-brief", "offline", DraftStatus::Validated)
    );
    assert_eq!((p.model_calls, p.wall_ms, p.draft.as_str()), (2, 15, r#"{"kind":"intervention_brief"}"#));
    assert!(p.legacy.as_deref().unwrap().contains("agent_draft_id"), "the former summary is kept");

    let nudge = store.draft("2026-W47.rep_nudge.sim:rep-1").await.unwrap().expect("the demo's draft moved in");
    assert_eq!(
        (nudge.state, nudge.run_id.as_str(), nudge.week.as_str()),
        (DraftState::Drafted, "2026-W47", "2026-W47")
    );
    assert_eq!(
        (nudge.drafted_body.as_str(), nudge.subject.as_str()),
        ("nudge text", "Your coaching nudge for 2026-W47")
    );
    assert_eq!((nudge.provenance.status, nudge.provenance.prompt_tokens), (DraftStatus::Fallback, 10));
    assert_eq!(store.drafts(DraftQuery::default()).await.unwrap().len(), 2);

    let previews: Vec<(String, String)> =
        sqlx::query_as("SELECT id, rendered FROM draft_previews").fetch_all(store.pool()).await.unwrap();
    assert_eq!(previews, vec![("adhoc:2026-11-16:sim:rep-1".to_owned(), "preview text".to_owned())]);
    db.cleanup().await;
}

#[tokio::test]
async fn legacy_rows_move_into_one_table_on_sqlite() {
    legacy_rows_move_into_one_table(common::TestDb::sqlite_with(false).await).await;
}

#[tokio::test]
async fn legacy_rows_move_into_one_table_on_postgres() {
    if let Some(db) = common::TestDb::postgres_with(false).await {
        legacy_rows_move_into_one_table(db).await;
    }
}
