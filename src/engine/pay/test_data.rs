//! Small hand-made datasets for the pay and performance tests.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::domain::*;
use crate::domain::{default_stages, StageCatalogue};
use chrono::{DateTime, NaiveDate, Utc};

pub(crate) fn ts(date: &str) -> DateTime<Utc> {
    date.parse::<NaiveDate>().unwrap().and_hms_opt(12, 0, 0).unwrap().and_utc()
}

pub(crate) fn day(date: &str) -> NaiveDate {
    date.parse().unwrap()
}

pub(crate) fn person(id: &str, role: Role, manager: Option<&str>) -> Person {
    Person {
        id: PersonId::parse(id).unwrap(),
        source: SourceName::parse("test").unwrap(),
        external_id: id.into(),
        name: format!("Person {id}"),
        emails: vec![format!("{id}@firm.example")],
        role,
        manager_id: manager.map(|m| PersonId::parse(m).unwrap()),
        timezone: "UTC".into(),
        team: Some("Institutional".into()),
        region: None,
    }
}

/// The default stages and three people: a manager and two reps.
pub(crate) fn dataset() -> Dataset {
    Dataset {
        stages: StageCatalogue::new(default_stages()),
        people: vec![
            person("mgr", Role::Manager, None),
            person("rep1", Role::Rep, Some("mgr")),
            person("rep2", Role::Rep, Some("mgr")),
        ],
        ..Dataset::default()
    }
}

/// A deal in `stage`; `won_on` sets `closed_at` (and the close date) for a won deal.
pub(crate) fn deal(id: &str, owner: &str, account: &str, stage: &str, amount_minor: i64, won_on: Option<&str>) -> Deal {
    Deal {
        id: DealId::parse(id).unwrap(),
        source: SourceName::parse("test").unwrap(),
        external_id: id.into(),
        name: format!("Deal {id}"),
        account_id: Some(AccountId::parse(account).unwrap()),
        owner_id: PersonId::parse(owner).unwrap(),
        pipeline: "default".into(),
        stage: stage.into(),
        amount: Money::new(amount_minor, Currency::USD),
        close_date: won_on.map(day),
        forecast_category: ForecastCategory::Pipeline,
        next_step: None,
        next_step_updated_at: None,
        products: vec!["custody".into()],
        revenue: RevenueType::OneOff,
        created_at: ts("2025-10-01"),
        closed_at: won_on.map(ts),
        splits: vec![],
    }
}

pub(crate) fn stage_change(id: &str, deal: &str, from: &str, to: &str, on: &str) -> DealHistory {
    DealHistory {
        id: HistoryId::parse(id).unwrap(),
        source: SourceName::parse("test").unwrap(),
        external_id: id.into(),
        deal_id: DealId::parse(deal).unwrap(),
        field: DealField::Stage,
        old_value: Some(from.into()),
        new_value: Some(to.into()),
        changed_at: ts(on),
    }
}

pub(crate) fn quota(person: &str, period: &str, amount_minor: i64) -> Quota {
    Quota {
        person_id: PersonId::parse(person).unwrap(),
        period: period.parse().unwrap(),
        amount: Money::new(amount_minor, Currency::USD),
    }
}
