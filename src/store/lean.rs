//! Loading what the risk engine reads, compact ([`EngineData`]). On a SQLite file every table
//! is read through native read-only connections (rusqlite, over the same SQLite library sqlx
//! links), and the two large ones (activities with their deal links, deal history) go straight
//! into the engine's columns on two threads: ids and values into shared buffers, deals and
//! buyer contacts as positions, and the text the engine never reads (subjects, snippets,
//! addresses, names, sources) left in the store. Other backends load the full dataset and
//! convert it.

use super::codec::{corrupt, parse_timestamp};
use super::lean_tables::{each_row, optional_text, small_tables, text};
use super::{Backend, Store, StoreError};
use crate::domain::{
    ActivityId, ActivityKind, DealField, DealHistory, DealId, Direction, HistoryId, ParticipantRole, SourceName,
};
use crate::engine::risk::input::{takes_part, ActivityRow, ActivityTable, HistoryEntry, HistoryTable, Positions};
use crate::engine::risk::EngineData;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OpenFlags};
use serde::Deserialize;
use sqlx::sqlite::SqliteConnectOptions;
use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// The part of a stored participant the engine reads; addresses and names are skipped unread.
#[derive(Deserialize)]
struct LeanParticipant<'t> {
    role: ParticipantRole,
    #[serde(default, borrow)]
    party: Option<LeanParty<'t>>,
}

/// [`crate::domain::Party`] with its id borrowed from the row where the JSON allows it.
#[derive(Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
enum LeanParty<'t> {
    Person(serde::de::IgnoredAny),
    Contact(#[serde(borrow)] Cow<'t, str>),
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

/// Enum values in the spelling the store writes, matched without allocating; other spellings
/// parse the forgiving way.
fn kind(text: &str) -> Result<ActivityKind, String> {
    [ActivityKind::Email, ActivityKind::Meeting, ActivityKind::Call, ActivityKind::Task, ActivityKind::Note]
        .into_iter()
        .find(|k| k.as_str() == text)
        .map_or_else(|| ActivityKind::from_str(text), Ok)
}

fn direction(text: &str) -> Result<Direction, String> {
    [Direction::Inbound, Direction::Outbound, Direction::Internal]
        .into_iter()
        .find(|d| d.as_str() == text)
        .map_or_else(|| Direction::from_str(text), Ok)
}

fn field(text: &str) -> Result<DealField, String> {
    use DealField::*;
    [Stage, Amount, CloseDate, ForecastCategory, Owner, NextStep]
        .into_iter()
        .find(|f| f.as_str() == text)
        .map_or_else(|| DealField::from_str(text), Ok)
}

fn open(path: &Path) -> Result<Connection, StoreError> {
    let connection =
        Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    connection.busy_timeout(std::time::Duration::from_secs(10))?;
    // Each connection reads from one snapshot, whatever a writer commits meanwhile.
    connection.execute_batch("BEGIN")?;
    Ok(connection)
}

/// The largest rowid of `table`: its row count, near enough, for splitting the work.
fn last_rowid(connection: &Connection, table: &str) -> Result<i64, StoreError> {
    let sql = format!("SELECT coalesce(max(rowid), 0) FROM {table}");
    Ok(connection.query_row(&sql, [], |row| row.get(0))?)
}

/// Deal history, straight into columns, and its stage and amount changes into domain records
/// as well when `records` asks for them. Storage order: the index orders each deal's rows.
fn read_history(
    connection: &Connection,
    positions: &Positions<'_>,
    mut records: Option<&mut Vec<DealHistory>>,
) -> Result<HistoryTable, StoreError> {
    let mut history = HistoryTable::default();
    let t = "deal_history";
    let sql = "SELECT id, deal_id, field, old_value, new_value, changed_at, source, external_id FROM deal_history";
    let mut last_deal: Option<(String, Option<u32>)> = None;
    each_row(connection, sql, |row| {
        let id = text(row, 0)?;
        HistoryId::check(id).map_err(|e| corrupt(t, id, "id", e))?;
        let deal_id = text(row, 1)?;
        // A deal's rows usually come together: look its position up once.
        let deal = match &last_deal {
            Some((last, deal)) if last == deal_id => *deal,
            _ => {
                DealId::check(deal_id).map_err(|e| corrupt(t, id, "deal_id", e))?;
                let deal = positions.deal(deal_id);
                last_deal = Some((deal_id.to_owned(), deal));
                deal
            }
        };
        let entry = HistoryEntry {
            id,
            deal,
            field: field(text(row, 2)?).map_err(|e| corrupt(t, id, "field", e))?,
            old_value: optional_text(row, 3)?,
            new_value: optional_text(row, 4)?,
            changed_at: timestamp(t, id, "changed_at", text(row, 5)?)?,
        };
        history.push(entry);
        if let Some(records) = records.as_deref_mut().filter(|_| entry.field.credits()) {
            records.push(DealHistory {
                id: HistoryId::parse(id.to_owned()).map_err(|e| corrupt(t, id, "id", e))?,
                source: SourceName::parse(text(row, 6)?).map_err(|e| corrupt(t, id, "source", e))?,
                external_id: text(row, 7)?.to_owned(),
                deal_id: DealId::parse(deal_id.to_owned()).map_err(|e| corrupt(t, id, "deal_id", e))?,
                field: entry.field,
                old_value: entry.old_value.map(str::to_owned),
                new_value: entry.new_value.map(str::to_owned),
                changed_at: entry.changed_at,
            });
        }
        Ok(())
    })?;
    Ok(history)
}

/// Activities with a rowid in `from..to`, in storage order (the index orders each deal's
/// activities by time), with their links to known deals and the known buyer contacts taking
/// part. One row per (activity, deal) link; an activity's rows are consecutive.
fn read_activities(
    connection: &Connection,
    positions: &Positions<'_>,
    (from, to): (i64, i64),
) -> Result<ActivityTable, StoreError> {
    let mut table = ActivityTable::default();
    let t = "activities";
    let sql = "SELECT a.rowid, a.id, a.kind, a.direction, a.occurred_at, a.participants, d.deal_id \
               FROM activities a LEFT JOIN activity_deals d ON d.activity_id = a.id \
               WHERE a.rowid >= ?1 AND a.rowid < ?2 ORDER BY a.rowid, d.deal_id";
    let mut statement = connection.prepare(sql)?;
    let mut rows = statement.query([from, to])?;
    let mut current: Option<(i64, u32)> = None;
    while let Some(row) = rows.next()? {
        let rowid: i64 = row.get(0)?;
        let id = text(row, 1)?;
        let position = match current {
            Some((last, position)) if last == rowid => position,
            _ => {
                ActivityId::check(id).map_err(|e| corrupt(t, id, "id", e))?;
                let kind = kind(text(row, 2)?).map_err(|e| corrupt(t, id, "kind", e))?;
                let direction = direction(text(row, 3)?).map_err(|e| corrupt(t, id, "direction", e))?;
                let occurred_at = timestamp(t, id, "occurred_at", text(row, 4)?)?;
                let position = table.push(id, ActivityRow { occurred_at, kind, direction });
                let participants: Vec<LeanParticipant<'_>> =
                    serde_json::from_str(text(row, 5)?).map_err(|e| corrupt(t, id, "participants", e))?;
                for participant in participants {
                    if let (true, Some(LeanParty::Contact(contact))) =
                        (takes_part(kind, direction, participant.role), &participant.party)
                    {
                        if let Some(contact) = positions.contact(contact) {
                            table.takes_part.push((position, contact));
                        }
                    }
                }
                current = Some((rowid, position));
                position
            }
        };
        if let Some(deal_id) = optional_text(row, 6)? {
            DealId::check(deal_id).map_err(|e| corrupt(t, id, "deal_id", e))?;
            if let Some(deal) = positions.deal(deal_id) {
                table.links.push((deal, position));
            }
        }
    }
    Ok(table)
}

/// Reads everything the engine needs from the SQLite file at `path`: the small tables first
/// (their positions are what links point at), then history and the first part of the
/// activities on one thread and the rest of the activities on another. With
/// `history_records`, the history also lands in `data.history` as domain records.
fn read_engine_data(path: &Path, history_records: bool) -> Result<EngineData, StoreError> {
    let first = open(path)?;
    let second = open(path)?;
    let mut data = small_tables(&first)?;
    let mut records = Vec::new();
    let (history_rows, last_activity) = (last_rowid(&first, "deal_history")?, last_rowid(&first, "activities")?);
    // History rows cost about as much as activity rows; the thread reading history reads
    // correspondingly fewer activities.
    let split = ((last_activity + history_rows) / 2).clamp(0, last_activity);
    let positions = Positions::new(&data);
    let wanted = history_records.then_some(&mut records);
    let (history, (mut activities, later)) = std::thread::scope(|scope| {
        let positions = &positions;
        let other = scope.spawn(move || -> Result<_, StoreError> {
            let history = read_history(&second, positions, wanted)?;
            let later = read_activities(&second, positions, (split + 1, i64::MAX))?;
            Ok((history, later))
        });
        let earlier = read_activities(&first, positions, (i64::MIN, split + 1));
        let joined = other.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        joined.and_then(|(history, later)| Ok((history, (earlier?, later))))
    })?;
    drop(positions);
    activities.append(later);
    activities.shrink_to_fit();
    let mut history = history;
    history.shrink_to_fit();
    records.shrink_to_fit();
    data.history = records;
    Ok(EngineData { data, activities, history })
}

impl Store {
    /// Everything the risk engine reads, compact: natively and in parallel from a SQLite file,
    /// else through the general load.
    pub async fn load_engine_data(&self) -> Result<EngineData, StoreError> {
        self.load_engine_data_with(false).await
    }

    /// [`Store::load_engine_data`], with the deal history's stage and amount changes also as
    /// domain records in `data.history`: what crediting a won deal reads (incentive statements,
    /// wins of the week). Activities stay compact only.
    pub async fn load_engine_data_with_credit_history(&self) -> Result<EngineData, StoreError> {
        self.load_engine_data_with(true).await
    }

    async fn load_engine_data_with(&self, history_records: bool) -> Result<EngineData, StoreError> {
        let Some(path) = self.sqlite_file() else {
            let dataset = self.load_dataset().await?;
            let records = if history_records {
                dataset.history.iter().filter(|h| h.field.credits()).cloned().collect()
            } else {
                Vec::new()
            };
            let mut engine = EngineData::from_dataset(dataset);
            engine.data.history = records;
            return Ok(engine);
        };
        match tokio::task::spawn_blocking(move || read_engine_data(&path, history_records)).await {
            Ok(result) => result,
            Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
            Err(error) => Err(StoreError::Unfinished(error.to_string())),
        }
    }

    /// The database file behind a SQLite store kept on disk.
    fn sqlite_file(&self) -> Option<PathBuf> {
        if self.backend != Backend::Sqlite {
            return None;
        }
        let options = SqliteConnectOptions::from_str(&self.location).ok()?;
        let path = options.get_filename();
        path.is_file().then(|| path.to_path_buf())
    }
}
