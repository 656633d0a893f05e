//! The real binary killed with SIGKILL in the middle of a weekly run — while drafting and while
//! delivering, at several points — and restarted: the run completes with exactly one draft and
//! one delivered message per recipient and channel, the audit chain intact. Also: tampering with
//! the audit table is caught by `candor audit verify`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod binary_support;

use binary_support::succeed;
use candor::domain::DraftState;
use candor::store::{DraftQuery, Store};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The week after the demo's own run (which `candor demo` has already worked to its end).
const WEEK: &str = "2026-W48";

/// The binary with this test's settings.
fn candor(data_dir: &Path) -> Command {
    let mut command = binary_support::candor(data_dir);
    command
        // Only the runs meant to hold at a fault point do (see `run_and_kill_at`).
        .env_remove("CANDOR_FAULT_HOLD_AT")
        // A killed worker's leases run out quickly, so the restart does not wait long.
        .env("CANDOR__JOBS__LEASE_SECONDS", "2")
        .env("CANDOR__JOBS__POLL_INTERVAL_MS", "50");
    command
}

/// Starts `candor run --wait` set to hold at `point`, waits until it does, and SIGKILLs it.
fn run_and_kill_at(data_dir: &Path, point: &str) {
    let marker = data_dir.join("held");
    let _ = std::fs::remove_file(&marker);
    let mut child = candor(data_dir)
        .args(["run", "--week", WEEK, "--wait"])
        .env("CANDOR_FAULT_HOLD_AT", point)
        .env("CANDOR_FAULT_MARKER", &marker)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while !marker.exists() {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("candor exited ({status}) before reaching {point}");
        }
        assert!(started.elapsed() < Duration::from_secs(120), "never reached {point}");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
}

async fn open(data_dir: &Path) -> Store {
    Store::open("", data_dir, 2).await.unwrap()
}

/// Recipients in the demo organisation: everyone who receives a weekly draft.
async fn recipients(store: &Store) -> BTreeSet<String> {
    let data = store.load_dataset().await.unwrap();
    data.people
        .iter()
        .filter(|p| candor::workflow::DraftKind::for_role(p.role).is_some())
        .map(|p| p.id.to_string())
        .collect()
}

async fn assert_exactly_once(data_dir: &Path) {
    let store = open(data_dir).await;
    let expected = recipients(&store).await;
    let drafts = store.drafts(DraftQuery { week: Some(WEEK), ..DraftQuery::default() }).await.unwrap();
    let drafted: BTreeSet<String> = drafts.iter().map(|d| d.recipient_id.clone()).collect();
    assert_eq!(drafts.len(), expected.len(), "one draft per recipient");
    assert_eq!(drafted, expected);
    for draft in &drafts {
        assert_eq!(draft.state, DraftState::Delivered, "{}", draft.id);
        let deliveries = store.deliveries(&draft.id).await.unwrap();
        assert_eq!(deliveries.len(), 1, "one delivery per channel for {}", draft.id);
        assert_eq!(deliveries[0].state, candor::domain::DeliveryState::Delivered);
        let trail = store.audit_for_subject(&draft.id).await.unwrap();
        let count = |action: &str| trail.iter().filter(|e| e.action == action).count();
        assert_eq!((count("draft.created"), count("delivery.sent")), (1, 1), "{}", draft.id);
    }
    let outbox: Vec<String> = std::fs::read_dir(data_dir.join("outbox").join(WEEK))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(outbox.iter().filter(|n| n.ends_with(".md")).count(), expected.len(), "{outbox:?}");
    assert_eq!(outbox.iter().filter(|n| n.ends_with(".eml")).count(), expected.len(), "{outbox:?}");
    assert_eq!(outbox.len(), 2 * expected.len(), "no partial files left: {outbox:?}");
    assert!(candor::workflow::verify(&store).await.unwrap().intact());
    store.close().await;
}

fn demo(data_dir: &Path) {
    succeed(candor(data_dir).args(["demo", "--as-of", "2026-11-16", "--reps", "12"]).output().unwrap());
}

fn finish_run(data_dir: &Path) -> String {
    succeed(candor(data_dir).args(["run", "--week", WEEK, "--wait"]).output().unwrap())
}

fn runs_json(data_dir: &Path) -> Value {
    serde_json::from_str(&succeed(candor(data_dir).args(["runs", "--json"]).output().unwrap())).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_run_killed_while_drafting_and_delivering_completes_exactly_once() {
    let data = tempfile::tempdir().unwrap();
    demo(data.path());
    // Killed four times at different points, each restart getting further.
    for point in ["drafted:3", "draft-committed:4", "sent:2", "delivery-committed:3"] {
        run_and_kill_at(data.path(), point);
    }
    let output = finish_run(data.path());
    assert!(output.contains("completed"), "{output}");
    assert_exactly_once(data.path()).await;
    let runs = runs_json(data.path());
    assert_eq!(runs[0]["id"], WEEK);
    assert_eq!(runs[0]["state"], "completed");
    // Running the finished week again queues nothing and sends nothing.
    let again = finish_run(data.path());
    assert!(again.contains("already exists"), "{again}");
    assert_exactly_once(data.path()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_run_killed_right_after_sending_sends_no_second_copy() {
    let data = tempfile::tempdir().unwrap();
    demo(data.path());
    run_and_kill_at(data.path(), "sent:1");
    run_and_kill_at(data.path(), "sent:1");
    finish_run(data.path());
    assert_exactly_once(data.path()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn audit_verify_catches_a_tampered_table() {
    let data = tempfile::tempdir().unwrap();
    demo(data.path());
    finish_run(data.path());
    let verify = || candor(data.path()).args(["audit", "verify"]).output().unwrap();
    let intact = succeed(verify());
    assert!(intact.contains("intact"), "{intact}");

    let store = open(data.path()).await;
    let entry = store.audit_entries(6, 1).await.unwrap().remove(0);
    sqlx::query("UPDATE audit_log SET actor = 'reviewer:someone-else' WHERE seq = 7")
        .execute(store.pool())
        .await
        .unwrap();
    store.close().await;
    let changed = verify();
    assert_eq!(changed.status.code(), Some(2));
    let text = String::from_utf8_lossy(&changed.stdout);
    assert!(text.contains("BROKEN at entry 7") && text.contains("changed"), "{text}");

    let store = open(data.path()).await;
    sqlx::query("UPDATE audit_log SET actor = $1 WHERE seq = 7")
        .bind(&entry.actor)
        .execute(store.pool())
        .await
        .unwrap();
    sqlx::query("DELETE FROM audit_log WHERE seq = 9").execute(store.pool()).await.unwrap();
    store.close().await;
    let removed = verify();
    assert_eq!(removed.status.code(), Some(2));
    let text = String::from_utf8_lossy(&removed.stdout);
    assert!(text.contains("BROKEN at entry 9") && text.contains("missing"), "{text}");
}
