//! The smaller tables of the engine's lean load (stages, products, people, accounts, contacts,
//! deals, roles, quotas, keyword signals), read through the native SQLite connection the large
//! tables stream over, into the same domain records the general load gives.

use super::codec::{corrupt, parse_date, parse_enum, parse_json, parse_timestamp};
use super::StoreError;
use crate::domain::*;
use rusqlite::types::FromSql;
use rusqlite::Connection;
use std::str::FromStr;

/// A row's column as borrowed text (an error when it is NULL or not text).
pub(super) fn text<'r>(row: &'r rusqlite::Row<'_>, column: usize) -> Result<&'r str, StoreError> {
    Ok(row.get_ref(column)?.as_str().map_err(rusqlite::Error::from)?)
}

/// A row's column as borrowed text, `None` for NULL.
pub(super) fn optional_text<'r>(row: &'r rusqlite::Row<'_>, column: usize) -> Result<Option<&'r str>, StoreError> {
    Ok(row.get_ref(column)?.as_str_or_null().map_err(rusqlite::Error::from)?)
}

/// Reads every row of `sql` with `each`.
pub(super) fn each_row(
    connection: &Connection,
    sql: &str,
    mut each: impl FnMut(&rusqlite::Row<'_>) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let mut statement = connection.prepare(sql)?;
    let mut rows = statement.query([])?;
    while let Some(row) = rows.next()? {
        each(row)?;
    }
    Ok(())
}

/// A column as an owned value.
fn get<T: FromSql>(row: &rusqlite::Row<'_>, column: usize) -> Result<T, StoreError> {
    Ok(row.get(column)?)
}

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

/// Everything but activities and deal history.
pub(super) fn small_tables(connection: &Connection) -> Result<Dataset, StoreError> {
    let mut data = Dataset::default();
    let mut stages = Vec::new();
    let sql = "SELECT pipeline, stage_key, label, sort_order, probability, status FROM stages";
    each_row(connection, sql, |row| {
        let key: String = get(row, 1)?;
        let status = text(row, 5)?;
        stages.push(Stage {
            pipeline: get(row, 0)?,
            status: StageStatus::from_str(status).map_err(|e| corrupt("stages", &key, "status", e))?,
            label: get(row, 2)?,
            order: get(row, 3)?,
            probability: u8::try_from(get::<i64>(row, 4)?.clamp(0, 100)).unwrap_or(0),
            key,
        });
        Ok(())
    })?;
    data.stages = StageCatalogue::new(stages);

    let sql = "SELECT product_key, name, family, list_price_minor, currency FROM products ORDER BY product_key";
    each_row(connection, sql, |row| {
        let key: String = get(row, 0)?;
        let list_price = match (get::<Option<i64>>(row, 3)?, optional_text(row, 4)?) {
            (Some(minor), Some(code)) => Some(Money::new(minor, currency("products", &key, code)?)),
            _ => None,
        };
        data.products.push(Product { name: get(row, 1)?, family: get(row, 2)?, list_price, key });
        Ok(())
    })?;

    let sql = "SELECT id, source, external_id, name, emails, role, manager_id, timezone, team, region FROM people ORDER BY id";
    each_row(connection, sql, |row| {
        let id = text(row, 0)?;
        let t = "people";
        data.people.push(Person {
            id: PersonId::parse(id).map_err(|e| corrupt(t, id, "id", e))?,
            source: source(t, id, text(row, 1)?)?,
            external_id: get(row, 2)?,
            name: get(row, 3)?,
            emails: parse_json(t, id, "emails", text(row, 4)?)?,
            role: Role::from_str(text(row, 5)?).map_err(|e| corrupt(t, id, "role", e))?,
            manager_id: optional_id(t, id, "manager_id", optional_text(row, 6)?, PersonId::parse)?,
            timezone: get(row, 7)?,
            team: get(row, 8)?,
            region: get(row, 9)?,
        });
        Ok(())
    })?;

    let sql = "SELECT id, source, external_id, name, domains, segment, sector FROM accounts ORDER BY id";
    each_row(connection, sql, |row| {
        let id = text(row, 0)?;
        let t = "accounts";
        data.accounts.push(Account {
            id: AccountId::parse(id).map_err(|e| corrupt(t, id, "id", e))?,
            source: source(t, id, text(row, 1)?)?,
            external_id: get(row, 2)?,
            name: get(row, 3)?,
            domains: parse_json(t, id, "domains", text(row, 4)?)?,
            segment: get(row, 5)?,
            sector: get(row, 6)?,
        });
        Ok(())
    })?;

    let sql = "SELECT id, source, external_id, account_id, name, email, title, seniority FROM contacts ORDER BY id";
    each_row(connection, sql, |row| {
        let id = text(row, 0)?;
        let t = "contacts";
        let seniority = text(row, 7)?;
        data.contacts.push(Contact {
            id: ContactId::parse(id).map_err(|e| corrupt(t, id, "id", e))?,
            source: source(t, id, text(row, 1)?)?,
            external_id: get(row, 2)?,
            account_id: optional_id(t, id, "account_id", optional_text(row, 3)?, AccountId::parse)?,
            name: get(row, 4)?,
            email: get(row, 5)?,
            title: get(row, 6)?,
            seniority: Seniority::parse(seniority).ok_or_else(|| corrupt(t, id, "seniority", seniority))?,
        });
        Ok(())
    })?;

    let sql = "SELECT id, source, external_id, name, account_id, owner_id, pipeline, stage, amount_minor, currency, \
               close_date, forecast_category, next_step, next_step_updated_at, products, revenue_type, term_months, \
               created_at, closed_at, splits FROM deals ORDER BY id";
    each_row(connection, sql, |row| {
        let id = text(row, 0)?;
        let t = "deals";
        let revenue = match text(row, 15)? {
            "recurring" => RevenueType::Recurring {
                term_months: u16::try_from(get::<Option<i64>>(row, 16)?.unwrap_or(12)).unwrap_or(u16::MAX),
            },
            _ => RevenueType::OneOff,
        };
        data.deals.push(Deal {
            id: DealId::parse(id).map_err(|e| corrupt(t, id, "id", e))?,
            source: source(t, id, text(row, 1)?)?,
            external_id: get(row, 2)?,
            name: get(row, 3)?,
            account_id: optional_id(t, id, "account_id", optional_text(row, 4)?, AccountId::parse)?,
            owner_id: PersonId::parse(text(row, 5)?).map_err(|e| corrupt(t, id, "owner_id", e))?,
            pipeline: get(row, 6)?,
            stage: get(row, 7)?,
            amount: Money::new(get(row, 8)?, currency(t, id, text(row, 9)?)?),
            close_date: optional_text(row, 10)?.map(|d| parse_date(t, id, "close_date", d)).transpose()?,
            forecast_category: ForecastCategory::from_str(text(row, 11)?)
                .map_err(|e| corrupt(t, id, "forecast_category", e))?,
            next_step: get(row, 12)?,
            next_step_updated_at: optional_text(row, 13)?
                .map(|d| parse_timestamp(t, id, "next_step_updated_at", d))
                .transpose()?,
            products: parse_json(t, id, "products", text(row, 14)?)?,
            revenue,
            created_at: parse_timestamp(t, id, "created_at", text(row, 17)?)?,
            closed_at: optional_text(row, 18)?.map(|d| parse_timestamp(t, id, "closed_at", d)).transpose()?,
            splits: parse_json(t, id, "splits", text(row, 19)?)?,
        });
        Ok(())
    })?;

    let sql = "SELECT deal_id, contact_id, role FROM deal_contact_roles ORDER BY deal_id, contact_id, role";
    each_row(connection, sql, |row| {
        let deal = text(row, 0)?;
        let t = "deal_contact_roles";
        data.contact_roles.push(DealContactRole {
            deal_id: DealId::parse(deal).map_err(|e| corrupt(t, deal, "deal_id", e))?,
            contact_id: ContactId::parse(text(row, 1)?).map_err(|e| corrupt(t, deal, "contact_id", e))?,
            role: ContactRole::from_str(text(row, 2)?).map_err(|e| corrupt(t, deal, "role", e))?,
        });
        Ok(())
    })?;

    let sql = "SELECT person_id, period, amount_minor, currency FROM quotas ORDER BY person_id, period";
    each_row(connection, sql, |row| {
        let person = text(row, 0)?;
        let t = "quotas";
        data.quotas.push(Quota {
            person_id: PersonId::parse(person).map_err(|e| corrupt(t, person, "person_id", e))?,
            period: Period::from_str(text(row, 1)?).map_err(|e| corrupt(t, person, "period", e))?,
            amount: Money::new(get(row, 2)?, currency(t, person, text(row, 3)?)?),
        });
        Ok(())
    })?;

    let sql = "SELECT activity_id, kind, detail FROM activity_signals ORDER BY activity_id, kind, detail";
    each_row(connection, sql, |row| {
        let activity = text(row, 0)?;
        let t = "activity_signals";
        data.activity_signals.push(ActivitySignal {
            activity_id: ActivityId::parse(activity).map_err(|e| corrupt(t, activity, "activity_id", e))?,
            kind: parse_enum(t, activity, "kind", text(row, 1)?)?,
            detail: get(row, 2)?,
        });
        Ok(())
    })?;
    Ok(data)
}
