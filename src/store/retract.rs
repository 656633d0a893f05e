//! Removing what is withdrawn: activities a later import withdrew (cancelled meetings), with
//! their deal links and signals, and the runs of a replaced demo organisation, with their
//! jobs, drafts, deliveries and stored reports; each in one transaction.

use super::{Store, StoreError};
use crate::domain::ActivityId;

/// Ids per DELETE statement: well under every backend's bind-parameter limit.
const IDS_PER_STATEMENT: usize = 500;

impl Store {
    /// Deletes the activities `ids` and everything hanging off them; returns how many
    /// activities were there to delete. Unknown ids are ignored.
    pub async fn delete_activities(&self, ids: &[ActivityId]) -> Result<u64, StoreError> {
        let mut tx = self.pool.begin().await?;
        let mut deleted = 0;
        for chunk in ids.chunks(IDS_PER_STATEMENT) {
            let placeholders: Vec<String> = (1..=chunk.len()).map(|n| format!("${n}")).collect();
            let list = placeholders.join(", ");
            for table in ["activity_deals", "activity_signals"] {
                let sql = format!("DELETE FROM {table} WHERE activity_id IN ({list})");
                let mut query = sqlx::query(&sql);
                for id in chunk {
                    query = query.bind(id.as_str());
                }
                query.execute(&mut *tx).await?;
            }
            let sql = format!("DELETE FROM activities WHERE id IN ({list})");
            let mut query = sqlx::query(&sql);
            for id in chunk {
                query = query.bind(id.as_str());
            }
            deleted += query.execute(&mut *tx).await?.rows_affected();
        }
        tx.commit().await?;
        Ok(deleted)
    }

    /// Deletes every run started by `trigger` with its jobs, drafts (their edits, feedback and
    /// deliveries) and stored report; returns how many runs went. The audit log keeps its
    /// entries: it is append-only.
    pub async fn forget_runs(&self, trigger: &str) -> Result<u64, StoreError> {
        let mut tx = self.pool.begin().await?;
        let of_runs = "SELECT id FROM runs WHERE trigger_kind = $1";
        let of_drafts = format!("SELECT id FROM drafts WHERE run_id IN ({of_runs})");
        let statements = [
            format!("DELETE FROM review_edits WHERE draft_id IN ({of_drafts})"),
            format!("DELETE FROM draft_feedback WHERE draft_id IN ({of_drafts})"),
            format!("DELETE FROM deliveries WHERE run_id IN ({of_runs})"),
            format!("DELETE FROM drafts WHERE run_id IN ({of_runs})"),
            format!("DELETE FROM jobs WHERE run_id IN ({of_runs})"),
            format!("DELETE FROM deal_flags WHERE run_id IN ({of_runs})"),
            format!("DELETE FROM deal_snapshots WHERE run_id IN ({of_runs})"),
            format!("DELETE FROM rep_snapshots WHERE run_id IN ({of_runs})"),
            format!("DELETE FROM team_snapshots WHERE run_id IN ({of_runs})"),
            format!("DELETE FROM feature_snapshots WHERE run_id IN ({of_runs})"),
        ];
        for sql in &statements {
            sqlx::query(sql).bind(trigger).execute(&mut *tx).await?;
        }
        let runs = sqlx::query("DELETE FROM runs WHERE trigger_kind = $1").bind(trigger).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(runs.rows_affected())
    }
}
