//! A generated Salesforce org in the shapes the REST API returns: users with managers,
//! accounts, contacts, opportunities with contact roles, stage and field history, events and
//! tasks, and the stage catalogue. Deterministic: the same size gives the same org.

use super::pick;
use super::salesforce::SalesforceData;
use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::{json, Value};

const STAGES: &[(&str, i64, u8, bool, bool)] = &[
    ("Prospecting", 1, 10, false, false),
    ("Qualification", 2, 10, false, false),
    ("Needs Analysis", 3, 20, false, false),
    ("Proposal/Price Quote", 4, 75, false, false),
    ("Negotiation/Review", 5, 90, false, false),
    ("Closed Won", 6, 100, true, true),
    ("Closed Lost", 7, 0, true, false),
];

/// A Salesforce id: key prefix plus a zero-padded number, 18 characters.
pub fn sf_id(prefix: &str, number: usize) -> String {
    format!("{prefix}{number:015}")
}

fn stamp(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.3f+0000").to_string()
}

fn epoch() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).single().unwrap_or_default()
}

pub const ORG_DOMAIN: &str = "northbridge-fs.example";

impl SalesforceData {
    /// An org with `opportunities` deals and everything around them: roughly eight records per
    /// opportunity.
    pub fn generate(opportunities: usize) -> Self {
        let mut data = SalesforceData::default();
        let base = epoch();
        let mut tick = 0i64;
        let mut next_stamp = || {
            tick += 1;
            stamp(base + Duration::seconds(tick))
        };
        let reps = (opportunities / 40).clamp(4, 200);
        let user = |number: usize, name: String, manager: Option<String>, stamp: String| {
            json!({
                "Id": sf_id("005", number), "Name": name, "Email": format!("user{number}@{ORG_DOMAIN}"),
                "ManagerId": manager, "TimeZoneSidKey": "Europe/London", "IsActive": true,
                "Department": "Institutional Sales", "SystemModstamp": stamp
            })
        };
        data.insert("User", user(1, "Lena Leader".into(), None, next_stamp()));
        for manager in 2..=3 {
            data.insert("User", user(manager, format!("Manager {manager}"), Some(sf_id("005", 1)), next_stamp()));
        }
        for rep in 0..reps {
            let manager = Some(sf_id("005", 2 + rep % 2));
            data.insert("User", user(10 + rep, format!("Rep {rep}"), manager, next_stamp()));
        }
        for (index, (name, order, probability, closed, won)) in STAGES.iter().enumerate() {
            data.insert(
                "OpportunityStage",
                json!({
                    "Id": sf_id("01J", index + 1), "ApiName": name, "MasterLabel": name, "SortOrder": order,
                    "DefaultProbability": probability, "IsClosed": closed, "IsWon": won, "IsActive": true
                }),
            );
        }
        let accounts = (opportunities / 4).max(3);
        for a in 0..accounts {
            data.insert(
                "Account",
                json!({
                    "Id": sf_id("001", a), "Name": format!("Client {a} Asset Management"),
                    "Website": format!("https://www.client{a}.example"), "Industry": pick(&["Banking", "Insurance", "Asset Management"], a),
                    "Type": pick(&["Customer", "Prospect"], a), "SystemModstamp": next_stamp()
                }),
            );
            for c in 0..2 {
                let number = a * 2 + c;
                data.insert(
                    "Contact",
                    json!({
                        "Id": sf_id("003", number), "AccountId": sf_id("001", a), "Name": format!("Contact {number}"),
                        "Email": format!("contact{number}@client{a}.example"),
                        "Title": pick(&["Chief Investment Officer", "Head of Treasury", "Operations Manager"], number),
                        "SystemModstamp": next_stamp()
                    }),
                );
            }
        }
        for o in 0..opportunities {
            let account = o % accounts;
            let owner = 10 + o % reps;
            let (stage, _, _, closed, won) = STAGES[o % STAGES.len()];
            let created = base - Duration::days(200) + Duration::days((o % 150) as i64);
            let close = (created + Duration::days(90)).date_naive();
            data.insert(
                "Opportunity",
                json!({
                    "Id": sf_id("006", o), "Name": format!("Client {account} mandate {o}"), "AccountId": sf_id("001", account),
                    "OwnerId": sf_id("005", owner), "StageName": stage, "Amount": 25_000.0 + (o % 40) as f64 * 1_250.5,
                    "CloseDate": close.format("%Y-%m-%d").to_string(), "IsClosed": closed, "IsWon": won,
                    "ForecastCategoryName": if won { "Closed" } else if closed { "Omitted" } else { "Pipeline" },
                    "NextStep": "Send fee proposal", "CreatedDate": stamp(created), "SystemModstamp": next_stamp()
                }),
            );
            data.insert(
                "OpportunityContactRole",
                json!({
                    "Id": sf_id("00K", o), "OpportunityId": sf_id("006", o), "ContactId": sf_id("003", account * 2),
                    "Role": pick(&["Economic Buyer", "Decision Maker", "Influencer"], o), "IsPrimary": true,
                    "SystemModstamp": next_stamp()
                }),
            );
            for (step, name) in ["Prospecting", stage].iter().enumerate() {
                data.insert(
                    "OpportunityHistory",
                    json!({
                        "Id": sf_id("008", o * 2 + step), "OpportunityId": sf_id("006", o), "StageName": name,
                        "CreatedDate": stamp(created + Duration::days(step as i64 * 20)), "SystemModstamp": next_stamp()
                    }),
                );
            }
            data.insert(
                "OpportunityFieldHistory",
                json!({
                    "Id": sf_id("017", o), "OpportunityId": sf_id("006", o), "Field": "CloseDate", "DataType": "Date",
                    "OldValue": (close - Duration::days(30)).format("%Y-%m-%d").to_string(),
                    "NewValue": close.format("%Y-%m-%d").to_string(),
                    "CreatedDate": stamp(created + Duration::days(25) + Duration::seconds(o as i64))
                }),
            );
            let owner_email = format!("user{owner}@{ORG_DOMAIN}");
            let who = account * 2 + o % 2;
            let who_email = format!("contact{who}@client{account}.example");
            let meeting = created + Duration::days(10);
            data.insert("Event", activity_record("00U", o, &owner_email, &who, &who_email, o, meeting, next_stamp()));
            data.insert(
                "Task",
                activity_record("00T", o, &owner_email, &who, &who_email, o, meeting + Duration::days(3), next_stamp()),
            );
        }
        data
    }
}

#[allow(clippy::too_many_arguments)]
fn activity_record(
    prefix: &str,
    number: usize,
    owner_email: &str,
    who: &usize,
    who_email: &str,
    opportunity: usize,
    at: DateTime<Utc>,
    stamp_text: String,
) -> Value {
    let mut record = json!({
        "Id": sf_id(prefix, number), "Subject": format!("Fee review {number}"),
        "Description": "Discussed pricing and the custody fee schedule.",
        "OwnerId": "005000000000000010", "Owner": { "Email": owner_email, "Name": "Rep" },
        "WhoId": sf_id("003", *who), "Who": { "Email": who_email, "Name": format!("Contact {who}") },
        "WhatId": sf_id("006", opportunity), "SystemModstamp": stamp_text
    });
    if prefix == "00U" {
        record["StartDateTime"] = json!(stamp(at));
        record["EndDateTime"] = json!(stamp(at + Duration::minutes(45)));
        record["DurationInMinutes"] = json!(45);
        record["IsAllDayEvent"] = json!(false);
        record["Type"] = json!("Meeting");
    } else {
        record["ActivityDate"] = json!(at.date_naive().format("%Y-%m-%d").to_string());
        record["CreatedDate"] = json!(stamp(at));
        record["TaskSubtype"] = json!("Email");
        record["Status"] = json!("Completed");
    }
    record
}
