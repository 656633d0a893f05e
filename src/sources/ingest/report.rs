//! The outcome of an import: the good records, every rejected record with where and why, and
//! the fixes applied on the way (e.g. a product name matched after normalisation).

use crate::domain::Dataset;
use serde::Serialize;
use std::fmt;
use std::path::PathBuf;

/// One record that was not imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rejection {
    pub file: PathBuf,
    /// 1-based line of the record in the file (the header is line 1 in CSV files).
    pub line: u64,
    pub record: Option<String>,
    pub field: Option<String>,
    pub reason: String,
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file.display(), self.line)?;
        if let Some(record) = &self.record {
            write!(f, ": record {record}")?;
        }
        if let Some(field) = &self.field {
            write!(f, ": field {field}")?;
        }
        write!(f, ": {}", self.reason)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ImportReport {
    /// Records read per file, good or bad.
    pub records_read: u64,
    pub rejections: Vec<Rejection>,
    /// Corrections applied to otherwise good records, in words, with how many records each touched.
    pub fixes: Vec<String>,
    /// Facts worth knowing that are not errors (e.g. deals kept without an account).
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImportOutcome {
    pub data: Dataset,
    pub report: ImportReport,
}
