//! Sources → canonical records. Each importer turns files into a [`Dataset`] of good records
//! plus a report naming every rejected record (file, line, field, reason); the store then writes
//! the good records in one transaction.

pub mod activities;
pub mod csv;
pub mod ics;
pub(crate) mod identity;
pub(crate) mod keywords;
pub mod mail;
pub mod maven;
pub(crate) mod report;

pub use report::{ImportOutcome, ImportReport, Rejection};

use std::path::PathBuf;

/// Failures that stop an import as a whole (a bad row never does: it becomes a [`Rejection`]).
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("{path}: cannot read: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{path}: {reason}")]
    Invalid { path: PathBuf, reason: String },
}
