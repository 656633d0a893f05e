//! Salesforce connector against a loopback Salesforce: JWT and refresh-token auth, SOQL paging
//! through nextRecordsUrl, 429/500/timeouts, tokens expiring mid-sync, malformed records,
//! getDeleted, and an interrupted sync resumed to the same store as an uninterrupted one.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod connectors_support;

use candor::domain::{ActivityKind, DealField, Role};
use candor::sources::connectors::salesforce::api::{DeletedWindow, QueryPage};
use candor::sources::connectors::SourceKind;
use candor::testkit::vendors::salesforce::{SalesforceData, SalesforceMock};
use candor::testkit::vendors::salesforce_data::sf_id;
use candor::testkit::vendors::{setup, Faults};
use connectors_support::{config, dataset, shared_data, store, sync, try_sync};
use serde_json::json;
use std::collections::HashSet;
use std::time::Duration;

#[tokio::test]
async fn jwt_full_sync_pages_through_every_object() {
    let key = setup::rsa_key().unwrap();
    let (running, mock) =
        SalesforceMock::new(SalesforceData::generate(450), Some(key.public_der.clone())).start().await.unwrap();
    let mut config = config();
    setup::salesforce(&mut config, &running.base_url, &mock, Some(&key));
    let db = store().await;
    let report = sync(&db.store, &config, SourceKind::Salesforce).await;

    assert!(report.rejections.is_empty(), "{:?}", report.rejections);
    assert_eq!(report.object("Opportunity").unwrap().pages, 3, "450 opportunities at 200 per page");
    assert_eq!(report.object("Opportunity").unwrap().landed, 450);
    let data = dataset(&db.store).await;
    assert_eq!(data.deals.len(), 450);
    assert_eq!(data.accounts.len(), 112);
    assert_eq!(data.contacts.len(), 224, "every address resolved to a synced contact or user");
    assert_eq!(data.contact_roles.len(), 450);
    assert_eq!(data.activities.len(), 900);
    assert_eq!(data.stages.pipeline("salesforce").count(), 7);
    // 450 first stages, plus a move for every deal not still in Prospecting, plus 450 close-date changes.
    let stage_moves = data.history.iter().filter(|h| h.field == DealField::Stage).count();
    assert_eq!(stage_moves, 450 + 450 - 65);
    assert_eq!(data.history.iter().filter(|h| h.field == DealField::CloseDate).count(), 450);
    let moved = data.history.iter().find(|h| h.field == DealField::Stage && h.old_value.is_some()).unwrap();
    assert_eq!(moved.old_value.as_deref(), Some("Prospecting"));

    let deal = data.deals.iter().find(|d| d.external_id == sf_id("006", 1)).unwrap();
    assert_eq!(deal.amount.minor, 2_625_050, "25,000 + 1,250.50 in cents");
    assert_eq!(deal.stage, "Qualification");
    let leader = data.people.iter().find(|p| p.external_id == sf_id("005", 1)).unwrap();
    assert_eq!(leader.role, Role::Leader);
    assert_eq!(data.people.iter().filter(|p| p.role == Role::Manager).count(), 2);

    let event = data.activities.iter().find(|a| a.external_id == sf_id("00U", 1)).unwrap();
    assert_eq!(event.kind, ActivityKind::Meeting);
    assert_eq!(event.duration_minutes, Some(45));
    assert_eq!(event.deals[0].deal_id.as_str(), format!("salesforce:{}", sf_id("006", 1)));
    assert_eq!(event.deals[0].rule, "crm_association");
    assert!(event.participants.iter().all(|p| p.party.is_some()), "owner and contact both resolved");
    let task = data.activities.iter().find(|a| a.external_id == sf_id("00T", 1)).unwrap();
    assert_eq!(task.kind, ActivityKind::Email);
    assert_eq!(mock.core.grants(), 1, "one assertion exchanged; its signature verified by the server");
}

fn with_malformed(mut data: SalesforceData) -> SalesforceData {
    let stamp = "2026-01-05T12:00:00.000+0000";
    let base = json!({ "Name": "Bad", "AccountId": sf_id("001", 0), "OwnerId": sf_id("005", 10), "StageName": "Prospecting",
                       "Amount": 1000, "CloseDate": "2026-06-30", "IsClosed": false, "IsWon": false,
                       "CreatedDate": stamp, "SystemModstamp": stamp });
    let mut bad_date = base.clone();
    bad_date["Id"] = json!(sf_id("006", 900));
    bad_date["CloseDate"] = json!("30/06/2026");
    let mut no_owner = base.clone();
    no_owner["Id"] = json!(sf_id("006", 901));
    no_owner["OwnerId"] = serde_json::Value::Null;
    let mut bad_amount = base;
    bad_amount["Id"] = json!(sf_id("006", 902));
    bad_amount["Amount"] = json!("lots");
    for record in [bad_date, no_owner, bad_amount] {
        data.insert("Opportunity", record);
    }
    data.insert("Event", json!({ "Id": sf_id("00U", 900), "Subject": "No time", "SystemModstamp": stamp }));
    data
}

#[tokio::test]
async fn throttling_errors_timeouts_and_expired_tokens_are_survived_and_bad_records_reported() {
    let (running, mock) =
        SalesforceMock::new(with_malformed(SalesforceData::generate(60)), None).start().await.unwrap();
    let mut config = config();
    setup::salesforce(&mut config, &running.base_url, &mock, None);

    let clean = store().await;
    let clean_report = sync(&clean.store, &config, SourceKind::Salesforce).await;

    mock.core.set_faults(Faults {
        throttle_on: HashSet::from([mock.core.requests() + 2]),
        retry_after_secs: 1,
        error_on: HashSet::from([mock.core.requests() + 4, mock.core.requests() + 5]),
        slow_on: HashSet::from([mock.core.requests() + 9]),
        slow_for: Duration::from_secs(3),
        token_lifetime: Some(3),
        outage_after_pages: None,
    });
    let faulty = store().await;
    let report = sync(&faulty.store, &config, SourceKind::Salesforce).await;

    assert_eq!(report.calls.throttled, 1);
    assert!(report.calls.retries >= 4, "429, two 500s and a timeout were retried: {:?}", report.calls);
    assert!(report.calls.reauthenticated >= 2, "tokens expired mid-sync and were renewed: {:?}", report.calls);
    assert!(mock.core.refused() >= 2);
    let reasons: Vec<String> = report.rejections.iter().map(|r| r.to_string()).collect();
    assert_eq!(report.rejections.len(), 4, "{reasons:#?}");
    assert!(reasons.iter().any(|r| r.contains(&sf_id("006", 900)) && r.contains("CloseDate")), "{reasons:#?}");
    assert!(reasons.iter().any(|r| r.contains(&sf_id("006", 901)) && r.contains("OwnerId")), "{reasons:#?}");
    assert!(reasons.iter().any(|r| r.contains(&sf_id("006", 902)) && r.contains("Amount")), "{reasons:#?}");
    assert!(reasons.iter().any(|r| r.contains(&sf_id("00U", 900)) && r.contains("StartDateTime")), "{reasons:#?}");
    assert_eq!(report.rejections, clean_report.rejections);
    let data = dataset(&faulty.store).await;
    assert_eq!(data.deals.len(), 60, "the good opportunities all landed");
    assert_eq!(data, dataset(&clean.store).await, "faults change nothing in what lands");
}

#[tokio::test]
async fn changes_and_deletions_are_applied_incrementally() {
    let (running, mock) = SalesforceMock::new(SalesforceData::generate(40), None).start().await.unwrap();
    let mut config = config();
    setup::salesforce(&mut config, &running.base_url, &mock, None);
    let db = store().await;
    sync(&db.store, &config, SourceKind::Salesforce).await;

    let now = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.3f+0000").to_string();
    {
        let mut data = candor::testkit::vendors::lock(&mock.data);
        data.delete("Opportunity", &sf_id("006", 0));
        data.delete("Event", &sf_id("00U", 5));
        data.delete("OpportunityContactRole", &sf_id("00K", 2));
        let mut changed = data.objects["Opportunity"].iter().find(|r| r["Id"] == sf_id("006", 3)).unwrap().clone();
        changed["StageName"] = json!("Closed Won");
        changed["IsClosed"] = json!(true);
        changed["IsWon"] = json!(true);
        changed["SystemModstamp"] = json!(now);
        data.insert("Opportunity", changed);
        data.insert(
            "OpportunityHistory",
            json!({ "Id": sf_id("008", 9_999), "OpportunityId": sf_id("006", 3), "StageName": "Closed Won", "CreatedDate": now, "SystemModstamp": now }),
        );
    }
    // getDeleted windows end on whole seconds: let the deletions fall inside this one.
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let report = sync(&db.store, &config, SourceKind::Salesforce).await;

    assert!(report.object("Opportunity").unwrap().fetched <= 3, "only changes are read: {:?}", report.objects);
    assert_eq!(report.object("Opportunity").unwrap().deleted, 1);
    let data = dataset(&db.store).await;
    let deleted = format!("salesforce:{}", sf_id("006", 0));
    assert!(data.deals.iter().all(|d| d.id.as_str() != deleted));
    assert!(data.history.iter().all(|h| h.deal_id.as_str() != deleted), "its history went with it");
    assert!(data.contact_roles.iter().all(|r| r.deal_id.as_str() != deleted));
    assert!(data.contact_roles.iter().all(|r| r.deal_id.as_str() != format!("salesforce:{}", sf_id("006", 2))));
    assert!(data.activities.iter().all(|a| a.external_id != sf_id("00U", 5)));
    assert_eq!(data.deals.len(), 39);
    let won = data.deals.iter().find(|d| d.external_id == sf_id("006", 3)).unwrap();
    assert_eq!(won.stage, "Closed Won");
    assert!(won.closed_at.is_some());
    let moved = data.history.iter().find(|h| h.external_id == sf_id("008", 9_999)).unwrap();
    assert_eq!(moved.old_value.as_deref(), Some("Proposal/Price Quote"));
    let tombstones = db.store.sync_tombstones("salesforce").await.unwrap();
    assert!(tombstones.contains(&("deal".to_owned(), sf_id("006", 0))));
}

#[tokio::test]
async fn an_interrupted_sync_resumes_to_the_same_store() {
    let (running, mock) = SalesforceMock::new(SalesforceData::generate(300), None).start().await.unwrap();
    let mut config = config();
    setup::salesforce(&mut config, &running.base_url, &mock, None);
    let uninterrupted = store().await;
    let whole = sync(&uninterrupted.store, &config, SourceKind::Salesforce).await;

    let interrupted = store().await;
    mock.core.outage_after_more_pages(8);
    let error = try_sync(&interrupted.store, &config, SourceKind::Salesforce, false).await.unwrap_err();
    assert_eq!(error.status(), Some(503), "{error}");
    let partial = dataset(&interrupted.store).await;
    assert!(!partial.deals.is_empty() && partial.activities.is_empty(), "stopped half-way");
    mock.core.heal();
    let resumed = sync(&interrupted.store, &config, SourceKind::Salesforce).await;

    assert!(
        resumed.fetched() < whole.fetched(),
        "resumed from the cursors: {} vs {}",
        resumed.fetched(),
        whole.fetched()
    );
    assert_eq!(dataset(&interrupted.store).await, dataset(&uninterrupted.store).await);
}

#[test]
fn restforce_envelopes_parse() {
    let Some(dir) = shared_data("salesforce-restforce-fixtures") else { return };
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap();
    let first: QueryPage = serde_json::from_str(&read("sobject/query_paginated_first_page_response.json")).unwrap();
    assert!(!first.done);
    assert_eq!(first.next_records_url.as_deref(), Some("/services/data/v26.0/query/01gD"));
    assert_eq!(first.records.len(), 1);
    let last: QueryPage = serde_json::from_str(&read("sobject/query_paginated_last_page_response.json")).unwrap();
    assert!(last.done && last.next_records_url.is_none());
    let deleted: DeletedWindow = serde_json::from_str(&read("sobject/get_deleted_success_response.json")).unwrap();
    assert_eq!(deleted.deleted_records[0].id, "a00D0000008pQRAIA2");
    assert_eq!(deleted.latest_date_covered.as_deref(), Some("2013-05-08T21:20:00.000+0000"));
    let expired: serde_json::Value = serde_json::from_str(&read("expired_session_response.json")).unwrap();
    assert_eq!(expired[0]["errorCode"], "INVALID_SESSION_ID");
}

#[tokio::test]
async fn fivetran_seed_opportunities_land_or_are_rejected_one_by_one() {
    let Some(dir) = shared_data("salesforce-fivetran-seeds") else { return };
    let rows = connectors_support::csv_rows(&dir.join("sf_opportunity_data.csv"));
    let mut data = SalesforceData::default();
    for row in &rows {
        let value =
            |key: &str| row.get(key).filter(|v| !v.is_empty()).map(|v| json!(v)).unwrap_or(serde_json::Value::Null);
        data.insert(
            "Opportunity",
            json!({
                "Id": value("id"), "Name": value("name"), "AccountId": value("account_id"), "OwnerId": value("owner_id"),
                "StageName": value("stage_name"), "Amount": value("amount"), "CloseDate": value("close_date"),
                "IsClosed": value("is_closed"), "IsWon": value("is_won"), "ForecastCategoryName": value("forecast_category_name"),
                "NextStep": value("next_step"), "CreatedDate": value("created_date"), "SystemModstamp": value("_fivetran_synced")
            }),
        );
    }
    let (running, mock) = SalesforceMock::new(data, None).start().await.unwrap();
    let mut config = config();
    setup::salesforce(&mut config, &running.base_url, &mock, None);
    let db = store().await;
    let report = sync(&db.store, &config, SourceKind::Salesforce).await;
    let opportunities = report.object("Opportunity").unwrap();
    assert_eq!(opportunities.fetched as usize, rows.len());
    assert_eq!((opportunities.landed + opportunities.rejected) as usize, rows.len());
    let deals = dataset(&db.store).await.deals;
    let million = deals.iter().find(|d| d.name == "$1m deal").unwrap();
    assert_eq!(million.amount.minor, 2_412_000_000);
    assert_eq!(million.close_date, chrono::NaiveDate::from_ymd_opt(2018, 12, 19));
    assert!(million.closed_at.is_some());
}
