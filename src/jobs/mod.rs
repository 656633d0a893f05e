//! Durable jobs and the weekly run built from them. The queue lives in the store (idempotency
//! keys, leases with heartbeats, fenced completion, exponential backoff); [`Worker`] claims and
//! runs jobs; [`Pipeline`] knows each step of a run (sync → snapshot → plan recipients → draft
//! each → review → deliver); [`Scheduler`] starts runs when each kind's cron slot arrives in the
//! recipients' time zones, with one scheduler per deployment holding a lease.
//!
//! Every step commits its results in the same transaction that marks its job done, and only
//! if this worker still holds the job's lease: a crash or a lost lease means the step runs
//! again, never that it half-ran, and nothing is drafted, spent or sent twice because each
//! draft and delivery is unique by key.

mod faults;
mod memory;
mod pipeline;
mod progress;
mod queue;
mod scheduler;
mod sources;
mod start;
mod steps;

pub use crate::domain::IsoWeek;
pub use pipeline::{Pipeline, SyncSource};
pub use progress::{run_status, run_statuses, wait_for_run, RunState, RunStatus};
pub use queue::{backoff, Worker, WorkerHandle, WorkerWaker};
pub use scheduler::{due_slots, DueSlot, Scheduler};
pub use sources::{with_enabled_sources, ConnectorJob};
pub use start::{start_run, RunRequest, Selection};

use std::time::Duration;

/// How a job attempt failed, which decides what happens next.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JobError {
    /// Try again after the usual backoff.
    #[error("{0}")]
    Transient(String),
    /// Try again, not before `after`.
    #[error("{reason} (retry after {}s)", after.as_secs())]
    RetryAfter { after: Duration, reason: String },
    /// Retrying cannot help.
    #[error("{0}")]
    Fatal(String),
    /// Another worker holds the job now; this attempt's results were discarded.
    #[error("the lease was lost")]
    LeaseLost,
}

impl From<crate::store::StoreError> for JobError {
    fn from(error: crate::store::StoreError) -> Self {
        // A database hiccup (locked, connection reset) is worth another attempt; a corrupt row
        // is not, but the attempt limit ends that too.
        JobError::Transient(format!("store: {error}"))
    }
}

impl From<sqlx::Error> for JobError {
    fn from(error: sqlx::Error) -> Self {
        JobError::Transient(format!("database: {error}"))
    }
}

impl From<crate::coaching::AgentError> for JobError {
    fn from(error: crate::coaching::AgentError) -> Self {
        use crate::coaching::AgentError;
        match error {
            // The store was busy or a blocking task did not come back: worth another attempt.
            AgentError::Store(e) => JobError::Transient(format!("store: {e}")),
            AgentError::Unfinished(e) => JobError::Transient(e),
            other => JobError::Fatal(other.to_string()),
        }
    }
}

impl From<crate::workflow::ReviewError> for JobError {
    fn from(error: crate::workflow::ReviewError) -> Self {
        match error {
            crate::workflow::ReviewError::Store(e) => e.into(),
            other => JobError::Fatal(other.to_string()),
        }
    }
}
