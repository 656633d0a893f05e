//! The lookup structure built once per dataset: activities and history grouped by deal (one
//! pass over each table), history values parsed once, the buyer contacts taking part in each
//! activity, roles, keyword signals and the stage catalogue. Every later computation walks
//! only the rows of the deal at hand, never a whole table. Activities and history are read
//! through it (never from the dataset), so it serves a [`Dataset`] and the compact
//! [`super::EngineData`] alike; `build` holds the two constructors.

mod build;

use super::input::ActivityRow;
use super::table::{FastMap, Grouped, SignalSet};
use crate::domain::{ContactRole, Dataset, Deal, DealField, ForecastCategory, Seniority, StageStatus};
use chrono::{DateTime, NaiveDate, Utc};
use std::borrow::Cow;
use std::str::FromStr;

/// What the engine needs to know about one stage.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StageInfo {
    pub order: i64,
    pub status: StageStatus,
    /// Position among the pipeline's open stages, 0 for the first.
    pub open_rank: usize,
    /// `open_rank` scaled to 0..=1 so pipelines of different lengths compare.
    pub progress: f64,
    pub default_probability: u8,
}

impl StageInfo {
    /// A stage the catalogue does not know: treated as the start of an open pipeline.
    pub const UNKNOWN: StageInfo =
        StageInfo { order: 0, status: StageStatus::Open, open_rank: 0, progress: 0.0, default_probability: 10 };
}

/// One side of a history row, parsed once for the field it belongs to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FieldValue {
    /// Cleared, or text that does not parse for its field.
    Empty,
    Stage(StageInfo),
    Minor(i64),
    Date(NaiveDate),
    Forecast(ForecastCategory),
    /// Owner ids and next-step text: read from the row itself when needed.
    Text,
}

pub struct Index<'a> {
    pub data: &'a Dataset,
    deal_by_id: FastMap<&'a str, u32>,
    /// Per activity position: time, kind and direction.
    activity_rows: Cow<'a, [ActivityRow]>,
    activity_ids: Vec<&'a str>,
    history_rows: Vec<HistoryRow<'a>>,
    /// Per deal: activity positions sorted by (occurred_at, id).
    activities: Grouped,
    /// Per deal: history positions sorted by (changed_at, id).
    history: Grouped,
    /// Per history position: (old, new) parsed.
    changes: Vec<(FieldValue, FieldValue)>,
    /// Per activity: buyer contacts who took part (wrote to us, or joined a meeting or call).
    participants: Grouped,
    /// Per deal: contact-role positions.
    roles: Grouped,
    /// Per activity position.
    signals: Vec<SignalSet>,
    /// First competitor named per activity position, for the reason text.
    competitor_names: FastMap<u32, &'a str>,
    pub has_keyword_signals: bool,
    stages: FastMap<(&'a str, &'a str), StageInfo>,
    /// Per deal: its current stage.
    deal_stages: Vec<StageInfo>,
    /// Per deal: the account's segment.
    segments: Vec<Option<&'a str>>,
    list_prices: FastMap<&'a str, i64>,
}

/// One deal history row as the engine reads it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HistoryRow<'a> {
    pub id: &'a str,
    pub field: DealField,
    pub changed_at: DateTime<Utc>,
    pub old_value: Option<&'a str>,
    pub new_value: Option<&'a str>,
}

/// A forecast category in its canonical spelling without allocating; other spellings parse
/// the slow, forgiving way.
fn forecast_value(text: &str) -> Option<ForecastCategory> {
    [
        ForecastCategory::Omitted,
        ForecastCategory::Pipeline,
        ForecastCategory::BestCase,
        ForecastCategory::Commit,
        ForecastCategory::Closed,
    ]
    .into_iter()
    .find(|c| c.as_str() == text)
    .or_else(|| ForecastCategory::from_str(text).ok())
}

fn parse_date(text: &str) -> Option<NaiveDate> {
    let bytes = text.trim().as_bytes();
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        bytes.get(range)?.iter().try_fold(0u32, |n, b| b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0')))
    };
    if bytes.len() != 10 || bytes.get(4) != Some(&b'-') || bytes.get(7) != Some(&b'-') {
        return NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok();
    }
    NaiveDate::from_ymd_opt(digits(0..4)? as i32, digits(5..7)?, digits(8..10)?)
}

/// One side of a history row of `field`, parsed; `stage` looks a stage key up in the deal's
/// pipeline.
fn field_value(field: DealField, text: Option<&str>, stage: impl Fn(&str) -> StageInfo) -> FieldValue {
    let Some(text) = text else { return FieldValue::Empty };
    let parsed = match field {
        DealField::Stage => Some(FieldValue::Stage(stage(text))),
        DealField::Amount => text.trim().parse().ok().map(FieldValue::Minor),
        DealField::CloseDate => parse_date(text).map(FieldValue::Date),
        DealField::ForecastCategory => forecast_value(text).map(FieldValue::Forecast),
        DealField::Owner | DealField::NextStep => Some(FieldValue::Text),
    };
    parsed.unwrap_or(FieldValue::Empty)
}

impl<'a> Index<'a> {
    pub fn deal(&self, position: usize) -> Option<&'a Deal> {
        self.data.deals.get(position)
    }

    pub fn deal_position(&self, id: &str) -> Option<usize> {
        self.deal_by_id.get(id).map(|&p| p as usize)
    }

    pub fn activities_of(&self, deal: usize) -> &[u32] {
        self.activities.of(deal)
    }

    /// Time, kind and direction of activity `position`.
    pub fn activity(&self, position: u32) -> Option<ActivityRow> {
        self.activity_rows.get(position as usize).copied()
    }

    pub fn activity_id(&self, position: u32) -> Option<&'a str> {
        self.activity_ids.get(position as usize).copied()
    }

    /// Every activity, by position.
    pub fn all_activities(&self) -> &[ActivityRow] {
        &self.activity_rows
    }

    /// History row `position`.
    pub fn history_row(&self, position: u32) -> Option<&HistoryRow<'a>> {
        self.history_rows.get(position as usize)
    }

    /// Every history row, by position.
    pub fn all_history(&self) -> &[HistoryRow<'a>] {
        &self.history_rows
    }

    pub fn history_of(&self, deal: usize) -> &[u32] {
        self.history.of(deal)
    }

    /// The parsed (old, new) values of history row `position`.
    pub fn change(&self, position: u32) -> (FieldValue, FieldValue) {
        self.changes.get(position as usize).copied().unwrap_or((FieldValue::Empty, FieldValue::Empty))
    }

    /// Buyer contacts (positions) who took part in activity `position`.
    pub fn participants_of(&self, activity: u32) -> &[u32] {
        self.participants.of(activity as usize)
    }

    /// Roles recorded on a deal.
    pub fn roles_of(&self, deal: usize) -> impl Iterator<Item = ContactRole> + '_ {
        self.roles.of(deal).iter().filter_map(|&i| self.data.contact_roles.get(i as usize).map(|r| r.role))
    }

    pub fn contact_seniority(&self, contact: u32) -> Seniority {
        self.data.contacts.get(contact as usize).map(|c| c.seniority).unwrap_or(Seniority::Individual)
    }

    pub fn signals_of(&self, activity: u32) -> SignalSet {
        self.signals.get(activity as usize).copied().unwrap_or_default()
    }

    pub fn competitor_named_in(&self, activity: u32) -> Option<&'a str> {
        self.competitor_names.get(&activity).copied()
    }

    pub fn stage(&self, pipeline: &str, key: &str) -> StageInfo {
        self.stages.get(&(pipeline, key)).copied().unwrap_or(StageInfo::UNKNOWN)
    }

    /// The deal's current stage.
    pub fn current_stage(&self, deal: usize) -> StageInfo {
        self.deal_stages.get(deal).copied().unwrap_or(StageInfo::UNKNOWN)
    }

    /// The open stage with the highest order in a pipeline: where a deal with no stage
    /// history most plausibly stood before it closed.
    pub fn last_open_stage(&self, pipeline: &str) -> Option<&'a str> {
        self.open_stages(pipeline).max_by_key(|s| s.order).map(|s| s.key.as_str())
    }

    pub fn first_open_stage(&self, pipeline: &str) -> Option<&'a str> {
        self.open_stages(pipeline).min_by_key(|s| s.order).map(|s| s.key.as_str())
    }

    fn open_stages<'s>(&self, pipeline: &'s str) -> impl Iterator<Item = &'a crate::domain::Stage> + 's
    where
        'a: 's,
    {
        self.data.stages.stages().iter().filter(move |s| s.pipeline == pipeline && s.status == StageStatus::Open)
    }

    /// Whether `stage` has reached the gate stage `gate`. The gate is compared by order within
    /// the same pipeline; in a pipeline without that stage key, by progress through the open
    /// stages (of a pipeline that has it, else of the built-in pipeline).
    pub fn reaches(&self, pipeline: &str, stage: &str, gate: &str) -> bool {
        let current = self.stage(pipeline, stage);
        if current.status != StageStatus::Open {
            return false;
        }
        if let Some(gate_info) = self.stages.get(&(pipeline, gate)) {
            return current.order >= gate_info.order;
        }
        let gate_progress = self
            .data
            .stages
            .stages()
            .iter()
            .find(|s| s.key == gate)
            .map(|s| self.stage(&s.pipeline, &s.key).progress)
            .or_else(|| default_progress(gate));
        gate_progress.is_some_and(|p| current.progress + 1e-9 >= p)
    }

    pub fn segment_of(&self, deal: usize) -> Option<&'a str> {
        self.segments.get(deal).copied().flatten()
    }

    /// Sum of the list prices of a deal's products, when every product has one.
    pub fn list_price_of(&self, deal: &Deal) -> Option<i64> {
        if deal.products.is_empty() {
            return None;
        }
        deal.products.iter().map(|p| self.list_prices.get(p.as_str()).copied()).sum()
    }
}

/// Progress of `gate` through the built-in pipeline, so rules written for it still apply to an
/// imported pipeline with other stage names.
fn default_progress(gate: &str) -> Option<f64> {
    let open: Vec<String> =
        crate::domain::default_stages().into_iter().filter(|s| s.status == StageStatus::Open).map(|s| s.key).collect();
    let rank = open.iter().position(|k| k == gate)?;
    Some(rank as f64 / open.len().saturating_sub(1).max(1) as f64)
}

fn stage_table(data: &Dataset) -> FastMap<(&str, &str), StageInfo> {
    let mut table = FastMap::default();
    let mut pipelines: Vec<&str> = data.stages.stages().iter().map(|s| s.pipeline.as_str()).collect();
    pipelines.dedup();
    for pipeline in pipelines {
        let open: Vec<&str> = data
            .stages
            .stages()
            .iter()
            .filter(|s| s.pipeline == pipeline && s.status == StageStatus::Open)
            .map(|s| s.key.as_str())
            .collect();
        let span = open.len().saturating_sub(1).max(1) as f64;
        for stage in data.stages.stages().iter().filter(|s| s.pipeline == pipeline) {
            let open_rank = open.iter().position(|k| *k == stage.key).unwrap_or(open.len());
            table.insert(
                (pipeline, stage.key.as_str()),
                StageInfo {
                    order: stage.order,
                    status: stage.status,
                    open_rank,
                    progress: (open_rank as f64 / span).min(1.0),
                    default_probability: stage.probability,
                },
            );
        }
    }
    table
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn dates_parse_fast_and_strictly() {
        assert_eq!(parse_date("2026-11-16"), NaiveDate::from_ymd_opt(2026, 11, 16));
        assert_eq!(parse_date(" 2026-02-30 "), None);
        assert_eq!(parse_date("2026-1-5"), NaiveDate::from_ymd_opt(2026, 1, 5));
        assert_eq!(parse_date("16/11/2026"), None);
        assert_eq!(parse_date("20a6-11-16"), None);
    }
}
