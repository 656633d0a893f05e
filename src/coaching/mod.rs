//! The drafting agent: a bounded tool-calling loop in which a language model (or the offline
//! template provider) reads a recipient's scoped snapshot through typed tools and submits a typed
//! draft — a rep nudge, a manager's intervention brief or a leader's forecast memo. Every draft
//! is validated against the snapshot (grounding, scope, structure, compliance); one repair turn is
//! allowed, after which the deterministic drafter writes it and marks it `fallback`.
//!
//! The agent only drafts: no tool sends, writes to a CRM or changes data.

pub mod drafter;
pub(crate) mod drafting;
pub(crate) mod drafts;

pub(crate) mod hashing;
pub mod memory;
pub(crate) mod org;
pub(crate) mod pay;
pub(crate) mod prompts;
pub mod provider;
pub mod render;
pub(crate) mod retry;
pub(crate) mod runner;
pub(crate) mod scope;
pub(crate) mod snapshot;
pub(crate) mod snapshot_index;
pub(crate) mod tools;
pub mod untrusted;
pub mod validator;

pub use crate::domain::DraftStatus;
pub use drafting::{draft_one, draft_one_with, AgentSetup, DraftOutcome, Prepared};
pub use drafts::{Draft, DraftKind, ForecastMemo, InterventionBrief, RepNudge};
pub use org::{OrgSnapshot, SnapshotCache};
pub use provider::{Provider, ProviderError};
pub use runner::{LoopLimits, StopReason};
pub use scope::Scope;
pub use snapshot::Snapshot;
pub use snapshot_index::SnapshotIndex;
pub use validator::{Finding, FindingCategory, Validator};

/// Failures of the agent layer that stop a run (a failing model never does: it ends in fallback).
#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    #[error("person {0} is not in the organisation")]
    UnknownRecipient(String),
    #[error("person {0} has the role {1}, which receives no draft")]
    NoDraftForRole(String, String),
    #[error("cannot build the {provider} provider: {reason}")]
    ProviderSetup { provider: &'static str, reason: String },
    #[error("compliance policy is invalid: {0}")]
    Policy(String),
    #[error("incentive plans: {0}")]
    Plans(String),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error("cannot serialise {what}: {source}")]
    Serialise { what: &'static str, source: serde_json::Error },
    /// Work handed to a blocking thread never came back (the runtime is shutting down).
    #[error("{0}")]
    Unfinished(String),
}
