//! Loading what the risk engine reads, lean: on SQLite the two large tables (activities with
//! their deal links, and deal history) are streamed through a native connection, and activity
//! text the engine never reads (subjects, snippets, addresses, names) is left behind. Smaller
//! tables load as usual. Other backends load the full dataset.

use super::codec::{corrupt, parse_timestamp};
use super::{Backend, Store, StoreError};
use crate::domain::{
    Activity, ActivityId, ActivityKind, DealField, DealHistory, DealId, DealLink, Direction, HistoryId, Participant,
    ParticipantRole, Party, SourceName,
};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use sqlx::sqlite::{SqliteConnectOptions, SqliteRow};
use sqlx::{ConnectOptions, Connection, Row};
use std::str::FromStr;

/// The part of a stored participant the engine reads.
#[derive(Deserialize)]
struct LeanParticipant {
    role: ParticipantRole,
    #[serde(default)]
    party: Option<Party>,
}

/// Timestamps as the store writes them (`2026-11-21T07:30:00Z`), parsed without the general
/// RFC 3339 machinery; anything else takes the general path.
fn timestamp(table: &'static str, id: &str, field: &'static str, text: &str) -> Result<DateTime<Utc>, StoreError> {
    let bytes = text.as_bytes();
    let number = |range: std::ops::Range<usize>| -> Option<u32> {
        bytes.get(range)?.iter().try_fold(0u32, |n, b| b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0')))
    };
    let fast = (bytes.len() == 20 && bytes.get(19) == Some(&b'Z'))
        .then(|| {
            let date = chrono::NaiveDate::from_ymd_opt(number(0..4)? as i32, number(5..7)?, number(8..10)?)?;
            date.and_hms_opt(number(11..13)?, number(14..16)?, number(17..19)?)
        })
        .flatten();
    match fast {
        Some(at) => Ok(at.and_utc()),
        None => parse_timestamp(table, id, field, text),
    }
}

/// Source names repeat row after row; parse each once and clone it.
#[derive(Default)]
struct SourceCache {
    last: Option<SourceName>,
}

impl SourceCache {
    fn get(&mut self, table: &'static str, id: &str, text: &str) -> Result<SourceName, StoreError> {
        if let Some(source) = self.last.as_ref().filter(|s| s.as_str() == text) {
            return Ok(source.clone());
        }
        let source = SourceName::parse(text).map_err(|e| corrupt(table, id, "source", e))?;
        self.last = Some(source.clone());
        Ok(source)
    }
}

impl Store {
    /// Everything the risk engine reads, with the large tables streamed and trimmed on SQLite.
    /// Activities keep their ids, kinds, directions, times, deal links and the buyer contacts
    /// taking part; their text stays in the store.
    pub async fn load_engine_dataset(&self) -> Result<crate::domain::Dataset, StoreError> {
        if self.backend != Backend::Sqlite {
            return self.load_dataset().await;
        }
        let options = SqliteConnectOptions::from_str(&self.location)
            .map_err(|source| StoreError::Connect { location: self.location.clone(), source })?
            .read_only(true)
            .log_statements(tracing::log::LevelFilter::Trace)
            // Streaming every activity is slow by design; that is not worth a warning.
            .log_slow_statements(tracing::log::LevelFilter::Debug, std::time::Duration::from_secs(2));
        let mut connection = options
            .connect()
            .await
            .map_err(|source| StoreError::Connect { location: self.location.clone(), source })?;
        let mut data = super::lean_tables::small_tables(&mut connection).await?;

        // Rows are mapped as they arrive, so only the trimmed records are ever held.
        let decode = |error: StoreError| sqlx::Error::Decode(Box::new(error));
        let mut sources = SourceCache::default();
        let sql = "SELECT id, source, deal_id, field, old_value, new_value, changed_at FROM deal_history \
                   ORDER BY deal_id, changed_at, id";
        data.history = sqlx::query(sql)
            .try_map(|row: SqliteRow| {
                let id: &str = row.try_get(0)?;
                let field: &str = row.try_get(3)?;
                Ok(DealHistory {
                    id: HistoryId::parse(id).map_err(|e| decode(corrupt("deal_history", id, "id", e)))?,
                    source: sources.get("deal_history", id, row.try_get(1)?).map_err(decode)?,
                    external_id: String::new(),
                    deal_id: DealId::parse(row.try_get::<&str, _>(2)?)
                        .map_err(|e| decode(corrupt("deal_history", id, "deal_id", e)))?,
                    field: DealField::from_str(field).map_err(|e| decode(corrupt("deal_history", id, "field", e)))?,
                    old_value: row.try_get::<Option<&str>, _>(4)?.map(str::to_owned),
                    new_value: row.try_get::<Option<&str>, _>(5)?.map(str::to_owned),
                    changed_at: timestamp("deal_history", id, "changed_at", row.try_get(6)?).map_err(decode)?,
                })
            })
            .fetch_all(&mut connection)
            .await?;

        // One row per (activity, deal) link in storage order: sorting two million rows by time
        // costs more than the whole read, and the index orders each deal's activities anyway.
        // An activity's rows are consecutive and are folded into it afterwards.
        let sql = "SELECT a.id, a.source, a.kind, a.direction, a.occurred_at, a.participants, d.deal_id, d.confidence \
                   FROM activities a LEFT JOIN activity_deals d ON d.activity_id = a.id ORDER BY a.rowid, d.deal_id";
        let mut activities: Vec<Activity> = sqlx::query(sql)
            .try_map(|row: SqliteRow| {
                let id: &str = row.try_get(0)?;
                let fail = |field: &'static str, e: String| decode(corrupt("activities", id, field, e));
                let deals = match row.try_get::<Option<&str>, _>(6)? {
                    Some(deal) => vec![DealLink {
                        deal_id: DealId::parse(deal).map_err(|e| fail("deal_id", e.to_string()))?,
                        rule: String::new(),
                        confidence: row.try_get(7)?,
                    }],
                    None => Vec::new(),
                };
                let participants: Vec<LeanParticipant> =
                    serde_json::from_str(row.try_get(5)?).map_err(|e| fail("participants", e.to_string()))?;
                Ok(Activity {
                    id: ActivityId::parse(id).map_err(|e| fail("id", e.to_string()))?,
                    source: sources.get("activities", id, row.try_get(1)?).map_err(decode)?,
                    external_id: String::new(),
                    kind: ActivityKind::from_str(row.try_get(2)?).map_err(|e| fail("kind", e))?,
                    direction: Direction::from_str(row.try_get(3)?).map_err(|e| fail("direction", e))?,
                    occurred_at: timestamp("activities", id, "occurred_at", row.try_get(4)?).map_err(decode)?,
                    duration_minutes: None,
                    subject: None,
                    snippet: None,
                    thread_id: None,
                    participants: participants
                        .into_iter()
                        .filter(|p| matches!(p.party, Some(Party::Contact(_))))
                        .map(|p| Participant { address: String::new(), name: None, role: p.role, party: p.party })
                        .collect(),
                    deals,
                })
            })
            .fetch_all(&mut connection)
            .await?;
        activities.dedup_by(|later, earlier| {
            let same = later.id == earlier.id;
            if same {
                earlier.deals.append(&mut later.deals);
            }
            same
        });
        data.activities = activities;
        connection.close().await?;
        data.activities.shrink_to_fit();
        data.history.shrink_to_fit();
        Ok(data)
    }
}
