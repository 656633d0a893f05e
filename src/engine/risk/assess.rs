//! One open deal assessed at a moment: its reconstructed state, its engagement, the signals
//! that fired and its model inputs. Used for today's deals and for the past snapshots the
//! win model learns from, so both see exactly the same computation.

use super::engagement::engagement_at;
use super::index::Index;
use super::model::{feature_row, FeatureInputs, FeatureRow};
use super::parallel;
use super::rules::RiskConfig;
use super::signals::{evaluate, DealContext, Finding};
use super::state::{deal_at, DealState};
use super::velocity::Velocity;
use crate::domain::{FiscalCalendar, Period, StageStatus};
use chrono::{DateTime, NaiveDate, Utc};

/// Every deal as it stood at `as_of`, by position; `None` for deals not yet created.
pub(crate) fn states_at<'a>(index: &Index<'a>, as_of: DateTime<Utc>) -> Vec<Option<DealState<'a>>> {
    parallel::map_ranges(index.data.deals.len(), |range| range.map(|p| deal_at(index, p, as_of)).collect())
}

/// What the engine needs besides the data: rules, calendar, and the won deals' pace.
pub(crate) struct Engine<'c, 'a> {
    pub index: &'c Index<'a>,
    pub rules: &'c RiskConfig,
    pub calendar: FiscalCalendar,
    /// Learned at the engine's `as_of`; past snapshots reuse it so training and prediction
    /// measure pace against the same yardstick.
    pub velocity: Velocity<'a>,
}

impl<'c, 'a> Engine<'c, 'a> {
    /// `states` holds every deal at `as_of`, by position (see [`states_at`]).
    pub(crate) fn new(
        index: &'c Index<'a>,
        rules: &'c RiskConfig,
        calendar: FiscalCalendar,
        states: &[Option<DealState<'a>>],
        as_of: DateTime<Utc>,
    ) -> Self {
        Self { index, rules, calendar, velocity: Velocity::learn(index, states, as_of) }
    }

    /// The fiscal quarter containing `at`, with its first day and exclusive end.
    pub(crate) fn period_of(&self, at: DateTime<Utc>) -> (Period, NaiveDate, NaiveDate) {
        let period = self.calendar.quarter_of(at.date_naive());
        (period, self.calendar.start(period), self.calendar.end_exclusive(period))
    }

    /// Assesses a deal whose state at `at` is already known to be open; `explain` writes the
    /// reasons of its findings.
    pub(crate) fn assess_state(&self, state: DealState<'a>, at: DateTime<Utc>, explain: bool) -> Option<Assessed<'a>> {
        if state.status() != StageStatus::Open {
            return None;
        }
        let deal = self.index.deal(state.position)?;
        let engagement = engagement_at(self.index, self.rules, state.position, at);
        let context = DealContext {
            index: self.index,
            rules: self.rules,
            velocity: &self.velocity,
            as_of: at,
            deal,
            state: &state,
            engagement: &engagement,
            segment: self.index.segment_of(state.position),
            explain,
        };
        let findings = evaluate(&context);
        let row = feature_row(&FeatureInputs {
            index: self.index,
            velocity: &self.velocity,
            deal,
            state: &state,
            engagement: &engagement,
            findings: &findings,
            as_of: at,
            period: self.period_of(at),
        });
        Some(Assessed { state, findings, row })
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Assessed<'a> {
    pub state: DealState<'a>,
    pub findings: Vec<Finding>,
    pub row: FeatureRow,
}
