//! Delivery against real servers on loopback: an SMTP server (Python's aiosmtpd) with STARTTLS,
//! implicit TLS and authentication, and scripted Slack and Teams webhooks that check each
//! payload and answer with those services' documented errors and rate limits.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod pipeline_support;

use candor::config::Config;
use candor::domain::DraftState;
use candor::jobs::{start_run, RunRequest, RunState};
use candor::store::{DraftQuery, Store};
use candor::workflow::deliver::{message_id, DeliverError, Deliverer, OutgoingMessage};
use candor::workflow::DraftKind;
use chrono::Utc;
use pipeline_support::{fast_config, ok, scripted_webhook, work_run, Answer};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

fn message(n: u32) -> OutgoingMessage {
    OutgoingMessage {
        draft_id: format!("2026-W47.rep_nudge.test:rep{n}"),
        kind: DraftKind::RepNudge,
        week: "2026-W47".into(),
        subject: format!("Three deals need you, rep {n}"),
        body: "## Deals\n\n- **Zürich custody** (USD 1,250,000): no meeting in 21 days.\n".into(),
        recipient_name: format!("Rita Rep {n}"),
        recipient_email: Some(format!("rep{n}@northbridge.example")),
    }
}

/// A CA and a server certificate for 127.0.0.1 made with the openssl tool.
fn certificates(dir: &Path) -> Option<()> {
    let openssl = |args: &[&str]| {
        Command::new("openssl").args(args).current_dir(dir).output().ok().filter(|o| o.status.success())
    };
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=Candor Test CA",
    ])?;
    openssl(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=127.0.0.1",
    ])?;
    std::fs::write(
        dir.join("ext.cnf"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .ok()?;
    openssl(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "2",
        "-extfile",
        "ext.cnf",
    ])?;
    Some(())
}

struct SmtpServer {
    child: Child,
    port: u16,
    out: std::path::PathBuf,
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the aiosmtpd server, or says why it cannot (no python3, no aiosmtpd, no openssl).
fn smtp_server(dir: &Path, mode: &str) -> Result<SmtpServer, String> {
    let probe = Command::new("python3").args(["-c", "import aiosmtpd"]).output();
    if !probe.map(|o| o.status.success()).unwrap_or(false) {
        return Err("python3 with aiosmtpd is not installed (python3 -m pip install aiosmtpd)".into());
    }
    if !dir.join("server.pem").exists() && certificates(dir).is_none() {
        return Err("the openssl tool is not available to make test certificates".into());
    }
    let out = dir.join(format!("received-{mode}"));
    std::fs::create_dir_all(&out).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/smtp_server.py");
    let mut child = Command::new("python3")
        .arg(script)
        .args(["--mode", mode, "--user", "candor", "--password", "s3cret-pw"])
        .arg("--cert")
        .arg(dir.join("server.pem"))
        .arg("--key")
        .arg(dir.join("server.key"))
        .arg("--out")
        .arg(&out)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| e.to_string())?;
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let port =
        line.trim().strip_prefix("READY ").and_then(|p| p.parse().ok()).ok_or(format!("server said {line:?}"))?;
    Ok(SmtpServer { child, port, out })
}

fn smtp_config(server: &SmtpServer, dir: &Path, security: &str, password: &str) -> Config {
    fast_config(&format!(
        "[delivery]\nchannels = [\"email\"]\n[delivery.smtp]\nhost = \"127.0.0.1\"\nport = {}\nsecurity = \"{security}\"\n\
         username = \"candor\"\npassword = \"{password}\"\nfrom = \"Candor <coaching@northbridge.example>\"\n\
         ca_file = \"{}\"\ntimeout_seconds = 10",
        server.port,
        dir.join("ca.pem").display()
    ))
}

fn received(server: &SmtpServer, count: usize) -> Vec<serde_json::Value> {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let mut files: Vec<_> = std::fs::read_dir(&server.out)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        if files.len() >= count || std::time::Instant::now() > deadline {
            files.sort();
            return files.iter().map(|p| serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()).collect();
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[tokio::test]
async fn email_goes_out_over_starttls_and_implicit_tls_with_authentication() {
    let dir = tempfile::tempdir().unwrap();
    for (mode, security) in [("starttls", "starttls"), ("tls", "tls")] {
        let server = match smtp_server(dir.path(), mode) {
            Ok(server) => server,
            Err(reason) => {
                eprintln!("skipping the SMTP test: {reason}");
                return;
            }
        };
        let deliverer =
            Deliverer::from_config(&smtp_config(&server, dir.path(), security, "s3cret-pw"), dir.path()).unwrap();
        let receipt = deliverer.send("email", &message(1)).await.unwrap();
        assert!(receipt.reference.starts_with("smtp 250"), "{receipt:?}");
        let got = received(&server, 1);
        assert_eq!(got.len(), 1, "{mode}");
        assert_eq!(got[0]["mail_from"], "coaching@northbridge.example");
        assert_eq!(got[0]["rcpt_tos"], serde_json::json!(["rep1@northbridge.example"]));
        assert_eq!((got[0]["tls"].as_bool(), got[0]["authenticated"].as_bool()), (Some(true), Some(true)), "{mode}");
        let content = got[0]["content"].as_str().unwrap();
        assert!(content.contains("Subject: Three deals need you, rep 1"), "{content}");
        assert!(content.contains(&format!("Message-ID: {}", message_id(&message(1).draft_id))), "{content}");
        let parsed = mail_parser::MessageParser::default().parse(content.as_bytes()).unwrap();
        assert!(parsed.body_text(0).unwrap().contains("Zürich custody"), "the body survives encoding");

        // A wrong password is a permanent failure, not something to retry.
        let wrong = Deliverer::from_config(&smtp_config(&server, dir.path(), security, "wrong"), dir.path()).unwrap();
        let refused = wrong.send("email", &message(2)).await.unwrap_err();
        assert!(matches!(refused, DeliverError::Permanent(_)), "{mode}: {refused:?}");
        assert_eq!(received(&server, 1).len(), 1);
    }
}

fn slack_config(url: &str) -> Config {
    fast_config(&format!(
        "[delivery]\nchannels = [\"slack\"]\n[delivery.slack]\nwebhook_url = \"{url}\"\nkinds = [\"rep_nudge\"]"
    ))
}

fn teams_config(url: &str) -> Config {
    fast_config(&format!(
        "[delivery]\nchannels = [\"teams\"]\n[delivery.teams]\nwebhook_url = \"{url}\"\nkinds = [\"rep_nudge\"]"
    ))
}

/// Slack's own validation, briefly: a fallback text and well-formed blocks.
fn slack_payload_is_valid(payload: &serde_json::Value) -> bool {
    let Some(blocks) = payload["blocks"].as_array() else { return false };
    payload["text"].is_string()
        && !blocks.is_empty()
        && blocks.len() <= 50
        && blocks.iter().all(|b| match b["type"].as_str() {
            Some("header") => {
                b["text"]["type"] == "plain_text" && b["text"]["text"].as_str().is_some_and(|t| t.len() <= 150)
            }
            Some("section") => {
                b["text"]["type"] == "mrkdwn" && b["text"]["text"].as_str().is_some_and(|t| t.len() <= 3000)
            }
            Some("context") => b["elements"].is_array(),
            _ => false,
        })
}

fn teams_payload_is_valid(payload: &serde_json::Value) -> bool {
    let card = &payload["attachments"][0];
    payload["type"] == "message"
        && card["contentType"] == "application/vnd.microsoft.card.adaptive"
        && card["content"]["type"] == "AdaptiveCard"
        && card["content"]["body"].as_array().is_some_and(|b| {
            b.iter().all(|block| match block["type"].as_str() {
                Some("TextBlock") => block["text"].is_string(),
                // Draft text goes in plain text runs, which Teams never renders as Markdown.
                Some("RichTextBlock") => block["inlines"]
                    .as_array()
                    .is_some_and(|runs| runs.iter().all(|run| run["type"] == "TextRun" && run["text"].is_string())),
                _ => false,
            })
        })
}

#[tokio::test]
async fn slack_answers_are_handled_as_documented() {
    let scenarios: Vec<(Answer, &str)> = vec![
        (ok("ok"), "delivered"),
        ((429, vec![("retry-after", "7".into())], "rate_limited".into()), "rate limited 7"),
        ((400, vec![], "invalid_payload".into()), "permanent invalid_payload"),
        ((404, vec![], "no_service".into()), "permanent no_service"),
        ((410, vec![], "channel_is_archived".into()), "permanent channel_is_archived"),
        ((500, vec![], "".into()), "transient"),
    ];
    for (answer, expected) in scenarios {
        let reply = answer.clone();
        let hook = scripted_webhook(move |payload, _| {
            if slack_payload_is_valid(payload) {
                reply.clone()
            } else {
                (400, Vec::new(), "invalid_blocks".into())
            }
        })
        .await;
        let deliverer = Deliverer::from_config(&slack_config(&hook.url), Path::new(".")).unwrap();
        let outcome = deliverer.send("slack", &message(1)).await;
        let got = match &outcome {
            Ok(_) => "delivered".to_owned(),
            Err(DeliverError::RateLimited { after, .. }) => format!("rate limited {}", after.as_secs()),
            Err(DeliverError::Permanent(text)) => format!("permanent {}", text.rsplit(' ').next().unwrap()),
            Err(DeliverError::Transient(_)) => "transient".to_owned(),
        };
        assert_eq!(got, expected, "{outcome:?}");
        let received = hook.received.lock().unwrap().clone();
        assert_eq!(received.len(), 1);
        assert_eq!(received[0].content_type, "application/json");
    }
}

#[tokio::test]
async fn teams_answers_are_handled_including_errors_inside_a_200() {
    let throttled = "Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error 429 \
                     with ContextId tcid=0,server=msgapi-production-eus-azsc2-4-170,cv=abc.0.";
    let scenarios: Vec<(Answer, &str)> = vec![
        (ok("1"), "delivered"),
        ((202, vec![], "".into()), "delivered"),
        ((200, vec![], throttled.into()), "rate limited"),
        ((429, vec![("retry-after", "3".into())], "".into()), "rate limited"),
        ((400, vec![], "Bad payload received by generic incoming webhook.".into()), "permanent"),
    ];
    for (answer, expected) in scenarios {
        let reply = answer.clone();
        let hook = scripted_webhook(move |payload, _| {
            if teams_payload_is_valid(payload) {
                reply.clone()
            } else {
                (400, Vec::new(), "Bad payload received by generic incoming webhook.".into())
            }
        })
        .await;
        let deliverer = Deliverer::from_config(&teams_config(&hook.url), Path::new(".")).unwrap();
        let outcome = deliverer.send("teams", &message(1)).await;
        let got = match &outcome {
            Ok(_) => "delivered",
            Err(DeliverError::RateLimited { .. }) => "rate limited",
            Err(DeliverError::Permanent(_)) => "permanent",
            Err(DeliverError::Transient(_)) => "transient",
        };
        assert_eq!(got, expected, "{answer:?}: {outcome:?}");
    }
}

both_backends!(a_permanent_failure_surfaces_in_runs_and_the_audit_log, |store: Store| async move {
    store.save_dataset(&common::sample_dataset()).await.unwrap();
    let hook = scripted_webhook(|_, _| (410, Vec::new(), "channel_is_archived".into())).await;
    let config = slack_config(&hook.url);
    let dir = tempfile::tempdir().unwrap();
    let (run, _) =
        start_run(&store, &config, &RunRequest::manual("2026-W47".parse().unwrap()), Utc::now()).await.unwrap();
    let status = work_run(&store, &config, dir.path(), &run.id).await;
    assert_eq!(status.state, RunState::Failed, "{status:?}");
    assert_eq!((status.delivery_failures, status.failures.len()), (2, 2), "{status:?}");
    assert!(status.failures.iter().all(|f| f.contains("channel_is_archived")), "{:?}", status.failures);
    assert_eq!(hook.received.lock().unwrap().len(), 2, "a permanent failure is not retried");
    for draft in store.drafts(DraftQuery { state: Some(DraftState::Failed), ..DraftQuery::default() }).await.unwrap() {
        let trail = store.audit_for_subject(&draft.id).await.unwrap();
        let failed = trail.iter().find(|e| e.action == "delivery.failed").expect("audited");
        assert!(failed.detail.contains("channel_is_archived"), "{}", failed.detail);
    }
    assert_eq!(
        store.drafts(DraftQuery { state: Some(DraftState::Approved), ..DraftQuery::default() }).await.unwrap().len(),
        1,
        "the memo is not routed to Slack"
    );
});
