//! What happens to a draft after it is stored: reviewers' edits as diffs, the delivery outbox
//! (one row per draft and channel) and the relay that turns pending deliveries into `deliver`
//! jobs, and the little the review policy needs to know about people.

use super::codec::corrupt;
use super::jobs::instant;
use super::{Store, StoreError};
use crate::domain::DeliveryState;
use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ReviewEdit {
    pub seq: i64,
    pub editor: String,
    pub edited_at: String,
    pub reason: String,
    pub diff: String,
}

/// What one delivery attempt did: the state it leaves, the attempts so far, the channel's
/// reference when it sent, the error when it did not.
#[derive(Debug, Clone, Copy)]
pub struct DeliveryAttempt<'a> {
    pub state: DeliveryState,
    pub attempts: i64,
    pub external_ref: Option<&'a str>,
    pub error: Option<&'a str>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DeliveryRecord {
    pub draft_id: String,
    pub channel: String,
    pub run_id: String,
    pub week: String,
    pub state: DeliveryState,
    pub attempts: i64,
    pub target: String,
    pub external_ref: Option<String>,
    pub error: Option<String>,
    pub updated_at: String,
}

const DELIVERY_COLUMNS: &str =
    "draft_id, channel, run_id, week, state, attempts, target, external_ref, error, updated_at";

fn delivery_state(id: &str, text: String) -> Result<DeliveryState, StoreError> {
    DeliveryState::parse(&text).ok_or_else(|| corrupt("deliveries", id, "state", format!("unknown state {text:?}")))
}

fn delivery(row: &AnyRow) -> Result<DeliveryRecord, StoreError> {
    let draft_id: String = row.try_get(0)?;
    Ok(DeliveryRecord {
        state: delivery_state(&draft_id, row.try_get(4)?)?,
        draft_id,
        channel: row.try_get(1)?,
        run_id: row.try_get(2)?,
        week: row.try_get(3)?,
        attempts: row.try_get(5)?,
        target: row.try_get(6)?,
        external_ref: row.try_get(7)?,
        error: row.try_get(8)?,
        updated_at: row.try_get(9)?,
    })
}

impl Store {
    /// Appends an edit; returns its sequence number within the draft.
    pub async fn add_review_edit_in(
        &self,
        tx: &mut Transaction<'_, Any>,
        draft_id: &str,
        editor: &str,
        reason: &str,
        diff: &str,
        at: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT CAST(COALESCE(MAX(seq), 0) AS BIGINT) FROM review_edits WHERE draft_id = $1")
            .bind(draft_id)
            .fetch_one(&mut **tx)
            .await?;
        let seq = row.try_get::<i64, _>(0)? + 1;
        sqlx::query(
            "INSERT INTO review_edits (draft_id, seq, editor, edited_at, reason, diff) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(draft_id)
        .bind(seq)
        .bind(editor)
        .bind(instant(&at))
        .bind(reason)
        .bind(diff)
        .execute(&mut **tx)
        .await?;
        Ok(seq)
    }

    pub async fn review_edits(&self, draft_id: &str) -> Result<Vec<ReviewEdit>, StoreError> {
        let rows = sqlx::query(
            "SELECT seq, editor, edited_at, reason, diff FROM review_edits WHERE draft_id = $1 ORDER BY seq",
        )
        .bind(draft_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ReviewEdit {
                    seq: r.try_get(0)?,
                    editor: r.try_get(1)?,
                    edited_at: r.try_get(2)?,
                    reason: r.try_get(3)?,
                    diff: r.try_get(4)?,
                })
            })
            .collect()
    }

    /// Writes the outbox entry for one channel; nothing if it exists.
    pub async fn insert_delivery_in(
        &self,
        tx: &mut Transaction<'_, Any>,
        record: &DeliveryRecord,
    ) -> Result<bool, StoreError> {
        let sql = format!(
            "INSERT INTO deliveries ({DELIVERY_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
             ON CONFLICT DO NOTHING"
        );
        let done = sqlx::query(&sql)
            .bind(&record.draft_id)
            .bind(&record.channel)
            .bind(&record.run_id)
            .bind(&record.week)
            .bind(record.state.as_str())
            .bind(record.attempts)
            .bind(&record.target)
            .bind(&record.external_ref)
            .bind(&record.error)
            .bind(&record.updated_at)
            .execute(&mut **tx)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Records an attempt's outcome on the delivery row of `draft_id` by `channel`.
    pub async fn update_delivery_in(
        &self,
        tx: &mut Transaction<'_, Any>,
        draft_id: &str,
        channel: &str,
        attempt: &DeliveryAttempt<'_>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE deliveries SET state = $1, attempts = $2, external_ref = COALESCE($3, external_ref), error = $4, \
             updated_at = $5 WHERE draft_id = $6 AND channel = $7",
        )
        .bind(attempt.state.as_str())
        .bind(attempt.attempts)
        .bind(attempt.external_ref)
        .bind(attempt.error)
        .bind(instant(&now))
        .bind(draft_id)
        .bind(channel)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    pub async fn deliveries(&self, draft_id: &str) -> Result<Vec<DeliveryRecord>, StoreError> {
        let sql = format!("SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE draft_id = $1 ORDER BY channel");
        let rows = sqlx::query(&sql).bind(draft_id).fetch_all(&self.pool).await?;
        rows.iter().map(delivery).collect()
    }

    pub async fn deliveries_in(
        &self,
        tx: &mut Transaction<'_, Any>,
        draft_id: &str,
    ) -> Result<Vec<DeliveryRecord>, StoreError> {
        let sql = format!("SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE draft_id = $1 ORDER BY channel");
        let rows = sqlx::query(&sql).bind(draft_id).fetch_all(&mut **tx).await?;
        rows.iter().map(delivery).collect()
    }

    /// Deliveries of one run that failed for good.
    pub async fn failed_deliveries(&self, run_id: &str) -> Result<Vec<DeliveryRecord>, StoreError> {
        let sql = format!(
            "SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE run_id = $1 AND state = 'failed' ORDER BY draft_id, channel"
        );
        let rows = sqlx::query(&sql).bind(run_id).fetch_all(&self.pool).await?;
        rows.iter().map(delivery).collect()
    }

    /// Delivery counts of one run by state.
    pub async fn delivery_state_counts(&self, run_id: &str) -> Result<Vec<(DeliveryState, i64)>, StoreError> {
        let rows =
            sqlx::query("SELECT state, COUNT(*) FROM deliveries WHERE run_id = $1 GROUP BY state ORDER BY state")
                .bind(run_id)
                .fetch_all(&self.pool)
                .await?;
        rows.iter().map(|r| Ok((delivery_state(run_id, r.try_get(0)?)?, r.try_get(1)?))).collect()
    }

    /// Delivery counts by channel and state across all runs, for metrics.
    pub async fn delivery_channel_counts(&self) -> Result<Vec<(String, String, i64)>, StoreError> {
        let rows = sqlx::query(
            "SELECT channel, state, COUNT(*) FROM deliveries GROUP BY channel, state ORDER BY channel, state",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?))).collect()
    }

    /// The outbox relay: one `deliver` job per pending delivery, then marks those deliveries
    /// queued. Only rows whose job exists are marked, so an entry written by a concurrent
    /// approval between the two statements waits for the next pass instead of being lost.
    pub async fn relay_pending_deliveries(
        &self,
        priority: i64,
        max_attempts: i64,
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        // A read first: most polls find nothing, and a read takes no write lock on SQLite.
        let pending =
            sqlx::query("SELECT 1 FROM deliveries WHERE state = 'pending' LIMIT 1").fetch_optional(&self.pool).await?;
        if pending.is_none() {
            return Ok(0);
        }
        let now = instant(&now);
        let mut tx = self.pool.begin().await?;
        let created = sqlx::query(
            "INSERT INTO jobs (id, kind, scope, period, run_id, payload, state, priority, attempts, max_attempts, \
             run_after, created_at, updated_at) \
             SELECT 'deliver|' || draft_id || ':' || channel || '|' || week, 'deliver', draft_id || ':' || channel, \
             week, run_id, 'null', 'queued', $1, 0, $2, $3, $3, $3 FROM deliveries WHERE state = 'pending' \
             ON CONFLICT DO NOTHING",
        )
        .bind(priority)
        .bind(max_attempts)
        .bind(&now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        sqlx::query(
            "UPDATE deliveries SET state = 'queued', updated_at = $1 WHERE state = 'pending' AND EXISTS \
             (SELECT 1 FROM jobs WHERE jobs.id = 'deliver|' || deliveries.draft_id || ':' || deliveries.channel \
             || '|' || deliveries.week)",
        )
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(created)
    }

    /// A person's id, name, emails and manager, by id or by any of their addresses.
    pub async fn find_person(&self, who: &str) -> Result<Option<PersonRef>, StoreError> {
        let rows = sqlx::query("SELECT id, name, emails, manager_id, role FROM people WHERE id = $1 OR emails LIKE $2")
            .bind(who)
            // A coarse filter only: wildcards in `who` widen it, and the exact match is below.
            .bind(format!("%{who}%"))
            .fetch_all(&self.pool)
            .await?;
        for row in rows {
            let id: String = row.try_get(0)?;
            let emails: Vec<String> = super::codec::parse_json("people", &id, "emails", &row.try_get::<String, _>(2)?)?;
            if id == who || emails.iter().any(|e| e.eq_ignore_ascii_case(who)) {
                return Ok(Some(PersonRef {
                    name: row.try_get(1)?,
                    manager_id: row.try_get(3)?,
                    role: row.try_get(4)?,
                    emails,
                    id,
                }));
            }
        }
        Ok(None)
    }
}

/// The little the review workflow needs to know about a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonRef {
    pub id: String,
    pub name: String,
    pub emails: Vec<String>,
    pub manager_id: Option<String>,
    pub role: String,
}
