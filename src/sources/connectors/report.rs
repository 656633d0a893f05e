//! What a sync did: per object, pages read, records fetched, landed, rejected and deleted;
//! every rejected record with the reason; notes; API calls made. Progress events carry the
//! same counters while the sync runs.

use super::http::CallCounts;
use crate::sources::ingest::Rejection;
use serde::Serialize;
use std::sync::Arc;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ObjectReport {
    pub object: String,
    pub pages: u64,
    pub fetched: u64,
    pub landed: u64,
    pub rejected: u64,
    pub deleted: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SyncReport {
    pub source: String,
    pub full: bool,
    pub objects: Vec<ObjectReport>,
    pub rejections: Vec<Rejection>,
    pub notes: Vec<String>,
    /// Rows inserted or changed in the store.
    pub rows_written: u64,
    pub calls: CallCounts,
    pub elapsed_ms: u64,
}

impl SyncReport {
    pub fn object_mut(&mut self, object: &str) -> &mut ObjectReport {
        let at = match self.objects.iter().position(|o| o.object == object) {
            Some(at) => at,
            None => {
                self.objects.push(ObjectReport { object: object.to_owned(), ..ObjectReport::default() });
                self.objects.len() - 1
            }
        };
        &mut self.objects[at]
    }

    pub fn object(&self, object: &str) -> Option<&ObjectReport> {
        self.objects.iter().find(|o| o.object == object)
    }

    pub fn fetched(&self) -> u64 {
        self.objects.iter().map(|o| o.fetched).sum()
    }

    pub fn landed(&self) -> u64 {
        self.objects.iter().map(|o| o.landed).sum()
    }

    pub fn rejected(&self) -> u64 {
        self.objects.iter().map(|o| o.rejected).sum()
    }

    pub fn deleted(&self) -> u64 {
        self.objects.iter().map(|o| o.deleted).sum()
    }

    /// API calls per 1,000 records fetched, token requests included.
    pub fn calls_per_thousand(&self) -> f64 {
        let fetched = self.fetched().max(1) as f64;
        (self.calls.calls + self.calls.token_requests) as f64 * 1_000.0 / fetched
    }

    /// One line for logs and job results.
    pub fn summary(&self) -> String {
        format!(
            "{}: {} fetched, {} landed, {} rejected, {} deleted, {} rows written, {} API calls ({} retries, {} throttled, {} token renewals) in {} ms",
            self.source,
            self.fetched(),
            self.landed(),
            self.rejected(),
            self.deleted(),
            self.rows_written,
            self.calls.calls,
            self.calls.retries,
            self.calls.throttled,
            self.calls.reauthenticated,
            self.elapsed_ms
        )
    }
}

/// Where a running sync is, after each committed page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    pub source: String,
    pub object: String,
    pub counts: ObjectReport,
    pub calls: u64,
}

pub type ProgressFn = Arc<dyn Fn(&Progress) + Send + Sync>;
