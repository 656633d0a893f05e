//! The draft lifecycle after drafting: the review policy per kind of draft, reviewers'
//! decisions (approve, edit with a kept diff, reject), the outbox entries an approval writes,
//! how delivery outcomes settle a draft, and the hash-chained audit log that records all of it.
//!
//! States: `drafted` → `approved` | `edited` | `rejected` → `delivered` | `failed`.

pub mod audit;
mod policy;
mod workflow;

pub use audit::{record_config, verify, AuditBreak, AuditVerification};
pub use policy::Policy;
pub use workflow::{
    approve, edit, may_review, record_draft_in, reject, settle_delivery_in, sha256_hex, NewDraft, RecordedDraft,
};

use crate::domain::Role;
use crate::store::StoreError;
use serde::{Deserialize, Serialize};

pub const DRAFTED: &str = "drafted";
pub const APPROVED: &str = "approved";
pub const EDITED: &str = "edited";
pub const REJECTED: &str = "rejected";
pub const DELIVERED: &str = "delivered";
pub const FAILED: &str = "failed";

#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error("no draft {0}")]
    NotFound(String),
    #[error("draft {draft_id} is {state}; only a drafted message can be {action}")]
    WrongState { draft_id: String, state: String, action: &'static str },
    #[error("{reviewer} may not review draft {draft_id}: {reason}")]
    NotAllowed { reviewer: String, draft_id: String, reason: String },
    #[error("a reason is required to {0}")]
    ReasonRequired(&'static str),
    #[error("the edited text is empty")]
    EmptyEdit,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The three kinds of message Candor drafts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DraftKind {
    RepNudge,
    ManagerBrief,
    ForecastMemo,
}

impl DraftKind {
    pub const ALL: [DraftKind; 3] = [DraftKind::RepNudge, DraftKind::ManagerBrief, DraftKind::ForecastMemo];

    pub fn as_str(self) -> &'static str {
        match self {
            DraftKind::RepNudge => "rep_nudge",
            DraftKind::ManagerBrief => "manager_brief",
            DraftKind::ForecastMemo => "forecast_memo",
        }
    }

    pub fn parse(text: &str) -> Option<DraftKind> {
        DraftKind::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// The draft a person in `role` receives each week, if any.
    pub fn for_role(role: Role) -> Option<DraftKind> {
        match role {
            Role::Rep => Some(DraftKind::RepNudge),
            Role::Manager => Some(DraftKind::ManagerBrief),
            Role::Leader => Some(DraftKind::ForecastMemo),
            Role::Admin => None,
        }
    }

    pub fn role(self) -> Role {
        match self {
            DraftKind::RepNudge => Role::Rep,
            DraftKind::ManagerBrief => Role::Manager,
            DraftKind::ForecastMemo => Role::Leader,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            DraftKind::RepNudge => "coaching nudge",
            DraftKind::ManagerBrief => "intervention brief",
            DraftKind::ForecastMemo => "forecast-risk memo",
        }
    }
}

impl std::fmt::Display for DraftKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
