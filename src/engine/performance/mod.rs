//! Sales performance management on top of the engine and the pay plans: quota suggestions
//! from data, recognition on outcomes, improvement plans with a cause analysis first, drafts of
//! reviews and coaching notes whose every claim carries its figures, and conduct-risk
//! surveillance for the compliance role only.
//!
//! Pure like the engine: each function takes the data, the scorecards and an explicit `as_of`.

pub(crate) mod card;
pub(crate) mod history;
pub(crate) mod indicators;
pub(crate) mod pip;
pub(crate) mod plan_review;
pub(crate) mod quota;
pub(crate) mod recognition;
pub(crate) mod review;
pub(crate) mod stats;
pub(crate) mod surveillance;
#[cfg(test)]
mod test_cards;

pub(crate) use pip::{analyse_causes, check_in, propose, CheckIn, ImprovementPlan, PipSettings};
pub(crate) use quota::{suggest_quotas, QuotaMethod};
pub(crate) use recognition::{achievements, recognition_report, wins_this_week, WinsThisWeek};
pub(crate) use review::{draft_coaching_notes, draft_quarterly_review, ground_claims, ReviewInput};
pub(crate) use surveillance::{authorise, surveil, SurveillanceSettings};
