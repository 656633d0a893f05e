//! What really happened to deals open at a date: known to a simulator from the start, or to a
//! firm only afterwards. Backtests and evals score the engine against it; the engine never
//! sees it.

use super::ids::{DealId, PersonId};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// What really happens to an open deal after the date (never visible to the engine).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrueOutcome {
    /// Closes won on or before its close date as of `as_of`.
    Won,
    /// Closes won, but after the close date it had at `as_of`.
    WonLate,
    Lost,
    /// Still open at the end of the simulated horizon.
    Open,
}

impl TrueOutcome {
    pub fn as_str(&self) -> &'static str {
        match self {
            TrueOutcome::Won => "won",
            TrueOutcome::WonLate => "won_late",
            TrueOutcome::Lost => "lost",
            TrueOutcome::Open => "open",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DealTruth {
    pub deal_id: DealId,
    pub outcome: TrueOutcome,
    pub outcome_date: Option<NaiveDate>,
    pub final_amount_minor: Option<i64>,
    /// Why, in words: e.g. "dies: champion left, goes quiet".
    pub detail: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GroundTruth {
    /// One entry per deal open at the date.
    pub deals: Vec<DealTruth>,
    /// Reps with a known conduct-risk pattern, and which one.
    pub conduct_reps: Vec<(PersonId, String)>,
}
