//! The job queue and the weekly run on SQLite and Postgres: idempotent runs, lease recovery,
//! disjoint concurrent claims, retries until a flaky endpoint succeeds, the review policies,
//! the scheduler, and tamper detection in the audit log.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod pipeline_support;

use candor::domain::DraftState;
use candor::jobs::{start_run, IsoWeek, RunRequest, RunState, Scheduler};
use candor::store::{DraftQuery, JobOutcome, NewJob, Store};
use candor::workflow::{self, ReviewError};
use chrono::{Duration, Utc};
use common::{sample_dataset, ts};
use pipeline_support::{fast_config, ok, scripted_webhook, work_run};
use std::sync::Arc;

fn week() -> IsoWeek {
    "2026-W47".parse().unwrap()
}

fn outbox_files(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir.join("outbox").join("2026-W47"))
        .map(|entries| entries.map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    names.sort();
    names
}

both_backends!(the_same_run_twice_is_a_no_op, |store: Store| async move {
    store.save_dataset(&sample_dataset()).await.unwrap();
    let config = fast_config("");
    let dir = tempfile::tempdir().unwrap();
    let (run, created) = start_run(&store, &config, &RunRequest::manual(week()), Utc::now()).await.unwrap();
    assert!(created);
    let (again, created_again) = start_run(&store, &config, &RunRequest::manual(week()), Utc::now()).await.unwrap();
    assert!(!created_again);
    assert_eq!(again.id, run.id);
    assert_eq!(store.job_tallies(&run.id).await.unwrap().iter().map(|t| t.count).sum::<i64>(), 1);

    let status = work_run(&store, &config, dir.path(), &run.id).await;
    assert_eq!(status.state, RunState::Completed, "{status:?}");
    assert_eq!((status.recipients, status.drafted, status.delivered), (3, 3, 3));
    assert_eq!(outbox_files(dir.path()).len(), 6, "one .md and one .eml per recipient");

    // Enqueuing the finished run again changes nothing and sends nothing.
    let (_, created_later) = start_run(&store, &config, &RunRequest::manual(week()), Utc::now()).await.unwrap();
    assert!(!created_later);
    let status = work_run(&store, &config, dir.path(), &run.id).await;
    // sync, snapshot, report and plan, then a draft and a delivery per recipient.
    assert_eq!((status.drafted, status.delivered, status.jobs_total), (3, 3, 4 + 3 + 3));
    assert_eq!(store.drafts(DraftQuery::default()).await.unwrap().len(), 3);
    assert!(workflow::verify(&store).await.unwrap().intact());
});

both_backends!(an_expired_lease_is_reclaimed_by_another_worker, |store: Store| async move {
    let job = NewJob {
        kind: "probe".into(),
        scope: "org".into(),
        period: "2026-W47".into(),
        run_id: "r".into(),
        payload: "null".into(),
        priority: 0,
        max_attempts: 5,
        run_after: ts("2026-11-16T00:00:00Z"),
    };
    assert!(store.enqueue_job(&job, ts("2026-11-16T00:00:00Z")).await.unwrap());
    assert!(!store.enqueue_job(&job, ts("2026-11-16T00:00:01Z")).await.unwrap(), "same key: no second job");
    let t0 = ts("2026-11-16T08:00:00Z");
    let first = store.claim_jobs("worker-a", t0, t0 + Duration::seconds(30), 10).await.unwrap();
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].attempt, 1);
    // While the lease holds nobody else gets the job; a heartbeat extends it.
    assert!(store.claim_jobs("worker-b", t0 + Duration::seconds(20), t0, 10).await.unwrap().is_empty());
    assert!(store.heartbeat_job(&first[0], "worker-a", t0 + Duration::seconds(60), t0).await.unwrap());
    assert!(store.claim_jobs("worker-b", t0 + Duration::seconds(45), t0, 10).await.unwrap().is_empty());
    // Worker A goes silent; once its lease runs out, worker B takes the job over.
    let later = t0 + Duration::seconds(61);
    let second = store.claim_jobs("worker-b", later, later + Duration::seconds(30), 10).await.unwrap();
    assert_eq!(second.len(), 1);
    assert_eq!(second[0].attempt, 2);
    // A's late result is refused; B's is kept.
    let mut tx = store.begin().await.unwrap();
    let stale =
        store.finish_job_in(&mut tx, &first[0], "worker-a", JobOutcome::Succeeded { result: None }, later).await;
    assert!(!stale.unwrap());
    tx.rollback().await.unwrap();
    assert!(!store.heartbeat_job(&first[0], "worker-a", later, later).await.unwrap());
    let mut tx = store.begin().await.unwrap();
    let fresh =
        store.finish_job_in(&mut tx, &second[0], "worker-b", JobOutcome::Succeeded { result: None }, later).await;
    assert!(fresh.unwrap());
    tx.commit().await.unwrap();
    assert!(store.claim_jobs("worker-c", later + Duration::hours(1), later, 10).await.unwrap().is_empty());
});

both_backends!(a_run_whose_worker_died_completes_under_another, |store: Store| async move {
    store.save_dataset(&sample_dataset()).await.unwrap();
    let config = fast_config("");
    let dir = tempfile::tempdir().unwrap();
    let (run, _) = start_run(&store, &config, &RunRequest::manual(week()), Utc::now()).await.unwrap();
    // A worker claims the first step with a short lease and dies.
    let now = Utc::now();
    let dead = store.claim_jobs("dead-worker", now, now + Duration::milliseconds(300), 10).await.unwrap();
    assert_eq!(dead.len(), 1);
    let status = work_run(&store, &config, dir.path(), &run.id).await;
    assert_eq!(status.state, RunState::Completed, "{status:?}");
    assert_eq!((status.drafted, status.delivered), (3, 3));
});

both_backends!(concurrent_claims_never_overlap, |store: Store| async move {
    let now = ts("2026-11-16T08:00:00Z");
    for n in 0..40 {
        let job = NewJob {
            kind: "probe".into(),
            scope: format!("item-{n}"),
            period: "2026-W47".into(),
            run_id: "r".into(),
            payload: "null".into(),
            priority: 0,
            max_attempts: 3,
            run_after: now,
        };
        store.enqueue_job(&job, now).await.unwrap();
    }
    let mut claimers = Vec::new();
    for worker in 0..4 {
        let store = store.clone();
        claimers.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let got = store.claim_jobs(&format!("w{worker}"), now, now + Duration::minutes(5), 3).await.unwrap();
                if got.is_empty() {
                    break mine;
                }
                mine.extend(got.into_iter().map(|j| j.id));
            }
        }));
    }
    let mut all = Vec::new();
    for claimer in claimers {
        all.extend(claimer.await.unwrap());
    }
    let total = all.len();
    all.sort();
    all.dedup();
    assert_eq!((total, all.len()), (40, 40), "every job claimed exactly once");
});

both_backends!(a_delivery_failing_three_times_then_succeeding_delivers_once, |store: Store| async move {
    store.save_dataset(&sample_dataset()).await.unwrap();
    let hook =
        scripted_webhook(|_, seen| if seen < 3 { (503, Vec::new(), "service_unavailable".into()) } else { ok("ok") })
            .await;
    let config = fast_config(&format!(
        "[delivery]\nchannels = [\"slack\"]\n[delivery.slack]\nwebhook_url = \"{}\"\nkinds = [\"rep_nudge\", \"manager_brief\", \"forecast_memo\"]",
        hook.url
    ));
    let dir = tempfile::tempdir().unwrap();
    let (run, _) = start_run(&store, &config, &RunRequest::manual(week()), Utc::now()).await.unwrap();
    let status = work_run(&store, &config, dir.path(), &run.id).await;
    assert_eq!(status.state, RunState::Completed, "{status:?}");
    assert_eq!(status.delivered, 3);
    let received = hook.received.lock().unwrap().clone();
    assert_eq!(received.len(), 12, "three failures and one success per message");
    for draft in store.drafts(DraftQuery::default()).await.unwrap() {
        assert_eq!(draft.state, DraftState::Delivered);
        let deliveries = store.deliveries(&draft.id).await.unwrap();
        assert_eq!(deliveries.len(), 1);
        assert_eq!((deliveries[0].state.as_str(), deliveries[0].attempts), ("delivered", 4));
        let trail = store.audit_for_subject(&draft.id).await.unwrap();
        assert_eq!(trail.iter().filter(|e| e.action == "delivery.sent").count(), 1);
    }
});

both_backends!(review_policies_hold_drafts_until_a_reviewer_decides, |store: Store| async move {
    store.save_dataset(&sample_dataset()).await.unwrap();
    let config = fast_config(
        "[review]\nrep_nudge = \"recipient_manager\"\nforecast_memo = \"role:compliance\"\n\
         [review.roles]\ncompliance = [\"cco@northbridge.example\"]",
    );
    let dir = tempfile::tempdir().unwrap();
    let (run, _) = start_run(&store, &config, &RunRequest::manual(week()), Utc::now()).await.unwrap();
    let status = work_run(&store, &config, dir.path(), &run.id).await;
    assert_eq!(
        (status.state, status.drafted, status.awaiting_review, status.delivered),
        (RunState::Completed, 3, 3, 0)
    );
    let waiting = store.drafts(DraftQuery { state: Some(DraftState::Drafted), ..DraftQuery::default() }).await.unwrap();
    let id_of = |recipient: &str| waiting.iter().find(|d| d.recipient_id == recipient).unwrap().id.clone();
    let (rep1, rep2, memo) = (id_of("test:rep1"), id_of("test:rep2"), id_of("test:lead"));
    let now = Utc::now();

    // Only rep1's manager may approve rep1's nudge; a peer may not.
    let refused = workflow::approve(&store, &config, &rep1, "rep2@northbridge.example", None, now).await;
    assert!(matches!(refused, Err(ReviewError::NotAllowed { .. })), "{refused:?}");
    let approved =
        workflow::approve(&store, &config, &rep1, "lead@northbridge.example", Some("fine"), now).await.unwrap();
    assert_eq!(approved.state, DraftState::Approved);
    assert!(matches!(
        workflow::approve(&store, &config, &rep1, "lead@northbridge.example", None, now).await,
        Err(ReviewError::WrongState { .. })
    ));
    assert!(matches!(
        workflow::reject(&store, &config, &rep2, "lead@northbridge.example", " ", now).await,
        Err(ReviewError::ReasonRequired(_))
    ));
    let rejected =
        workflow::reject(&store, &config, &rep2, "lead@northbridge.example", "wrong deal", now).await.unwrap();
    assert_eq!(rejected.state, DraftState::Rejected);
    // The memo needs compliance; the leader cannot approve their own memo.
    assert!(workflow::approve(&store, &config, &memo, "lead@northbridge.example", None, now).await.is_err());
    let new_text = "Hello,\n\nThe quarter is at risk; see the attached figures.\n";
    let edited =
        workflow::edit(&store, &config, &memo, "CCO@northbridge.example", new_text, "tone", now).await.unwrap();
    assert_eq!((edited.state, edited.body.as_str()), (DraftState::Edited, new_text));
    assert_ne!(edited.drafted_body, edited.body, "the drafted text is kept");
    let edits = store.review_edits(&memo).await.unwrap();
    assert_eq!(edits.len(), 1);
    assert!(edits[0].diff.contains("+The quarter is at risk") && edits[0].editor == "CCO@northbridge.example");

    let status = work_run(&store, &config, dir.path(), &run.id).await;
    assert_eq!(
        (status.state, status.delivered, status.rejected, status.awaiting_review),
        (RunState::Completed, 2, 1, 0)
    );
    let memo_file = dir.path().join("outbox/2026-W47").join(format!("{}.md", memo.replace(':', "_")));
    assert!(std::fs::read_to_string(memo_file).unwrap().contains("The quarter is at risk"));
    let actions: Vec<String> = store.audit_for_subject(&memo).await.unwrap().into_iter().map(|e| e.action).collect();
    assert_eq!(actions, vec!["draft.created", "review.edited", "delivery.sent"]);
    assert!(workflow::verify(&store).await.unwrap().intact());
});

both_backends!(the_scheduler_fires_each_zone_once, |store: Store| async move {
    let mut data = sample_dataset();
    data.people[2].timezone = "America/New_York".into();
    store.save_dataset(&data).await.unwrap();
    let config = Arc::new(fast_config(""));
    let scheduler = Scheduler::new(store.clone(), config.clone(), "scheduler-a".into());
    let other = Scheduler::new(store.clone(), config.clone(), "scheduler-b".into());
    // First sight of each schedule only records where it starts.
    assert!(scheduler.tick(ts("2026-11-13T12:00:00Z")).await.unwrap().is_empty());
    // Friday's memo slot (16:00) and Monday's 07:30 London nudge have passed since.
    let monday = scheduler.tick(ts("2026-11-16T08:00:00Z")).await.unwrap();
    assert_eq!(
        monday,
        vec!["2026-W46/forecast_memo@Europe/London".to_owned(), "2026-W47/rep_nudge@Europe/London".to_owned()]
    );
    // While A holds the lease, B does not tick.
    assert!(!store
        .acquire_lease("scheduler", "scheduler-b", ts("2026-11-16T08:00:30Z"), ts("2026-11-16T08:02:00Z"))
        .await
        .unwrap());
    assert!(scheduler.tick(ts("2026-11-16T08:05:00Z")).await.unwrap().is_empty(), "a slot fires once");
    // A stops renewing; B takes over and fires New York's slot (07:30 there is 12:30 UTC).
    let later = other.tick(ts("2026-11-16T13:00:00Z")).await.unwrap();
    assert_eq!(later, vec!["2026-W47/rep_nudge@America/New_York".to_owned()]);
    // Down for three weeks: each schedule and zone fires once, for its latest slot.
    let back = scheduler.tick(ts("2026-12-09T09:00:00Z")).await.unwrap();
    assert_eq!(
        back,
        vec![
            "2026-W49/forecast_memo@Europe/London".to_owned(),
            "2026-W50/rep_nudge@America/New_York".to_owned(),
            "2026-W50/rep_nudge@Europe/London".to_owned(),
        ]
    );
    let dir = tempfile::tempdir().unwrap();
    let status = work_run(&store, &config, dir.path(), "2026-W47/rep_nudge@Europe/London").await;
    assert_eq!((status.recipients, status.delivered), (1, 1), "only the London rep: {status:?}");
});

both_backends!(tampering_with_the_audit_log_is_detected, |store: Store| async move {
    let now = Utc::now();
    for n in 1..=6 {
        store
            .append_audit("tester", "test.event", &format!("subject-{n}"), &serde_json::json!({ "n": n }), now)
            .await
            .unwrap();
    }
    let intact = workflow::verify(&store).await.unwrap();
    assert!(intact.intact() && intact.entries == 6, "{intact:?}");
    let pool = store.pool();
    let exec = |sql: &'static str| async move { sqlx::query(sql).execute(pool).await.unwrap() };

    exec("UPDATE audit_log SET detail = '{\"n\":99}' WHERE seq = 3").await;
    let broken = workflow::verify(&store).await.unwrap().first_break.unwrap();
    assert_eq!(broken.seq, 3);
    assert!(broken.reason.contains("changed"), "{}", broken.reason);
    exec("UPDATE audit_log SET detail = '{\"n\":3}' WHERE seq = 3").await;
    assert!(workflow::verify(&store).await.unwrap().intact());

    exec("UPDATE audit_log SET seq = -1 WHERE seq = 4").await;
    let broken = workflow::verify(&store).await.unwrap().first_break.unwrap();
    assert_eq!(broken.seq, 4);
    assert!(broken.reason.contains("missing"), "{}", broken.reason);

    exec("UPDATE audit_log SET seq = 4 WHERE seq = 5").await;
    exec("UPDATE audit_log SET seq = 5 WHERE seq = -1").await;
    let broken = workflow::verify(&store).await.unwrap().first_break.unwrap();
    assert_eq!(broken.seq, 4, "entries 4 and 5 swapped: {}", broken.reason);

    exec("DELETE FROM audit_log WHERE seq >= 4").await;
    let broken = workflow::verify(&store).await.unwrap().first_break.unwrap();
    assert_eq!(broken.seq, 4, "{}", broken.reason);
    assert!(broken.reason.contains("end of the log"), "{}", broken.reason);
});
