//! Loading the whole observable dataset for the engine. Ground truth is never read here.

use super::codec::{corrupt, parse_date, parse_enum, parse_json, parse_timestamp};
use super::{Store, StoreError};
use crate::domain::*;
use sqlx::Row;
use std::collections::HashMap;
use std::str::FromStr;

fn id<T>(
    table: &'static str,
    field: &'static str,
    text: String,
    parse: fn(String) -> Result<T, IdError>,
) -> Result<T, StoreError> {
    parse(text.clone()).map_err(|e| corrupt(table, &text, field, e))
}

fn source(table: &'static str, row_id: &str, text: &str) -> Result<SourceName, StoreError> {
    SourceName::parse(text).map_err(|e| corrupt(table, row_id, "source", e))
}

fn currency(table: &'static str, row_id: &str, text: &str) -> Result<Currency, StoreError> {
    Currency::parse(text).map_err(|e| corrupt(table, row_id, "currency", e))
}

impl Store {
    /// Everything observable, in a stable order (by id), ready for the engine.
    pub async fn load_dataset(&self) -> Result<Dataset, StoreError> {
        let pool = &self.pool;
        let mut data = Dataset::default();

        let mut stages = Vec::new();
        for row in sqlx::query("SELECT pipeline, stage_key, label, sort_order, probability, status FROM stages")
            .fetch_all(pool)
            .await?
        {
            let key: String = row.try_get(1)?;
            let status: String = row.try_get(5)?;
            stages.push(Stage {
                pipeline: row.try_get(0)?,
                status: StageStatus::from_str(&status).map_err(|e| corrupt("stages", &key, "status", e))?,
                key,
                label: row.try_get(2)?,
                order: row.try_get(3)?,
                probability: u8::try_from(row.try_get::<i64, _>(4)?.clamp(0, 100)).unwrap_or(0),
            });
        }
        data.stages = StageCatalogue::new(stages);

        for row in sqlx::query(
            "SELECT product_key, name, family, list_price_minor, currency FROM products ORDER BY product_key",
        )
        .fetch_all(pool)
        .await?
        {
            let key: String = row.try_get(0)?;
            let price: Option<i64> = row.try_get(3)?;
            let price_currency: Option<String> = row.try_get(4)?;
            let list_price = match (price, price_currency) {
                (Some(minor), Some(code)) => Some(Money::new(minor, currency("products", &key, &code)?)),
                _ => None,
            };
            data.products.push(Product { name: row.try_get(1)?, family: row.try_get(2)?, list_price, key });
        }

        data.people = self.load_people().await?;

        for row in
            sqlx::query("SELECT id, source, external_id, name, domains, segment, sector FROM accounts ORDER BY id")
                .fetch_all(pool)
                .await?
        {
            let row_id: String = row.try_get(0)?;
            data.accounts.push(Account {
                source: source("accounts", &row_id, &row.try_get::<String, _>(1)?)?,
                external_id: row.try_get(2)?,
                name: row.try_get(3)?,
                domains: parse_json("accounts", &row_id, "domains", &row.try_get::<String, _>(4)?)?,
                segment: row.try_get(5)?,
                sector: row.try_get(6)?,
                id: id("accounts", "id", row_id, AccountId::parse)?,
            });
        }

        for row in sqlx::query(
            "SELECT id, source, external_id, account_id, name, email, title, seniority FROM contacts ORDER BY id",
        )
        .fetch_all(pool)
        .await?
        {
            let row_id: String = row.try_get(0)?;
            let seniority: String = row.try_get(7)?;
            data.contacts.push(Contact {
                source: source("contacts", &row_id, &row.try_get::<String, _>(1)?)?,
                external_id: row.try_get(2)?,
                account_id: row
                    .try_get::<Option<String>, _>(3)?
                    .map(|a| id("contacts", "account_id", a, AccountId::parse))
                    .transpose()?,
                name: row.try_get(4)?,
                email: row.try_get(5)?,
                title: row.try_get(6)?,
                seniority: Seniority::parse(&seniority)
                    .ok_or_else(|| corrupt("contacts", &row_id, "seniority", &seniority))?,
                id: id("contacts", "id", row_id, ContactId::parse)?,
            });
        }

        self.load_deals(&mut data).await?;
        self.load_activities(&mut data).await?;

        for row in
            sqlx::query("SELECT person_id, period, amount_minor, currency FROM quotas ORDER BY person_id, period")
                .fetch_all(pool)
                .await?
        {
            let person: String = row.try_get(0)?;
            let period: String = row.try_get(1)?;
            data.quotas.push(Quota {
                period: Period::from_str(&period).map_err(|e| corrupt("quotas", &person, "period", e))?,
                amount: Money::new(row.try_get(2)?, currency("quotas", &person, &row.try_get::<String, _>(3)?)?),
                person_id: id("quotas", "person_id", person, PersonId::parse)?,
            });
        }
        Ok(data)
    }

    /// Everyone in the organisation, by id: enough to build the reporting hierarchy and scopes.
    pub async fn load_people(&self) -> Result<Vec<Person>, StoreError> {
        let pool = &self.pool;
        let mut people = Vec::new();
        for row in sqlx::query("SELECT id, source, external_id, name, emails, role, manager_id, timezone, team, region FROM people ORDER BY id").fetch_all(pool).await? {
            let row_id: String = row.try_get(0)?;
            let role: String = row.try_get(5)?;
            people.push(Person {
                source: source("people", &row_id, &row.try_get::<String, _>(1)?)?,
                external_id: row.try_get(2)?,
                name: row.try_get(3)?,
                emails: parse_json("people", &row_id, "emails", &row.try_get::<String, _>(4)?)?,
                role: Role::from_str(&role).map_err(|e| corrupt("people", &row_id, "role", e))?,
                manager_id: row.try_get::<Option<String>, _>(6)?.map(|m| id("people", "manager_id", m, PersonId::parse)).transpose()?,
                timezone: row.try_get(7)?,
                team: row.try_get(8)?,
                region: row.try_get(9)?,
                id: id("people", "id", row_id, PersonId::parse)?,
            });
        }
        Ok(people)
    }

    async fn load_deals(&self, data: &mut Dataset) -> Result<(), StoreError> {
        let pool = &self.pool;
        let sql = "SELECT id, source, external_id, name, account_id, owner_id, pipeline, stage, amount_minor, currency, \
                   close_date, forecast_category, next_step, next_step_updated_at, products, revenue_type, term_months, \
                   created_at, closed_at, splits FROM deals ORDER BY id";
        for row in sqlx::query(sql).fetch_all(pool).await? {
            let row_id: String = row.try_get(0)?;
            let t = "deals";
            let revenue_type: String = row.try_get(15)?;
            let revenue = match revenue_type.as_str() {
                "recurring" => RevenueType::Recurring {
                    term_months: u16::try_from(row.try_get::<Option<i64>, _>(16)?.unwrap_or(12)).unwrap_or(u16::MAX),
                },
                _ => RevenueType::OneOff,
            };
            let forecast: String = row.try_get(11)?;
            data.deals.push(Deal {
                source: source(t, &row_id, &row.try_get::<String, _>(1)?)?,
                external_id: row.try_get(2)?,
                name: row.try_get(3)?,
                account_id: row
                    .try_get::<Option<String>, _>(4)?
                    .map(|a| id(t, "account_id", a, AccountId::parse))
                    .transpose()?,
                owner_id: id(t, "owner_id", row.try_get(5)?, PersonId::parse)?,
                pipeline: row.try_get(6)?,
                stage: row.try_get(7)?,
                amount: Money::new(row.try_get(8)?, currency(t, &row_id, &row.try_get::<String, _>(9)?)?),
                close_date: row
                    .try_get::<Option<String>, _>(10)?
                    .map(|d| parse_date(t, &row_id, "close_date", &d))
                    .transpose()?,
                forecast_category: ForecastCategory::from_str(&forecast)
                    .map_err(|e| corrupt(t, &row_id, "forecast_category", e))?,
                next_step: row.try_get(12)?,
                next_step_updated_at: row
                    .try_get::<Option<String>, _>(13)?
                    .map(|d| parse_timestamp(t, &row_id, "next_step_updated_at", &d))
                    .transpose()?,
                products: parse_json(t, &row_id, "products", &row.try_get::<String, _>(14)?)?,
                revenue,
                created_at: parse_timestamp(t, &row_id, "created_at", &row.try_get::<String, _>(17)?)?,
                closed_at: row
                    .try_get::<Option<String>, _>(18)?
                    .map(|d| parse_timestamp(t, &row_id, "closed_at", &d))
                    .transpose()?,
                splits: parse_json(t, &row_id, "splits", &row.try_get::<String, _>(19)?)?,
                id: id(t, "id", row_id, DealId::parse)?,
            });
        }

        let sql = "SELECT id, source, external_id, deal_id, field, old_value, new_value, changed_at FROM deal_history ORDER BY deal_id, changed_at, id";
        for row in sqlx::query(sql).fetch_all(pool).await? {
            let row_id: String = row.try_get(0)?;
            let t = "deal_history";
            let field: String = row.try_get(4)?;
            data.history.push(DealHistory {
                source: source(t, &row_id, &row.try_get::<String, _>(1)?)?,
                external_id: row.try_get(2)?,
                deal_id: id(t, "deal_id", row.try_get(3)?, DealId::parse)?,
                field: DealField::from_str(&field).map_err(|e| corrupt(t, &row_id, "field", e))?,
                old_value: row.try_get(5)?,
                new_value: row.try_get(6)?,
                changed_at: parse_timestamp(t, &row_id, "changed_at", &row.try_get::<String, _>(7)?)?,
                id: id(t, "id", row_id, HistoryId::parse)?,
            });
        }

        for row in
            sqlx::query("SELECT deal_id, contact_id, role FROM deal_contact_roles ORDER BY deal_id, contact_id, role")
                .fetch_all(pool)
                .await?
        {
            let deal: String = row.try_get(0)?;
            let role: String = row.try_get(2)?;
            data.contact_roles.push(DealContactRole {
                contact_id: id("deal_contact_roles", "contact_id", row.try_get(1)?, ContactId::parse)?,
                role: ContactRole::from_str(&role).map_err(|e| corrupt("deal_contact_roles", &deal, "role", e))?,
                deal_id: id("deal_contact_roles", "deal_id", deal, DealId::parse)?,
            });
        }
        Ok(())
    }

    async fn load_activities(&self, data: &mut Dataset) -> Result<(), StoreError> {
        let pool = &self.pool;
        let mut links: HashMap<String, Vec<DealLink>> = HashMap::new();
        for row in sqlx::query(
            "SELECT activity_id, deal_id, rule, confidence FROM activity_deals ORDER BY activity_id, deal_id",
        )
        .fetch_all(pool)
        .await?
        {
            let activity: String = row.try_get(0)?;
            let link = DealLink {
                deal_id: id("activity_deals", "deal_id", row.try_get(1)?, DealId::parse)?,
                rule: row.try_get(2)?,
                confidence: row.try_get(3)?,
            };
            links.entry(activity).or_default().push(link);
        }
        let sql = "SELECT id, source, external_id, kind, direction, occurred_at, duration_minutes, subject, snippet, thread_id, participants \
                   FROM activities ORDER BY occurred_at, id";
        for row in sqlx::query(sql).fetch_all(pool).await? {
            let row_id: String = row.try_get(0)?;
            let t = "activities";
            data.activities.push(Activity {
                source: source(t, &row_id, &row.try_get::<String, _>(1)?)?,
                external_id: row.try_get(2)?,
                kind: parse_enum(t, &row_id, "kind", &row.try_get::<String, _>(3)?)?,
                direction: parse_enum(t, &row_id, "direction", &row.try_get::<String, _>(4)?)?,
                occurred_at: parse_timestamp(t, &row_id, "occurred_at", &row.try_get::<String, _>(5)?)?,
                duration_minutes: row
                    .try_get::<Option<i64>, _>(6)?
                    .map(|m| u32::try_from(m.max(0)).unwrap_or(u32::MAX)),
                subject: row.try_get(7)?,
                snippet: row.try_get(8)?,
                thread_id: row.try_get(9)?,
                participants: parse_json(t, &row_id, "participants", &row.try_get::<String, _>(10)?)?,
                deals: links.remove(&row_id).unwrap_or_default(),
                id: id(t, "id", row_id, ActivityId::parse)?,
            });
        }
        let sql = "SELECT activity_id, kind, detail FROM activity_signals ORDER BY activity_id, kind, detail";
        for row in sqlx::query(sql).fetch_all(pool).await? {
            let activity: String = row.try_get(0)?;
            data.activity_signals.push(ActivitySignal {
                kind: parse_enum("activity_signals", &activity, "kind", &row.try_get::<String, _>(1)?)?,
                detail: row.try_get(2)?,
                activity_id: id("activity_signals", "activity_id", activity, ActivityId::parse)?,
            });
        }
        Ok(())
    }
}
