//! Live-connector bookkeeping: sync cursors per source and object, deletions a source reports
//! (applied with their dependent rows and kept as tombstones), links from mailbox item ids to
//! the records they were stored under, and pushed change notifications awaiting a sync.

use super::bulk::{Upsert, Value};
use super::codec::{parse_timestamp, timestamp};
use super::{Store, StoreError};
use crate::domain::{DealContactRole, SourceName};
use chrono::{DateTime, Utc};
use sqlx::Row;
use std::collections::{BTreeSet, HashMap};

/// Ids per statement: well under every backend's bind-parameter limit.
const IDS_PER_STATEMENT: usize = 500;

/// A kind of record a source can report deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SyncedKind {
    Person,
    Account,
    Contact,
    Deal,
    DealHistory,
    Activity,
}

impl SyncedKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            SyncedKind::Person => "person",
            SyncedKind::Account => "account",
            SyncedKind::Contact => "contact",
            SyncedKind::Deal => "deal",
            SyncedKind::DealHistory => "deal_history",
            SyncedKind::Activity => "activity",
        }
    }

    /// The table holding the records, then the (table, column) pairs that point at them and
    /// go with them.
    fn tables(&self) -> (&'static str, &'static [(&'static str, &'static str)]) {
        match self {
            SyncedKind::Person => ("people", &[("quotas", "person_id")]),
            SyncedKind::Account => ("accounts", &[]),
            SyncedKind::Contact => ("contacts", &[("deal_contact_roles", "contact_id")]),
            SyncedKind::Deal => (
                "deals",
                &[("deal_history", "deal_id"), ("deal_contact_roles", "deal_id"), ("activity_deals", "deal_id")],
            ),
            SyncedKind::DealHistory => ("deal_history", &[]),
            SyncedKind::Activity => {
                ("activities", &[("activity_deals", "activity_id"), ("activity_signals", "activity_id")])
            }
        }
    }
}

/// One change notification as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookEventRecord {
    pub event_id: String,
    pub source: String,
    /// `deal`, `company`, `contact`, …
    pub object: String,
    pub object_id: String,
    /// `creation`, `deletion`, `propertyChange`, …
    pub change: String,
    pub occurred_at: DateTime<Utc>,
}

fn placeholders(count: usize, first: usize) -> String {
    (first..first + count).map(|n| format!("${n}")).collect::<Vec<_>>().join(", ")
}

impl Store {
    /// The cursor stored for `object` of `source`, if any.
    pub async fn sync_cursor(&self, source: &str, object: &str) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT cursor_value FROM sync_cursors WHERE source = $1 AND object = $2")
            .bind(source)
            .bind(object)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.try_get::<String, _>(0)).transpose()?)
    }

    /// Stores a cursor. Call it only once the records it covers are committed.
    pub async fn set_sync_cursor(
        &self,
        source: &str,
        object: &str,
        value: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let row = vec![Value::from(source), object.into(), value.into(), timestamp(&now).into()];
        Upsert {
            table: "sync_cursors",
            columns: &["source", "object", "cursor_value", "updated_at"],
            key: &["source", "object"],
        }
        .run(&mut tx, self.backend, &[row])
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn clear_sync_cursor(&self, source: &str, object: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sync_cursors WHERE source = $1 AND object = $2")
            .bind(source)
            .bind(object)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Every cursor of `source`: (object, value, last written), by object.
    pub async fn sync_cursors(&self, source: &str) -> Result<Vec<(String, String, DateTime<Utc>)>, StoreError> {
        let rows =
            sqlx::query("SELECT object, cursor_value, updated_at FROM sync_cursors WHERE source = $1 ORDER BY object")
                .bind(source)
                .fetch_all(&self.pool)
                .await?;
        rows.into_iter()
            .map(|row| {
                let object: String = row.try_get(0)?;
                let updated: String = row.try_get(2)?;
                let updated = parse_timestamp("sync_cursors", &object, "updated_at", &updated)?;
                Ok((object, row.try_get(1)?, updated))
            })
            .collect()
    }

    /// Removes the records `external_ids` of `source` with the rows that hang off them and
    /// leaves a tombstone for each, in one transaction. Returns how many records were there.
    pub async fn delete_synced(
        &self,
        source: &SourceName,
        kind: SyncedKind,
        external_ids: &[String],
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let ids: Vec<String> = external_ids.iter().map(|e| format!("{}:{}", source.as_str(), e.trim())).collect();
        let (table, dependents) = kind.tables();
        let mut tx = self.pool.begin().await?;
        let mut deleted = 0;
        for chunk in ids.chunks(IDS_PER_STATEMENT) {
            let list = placeholders(chunk.len(), 1);
            for (dependent, column) in dependents {
                let sql = format!("DELETE FROM {dependent} WHERE {column} IN ({list})");
                let mut query = sqlx::query(&sql);
                for id in chunk {
                    query = query.bind(id.as_str());
                }
                query.execute(&mut *tx).await?;
            }
            let sql = format!("DELETE FROM {table} WHERE id IN ({list})");
            let mut query = sqlx::query(&sql);
            for id in chunk {
                query = query.bind(id.as_str());
            }
            deleted += query.execute(&mut *tx).await?.rows_affected();
        }
        let unique: BTreeSet<&str> = external_ids.iter().map(|e| e.trim()).collect();
        let rows: Vec<Vec<Value>> = unique
            .into_iter()
            .map(|e| vec![Value::from(source.as_str()), kind.as_str().into(), e.into(), timestamp(&now).into()])
            .collect();
        Upsert {
            table: "sync_tombstones",
            columns: &["source", "object", "external_id", "deleted_at"],
            key: &["source", "object", "external_id"],
        }
        .run(&mut tx, self.backend, &rows)
        .await?;
        tx.commit().await?;
        Ok(deleted)
    }

    /// Tombstones of `source`, as (object, external id), in order.
    pub async fn sync_tombstones(&self, source: &str) -> Result<Vec<(String, String)>, StoreError> {
        let rows = sqlx::query(
            "SELECT object, external_id FROM sync_tombstones WHERE source = $1 ORDER BY object, external_id",
        )
        .bind(source)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect()
    }

    /// Removes buyer-side roles on deals; returns how many were there.
    pub async fn delete_contact_roles(&self, roles: &[DealContactRole]) -> Result<u64, StoreError> {
        let mut tx = self.pool.begin().await?;
        let mut deleted = 0;
        for role in roles {
            deleted +=
                sqlx::query("DELETE FROM deal_contact_roles WHERE deal_id = $1 AND contact_id = $2 AND role = $3")
                    .bind(role.deal_id.as_str())
                    .bind(role.contact_id.as_str())
                    .bind(role.role.as_str())
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
        }
        tx.commit().await?;
        Ok(deleted)
    }

    /// Records that the item `item_id` in `scope` (a mailbox, an object type) was stored
    /// under `external_id`.
    pub async fn link_items(&self, source: &str, scope: &str, links: &[(String, String)]) -> Result<(), StoreError> {
        if links.is_empty() {
            return Ok(());
        }
        let mut by_item: HashMap<&str, &str> = HashMap::new();
        for (item, external) in links {
            by_item.insert(item.as_str(), external.as_str());
        }
        let rows: Vec<Vec<Value>> = by_item
            .into_iter()
            .map(|(item, external)| vec![Value::from(source), scope.into(), item.into(), external.into()])
            .collect();
        let mut tx = self.pool.begin().await?;
        Upsert {
            table: "sync_item_links",
            columns: &["source", "scope", "item_id", "external_id"],
            key: &["source", "scope", "item_id"],
        }
        .run(&mut tx, self.backend, &rows)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The external ids `item_ids` in `scope` were stored under.
    pub async fn item_links(
        &self,
        source: &str,
        scope: &str,
        item_ids: &[String],
    ) -> Result<HashMap<String, String>, StoreError> {
        let mut found = HashMap::new();
        for chunk in item_ids.chunks(IDS_PER_STATEMENT) {
            let sql = format!(
                "SELECT item_id, external_id FROM sync_item_links WHERE source = $1 AND scope = $2 AND item_id IN ({})",
                placeholders(chunk.len(), 3)
            );
            let mut query = sqlx::query(&sql).bind(source).bind(scope);
            for id in chunk {
                query = query.bind(id.as_str());
            }
            for row in query.fetch_all(&self.pool).await? {
                found.insert(row.try_get(0)?, row.try_get(1)?);
            }
        }
        Ok(found)
    }

    /// Forgets the items `item_ids` in `scope` and returns the external ids that no item of
    /// any scope points at any more: their records are gone from the source.
    pub async fn unlink_items(
        &self,
        source: &str,
        scope: &str,
        item_ids: &[String],
    ) -> Result<Vec<String>, StoreError> {
        let linked = self.item_links(source, scope, item_ids).await?;
        let mut tx = self.pool.begin().await?;
        for chunk in item_ids.chunks(IDS_PER_STATEMENT) {
            let sql = format!(
                "DELETE FROM sync_item_links WHERE source = $1 AND scope = $2 AND item_id IN ({})",
                placeholders(chunk.len(), 3)
            );
            let mut query = sqlx::query(&sql).bind(source).bind(scope);
            for id in chunk {
                query = query.bind(id.as_str());
            }
            query.execute(&mut *tx).await?;
        }
        let mut orphaned = Vec::new();
        let externals: BTreeSet<String> = linked.into_values().collect();
        for external in externals {
            let remaining = sqlx::query("SELECT COUNT(*) FROM sync_item_links WHERE source = $1 AND external_id = $2")
                .bind(source)
                .bind(external.as_str())
                .fetch_one(&mut *tx)
                .await?
                .try_get::<i64, _>(0)?;
            if remaining == 0 {
                orphaned.push(external);
            }
        }
        tx.commit().await?;
        Ok(orphaned)
    }

    /// Stores change notifications; ones already received (same event id) are ignored.
    /// Returns how many were new.
    pub async fn record_webhook_events(
        &self,
        events: &[WebhookEventRecord],
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let mut seen = BTreeSet::new();
        let rows: Vec<Vec<Value>> = events
            .iter()
            .filter(|e| seen.insert(e.event_id.clone()))
            .map(|e| {
                vec![
                    Value::from(e.event_id.as_str()),
                    e.source.as_str().into(),
                    e.object.as_str().into(),
                    e.object_id.as_str().into(),
                    e.change.as_str().into(),
                    timestamp(&e.occurred_at).into(),
                    timestamp(&now).into(),
                ]
            })
            .collect();
        let mut tx = self.pool.begin().await?;
        let written = Upsert {
            table: "sync_webhook_events",
            columns: &["event_id", "source", "object", "object_id", "change", "occurred_at", "received_at"],
            key: &["event_id"],
        }
        .run(&mut tx, self.backend, &rows)
        .await?;
        tx.commit().await?;
        Ok(written)
    }

    /// Notifications of `source` not yet applied, oldest first.
    pub async fn pending_webhook_events(&self, source: &str) -> Result<Vec<WebhookEventRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT event_id, source, object, object_id, change, occurred_at FROM sync_webhook_events \
             WHERE source = $1 AND processed_at IS NULL ORDER BY occurred_at, event_id",
        )
        .bind(source)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|row| {
                let event_id: String = row.try_get(0)?;
                let occurred: String = row.try_get(5)?;
                Ok(WebhookEventRecord {
                    occurred_at: parse_timestamp("sync_webhook_events", &event_id, "occurred_at", &occurred)?,
                    source: row.try_get(1)?,
                    object: row.try_get(2)?,
                    object_id: row.try_get(3)?,
                    change: row.try_get(4)?,
                    event_id,
                })
            })
            .collect()
    }

    pub async fn mark_webhook_events_processed(
        &self,
        event_ids: &[String],
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        for chunk in event_ids.chunks(IDS_PER_STATEMENT) {
            let sql = format!(
                "UPDATE sync_webhook_events SET processed_at = $1 WHERE event_id IN ({})",
                placeholders(chunk.len(), 2)
            );
            let mut query = sqlx::query(&sql).bind(timestamp(&now));
            for id in chunk {
                query = query.bind(id.as_str());
            }
            query.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
