//! A deal as it stood at `as_of`: stage, amount, close date, forecast call, owner and next step
//! reconstructed from its history, using only rows changed at or before `as_of`, plus the
//! history-derived facts the signals need (pushes, regressions, amount changes).

use super::index::{FieldValue, Index, StageInfo};
use crate::domain::{DealField, ForecastCategory, StageStatus};
use chrono::{DateTime, NaiveDate, Utc};

/// One move of the close date to a later day.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Push {
    pub history: u32,
    pub days: i64,
    pub at: DateTime<Utc>,
}

/// One move back to an earlier open stage.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Regression {
    pub history: u32,
    pub steps: usize,
    pub at: DateTime<Utc>,
}

/// One change of the amount.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct AmountChange {
    pub history: u32,
    pub old_minor: i64,
    pub new_minor: i64,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DealState<'a> {
    pub position: usize,
    pub stage: &'a str,
    pub stage_info: StageInfo,
    pub stage_entered_at: DateTime<Utc>,
    /// The history row that moved the deal into its stage.
    pub stage_evidence: Option<u32>,
    /// When the deal closed, if it is closed at `as_of`.
    pub closed_at: Option<DateTime<Utc>>,
    pub amount_minor: i64,
    /// The amount was not observable at `as_of` and was estimated from list prices.
    pub amount_estimated: bool,
    pub close_date: Option<NaiveDate>,
    pub close_date_evidence: Option<u32>,
    pub forecast_category: ForecastCategory,
    pub forecast_evidence: Option<u32>,
    pub owner: &'a str,
    pub has_next_step: bool,
    pub next_step_updated_at: Option<DateTime<Utc>>,
    pub next_step_evidence: Option<u32>,
    pub pushes: Vec<Push>,
    pub regressions: Vec<Regression>,
    pub amount_changes: Vec<AmountChange>,
}

impl DealState<'_> {
    pub(crate) fn status(&self) -> StageStatus {
        self.stage_info.status
    }

    pub(crate) fn is_open(&self) -> bool {
        self.stage_info.status == StageStatus::Open
    }
}

/// Tracks one field through the history: the last change at or before `as_of` and, failing
/// that, the first change after it (whose old value is the value at `as_of`).
#[derive(Default)]
struct FieldTrack {
    known: Option<u32>,
    first_later: Option<u32>,
}

impl FieldTrack {
    fn observe(&mut self, position: u32, known: bool) {
        if known {
            self.known = Some(position);
        } else if self.first_later.is_none() {
            self.first_later = Some(position);
        }
    }

    /// The history row and side that decide the value at `as_of`: `(row, true)` for its new
    /// value, `(row, false)` for its old one; `None` when the current field must be used.
    fn source(&self) -> Option<(u32, bool)> {
        match (self.known, self.first_later) {
            (Some(row), _) => Some((row, true)),
            (None, Some(row)) => Some((row, false)),
            (None, None) => None,
        }
    }

    fn seen(&self) -> bool {
        self.known.is_some() || self.first_later.is_some()
    }
}

/// Reconstructs deal `position` at `as_of`. `None` when the deal did not exist yet.
pub(super) fn deal_at<'a>(index: &Index<'a>, position: usize, as_of: DateTime<Utc>) -> Option<DealState<'a>> {
    let deal = index.deal(position)?;
    if deal.created_at > as_of {
        return None;
    }
    let mut stage = FieldTrack::default();
    let mut amount = FieldTrack::default();
    let mut close = FieldTrack::default();
    let mut forecast = FieldTrack::default();
    let mut owner = FieldTrack::default();
    let mut next_step = FieldTrack::default();
    let mut pushes = Vec::new();
    let mut regressions = Vec::new();
    let mut amount_changes = Vec::new();
    let mut closed_by_history: Option<DateTime<Utc>> = None;

    for &h in index.history_of(position) {
        let Some(row) = index.history_row(h) else { continue };
        let known = row.changed_at <= as_of;
        let (old, new) = index.change(h);
        match row.field {
            DealField::Stage => {
                stage.observe(h, known);
                if known {
                    if let (FieldValue::Stage(from), FieldValue::Stage(to)) = (old, new) {
                        if to.status == StageStatus::Open && from.status == StageStatus::Open && to.order < from.order {
                            let steps = from.open_rank.saturating_sub(to.open_rank).max(1);
                            regressions.push(Regression { history: h, steps, at: row.changed_at });
                        }
                    }
                    closed_by_history = match new {
                        FieldValue::Stage(to) if to.status != StageStatus::Open => Some(row.changed_at),
                        _ => None,
                    };
                }
            }
            DealField::Amount => {
                amount.observe(h, known);
                if let (true, FieldValue::Minor(old_minor), FieldValue::Minor(new_minor)) = (known, old, new) {
                    amount_changes.push(AmountChange { history: h, old_minor, new_minor, at: row.changed_at });
                }
            }
            DealField::CloseDate => {
                close.observe(h, known);
                if let (true, FieldValue::Date(old_date), FieldValue::Date(new_date)) = (known, old, new) {
                    let days = (new_date - old_date).num_days();
                    if days > 0 {
                        pushes.push(Push { history: h, days, at: row.changed_at });
                    }
                }
            }
            DealField::ForecastCategory => forecast.observe(h, known),
            DealField::Owner => owner.observe(h, known),
            DealField::NextStep => next_step.observe(h, known),
        }
    }
    // The parsed value and raw text of the side of a history row that decides a field.
    let decided = |track: &FieldTrack| {
        track.source().map(|(row, new_side)| {
            let (old, new) = index.change(row);
            let text = index.history_row(row).and_then(|r| if new_side { r.new_value } else { r.old_value });
            (if new_side { new } else { old }, text)
        })
    };

    let closed_now = index.current_stage(position).status != StageStatus::Open;
    let closed_after_as_of = closed_now && deal.closed_at.is_some_and(|c| c > as_of);

    let (stage_key, stage_info): (&'a str, StageInfo) = match decided(&stage) {
        Some((FieldValue::Stage(info), Some(key))) => (key, info),
        // A cleared stage is not a stage; fall back to where the pipeline starts.
        Some(_) => {
            let key = index.first_open_stage(&deal.pipeline).unwrap_or(deal.stage.as_str());
            (key, index.stage(&deal.pipeline, key))
        }
        None if closed_after_as_of => {
            let key = index.last_open_stage(&deal.pipeline).unwrap_or(deal.stage.as_str());
            (key, index.stage(&deal.pipeline, key))
        }
        None => (deal.stage.as_str(), index.current_stage(position)),
    };
    let stage_entered_at =
        stage.known.and_then(|h| index.history_row(h)).map(|r| r.changed_at).unwrap_or(deal.created_at);
    let closed_at = if stage_info.status == StageStatus::Open {
        None
    } else {
        Some(closed_by_history.or(deal.closed_at.filter(|c| *c <= as_of)).unwrap_or(stage_entered_at))
    };

    let (amount_minor, amount_estimated) = match decided(&amount) {
        Some((FieldValue::Minor(minor), _)) => (minor, false),
        Some(_) => (deal.amount.minor, false),
        // A deal that closed later with no amount history and a zero amount was closed lost
        // at zero: its amount while open is not observable, so estimate it from list prices.
        None if closed_after_as_of && deal.amount.minor == 0 => match index.list_price_of(deal) {
            Some(price) if price > 0 => (price, true),
            _ => (0, false),
        },
        None => (deal.amount.minor, false),
    };

    let close_date = match decided(&close) {
        Some((FieldValue::Date(date), _)) => Some(date),
        Some(_) => None,
        // Many CRMs overwrite the close date with the day the deal closed. With no history to
        // say otherwise, a close date equal to the later closing day was not known at `as_of`.
        None if closed_after_as_of && deal.closed_at.map(|c| c.date_naive()) == deal.close_date => None,
        None => deal.close_date,
    };

    let forecast_category = match decided(&forecast) {
        Some((FieldValue::Forecast(category), _)) => category,
        Some(_) => ForecastCategory::Omitted,
        None if closed_after_as_of && deal.forecast_category == ForecastCategory::Closed => ForecastCategory::Pipeline,
        None => deal.forecast_category,
    };

    let owner_id: &'a str = match decided(&owner) {
        Some((_, Some(owner))) if !owner.trim().is_empty() => owner,
        _ => deal.owner_id.as_str(),
    };

    let known_step = next_step.known.and_then(|h| index.history_row(h));
    let (has_next_step, next_step_updated_at) = match known_step {
        Some(row) => (row.new_value.is_some_and(|v| !v.trim().is_empty()), Some(row.changed_at)),
        None => match deal.next_step_updated_at {
            Some(at) if at <= as_of => (deal.next_step.is_some(), Some(at)),
            // The step seen today was written after `as_of`: what stood before is unknown.
            Some(_) => (false, None),
            None if next_step.seen() => (false, None),
            None => (deal.next_step.is_some(), None),
        },
    };

    Some(DealState {
        position,
        stage: stage_key,
        stage_info,
        stage_entered_at,
        stage_evidence: stage.known,
        closed_at,
        amount_minor,
        amount_estimated,
        close_date,
        close_date_evidence: close.known,
        forecast_category,
        forecast_evidence: forecast.known,
        owner: owner_id,
        has_next_step,
        next_step_updated_at,
        next_step_evidence: next_step.known,
        pushes,
        regressions,
        amount_changes,
    })
}
