//! Sales performance management on top of the engine and the pay plans: quota suggestions
//! from data, recognition on outcomes, improvement plans with a cause analysis first, drafts of
//! reviews and coaching notes whose every claim carries its figures, and conduct-risk
//! surveillance for the compliance role only.
//!
//! Pure like the engine: each function takes the data, the scorecards and an explicit `as_of`.

pub mod card;
pub mod history;
pub mod indicators;
pub mod pip;
pub mod plan_review;
pub mod quota;
pub mod recognition;
pub mod review;
pub mod stats;
pub mod surveillance;
#[cfg(test)]
mod test_cards;

pub use pip::{analyse_causes, check_in, propose, CheckIn, ImprovementPlan, PipSettings};
pub use quota::{suggest_quotas, QuotaMethod, QuotaPlan};
pub use recognition::{
    achievements, leaderboards, recognition_report, wins_this_week, Leaderboard, RecognitionReport, WinsThisWeek,
};
pub use review::{draft_coaching_notes, draft_quarterly_review, ground_claims, ReviewDraft, ReviewInput};
pub use surveillance::{authorise, surveil, AccessError, ComplianceReport, ComplianceViewer, SurveillanceSettings};
