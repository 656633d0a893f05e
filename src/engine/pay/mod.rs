//! Incentive compensation as data: plans (validated, versioned, effective-dated TOML), the
//! pure calculator that turns a person's credited deals into a statement whose every line
//! shows its inputs and deals, the what-if estimator, and the conduct check on pay talk.
//!
//! Pure: nothing here reads a database, a clock or the network. `as_of` is always an argument,
//! and a statement is a function of its [`StatementInputs`] alone, so a stored statement can be
//! reproduced byte for byte. Every valid plan pays at least as much for more bookings: rates
//! cannot be negative, thresholds only withhold pay below them, and caps only limit it.
//!
//! Entry points: [`PlanBook`] to load plans, [`gather`] then [`calculate`] for a statement,
//! [`what_if`] and [`slip_cost`] for estimates, [`check_pay_talk`] for drafts.

pub(crate) mod arith;
mod book;
mod calc;
pub(crate) mod facts;
mod inputs;
mod measure;
pub(crate) mod pay_talk;
pub(crate) mod plan;
mod plan_file;
mod settle;
pub(crate) mod statement;
#[cfg(test)]
pub(crate) mod test_data;
#[cfg(test)]
mod tests;
mod whatif;

pub use book::{PlanBook, DEFAULT_PLAN_TOML};
pub use calc::{deal_value, person_share};
pub use facts::{won_deals, WonDeal};
pub use inputs::{
    gather, gather_from, period_like, ComplianceEvent, GatherRequest, OutcomeDeal, PeriodFacts, StatementInputs,
};
pub use measure::Curve;
pub use pay_talk::{check_pay_talk, PayTalkFinding};
pub use plan::{ComplianceEventKind, Plan};
pub use plan_file::{parse_plan, PlanError};
pub use settle::calculate;
pub use statement::Statement;
pub use whatif::{slip_cost, what_if, LineChange, Scenario, SlipCost, WhatIf};

use chrono::NaiveDate;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CompError {
    #[error(transparent)]
    Plan(#[from] PlanError),
    #[error("no incentive plan covers {person} for the period starting {from}")]
    NoPlan { person: String, from: NaiveDate },
    #[error("more than one incentive plan covers {person} equally: {plans}; name the person in one of them")]
    AmbiguousPlan { person: String, plans: String },
    #[error("no person {0:?} in the organisation")]
    UnknownPerson(String),
    #[error("no deal {0:?}")]
    UnknownDeal(String),
    #[error("{person} has no credit share in deal {deal}")]
    NotCredited { person: String, deal: String },
    #[error("pay arithmetic failed: {0}")]
    Arithmetic(String),
    #[error("cannot serialise statement inputs: {0}")]
    Serialise(String),
}
