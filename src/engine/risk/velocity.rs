//! How the organisation's own won deals moved: median days in each stage, median days from
//! entering a stage to closing, and the distribution of won-deal age, learned only from deals
//! won at or before `as_of`. These replace constants in the stalled, too-soon and ageing rules.

use super::index::{FieldValue, Index};
use super::numbers::{days_between, percentile_sorted};
use super::state::DealState;
use super::table::FastMap as HashMap;
use crate::domain::{DealField, StageStatus};
use chrono::{DateTime, Utc};

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct StageVelocity {
    /// Won deals that passed through the stage.
    pub won_deals: u32,
    pub median_days_in_stage: f64,
    /// Median days from first entering the stage to closing won.
    pub median_days_to_close: f64,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Velocity<'a> {
    stages: HashMap<&'a str, HashMap<&'a str, StageVelocity>>,
    won_ages: Vec<f64>,
    won_ages_by_segment: HashMap<&'a str, Vec<f64>>,
}

impl<'a> Velocity<'a> {
    /// Learns from every deal won at or before `as_of`, using only history known then;
    /// `states` holds every deal at `as_of`, by position.
    pub(crate) fn learn(index: &Index<'a>, states: &[Option<DealState<'a>>], as_of: DateTime<Utc>) -> Self {
        let mut in_stage: HashMap<(&'a str, &'a str), Vec<f64>> = HashMap::default();
        let mut to_close: HashMap<(&'a str, &'a str), Vec<f64>> = HashMap::default();
        let mut won_ages = Vec::new();
        let mut won_ages_by_segment: HashMap<&'a str, Vec<f64>> = HashMap::default();
        for (position, state) in states.iter().enumerate() {
            let Some(state) = state else { continue };
            let (StageStatus::Won, Some(closed_at)) = (state.status(), state.closed_at) else { continue };
            let Some(deal) = index.deal(position) else { continue };
            let age = days_between(deal.created_at, closed_at).max(0.0);
            won_ages.push(age);
            if let Some(segment) = index.segment_of(position) {
                won_ages_by_segment.entry(segment).or_default().push(age);
            }
            // The stage timeline: (stage, still open, entered) in order, ending at the close.
            let mut timeline: Vec<(&'a str, bool, DateTime<Utc>)> = Vec::new();
            for &h in index.history_of(position) {
                let Some(row) = index.history_row(h) else { continue };
                if row.field != DealField::Stage || row.changed_at > as_of {
                    continue;
                }
                let (old, new) = index.change(h);
                let open =
                    |value: FieldValue| !matches!(value, FieldValue::Stage(info) if info.status != StageStatus::Open);
                if timeline.is_empty() {
                    if let Some(key) = row.old_value {
                        timeline.push((key, open(old), deal.created_at));
                    }
                }
                if let Some(key) = row.new_value {
                    timeline.push((key, open(new), row.changed_at));
                }
            }
            let mut days_per_stage: Vec<(&'a str, f64, DateTime<Utc>)> = Vec::new();
            for window in timeline.windows(2) {
                let (stage, open, entered) = window[0];
                let left = window[1].2;
                if !open {
                    continue;
                }
                let days = days_between(entered, left).max(0.0);
                match days_per_stage.iter_mut().find(|(s, _, _)| *s == stage) {
                    Some(entry) => entry.1 += days,
                    None => days_per_stage.push((stage, days, entered)),
                }
            }
            for (stage, days, first_entered) in days_per_stage {
                let key = (deal.pipeline.as_str(), stage);
                in_stage.entry(key).or_default().push(days);
                to_close.entry(key).or_default().push(days_between(first_entered, closed_at).max(0.0));
            }
        }
        let mut stages: HashMap<&'a str, HashMap<&'a str, StageVelocity>> = HashMap::default();
        for (key, mut days) in in_stage {
            days.sort_by(f64::total_cmp);
            let mut remaining = to_close.remove(&key).unwrap_or_default();
            remaining.sort_by(f64::total_cmp);
            stages.entry(key.0).or_default().insert(
                key.1,
                StageVelocity {
                    won_deals: days.len() as u32,
                    median_days_in_stage: percentile_sorted(&days, 50.0).unwrap_or(0.0),
                    median_days_to_close: percentile_sorted(&remaining, 50.0).unwrap_or(0.0),
                },
            );
        }
        won_ages.sort_by(f64::total_cmp);
        for ages in won_ages_by_segment.values_mut() {
            ages.sort_by(f64::total_cmp);
        }
        Self { stages, won_ages, won_ages_by_segment }
    }

    pub(crate) fn stage(&self, pipeline: &str, stage: &str) -> Option<&StageVelocity> {
        self.stages.get(pipeline)?.get(stage)
    }

    /// Won-deal ages for `segment` when it has at least `min` of them, else for everyone.
    /// Returns the ages and whether they are the segment's own.
    pub(crate) fn won_ages(&self, segment: Option<&str>, min: u32) -> (&[f64], bool) {
        match segment.and_then(|s| self.won_ages_by_segment.get(s)) {
            Some(ages) if ages.len() >= min as usize => (ages, true),
            _ => (&self.won_ages, false),
        }
    }

    pub(crate) fn median_won_age(&self) -> Option<f64> {
        percentile_sorted(&self.won_ages, 50.0)
    }
}
