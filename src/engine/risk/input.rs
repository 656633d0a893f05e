//! The engine's compact input: the small tables as a [`Dataset`], and the two large ones
//! (activities with their deal links, deal history) as columns holding only what the engine
//! reads. Ids and history values sit end to end in shared buffers, deals and buyer contacts
//! are positions in the small tables, and activity text never enters, so millions of rows fit
//! in a fraction of the memory of their domain records. Pure: built by a loader or converted
//! from a [`Dataset`].

use super::table::FastMap;
use crate::domain::{Activity, ActivityKind, Dataset, DealField, Direction, ParticipantRole, Party};
use chrono::{DateTime, Utc};

/// Strings laid end to end in one buffer: one allocation for millions of short values.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TextColumn {
    text: String,
    ends: Vec<usize>,
}

impl TextColumn {
    pub fn with_capacity(rows: usize, bytes: usize) -> Self {
        Self { text: String::with_capacity(bytes), ends: Vec::with_capacity(rows) }
    }

    pub fn push(&mut self, value: &str) {
        self.text.push_str(value);
        self.ends.push(self.text.len());
    }

    pub fn get(&self, row: usize) -> Option<&str> {
        let end = *self.ends.get(row)?;
        let start = match row.checked_sub(1) {
            Some(previous) => *self.ends.get(previous)?,
            None => 0,
        };
        self.text.get(start..end)
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Every value in order.
    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        (0..self.len()).map(|row| self.get(row).unwrap_or_default())
    }

    /// Appends every value of `other`.
    pub fn append(&mut self, other: &TextColumn) {
        let base = self.text.len();
        self.text.push_str(&other.text);
        self.ends.extend(other.ends.iter().map(|end| end + base));
    }

    pub fn shrink_to_fit(&mut self) {
        self.text.shrink_to_fit();
        self.ends.shrink_to_fit();
    }
}

/// Optional strings: a [`TextColumn`] with an empty entry where there is no value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OptionalText {
    values: TextColumn,
    present: Vec<bool>,
}

impl OptionalText {
    pub fn with_capacity(rows: usize, bytes: usize) -> Self {
        Self { values: TextColumn::with_capacity(rows, bytes), present: Vec::with_capacity(rows) }
    }

    pub fn push(&mut self, value: Option<&str>) {
        self.values.push(value.unwrap_or_default());
        self.present.push(value.is_some());
    }

    pub fn get(&self, row: usize) -> Option<&str> {
        if *self.present.get(row)? {
            self.values.get(row)
        } else {
            None
        }
    }

    pub fn append(&mut self, other: &OptionalText) {
        self.values.append(&other.values);
        self.present.extend_from_slice(&other.present);
    }

    pub fn shrink_to_fit(&mut self) {
        self.values.shrink_to_fit();
        self.present.shrink_to_fit();
    }
}

/// What the engine reads of one activity besides its id, links and participants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActivityRow {
    pub occurred_at: DateTime<Utc>,
    pub kind: ActivityKind,
    pub direction: Direction,
}

/// Activities by position, with their links to deals and the buyer contacts taking part.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ActivityTable {
    pub rows: Vec<ActivityRow>,
    pub ids: TextColumn,
    /// `(deal position, activity position)` for each link to a known deal, in activity order.
    pub links: Vec<(u32, u32)>,
    /// `(activity position, contact position)` for each known buyer contact taking part (see
    /// [`takes_part`]), in activity order.
    pub takes_part: Vec<(u32, u32)>,
}

impl ActivityTable {
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Adds an activity and returns its position.
    pub fn push(&mut self, id: &str, row: ActivityRow) -> u32 {
        self.ids.push(id);
        self.rows.push(row);
        (self.rows.len() - 1) as u32
    }

    /// Appends `other`, whose positions start at zero, after this table's rows.
    pub fn append(&mut self, other: ActivityTable) {
        let base = self.rows.len() as u32;
        self.ids.append(&other.ids);
        self.rows.extend_from_slice(&other.rows);
        self.links.extend(other.links.iter().map(|&(deal, activity)| (deal, activity + base)));
        self.takes_part.extend(other.takes_part.iter().map(|&(activity, contact)| (activity + base, contact)));
    }

    pub fn shrink_to_fit(&mut self) {
        self.rows.shrink_to_fit();
        self.ids.shrink_to_fit();
        self.links.shrink_to_fit();
        self.takes_part.shrink_to_fit();
    }
}

/// Deal history by position: one change of one field per row.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HistoryTable {
    pub ids: TextColumn,
    /// The deal's position, `None` for a deal not in the data.
    pub deals: Vec<Option<u32>>,
    pub fields: Vec<DealField>,
    pub changed_at: Vec<DateTime<Utc>>,
    pub old_values: OptionalText,
    pub new_values: OptionalText,
}

/// One history row as [`HistoryTable::push`] takes it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HistoryEntry<'t> {
    pub id: &'t str,
    pub deal: Option<u32>,
    pub field: DealField,
    pub old_value: Option<&'t str>,
    pub new_value: Option<&'t str>,
    pub changed_at: DateTime<Utc>,
}

impl HistoryTable {
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    pub fn push(&mut self, entry: HistoryEntry<'_>) {
        self.ids.push(entry.id);
        self.deals.push(entry.deal);
        self.fields.push(entry.field);
        self.changed_at.push(entry.changed_at);
        self.old_values.push(entry.old_value);
        self.new_values.push(entry.new_value);
    }

    pub fn append(&mut self, other: &HistoryTable) {
        self.ids.append(&other.ids);
        self.deals.extend_from_slice(&other.deals);
        self.fields.extend_from_slice(&other.fields);
        self.changed_at.extend_from_slice(&other.changed_at);
        self.old_values.append(&other.old_values);
        self.new_values.append(&other.new_values);
    }

    pub fn shrink_to_fit(&mut self) {
        self.ids.shrink_to_fit();
        self.deals.shrink_to_fit();
        self.fields.shrink_to_fit();
        self.changed_at.shrink_to_fit();
        self.old_values.shrink_to_fit();
        self.new_values.shrink_to_fit();
    }
}

/// Everything the engine reads, compact. Build the index with [`super::Index::from_engine`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EngineData {
    /// Every table but activities (always empty here) and deal history (empty unless a loader
    /// was asked for its domain records too; the engine reads only `history`).
    pub data: Dataset,
    pub activities: ActivityTable,
    pub history: HistoryTable,
}

/// Whether a participant in the role `role` took part in an activity: being emailed is not
/// taking part; writing to us, or joining a meeting or call, is.
pub(crate) fn takes_part(kind: ActivityKind, direction: Direction, role: ParticipantRole) -> bool {
    match kind {
        ActivityKind::Email => direction == Direction::Inbound && role == ParticipantRole::From,
        _ => true,
    }
}

/// Deal and contact positions by id, for turning links and participants into positions.
pub(crate) struct Positions<'d> {
    deals: FastMap<&'d str, u32>,
    contacts: FastMap<&'d str, u32>,
}

impl<'d> Positions<'d> {
    pub(crate) fn new(data: &'d Dataset) -> Self {
        Self {
            deals: data.deals.iter().enumerate().map(|(i, d)| (d.id.as_str(), i as u32)).collect(),
            contacts: data.contacts.iter().enumerate().map(|(i, c)| (c.id.as_str(), i as u32)).collect(),
        }
    }

    pub(crate) fn deal(&self, id: &str) -> Option<u32> {
        self.deals.get(id).copied()
    }

    pub(crate) fn contact(&self, id: &str) -> Option<u32> {
        self.contacts.get(id).copied()
    }
}

/// What the engine reads of an activity.
pub(crate) fn activity_row(activity: &Activity) -> ActivityRow {
    ActivityRow { occurred_at: activity.occurred_at, kind: activity.kind, direction: activity.direction }
}

/// Adds the links to known deals and the known buyer contacts taking part of the activity at
/// `position`.
pub(crate) fn activity_parts(
    activity: &Activity,
    position: u32,
    positions: &Positions<'_>,
    links: &mut Vec<(u32, u32)>,
    taking_part: &mut Vec<(u32, u32)>,
) {
    for link in &activity.deals {
        if let Some(deal) = positions.deal(link.deal_id.as_str()) {
            links.push((deal, position));
        }
    }
    for participant in &activity.participants {
        if let (true, Some(Party::Contact(id))) =
            (takes_part(activity.kind, activity.direction, participant.role), &participant.party)
        {
            if let Some(contact) = positions.contact(id.as_str()) {
                taking_part.push((position, contact));
            }
        }
    }
}

impl EngineData {
    /// The compact form of a whole dataset (as loaded from any store, or generated).
    pub fn from_dataset(mut data: Dataset) -> Self {
        let activities = std::mem::take(&mut data.activities);
        let history = std::mem::take(&mut data.history);
        let positions = Positions::new(&data);
        let mut table = ActivityTable::default();
        for activity in &activities {
            let position = table.push(activity.id.as_str(), activity_row(activity));
            activity_parts(activity, position, &positions, &mut table.links, &mut table.takes_part);
        }
        drop(activities);
        let mut rows = HistoryTable::default();
        for row in &history {
            rows.push(HistoryEntry {
                id: row.id.as_str(),
                deal: positions.deal(row.deal_id.as_str()),
                field: row.field,
                old_value: row.old_value.as_deref(),
                new_value: row.new_value.as_deref(),
                changed_at: row.changed_at,
            });
        }
        drop(positions);
        Self { data, activities: table, history: rows }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn text_columns_keep_each_value() {
        let mut column = TextColumn::default();
        for value in ["a", "", "bcd"] {
            column.push(value);
        }
        let mut more = TextColumn::default();
        more.push("ef");
        column.append(&more);
        assert_eq!(column.iter().collect::<Vec<_>>(), ["a", "", "bcd", "ef"]);
        assert_eq!(column.get(4), None);

        let mut optional = OptionalText::default();
        optional.push(Some("x"));
        optional.push(None);
        optional.push(Some(""));
        assert_eq!(
            (optional.get(0), optional.get(1), optional.get(2), optional.get(3)),
            (Some("x"), None, Some(""), None)
        );
    }
}
