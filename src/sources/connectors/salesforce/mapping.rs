//! Salesforce records → Candor records: users (with their managers), accounts, contacts,
//! opportunities (through the configured field mapping, record types and currencies), contact
//! roles and the stage catalogue. A record missing what Candor cannot do without becomes a
//! [`Problem`]; the rest of its page still lands.

use super::super::records::{self, boolean, text, Problem};
use crate::config::SalesforceConfig;
use crate::domain::{
    normalise_domain, Account, AccountId, Contact, ContactId, ContactRole, Currency, Dataset, Deal, DealContactRole,
    DealId, ForecastCategory, Person, PersonId, RevenueType, Role, Seniority, SourceName, Stage, StageStatus,
};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;

/// One page mapped: records to write, how many landed, what was wrong with the rest, and
/// item links to remember (contact-role ids, which deletions name).
#[derive(Debug, Default)]
pub(crate) struct MappedPage {
    pub data: Dataset,
    pub landed: u64,
    pub problems: Vec<Problem>,
    pub links: Vec<(String, String)>,
}

pub(crate) struct Mapper<'c> {
    pub config: &'c SalesforceConfig,
    pub source: SourceName,
    pub currency: Currency,
    pub timezone: String,
}

/// A Salesforce record id: 15 or 18 letters and digits.
pub(crate) fn is_record_id(text: &str) -> bool {
    (text.len() == 15 || text.len() == 18) && text.chars().all(|c| c.is_ascii_alphanumeric())
}

impl Mapper<'_> {
    fn person_id(&self, external: &str) -> Option<PersonId> {
        PersonId::from_source(&self.source, external).ok()
    }

    pub(crate) fn deal_id(&self, external: &str) -> Option<DealId> {
        DealId::from_source(&self.source, external).ok()
    }

    pub(crate) fn users(&self, records: &[Value], page: &mut MappedPage) {
        for record in records {
            let Some(external) = text(record, "Id") else {
                page.problems.push(Problem::new(None, Some("Id"), "record has no Id"));
                continue;
            };
            let Some(id) = self.person_id(&external) else { continue };
            let field = |name: &str| (!name.is_empty()).then(|| text(record, name)).flatten();
            let timezone = text(record, "TimeZoneSidKey")
                .filter(|tz| tz.parse::<chrono_tz::Tz>().is_ok())
                .unwrap_or_else(|| self.timezone.clone());
            page.data.people.push(Person {
                id,
                source: self.source.clone(),
                name: text(record, "Name").unwrap_or_else(|| external.clone()),
                emails: text(record, "Email").map(|e| e.to_lowercase()).into_iter().collect(),
                role: Role::Rep,
                manager_id: text(record, "ManagerId").and_then(|m| self.person_id(&m)),
                timezone,
                team: field(&self.config.fields.user_team),
                region: field(&self.config.fields.user_region),
                external_id: external,
            });
            page.landed += 1;
        }
    }

    pub(crate) fn accounts(&self, records: &[Value], page: &mut MappedPage) {
        for record in records {
            let Some(external) = text(record, "Id") else {
                page.problems.push(Problem::new(None, Some("Id"), "record has no Id"));
                continue;
            };
            let Ok(id) = AccountId::from_source(&self.source, &external) else { continue };
            let field = |name: &str| (!name.is_empty()).then(|| text(record, name)).flatten();
            page.data.accounts.push(Account {
                id,
                source: self.source.clone(),
                name: text(record, "Name").unwrap_or_else(|| external.clone()),
                domains: text(record, "Website").and_then(|w| normalise_domain(&w)).into_iter().collect(),
                segment: field(&self.config.fields.account_segment),
                sector: field(&self.config.fields.account_sector),
                external_id: external,
            });
            page.landed += 1;
        }
    }

    pub(crate) fn contacts(&self, records: &[Value], page: &mut MappedPage) {
        for record in records {
            let Some(external) = text(record, "Id") else {
                page.problems.push(Problem::new(None, Some("Id"), "record has no Id"));
                continue;
            };
            let Ok(id) = ContactId::from_source(&self.source, &external) else { continue };
            let title = text(record, "Title");
            page.data.contacts.push(Contact {
                id,
                source: self.source.clone(),
                account_id: text(record, "AccountId").and_then(|a| AccountId::from_source(&self.source, &a).ok()),
                name: text(record, "Name").unwrap_or_else(|| external.clone()),
                email: text(record, "Email").map(|e| e.to_lowercase()),
                seniority: title.as_deref().map(Seniority::from_title).unwrap_or(Seniority::Individual),
                title,
                external_id: external,
            });
            page.landed += 1;
        }
    }

    /// The pipeline an opportunity belongs to, by its record type.
    fn pipeline(&self, record: &Value) -> String {
        text(record, "RecordType.DeveloperName")
            .and_then(|rt| self.config.record_type_pipelines.get(&rt).cloned())
            .unwrap_or_else(|| self.config.pipeline.clone())
    }

    /// The stage key for a `StageName`.
    pub(crate) fn stage_key(&self, stage_name: &str) -> String {
        self.config.stage_map.get(stage_name).cloned().unwrap_or_else(|| stage_name.to_owned())
    }

    pub(crate) fn currency_of(&self, record: &Value) -> Result<Currency, String> {
        match text(record, "CurrencyIsoCode") {
            Some(code) if self.config.multi_currency => Currency::parse(&code).map_err(|e| e.to_string()),
            _ => Ok(self.currency),
        }
    }

    pub(crate) fn opportunities(&self, records: &[Value], page: &mut MappedPage) {
        for record in records {
            match self.opportunity(record) {
                Ok(deal) => {
                    page.data.deals.push(deal);
                    page.landed += 1;
                }
                Err(problem) => page.problems.push(problem),
            }
        }
    }

    fn opportunity(&self, record: &Value) -> Result<Deal, Problem> {
        let external = text(record, "Id").ok_or_else(|| Problem::new(None, Some("Id"), "record has no Id"))?;
        let problem = |field: &str, reason: String| Problem::new(Some(&external), Some(field), reason);
        let id = self.deal_id(&external).ok_or_else(|| problem("Id", "invalid id".into()))?;
        let fields = &self.config.fields;
        let owner_id = text(record, "OwnerId")
            .and_then(|o| self.person_id(&o))
            .ok_or_else(|| problem("OwnerId", "no owner".into()))?;
        let currency = self.currency_of(record).map_err(|e| problem("CurrencyIsoCode", e))?;
        let amount = match records::money(record, &fields.amount, currency) {
            Some(Ok(money)) => money,
            Some(Err(error)) => return Err(problem(&fields.amount, error.to_string())),
            None => crate::domain::Money::zero(currency),
        };
        let close_date = match text(record, "CloseDate") {
            Some(raw) => {
                Some(records::parse_date(&raw).ok_or_else(|| problem("CloseDate", format!("{raw:?} is not a date")))?)
            }
            None => None,
        };
        let created_at = records::timestamp(record, "CreatedDate")
            .ok_or_else(|| problem("CreatedDate", "missing or not a timestamp".into()))?;
        let stage_name = text(record, "StageName").ok_or_else(|| problem("StageName", "no stage".into()))?;
        let is_closed = boolean(record, "IsClosed").unwrap_or(false);
        let forecast_category = text(record, &fields.forecast_category)
            .and_then(|f| ForecastCategory::from_str(&f).ok())
            .unwrap_or(if is_closed { ForecastCategory::Closed } else { ForecastCategory::Pipeline });
        let products = if fields.products.is_empty() {
            Vec::new()
        } else {
            text(record, &fields.products)
                .map(|p| p.split(';').map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect())
                .unwrap_or_default()
        };
        let term = (!fields.term_months.is_empty())
            .then(|| text(record, &fields.term_months))
            .flatten()
            .and_then(|t| t.parse::<f64>().ok())
            .filter(|t| *t >= 1.0 && *t <= f64::from(u16::MAX));
        Ok(Deal {
            id,
            source: self.source.clone(),
            name: text(record, "Name").unwrap_or_else(|| external.clone()),
            account_id: text(record, "AccountId").and_then(|a| AccountId::from_source(&self.source, &a).ok()),
            owner_id,
            pipeline: self.pipeline(record),
            stage: self.stage_key(&stage_name),
            amount,
            close_date,
            forecast_category,
            next_step: (!fields.next_step.is_empty()).then(|| text(record, &fields.next_step)).flatten(),
            next_step_updated_at: None,
            products,
            revenue: match term {
                Some(months) => RevenueType::Recurring { term_months: months.round() as u16 },
                None => RevenueType::OneOff,
            },
            created_at,
            closed_at: if is_closed {
                close_date.and_then(|d| d.and_hms_opt(0, 0, 0)).map(|t| t.and_utc())
            } else {
                None
            },
            splits: Vec::new(),
            external_id: external,
        })
    }

    pub(crate) fn contact_roles(&self, records: &[Value], page: &mut MappedPage) {
        for record in records {
            let external = text(record, "Id");
            let deal = text(record, "OpportunityId").and_then(|o| self.deal_id(&o));
            let contact = text(record, "ContactId").and_then(|c| ContactId::from_source(&self.source, &c).ok());
            let (Some(external), Some(deal_id), Some(contact_id)) = (external.clone(), deal, contact) else {
                page.problems.push(Problem::new(external.as_deref(), None, "needs Id, OpportunityId and ContactId"));
                continue;
            };
            let role = text(record, "Role").and_then(|r| ContactRole::from_str(&r).ok()).unwrap_or(ContactRole::Other);
            page.links.push((external, encode_role(&deal_id, &contact_id, role)));
            page.data.contact_roles.push(DealContactRole { deal_id, contact_id, role });
            page.landed += 1;
        }
    }

    /// `OpportunityStage` rows → one stage per row in each pipeline opportunities land in.
    pub(crate) fn stages(&self, records: &[Value]) -> Vec<Stage> {
        let mut pipelines: BTreeSet<String> = self.config.record_type_pipelines.values().cloned().collect();
        pipelines.insert(self.config.pipeline.clone());
        let mut stages = Vec::new();
        for record in records {
            let Some(key) = text(record, "ApiName").or_else(|| text(record, "MasterLabel")) else { continue };
            let status = match (boolean(record, "IsClosed"), boolean(record, "IsWon")) {
                (Some(true), Some(true)) => StageStatus::Won,
                (Some(true), _) => StageStatus::Lost,
                _ => StageStatus::Open,
            };
            let probability = text(record, "DefaultProbability").and_then(|p| p.parse::<f64>().ok()).unwrap_or(0.0);
            for pipeline in &pipelines {
                stages.push(Stage {
                    pipeline: pipeline.clone(),
                    key: key.clone(),
                    label: text(record, "MasterLabel").unwrap_or_else(|| key.clone()),
                    order: text(record, "SortOrder").and_then(|o| o.parse::<f64>().ok()).unwrap_or(0.0) as i64,
                    probability: probability.clamp(0.0, 100.0).round() as u8,
                    status,
                });
            }
        }
        stages
    }
}

const ROLE_SEPARATOR: char = '\u{1f}';

/// How a contact role is remembered against its Salesforce id, so a deletion can find it.
pub(crate) fn encode_role(deal: &DealId, contact: &ContactId, role: ContactRole) -> String {
    format!("{deal}{ROLE_SEPARATOR}{contact}{ROLE_SEPARATOR}{}", role.as_str())
}

pub(crate) fn decode_role(text: &str) -> Option<DealContactRole> {
    let mut parts = text.split(ROLE_SEPARATOR);
    let deal_id = DealId::parse(parts.next()?).ok()?;
    let contact_id = ContactId::parse(parts.next()?).ok()?;
    let role = ContactRole::from_str(parts.next()?).ok()?;
    Some(DealContactRole { deal_id, contact_id, role })
}

/// Roles from the reporting lines: someone with reports is a manager, or a leader when nobody
/// is above them. Returns the people whose role changes.
pub(crate) fn derive_roles(people: &[Person]) -> Vec<Person> {
    let mut has_reports: BTreeMap<&PersonId, bool> = BTreeMap::new();
    for person in people {
        if let Some(manager) = &person.manager_id {
            if manager != &person.id {
                has_reports.insert(manager, true);
            }
        }
    }
    people
        .iter()
        .filter_map(|person| {
            let role = match (has_reports.contains_key(&person.id), person.manager_id.is_some()) {
                (true, true) => Role::Manager,
                (true, false) => Role::Leader,
                (false, _) => Role::Rep,
            };
            (role != person.role).then(|| Person { role, ..person.clone() })
        })
        .collect()
}
