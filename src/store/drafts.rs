//! The week's drafts: one row per (week, kind, recipient) holding the text under review, the
//! review decision and the draft's provenance (inputs hash, provider, model, versions, the
//! tool-call transcript, validator results, tokens). State changes are guarded by the state
//! they leave; a stored draft with the same inputs hash is found for reuse.

use super::jobs::instant;
use super::{Store, StoreError};
use crate::config::SourceText;
use crate::domain::{DraftKind, DraftState, DraftStatus};
use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

/// A draft as stored. Structured parts (the typed draft, transcript, findings, the stop
/// reason) are JSON text the coaching layer reads.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DraftRecord {
    /// `<week>.<kind>.<recipient>`.
    pub id: String,
    pub run_id: String,
    pub week: String,
    pub kind: DraftKind,
    pub recipient_id: String,
    pub recipient_name: String,
    pub recipient_email: Option<String>,
    /// The engine's data date, RFC 3339.
    pub as_of: String,
    pub policy: String,
    pub state: DraftState,
    pub subject: String,
    /// The text as drafted, never changed.
    pub drafted_body: String,
    /// The text to deliver: the drafted text or the reviewer's edit.
    pub body: String,
    pub created_at: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub decision_reason: Option<String>,
    pub updated_at: String,
    /// Why the review gate held this draft for a person whatever its kind's policy says.
    pub hold_reason: Option<String>,
    pub provenance: Provenance,
}

/// Who wrote a draft and from what, as the audit needs it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Provenance {
    pub input_hash: String,
    pub provider: String,
    pub model: String,
    pub prompt_version: String,
    pub ruleset_version: String,
    pub compliance_version: String,
    pub status: DraftStatus,
    /// Whether the stored draft itself passed the validator.
    pub valid: bool,
    pub fallback_reasons: String,
    pub stop_reason: String,
    /// The typed draft as JSON; `null` for a row recorded without one.
    pub draft: String,
    pub transcript: String,
    pub validator_results: String,
    pub model_findings: String,
    pub prompt_tokens: i64,
    pub completion_tokens: i64,
    pub model_calls: i64,
    pub wall_ms: i64,
    /// The draft whose identical inputs this one reused.
    pub cached_from: Option<String>,
    /// The provenance summary recorded before drafts and reviews were one table.
    pub legacy: Option<String>,
    /// What the drafting model was shown of client and CRM text; `None` when no model drafted.
    pub source_text: Option<SourceText>,
    /// The model's last draft (JSON) when the validator refused it and a fallback was recorded.
    pub refused_draft: Option<String>,
}

const COLUMNS: [&str; 41] = [
    "id",
    "run_id",
    "week",
    "kind",
    "recipient_id",
    "recipient_name",
    "recipient_email",
    "as_of",
    "policy",
    "state",
    "subject",
    "drafted_body",
    "body",
    "created_at",
    "decided_by",
    "decided_at",
    "decision_reason",
    "updated_at",
    "input_hash",
    "provider",
    "model",
    "prompt_version",
    "ruleset_version",
    "compliance_version",
    "status",
    "valid",
    "fallback_reasons",
    "stop_reason",
    "draft",
    "transcript",
    "validator_results",
    "model_findings",
    "prompt_tokens",
    "completion_tokens",
    "model_calls",
    "wall_ms",
    "cached_from",
    "legacy_provenance",
    "hold_reason",
    "source_text",
    "refused_draft",
];

fn select(filter: &str) -> String {
    format!("SELECT {} FROM drafts {filter}", COLUMNS.join(", "))
}

fn parsed<T>(id: &str, field: &'static str, text: String, parse: fn(&str) -> Option<T>) -> Result<T, StoreError> {
    parse(&text).ok_or_else(|| super::codec::corrupt("drafts", id, field, format!("unknown value {text:?}")))
}

fn record(row: &AnyRow) -> Result<DraftRecord, StoreError> {
    let id: String = row.try_get(0)?;
    let provenance = Provenance {
        input_hash: row.try_get(18)?,
        provider: row.try_get(19)?,
        model: row.try_get(20)?,
        prompt_version: row.try_get(21)?,
        ruleset_version: row.try_get(22)?,
        compliance_version: row.try_get(23)?,
        status: parsed(&id, "status", row.try_get(24)?, DraftStatus::parse)?,
        valid: row.try_get::<i64, _>(25)? != 0,
        fallback_reasons: row.try_get(26)?,
        stop_reason: row.try_get(27)?,
        draft: row.try_get(28)?,
        transcript: row.try_get(29)?,
        validator_results: row.try_get(30)?,
        model_findings: row.try_get(31)?,
        prompt_tokens: row.try_get(32)?,
        completion_tokens: row.try_get(33)?,
        model_calls: row.try_get(34)?,
        wall_ms: row.try_get(35)?,
        cached_from: row.try_get(36)?,
        legacy: row.try_get(37)?,
        source_text: match row.try_get::<Option<String>, _>(39)? {
            Some(text) => Some(parsed(&id, "source_text", text, SourceText::parse)?),
            None => None,
        },
        refused_draft: row.try_get(40)?,
    };
    Ok(DraftRecord {
        run_id: row.try_get(1)?,
        week: row.try_get(2)?,
        kind: parsed(&id, "kind", row.try_get(3)?, DraftKind::parse)?,
        recipient_id: row.try_get(4)?,
        recipient_name: row.try_get(5)?,
        recipient_email: row.try_get(6)?,
        as_of: row.try_get(7)?,
        policy: row.try_get(8)?,
        state: parsed(&id, "state", row.try_get(9)?, DraftState::parse)?,
        subject: row.try_get(10)?,
        drafted_body: row.try_get(11)?,
        body: row.try_get(12)?,
        created_at: row.try_get(13)?,
        decided_by: row.try_get(14)?,
        decided_at: row.try_get(15)?,
        decision_reason: row.try_get(16)?,
        updated_at: row.try_get(17)?,
        hold_reason: row.try_get(38)?,
        provenance,
        id,
    })
}

/// A reviewer's decision, applied only if the draft is still in one of the expected states.
#[derive(Debug, Clone)]
pub struct Decision<'a> {
    pub draft_id: &'a str,
    pub from: &'a [DraftState],
    pub to: DraftState,
    pub by: &'a str,
    pub reason: Option<&'a str>,
    /// New text to deliver (an edit), or `None` to keep the current text.
    pub body: Option<&'a str>,
    pub at: DateTime<Utc>,
}

/// What to list: every filter is optional.
#[derive(Debug, Clone, Copy, Default)]
pub struct DraftQuery<'a> {
    pub state: Option<DraftState>,
    pub run_id: Option<&'a str>,
    pub week: Option<&'a str>,
}

impl Store {
    /// Stores a new draft; false when the recipient already has this kind this week.
    pub async fn insert_draft_in(&self, tx: &mut Transaction<'_, Any>, r: &DraftRecord) -> Result<bool, StoreError> {
        let names = &COLUMNS;
        let placeholders: Vec<String> = (1..=names.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "INSERT INTO drafts ({}) VALUES ({}) ON CONFLICT DO NOTHING",
            names.join(", "),
            placeholders.join(", ")
        );
        let p = &r.provenance;
        let done = sqlx::query(&sql)
            .bind(&r.id)
            .bind(&r.run_id)
            .bind(&r.week)
            .bind(r.kind.as_str())
            .bind(&r.recipient_id)
            .bind(&r.recipient_name)
            .bind(&r.recipient_email)
            .bind(&r.as_of)
            .bind(&r.policy)
            .bind(r.state.as_str())
            .bind(&r.subject)
            .bind(&r.drafted_body)
            .bind(&r.body)
            .bind(&r.created_at)
            .bind(&r.decided_by)
            .bind(&r.decided_at)
            .bind(&r.decision_reason)
            .bind(&r.updated_at)
            .bind(&p.input_hash)
            .bind(&p.provider)
            .bind(&p.model)
            .bind(&p.prompt_version)
            .bind(&p.ruleset_version)
            .bind(&p.compliance_version)
            .bind(p.status.as_str())
            .bind(i64::from(p.valid))
            .bind(&p.fallback_reasons)
            .bind(&p.stop_reason)
            .bind(&p.draft)
            .bind(&p.transcript)
            .bind(&p.validator_results)
            .bind(&p.model_findings)
            .bind(p.prompt_tokens)
            .bind(p.completion_tokens)
            .bind(p.model_calls)
            .bind(p.wall_ms)
            .bind(&p.cached_from)
            .bind(&p.legacy)
            .bind(&r.hold_reason)
            .bind(p.source_text.map(|s| s.as_str()))
            .bind(&p.refused_draft)
            .execute(&mut **tx)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn draft(&self, id: &str) -> Result<Option<DraftRecord>, StoreError> {
        let row = sqlx::query(&select("WHERE id = $1")).bind(id).fetch_optional(&self.pool).await?;
        row.as_ref().map(record).transpose()
    }

    /// The draft a recipient got for `kind` in `week`, if any.
    pub async fn draft_for(
        &self,
        recipient_id: &str,
        kind: DraftKind,
        week: &str,
    ) -> Result<Option<DraftRecord>, StoreError> {
        let sql = select("WHERE recipient_id = $1 AND kind = $2 AND week = $3");
        let row =
            sqlx::query(&sql).bind(recipient_id).bind(kind.as_str()).bind(week).fetch_optional(&self.pool).await?;
        row.as_ref().map(record).transpose()
    }

    /// Drafts matching `query`, oldest first.
    pub async fn drafts(&self, query: DraftQuery<'_>) -> Result<Vec<DraftRecord>, StoreError> {
        let sql = select(
            "WHERE ($1 IS NULL OR state = $1) AND ($2 IS NULL OR run_id = $2) AND ($3 IS NULL OR week = $3) \
             ORDER BY created_at, id",
        );
        let rows = sqlx::query(&sql)
            .bind(query.state.map(DraftState::as_str))
            .bind(query.run_id)
            .bind(query.week)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(record).collect()
    }

    /// Drafts addressed to any of `recipients`, oldest first, optionally only those in `state`.
    pub async fn drafts_to(
        &self,
        recipients: &[String],
        state: Option<DraftState>,
    ) -> Result<Vec<DraftRecord>, StoreError> {
        let mut found = Vec::new();
        // Bounded statements: a leader's scope can hold thousands of people.
        for chunk in recipients.chunks(500) {
            let placeholders: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
            let sql =
                select(&format!("WHERE ($1 IS NULL OR state = $1) AND recipient_id IN ({})", placeholders.join(", ")));
            let mut query = sqlx::query(&sql).bind(state.map(DraftState::as_str));
            for recipient in chunk {
                query = query.bind(recipient);
            }
            for row in query.fetch_all(&self.pool).await? {
                found.push(record(&row)?);
            }
        }
        found.sort_by(|a, b| a.created_at.cmp(&b.created_at).then_with(|| a.id.cmp(&b.id)));
        Ok(found)
    }

    /// The most recent reusable draft with these inputs: drafts that ended because the model
    /// could not be reached are not reused, so a later run tries again.
    pub async fn draft_with_inputs(&self, input_hash: &str) -> Result<Option<DraftRecord>, StoreError> {
        let sql = select(
            "WHERE input_hash = $1 AND stop_reason NOT LIKE '%provider_failed%' ORDER BY created_at DESC, id LIMIT 1",
        );
        let row = sqlx::query(&sql).bind(input_hash).fetch_optional(&self.pool).await?;
        row.as_ref().map(record).transpose()
    }

    /// Applies a decision; false when the draft is not in any of `decision.from`.
    pub async fn decide_draft_in(&self, tx: &mut Transaction<'_, Any>, d: &Decision<'_>) -> Result<bool, StoreError> {
        let placeholders: Vec<String> = (0..d.from.len()).map(|i| format!("${}", i + 7)).collect();
        let sql = format!(
            "UPDATE drafts SET state = $1, decided_by = $2, decided_at = $3, decision_reason = $4, \
             body = COALESCE($5, body), updated_at = $3 WHERE id = $6 AND state IN ({})",
            placeholders.join(", ")
        );
        let mut query = sqlx::query(&sql)
            .bind(d.to.as_str())
            .bind(d.by)
            .bind(instant(&d.at))
            .bind(d.reason)
            .bind(d.body)
            .bind(d.draft_id);
        for state in d.from {
            query = query.bind(state.as_str());
        }
        Ok(query.execute(&mut **tx).await?.rows_affected() == 1)
    }

    /// Sets the state after delivery settles (`delivered` or `failed`).
    pub async fn set_draft_state_in(
        &self,
        tx: &mut Transaction<'_, Any>,
        draft_id: &str,
        state: DraftState,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE drafts SET state = $1, updated_at = $2 WHERE id = $3")
            .bind(state.as_str())
            .bind(instant(&now))
            .bind(draft_id)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    /// Draft counts of one run by state.
    pub async fn draft_state_counts(&self, run_id: &str) -> Result<Vec<(DraftState, i64)>, StoreError> {
        let rows = sqlx::query("SELECT state, COUNT(*) FROM drafts WHERE run_id = $1 GROUP BY state ORDER BY state")
            .bind(run_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|r| Ok((parsed(run_id, "state", r.try_get(0)?, DraftState::parse)?, r.try_get(1)?))).collect()
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
