//! From events to meeting instances: versions of one UID are merged (the highest SEQUENCE,
//! then DTSTAMP, wins), recurring series are expanded within the window, RECURRENCE-ID
//! overrides replace the instance they name, and cancellations (STATUS:CANCELLED,
//! METHOD:CANCEL, EXDATE) turn instances into cancelled ids instead of meetings.
//!
//! External ids: `UID` for a single meeting, `UID/INSTANCE` for an instance of a series,
//! where INSTANCE is the original start in UTC (`20260105T090000Z`) or the date of an all-day
//! instance — the same value RECURRENCE-ID uses, so a moved instance replaces its original.

use super::events::{duration_minutes, CalendarEvent, Start};
use super::recur::{expand, SeriesRules};
use super::values::RawTime;
use crate::domain::{ActivityId, ActivityKind, Participant, ParticipantRole, SourceName};
use crate::sources::ingest::activities::{ActivityDraft, ActivityPipeline, Emitted, RecordOrigin, SinkError};
use chrono::{Duration, NaiveTime};
use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;

/// A file, or a calendar part inside a message, that events came from.
#[derive(Debug, Clone)]
pub(crate) struct EventOrigin {
    pub file: PathBuf,
    /// Meetings and cancellations produced from this origin.
    pub produced: u64,
}

#[derive(Default)]
struct Group {
    /// Every origin that held a version of this UID, superseded ones included.
    origins: Vec<usize>,
    master: Option<CalendarEvent>,
    master_cancel: Option<CalendarEvent>,
    overrides: BTreeMap<String, CalendarEvent>,
}

fn keep_newer(slot: &mut Option<CalendarEvent>, event: CalendarEvent) {
    if slot.as_ref().is_none_or(|current| event.revision() >= current.revision()) {
        *slot = Some(event);
    }
}

fn group_by_uid(events: Vec<CalendarEvent>) -> BTreeMap<String, Group> {
    let mut groups: BTreeMap<String, Group> = BTreeMap::new();
    for event in events {
        let group = groups.entry(event.uid.clone()).or_default();
        group.origins.push(event.origin);
        match &event.recurrence_id {
            Some(rid) => {
                let key = rid.key();
                let newer = group.overrides.get(&key).is_none_or(|current| event.revision() >= current.revision());
                if newer {
                    group.overrides.insert(key, event);
                }
            }
            None if event.cancelled => keep_newer(&mut group.master_cancel, event),
            None => keep_newer(&mut group.master, event),
        }
    }
    groups
}

/// Emits every meeting and cancellation in `events` through the pipeline.
pub(super) fn emit_events(
    events: Vec<CalendarEvent>,
    origins: &mut [EventOrigin],
    source: &SourceName,
    pipeline: &mut ActivityPipeline<'_, '_>,
) -> Result<(), SinkError> {
    for (uid, group) in group_by_uid(events) {
        // Every file that contributed a version counts as imported when the merged result
        // produced anything, even if a newer version from elsewhere superseded its own.
        let contributors = group.origins.clone();
        let mut emitter = Emitter { uid: &uid, source, origins, pipeline, produced: 0 };
        emitter.group(group)?;
        if emitter.produced > 0 {
            for origin in contributors {
                if let Some(origin) = origins.get_mut(origin) {
                    origin.produced += 1;
                }
            }
        }
    }
    Ok(())
}

struct Emitter<'a, 'p, 's, 'k> {
    uid: &'a str,
    source: &'a SourceName,
    origins: &'a [EventOrigin],
    pipeline: &'p mut ActivityPipeline<'s, 'k>,
    produced: u64,
}

impl Emitter<'_, '_, '_, '_> {
    fn group(&mut self, mut group: Group) -> Result<(), SinkError> {
        let series_cancelled = match (&group.master, &group.master_cancel) {
            (Some(master), Some(cancel)) => cancel.revision() >= master.revision(),
            (None, Some(_)) => true,
            _ => false,
        };
        if series_cancelled {
            let shape = match group.master_cancel.take() {
                Some(cancel) if cancel.is_recurring() || group.master.is_none() => cancel,
                Some(cancel) => match group.master.take() {
                    Some(master) => CalendarEvent { origin: cancel.origin, ..master },
                    None => cancel,
                },
                None => return Ok(()),
            };
            let (instances, excluded) = self.instances(&shape);
            for (_, external_id) in instances {
                self.cancel(&external_id);
            }
            for start in excluded {
                self.cancel(&format!("{}/{}", self.uid, start.key()));
            }
            for key in group.overrides.keys() {
                self.cancel(&format!("{}/{key}", self.uid));
            }
            return Ok(());
        }
        let Some(master) = group.master.take() else {
            for (key, event) in std::mem::take(&mut group.overrides) {
                let external_id = format!("{}/{key}", self.uid);
                if event.cancelled {
                    self.cancel(&external_id);
                } else {
                    let start = event.start.clone();
                    self.meeting(&event, &start, external_id)?;
                }
            }
            return Ok(());
        };
        let (window_start, window_end) = self.pipeline.settings().expansion_window();
        let (instances, excluded) = self.instances(&master);
        for (start, external_id) in instances {
            let key = start.key();
            match group.overrides.remove(&key) {
                Some(event) if event.cancelled => self.cancel(&external_id),
                Some(event) => {
                    let moved = event.start.clone();
                    self.meeting(&event, &moved, external_id)?;
                }
                None => self.meeting(&master, &start, external_id)?,
            }
        }
        for start in excluded {
            let key = start.key();
            self.cancel(&format!("{}/{key}", self.uid));
        }
        // Overrides of instances the master did not produce here (outside the window, or
        // excluded): kept when they themselves fall inside the window.
        for (key, event) in std::mem::take(&mut group.overrides) {
            let external_id = if master.is_recurring() { format!("{}/{key}", self.uid) } else { self.uid.to_owned() };
            let instant = event.start.instant();
            if event.cancelled {
                self.cancel(&external_id);
            } else if !master.is_recurring() || (window_start <= instant && instant <= window_end) {
                let start = event.start.clone();
                self.meeting(&event, &start, external_id)?;
            }
        }
        Ok(())
    }

    /// Starts and external ids of the instances of `event` to import, and the starts of the
    /// instances EXDATE removes.
    fn instances(&mut self, event: &CalendarEvent) -> (Vec<(Start, String)>, Vec<Start>) {
        if !event.is_recurring() {
            return (vec![(event.start.clone(), self.uid.to_owned())], Vec::new());
        }
        let (starts, excluded) = self.expand(event);
        let instances = starts
            .into_iter()
            .map(|start| {
                let external_id = format!("{}/{}", self.uid, start.key());
                (start, external_id)
            })
            .collect();
        (instances, excluded)
    }

    /// (instances, excluded instances) inside the window; on an unreadable rule, the first
    /// instance alone, with a fix noted.
    fn expand(&mut self, event: &CalendarEvent) -> (Vec<Start>, Vec<Start>) {
        let settings = self.pipeline.settings();
        let (window_start, window_end) = settings.expansion_window();
        let limit = u16::try_from(settings.ingest.max_instances_per_series).unwrap_or(u16::MAX);
        let zone = event.start.zone.clone();
        let slack = Duration::days(1);
        let from = zone.to_local(window_start.naive_utc()) - slack;
        let to = zone.to_local(window_end.naive_utc()) + slack;
        let all_day = event.start.all_day;
        let until_to_wall = |raw: &RawTime| match raw {
            RawTime::Date(date) if all_day => date.and_time(NaiveTime::MIN),
            RawTime::Date(date) => date.and_time(NaiveTime::MIN) + Duration::days(1) - Duration::seconds(1),
            RawTime::Utc(time) => zone.to_local(*time),
            RawTime::Local { time, .. } => *time,
        };
        let rules = SeriesRules {
            start: event.start.wall,
            rrules: &event.rrules,
            rdates: &event.rdates,
            exdates: &event.exdates,
        };
        let outcome = catch_unwind(AssertUnwindSafe(|| expand(&rules, from, to, limit, &until_to_wall)))
            .unwrap_or_else(|_| Err("the recurrence expander crashed on this rule".to_owned()));
        let to_start = |wall| Start { wall, zone: zone.clone(), all_day };
        let in_window = |start: &Start| {
            let instant = start.instant();
            window_start <= instant && instant <= window_end
        };
        match outcome {
            Ok(expansion) => {
                if expansion.truncated {
                    self.pipeline.report.notes.push(format!(
                        "meeting series {} at {}:{} stopped after {} instances (ingest.max_instances_per_series)",
                        self.uid,
                        self.origins.get(event.origin).map(|o| o.file.display().to_string()).unwrap_or_default(),
                        event.line,
                        expansion.starts.len()
                    ));
                }
                let starts = expansion.starts.into_iter().map(to_start).filter(in_window).collect();
                let excluded = expansion.excluded.into_iter().map(to_start).filter(in_window).collect();
                (starts, excluded)
            }
            Err(reason) => {
                let file = self.origins.get(event.origin).map(|o| o.file.display().to_string()).unwrap_or_default();
                self.pipeline.report.fixes.push(format!(
                    "{file}:{}: meeting series {}: {reason}; imported its first instance only",
                    event.line, self.uid
                ));
                (vec![event.start.clone()], Vec::new())
            }
        }
    }

    fn cancel(&mut self, external_id: &str) {
        if let Ok(id) = ActivityId::from_source(self.source, external_id) {
            self.pipeline.cancel(id);
            self.produced += 1;
        }
    }

    fn meeting(&mut self, event: &CalendarEvent, start: &Start, external_id: String) -> Result<(), SinkError> {
        let mut participants = Vec::new();
        if let Some(organizer) = &event.organizer {
            participants.push(Participant {
                address: organizer.address.clone(),
                name: organizer.name.clone(),
                role: ParticipantRole::Organizer,
                party: None,
            });
        }
        for attendee in &event.attendees {
            participants.push(Participant {
                address: attendee.address.clone(),
                name: attendee.name.clone(),
                role: ParticipantRole::Attendee,
                party: None,
            });
        }
        let draft = ActivityDraft {
            source: self.source.clone(),
            external_id,
            kind: ActivityKind::Meeting,
            occurred_at: start.instant(),
            duration_minutes: duration_minutes(event.duration),
            subject: event.summary.clone(),
            body: event.description.clone(),
            // Instances of one series share a thread, so meeting cadence can be followed.
            thread_id: Some(self.uid.to_owned()),
            participants,
        };
        let Some(origin) = self.origins.get(event.origin) else { return Ok(()) };
        let file = origin.file.clone();
        let record = draft.external_id.clone();
        let emitted =
            self.pipeline.emit(draft, &RecordOrigin { file: &file, line: event.line, record: Some(&record) })?;
        if emitted != Emitted::Rejected {
            self.produced += 1;
        }
        Ok(())
    }
}
