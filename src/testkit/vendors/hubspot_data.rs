//! A generated HubSpot portal in the shapes CRM v3 returns: owners, the default deal pipeline
//! with its stage probabilities, companies, contacts, deals with property history and
//! associations, meetings and emails. Deterministic: the same size gives the same portal.

use super::hubspot::HubspotData;
use super::pick;
use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::{json, Value};

pub(crate) const ORG_DOMAIN: &str = "northbridge-fs.example";

const STAGES: &[(&str, &str, &str, bool)] = &[
    ("appointmentscheduled", "Appointment Scheduled", "0.2", false),
    ("qualifiedtobuy", "Qualified To Buy", "0.4", false),
    ("presentationscheduled", "Presentation Scheduled", "0.6", false),
    ("decisionmakerboughtin", "Decision Maker Bought-In", "0.8", false),
    ("contractsent", "Contract Sent", "0.9", false),
    ("closedwon", "Closed Won", "1.0", true),
    ("closedlost", "Closed Lost", "0.0", true),
];

fn iso(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

fn object(id: String, properties: Value, at: DateTime<Utc>) -> Value {
    json!({ "id": id, "properties": properties, "createdAt": iso(at), "updatedAt": iso(at), "archived": false })
}

impl HubspotData {
    /// A portal with `deals` deals: roughly seven records per deal.
    pub fn generate(deals: usize) -> Self {
        let mut data = HubspotData::default();
        let base = Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).single().unwrap_or_default();
        let mut tick = 0i64;
        let mut modified = || {
            tick += 1;
            base + Duration::seconds(tick)
        };
        let owners = (deals / 40).clamp(3, 200);
        for o in 0..owners {
            data.owners.push(json!({
                "id": format!("{}", 4_400_000 + o), "email": format!("owner{o}@{ORG_DOMAIN}"),
                "firstName": "Owner", "lastName": format!("{o}"), "userId": 9_000 + o, "archived": false,
                "createdAt": iso(base), "updatedAt": iso(base),
                "teams": [{ "id": "1", "name": "Institutional", "primary": true }]
            }));
        }
        let stages: Vec<Value> = STAGES
            .iter()
            .enumerate()
            .map(|(order, (id, label, probability, closed))| {
                json!({ "id": id, "label": label, "displayOrder": order, "archived": false,
                        "metadata": { "probability": probability, "isClosed": closed.to_string() } })
            })
            .collect();
        data.pipelines.push(json!({ "id": "default", "label": "Sales Pipeline", "displayOrder": 0, "archived": false, "stages": stages }));
        let companies = (deals / 4).max(3);
        for c in 0..companies {
            let at = modified();
            data.objects.entry("companies".into()).or_default().push(object(
                format!("{}", 1_000_000 + c),
                json!({ "name": format!("Client {c} Bank"), "domain": format!("client{c}.example"),
                        "industry": pick(&["BANKING", "INSURANCE", "FINANCIAL_SERVICES"], c), "type": "CUSTOMER",
                        "hs_lastmodifieddate": iso(at) }),
                at,
            ));
            for k in 0..2 {
                let n = c * 2 + k;
                let at = modified();
                data.objects.entry("contacts".into()).or_default().push(object(
                    format!("{}", 2_000_000 + n),
                    json!({ "email": format!("contact{n}@client{c}.example"), "firstname": "Contact", "lastname": format!("{n}"),
                            "jobtitle": pick(&["Chief Financial Officer", "Treasurer", "Analyst"], n),
                            "associatedcompanyid": format!("{}", 1_000_000 + c), "lastmodifieddate": iso(at) }),
                    at,
                ));
            }
        }
        for d in 0..deals {
            let id = format!("{}", 3_000_000 + d);
            let company = d % companies;
            let contact = format!("{}", 2_000_000 + company * 2);
            let owner = format!("{}", 4_400_000 + d % owners);
            let (stage, _, _, closed) = STAGES[d % STAGES.len()];
            let created = base - Duration::days(180) + Duration::days((d % 120) as i64);
            let close = created + Duration::days(75);
            let amount = format!("{}.50", 40_000 + (d % 30) * 1_000);
            let at = modified();
            data.objects.entry("deals".into()).or_default().push(object(
                id.clone(),
                json!({ "dealname": format!("Client {company} custody {d}"), "amount": amount, "closedate": iso(close),
                        "dealstage": stage, "pipeline": "default", "hubspot_owner_id": owner, "createdate": iso(created),
                        "hs_lastmodifieddate": iso(at), "hs_is_closed": closed.to_string() }),
                at,
            ));
            let version = |value: &str, at: DateTime<Utc>| json!({ "value": value, "timestamp": iso(at), "sourceType": "CRM_UI" });
            data.history.insert(
                id.clone(),
                json!({
                    "dealstage": [version(stage, created + Duration::days(30)), version("appointmentscheduled", created)],
                    "amount": [version(&amount, created + Duration::days(20)), version("35000", created)],
                    "closedate": [version(&iso(close), created + Duration::days(40)), version(&iso(close - Duration::days(14)), created)]
                }),
            );
            data.associate("deals", "companies", &id, &format!("{}", 1_000_000 + company), None);
            data.associate("deals", "contacts", &id, &contact, if d % 2 == 0 { Some("Decision Maker") } else { None });
            let owner_email = format!("owner{}@{ORG_DOMAIN}", d % owners);
            let contact_email = format!("contact{}@client{company}.example", company * 2);
            let meeting_id = format!("{}", 5_000_000 + d);
            let start = created + Duration::days(12);
            let at = modified();
            data.objects.entry("meetings".into()).or_default().push(object(
                meeting_id.clone(),
                json!({ "hs_meeting_title": format!("Custody review {d}"), "hs_meeting_body": "Walked through the fee schedule.",
                        "hs_meeting_start_time": iso(start), "hs_meeting_end_time": iso(start + Duration::minutes(30)),
                        "hs_timestamp": iso(start), "hubspot_owner_id": owner, "hs_meeting_outcome": "COMPLETED",
                        "hs_lastmodifieddate": iso(at) }),
                at,
            ));
            data.associate("meetings", "deals", &meeting_id, &id, None);
            data.associate("meetings", "contacts", &meeting_id, &contact, None);
            let email_id = format!("{}", 6_000_000 + d);
            let at = modified();
            data.objects.entry("emails".into()).or_default().push(object(
                email_id.clone(),
                json!({ "hs_email_subject": format!("Proposal {d}"), "hs_email_text": "Attached is our pricing proposal.",
                        "hs_email_direction": "EMAIL", "hs_email_from_email": owner_email, "hs_email_to_email": contact_email,
                        "hs_timestamp": iso(start + Duration::days(2)), "hubspot_owner_id": owner, "hs_lastmodifieddate": iso(at) }),
                at,
            ));
            data.associate("emails", "deals", &email_id, &id, None);
        }
        data
    }
}
