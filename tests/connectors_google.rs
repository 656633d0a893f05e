//! Google connector against a loopback Google: service-account JWT assertions with
//! domain-wide delegation (a token reads only its `sub`'s data), Calendar events.list with
//! pageToken/syncToken and 410 Gone, Gmail messages.list/get and history.list with 404,
//! 429/500 and expiring tokens, malformed events and messages rejected one by one, the
//! published example payloads, and an interrupted sync resumed to the same store.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod connectors_support;

use candor::domain::{ActivityKind, ParticipantRole};
use candor::sources::connectors::SourceKind;
use candor::testkit::vendors::google::{GoogleData, GoogleMock};
use candor::testkit::vendors::google_data::gmail_message;
use candor::testkit::vendors::{lock, setup, Faults, Running};
use connectors_support::{config, dataset, shared_data, store, sync, try_sync};
use std::collections::HashSet;
use std::sync::Arc;

fn users() -> Vec<String> {
    vec!["rep.one@northbridge-fs.example".to_owned(), "rep.two@northbridge-fs.example".to_owned()]
}

async fn start(data: GoogleData, users: &[String]) -> (Running, Arc<GoogleMock>, candor::config::Config) {
    let key = setup::rsa_key().unwrap();
    let (running, mock) = GoogleMock::new(data, Some(key.public_der.clone())).start().await.unwrap();
    let mut config = config();
    config.connectors.sync.page_size = 6;
    setup::google(&mut config, &running.base_url, &mock, &key, users);
    (running, mock, config)
}

#[tokio::test]
async fn delegated_sync_pages_calendars_and_mail_through_faults() {
    let (_running, mock, config) = start(GoogleData::generate(&users(), 20), &users()).await;
    let clean = store().await;
    let clean_report = sync(&clean.store, &config, SourceKind::Google).await;
    assert!(clean_report.rejections.is_empty(), "{:?}", clean_report.rejections);
    assert_eq!(clean_report.object("events").unwrap().pages, 8, "20 events per calendar at 6 per page");
    assert_eq!(mock.core.grants(), 2, "one delegated token per user");

    let start = mock.core.requests();
    mock.core.set_faults(Faults {
        throttle_on: HashSet::from([start + 4]),
        retry_after_secs: 1,
        error_on: HashSet::from([start + 9, start + 30]),
        token_lifetime: Some(15),
        ..Faults::default()
    });
    let faulty = store().await;
    let report = sync(&faulty.store, &config, SourceKind::Google).await;
    assert_eq!(report.calls.throttled, 1);
    assert!(report.calls.retries >= 3, "{:?}", report.calls);
    assert!(report.calls.reauthenticated >= 2, "{:?}", report.calls);
    let data = dataset(&faulty.store).await;
    assert_eq!(data, dataset(&clean.store).await);

    let meetings: Vec<_> = data.activities.iter().filter(|a| a.kind == ActivityKind::Meeting).collect();
    assert_eq!(meetings.len(), 6 + 2 * 12, "shared events once, working-location blocks skipped");
    assert!(meetings.iter().all(|m| m.participants.iter().all(|p| !p.address.contains("resource.calendar"))));
    let shared = meetings.iter().find(|m| m.external_id == "shared000003").unwrap();
    assert_eq!(shared.duration_minutes, Some(45));
    assert_eq!(shared.participants.len(), 3, "both reps and the client");
    let emails: Vec<_> = data.activities.iter().filter(|a| a.kind == ActivityKind::Email).collect();
    assert_eq!(emails.len(), 40);
    let email = emails.iter().find(|e| e.external_id == "18c0100000002@mail.gmail.com").unwrap();
    assert_eq!(email.subject.as_deref(), Some("Custody fees 2"));
    assert_eq!(email.thread_id.as_deref(), Some("18c0100000002"));
    assert_eq!(email.participants[0].role, ParticipantRole::From);
    assert_eq!(email.participants[0].address, "contact2@client2.example");
}

#[tokio::test]
async fn cancellations_new_mail_and_deletions_arrive_incrementally() {
    let (_running, mock, config) = start(GoogleData::generate(&users(), 12), &users()).await;
    let db = store().await;
    sync(&db.store, &config, SourceKind::Google).await;
    let one = users()[0].clone();
    {
        let mut data = lock(&mock.data);
        data.calendars.get_mut(&one).unwrap().remove("ev00x000001");
        let mailbox = data.mailboxes.get_mut(&one).unwrap();
        mailbox.remove("18c0000000003");
        let fresh = gmail_message(
            "18cnew",
            "18cnew",
            "New Client <new@prospect.example>",
            &one,
            "Intro",
            "Hello there",
            1_767_600_000_000,
            &["INBOX"],
        );
        mailbox.put("18cnew", fresh);
    }
    let report = sync(&db.store, &config, SourceKind::Google).await;
    assert_eq!(report.object("events").unwrap().fetched, 1);
    assert_eq!(report.object("messages").unwrap().fetched, 2, "one added, one deleted, read from the history");
    let data = dataset(&db.store).await;
    let ids: HashSet<&str> = data.activities.iter().map(|a| a.external_id.as_str()).collect();
    assert!(!ids.contains("ev00x000001"));
    assert!(!ids.contains("18c0000000003@mail.gmail.com"));
    assert!(ids.contains("18cnew@mail.gmail.com"));
    assert!(data.contacts.iter().any(|c| c.email.as_deref() == Some("new@prospect.example")));
}

#[tokio::test]
async fn forgotten_sync_tokens_and_history_ids_start_over() {
    let (_running, mock, config) = start(GoogleData::generate(&users()[..1], 10), &users()[..1]).await;
    let db = store().await;
    sync(&db.store, &config, SourceKind::Google).await;
    let before = dataset(&db.store).await;
    {
        let mut guard = lock(&mock.data);
        let data = &mut *guard;
        for feed in data.calendars.values_mut() {
            feed.expired_before = feed.version() + 1;
        }
        for feed in data.mailboxes.values_mut() {
            feed.expired_before = feed.version() + 1;
        }
    }
    let report = sync(&db.store, &config, SourceKind::Google).await;
    assert_eq!(report.notes.len(), 2, "{:?}", report.notes);
    assert_eq!(report.object("events").unwrap().fetched, 10);
    assert_eq!(report.object("messages").unwrap().fetched, 10);
    assert_eq!(dataset(&db.store).await, before);
}

#[tokio::test]
async fn malformed_records_are_reported_and_the_rest_land() {
    let one = users()[0].clone();
    let mut data = GoogleData::generate(std::slice::from_ref(&one), 12);
    let calendar = data.calendars.get_mut(&one).unwrap();
    calendar.put(
        "evbroken01",
        serde_json::json!({ "kind": "calendar#event", "id": "evbroken01", "status": "confirmed", "summary": "When?",
                            "start": { "dateTime": "next Tuesday after lunch" }, "end": { "dateTime": "later" },
                            "organizer": { "email": one }, "eventType": "default" }),
    );
    let mailbox = data.mailboxes.get_mut(&one).unwrap();
    // A message whose payload is missing entirely: nothing to rebuild headers from.
    mailbox.put(
        "18cbroken01",
        serde_json::json!({ "id": "18cbroken01", "threadId": "18cbroken01", "labelIds": ["INBOX"], "historyId": "1" }),
    );
    // A message whose Date header and internalDate are both unreadable.
    let mut undated = gmail_message(
        "18cbroken02",
        "18cbroken02",
        "Client <client@prospect.example>",
        &one,
        "Undated",
        "No date here",
        1_767_600_000_000,
        &["INBOX"],
    );
    undated["internalDate"] = serde_json::json!("yesterday");
    for header in undated["payload"]["headers"].as_array_mut().unwrap() {
        if header["name"] == "Date" {
            header["value"] = serde_json::json!("sometime last week");
        }
    }
    mailbox.put("18cbroken02", undated);

    let (_running, _mock, config) = start(data, std::slice::from_ref(&one)).await;
    let db = store().await;
    let report = sync(&db.store, &config, SourceKind::Google).await;
    let reasons: Vec<String> = report.rejections.iter().map(|r| r.to_string()).collect();
    assert_eq!(reasons.len(), 3, "{reasons:#?}");
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("evbroken01") && r.contains("start.dateTime") && r.contains("not a timestamp")),
        "{reasons:#?}"
    );
    assert!(
        reasons.iter().any(|r| r.contains("18cbroken01") && r.contains("payload") && r.contains("no readable")),
        "{reasons:#?}"
    );
    assert!(reasons.iter().any(|r| r.contains("18cbroken02") && r.contains("Date")), "{reasons:#?}");
    assert_eq!(report.object("events").unwrap().rejected, 1);
    assert_eq!(report.object("messages").unwrap().rejected, 2);

    let activities = dataset(&db.store).await.activities;
    let meetings = activities.iter().filter(|a| a.kind == ActivityKind::Meeting).count();
    let emails = activities.iter().filter(|a| a.kind == ActivityKind::Email).count();
    assert_eq!(meetings, 11, "12 generated events, one a working-location block; the broken one is left out");
    assert_eq!(emails, 12, "every generated message lands; the two broken ones are left out");
    assert!(activities.iter().all(|a| !a.external_id.contains("broken")));
}

#[tokio::test]
async fn an_interrupted_sync_resumes_to_the_same_store() {
    let (_running, mock, config) = start(GoogleData::generate(&users(), 30), &users()).await;
    let uninterrupted = store().await;
    let whole = sync(&uninterrupted.store, &config, SourceKind::Google).await;
    let interrupted = store().await;
    mock.core.outage_after_more_pages(9);
    assert!(try_sync(&interrupted.store, &config, SourceKind::Google, false).await.is_err());
    assert!(!dataset(&interrupted.store).await.activities.is_empty());
    mock.core.heal();
    let resumed = sync(&interrupted.store, &config, SourceKind::Google).await;
    assert!(resumed.fetched() < whole.fetched());
    assert_eq!(dataset(&interrupted.store).await, dataset(&uninterrupted.store).await);
}

#[tokio::test]
async fn the_published_examples_land_skip_and_cancel() {
    let (Some(calendar_dir), Some(gmail_dir)) = (shared_data("google-calendar-json"), shared_data("gmail-api-json"))
    else {
        return;
    };
    let read = |path: std::path::PathBuf| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    };
    let user = "test@test.com".to_owned();
    let mut data = GoogleData::default();
    let calendar = data.calendars.entry(user.clone()).or_default();
    for name in ["events_list_confirmed_timed_event.json", "events_list_allday_recurring_workinglocation.json"] {
        for (n, item) in read(calendar_dir.join(name))["items"].as_array().unwrap().iter().enumerate() {
            calendar.put(&format!("{name}-{n}"), item.clone());
        }
    }
    let message = read(gmail_dir.join("gmail_messages_get_full_spark_user_list.json"));
    data.mailboxes.entry(user.clone()).or_default().put("148bc67eb4ce4445", message);
    let (_running, mock, config) = start(data, std::slice::from_ref(&user)).await;
    let db = store().await;
    let report = sync(&db.store, &config, SourceKind::Google).await;
    assert!(report.rejections.is_empty(), "{:?}", report.rejections);
    let activities = dataset(&db.store).await.activities;
    assert_eq!(activities.len(), 2, "the all-day working-location block is not a meeting");
    let meeting = activities.iter().find(|a| a.external_id == "test_id").unwrap();
    assert_eq!(meeting.occurred_at.to_rfc3339(), "2022-12-21T12:00:00+00:00");
    assert_eq!(meeting.duration_minutes, Some(90));
    let email = activities.iter().find(|a| a.kind == ActivityKind::Email).unwrap();
    assert_eq!(email.external_id, "F5031A69-8465-4682-881E-CA4343D21CE9@alpinenow.com");
    assert_eq!(email.occurred_at.to_rfc3339(), "2014-09-28T13:39:30+00:00");
    assert_eq!(email.participants[0].address, "chester@alpinenow.com");
    assert!(email.subject.as_deref().unwrap().starts_with("[SF Machine Learning meetup]"));

    let cancelled = read(calendar_dir.join("events_list_cancelled_event.json"))["items"][0].clone();
    assert_eq!(cancelled["status"], "cancelled");
    lock(&mock.data).calendars.get_mut(&user).unwrap().put("events_list_confirmed_timed_event.json-0", cancelled);
    sync(&db.store, &config, SourceKind::Google).await;
    assert!(
        dataset(&db.store).await.activities.iter().all(|a| a.external_id != "test_id"),
        "the cancellation removed it"
    );
}
