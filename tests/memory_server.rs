//! The embedded vector memory shared with the running server: while Candor is served on a data
//! directory (which holds the embedded store's locks), a second service opened on the same
//! directory, as `candor run --wait` and `candor draft` open it, uses the memory through the
//! server; what it writes is what the server reads and the other way round. The internal routes
//! answer only the secret the server announced in `qdrant/serve.json`, which goes away when the
//! server stops. A store held by a process that serves nobody leaves the memory off.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod http_support;

use candor::app::{Context, Service};
use candor::coaching::memory::advice::{self, AdvisedDeal, DealState, DeliveredDraft};
use candor::coaching::memory::collections::{COACHING, PLAYBOOK};
use candor::coaching::memory::{Access, Filter, Memory, ScopedFilter, VectorStore};
use candor::config::Config;
use candor::domain::StageStatus;
use chrono::NaiveDate;
use http_support::spawn_app;
use std::collections::BTreeMap;
use std::path::Path;

fn deal(id: &str, owner: &str, stage: &str, stage_order: i64, status: StageStatus) -> DealState {
    DealState {
        deal_id: id.to_owned(),
        name: format!("{id} renewal"),
        owner_id: owner.to_owned(),
        stage: stage.to_owned(),
        stage_order,
        status,
        close_date: NaiveDate::from_ymd_opt(2026, 12, 18),
        amount_minor: 4_200_000,
    }
}

fn delivered(rep: &str, deals: &[&str]) -> DeliveredDraft {
    DeliveredDraft {
        draft_id: format!("2026-W47.rep_nudge.{rep}"),
        recipient_id: rep.to_owned(),
        kind: "rep_nudge".to_owned(),
        delivered_on: NaiveDate::from_ymd_opt(2026, 11, 16).unwrap(),
        headline: "Two renewals have stalled since the pricing call".to_owned(),
        deals: deals
            .iter()
            .map(|id| AdvisedDeal {
                state: deal(id, rep, "proposal", 3, StageStatus::Open),
                advice: "No reply to the pricing proposal for three weeks. Next step: book the decision call."
                    .to_owned(),
            })
            .collect(),
    }
}

fn everything() -> ScopedFilter {
    ScopedFilter::new(Access::Organisation, Filter::default())
}

/// Every coaching point in `memory`, whoever owns it.
async fn count(memory: &Memory) -> usize {
    memory.store().count(COACHING.name, &everything()).await.unwrap()
}

fn serve_file(dir: &Path) -> std::path::PathBuf {
    dir.join("qdrant").join("serve.json")
}

/// A call with `secret` is answered; one without it, with another, or with it outside a bearer
/// header gets exactly what a path that does not exist gets, whatever the method or body.
async fn only_the_secret_opens_the_internal_routes(address: std::net::SocketAddr, secret: &str) {
    let client = reqwest::Client::new();
    let url = |path: &str| format!("http://{address}{path}");
    let body = serde_json::json!({ "collection": "playbook" });
    let ok = client.post(url("/internal/memory/layout")).bearer_auth(secret).json(&body).send().await.unwrap();
    assert_eq!(ok.status().as_u16(), 200);
    let unknown = client.post(url("/internal/nothing-here")).json(&body).send().await.unwrap();
    let (unknown_status, unknown_body) = (unknown.status().as_u16(), unknown.text().await.unwrap());
    assert_eq!(unknown_status, 404);
    // The same length, one character changed.
    let last = if secret.ends_with('A') { 'B' } else { 'A' };
    let wrong_secret = format!("{}{last}", &secret[..secret.len() - 1]);
    let refused = [
        client.post(url("/internal/memory/layout")).json(&body),
        client.post(url("/internal/memory/layout")).bearer_auth(&wrong_secret).json(&body),
        client.post(url("/internal/memory/layout")).bearer_auth("").json(&body),
        client.post(url("/internal/memory/upsert")).header("authorization", secret).json(&body),
        client.get(url("/internal/memory/count")).bearer_auth(&wrong_secret),
        client.post(url("/internal/memory/search")).bearer_auth(&wrong_secret).body("not json"),
    ];
    for request in refused {
        let response = request.send().await.unwrap();
        assert_eq!(response.status().as_u16(), 404);
        assert_eq!(response.text().await.unwrap(), unknown_body, "no different from a path that does not exist");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_service_uses_the_servers_memory_through_it() {
    let dir = tempfile::tempdir().unwrap();
    let context = Context::new(Config::from_toml("").unwrap(), dir.path().to_path_buf());
    let app = spawn_app(&context).await;
    let own = app.service().memory.clone().expect("the server opened the embedded memory");
    assert_eq!(own.store().backend_name(), "embedded");

    let text = std::fs::read_to_string(serve_file(dir.path())).expect("the server announced its memory");
    let served: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(served["url"], format!("http://{}", app.address()), "the bound address, not the configured one");
    assert_eq!(served["pid"], std::process::id());
    let secret = served["secret"].as_str().unwrap().to_owned();
    assert!(secret.len() >= 32, "{secret}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(serve_file(dir.path())).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "only the owner reads the secret");
    }

    // A second service on the same data directory, as `candor run --wait` builds it.
    let second = Service::open(&context).await.unwrap();
    let remote = second.memory.clone().expect("the second service has memory");
    assert_eq!(remote.store().backend_name(), "remote");
    assert!(!remote.is_hybrid());

    // The playbook the server synced is searchable through it, in the reader's scope.
    let rep_scope = || ScopedFilter::new(Access::person("rep-1"), Filter::default());
    let passages = remote.search(&PLAYBOOK, "stalled deal next step", rep_scope(), 3).await.unwrap();
    assert!(!passages.is_empty(), "the playbook reads through the server");

    // Writes through the server land in the server's own store, and reads agree on both sides.
    let written = advice::index_delivered(remote.as_ref(), &delivered("rep-1", &["deal-1", "deal-2"])).await.unwrap();
    assert_eq!(written, 2);
    advice::index_delivered(remote.as_ref(), &delivered("rep-2", &["deal-3"])).await.unwrap();
    assert_eq!(count(&remote).await, 3);
    assert_eq!(count(&own).await, 3);
    let states = BTreeMap::from([("deal-1".to_owned(), deal("deal-1", "rep-1", "closed won", 9, StageStatus::Won))]);
    let observed = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
    assert_eq!(advice::attach_outcomes(remote.as_ref(), &states, observed).await.unwrap(), 1);

    for (side, memory) in [("remote", &remote), ("server", &own)] {
        let recalled =
            advice::recall(memory.as_ref(), Access::person("rep-1"), "rep-1", Some("pricing proposal"), None, 10)
                .await
                .unwrap();
        assert_eq!(recalled.len(), 2, "{side}: {recalled:?}");
        assert!(recalled.iter().all(|r| r.draft_id == "2026-W47.rep_nudge.rep-1"), "{side}: {recalled:?}");
        let won: Vec<&str> = recalled.iter().filter(|r| r.outcome == "won").map(|r| r.deal_id.as_str()).collect();
        assert_eq!(won, ["deal-1"], "{side}: the outcome written through the server");
        let latest = advice::recall(memory.as_ref(), Access::person("rep-1"), "rep-1", None, None, 10).await.unwrap();
        assert_eq!(latest.len(), 2, "{side}: scrolling");
        let other = advice::recall(memory.as_ref(), Access::person("rep-1"), "rep-2", None, None, 10).await.unwrap();
        assert!(other.is_empty(), "{side}: the reader's scope travels with the read: {other:?}");
    }
    // What the server writes, the second service reads.
    advice::index_delivered(own.as_ref(), &delivered("rep-3", &["deal-4"])).await.unwrap();
    assert_eq!(count(&remote).await, 4);

    only_the_secret_opens_the_internal_routes(app.address(), &secret).await;

    second.store.close().await;
    drop((remote, second));
    app.stop().await;
    assert!(!serve_file(dir.path()).exists(), "the announcement goes with the server");

    // With the server gone, the next process opens the store itself and finds what was written.
    drop(own);
    let reopened = Memory::open_for_agent(&context.config, dir.path()).await.expect("the store opens");
    assert_eq!(reopened.store().backend_name(), "embedded");
    assert_eq!(count(&reopened).await, 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_held_by_a_process_that_serves_nobody_leaves_memory_off() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config::from_toml("").unwrap();
    let (holder, _) = Memory::open(&config, dir.path()).await.unwrap();
    assert!(Memory::open_for_agent(&config, dir.path()).await.is_none(), "held, and no server announced itself");

    // An announcement left by a server that is gone: nothing answers at its address.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let gone = listener.local_addr().unwrap();
    drop(listener);
    let stale = serde_json::json!({ "url": format!("http://{gone}"), "pid": 1, "secret": "stale" });
    std::fs::write(serve_file(dir.path()), stale.to_string()).unwrap();
    assert!(Memory::open_for_agent(&config, dir.path()).await.is_none(), "a stale announcement is not used");

    drop(holder);
    let memory = Memory::open_for_agent(&config, dir.path()).await.expect("free again, the store opens");
    assert_eq!(memory.store().backend_name(), "embedded", "a free store is opened, announcement or not");
}
