//! Removing activities that a later import withdrew (cancelled meetings), with their deal
//! links and signals, in one transaction.

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
}
