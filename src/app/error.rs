//! What a use case can fail on, with its cause kept: the CLI prints the chain, the HTTP layer
//! maps each kind to a stable answer.

use crate::engine::pay::{CompError, PlanError};
use crate::store::StoreError;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Pay(#[from] CompError),
    #[error(transparent)]
    Plan(#[from] PlanError),
    #[error("reading plan file {path}: {source}")]
    PlanFile { path: PathBuf, source: std::io::Error },
    /// A person, deal or plan the request names is not there.
    #[error("{0}")]
    NotFound(String),
    /// The request itself is not right (a bad amount, a person who has no scorecard).
    #[error("{0}")]
    Invalid(String),
    #[error("cannot read or write {what}: {source}")]
    Json { what: String, source: serde_json::Error },
    /// Work handed to a blocking thread never came back (the runtime is shutting down).
    #[error("{0}")]
    Unfinished(String),
}

impl AppError {
    pub(crate) fn json(what: impl Into<String>) -> impl FnOnce(serde_json::Error) -> AppError {
        let what = what.into();
        move |source| AppError::Json { what, source }
    }
}
