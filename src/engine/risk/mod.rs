//! The deterministic engine: deal risk signals with evidence, calibrated win and slip
//! probabilities, rep scorecards, team roll-ups, forecast risk and backtests. Pure: it reads a
//! [`crate::domain::Dataset`] and an explicit `as_of`, never a database, a clock or the network.
//!
//! Entry points: [`Index::new`] once per dataset (or [`Index::from_engine`] on the compact
//! [`EngineData`] a store loads), then [`analyse`] at any `as_of`, or [`backtest`] over a
//! range of past dates.

pub(crate) mod assess;
pub(crate) mod backtest;
mod calibration;
mod conduct;
mod engagement;
mod forecast;
mod index;
pub(crate) mod input;
mod metrics;
mod model;
pub(crate) mod numbers;
mod parallel;
mod report;
mod rollup;
pub(crate) mod rules;
mod scorecard;
pub(crate) mod signals;

mod state;
mod table;
pub(crate) mod training;
mod validation;
mod velocity;
pub(crate) mod win;

pub use backtest::{backtest, BacktestOptions, BacktestReport, GroundTruthOutcome};
pub use calibration::LogisticModel;
pub use conduct::{Conduct, PeriodAccuracy};
pub use forecast::{Concentration, Exposure, ForecastRisk, NewBusiness};
pub use index::{HistoryRow, Index};
pub use input::EngineData;
pub use metrics::{auc, brier, calibration_table, CalibrationBin};
pub use report::{analyse, end_of_day, start_of_day, DealRisk, Evidence, Flag, RiskReport, Settings};
pub use rollup::{DealToInspect, NeedReason, RepNeed, TeamRollup};
pub use rules::{RiskConfig, RuleError};
pub use scorecard::{Hygiene, Metric, Scorecard};
pub use signals::{Severity, SignalId};
pub use win::{Contribution, ModelSummary, WinExplanation};

/// Failures of the engine's entry points (the computation itself cannot fail).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FeatureError {
    #[error("the backtest range is empty: from {from} is after to {to}")]
    EmptyRange { from: chrono::NaiveDate, to: chrono::NaiveDate },
    #[error("the backtest step must be at least one day")]
    Step,
    #[error("the backtest range holds {0} dates; at most 520 are allowed")]
    TooManyDates(usize),
    #[error(transparent)]
    Rules(#[from] RuleError),
}

/// Serialises `value` as pretty JSON with a trailing newline; the report types hold only
/// ordered collections and pre-rounded floats, so equal inputs give equal bytes.
pub fn to_json<T: serde::Serialize>(value: &T) -> Result<String, serde_json::Error> {
    let mut text = serde_json::to_string_pretty(value)?;
    text.push('\n');
    Ok(text)
}

/// Feeds serialised bytes straight into a SHA-256: a large value's JSON need never be held
/// at once.
pub struct Sha256Writer<'h>(pub &'h mut sha2::Sha256);

impl std::io::Write for Sha256Writer<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        sha2::Digest::update(self.0, bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// SHA-256 (hex) of exactly the bytes [`to_json`] writes for `value`, streamed.
pub fn to_json_sha256<T: serde::Serialize>(value: &T) -> Result<String, serde_json::Error> {
    use sha2::Digest;
    let mut hasher = sha2::Sha256::new();
    serde_json::to_writer_pretty(Sha256Writer(&mut hasher), value)?;
    hasher.update(b"\n");
    Ok(hex::encode(hasher.finalize()))
}

#[cfg(test)]
mod json_tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use sha2::Digest;

    #[test]
    fn the_streamed_hash_is_the_hash_of_the_json() {
        let value =
            serde_json::json!({ "deals": [{ "id": "d-1", "amount": 1.5, "note": "quoted \"text\"\n" }], "count": 3 });
        let text = super::to_json(&value).unwrap();
        assert_eq!(super::to_json_sha256(&value).unwrap(), hex::encode(sha2::Sha256::digest(text.as_bytes())));
    }
}
