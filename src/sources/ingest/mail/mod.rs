//! Email import (`candor import mail`): mbox files (mboxrd and mboxo, streamed), single .eml
//! files and maildir folders (cur/ and new/, Maildir++ subfolders included). Each message
//! becomes an email activity with its sender and recipients, thread, bounded snippet and
//! keyword signals; calendar invitations inside messages become meetings through the calendar
//! importer, so an invitation found in both a calendar export and an inbox lands once. One bad
//! message is one rejection: the rest of the mailbox still imports.

mod mbox;
mod message;

pub use mbox::{MboxMessage, MboxReader, MAX_MESSAGE_BYTES};
pub use message::{clean_message_id, parse_message, strip_quoted, MailAddress, ParsedMail};

use super::activities::{
    collect, ActivityDraft, ActivityImport, ActivityPipeline, ActivitySettings, BatchSink, CollectedImport, Emitted,
    RecordOrigin, SinkError, DEFAULT_BATCH_SIZE,
};
use super::ics::EventCollector;
use super::identity::IdentityResolver;
use super::{ImportReport, Rejection};
use crate::domain::{ActivityKind, Dataset, Participant, ParticipantRole, SourceName};
use chrono::{DateTime, NaiveDateTime, Utc};
use sha2::{Digest, Sha256};
use std::io::{BufReader, Read};
use std::panic::catch_unwind;
use std::path::{Path, PathBuf};

pub const SOURCE: &str = "mail";

fn source() -> SourceName {
    SourceName::parse(SOURCE).unwrap_or_else(|_| unreachable!("\"mail\" is a valid source name"))
}

/// Files a folder walk picks up outside maildir folders.
fn is_mail_file(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| ["eml", "mbox", "mbx", "mail"].iter().any(|x| e.eq_ignore_ascii_case(x)))
}

/// Every message file under `paths`: named files as given; in folders, mail files by
/// extension and every file in a maildir `cur/` or `new/` (never `tmp/`, which holds
/// deliveries in progress).
fn mail_files(paths: &[PathBuf], report: &mut ImportReport) -> Vec<PathBuf> {
    fn walk(dir: &Path, in_maildir_box: bool, out: &mut Vec<PathBuf>, report: &mut ImportReport) {
        let mut children: Vec<PathBuf> = match std::fs::read_dir(dir) {
            Ok(entries) => entries.filter_map(|e| e.ok().map(|e| e.path())).collect(),
            Err(error) => {
                report.rejections.push(rejection(dir, 0, None, None, format!("cannot read directory: {error}")));
                return;
            }
        };
        children.sort();
        for child in children {
            let name = child.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if child.is_dir() {
                match name {
                    "tmp" => {}
                    "cur" | "new" => walk(&child, true, out, report),
                    _ => walk(&child, false, out, report),
                }
            } else if in_maildir_box || is_mail_file(&child) {
                out.push(child);
            }
        }
    }
    let mut out = Vec::new();
    for path in paths {
        if path.is_dir() {
            walk(path, false, &mut out, report);
        } else {
            out.push(path.clone());
        }
    }
    out
}

fn rejection(
    file: &Path,
    line: u64,
    record: Option<&str>,
    field: Option<&str>,
    reason: impl Into<String>,
) -> Rejection {
    Rejection {
        file: file.to_path_buf(),
        line,
        record: record.map(str::to_owned),
        field: field.map(str::to_owned),
        reason: reason.into(),
    }
}

/// The date an mbox separator carries: `sender Mon Jan  5 09:00:00 2026` (asctime, UTC).
fn envelope_date(envelope: &str) -> Option<DateTime<Utc>> {
    let words: Vec<&str> = envelope.split_whitespace().collect();
    let tail = words.get(words.len().checked_sub(5)?..)?.join(" ");
    NaiveDateTime::parse_from_str(&tail, "%a %b %d %H:%M:%S %Y").ok().map(|t| t.and_utc())
}

/// The delivery time a maildir file name starts with (`1276533073.M242911P3632.host`).
fn maildir_date(path: &Path) -> Option<DateTime<Utc>> {
    let name = path.file_name()?.to_str()?;
    let seconds: i64 = name.split('.').next()?.parse().ok()?;
    (seconds > 0).then(|| DateTime::from_timestamp(seconds, 0)).flatten()
}

#[derive(Default)]
struct MailStats {
    with_attachments: u64,
    attachments: u64,
    derived_ids: u64,
    envelope_dates: u64,
    invitations: u64,
}

struct MailImporter<'p, 's, 'k> {
    pipeline: &'p mut ActivityPipeline<'s, 'k>,
    calendars: EventCollector,
    source: SourceName,
    stats: MailStats,
}

impl MailImporter<'_, '_, '_> {
    fn file(&mut self, path: &Path) -> Result<(), SinkError> {
        match std::fs::File::open(path) {
            Ok(handle) => self.stream(path, BufReader::new(handle)),
            Err(error) => {
                self.pipeline.report.rejections.push(rejection(path, 0, None, None, format!("cannot read: {error}")));
                Ok(())
            }
        }
    }

    /// A mailbox (when it starts with a `From ` separator) or a single message.
    fn stream<R: Read>(&mut self, path: &Path, mut input: R) -> Result<(), SinkError> {
        let mut head = [0u8; 5];
        let mut sniffed = 0;
        while sniffed < head.len() {
            match input.read(&mut head[sniffed..]) {
                Ok(0) | Err(_) => break,
                Ok(n) => sniffed += n,
            }
        }
        let reader = std::io::Cursor::new(head[..sniffed].to_vec()).chain(input);
        if head[..sniffed].starts_with(b"From ") {
            self.mbox(path, BufReader::new(reader))
        } else {
            let mut bytes = Vec::new();
            let read = reader.take(MAX_MESSAGE_BYTES as u64 + 1).read_to_end(&mut bytes);
            match read {
                Err(error) => {
                    self.pipeline.report.rejections.push(rejection(
                        path,
                        0,
                        None,
                        None,
                        format!("cannot read: {error}"),
                    ));
                    Ok(())
                }
                Ok(_) if bytes.len() > MAX_MESSAGE_BYTES => {
                    self.pipeline.report.records_read += 1;
                    let reason = format!("message larger than {} MiB", MAX_MESSAGE_BYTES >> 20);
                    self.pipeline.report.rejections.push(rejection(path, 1, None, None, reason));
                    Ok(())
                }
                Ok(_) => self.message(path, 1, &bytes, maildir_date(path)),
            }
        }
    }

    fn mbox<R: std::io::BufRead>(&mut self, path: &Path, reader: R) -> Result<(), SinkError> {
        for item in MboxReader::new(reader) {
            match item {
                Ok(message) if message.oversized => {
                    self.pipeline.report.records_read += 1;
                    let reason = format!("message larger than {} MiB", MAX_MESSAGE_BYTES >> 20);
                    self.pipeline.report.rejections.push(rejection(path, message.line, None, None, reason));
                }
                Ok(message) => {
                    let fallback = envelope_date(&message.envelope);
                    self.message(path, message.line, &message.bytes, fallback)?;
                }
                Err(error) if error.kind() == std::io::ErrorKind::InvalidData => {
                    self.pipeline.report.rejections.push(rejection(path, 1, None, None, error.to_string()));
                }
                Err(error) => {
                    self.pipeline.report.rejections.push(rejection(
                        path,
                        0,
                        None,
                        None,
                        format!("cannot read: {error}"),
                    ));
                    break;
                }
            }
        }
        Ok(())
    }

    /// One message at `line` of `path`; `fallback_date` from the mbox separator or the
    /// maildir file name covers a missing Date header.
    fn message(
        &mut self,
        path: &Path,
        line: u64,
        bytes: &[u8],
        fallback_date: Option<DateTime<Utc>>,
    ) -> Result<(), SinkError> {
        self.pipeline.report.records_read += 1;
        let reject = |report: &mut ImportReport, record: Option<&str>, field: Option<&str>, reason: &str| {
            report.rejections.push(rejection(path, line, record, field, reason));
        };
        let parsed = match catch_unwind(|| parse_message(bytes)) {
            Ok(Some(parsed)) => parsed,
            Ok(None) => {
                reject(&mut self.pipeline.report, None, None, "not an email message (no header fields)");
                return Ok(());
            }
            Err(_) => {
                reject(&mut self.pipeline.report, None, None, "the mail parser crashed on this message");
                return Ok(());
            }
        };
        let record = parsed.message_id.clone();
        if !parsed.has_headers || (parsed.from.is_none() && parsed.date.is_none() && parsed.message_id.is_none()) {
            let reason = "not an email message (no From, Date or Message-ID header)";
            reject(&mut self.pipeline.report, record.as_deref(), None, reason);
            return Ok(());
        }
        let Some(from) = parsed.from.clone() else {
            reject(&mut self.pipeline.report, record.as_deref(), Some("From"), "no valid sender address");
            return Ok(());
        };
        let occurred_at = match (parsed.date, fallback_date) {
            (Some(date), _) => date,
            (None, Some(date)) => {
                self.stats.envelope_dates += 1;
                date
            }
            (None, None) => {
                reject(&mut self.pipeline.report, record.as_deref(), Some("Date"), "missing or invalid date");
                return Ok(());
            }
        };
        let message_id = match parsed.message_id.clone() {
            Some(id) => id,
            None => {
                self.stats.derived_ids += 1;
                derived_message_id(&from.address, occurred_at, parsed.subject.as_deref(), parsed.body.as_deref())
            }
        };
        let thread_id = parsed.thread_root().unwrap_or(&message_id).to_owned();
        let mut participants =
            vec![Participant { address: from.address, name: from.name, role: ParticipantRole::From, party: None }];
        for (list, role) in [(&parsed.to, ParticipantRole::To), (&parsed.cc, ParticipantRole::Cc)] {
            for address in list {
                if !participants.iter().any(|p| p.address == address.address) {
                    participants.push(Participant {
                        address: address.address.clone(),
                        name: address.name.clone(),
                        role,
                        party: None,
                    });
                }
            }
        }
        let draft = ActivityDraft {
            source: self.source.clone(),
            external_id: message_id.clone(),
            kind: ActivityKind::Email,
            occurred_at,
            duration_minutes: None,
            subject: parsed.subject.clone(),
            body: parsed.body.clone(),
            thread_id: Some(thread_id),
            participants,
        };
        let origin = RecordOrigin { file: path, line, record: Some(&message_id) };
        if self.pipeline.emit(draft, &origin)? == Emitted::Landed && parsed.attachments > 0 {
            self.stats.with_attachments += 1;
            self.stats.attachments += parsed.attachments as u64;
        }
        let default_zone = self.pipeline.settings().default_timezone;
        for calendar in &parsed.calendars {
            self.stats.invitations += 1;
            let read =
                self.calendars.read_guarded(calendar.as_bytes(), path, line, default_zone, &mut self.pipeline.report);
            if let Err(reason) = read {
                let reason = format!("calendar invitation: {reason}");
                reject(&mut self.pipeline.report, Some(&message_id), Some("text/calendar"), &reason);
            }
        }
        Ok(())
    }

    fn finish(self) -> Result<(), SinkError> {
        let stats = self.stats;
        let report = &mut self.pipeline.report;
        if stats.attachments > 0 {
            report.notes.push(format!(
                "{} messages carried {} attachments (counted, not stored)",
                stats.with_attachments, stats.attachments
            ));
        }
        if stats.derived_ids > 0 {
            report.fixes.push(format!(
                "{} messages had no Message-ID; their ids derive from a hash of sender, date, subject and body",
                stats.derived_ids
            ));
        }
        if stats.envelope_dates > 0 {
            report.fixes.push(format!(
                "{} messages had no valid Date header; dated from the mbox separator or maildir file name",
                stats.envelope_dates
            ));
        }
        if stats.invitations > 0 {
            report.notes.push(format!("{} calendar invitations read from messages", stats.invitations));
        }
        self.calendars.emit(self.pipeline)?;
        Ok(())
    }
}

/// A stable id for a message without Message-ID, so re-importing it lands on the same row.
fn derived_message_id(from: &str, date: DateTime<Utc>, subject: Option<&str>, body: Option<&str>) -> String {
    let mut hasher = Sha256::new();
    for part in [from, &date.to_rfc3339(), subject.unwrap_or(""), body.unwrap_or("")] {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    format!("no-message-id-{}", &hex::encode(hasher.finalize())[..24])
}

/// Imports mailboxes, handing records to `sink` in batches of `batch_size`. Identities and
/// deals are resolved against `known` (what the store already holds).
pub fn import_mail_into(
    paths: &[PathBuf],
    settings: &ActivitySettings,
    known: &Dataset,
    batch_size: usize,
    sink: &mut BatchSink<'_>,
) -> Result<ActivityImport, SinkError> {
    let resolver = IdentityResolver::new(known, settings, settings.source_or(source()));
    let mut pipeline = ActivityPipeline::new(settings, resolver, sink, batch_size);
    let files = mail_files(paths, &mut pipeline.report);
    let mut importer = MailImporter {
        pipeline: &mut pipeline,
        calendars: EventCollector::default(),
        source: settings.source_or(source()),
        stats: MailStats::default(),
    };
    for file in &files {
        importer.file(file)?;
    }
    importer.finish()?;
    pipeline.finish()
}

/// Imports one mailbox or message held in memory (an upload, a test input); `label` names it
/// in the report.
pub fn import_mail_bytes(bytes: &[u8], label: &Path, settings: &ActivitySettings, known: &Dataset) -> CollectedImport {
    collect(|sink| {
        let resolver = IdentityResolver::new(known, settings, settings.source_or(source()));
        let mut pipeline = ActivityPipeline::new(settings, resolver, sink, DEFAULT_BATCH_SIZE);
        let mut importer = MailImporter {
            pipeline: &mut pipeline,
            calendars: EventCollector::default(),
            source: settings.source_or(source()),
            stats: MailStats::default(),
        };
        importer.stream(label, bytes)?;
        importer.finish()?;
        pipeline.finish()
    })
}

/// Imports mailboxes into one in-memory outcome.
pub fn import_mail(paths: &[PathBuf], settings: &ActivitySettings, known: &Dataset) -> CollectedImport {
    collect(|sink| import_mail_into(paths, settings, known, DEFAULT_BATCH_SIZE, sink))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests;
