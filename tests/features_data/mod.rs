//! A small hand-made organisation for the risk-engine tests: one team, one account with three
//! buyer contacts of different seniority, and helpers to add deals, history and activities.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use candor::config::Config;
use candor::domain::*;
use candor::engine::risk::Settings;
use chrono::{DateTime, Duration, NaiveDate, Utc};

pub fn ts(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
}

pub fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

pub fn settings() -> Settings {
    Config::default().risk_settings()
}

#[derive(Clone)]
pub struct Org {
    pub data: Dataset,
    source: SourceName,
    next_row: usize,
}

impl Default for Org {
    fn default() -> Self {
        Self::new()
    }
}

impl Org {
    pub fn new() -> Self {
        let source = SourceName::parse("test").unwrap();
        let person = |id: &str, role, manager: Option<&str>| Person {
            id: PersonId::parse(id).unwrap(),
            source: source.clone(),
            external_id: id.into(),
            name: format!("Person {id}"),
            emails: vec![format!("{id}@northbridge.example")],
            role,
            manager_id: manager.map(|m| PersonId::parse(m).unwrap()),
            timezone: "Europe/London".into(),
            team: Some("Custody".into()),
            region: None,
        };
        let contact = |id: &str, title: &str| Contact {
            id: ContactId::parse(id).unwrap(),
            source: source.clone(),
            external_id: id.into(),
            account_id: Some(AccountId::parse("acme").unwrap()),
            name: format!("Contact {id}"),
            email: Some(format!("{id}@acme.example")),
            title: Some(title.into()),
            seniority: Seniority::from_title(title),
        };
        let data = Dataset {
            stages: Config::default().stage_catalogue(),
            people: vec![
                person("lead", Role::Leader, None),
                person("mgr", Role::Manager, Some("lead")),
                person("rep1", Role::Rep, Some("mgr")),
                person("rep2", Role::Rep, Some("mgr")),
            ],
            accounts: vec![Account {
                id: AccountId::parse("acme").unwrap(),
                source: source.clone(),
                external_id: "acme".into(),
                name: "Acme Pension Fund".into(),
                domains: vec!["acme.example".into()],
                segment: Some("enterprise".into()),
                sector: Some("pensions".into()),
            }],
            contacts: vec![
                contact("champ", "Operations Manager"),
                contact("cfo", "Chief Financial Officer"),
                contact("analyst", "Analyst"),
            ],
            quotas: vec![
                Quota {
                    person_id: PersonId::parse("rep1").unwrap(),
                    period: "FY2026-Q4".parse().unwrap(),
                    amount: Money::new(50_000_000, Currency::USD),
                },
                Quota {
                    person_id: PersonId::parse("rep2").unwrap(),
                    period: "FY2026-Q4".parse().unwrap(),
                    amount: Money::new(30_000_000, Currency::USD),
                },
            ],
            ..Dataset::default()
        };
        Self { data, source, next_row: 0 }
    }

    fn row_id(&mut self, prefix: &str) -> String {
        self.next_row += 1;
        format!("{prefix}{:05}", self.next_row)
    }

    /// Adds an open or closed deal with the given current fields; returns its id.
    pub fn deal(&mut self, id: &str, owner: &str, stage: &str, amount: i64, close: &str, created: &str) -> DealId {
        let deal_id = DealId::parse(id).unwrap();
        let closed = matches!(stage, "closed_won" | "closed_lost");
        self.data.deals.push(Deal {
            id: deal_id.clone(),
            source: self.source.clone(),
            external_id: id.into(),
            name: format!("Acme – {id}"),
            account_id: Some(AccountId::parse("acme").unwrap()),
            owner_id: PersonId::parse(owner).unwrap(),
            pipeline: "default".into(),
            stage: stage.into(),
            amount: Money::new(amount, Currency::USD),
            close_date: Some(day(close)),
            forecast_category: if closed { ForecastCategory::Closed } else { ForecastCategory::Pipeline },
            next_step: None,
            next_step_updated_at: None,
            products: vec!["custody".into()],
            revenue: RevenueType::OneOff,
            created_at: ts(created),
            closed_at: closed.then(|| ts(&format!("{close}T12:00:00Z"))),
            splits: Vec::new(),
        });
        deal_id
    }

    pub fn deal_mut(&mut self, id: &DealId) -> &mut Deal {
        self.data.deals.iter_mut().find(|d| &d.id == id).unwrap()
    }

    /// Records a change of `field`; returns the history id.
    pub fn change(&mut self, deal: &DealId, field: DealField, old: Option<&str>, new: &str, at: &str) -> HistoryId {
        let external = self.row_id("h");
        let id = HistoryId::parse(external.clone()).unwrap();
        self.data.history.push(DealHistory {
            id: id.clone(),
            source: self.source.clone(),
            external_id: external,
            deal_id: deal.clone(),
            field,
            old_value: old.map(str::to_owned),
            new_value: Some(new.to_owned()),
            changed_at: ts(at),
        });
        id
    }

    /// Records an activity on `deal` with buyer `contacts` taking part; returns its id.
    pub fn activity(
        &mut self,
        deal: &DealId,
        kind: ActivityKind,
        direction: Direction,
        at: DateTime<Utc>,
        contacts: &[&str],
    ) -> ActivityId {
        let external = self.row_id("a");
        let id = ActivityId::parse(external.clone()).unwrap();
        let role = match (kind, direction) {
            (ActivityKind::Email, Direction::Inbound) => ParticipantRole::From,
            (ActivityKind::Email, _) => ParticipantRole::To,
            _ => ParticipantRole::Attendee,
        };
        self.data.activities.push(Activity {
            id: id.clone(),
            source: self.source.clone(),
            external_id: external,
            kind,
            direction,
            occurred_at: at,
            duration_minutes: None,
            subject: Some("Custody proposal".into()),
            snippet: None,
            thread_id: None,
            participants: contacts
                .iter()
                .map(|c| Participant {
                    address: format!("{c}@acme.example"),
                    name: None,
                    role,
                    party: Some(Party::Contact(ContactId::parse(*c).unwrap())),
                })
                .collect(),
            deals: vec![DealLink { deal_id: deal.clone(), rule: "test".into(), confidence: 1.0 }],
        });
        id
    }

    pub fn role(&mut self, deal: &DealId, contact: &str, role: ContactRole) {
        self.data.contact_roles.push(DealContactRole {
            deal_id: deal.clone(),
            contact_id: ContactId::parse(contact).unwrap(),
            role,
        });
    }

    /// A deal won after spending `stage_days` in qualify, discover, solution, proposal and
    /// negotiate, created at `created`, with its full stage history.
    pub fn won_deal(&mut self, id: &str, created: &str, stage_days: [i64; 5]) -> DealId {
        let start = ts(created);
        let total: i64 = stage_days.iter().sum();
        let closed = start + Duration::days(total);
        let deal = self.deal(id, "rep2", "closed_won", 1_000_000, &closed.date_naive().to_string(), created);
        let keys = ["qualify", "discover", "solution", "proposal", "negotiate", "closed_won"];
        let mut at = start;
        self.change(&deal, DealField::Stage, None, "qualify", &start.to_rfc3339());
        for (i, days) in stage_days.iter().enumerate() {
            at += Duration::days(*days);
            self.change(&deal, DealField::Stage, Some(keys[i]), keys[i + 1], &at.to_rfc3339());
        }
        self.deal_mut(&deal).closed_at = Some(closed);
        deal
    }
}
