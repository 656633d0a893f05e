//! The deterministic engine: pure functions of the data and an explicit `as_of`, never a
//! database, a clock, the network or the configuration file (each part owns its settings
//! types, which `config` fills in).
//!
//! - [`risk`]: deal risk signals with evidence, calibrated win and slip probabilities, rep
//!   scorecards, team roll-ups, forecast risk and backtests;
//! - [`pay`]: incentive plans and the statements, what-if estimates and slip costs they give;
//! - [`performance`]: quota suggestions, recognition, improvement plans, grounded reviews and
//!   conduct surveillance, on top of the other two.

pub mod pay;
pub(crate) mod performance;
pub mod risk;
pub(crate) mod topics;
