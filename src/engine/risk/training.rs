//! The win model's training set: deals as they stood at past snapshots before `as_of`, each
//! labelled only with what was already settled by `as_of` (no future leakage), and the three
//! outcomes the forecast needs: won by the close date, slipped past it, won inside the period.

use super::assess::Engine;
use super::model::{FeatureRow, FEATURE_COUNT};
use super::parallel;
use super::state::{deal_at, DealState};
use crate::domain::StageStatus;
use chrono::{DateTime, Duration, NaiveDate, Utc};

/// How a deal stood at the moment its outcome is judged.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Outcome {
    pub status: StageStatus,
    pub closed_on: Option<NaiveDate>,
    pub amount_minor: i64,
}

impl Outcome {
    pub(crate) fn of(state: &DealState<'_>) -> Self {
        Self {
            status: state.status(),
            closed_on: state.closed_at.map(|c| c.date_naive()),
            amount_minor: state.amount_minor,
        }
    }
}

/// The three labels of one snapshot; `None` where the outcome was not yet settled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Labels {
    /// Won on or before the close date the deal had at the snapshot.
    pub won_on_time: Option<bool>,
    /// Still open after that close date.
    pub slipped: Option<bool>,
    /// Won before the end of the snapshot's period.
    pub won_in_period: Option<bool>,
}

/// Labels a snapshot (`close_date`, `period_end` as of the snapshot) with `outcome`, judged on
/// `judged_on`. A label is settled only once its deadline has fully passed, whatever happened
/// earlier, so that which snapshots are labelled never depends on how they ended.
pub(crate) fn labels(
    close_date: Option<NaiveDate>,
    period_end: NaiveDate,
    outcome: &Outcome,
    judged_on: NaiveDate,
) -> Labels {
    let won_by =
        |deadline: NaiveDate| outcome.status == StageStatus::Won && outcome.closed_on.is_some_and(|c| c <= deadline);
    let closed_by =
        |deadline: NaiveDate| outcome.status != StageStatus::Open && outcome.closed_on.is_some_and(|c| c <= deadline);
    let last_period_day = period_end.pred_opt().unwrap_or(period_end);
    let deadline = close_date.unwrap_or(last_period_day);
    Labels {
        won_on_time: (deadline < judged_on).then(|| won_by(deadline)),
        slipped: close_date.filter(|c| *c < judged_on).map(|c| !closed_by(c)),
        won_in_period: (period_end <= judged_on).then(|| won_by(last_period_day)),
    }
}

#[derive(Debug, Clone, Default)]
pub(crate) struct TrainingSet {
    pub rows: Vec<FeatureRow>,
    pub labels: Vec<Labels>,
    /// The open-stage rank of each row, for the stage conversion table.
    pub stage_ranks: Vec<usize>,
    /// Final over snapshot amount for rows that were later won.
    pub won_amount_ratios: Vec<f64>,
    pub snapshots: u32,
    pub candidates: u64,
}

fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// Builds the training set for a model used at `as_of`; `states` holds every deal at `as_of`.
pub(crate) fn training_set(
    engine: &Engine<'_, '_>,
    states: &[Option<DealState<'_>>],
    as_of: DateTime<Utc>,
) -> TrainingSet {
    let index = engine.index;
    let rules = &engine.rules.forecast;
    let judged_on = as_of.date_naive();
    let deals = index.data.deals.len();
    let outcomes: Vec<Option<(Outcome, Option<DateTime<Utc>>)>> =
        states.iter().map(|s| s.as_ref().map(|s| (Outcome::of(s), s.closed_at))).collect();
    let step = i64::from(rules.training_step_days.max(1));
    let snapshots: Vec<DateTime<Utc>> = (1..)
        .map(|k| k * step)
        .take_while(|days| *days <= i64::from(rules.training_lookback_days))
        .map(|days| as_of - Duration::days(days))
        .collect();

    let open_at = |position: usize, at: DateTime<Utc>| {
        let created = index.deal(position).is_some_and(|d| d.created_at <= at);
        let still_open = match outcomes.get(position) {
            Some(Some((outcome, closed_at))) => outcome.status == StageStatus::Open || closed_at.is_none_or(|c| c > at),
            _ => false,
        };
        created && still_open
    };
    let candidates: u64 = snapshots.iter().map(|&at| (0..deals).filter(|&p| open_at(p, at)).count() as u64).sum();
    // Oversample twice the cap: some candidates turn out unsettled and are dropped.
    let keep_per_million = (2 * u64::from(rules.max_training_rows))
        .saturating_mul(1_000_000)
        .checked_div(candidates)
        .map_or(1_000_000, |keep| keep.min(1_000_000));
    let mut picked: Vec<(usize, usize)> = Vec::new();
    for (k, &at) in snapshots.iter().enumerate() {
        for position in 0..deals {
            if open_at(position, at) && mix(((position as u64) << 16) ^ k as u64) % 1_000_000 < keep_per_million {
                picked.push((k, position));
            }
        }
    }

    let rows = parallel::map(&picked, |&(k, position)| {
        let at = *snapshots.get(k)?;
        let (_, _, period_end) = engine.period_of(at);
        let Some(Some((outcome, _))) = outcomes.get(position) else { return None };
        let state = deal_at(index, position, at)?;
        let labels = labels(state.close_date, period_end, outcome, judged_on);
        if labels == Labels::default() {
            return None;
        }
        let snapshot_amount = state.amount_minor;
        let assessed = engine.assess_state(state, at, false)?;
        let ratio = (outcome.status == StageStatus::Won && snapshot_amount > 0)
            .then(|| outcome.amount_minor as f64 / snapshot_amount as f64);
        Some((assessed.row, labels, assessed.state.stage_info.open_rank, ratio))
    });
    let mut set = TrainingSet { snapshots: snapshots.len() as u32, candidates, ..TrainingSet::default() };
    for (row, labels, rank, ratio) in rows.into_iter().flatten() {
        set.rows.push(row);
        set.labels.push(labels);
        set.stage_ranks.push(rank);
        set.won_amount_ratios.extend(ratio);
    }
    let cap = rules.max_training_rows as usize;
    if set.rows.len() > cap {
        let stride = set.rows.len() as f64 / cap as f64;
        let picks: Vec<usize> = (0..cap).map(|i| (i as f64 * stride) as usize).collect();
        set.rows = picks.iter().filter_map(|&i| set.rows.get(i).copied()).collect();
        set.labels = picks.iter().filter_map(|&i| set.labels.get(i).copied()).collect();
        set.stage_ranks = picks.iter().filter_map(|&i| set.stage_ranks.get(i).copied()).collect();
    }
    set
}

impl TrainingSet {
    /// The rows and labels where `pick` is settled, flattened for fitting.
    pub(crate) fn for_label(&self, pick: impl Fn(&Labels) -> Option<bool>) -> (Vec<f64>, Vec<bool>) {
        let mut rows = Vec::new();
        let mut labels = Vec::new();
        for (row, label) in self.rows.iter().zip(&self.labels) {
            if let Some(label) = pick(label) {
                rows.extend_from_slice(row);
                labels.push(label);
            }
        }
        debug_assert_eq!(rows.len(), labels.len() * FEATURE_COUNT);
        (rows, labels)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn labels_settle_only_after_their_deadline() {
        let won_early = Outcome { status: StageStatus::Won, closed_on: Some(day("2026-03-10")), amount_minor: 1 };
        let period_end = day("2026-04-01");
        let open = labels(Some(day("2026-03-20")), period_end, &won_early, day("2026-03-15"));
        assert_eq!(open, Labels::default(), "nothing is settled before the deadlines pass");
        let settled = labels(Some(day("2026-03-20")), period_end, &won_early, day("2026-04-02"));
        assert_eq!(settled.won_on_time, Some(true));
        assert_eq!(settled.slipped, Some(false));
        assert_eq!(settled.won_in_period, Some(true));
        let won_late = Outcome { status: StageStatus::Won, closed_on: Some(day("2026-03-25")), amount_minor: 1 };
        let late = labels(Some(day("2026-03-20")), period_end, &won_late, day("2026-04-02"));
        assert_eq!((late.won_on_time, late.slipped, late.won_in_period), (Some(false), Some(true), Some(true)));
        let lost = Outcome { status: StageStatus::Lost, closed_on: Some(day("2026-03-01")), amount_minor: 0 };
        let lost = labels(Some(day("2026-03-20")), period_end, &lost, day("2026-04-02"));
        assert_eq!((lost.won_on_time, lost.slipped, lost.won_in_period), (Some(false), Some(false), Some(false)));
    }
}
