//! Pay statements (with the inputs that reproduce them), compliance events that gate pay, and
//! improvement plans with their check-ins. Documents are stored as JSON text; the pure types
//! live in `comp` and `spm`.

use super::codec::{corrupt, parse_date};
use super::{Store, StoreError};
use crate::engine::pay::{ComplianceEvent, ComplianceEventKind};
use sqlx::any::AnyRow;
use sqlx::Row;

/// A statement as stored: its inputs, its output and a hash of each.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StoredStatement {
    pub id: String,
    pub person_id: String,
    pub period: String,
    pub as_of: String,
    pub plan_id: String,
    pub plan_version: i64,
    pub inputs: String,
    pub inputs_hash: String,
    pub statement: String,
    pub statement_hash: String,
    pub created_at: String,
}

/// An improvement plan as stored; `plan` is the plan's JSON.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StoredImprovementPlan {
    pub id: String,
    pub person_id: String,
    pub created_on: String,
    pub ends_on: String,
    pub status: String,
    pub plan: String,
    pub created_by: String,
    pub created_at: String,
}

const STATEMENT_COLUMNS: &str =
    "id, person_id, period, as_of, plan_id, plan_version, inputs, inputs_hash, statement, statement_hash, created_at";
const PLAN_COLUMNS: &str = "id, person_id, created_on, ends_on, status, plan, created_by, created_at";

fn statement_row(row: &AnyRow) -> Result<StoredStatement, StoreError> {
    Ok(StoredStatement {
        id: row.try_get(0)?,
        person_id: row.try_get(1)?,
        period: row.try_get(2)?,
        as_of: row.try_get(3)?,
        plan_id: row.try_get(4)?,
        plan_version: row.try_get(5)?,
        inputs: row.try_get(6)?,
        inputs_hash: row.try_get(7)?,
        statement: row.try_get(8)?,
        statement_hash: row.try_get(9)?,
        created_at: row.try_get(10)?,
    })
}

fn plan_row(row: &AnyRow) -> Result<StoredImprovementPlan, StoreError> {
    Ok(StoredImprovementPlan {
        id: row.try_get(0)?,
        person_id: row.try_get(1)?,
        created_on: row.try_get(2)?,
        ends_on: row.try_get(3)?,
        status: row.try_get(4)?,
        plan: row.try_get(5)?,
        created_by: row.try_get(6)?,
        created_at: row.try_get(7)?,
    })
}

impl Store {
    /// Stores a statement once; `false` when the same id (same person, period, day and inputs)
    /// is already there.
    pub async fn save_statement(&self, statement: &StoredStatement) -> Result<bool, StoreError> {
        let sql = format!(
            "INSERT INTO comp_statements ({STATEMENT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
             ON CONFLICT (id) DO NOTHING"
        );
        let done = sqlx::query(&sql)
            .bind(&statement.id)
            .bind(&statement.person_id)
            .bind(&statement.period)
            .bind(&statement.as_of)
            .bind(&statement.plan_id)
            .bind(statement.plan_version)
            .bind(&statement.inputs)
            .bind(&statement.inputs_hash)
            .bind(&statement.statement)
            .bind(&statement.statement_hash)
            .bind(&statement.created_at)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    pub async fn load_statement(&self, id: &str) -> Result<Option<StoredStatement>, StoreError> {
        let sql = format!("SELECT {STATEMENT_COLUMNS} FROM comp_statements WHERE id = $1");
        sqlx::query(&sql).bind(id).fetch_optional(&self.pool).await?.as_ref().map(statement_row).transpose()
    }

    /// Stored statements, newest day first, for one person or everyone.
    pub async fn list_statements(&self, person_id: Option<&str>) -> Result<Vec<StoredStatement>, StoreError> {
        let rows = match person_id {
            Some(person) => {
                let sql = format!(
                    "SELECT {STATEMENT_COLUMNS} FROM comp_statements WHERE person_id = $1 ORDER BY as_of DESC, id"
                );
                sqlx::query(&sql).bind(person).fetch_all(&self.pool).await?
            }
            None => {
                let sql = format!("SELECT {STATEMENT_COLUMNS} FROM comp_statements ORDER BY as_of DESC, id");
                sqlx::query(&sql).fetch_all(&self.pool).await?
            }
        };
        rows.iter().map(statement_row).collect()
    }

    /// Records a compliance event once; `false` when its id is already stored.
    pub async fn save_comp_event(
        &self,
        event: &ComplianceEvent,
        recorded_by: &str,
        recorded_at: &str,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO comp_events (id, person_id, kind, occurred_on, deal_id, detail, recorded_by, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING",
        )
        .bind(&event.id)
        .bind(&event.person_id)
        .bind(event.kind.as_str())
        .bind(event.occurred_on.format("%Y-%m-%d").to_string())
        .bind(event.deal_id.clone())
        .bind(&event.detail)
        .bind(recorded_by)
        .bind(recorded_at)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Every compliance event, oldest first.
    pub async fn load_comp_events(&self) -> Result<Vec<ComplianceEvent>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, person_id, kind, occurred_on, deal_id, detail FROM comp_events ORDER BY occurred_on, id",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let id: String = row.try_get(0)?;
            let kind: String = row.try_get(2)?;
            let occurred: String = row.try_get(3)?;
            out.push(ComplianceEvent {
                person_id: row.try_get(1)?,
                kind: ComplianceEventKind::parse(&kind).ok_or_else(|| corrupt("comp_events", &id, "kind", &kind))?,
                occurred_on: parse_date("comp_events", &id, "occurred_on", &occurred)?,
                deal_id: row.try_get(4)?,
                detail: row.try_get(5)?,
                id,
            });
        }
        Ok(out)
    }

    /// Stores a new improvement plan; `false` when one with the same id exists.
    pub async fn save_improvement_plan(&self, plan: &StoredImprovementPlan) -> Result<bool, StoreError> {
        let sql = format!("INSERT INTO improvement_plans ({PLAN_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING");
        let done = sqlx::query(&sql)
            .bind(&plan.id)
            .bind(&plan.person_id)
            .bind(&plan.created_on)
            .bind(&plan.ends_on)
            .bind(&plan.status)
            .bind(&plan.plan)
            .bind(&plan.created_by)
            .bind(&plan.created_at)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    pub async fn load_improvement_plan(&self, id: &str) -> Result<Option<StoredImprovementPlan>, StoreError> {
        let sql = format!("SELECT {PLAN_COLUMNS} FROM improvement_plans WHERE id = $1");
        sqlx::query(&sql).bind(id).fetch_optional(&self.pool).await?.as_ref().map(plan_row).transpose()
    }

    /// A person's plans, newest first.
    pub async fn list_improvement_plans(&self, person_id: &str) -> Result<Vec<StoredImprovementPlan>, StoreError> {
        let sql =
            format!("SELECT {PLAN_COLUMNS} FROM improvement_plans WHERE person_id = $1 ORDER BY created_on DESC, id");
        let rows = sqlx::query(&sql).bind(person_id).fetch_all(&self.pool).await?;
        rows.iter().map(plan_row).collect()
    }

    pub async fn set_improvement_plan_status(&self, id: &str, status: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE improvement_plans SET status = $1 WHERE id = $2")
            .bind(status)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Stores a check-in; a second one for the same day replaces the first (live data moved).
    pub async fn save_checkin(
        &self,
        plan_id: &str,
        as_of: &str,
        checkin: &str,
        created_at: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO improvement_checkins (plan_id, as_of, checkin, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (plan_id, as_of) DO UPDATE SET checkin = excluded.checkin, created_at = excluded.created_at",
        )
        .bind(plan_id)
        .bind(as_of)
        .bind(checkin)
        .bind(created_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A plan's check-ins as (day, JSON), oldest first.
    pub async fn list_checkins(&self, plan_id: &str) -> Result<Vec<(String, String)>, StoreError> {
        let rows = sqlx::query("SELECT as_of, checkin FROM improvement_checkins WHERE plan_id = $1 ORDER BY as_of")
            .bind(plan_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect()
    }
}

impl Store {
    /// Coaching already drafted for a person, oldest first: (draft id, as-of, kind, status).
    pub async fn coaching_history(
        &self,
        recipient_id: &str,
    ) -> Result<Vec<(String, String, String, String)>, StoreError> {
        let rows = sqlx::query("SELECT id, as_of, kind, status FROM drafts WHERE recipient_id = $1 ORDER BY as_of, id")
            .bind(recipient_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?))).collect()
    }
}
