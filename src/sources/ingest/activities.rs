//! The shared back half of the calendar and mail importers: settings taken from configuration,
//! and the pipeline every parsed meeting or email goes through — direction, identity
//! resolution, deal links, keyword signals, body retention, de-duplication by id — before it
//! leaves in bounded batches, so a large mailbox or calendar never sits in memory whole.

use super::identity::IdentityResolver;
use super::keywords::KeywordMatcher;
use super::{ImportOutcome, ImportReport, Rejection};
use crate::config::{BodyRetention, Config, IngestConfig};
use crate::domain::{
    bounded_snippet, Activity, ActivityId, ActivityKind, ActivitySignal, Dataset, Participant, SourceName,
};
use chrono::{DateTime, Duration, Utc};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// Records per batch handed to the sink: large enough for bulk inserts to pay off, small
/// enough that memory stays flat however big the input is.
pub const DEFAULT_BATCH_SIZE: usize = 5_000;

/// Longest subject kept; RFC 5322 lines stop at 998 characters and nothing useful is longer.
const MAX_SUBJECT_CHARS: usize = 998;

/// What the calendar and mail importers take from configuration, resolved once per import.
pub struct ActivitySettings {
    /// The organisation's own mail domains, normalised.
    pub org_domains: Vec<String>,
    /// Where floating times (no zone given) are read when the calendar names no zone itself.
    pub default_timezone: chrono_tz::Tz,
    /// The moment of the import: the recurrence window is measured from it.
    pub now: DateTime<Utc>,
    pub ingest: IngestConfig,
    pub keywords: KeywordMatcher,
    /// Files records under this source instead of the format's own (`ics`, `mail`). The demo
    /// uses it so that its imported files belong to the demo organisation and are replaced with it.
    pub source_override: Option<SourceName>,
}

impl ActivitySettings {
    pub fn from_config(config: &Config, now: DateTime<Utc>) -> Self {
        let org_domains = config.org.domains.iter().filter_map(|d| crate::domain::normalise_domain(d)).collect();
        Self {
            org_domains,
            default_timezone: config.org.timezone.parse().unwrap_or(chrono_tz::UTC),
            now,
            keywords: KeywordMatcher::from_config(&config.ingest),
            ingest: config.ingest.clone(),
            source_override: None,
        }
    }

    /// The source records land under: the override when set, else the format's own.
    pub fn source_or(&self, format_source: SourceName) -> SourceName {
        self.source_override.clone().unwrap_or(format_source)
    }

    /// The span recurring meetings are expanded over.
    pub fn expansion_window(&self) -> (DateTime<Utc>, DateTime<Utc>) {
        (
            self.now - Duration::days(i64::from(self.ingest.recurrence_days_back)),
            self.now + Duration::days(i64::from(self.ingest.recurrence_days_forward)),
        )
    }

    /// The part of a body that is kept, per the configured retention.
    pub fn retained_text(&self, text: &str) -> Option<String> {
        let kept = match self.ingest.body_retention {
            BodyRetention::None => return None,
            BodyRetention::SnippetOnly => bounded_snippet(text),
            BodyRetention::Full => text.trim().chars().take(BodyRetention::FULL_MAX_CHARS).collect(),
        };
        (!kept.is_empty()).then_some(kept)
    }
}

/// One parsed meeting or email before identities, deals and signals are attached.
#[derive(Debug, Clone)]
pub struct ActivityDraft {
    pub source: SourceName,
    pub external_id: String,
    pub kind: ActivityKind,
    pub occurred_at: DateTime<Utc>,
    pub duration_minutes: Option<u32>,
    pub subject: Option<String>,
    /// The full text (quoted history already removed); scanned for signals, then cut down
    /// to what retention allows.
    pub body: Option<String>,
    pub thread_id: Option<String>,
    /// Addresses lowercased; the sender or organizer carries role `From` or `Organizer`.
    pub participants: Vec<Participant>,
}

/// Where a record came from, for the rejection that names it.
#[derive(Debug, Clone)]
pub struct RecordOrigin<'a> {
    pub file: &'a Path,
    pub line: u64,
    pub record: Option<&'a str>,
}

impl RecordOrigin<'_> {
    pub fn reject(&self, field: Option<&str>, reason: impl Into<String>) -> Rejection {
        Rejection {
            file: self.file.to_path_buf(),
            line: self.line,
            record: self.record.map(str::to_owned),
            field: field.map(str::to_owned),
            reason: reason.into(),
        }
    }
}

/// What became of one draft.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Emitted {
    Landed,
    /// Its id was already imported in this run: it lands once.
    Duplicate,
    Rejected,
}

/// The sink refused a batch (e.g. the database write failed); the import stops.
#[derive(Debug, thiserror::Error)]
#[error("cannot hand over imported records: {0}")]
pub struct SinkError(pub String);

/// Receives each finished batch.
pub type BatchSink<'a> = dyn FnMut(Dataset) -> Result<(), SinkError> + 'a;

/// What an import did besides the records it handed over.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ActivityImport {
    pub report: ImportReport,
    /// Meetings cancelled by this input: remove them from the store if an earlier import
    /// brought them in.
    pub cancelled: Vec<ActivityId>,
}

/// An import collected in memory: the records, the report and the cancelled meetings.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CollectedImport {
    pub outcome: ImportOutcome,
    pub cancelled: Vec<ActivityId>,
}

/// Appends a batch to a dataset that collects a whole import.
pub(crate) fn append_batch(into: &mut Dataset, batch: Dataset) {
    into.activities.extend(batch.activities);
    into.activity_signals.extend(batch.activity_signals);
    into.contacts.extend(batch.contacts);
}

/// A 128-bit fingerprint of an id from two differently seeded SipHash passes: collisions are
/// out of reach at any realistic volume.
fn fingerprint(id: &ActivityId) -> u128 {
    use std::hash::{Hash, Hasher};
    let half = |seed: u8| {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        seed.hash(&mut hasher);
        id.as_str().hash(&mut hasher);
        hasher.finish()
    };
    (u128::from(half(1)) << 64) | u128::from(half(2))
}

/// Turns drafts into finished records and hands them to the sink in batches.
pub struct ActivityPipeline<'s, 'k> {
    settings: &'s ActivitySettings,
    resolver: IdentityResolver,
    sink: &'k mut BatchSink<'k>,
    batch_size: usize,
    batch: Dataset,
    /// Fingerprints of the ids already emitted: 16 bytes per record instead of the id itself,
    /// so a million-record import does not hold a million strings.
    seen: HashSet<u128>,
    duplicates: u64,
    cancelled: Vec<ActivityId>,
    pub report: ImportReport,
}

impl<'s, 'k> ActivityPipeline<'s, 'k> {
    pub fn new(
        settings: &'s ActivitySettings,
        resolver: IdentityResolver,
        sink: &'k mut BatchSink<'k>,
        batch_size: usize,
    ) -> Self {
        Self {
            settings,
            resolver,
            sink,
            batch_size: batch_size.max(1),
            batch: Dataset::default(),
            seen: HashSet::new(),
            duplicates: 0,
            cancelled: Vec::new(),
            report: ImportReport::default(),
        }
    }

    pub fn settings(&self) -> &ActivitySettings {
        self.settings
    }

    /// Finishes `draft` and queues it, unless its id is invalid (a rejection in the report)
    /// or was already seen in this import.
    pub fn emit(&mut self, draft: ActivityDraft, origin: &RecordOrigin<'_>) -> Result<Emitted, SinkError> {
        let id = match ActivityId::from_source(&draft.source, &draft.external_id) {
            Ok(id) => id,
            Err(error) => {
                self.report.rejections.push(origin.reject(Some("id"), error.to_string()));
                return Ok(Emitted::Rejected);
            }
        };
        if !self.seen.insert(fingerprint(&id)) {
            self.duplicates += 1;
            return Ok(Emitted::Duplicate);
        }
        let mut participants = draft.participants;
        self.resolver.resolve_participants(&mut participants);
        let direction = self.resolver.direction(&participants);
        let subject = draft
            .subject
            .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|s| !s.is_empty())
            .map(|s| s.chars().take(MAX_SUBJECT_CHARS).collect::<String>());
        let texts: Vec<&str> = subject.iter().chain(draft.body.iter()).map(String::as_str).collect();
        let signals = self.settings.keywords.find(&texts);
        let snippet = draft.body.as_deref().and_then(|body| self.settings.retained_text(body));
        let mut activity = Activity {
            id,
            source: draft.source,
            external_id: draft.external_id,
            kind: draft.kind,
            direction,
            occurred_at: draft.occurred_at,
            duration_minutes: draft.duration_minutes,
            subject,
            snippet,
            thread_id: draft.thread_id,
            participants,
            deals: Vec::new(),
        };
        activity.deals = self.resolver.link_deals(&activity);
        for (kind, detail) in signals {
            self.batch.activity_signals.push(ActivitySignal { activity_id: activity.id.clone(), kind, detail });
        }
        self.batch.activities.push(activity);
        if self.batch.activities.len() >= self.batch_size {
            self.flush()?;
        }
        Ok(Emitted::Landed)
    }

    /// Records that a meeting was cancelled: it must not land, and the store drops any copy.
    pub fn cancel(&mut self, id: ActivityId) {
        self.seen.insert(fingerprint(&id));
        self.cancelled.push(id);
    }

    fn flush(&mut self) -> Result<(), SinkError> {
        self.batch.contacts.extend(self.resolver.take_new_contacts());
        if self.batch.activities.is_empty() && self.batch.contacts.is_empty() {
            return Ok(());
        }
        let batch = std::mem::take(&mut self.batch);
        (self.sink)(batch)
    }

    /// Hands over the last batch and summarises what identity resolution and de-duplication
    /// did in the report's notes.
    pub fn finish(mut self) -> Result<ActivityImport, SinkError> {
        self.flush()?;
        let mut report = std::mem::take(&mut self.report);
        if self.duplicates > 0 {
            report.notes.push(format!(
                "{} records repeated an id already imported in this run (same Message-ID or meeting instance) and landed once",
                self.duplicates
            ));
        }
        report.notes.extend(self.resolver.notes());
        let mut cancelled = self.cancelled;
        cancelled.sort();
        cancelled.dedup();
        if !cancelled.is_empty() {
            report.notes.push(format!("{} meeting instances are cancelled in the input", cancelled.len()));
        }
        Ok(ActivityImport { report, cancelled })
    }
}

/// Runs `import` with a sink that keeps every batch in memory, for callers that want one
/// [`ImportOutcome`] (the CLI, tests).
pub(crate) fn collect<F>(import: F) -> CollectedImport
where
    F: FnOnce(&mut BatchSink<'_>) -> Result<ActivityImport, SinkError>,
{
    let mut data = Dataset::default();
    let result = {
        let mut sink = |batch: Dataset| {
            append_batch(&mut data, batch);
            Ok(())
        };
        import(&mut sink)
    };
    match result {
        Ok(done) => CollectedImport { outcome: ImportOutcome { data, report: done.report }, cancelled: done.cancelled },
        // An in-memory sink never refuses; kept total so the signature stays honest.
        Err(error) => {
            let mut report = ImportReport::default();
            report.notes.push(error.to_string());
            CollectedImport { outcome: ImportOutcome { data, report }, cancelled: Vec::new() }
        }
    }
}

/// Paths to the files under `paths`: files named directly are always kept; files found by
/// walking a directory (recursively, in name order) only when `wanted` accepts them.
pub(crate) fn expand_paths(
    paths: &[PathBuf],
    wanted: &dyn Fn(&Path) -> bool,
    report: &mut ImportReport,
) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            walk(path, wanted, &mut files, report);
        } else {
            files.push(path.clone());
        }
    }
    files
}

fn walk(dir: &Path, wanted: &dyn Fn(&Path) -> bool, files: &mut Vec<PathBuf>, report: &mut ImportReport) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) => {
            report.rejections.push(Rejection {
                file: dir.to_path_buf(),
                line: 0,
                record: None,
                field: None,
                reason: format!("cannot read directory: {error}"),
            });
            return;
        }
    };
    let mut children: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    children.sort();
    for child in children {
        if child.is_dir() {
            walk(&child, wanted, files, report);
        } else if wanted(&child) {
            files.push(child);
        }
    }
}
