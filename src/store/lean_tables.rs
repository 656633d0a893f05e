//! The smaller tables of the engine's lean load (stages, products, people, accounts, contacts,
//! deals, roles, quotas, keyword signals), read through the native SQLite connection the large
//! tables stream over.

use super::codec::{corrupt, parse_date, parse_enum, parse_json, parse_timestamp};
use super::StoreError;
use crate::domain::*;
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection};
use std::str::FromStr;

fn source(table: &'static str, id: &str, text: &str) -> Result<SourceName, StoreError> {
    SourceName::parse(text).map_err(|e| corrupt(table, id, "source", e))
}

fn currency(table: &'static str, id: &str, text: &str) -> Result<Currency, StoreError> {
    Currency::parse(text).map_err(|e| corrupt(table, id, "currency", e))
}

fn optional_id<T>(
    table: &'static str,
    id: &str,
    field: &'static str,
    text: Option<&str>,
    parse: fn(String) -> Result<T, IdError>,
) -> Result<Option<T>, StoreError> {
    text.map(|t| parse(t.to_owned()).map_err(|e| corrupt(table, id, field, e))).transpose()
}

async fn rows(connection: &mut SqliteConnection, sql: &str) -> Result<Vec<SqliteRow>, StoreError> {
    Ok(sqlx::query(sql).fetch_all(connection).await?)
}

/// Everything but activities and deal history.
pub async fn small_tables(connection: &mut SqliteConnection) -> Result<Dataset, StoreError> {
    let mut data = Dataset::default();
    let mut stages = Vec::new();
    for row in
        rows(connection, "SELECT pipeline, stage_key, label, sort_order, probability, status FROM stages").await?
    {
        let key: String = row.try_get(1)?;
        let status: &str = row.try_get(5)?;
        stages.push(Stage {
            pipeline: row.try_get(0)?,
            status: StageStatus::from_str(status).map_err(|e| corrupt("stages", &key, "status", e))?,
            label: row.try_get(2)?,
            order: row.try_get(3)?,
            probability: u8::try_from(row.try_get::<i64, _>(4)?.clamp(0, 100)).unwrap_or(0),
            key,
        });
    }
    data.stages = StageCatalogue::new(stages);

    let sql = "SELECT product_key, name, family, list_price_minor, currency FROM products ORDER BY product_key";
    for row in rows(connection, sql).await? {
        let key: String = row.try_get(0)?;
        let list_price = match (row.try_get::<Option<i64>, _>(3)?, row.try_get::<Option<&str>, _>(4)?) {
            (Some(minor), Some(code)) => Some(Money::new(minor, currency("products", &key, code)?)),
            _ => None,
        };
        data.products.push(Product { name: row.try_get(1)?, family: row.try_get(2)?, list_price, key });
    }

    let sql = "SELECT id, source, external_id, name, emails, role, manager_id, timezone, team, region FROM people ORDER BY id";
    for row in rows(connection, sql).await? {
        let id: &str = row.try_get(0)?;
        let t = "people";
        data.people.push(Person {
            id: PersonId::parse(id).map_err(|e| corrupt(t, id, "id", e))?,
            source: source(t, id, row.try_get(1)?)?,
            external_id: row.try_get(2)?,
            name: row.try_get(3)?,
            emails: parse_json(t, id, "emails", row.try_get(4)?)?,
            role: Role::from_str(row.try_get(5)?).map_err(|e| corrupt(t, id, "role", e))?,
            manager_id: optional_id(t, id, "manager_id", row.try_get(6)?, PersonId::parse)?,
            timezone: row.try_get(7)?,
            team: row.try_get(8)?,
            region: row.try_get(9)?,
        });
    }

    let sql = "SELECT id, source, external_id, name, domains, segment, sector FROM accounts ORDER BY id";
    for row in rows(connection, sql).await? {
        let id: &str = row.try_get(0)?;
        let t = "accounts";
        data.accounts.push(Account {
            id: AccountId::parse(id).map_err(|e| corrupt(t, id, "id", e))?,
            source: source(t, id, row.try_get(1)?)?,
            external_id: row.try_get(2)?,
            name: row.try_get(3)?,
            domains: parse_json(t, id, "domains", row.try_get(4)?)?,
            segment: row.try_get(5)?,
            sector: row.try_get(6)?,
        });
    }

    let sql = "SELECT id, source, external_id, account_id, name, email, title, seniority FROM contacts ORDER BY id";
    for row in rows(connection, sql).await? {
        let id: &str = row.try_get(0)?;
        let t = "contacts";
        let seniority: &str = row.try_get(7)?;
        data.contacts.push(Contact {
            id: ContactId::parse(id).map_err(|e| corrupt(t, id, "id", e))?,
            source: source(t, id, row.try_get(1)?)?,
            external_id: row.try_get(2)?,
            account_id: optional_id(t, id, "account_id", row.try_get(3)?, AccountId::parse)?,
            name: row.try_get(4)?,
            email: row.try_get(5)?,
            title: row.try_get(6)?,
            seniority: Seniority::parse(seniority).ok_or_else(|| corrupt(t, id, "seniority", seniority))?,
        });
    }

    let sql = "SELECT id, source, external_id, name, account_id, owner_id, pipeline, stage, amount_minor, currency, \
               close_date, forecast_category, next_step, next_step_updated_at, products, revenue_type, term_months, \
               created_at, closed_at, splits FROM deals ORDER BY id";
    for row in rows(connection, sql).await? {
        let id: &str = row.try_get(0)?;
        let t = "deals";
        let revenue = match row.try_get::<&str, _>(15)? {
            "recurring" => RevenueType::Recurring {
                term_months: u16::try_from(row.try_get::<Option<i64>, _>(16)?.unwrap_or(12)).unwrap_or(u16::MAX),
            },
            _ => RevenueType::OneOff,
        };
        data.deals.push(Deal {
            id: DealId::parse(id).map_err(|e| corrupt(t, id, "id", e))?,
            source: source(t, id, row.try_get(1)?)?,
            external_id: row.try_get(2)?,
            name: row.try_get(3)?,
            account_id: optional_id(t, id, "account_id", row.try_get(4)?, AccountId::parse)?,
            owner_id: PersonId::parse(row.try_get::<&str, _>(5)?).map_err(|e| corrupt(t, id, "owner_id", e))?,
            pipeline: row.try_get(6)?,
            stage: row.try_get(7)?,
            amount: Money::new(row.try_get(8)?, currency(t, id, row.try_get(9)?)?),
            close_date: row.try_get::<Option<&str>, _>(10)?.map(|d| parse_date(t, id, "close_date", d)).transpose()?,
            forecast_category: ForecastCategory::from_str(row.try_get(11)?)
                .map_err(|e| corrupt(t, id, "forecast_category", e))?,
            next_step: row.try_get(12)?,
            next_step_updated_at: row
                .try_get::<Option<&str>, _>(13)?
                .map(|d| parse_timestamp(t, id, "next_step_updated_at", d))
                .transpose()?,
            products: parse_json(t, id, "products", row.try_get(14)?)?,
            revenue,
            created_at: parse_timestamp(t, id, "created_at", row.try_get(17)?)?,
            closed_at: row
                .try_get::<Option<&str>, _>(18)?
                .map(|d| parse_timestamp(t, id, "closed_at", d))
                .transpose()?,
            splits: parse_json(t, id, "splits", row.try_get(19)?)?,
        });
    }

    let sql = "SELECT deal_id, contact_id, role FROM deal_contact_roles ORDER BY deal_id, contact_id, role";
    for row in rows(connection, sql).await? {
        let deal: &str = row.try_get(0)?;
        let t = "deal_contact_roles";
        data.contact_roles.push(DealContactRole {
            deal_id: DealId::parse(deal).map_err(|e| corrupt(t, deal, "deal_id", e))?,
            contact_id: ContactId::parse(row.try_get::<&str, _>(1)?).map_err(|e| corrupt(t, deal, "contact_id", e))?,
            role: ContactRole::from_str(row.try_get(2)?).map_err(|e| corrupt(t, deal, "role", e))?,
        });
    }

    let sql = "SELECT person_id, period, amount_minor, currency FROM quotas ORDER BY person_id, period";
    for row in rows(connection, sql).await? {
        let person: &str = row.try_get(0)?;
        let t = "quotas";
        data.quotas.push(Quota {
            person_id: PersonId::parse(person).map_err(|e| corrupt(t, person, "person_id", e))?,
            period: Period::from_str(row.try_get(1)?).map_err(|e| corrupt(t, person, "period", e))?,
            amount: Money::new(row.try_get(2)?, currency(t, person, row.try_get(3)?)?),
        });
    }

    let sql = "SELECT activity_id, kind, detail FROM activity_signals ORDER BY activity_id, kind, detail";
    for row in rows(connection, sql).await? {
        let activity: &str = row.try_get(0)?;
        let t = "activity_signals";
        data.activity_signals.push(ActivitySignal {
            activity_id: ActivityId::parse(activity).map_err(|e| corrupt(t, activity, "activity_id", e))?,
            kind: parse_enum(t, activity, "kind", row.try_get(1)?)?,
            detail: row.try_get(2)?,
        });
    }
    Ok(data)
}
