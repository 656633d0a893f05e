//! HubSpot connector against a loopback HubSpot: OAuth refresh and private-app tokens, search
//! paging with `after` and the 10,000-result window, propertiesWithHistory, associations,
//! 429/500, tokens expiring mid-sync, malformed records, archived records, signed webhooks
//! (through the served HTTP app too), and an interrupted sync resumed to the same store as an
//! uninterrupted one.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod connectors_support;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use candor::config::Secret;
use candor::domain::{ActivityKind, ContactRole, DealField, StageStatus};
use candor::sources::connectors::hubspot::webhook;
use candor::sources::connectors::SourceKind;
use candor::testkit::vendors::hubspot::{HubspotData, HubspotMock};
use candor::testkit::vendors::{lock, setup, Faults};
use connectors_support::{config, dataset, shared_data, store, sync, try_sync};
use serde_json::json;
use std::collections::HashSet;
use tower::ServiceExt;

#[tokio::test]
async fn oauth_sync_pages_searches_reads_history_and_associations_through_faults() {
    let (running, mock) = HubspotMock::new(HubspotData::generate(120)).start().await.unwrap();
    let mut config = config();
    config.connectors.sync.page_size = 25;
    setup::hubspot(&mut config, &running.base_url, &mock, None);
    let clean = store().await;
    let clean_report = sync(&clean.store, &config, SourceKind::Hubspot).await;
    assert!(clean_report.rejections.is_empty(), "{:?}", clean_report.rejections);
    assert_eq!(clean_report.object("deals").unwrap().pages, 5, "120 deals at 25 per page");

    let start = mock.core.requests();
    mock.core.set_faults(Faults {
        throttle_on: HashSet::from([start + 3]),
        retry_after_secs: 1,
        error_on: HashSet::from([start + 7]),
        token_lifetime: Some(10),
        ..Faults::default()
    });
    let faulty = store().await;
    let report = sync(&faulty.store, &config, SourceKind::Hubspot).await;
    assert_eq!(report.calls.throttled, 1);
    assert!(report.calls.retries >= 2, "{:?}", report.calls);
    assert!(report.calls.reauthenticated >= 3, "the token was refreshed mid-sync: {:?}", report.calls);
    let data = dataset(&faulty.store).await;
    assert_eq!(data, dataset(&clean.store).await, "faults change nothing in what lands");

    assert_eq!(data.people.len(), 3);
    assert_eq!(data.accounts.len(), 30);
    assert_eq!(data.contacts.len(), 60, "meeting and email addresses resolved to synced contacts and owners");
    assert_eq!(data.deals.len(), 120);
    let won = data.stages.get("default", "closedwon").unwrap();
    assert_eq!((won.status, won.probability), (StageStatus::Won, 100));
    assert_eq!(data.stages.get("default", "qualifiedtobuy").unwrap().probability, 40);
    assert_eq!(data.stages.get("default", "closedlost").unwrap().status, StageStatus::Lost);

    let deal = data.deals.iter().find(|d| d.external_id == "3000001").unwrap();
    assert_eq!(deal.amount.minor, 4_100_050);
    assert_eq!(deal.stage, "qualifiedtobuy");
    assert_eq!(deal.account_id.as_ref().unwrap().as_str(), "hubspot:1000001");
    let history: Vec<_> = data.history.iter().filter(|h| h.deal_id == deal.id).collect();
    let stage = history.iter().filter(|h| h.field == DealField::Stage).collect::<Vec<_>>();
    assert_eq!(stage.len(), 2);
    assert_eq!(stage[1].old_value.as_deref(), Some("appointmentscheduled"));
    assert_eq!(stage[1].new_value.as_deref(), Some("qualifiedtobuy"));
    let amounts: Vec<_> =
        history.iter().filter(|h| h.field == DealField::Amount).map(|h| h.new_value.clone().unwrap()).collect();
    assert_eq!(amounts, vec!["3500000".to_owned(), "4100050".to_owned()]);
    let roles: Vec<_> =
        data.contact_roles.iter().filter(|r| r.deal_id == deal.id || r.deal_id.as_str() == "hubspot:3000000").collect();
    assert!(roles.iter().any(|r| r.role == ContactRole::DecisionMaker), "association labels become roles");

    assert_eq!(data.activities.len(), 240);
    let meeting = data.activities.iter().find(|a| a.external_id == "5000001").unwrap();
    assert_eq!(meeting.kind, ActivityKind::Meeting);
    assert_eq!(meeting.duration_minutes, Some(30));
    assert_eq!(meeting.deals[0].deal_id, deal.id);
    assert_eq!(meeting.participants.len(), 2);
    assert!(meeting.participants.iter().all(|p| p.party.is_some()));
    let email = data.activities.iter().find(|a| a.external_id == "6000001").unwrap();
    assert_eq!(email.kind, ActivityKind::Email);
    assert_eq!(email.deals[0].rule, "crm_association");
}

#[tokio::test]
async fn malformed_records_are_reported_and_the_rest_land() {
    let mut data = HubspotData::generate(20);
    let deal =
        |id: &str, properties: serde_json::Value| json!({ "id": id, "properties": properties, "archived": false });
    let stamp = "2026-01-06T00:00:00.000Z";
    let objects = data.objects.get_mut("deals").unwrap();
    objects.push(deal("3999001", json!({ "dealname": "no owner", "dealstage": "qualifiedtobuy", "createdate": stamp, "hs_lastmodifieddate": stamp })));
    objects.push(deal(
        "3999002",
        json!({ "dealname": "bad amount", "amount": "abc", "dealstage": "qualifiedtobuy", "hubspot_owner_id": "4400000", "createdate": stamp, "hs_lastmodifieddate": stamp }),
    ));
    data.objects
        .get_mut("meetings")
        .unwrap()
        .push(deal("5999001", json!({ "hs_meeting_title": "when?", "hs_lastmodifieddate": stamp })));
    let (running, mock) = HubspotMock::new(data).start().await.unwrap();
    let mut config = config();
    setup::hubspot(&mut config, &running.base_url, &mock, Some("pat-na1-mock-private-app"));
    let db = store().await;
    let report = sync(&db.store, &config, SourceKind::Hubspot).await;
    let reasons: Vec<String> = report.rejections.iter().map(|r| r.to_string()).collect();
    assert_eq!(reasons.len(), 3, "{reasons:#?}");
    assert!(reasons.iter().any(|r| r.contains("3999001") && r.contains("hubspot_owner_id")), "{reasons:#?}");
    assert!(reasons.iter().any(|r| r.contains("3999002") && r.contains("amount")), "{reasons:#?}");
    assert!(reasons.iter().any(|r| r.contains("5999001") && r.contains("hs_meeting_start_time")), "{reasons:#?}");
    assert_eq!(dataset(&db.store).await.deals.len(), 20);
    assert_eq!(mock.core.grants(), 0, "the private-app token needs no OAuth exchange");
}

fn signed(body: &str, secret: &Secret, uri: &str, timestamp: i64) -> Request<Body> {
    let timestamp = timestamp.to_string();
    let signature = webhook::sign_v3(secret, "POST", uri, body.as_bytes(), &timestamp).unwrap();
    Request::post("/")
        .header("content-type", "application/json")
        .header(webhook::SIGNATURE_HEADER, signature)
        .header(webhook::TIMESTAMP_HEADER, timestamp)
        .body(Body::from(body.to_owned()))
        .unwrap()
}

#[tokio::test]
async fn archived_records_and_signed_webhook_deletions_are_removed() {
    let (running, mock) = HubspotMock::new(HubspotData::generate(16)).start().await.unwrap();
    let mut config = config();
    setup::hubspot(&mut config, &running.base_url, &mock, None);
    let db = store().await;
    sync(&db.store, &config, SourceKind::Hubspot).await;
    {
        let mut data = lock(&mock.data);
        data.archive("deals", "3000002");
        data.archive("meetings", "5000004");
    }

    let uri = "https://candor.example/webhooks/hubspot";
    let app = webhook::router(db.store.clone(), &config.connectors.hubspot, Some(uri.to_owned()));
    let secret = config.connectors.hubspot.client_secret.clone();
    let now = chrono::Utc::now().timestamp_millis();
    let body = json!([{ "eventId": 100, "subscriptionId": 7, "portalId": 62515, "appId": 1, "occurredAt": now,
                        "subscriptionType": "deal.deletion", "attemptNumber": 0, "objectId": 3000005, "changeSource": "CRM" }])
    .to_string();
    let response = app.clone().oneshot(signed(&body, &secret, uri, now)).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let again = app.clone().oneshot(signed(&body, &secret, uri, now)).await.unwrap();
    assert_eq!(again.status(), StatusCode::OK, "a redelivery is accepted and recorded once");
    let forged = app.clone().oneshot(signed(&body, &Secret::new("not-the-secret"), uri, now)).await.unwrap();
    assert_eq!(forged.status(), StatusCode::UNAUTHORIZED);
    let stale = app.clone().oneshot(signed(&body, &secret, uri, now - 6 * 60 * 1_000)).await.unwrap();
    assert_eq!(stale.status(), StatusCode::UNAUTHORIZED, "older than five minutes");
    assert_eq!(db.store.pending_webhook_events("hubspot").await.unwrap().len(), 1);

    let report = sync(&db.store, &config, SourceKind::Hubspot).await;
    assert_eq!(report.object("deals").unwrap().deleted, 2, "one archived, one notified");
    let data = dataset(&db.store).await;
    let ids: HashSet<&str> = data.deals.iter().map(|d| d.external_id.as_str()).collect();
    assert!(!ids.contains("3000002") && !ids.contains("3000005"));
    assert_eq!(data.deals.len(), 14);
    assert!(data.activities.iter().all(|a| a.external_id != "5000004"));
    assert!(db.store.pending_webhook_events("hubspot").await.unwrap().is_empty(), "events are marked processed");
}

/// A notification POSTed to `url` (its host sent as `Host`), signed over `signed_uri`.
fn posted(url: &str, signed_uri: &str, body: &str, secret: &Secret, timestamp: i64) -> Request<Body> {
    let parsed = reqwest::Url::parse(url).unwrap();
    let timestamp = timestamp.to_string();
    let signature = webhook::sign_v3(secret, "POST", signed_uri, body.as_bytes(), &timestamp).unwrap();
    Request::post(parsed.path())
        .header("host", parsed.host_str().unwrap())
        .header("content-type", "application/json")
        .header(webhook::SIGNATURE_HEADER, signature)
        .header(webhook::TIMESTAMP_HEADER, timestamp)
        .body(Body::from(body.to_owned()))
        .unwrap()
}

#[tokio::test]
async fn the_served_app_mounts_the_verified_webhook_receiver_when_hubspot_is_enabled() {
    let db = store().await;
    let mut config = config();
    let secret = Secret::new("hubspot-app-client-secret");
    let url = "https://candor.example/webhooks/hubspot";
    let now = chrono::Utc::now().timestamp_millis();
    let event = |id: i64| {
        json!([{ "eventId": id, "subscriptionId": 7, "portalId": 62515, "appId": 1, "occurredAt": now,
                 "subscriptionType": "deal.deletion", "attemptNumber": 0, "objectId": 3000000 + id, "changeSource": "CRM" }])
        .to_string()
    };

    let off =
        candor::http::app(candor::http::AppState::new(db.store.clone(), std::sync::Arc::new(config.clone()))).unwrap();
    let response = off.oneshot(posted(url, url, &event(1), &secret, now)).await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND, "no receiver while HubSpot is off");

    config.connectors.hubspot.enabled = true;
    config.connectors.hubspot.access_token = Secret::new("pat-na1-private-app");
    let no_secret =
        candor::http::app(candor::http::AppState::new(db.store.clone(), std::sync::Arc::new(config.clone()))).unwrap();
    let response = no_secret.oneshot(posted(url, url, &event(1), &secret, now)).await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND, "nothing could be verified without a client secret");

    // The secret may live only in the secrets file, as the sync reads it.
    let dir = tempfile::tempdir().unwrap();
    let secrets = dir.path().join("hubspot.toml");
    std::fs::write(&secrets, format!("client_secret = \"{}\"\n", secret.expose())).unwrap();
    config.connectors.hubspot.secrets_file = Some(secrets);
    let app =
        candor::http::app(candor::http::AppState::new(db.store.clone(), std::sync::Arc::new(config.clone()))).unwrap();
    let accepted = app.clone().oneshot(posted(url, url, &event(1), &secret, now)).await.unwrap();
    assert_eq!(accepted.status(), StatusCode::OK, "signed over https://{{Host}}{{path}} by default");
    let forged = app.clone().oneshot(posted(url, url, &event(2), &Secret::new("not-it"), now)).await.unwrap();
    assert_eq!(forged.status(), StatusCode::UNAUTHORIZED);
    let stale = app.clone().oneshot(posted(url, url, &event(3), &secret, now - 6 * 60 * 1_000)).await.unwrap();
    assert_eq!(stale.status(), StatusCode::UNAUTHORIZED, "older than five minutes");
    let elsewhere = "https://candor.example/other/path";
    let misdirected = app.clone().oneshot(posted(url, elsewhere, &event(4), &secret, now)).await.unwrap();
    assert_eq!(misdirected.status(), StatusCode::UNAUTHORIZED, "the signature covers the URL");

    // Behind a proxy the registered URL differs from what arrives; `webhook_url` names it.
    let public = "https://crm-hooks.example.org/candor/webhooks/hubspot";
    config.connectors.hubspot.webhook_url = public.to_owned();
    let proxied =
        candor::http::app(candor::http::AppState::new(db.store.clone(), std::sync::Arc::new(config.clone()))).unwrap();
    let accepted = proxied.clone().oneshot(posted(url, public, &event(5), &secret, now)).await.unwrap();
    assert_eq!(accepted.status(), StatusCode::OK);
    let direct = proxied.oneshot(posted(url, url, &event(6), &secret, now)).await.unwrap();
    assert_eq!(direct.status(), StatusCode::UNAUTHORIZED);

    let pending = db.store.pending_webhook_events("hubspot").await.unwrap();
    let ids: Vec<&str> = pending.iter().map(|e| e.event_id.as_str()).collect();
    assert_eq!(ids, vec!["hubspot:1", "hubspot:5"], "only the verified notifications were recorded");
}

#[tokio::test]
async fn search_restarts_before_the_ten_thousand_result_window() {
    let mut data = HubspotData::generate(4);
    let base = chrono::DateTime::parse_from_rfc3339("2026-02-01T00:00:00Z").unwrap().with_timezone(&chrono::Utc);
    let contacts = data.objects.get_mut("contacts").unwrap();
    for n in 0..10_050 {
        let at = (base + chrono::Duration::seconds(n)).to_rfc3339();
        contacts.push(json!({ "id": format!("{}", 7_000_000 + n), "archived": false,
            "properties": { "email": format!("person{n}@bulk.example"), "firstname": "Bulk", "lastname": format!("{n}"), "lastmodifieddate": at } }));
    }
    let (running, mock) = HubspotMock::new(data).start().await.unwrap();
    let mut config = config();
    setup::hubspot(&mut config, &running.base_url, &mock, None);
    let db = store().await;
    let report = sync(&db.store, &config, SourceKind::Hubspot).await;
    assert_eq!(dataset(&db.store).await.contacts.len(), 10_056);
    assert!(report.object("contacts").unwrap().pages >= 51);
}

#[tokio::test]
async fn an_interrupted_sync_resumes_to_the_same_store() {
    let (running, mock) = HubspotMock::new(HubspotData::generate(90)).start().await.unwrap();
    let mut config = config();
    config.connectors.sync.page_size = 20;
    setup::hubspot(&mut config, &running.base_url, &mock, None);
    let uninterrupted = store().await;
    let whole = sync(&uninterrupted.store, &config, SourceKind::Hubspot).await;

    let interrupted = store().await;
    mock.core.outage_after_more_pages(9);
    let error = try_sync(&interrupted.store, &config, SourceKind::Hubspot, false).await.unwrap_err();
    assert_eq!(error.status(), Some(503));
    assert!(!dataset(&interrupted.store).await.deals.is_empty(), "stopped half-way through the deals");
    mock.core.heal();
    let resumed = sync(&interrupted.store, &config, SourceKind::Hubspot).await;
    assert!(resumed.fetched() < whole.fetched());
    assert_eq!(dataset(&interrupted.store).await, dataset(&uninterrupted.store).await);
}

#[tokio::test]
async fn fivetran_seed_pipelines_and_deals() {
    let Some(dir) = shared_data("hubspot-fivetran-seeds") else { return };
    let mut data = HubspotData::default();
    let stage_rows = connectors_support::csv_rows(&dir.join("deal_pipeline_stage_data.csv"));
    let mut pipelines: std::collections::BTreeMap<String, Vec<serde_json::Value>> = Default::default();
    for row in &stage_rows {
        pipelines.entry(row["pipeline_id"].clone()).or_default().push(json!({
            "id": row["stage_id"], "label": row["label"], "displayOrder": row["display_order"].parse::<i64>().unwrap_or(0),
            "metadata": { "probability": row["probability"], "isClosed": row["is_closed"].to_lowercase() }
        }));
    }
    for (id, stages) in pipelines {
        data.pipelines.push(json!({ "id": id, "label": "pipeline", "displayOrder": 0, "stages": stages }));
    }
    let deal_rows = connectors_support::csv_rows(&dir.join("deal_data.csv"));
    for row in &deal_rows {
        let value = |key: &str| row.get(key).filter(|v| !v.is_empty()).cloned();
        data.objects.entry("deals".into()).or_default().push(json!({ "id": row["deal_id"], "archived": false, "properties": {
            "dealname": value("property_dealname"), "amount": value("property_amount"), "closedate": value("property_closedate"),
            "createdate": value("property_createdate"), "dealstage": value("deal_pipeline_stage_id"), "pipeline": value("deal_pipeline_id"),
            "hubspot_owner_id": value("owner_id"), "hs_lastmodifieddate": value("property_createdate") } }));
    }
    let (running, mock) = HubspotMock::new(data).start().await.unwrap();
    let mut config = config();
    setup::hubspot(&mut config, &running.base_url, &mock, None);
    let db = store().await;
    let report = sync(&db.store, &config, SourceKind::Hubspot).await;
    let stages = dataset(&db.store).await.stages;
    assert_eq!(stages.stages().len(), stage_rows.len());
    let won = stage_rows.iter().filter(|r| r["closed_won"] == "TRUE").count();
    assert_eq!(stages.stages().iter().filter(|s| s.status == StageStatus::Won).count(), won);
    let deals = report.object("deals").unwrap();
    assert_eq!(deals.fetched as usize, deal_rows.len());
    assert_eq!((deals.landed + deals.rejected) as usize, deal_rows.len(), "every seed deal is accounted for");
    let ownerless = deal_rows.iter().filter(|r| r["owner_id"].is_empty()).count();
    let reasons = report.rejections.iter().filter(|r| r.reason.contains("no owner")).count();
    assert_eq!(reasons, ownerless);
}
