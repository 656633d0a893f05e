//! Draft storage on SQLite and Postgres: provenance round-trips, a re-draft of the same run
//! replaces its row, and the cache lookup skips drafts that ended on an unreachable model.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use candor::store::{Store, StoredDraft};

fn draft(id: &str, hash: &str, stop_reason: &str, created_at: &str) -> StoredDraft {
    StoredDraft {
        id: id.into(),
        run_key: "weekly:2026-W47".into(),
        recipient_id: "sim:rep-00001".into(),
        recipient_role: "rep".into(),
        kind: "rep_nudge".into(),
        as_of: "2026-11-16".into(),
        input_hash: hash.into(),
        provider: "openai".into(),
        model: "gpt-4o-mini".into(),
        prompt_version: "system-2026.11.1+rep-nudge-2026.11.1".into(),
        ruleset_version: "risk-2026.11.1".into(),
        compliance_version: "compliance-fs-2026.11.1".into(),
        status: "fallback".into(),
        valid: true,
        fallback: true,
        fallback_reasons: r#"["the draft was refused again after the repair turn (2 findings)"]"#.into(),
        stop_reason: stop_reason.into(),
        draft: r#"{"kind":"rep_nudge","draft":{}}"#.into(),
        rendered: "# Your week".into(),
        transcript: r#"[{"step":"model_call","turn":1}]"#.into(),
        validator_results: "[]".into(),
        model_findings: r#"[{"category":"grounding","code":"unknown_deal","field":"deals[0].deal_id","detail":"x"}]"#
            .into(),
        prompt_tokens: 5_497,
        completion_tokens: 310,
        model_calls: 4,
        wall_ms: 33_853,
        cached_from: None,
        created_at: created_at.into(),
    }
}

both_backends!(drafts_round_trip_and_replace_per_run, |store: Store| async move {
    let first = draft(
        "weekly:2026-W47:sim:rep-00001",
        "h1",
        r#"{"reason":"repair_failed","findings":2}"#,
        "2026-11-16T07:00:00.000Z",
    );
    store.save_draft(&first).await.unwrap();
    assert_eq!(store.draft(&first.id).await.unwrap(), Some(first.clone()));
    let mut again = first.clone();
    again.status = "validated".into();
    again.fallback = false;
    again.cached_from = Some("earlier".into());
    store.save_draft(&again).await.unwrap();
    let run = store.drafts_of_run("weekly:2026-W47").await.unwrap();
    assert_eq!(run, vec![again]);
});

both_backends!(cache_lookup_skips_unreachable_model_drafts, |store: Store| async move {
    let reusable = draft("a", "same", r#"{"reason":"validated","after_repair":false}"#, "2026-11-16T07:00:00.000Z");
    let failed = draft(
        "b",
        "same",
        r#"{"reason":"provider_failed","error":"429","retryable":true}"#,
        "2026-11-16T08:00:00.000Z",
    );
    store.save_draft(&reusable).await.unwrap();
    store.save_draft(&failed).await.unwrap();
    assert_eq!(store.find_draft_by_input_hash("same").await.unwrap().map(|d| d.id), Some("a".to_owned()));
    assert_eq!(store.find_draft_by_input_hash("other").await.unwrap(), None);
});
