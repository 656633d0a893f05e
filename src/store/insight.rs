//! Reading stored engine snapshots back for people: the latest run's deals, flags, scorecards,
//! roll-ups and forecast as the JSON the engine wrote, and a deal's activities and history for
//! the evidence behind its flags, and activity text by id for the drafts that quote it. Filtering by who may see what happens above this layer.

use super::{Backend, Store, StoreError};
use sqlx::Row;
use std::collections::HashMap;

/// Open pipeline of a stored snapshot summed by stage (and owner).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageSum {
    /// Empty unless summed per owner.
    pub owner_id: String,
    pub stage: String,
    pub currency: String,
    pub deals: i64,
    pub amount_minor: i64,
    /// Each deal's amount times its win probability, rounded, summed.
    pub weighted_minor: i64,
}

/// A deal as the latest snapshot saw it: the indexed columns, and the engine's full record.
#[derive(Debug, Clone, PartialEq)]
pub struct SnapshotDeal {
    pub deal_id: String,
    pub owner_id: String,
    pub stage: String,
    pub amount_minor: i64,
    pub currency: String,
    pub close_date: Option<String>,
    pub win_probability: f64,
    pub highest_severity: Option<String>,
    /// The engine's `DealRisk`, as JSON.
    pub detail: String,
}

/// One stored activity, for showing beside the flags it supports. Subjects are source text.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct ActivityLine {
    pub id: String,
    pub kind: String,
    pub direction: String,
    pub occurred_at: String,
    pub subject: Option<String>,
}

/// The free text of an activity: quoted source data, never instructions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActivityText {
    pub subject: Option<String>,
    pub snippet: Option<String>,
}

/// Ids per `IN (...)` query: well under SQLite's and Postgres's bound-parameter limits.
const ACTIVITY_TEXT_BATCH: usize = 500;

/// One stored change to a deal.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct HistoryLine {
    pub id: String,
    pub field: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub changed_at: String,
}

/// The run-level part of a snapshot.
#[derive(Debug, Clone, PartialEq)]
pub struct SnapshotSummary {
    pub run_id: String,
    pub as_of: String,
    pub period: String,
    pub currency: String,
    pub ruleset_version: String,
    /// The engine's `ForecastRisk` and `ModelSummary`, as JSON.
    pub forecast: String,
    pub model: String,
}

const DEAL_COLUMNS: &str =
    "deal_id, owner_id, stage, amount_minor, currency, close_date, win_probability, highest_severity, detail";

fn snapshot_deal(row: &sqlx::any::AnyRow) -> Result<SnapshotDeal, StoreError> {
    Ok(SnapshotDeal {
        deal_id: row.try_get(0)?,
        owner_id: row.try_get(1)?,
        stage: row.try_get(2)?,
        amount_minor: row.try_get(3)?,
        currency: row.try_get(4)?,
        close_date: row.try_get(5)?,
        win_probability: row.try_get(6)?,
        highest_severity: row.try_get(7)?,
        detail: row.try_get(8)?,
    })
}

impl Store {
    /// The most recent snapshot (by data date, then run id), if any run has made one.
    pub async fn latest_snapshot(&self) -> Result<Option<SnapshotSummary>, StoreError> {
        let row = sqlx::query(
            "SELECT run_id, as_of, period, currency, ruleset_version, forecast, model FROM feature_snapshots \
             ORDER BY as_of DESC, run_id DESC LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(SnapshotSummary {
            run_id: row.try_get(0)?,
            as_of: row.try_get(1)?,
            period: row.try_get(2)?,
            currency: row.try_get(3)?,
            ruleset_version: row.try_get(4)?,
            forecast: row.try_get(5)?,
            model: row.try_get(6)?,
        }))
    }

    /// Every deal of the snapshot, riskiest first (lowest win probability), then by id.
    pub async fn snapshot_deals(&self, run_id: &str) -> Result<Vec<SnapshotDeal>, StoreError> {
        let sql =
            format!("SELECT {DEAL_COLUMNS} FROM deal_snapshots WHERE run_id = $1 ORDER BY win_probability, deal_id");
        sqlx::query(&sql).bind(run_id).fetch_all(&self.pool).await?.iter().map(snapshot_deal).collect()
    }

    /// The snapshot's open pipeline summed by stage and currency, and by owner as well when
    /// `per_owner` (for a caller who sees only part of the organisation): summed in the
    /// database, so the forecast reads a handful of rows, not every deal.
    pub async fn snapshot_stage_sums(&self, run_id: &str, per_owner: bool) -> Result<Vec<StageSum>, StoreError> {
        let owner = if per_owner { "owner_id" } else { "''" };
        let group = if per_owner { "owner_id, stage, currency" } else { "stage, currency" };
        // Each deal's weighted amount is rounded before summing, half away from zero as the
        // engine's f64::round does: SQLite's ROUND does so, Postgres's rounds a half to even.
        let weighted = "amount_minor * win_probability";
        let rounded = match self.backend {
            Backend::Sqlite => format!("ROUND({weighted})"),
            Backend::Postgres => format!("SIGN({weighted}) * FLOOR(ABS({weighted}) + 0.5)"),
        };
        let sql = format!(
            "SELECT {owner}, stage, currency, COUNT(*), CAST(SUM(amount_minor) AS BIGINT), \
             CAST(SUM({rounded}) AS BIGINT) FROM deal_snapshots WHERE run_id = $1 GROUP BY {group} ORDER BY {group}"
        );
        let rows = sqlx::query(&sql).bind(run_id).fetch_all(&self.pool).await?;
        rows.iter()
            .map(|row| {
                Ok(StageSum {
                    owner_id: row.try_get(0)?,
                    stage: row.try_get(1)?,
                    currency: row.try_get(2)?,
                    deals: row.try_get(3)?,
                    amount_minor: row.try_get(4)?,
                    weighted_minor: row.try_get(5)?,
                })
            })
            .collect()
    }

    pub async fn snapshot_deal(&self, run_id: &str, deal_id: &str) -> Result<Option<SnapshotDeal>, StoreError> {
        let sql = format!("SELECT {DEAL_COLUMNS} FROM deal_snapshots WHERE run_id = $1 AND deal_id = $2");
        sqlx::query(&sql)
            .bind(run_id)
            .bind(deal_id)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(snapshot_deal)
            .transpose()
    }

    /// Scorecards of the snapshot as (person id, the engine's `Scorecard` JSON), by person.
    pub async fn snapshot_scorecards(&self, run_id: &str) -> Result<Vec<(String, String)>, StoreError> {
        let rows = sqlx::query("SELECT person_id, scorecard FROM rep_snapshots WHERE run_id = $1 ORDER BY person_id")
            .bind(run_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|row| Ok((row.try_get(0)?, row.try_get(1)?))).collect()
    }

    /// Team roll-ups as (manager id, the engine's `TeamRollup` JSON), by manager.
    pub async fn snapshot_rollups(&self, run_id: &str) -> Result<Vec<(String, String)>, StoreError> {
        let rows = sqlx::query("SELECT manager_id, rollup FROM team_snapshots WHERE run_id = $1 ORDER BY manager_id")
            .bind(run_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|row| Ok((row.try_get(0)?, row.try_get(1)?))).collect()
    }

    /// A deal's most recent activities, newest first, at most `limit`.
    pub async fn deal_activity_lines(&self, deal_id: &str, limit: i64) -> Result<Vec<ActivityLine>, StoreError> {
        let rows = sqlx::query(
            "SELECT a.id, a.kind, a.direction, a.occurred_at, a.subject FROM activities a \
             JOIN activity_deals d ON d.activity_id = a.id WHERE d.deal_id = $1 \
             ORDER BY a.occurred_at DESC, a.id LIMIT $2",
        )
        .bind(deal_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(ActivityLine {
                    id: row.try_get(0)?,
                    kind: row.try_get(1)?,
                    direction: row.try_get(2)?,
                    occurred_at: row.try_get(3)?,
                    subject: row.try_get(4)?,
                })
            })
            .collect()
    }

    /// Activities by id (those a flag cites), in id order; unknown ids are skipped.
    pub async fn activity_lines(&self, ids: &[String]) -> Result<Vec<ActivityLine>, StoreError> {
        let mut lines = Vec::new();
        for id in ids {
            let row = sqlx::query("SELECT id, kind, direction, occurred_at, subject FROM activities WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
            if let Some(row) = row {
                lines.push(ActivityLine {
                    id: row.try_get(0)?,
                    kind: row.try_get(1)?,
                    direction: row.try_get(2)?,
                    occurred_at: row.try_get(3)?,
                    subject: row.try_get(4)?,
                });
            }
        }
        Ok(lines)
    }

    /// The subject and snippet of each of `ids` that exists, read a few hundred ids per query.
    pub async fn activity_texts(&self, ids: &[String]) -> Result<HashMap<String, ActivityText>, StoreError> {
        let mut texts = HashMap::with_capacity(ids.len());
        for chunk in ids.chunks(ACTIVITY_TEXT_BATCH) {
            let placeholders: Vec<String> = (1..=chunk.len()).map(|n| format!("${n}")).collect();
            let sql = format!("SELECT id, subject, snippet FROM activities WHERE id IN ({})", placeholders.join(", "));
            let mut query = sqlx::query(&sql);
            for id in chunk {
                query = query.bind(id);
            }
            for row in query.fetch_all(&self.pool).await? {
                let id: String = row.try_get(0)?;
                texts.insert(id, ActivityText { subject: row.try_get(1)?, snippet: row.try_get(2)? });
            }
        }
        Ok(texts)
    }

    /// A deal's recorded changes, oldest first.
    pub async fn deal_history_lines(&self, deal_id: &str) -> Result<Vec<HistoryLine>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, field, old_value, new_value, changed_at FROM deal_history WHERE deal_id = $1 \
             ORDER BY changed_at, id",
        )
        .bind(deal_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(HistoryLine {
                    id: row.try_get(0)?,
                    field: row.try_get(1)?,
                    old_value: row.try_get(2)?,
                    new_value: row.try_get(3)?,
                    changed_at: row.try_get(4)?,
                })
            })
            .collect()
    }
}
