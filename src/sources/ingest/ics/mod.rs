//! iCalendar import (`candor import ics`): .ics files and folders of them, and the calendar
//! parts of emails (iMIP). Each VEVENT becomes meeting activities — organizer, attendees,
//! duration, subject, direction — with recurring series expanded inside the configured window.
//! A broken event is rejected on its own line; a structurally broken file is rejected as a
//! whole with the line at fault; either way the other events and files still import.

mod events;
mod lines;
mod recur;
mod series;
mod values;
mod windows_zones;
mod zones;

pub use lines::{parse_stream, LinesError};
pub use windows_zones::iana_for_windows;

use super::activities::{
    collect, expand_paths, ActivityImport, ActivityPipeline, ActivitySettings, BatchSink, CollectedImport, SinkError,
    DEFAULT_BATCH_SIZE,
};
use super::identity::IdentityResolver;
use super::{ImportReport, Rejection};
use crate::domain::{Dataset, SourceName};
use events::{read_event, CalendarEvent, Method};
use series::{emit_events, EventOrigin};
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use zones::ZoneTable;

/// The source name of meetings read from calendars (also from calendar parts of emails, so
/// the same meeting found in both lands once).
pub const SOURCE: &str = "ics";

fn source() -> SourceName {
    SourceName::parse(SOURCE).unwrap_or_else(|_| unreachable!("\"ics\" is a valid source name"))
}

/// Files a folder walk picks up as calendars.
fn is_calendar_file(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| ["ics", "ical", "icalendar", "ifb", "vcs"].iter().any(|x| e.eq_ignore_ascii_case(x)))
}

/// What one calendar stream held, for the per-file verdict.
#[derive(Debug, Default)]
struct StreamSummary {
    origin: usize,
    events: usize,
    responses: usize,
    other_components: BTreeSet<String>,
}

/// Gathers events from calendar streams (files or email parts) so that versions of the same
/// UID from anywhere in the input are merged before anything is emitted.
#[derive(Default)]
pub(crate) struct EventCollector {
    origins: Vec<EventOrigin>,
    events: Vec<CalendarEvent>,
    unknown_tzids: BTreeSet<String>,
    skipped_lines: u64,
    ignored_dates: u64,
}

impl EventCollector {
    /// Reads one stream. Broken events become rejections in `report`; a stream that cannot be
    /// read as a calendar at all is returned as an error for the caller to report.
    fn read<R: BufRead>(
        &mut self,
        reader: R,
        file: &Path,
        first_line: u64,
        default_zone: chrono_tz::Tz,
        report: &mut ImportReport,
    ) -> Result<StreamSummary, LinesError> {
        let parsed = lines::parse_stream(reader, first_line)?;
        self.skipped_lines += parsed.skipped_lines;
        let origin = self.origins.len();
        self.origins.push(EventOrigin { file: file.to_path_buf(), produced: 0 });
        let mut summary = StreamSummary { origin, ..StreamSummary::default() };
        for calendar in &parsed.components {
            let method = Method::of(calendar);
            let mut zones = ZoneTable::build(calendar, default_zone);
            for child in &calendar.children {
                if child.name != "VEVENT" {
                    if child.name != "VTIMEZONE" {
                        summary.other_components.insert(child.name.clone());
                    }
                    continue;
                }
                summary.events += 1;
                if method == Method::Response {
                    summary.responses += 1;
                    continue;
                }
                match read_event(child, method, origin, &mut zones) {
                    Ok(event) => {
                        self.ignored_dates += u64::from(event.ignored_dates);
                        self.events.push(event);
                    }
                    Err(error) => report.rejections.push(Rejection {
                        file: file.to_path_buf(),
                        line: error.line,
                        record: child.property("UID").map(|p| p.value.trim().to_owned()),
                        field: Some(error.field.to_owned()),
                        reason: error.reason,
                    }),
                }
            }
            self.unknown_tzids.extend(zones.unknown);
        }
        Ok(summary)
    }

    /// Reads one stream, turning a crash of the reader into an error instead of an abort.
    pub(crate) fn read_guarded<R: BufRead>(
        &mut self,
        reader: R,
        file: &Path,
        first_line: u64,
        default_zone: chrono_tz::Tz,
        report: &mut ImportReport,
    ) -> Result<usize, String> {
        match catch_unwind(AssertUnwindSafe(|| self.read(reader, file, first_line, default_zone, report))) {
            Ok(Ok(summary)) => Ok(summary.events),
            Ok(Err(error)) => Err(error.to_string()),
            Err(_) => Err("the calendar reader crashed on this input".to_owned()),
        }
    }

    /// Emits every meeting and cancellation; returns the origins with what each produced.
    pub(crate) fn emit(self, pipeline: &mut ActivityPipeline<'_, '_>) -> Result<Vec<EventOrigin>, SinkError> {
        let mut origins = self.origins;
        if !self.unknown_tzids.is_empty() {
            pipeline.report.fixes.push(format!(
                "unknown time zones read in the calendar's default zone: {}",
                self.unknown_tzids.iter().cloned().collect::<Vec<_>>().join(", ")
            ));
        }
        if self.ignored_dates > 0 {
            pipeline
                .report
                .fixes
                .push(format!("{} RDATE/EXDATE values that are not dates were left out", self.ignored_dates));
        }
        if self.skipped_lines > 0 {
            pipeline
                .report
                .fixes
                .push(format!("{} calendar lines that were not content lines were skipped", self.skipped_lines));
        }
        let source = pipeline.settings().source_or(source());
        emit_events(self.events, &mut origins, &source, pipeline)?;
        Ok(origins)
    }
}

/// Why a calendar file produced nothing, in words.
fn empty_file_reason(summary: &StreamSummary) -> String {
    if summary.events == 0 {
        let held = if summary.other_components.is_empty() {
            "nothing but time zones".to_owned()
        } else {
            summary.other_components.iter().cloned().collect::<Vec<_>>().join(", ")
        };
        return format!("no VEVENT to import as a meeting (the calendar holds {held})");
    }
    if summary.responses == summary.events {
        return "holds only scheduling responses (METHOD REPLY/COUNTER/REFRESH), which are not meetings".to_owned();
    }
    format!("none of its {} events has an instance inside the recurrence window", summary.events)
}

/// Imports calendars, handing records to `sink` in batches of `batch_size`. Identities and
/// deals are resolved against `known` (what the store already holds).
pub fn import_ics_into(
    paths: &[PathBuf],
    settings: &ActivitySettings,
    known: &Dataset,
    batch_size: usize,
    sink: &mut BatchSink<'_>,
) -> Result<ActivityImport, SinkError> {
    let resolver = IdentityResolver::new(known, settings, settings.source_or(source()));
    let mut pipeline = ActivityPipeline::new(settings, resolver, sink, batch_size);
    let files = expand_paths(paths, &is_calendar_file, &mut pipeline.report);
    let mut reading = FileReading::default();
    for file in &files {
        match std::fs::File::open(file) {
            Ok(handle) => reading.stream(file, BufReader::new(handle), settings, &mut pipeline.report),
            Err(error) => pipeline.report.rejections.push(file_rejection(file, 0, format!("cannot read: {error}"))),
        }
    }
    reading.finish(&mut pipeline)?;
    pipeline.finish()
}

/// Imports one calendar held in memory (an upload, a test input); `label` names it in the
/// report.
pub fn import_ics_bytes(bytes: &[u8], label: &Path, settings: &ActivitySettings, known: &Dataset) -> CollectedImport {
    collect(|sink| {
        let resolver = IdentityResolver::new(known, settings, settings.source_or(source()));
        let mut pipeline = ActivityPipeline::new(settings, resolver, sink, DEFAULT_BATCH_SIZE);
        let mut reading = FileReading::default();
        reading.stream(label, bytes, settings, &mut pipeline.report);
        reading.finish(&mut pipeline)?;
        pipeline.finish()
    })
}

/// Calendar files read so far, with what each held, so that a file that produced nothing can
/// be named in the report once everything is merged.
#[derive(Default)]
struct FileReading {
    collector: EventCollector,
    summaries: Vec<(PathBuf, StreamSummary, bool)>,
}

impl FileReading {
    fn stream<R: BufRead>(&mut self, file: &Path, reader: R, settings: &ActivitySettings, report: &mut ImportReport) {
        let rejections_before = report.rejections.len();
        let outcome =
            catch_unwind(AssertUnwindSafe(|| self.collector.read(reader, file, 1, settings.default_timezone, report)));
        match outcome {
            Ok(Ok(summary)) => {
                report.records_read += summary.events as u64;
                let rejected_events = report.rejections.len() > rejections_before;
                self.summaries.push((file.to_path_buf(), summary, rejected_events));
            }
            Ok(Err(error)) => {
                let line = lines_error_line(&error);
                report.rejections.push(file_rejection(file, line, format!("not a readable calendar: {error}")));
            }
            Err(_) => report.rejections.push(file_rejection(file, 0, "the calendar reader crashed on this file")),
        }
    }

    fn finish(self, pipeline: &mut ActivityPipeline<'_, '_>) -> Result<(), SinkError> {
        let origins = self.collector.emit(pipeline)?;
        for (file, summary, rejected_events) in self.summaries {
            let produced = origins.get(summary.origin).map_or(0, |o| o.produced);
            if produced == 0 && !rejected_events {
                pipeline.report.rejections.push(file_rejection(&file, 1, empty_file_reason(&summary)));
            }
        }
        Ok(())
    }
}

/// Imports calendars into one in-memory outcome.
pub fn import_ics(paths: &[PathBuf], settings: &ActivitySettings, known: &Dataset) -> CollectedImport {
    collect(|sink| import_ics_into(paths, settings, known, DEFAULT_BATCH_SIZE, sink))
}

fn file_rejection(file: &Path, line: u64, reason: impl Into<String>) -> Rejection {
    Rejection { file: file.to_path_buf(), line, record: None, field: None, reason: reason.into() }
}

fn lines_error_line(error: &LinesError) -> u64 {
    match error {
        LinesError::Read { line, .. }
        | LinesError::TooLong { line }
        | LinesError::Mismatched { line, .. }
        | LinesError::UnexpectedEnd { line, .. }
        | LinesError::Unclosed { line, .. }
        | LinesError::TooDeep { line } => *line,
        LinesError::NotCalendar => 1,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests;
