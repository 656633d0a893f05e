//! The OpenAPI document fuzzed by schemathesis (from PyPI) against the real router on
//! loopback, as a leader and as a manager: no generated request may get a 5xx answer. When
//! schemathesis is missing the test says so and passes, except in CI (`CI` set), where
//! `.ci/run` installs it and its absence is a failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod http_support;

use http_support::Fixture;
use std::process::Command;

fn schemathesis() -> Option<String> {
    let found = Command::new("schemathesis").arg("--version").output().map(|o| o.status.success()).unwrap_or(false);
    if found {
        return Some("schemathesis".to_owned());
    }
    assert!(std::env::var_os("CI").is_none(), "schemathesis is not installed (pip install schemathesis)");
    eprintln!("skipped: schemathesis is not installed (pip install schemathesis)");
    None
}

#[tokio::test(flavor = "multi_thread")]
async fn the_openapi_document_fuzzes_without_server_errors() {
    let Some(program) = schemathesis() else { return };
    let f = Fixture::start().await;
    let reports = tempfile::tempdir().unwrap();
    for (who, rep) in [("leader", f.rep_b.clone()), ("manager_a", f.rep_a.clone())] {
        // Real ids in the caller's scope, so generated requests reach the handlers' logic
        // rather than stopping at "not found".
        let draft = f.nudge_of(&rep).await;
        let deal = f.deal_of(&rep).await;
        let manager = rep.manager_id.as_ref().map(|m| m.to_string()).unwrap_or_default();
        let mut config = String::new();
        let ids = [
            ("getDraft", draft.as_str()),
            ("approveDraft", draft.as_str()),
            ("editDraft", draft.as_str()),
            ("rejectDraft", draft.as_str()),
            ("draftFeedback", draft.as_str()),
            ("getDeal", deal.as_str()),
            ("getScorecard", rep.id.as_str()),
            ("getTeam", manager.as_str()),
            ("getRun", http_support::WEEK),
        ];
        for (operation, id) in ids {
            config.push_str(&format!(
                "[[operations]]\ninclude-operation-id = \"{operation}\"\nparameters = {{ \"path.id\" = \"{id}\" }}\n\n"
            ));
        }
        let config_file = reports.path().join(format!("{who}.toml"));
        std::fs::write(&config_file, config).unwrap();
        let mut command = Command::new(&program);
        command
            .arg("--config-file")
            .arg(&config_file)
            .arg("run")
            .arg(f.url("/openapi.json"))
            .args(["--checks", "not_a_server_error", "--max-examples", "30", "--seed", "20261121", "--workers", "1"])
            .args(["--phases", "examples,coverage,fuzzing", "--no-color", "--request-timeout", "30"])
            .arg("--header")
            .arg(format!("Authorization: Bearer {}", f.tokens[who]))
            .arg("--report-dir")
            .arg(reports.path())
            .env("SCHEMATHESIS_HOOKS", "");
        // The server answers on this runtime's threads while schemathesis runs.
        let output = tokio::task::spawn_blocking(move || command.output()).await.unwrap().unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "schemathesis found failures as {who}:\n{stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        eprintln!("schemathesis as {who}:\n{stdout}");
        assert!(stdout.contains("passed") || stdout.contains("Passed"), "{stdout}");
    }
    f.stop().await;
}
