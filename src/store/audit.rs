//! The audit log's storage: append-only rows chained by SHA-256, each hash covering the entry's
//! fields and the previous entry's hash. Appends lock the single head row, so they are serial
//! on either backend; call [`Store::append_audit_in`] last in a transaction so the lock is held
//! briefly.

use super::jobs::instant;
use super::{Store, StoreError};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use sqlx::{Any, Row, Transaction};

/// The `prev_hash` of the first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AuditEntry {
    pub seq: i64,
    pub recorded_at: String,
    pub actor: String,
    pub action: String,
    pub subject: String,
    /// JSON.
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditEntry {
    /// The hash this entry should carry given its fields and `prev_hash`.
    pub fn expected_hash(&self) -> String {
        chain_hash(self.seq, &self.recorded_at, &self.actor, &self.action, &self.subject, &self.detail, &self.prev_hash)
    }
}

/// SHA-256 over each field prefixed by its length, so no two different entries share an input.
pub fn chain_hash(
    seq: i64,
    recorded_at: &str,
    actor: &str,
    action: &str,
    subject: &str,
    detail: &str,
    prev_hash: &str,
) -> String {
    let mut hasher = Sha256::new();
    let seq = seq.to_string();
    for field in [seq.as_str(), recorded_at, actor, action, subject, detail, prev_hash] {
        hasher.update((field.len() as u64).to_be_bytes());
        hasher.update(field.as_bytes());
    }
    hex::encode(hasher.finalize())
}

impl Store {
    /// Appends one entry inside `tx` and returns it.
    pub async fn append_audit_in(
        &self,
        tx: &mut Transaction<'_, Any>,
        actor: &str,
        action: &str,
        subject: &str,
        detail: &serde_json::Value,
        now: DateTime<Utc>,
    ) -> Result<AuditEntry, StoreError> {
        // Taking the head row first serialises concurrent appenders.
        sqlx::query("UPDATE audit_head SET seq = seq + 1 WHERE id = 1").execute(&mut **tx).await?;
        let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1").fetch_one(&mut **tx).await?;
        let seq: i64 = head.try_get(0)?;
        let prev_hash: String = head.try_get(1)?;
        let recorded_at = instant(&now);
        let detail = detail.to_string();
        let hash = chain_hash(seq, &recorded_at, actor, action, subject, &detail, &prev_hash);
        sqlx::query(
            "INSERT INTO audit_log (seq, recorded_at, actor, action, subject, detail, prev_hash, hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(seq)
        .bind(&recorded_at)
        .bind(actor)
        .bind(action)
        .bind(subject)
        .bind(&detail)
        .bind(&prev_hash)
        .bind(&hash)
        .execute(&mut **tx)
        .await?;
        sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1").bind(&hash).execute(&mut **tx).await?;
        Ok(AuditEntry {
            seq,
            recorded_at,
            actor: actor.to_owned(),
            action: action.to_owned(),
            subject: subject.to_owned(),
            detail,
            prev_hash,
            hash,
        })
    }

    /// Appends one entry in its own transaction.
    pub async fn append_audit(
        &self,
        actor: &str,
        action: &str,
        subject: &str,
        detail: &serde_json::Value,
        now: DateTime<Utc>,
    ) -> Result<AuditEntry, StoreError> {
        let mut tx = self.pool.begin().await?;
        let entry = self.append_audit_in(&mut tx, actor, action, subject, detail, now).await?;
        tx.commit().await?;
        Ok(entry)
    }

    /// Up to `limit` entries after `after_seq`, in storage order (by `seq`).
    pub async fn audit_entries(&self, after_seq: i64, limit: i64) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = sqlx::query(
            "SELECT seq, recorded_at, actor, action, subject, detail, prev_hash, hash FROM audit_log \
             WHERE seq > $1 ORDER BY seq LIMIT $2",
        )
        .bind(after_seq)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(AuditEntry {
                    seq: r.try_get(0)?,
                    recorded_at: r.try_get(1)?,
                    actor: r.try_get(2)?,
                    action: r.try_get(3)?,
                    subject: r.try_get(4)?,
                    detail: r.try_get(5)?,
                    prev_hash: r.try_get(6)?,
                    hash: r.try_get(7)?,
                })
            })
            .collect()
    }

    /// Entries about one subject (a draft, a run), oldest first.
    pub async fn audit_for_subject(&self, subject: &str) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = sqlx::query(
            "SELECT seq, recorded_at, actor, action, subject, detail, prev_hash, hash FROM audit_log \
             WHERE subject = $1 ORDER BY seq",
        )
        .bind(subject)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(AuditEntry {
                    seq: r.try_get(0)?,
                    recorded_at: r.try_get(1)?,
                    actor: r.try_get(2)?,
                    action: r.try_get(3)?,
                    subject: r.try_get(4)?,
                    detail: r.try_get(5)?,
                    prev_hash: r.try_get(6)?,
                    hash: r.try_get(7)?,
                })
            })
            .collect()
    }

    /// The head: the last sequence number handed out and the hash it ended with.
    pub async fn audit_head(&self) -> Result<(i64, String), StoreError> {
        let row = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1").fetch_one(&self.pool).await?;
        Ok((row.try_get(0)?, row.try_get(1)?))
    }

    /// The detail of the most recent entry with `action`, if any.
    pub async fn last_audit_detail(&self, action: &str) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT detail FROM audit_log WHERE action = $1 ORDER BY seq DESC LIMIT 1")
            .bind(action)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| r.try_get::<String, _>(0)).transpose().map_err(StoreError::from)
    }
}
