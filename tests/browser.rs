//! The web app in a real headless Chromium, against the real binary: a demo organisation, a
//! weekly run whose rep nudges wait for their manager's review, a manager account, and
//! `candor serve` on loopback; then `tests/browser/review.mjs` (playwright-core driving Debian's
//! /usr/bin/chromium) signs in as the manager, edits and approves one draft, approves another,
//! follows the evidence and checks the forecast's fan chart. Screenshots land in
//! `target/browser/` (or `CANDOR_SCREENSHOT_DIR`). Without node, Chromium or the npm package the
//! test is skipped, except under CI, where it fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod binary_support;

use binary_support::{add_user, succeed, Server};
use candor::domain::{DraftKind, DraftState};
use candor::store::{DraftQuery, Store};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

const PASSWORD: &str = "browser-test-password-1";
const CHROMIUM: &str = "/usr/bin/chromium";

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Why the browser test cannot run here, if it cannot.
fn missing_prerequisite() -> Option<String> {
    let node = Command::new("node").arg("--version").output();
    if !node.is_ok_and(|o| o.status.success()) {
        return Some("node is not installed".to_owned());
    }
    if !Path::new(CHROMIUM).exists() {
        return Some(format!("{CHROMIUM} is missing (apt-get install chromium)"));
    }
    if !manifest_dir().join("tests/browser/node_modules/playwright-core").is_dir() {
        return Some("playwright-core is not installed (npm ci --prefix tests/browser)".to_owned());
    }
    None
}

/// The binary with this test's settings.
fn candor(data_dir: &Path) -> Command {
    let mut command = binary_support::candor(data_dir);
    command
        // Rep nudges wait for their manager, so the manager has drafts to review.
        .env("CANDOR__REVIEW__REP_NUDGE", "recipient_manager")
        .env("CANDOR__JOBS__POLL_INTERVAL_MS", "50");
    command
}

/// The manager with the most rep nudges waiting for them: (person id, email, waiting).
async fn busiest_manager(data_dir: &Path) -> (String, String, usize) {
    let store = Store::open("", data_dir, 2).await.unwrap();
    let people = store.load_people().await.unwrap();
    let waiting = store.drafts(DraftQuery { state: Some(DraftState::Drafted), ..DraftQuery::default() }).await.unwrap();
    let mut per_manager: BTreeMap<String, usize> = BTreeMap::new();
    for draft in waiting.iter().filter(|d| d.kind == DraftKind::RepNudge) {
        let manager = people.iter().find(|p| p.id.as_str() == draft.recipient_id).and_then(|p| p.manager_id.clone());
        if let Some(manager) = manager {
            *per_manager.entry(manager.to_string()).or_default() += 1;
        }
    }
    let (manager, count) = per_manager.into_iter().max_by_key(|(_, n)| *n).expect("a manager with drafts to review");
    let person = people.iter().find(|p| p.id.as_str() == manager).unwrap();
    store.close().await;
    (manager, person.emails.first().cloned().expect("the manager has an email"), count)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_manager_reviews_drafts_and_reads_the_forecast_in_chromium() {
    if let Some(why) = missing_prerequisite() {
        if std::env::var_os("CI").is_some() {
            panic!("the browser test cannot run: {why}; .ci/run installs chromium and playwright-core");
        }
        eprintln!("skipping the browser test: {why}");
        return;
    }
    let started = Instant::now();
    let data = tempfile::tempdir().unwrap();
    // The demo works its week's run to its end: its rep nudges wait for their managers.
    succeed(candor(data.path()).args(["demo", "--as-of", "2026-11-16", "--reps", "12"]).output().unwrap());
    let (manager, email, waiting) = busiest_manager(data.path()).await;
    assert!(waiting >= 2, "{manager} has {waiting} drafts waiting; the test needs two");

    add_user(candor(data.path()), &email, "manager", &manager, PASSWORD);

    let server = Server::start(candor(data.path()), data.path());
    let screenshots = std::env::var_os("CANDOR_SCREENSHOT_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest_dir().join("target").join("browser"));
    std::fs::create_dir_all(&screenshots).unwrap();
    let _ = std::fs::remove_file(screenshots.join("failure.png"));
    let prepared = started.elapsed();
    let output = Command::new("node")
        .arg(manifest_dir().join("tests/browser/review.mjs"))
        .current_dir(manifest_dir().join("tests/browser"))
        .env("BASE_URL", &server.base_url)
        .env("USER", &email)
        .env("PASSWORD", PASSWORD)
        .env("SCREENSHOT_DIR", &screenshots)
        .env("CHROMIUM", CHROMIUM)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "the browser script failed (screenshots in {}):\n{stdout}\n{}\nserver log:\n{}",
        screenshots.display(),
        String::from_utf8_lossy(&output.stderr),
        server.log_text()
    );
    drop(server);

    // What the browser did is what the store holds.
    let result = stdout.lines().rev().find_map(|l| l.strip_prefix("RESULT ")).expect("the script's RESULT line");
    let result: serde_json::Value = serde_json::from_str(result).unwrap();
    let store = Store::open("", data.path(), 2).await.unwrap();
    let edited = store.draft(result["edited"].as_str().unwrap()).await.unwrap().unwrap();
    assert!([DraftState::Edited, DraftState::Delivered].contains(&edited.state), "{}", edited.state);
    assert_eq!(edited.decided_by.as_deref(), Some(manager.as_str()));
    assert!(edited.body.contains(result["marker"].as_str().unwrap()));
    assert!(!edited.body.contains('\r'), "line endings from the browser are normalised");
    assert!(!edited.drafted_body.contains(result["marker"].as_str().unwrap()), "the drafted text is kept");
    let approved = store.draft(result["approved"].as_str().unwrap()).await.unwrap().unwrap();
    assert!([DraftState::Approved, DraftState::Delivered].contains(&approved.state), "{}", approved.state);
    assert_eq!(approved.body, approved.drafted_body);
    let feedback = store.feedback(&approved.id).await.unwrap();
    assert_eq!(feedback.len(), 1);
    assert_eq!(feedback[0].rating, "useful");
    store.close().await;
    let mut pngs: Vec<String> = std::fs::read_dir(&screenshots)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .filter(|n| n.ends_with(".png") && n != "failure.png")
        .collect();
    pngs.sort();
    assert!(pngs.len() >= 10, "{pngs:?}");
    println!(
        "browser test: setup {:.1}s, browser {:.1}s; screenshots in {}",
        prepared.as_secs_f64(),
        (started.elapsed() - prepared).as_secs_f64(),
        screenshots.display()
    );
}
