//! Microsoft Graph connector against a loopback Graph: client-credentials tokens expiring
//! mid-sync, calendarView and messages delta paged through @odata.nextLink, Windows time
//! zones, 429/500/timeouts, removals, a forgotten delta token (410), the documentation's own
//! example payloads, and an interrupted sync resumed to the same store.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod connectors_support;

use candor::domain::{ActivityKind, ParticipantRole};
use candor::sources::connectors::SourceKind;
use candor::testkit::vendors::msgraph::{GraphData, GraphMock, CALENDAR};
use candor::testkit::vendors::{lock, setup, Faults};
use connectors_support::{config, dataset, shared_data, store, sync, try_sync};
use serde_json::json;
use std::collections::HashSet;
use std::time::Duration;

fn mailboxes() -> Vec<String> {
    vec!["rep.one@northbridge-fs.example".to_owned(), "rep.two@northbridge-fs.example".to_owned()]
}

async fn start(
    per_mailbox: usize,
) -> (candor::testkit::vendors::Running, std::sync::Arc<GraphMock>, candor::config::Config) {
    let (running, mock) = GraphMock::new(GraphData::generate(&mailboxes(), per_mailbox)).start().await.unwrap();
    let mut config = config();
    config.connectors.sync.page_size = 7;
    setup::msgraph(&mut config, &running.base_url, &mock, &mailboxes());
    (running, mock, config)
}

#[tokio::test]
async fn delta_pages_time_zones_and_faults() {
    let (_running, mock, config) = start(30).await;
    let clean = store().await;
    let clean_report = sync(&clean.store, &config, SourceKind::MsGraph).await;
    assert!(clean_report.rejections.is_empty(), "{:?}", clean_report.rejections);
    assert!(clean_report.object("events").unwrap().pages >= 10, "30 events per mailbox at 7 per page");

    let start = mock.core.requests();
    mock.core.set_faults(Faults {
        throttle_on: HashSet::from([start + 2]),
        retry_after_secs: 1,
        error_on: HashSet::from([start + 5]),
        slow_on: HashSet::from([start + 8]),
        slow_for: Duration::from_secs(3),
        token_lifetime: Some(6),
        outage_after_pages: None,
    });
    let faulty = store().await;
    let report = sync(&faulty.store, &config, SourceKind::MsGraph).await;
    assert_eq!(report.calls.throttled, 1);
    assert!(report.calls.retries >= 3, "{:?}", report.calls);
    assert!(report.calls.reauthenticated >= 2, "{:?}", report.calls);
    let data = dataset(&faulty.store).await;
    assert_eq!(data, dataset(&clean.store).await);

    // Ten meetings are in both calendars and land once; 2 mailboxes × 2 folders × 30 messages.
    let meetings: Vec<_> = data.activities.iter().filter(|a| a.kind == ActivityKind::Meeting).collect();
    assert_eq!(meetings.len(), 10 + 2 * 20);
    assert_eq!(data.activities.len(), 50 + 120);
    let at = |uid: &str| meetings.iter().find(|a| a.external_id == uid).unwrap().occurred_at.to_rfc3339();
    assert_eq!(at("uid-shared-0"), "2026-01-05T17:00:00+00:00", "09:00 Pacific Standard Time");
    assert_eq!(at("uid-0-1"), "2026-01-06T10:00:00+00:00", "10:00 GMT Standard Time in winter");
    assert_eq!(at("uid-shared-3"), "2026-01-08T11:00:00+00:00", "12:00 W. Europe Standard Time");
    let message = data.activities.iter().find(|a| a.external_id == "0.4.inbox@mail.example").unwrap();
    assert_eq!(message.snippet.as_deref(), Some("Thanks, the fee works for us."), "quoted history dropped");
    assert_eq!(message.thread_id.as_deref(), Some("conv-4"));
    assert_eq!(message.participants[0].role, ParticipantRole::From);
    assert_eq!(data.contacts.len(), 30, "each outside address became one contact");
}

#[tokio::test]
async fn removals_cancellations_and_new_items_arrive_by_delta() {
    let (_running, mock, config) = start(12).await;
    let db = store().await;
    sync(&db.store, &config, SourceKind::MsGraph).await;
    let [one, two] = [mailboxes()[0].clone(), mailboxes()[1].clone()];
    {
        let mut data = lock(&mock.data);
        data.stream(&one, CALENDAR).remove("AAMkAD00000003=");
        data.stream(&one, CALENDAR).remove("AAMkAD00000006=");
        data.stream(&two, CALENDAR).remove("AAMkAD01000006=");
        let mut cancelled = data.stream(&one, CALENDAR).get("AAMkAD00000004=").unwrap().clone();
        cancelled["isCancelled"] = json!(true);
        data.stream(&one, CALENDAR).put("AAMkAD00000004=", cancelled);
        data.stream(&two, "inbox").remove("AAMkAGM01000002I=");
        let mut fresh = data.stream(&one, CALENDAR).get("AAMkAD00000001=").unwrap().clone();
        fresh["id"] = json!("AAMkADnew=");
        fresh["iCalUId"] = json!("uid-new");
        data.stream(&one, CALENDAR).put("AAMkADnew=", fresh);
    }
    let report = sync(&db.store, &config, SourceKind::MsGraph).await;
    assert_eq!(report.object("events").unwrap().fetched, 5, "only the changes are read");
    let data = dataset(&db.store).await;
    let ids: HashSet<&str> = data.activities.iter().map(|a| a.external_id.as_str()).collect();
    assert!(ids.contains("uid-shared-3"), "still in the second mailbox");
    assert!(!ids.contains("uid-shared-6"), "gone from both mailboxes");
    assert!(!ids.contains("uid-0-4"), "cancelled");
    assert!(!ids.contains("1.2.inbox@mail.example"));
    assert!(ids.contains("uid-new"));
    assert_eq!(report.object("events").unwrap().deleted, 2);
}

#[tokio::test]
async fn a_forgotten_delta_token_restarts_the_stream() {
    let (_running, mock, config) = start(10).await;
    let db = store().await;
    sync(&db.store, &config, SourceKind::MsGraph).await;
    let before = dataset(&db.store).await;
    {
        let mut data = lock(&mock.data);
        let feed = data.stream(&mailboxes()[0], CALENDAR);
        feed.expired_before = feed.version() + 1;
    }
    let report = sync(&db.store, &config, SourceKind::MsGraph).await;
    assert!(report.notes.iter().any(|n| n.contains("delta token")), "{:?}", report.notes);
    assert_eq!(report.object("events").unwrap().fetched, 10, "the calendar was read again in full");
    assert_eq!(dataset(&db.store).await, before);
}

#[tokio::test]
async fn an_interrupted_sync_resumes_to_the_same_store() {
    let (_running, mock, config) = start(40).await;
    let uninterrupted = store().await;
    let whole = sync(&uninterrupted.store, &config, SourceKind::MsGraph).await;
    let interrupted = store().await;
    mock.core.outage_after_more_pages(10);
    assert!(try_sync(&interrupted.store, &config, SourceKind::MsGraph, false).await.is_err());
    assert!(!dataset(&interrupted.store).await.activities.is_empty());
    mock.core.heal();
    let resumed = sync(&interrupted.store, &config, SourceKind::MsGraph).await;
    assert!(resumed.fetched() < whole.fetched());
    assert_eq!(dataset(&interrupted.store).await, dataset(&uninterrupted.store).await);
}

#[tokio::test]
async fn the_documentation_examples_land_or_are_rejected_with_reasons() {
    let Some(dir) = shared_data("msgraph-docs-json") else { return };
    let read = |name: &str| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(dir.join(name)).unwrap()).unwrap()
    };
    let mailbox = "samanthab@a830edad905084922e17020313.onmicrosoft.com".to_owned();
    let mut data = GraphData::default();
    let mut events: Vec<serde_json::Value> =
        read("user_list_events_response.json")["value"].as_array().unwrap().clone();
    events.push(read("event_get_response_group_event.json"));
    events.extend(read("user_list_calendarview_response_truncated.json")["value"].as_array().unwrap().clone());
    for (n, event) in events.into_iter().enumerate() {
        data.stream(&mailbox, CALENDAR).put(&format!("{n}"), event);
    }
    for message in read("user_list_messages_select_sender_subject_response.json")["value"].as_array().unwrap() {
        data.stream(&mailbox, "inbox").put("m", message.clone());
    }
    data.stream(&mailbox, "sentitems");
    let (running, mock) = GraphMock::new(data).start().await.unwrap();
    let mut config = config();
    setup::msgraph(&mut config, &running.base_url, &mock, std::slice::from_ref(&mailbox));
    let db = store().await;
    let report = sync(&db.store, &config, SourceKind::MsGraph).await;
    let activities = dataset(&db.store).await.activities;
    let orientation = activities.iter().find(|a| a.subject.as_deref() == Some("Orientation")).unwrap();
    assert_eq!(orientation.occurred_at.to_rfc3339(), "2017-04-21T17:00:00+00:00", "10:00 Pacific Standard Time");
    assert_eq!(orientation.duration_minutes, Some(120));
    let group = activities.iter().find(|a| a.subject.as_deref() == Some("New Product Regulations Touchpoint")).unwrap();
    assert_eq!(group.occurred_at.to_rfc3339(), "2014-11-03T17:00:00+00:00");
    let reasons: Vec<String> = report.rejections.iter().map(|r| r.to_string()).collect();
    assert_eq!(reasons.len(), 2, "{reasons:#?}");
    assert!(reasons.iter().any(|r| r.contains("event has no id")), "the truncated calendarView item");
    assert!(
        reasons.iter().any(|r| r.contains("AAMkAGUAAAwTW09AAA=") && r.contains("no sent or received time")),
        "{reasons:#?}"
    );
}
