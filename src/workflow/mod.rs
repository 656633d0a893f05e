//! The draft lifecycle after drafting: the review policy per kind of draft, reviewers'
//! decisions (approve, edit with a kept diff, reject), the outbox entries an approval writes,
//! how delivery outcomes settle a draft, and the hash-chained audit log that records all of it.
//!
//! States: `drafted` → `approved` | `edited` | `rejected` → `delivered` | `failed`.

pub(crate) mod audit;
mod decisions;
pub mod deliver;
mod policy;
mod recheck;

pub use crate::config::ReviewPolicy;
pub use audit::{record_config, verify, AuditBreak, AuditVerification};
pub use decisions::{
    approve, edit, may_review, provenance_summary, record_draft_in, reject, settle_delivery_in, sha256_hex, NewDraft,
    RecordedDraft,
};

pub use crate::domain::{DraftKind, DraftState};
use crate::store::StoreError;

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
    #[error("draft {draft_id} failed validation and cannot be approved as written: {}; edit it so it passes, or reject it", findings.join("; "))]
    FailedValidation { draft_id: String, findings: Vec<String> },
    #[error("the edit to draft {draft_id} was refused: {}", findings.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    EditRefused { draft_id: String, findings: Vec<crate::coaching::Finding> },
    #[error("the edit to draft {draft_id} could not be checked, so it was refused: {reason}")]
    CannotCheck { draft_id: String, reason: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}
