//! HubSpot objects → Candor records: owners, pipelines and stages (probabilities from stage
//! metadata), companies, contacts, deals with their company, contacts (association labels as
//! roles) and the history of stage, close date and amount, and meetings and emails.

use super::super::activity::ActivityRecord;
use super::super::records::{self, text, Problem};
use super::api::Associated;
use crate::config::HubspotConfig;
use crate::domain::{
    normalise_domain, Account, AccountId, ActivityKind, Contact, ContactId, ContactRole, Currency, Deal,
    DealContactRole, DealField, DealHistory, DealId, ForecastCategory, HistoryId, Money, Participant, ParticipantRole,
    Person, PersonId, RevenueType, Role, Seniority, SourceName, Stage, StageStatus,
};
use crate::sources::ingest::activities::ActivityDraft;
use crate::sources::ingest::identity::normalise_address;
use serde_json::Value;
use std::collections::HashMap;
use std::str::FromStr;

pub(crate) const DEAL_PROPERTIES: &[&str] = &[
    "dealname",
    "amount",
    "closedate",
    "dealstage",
    "pipeline",
    "hubspot_owner_id",
    "createdate",
    "hs_lastmodifieddate",
    "deal_currency_code",
    "hs_is_closed",
];
pub(crate) const HISTORY_PROPERTIES: &[&str] = &["dealstage", "closedate", "amount"];

pub(crate) struct Mapper<'c> {
    pub config: &'c HubspotConfig,
    pub source: SourceName,
    pub currency: Currency,
    pub timezone: String,
}

fn prop(record: &Value, name: &str) -> Option<String> {
    text(record, &format!("properties.{name}"))
}

fn id_of(record: &Value) -> Option<String> {
    text(record, "id")
}

impl Mapper<'_> {
    pub(crate) fn person_id(&self, owner: &str) -> Option<PersonId> {
        PersonId::from_source(&self.source, owner).ok()
    }

    pub(crate) fn owner(&self, record: &Value) -> Result<Person, Problem> {
        let external = id_of(record).ok_or_else(|| Problem::new(None, Some("id"), "owner has no id"))?;
        let id = self.person_id(&external).ok_or_else(|| Problem::new(Some(&external), Some("id"), "invalid id"))?;
        let email = text(record, "email").and_then(|e| normalise_address(&e));
        let name =
            [text(record, "firstName"), text(record, "lastName")].into_iter().flatten().collect::<Vec<_>>().join(" ");
        let team = record
            .get("teams")
            .and_then(Value::as_array)
            .and_then(|teams| teams.iter().find(|t| records::boolean(t, "primary") == Some(true)).or(teams.first()))
            .and_then(|t| text(t, "name"));
        Ok(Person {
            id,
            source: self.source.clone(),
            name: if name.is_empty() { email.clone().unwrap_or_else(|| external.clone()) } else { name },
            emails: email.into_iter().collect(),
            role: Role::Rep,
            manager_id: None,
            timezone: self.timezone.clone(),
            team,
            region: None,
            external_id: external,
        })
    }

    pub(crate) fn stages(&self, pipelines: &[Value]) -> Vec<Stage> {
        let mut stages = Vec::new();
        for pipeline in pipelines {
            let Some(pipeline_id) = id_of(pipeline) else { continue };
            for stage in pipeline.get("stages").and_then(Value::as_array).into_iter().flatten() {
                let Some(key) = id_of(stage) else { continue };
                let probability =
                    text(stage, "metadata.probability").and_then(|p| p.parse::<f64>().ok()).unwrap_or(0.0);
                let closed = records::boolean(stage, "metadata.isClosed").unwrap_or(false);
                let status = match (closed, probability >= 1.0) {
                    (true, true) => StageStatus::Won,
                    (true, false) => StageStatus::Lost,
                    _ => StageStatus::Open,
                };
                stages.push(Stage {
                    pipeline: pipeline_id.clone(),
                    label: text(stage, "label").unwrap_or_else(|| key.clone()),
                    key,
                    order: text(stage, "displayOrder").and_then(|o| o.parse::<i64>().ok()).unwrap_or(0),
                    probability: (probability * 100.0).clamp(0.0, 100.0).round() as u8,
                    status,
                });
            }
        }
        stages
    }

    pub(crate) fn company(&self, record: &Value) -> Result<Account, Problem> {
        let external = id_of(record).ok_or_else(|| Problem::new(None, Some("id"), "company has no id"))?;
        let id = AccountId::from_source(&self.source, &external)
            .map_err(|e| Problem::new(Some(&external), Some("id"), e.to_string()))?;
        Ok(Account {
            id,
            source: self.source.clone(),
            name: prop(record, "name").unwrap_or_else(|| external.clone()),
            domains: prop(record, "domain").and_then(|d| normalise_domain(&d)).into_iter().collect(),
            segment: prop(record, "type"),
            sector: prop(record, "industry"),
            external_id: external,
        })
    }

    pub(crate) fn contact(&self, record: &Value) -> Result<Contact, Problem> {
        let external = id_of(record).ok_or_else(|| Problem::new(None, Some("id"), "contact has no id"))?;
        let id = ContactId::from_source(&self.source, &external)
            .map_err(|e| Problem::new(Some(&external), Some("id"), e.to_string()))?;
        let email = prop(record, "email").and_then(|e| normalise_address(&e));
        let name =
            [prop(record, "firstname"), prop(record, "lastname")].into_iter().flatten().collect::<Vec<_>>().join(" ");
        let title = prop(record, "jobtitle");
        Ok(Contact {
            id,
            source: self.source.clone(),
            account_id: prop(record, "associatedcompanyid").and_then(|c| AccountId::from_source(&self.source, &c).ok()),
            name: if name.is_empty() { email.clone().unwrap_or_else(|| external.clone()) } else { name },
            email,
            seniority: title.as_deref().map(Seniority::from_title).unwrap_or(Seniority::Individual),
            title,
            external_id: external,
        })
    }

    fn deal_currency(&self, record: &Value) -> Result<Currency, String> {
        match prop(record, "deal_currency_code") {
            Some(code) => Currency::parse(&code).map_err(|e| e.to_string()),
            None => Ok(self.currency),
        }
    }

    /// A deal with its associated company and contacts; the history comes separately.
    pub(crate) fn deal(
        &self,
        record: &Value,
        companies: Option<&Vec<Associated>>,
        contacts: Option<&Vec<Associated>>,
    ) -> Result<(Deal, Vec<DealContactRole>), Problem> {
        let external = id_of(record).ok_or_else(|| Problem::new(None, Some("id"), "deal has no id"))?;
        let problem = |field: &str, reason: String| Problem::new(Some(&external), Some(field), reason);
        let id = DealId::from_source(&self.source, &external).map_err(|e| problem("id", e.to_string()))?;
        let owner_id = prop(record, "hubspot_owner_id")
            .and_then(|o| self.person_id(&o))
            .ok_or_else(|| problem("hubspot_owner_id", "deal has no owner".into()))?;
        let currency = self.deal_currency(record).map_err(|e| problem("deal_currency_code", e))?;
        let amount = match records::money(record, "properties.amount", currency) {
            Some(Ok(money)) => money,
            Some(Err(error)) => return Err(problem("amount", error.to_string())),
            None => Money::zero(currency),
        };
        let close_date = match prop(record, "closedate") {
            Some(raw) => {
                Some(records::parse_date(&raw).ok_or_else(|| problem("closedate", format!("{raw:?} is not a date")))?)
            }
            None => None,
        };
        let created_at = prop(record, "createdate")
            .and_then(|c| records::parse_timestamp(&c))
            .or_else(|| records::timestamp(record, "createdAt"))
            .ok_or_else(|| problem("createdate", "missing or not a timestamp".into()))?;
        let stage = prop(record, "dealstage").ok_or_else(|| problem("dealstage", "deal has no stage".into()))?;
        let closed = prop(record, "hs_is_closed").is_some_and(|c| c == "true");
        let forecast_category = prop(record, &self.config.forecast_category_property)
            .and_then(|f| ForecastCategory::from_str(&f).ok())
            .unwrap_or(if closed { ForecastCategory::Closed } else { ForecastCategory::Pipeline });
        let account_id =
            companies.and_then(|c| c.first()).and_then(|c| AccountId::from_source(&self.source, &c.id).ok());
        let roles = contacts
            .into_iter()
            .flatten()
            .filter_map(|contact| {
                let contact_id = ContactId::from_source(&self.source, &contact.id).ok()?;
                let role =
                    contact.labels.iter().find_map(|l| ContactRole::from_str(l).ok()).unwrap_or(ContactRole::Other);
                Some(DealContactRole { deal_id: id.clone(), contact_id, role })
            })
            .collect();
        let deal = Deal {
            id,
            source: self.source.clone(),
            name: prop(record, "dealname").unwrap_or_else(|| external.clone()),
            account_id,
            owner_id,
            pipeline: prop(record, "pipeline").unwrap_or_else(|| "default".to_owned()),
            stage,
            amount,
            close_date,
            forecast_category,
            next_step: prop(record, &self.config.next_step_property),
            next_step_updated_at: None,
            products: Vec::new(),
            revenue: RevenueType::OneOff,
            created_at,
            closed_at: if closed { close_date.and_then(|d| d.and_hms_opt(0, 0, 0)).map(|t| t.and_utc()) } else { None },
            splits: Vec::new(),
            external_id: external,
        };
        Ok((deal, roles))
    }

    /// The changes in a deal's `propertiesWithHistory`, oldest first, each against the value
    /// before it; ids derive from deal, property and time, so re-reading changes nothing.
    pub(crate) fn deal_history(&self, record: &Value, currency: Currency) -> Vec<DealHistory> {
        let Some(external) = id_of(record) else { return Vec::new() };
        let Ok(deal_id) = DealId::from_source(&self.source, &external) else { return Vec::new() };
        let mut out = Vec::new();
        for property in HISTORY_PROPERTIES {
            let field = match *property {
                "dealstage" => DealField::Stage,
                "closedate" => DealField::CloseDate,
                _ => DealField::Amount,
            };
            let path = format!("propertiesWithHistory.{property}");
            let mut versions: Vec<(chrono::DateTime<chrono::Utc>, Option<String>)> = records::field(record, &path)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|v| {
                    let at = records::timestamp(v, "timestamp")?;
                    let raw = text(v, "value");
                    let value = match field {
                        DealField::CloseDate => {
                            raw.and_then(|r| records::parse_date(&r)).map(|d| d.format("%Y-%m-%d").to_string())
                        }
                        DealField::Amount => {
                            raw.and_then(|r| records::money_from_text(&r, currency).ok()).map(|m| m.minor.to_string())
                        }
                        _ => raw,
                    };
                    Some((at, value))
                })
                .collect();
            versions.sort_by_key(|a| a.0);
            let mut previous: Option<String> = None;
            for (at, value) in versions {
                if value == previous {
                    continue;
                }
                let external_id = format!("{external}:{property}:{}", at.timestamp_millis());
                if let Ok(id) = HistoryId::from_source(&self.source, &external_id) {
                    out.push(DealHistory {
                        id,
                        source: self.source.clone(),
                        external_id,
                        deal_id: deal_id.clone(),
                        field,
                        old_value: previous.clone(),
                        new_value: value.clone(),
                        changed_at: at,
                    });
                }
                previous = value;
            }
        }
        out
    }

    /// A meeting or email engagement; `owners` gives owner emails, `contacts` contact emails.
    pub(crate) fn engagement(
        &self,
        kind: ActivityKind,
        record: &Value,
        owners: &HashMap<String, String>,
        contacts: &[String],
        deals: &[Associated],
    ) -> Result<ActivityRecord, Problem> {
        let external = id_of(record).ok_or_else(|| Problem::new(None, Some("id"), "engagement has no id"))?;
        let (start_property, subject_property, body_property) = match kind {
            ActivityKind::Meeting => ("hs_meeting_start_time", "hs_meeting_title", "hs_meeting_body"),
            _ => ("hs_timestamp", "hs_email_subject", "hs_email_text"),
        };
        let occurred_at = prop(record, start_property)
            .or_else(|| prop(record, "hs_timestamp"))
            .and_then(|t| records::parse_timestamp(&t))
            .ok_or_else(|| Problem::new(Some(&external), Some(start_property), "missing or not a timestamp"))?;
        let owner = prop(record, "hubspot_owner_id").and_then(|o| owners.get(&o).cloned());
        let mut participants: Vec<Participant> = Vec::new();
        fn add(participants: &mut Vec<Participant>, address: Option<String>, role: ParticipantRole) {
            if let Some(address) = address.and_then(|a| normalise_address(&a)) {
                if !participants.iter().any(|p| p.address == address) {
                    participants.push(Participant { address, name: None, role, party: None });
                }
            }
        }
        if kind == ActivityKind::Meeting {
            add(&mut participants, owner, ParticipantRole::Organizer);
            for contact in contacts {
                add(&mut participants, Some(contact.clone()), ParticipantRole::Attendee);
            }
        } else {
            add(&mut participants, prop(record, "hs_email_from_email").or(owner), ParticipantRole::From);
            for (property, role) in
                [("hs_email_to_email", ParticipantRole::To), ("hs_email_cc_email", ParticipantRole::Cc)]
            {
                for address in prop(record, property).unwrap_or_default().split([';', ',']) {
                    add(&mut participants, Some(address.to_owned()), role);
                }
            }
            if !participants.iter().any(|p| p.role == ParticipantRole::To) {
                for contact in contacts {
                    add(&mut participants, Some(contact.clone()), ParticipantRole::To);
                }
            }
        }
        let duration = (kind == ActivityKind::Meeting)
            .then(|| prop(record, "hs_meeting_end_time").and_then(|e| records::parse_timestamp(&e)))
            .flatten()
            .and_then(|end| u32::try_from((end - occurred_at).num_minutes()).ok());
        Ok(ActivityRecord {
            deals: deals.iter().filter_map(|d| DealId::from_source(&self.source, &d.id).ok()).collect(),
            draft: ActivityDraft {
                source: self.source.clone(),
                external_id: external,
                kind,
                occurred_at,
                duration_minutes: duration,
                subject: prop(record, subject_property),
                body: prop(record, body_property),
                thread_id: prop(record, "hs_email_thread_id"),
                participants,
            },
        })
    }
}
