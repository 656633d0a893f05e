//! Drafts and their provenance: one row per (run, recipient), replaced when the same run is
//! drafted again, and looked up by input hash so an identical re-run reuses a stored draft.
//! Structured parts (the draft, transcript, findings) are JSON text.

use super::{Store, StoreError};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::Row;

/// A draft as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredDraft {
    pub id: String,
    pub run_key: String,
    pub recipient_id: String,
    pub recipient_role: String,
    pub kind: String,
    pub as_of: String,
    pub input_hash: String,
    pub provider: String,
    pub model: String,
    pub prompt_version: String,
    pub ruleset_version: String,
    pub compliance_version: String,
    /// `validated`, `repaired` or `fallback`.
    pub status: String,
    /// Whether the stored draft itself passed the validator.
    pub valid: bool,
    pub fallback: bool,
    pub fallback_reasons: String,
    pub stop_reason: String,
    pub draft: String,
    pub rendered: String,
    pub transcript: String,
    pub validator_results: String,
    pub model_findings: String,
    pub prompt_tokens: i64,
    pub completion_tokens: i64,
    pub model_calls: i64,
    pub wall_ms: i64,
    pub cached_from: Option<String>,
    pub created_at: String,
}

const COLUMNS: [&str; 28] = [
    "id",
    "run_key",
    "recipient_id",
    "recipient_role",
    "kind",
    "as_of",
    "input_hash",
    "provider",
    "model",
    "prompt_version",
    "ruleset_version",
    "compliance_version",
    "status",
    "valid",
    "fallback",
    "fallback_reasons",
    "stop_reason",
    "draft",
    "rendered",
    "transcript",
    "validator_results",
    "model_findings",
    "prompt_tokens",
    "completion_tokens",
    "model_calls",
    "wall_ms",
    "cached_from",
    "created_at",
];

fn select_sql(filter: &str) -> String {
    format!("SELECT {} FROM drafts {filter}", COLUMNS.join(", "))
}

fn from_row(row: &AnyRow) -> Result<StoredDraft, StoreError> {
    Ok(StoredDraft {
        id: row.try_get(0)?,
        run_key: row.try_get(1)?,
        recipient_id: row.try_get(2)?,
        recipient_role: row.try_get(3)?,
        kind: row.try_get(4)?,
        as_of: row.try_get(5)?,
        input_hash: row.try_get(6)?,
        provider: row.try_get(7)?,
        model: row.try_get(8)?,
        prompt_version: row.try_get(9)?,
        ruleset_version: row.try_get(10)?,
        compliance_version: row.try_get(11)?,
        status: row.try_get(12)?,
        valid: row.try_get::<i64, _>(13)? != 0,
        fallback: row.try_get::<i64, _>(14)? != 0,
        fallback_reasons: row.try_get(15)?,
        stop_reason: row.try_get(16)?,
        draft: row.try_get(17)?,
        rendered: row.try_get(18)?,
        transcript: row.try_get(19)?,
        validator_results: row.try_get(20)?,
        model_findings: row.try_get(21)?,
        prompt_tokens: row.try_get(22)?,
        completion_tokens: row.try_get(23)?,
        model_calls: row.try_get(24)?,
        wall_ms: row.try_get(25)?,
        cached_from: row.try_get(26)?,
        created_at: row.try_get(27)?,
    })
}

impl Store {
    /// Inserts or replaces the draft for its (run, recipient) id.
    pub async fn save_draft(&self, draft: &StoredDraft) -> Result<(), StoreError> {
        let columns = &COLUMNS;
        let placeholders: Vec<String> = (1..=columns.len()).map(|i| format!("${i}")).collect();
        let updates: Vec<String> = columns.iter().skip(1).map(|c| format!("{c} = excluded.{c}")).collect();
        let sql = format!(
            "INSERT INTO drafts ({}) VALUES ({}) ON CONFLICT (id) DO UPDATE SET {}",
            columns.join(", "),
            placeholders.join(", "),
            updates.join(", ")
        );
        sqlx::query(&sql)
            .bind(&draft.id)
            .bind(&draft.run_key)
            .bind(&draft.recipient_id)
            .bind(&draft.recipient_role)
            .bind(&draft.kind)
            .bind(&draft.as_of)
            .bind(&draft.input_hash)
            .bind(&draft.provider)
            .bind(&draft.model)
            .bind(&draft.prompt_version)
            .bind(&draft.ruleset_version)
            .bind(&draft.compliance_version)
            .bind(&draft.status)
            .bind(i64::from(draft.valid))
            .bind(i64::from(draft.fallback))
            .bind(&draft.fallback_reasons)
            .bind(&draft.stop_reason)
            .bind(&draft.draft)
            .bind(&draft.rendered)
            .bind(&draft.transcript)
            .bind(&draft.validator_results)
            .bind(&draft.model_findings)
            .bind(draft.prompt_tokens)
            .bind(draft.completion_tokens)
            .bind(draft.model_calls)
            .bind(draft.wall_ms)
            .bind(draft.cached_from.clone())
            .bind(&draft.created_at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The most recent reusable draft with these inputs: drafts that ended because the model
    /// could not be reached are not reused, so a later run tries again.
    pub async fn find_draft_by_input_hash(&self, input_hash: &str) -> Result<Option<StoredDraft>, StoreError> {
        let sql = select_sql(
            "WHERE input_hash = $1 AND stop_reason NOT LIKE '%provider_failed%' ORDER BY created_at DESC, id LIMIT 1",
        );
        let row = sqlx::query(&sql).bind(input_hash).fetch_optional(&self.pool).await?;
        row.as_ref().map(from_row).transpose()
    }

    pub async fn draft(&self, id: &str) -> Result<Option<StoredDraft>, StoreError> {
        let row = sqlx::query(&select_sql("WHERE id = $1")).bind(id).fetch_optional(&self.pool).await?;
        row.as_ref().map(from_row).transpose()
    }

    /// Every draft of one run, by recipient.
    pub async fn drafts_of_run(&self, run_key: &str) -> Result<Vec<StoredDraft>, StoreError> {
        let rows = sqlx::query(&select_sql("WHERE run_key = $1 ORDER BY recipient_id"))
            .bind(run_key)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(from_row).collect()
    }

    /// Per (kind, status): drafts, model calls, prompt and completion tokens, and drafting time
    /// in milliseconds, summed over every stored draft.
    pub async fn draft_outcome_totals(&self) -> Result<Vec<DraftOutcomeTotals>, StoreError> {
        let rows = sqlx::query(
            "SELECT kind, status, COUNT(*), SUM(model_calls), SUM(prompt_tokens), SUM(completion_tokens), SUM(wall_ms) \
             FROM drafts GROUP BY kind, status ORDER BY kind, status",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(DraftOutcomeTotals {
                    kind: row.try_get(0)?,
                    status: row.try_get(1)?,
                    drafts: row.try_get(2)?,
                    model_calls: row.try_get::<Option<i64>, _>(3)?.unwrap_or(0),
                    prompt_tokens: row.try_get::<Option<i64>, _>(4)?.unwrap_or(0),
                    completion_tokens: row.try_get::<Option<i64>, _>(5)?.unwrap_or(0),
                    wall_ms: row.try_get::<Option<i64>, _>(6)?.unwrap_or(0),
                })
            })
            .collect()
    }
}

/// Totals over the stored drafts of one kind and outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DraftOutcomeTotals {
    pub kind: String,
    pub status: String,
    pub drafts: i64,
    pub model_calls: i64,
    pub prompt_tokens: i64,
    pub completion_tokens: i64,
    pub wall_ms: i64,
}
