//! The real binary, driven as a user would: demo, import, stats, config, errors.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod binary_support;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn candor(data_dir: &Path, args: &[&str]) -> Output {
    binary_support::candor(data_dir).args(args).output().expect("run candor")
}

fn stdout(output: &Output) -> String {
    binary_support::succeed(output.clone())
}

fn stats(data_dir: &Path) -> Value {
    serde_json::from_str(&stdout(&candor(data_dir, &["stats", "--json"]))).unwrap()
}

fn maven_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/maven-crm");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipping: ../shared/data/maven-crm not present");
        None
    }
}

#[test]
fn maven_import_gives_the_published_totals_and_is_idempotent() {
    let Some(maven) = maven_dir() else { return };
    let data = tempfile::tempdir().unwrap();
    let first = stdout(&candor(data.path(), &["import", "maven", maven.to_str().unwrap()]));
    assert!(first.contains("GTXPro"), "the product-name fix is reported: {first}");
    let stats_once = stats(data.path());
    assert_eq!(stats_once["deals"], 8800);
    assert_eq!(stats_once["deals_won"], 4238);
    assert_eq!(stats_once["deals_lost"], 2473);
    assert_eq!(stats_once["deals_open"], 8800 - 4238 - 2473);
    assert_eq!(stats_once["won_amount_minor"]["USD"], 1_000_553_400i64);
    let second = stdout(&candor(data.path(), &["import", "maven", maven.to_str().unwrap()]));
    assert!(second.contains("0 rows new or changed"), "re-import changes nothing: {second}");
    assert_eq!(stats(data.path()), stats_once);
}

#[test]
fn demo_builds_an_organisation_on_the_embedded_defaults() {
    let data = tempfile::tempdir().unwrap();
    let out = stdout(&candor(data.path(), &["demo", "--as-of", "2026-11-16", "--reps", "8"]));
    assert!(out.contains("reps"), "{out}");
    assert!(data.path().join("candor.db").exists());
    let stats = stats(data.path());
    assert!(stats["deals"].as_i64().unwrap() > 100, "{stats}");
    assert!(stats["deals_open"].as_i64().unwrap() > 0);
    assert!(stats["activities"].as_i64().unwrap() > 1000);
    // Running it again replaces the organisation rather than adding a second one.
    stdout(&candor(data.path(), &["demo", "--as-of", "2026-11-16", "--reps", "8"]));
    assert_eq!(self::stats(data.path()), stats);
}

#[test]
fn a_missing_file_is_a_one_line_error_naming_it() {
    let data = tempfile::tempdir().unwrap();
    let output = candor(data.path(), &["import", "maven", "/nonexistent/maven"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("/nonexistent/maven"), "{stderr}");

    let output = candor(data.path(), &["--config", "/nonexistent/candor.toml", "stats"]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("/nonexistent/candor.toml"));
}

#[test]
fn config_show_redacts_secrets_and_env_overrides_apply() {
    let data = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_candor"))
        .args(["--data-dir", data.path().to_str().unwrap(), "config", "show"])
        .env("CANDOR__DATABASE__URL", "postgres://candor:s3cret-pw@db.internal/candor")
        .env("CANDOR__ORG__FISCAL_YEAR_START_MONTH", "4")
        .current_dir(data.path())
        .output()
        .unwrap();
    let text = stdout(&output);
    assert!(!text.contains("s3cret-pw"), "{text}");
    assert!(text.contains("fiscal_year_start_month = 4"), "{text}");

    let output = Command::new(env!("CARGO_BIN_EXE_candor"))
        .args(["--data-dir", data.path().to_str().unwrap(), "config", "show"])
        .env("CANDOR__ORG__FISCAL_YEAR_START_MONTH", "13")
        .current_dir(data.path())
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("org.fiscal_year_start_month"));
}
