//! One VEVENT read into a [`CalendarEvent`]: identity (UID, RECURRENCE-ID, SEQUENCE), status,
//! start and duration with zones applied, who organised and who takes part (declined
//! attendees, rooms and non-participants are left out: they did not meet anyone), and the
//! recurrence properties, converted to the series' wall-clock frame for expansion.

use super::lines::{Component, Property};
use super::values::{parse_duration, property_time, property_times, RawTime};
use super::zones::{Zone, ZoneTable};
use crate::sources::ingest::identity::normalise_address;
use chrono::{DateTime, Duration, NaiveDateTime, NaiveTime, Utc};
use sha2::{Digest, Sha256};

/// What the calendar's METHOD says about its events (RFC 5546).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Method {
    /// No METHOD, PUBLISH or REQUEST: the events are meetings.
    Publish,
    Cancel,
    /// REPLY, COUNTER, REFRESH, DECLINECOUNTER, ADD: responses about a meeting, not a meeting.
    Response,
}

impl Method {
    pub(super) fn of(calendar: &Component) -> Method {
        match calendar.property("METHOD").map(|p| p.value.trim().to_ascii_uppercase()).as_deref() {
            None | Some("PUBLISH" | "REQUEST" | "") => Method::Publish,
            Some("CANCEL") => Method::Cancel,
            Some(_) => Method::Response,
        }
    }
}

/// A start (or recurrence id) on the series' wall clock, with the zone that places it.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Start {
    pub wall: NaiveDateTime,
    pub zone: Zone,
    pub all_day: bool,
}

impl Start {
    pub(super) fn instant(&self) -> DateTime<Utc> {
        self.zone.to_utc(self.wall)
    }

    /// How an instance is named in its external id: the date for all-day series, else the
    /// UTC instant.
    pub(super) fn key(&self) -> String {
        if self.all_day {
            self.wall.format("%Y%m%d").to_string()
        } else {
            self.instant().format("%Y%m%dT%H%M%SZ").to_string()
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct EventPerson {
    pub address: String,
    pub name: Option<String>,
}

#[derive(Debug, Clone)]
pub(super) struct CalendarEvent {
    /// Index of the file or message the event came from (see the collector).
    pub origin: usize,
    pub line: u64,
    pub uid: String,
    pub recurrence_id: Option<Start>,
    pub sequence: i64,
    pub dtstamp: Option<DateTime<Utc>>,
    pub cancelled: bool,
    pub start: Start,
    pub duration: Option<Duration>,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub organizer: Option<EventPerson>,
    pub attendees: Vec<EventPerson>,
    pub rrules: Vec<String>,
    pub rdates: Vec<NaiveDateTime>,
    pub exdates: Vec<NaiveDateTime>,
    /// RDATE or EXDATE items that were not dates and were left out.
    pub ignored_dates: u32,
}

impl CalendarEvent {
    pub(super) fn is_recurring(&self) -> bool {
        !self.rrules.is_empty() || !self.rdates.is_empty()
    }

    /// Which of two versions of the same event is newer (RFC 5546: SEQUENCE, then DTSTAMP).
    pub(super) fn revision(&self) -> (i64, Option<DateTime<Utc>>) {
        (self.sequence, self.dtstamp)
    }
}

/// An event that could not be read, with the field at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct EventError {
    pub line: u64,
    pub field: &'static str,
    pub reason: String,
}

fn error(line: u64, field: &'static str, reason: impl Into<String>) -> EventError {
    EventError { line, field, reason: reason.into() }
}

/// Reads a time property onto a wall clock: its own zone for DTSTART, the series' zone for
/// everything compared with DTSTART.
fn to_start(raw: &RawTime, zones: &mut ZoneTable, frame: Option<&Zone>) -> Start {
    match raw {
        RawTime::Date(date) => Start {
            wall: date.and_time(NaiveTime::MIN),
            zone: frame.cloned().unwrap_or_else(|| zones.default.clone()),
            all_day: true,
        },
        RawTime::Utc(time) => match frame {
            Some(zone) => Start { wall: zone.to_local(*time), zone: zone.clone(), all_day: false },
            None => Start { wall: *time, zone: Zone::Utc, all_day: false },
        },
        RawTime::Local { time, tzid } => {
            let own = zones.resolve(tzid.as_deref());
            match frame {
                Some(zone) if *zone != own => {
                    let instant = own.to_utc(*time).naive_utc();
                    Start { wall: zone.to_local(instant), zone: zone.clone(), all_day: false }
                }
                _ => Start { wall: *time, zone: own, all_day: false },
            }
        }
    }
}

/// A date-only EXDATE/RDATE on a timed series means that day at the series' start time.
fn on_series_clock(raw: &RawTime, start: &Start, zones: &mut ZoneTable) -> NaiveDateTime {
    match raw {
        RawTime::Date(date) if !start.all_day => date.and_time(start.wall.time()),
        _ => to_start(raw, zones, Some(&start.zone)).wall,
    }
}

fn person(property: &Property) -> Option<EventPerson> {
    let address = normalise_address(&property.value).or_else(|| property.param("EMAIL").and_then(normalise_address))?;
    let name = property.param("CN").map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
    Some(EventPerson { address, name })
}

/// Attendees who did not take part in the meeting as people.
fn takes_part(property: &Property) -> bool {
    let is = |param: &str, values: &[&str]| {
        property.param(param).is_some_and(|v| values.iter().any(|x| v.eq_ignore_ascii_case(x)))
    };
    !is("PARTSTAT", &["DECLINED"]) && !is("CUTYPE", &["ROOM", "RESOURCE"]) && !is("ROLE", &["NON-PARTICIPANT"])
}

/// A stable stand-in for a missing UID, from what identifies the event in the file.
fn derived_uid(event: &Component) -> String {
    let mut hasher = Sha256::new();
    for name in ["DTSTART", "SUMMARY", "ORGANIZER", "DTEND", "RRULE"] {
        if let Some(p) = event.property(name) {
            hasher.update(name.as_bytes());
            hasher.update(p.value.as_bytes());
            hasher.update([0]);
        }
    }
    format!("no-uid-{}", &hex::encode(hasher.finalize())[..24])
}

/// Reads one VEVENT. `method` is the calendar's METHOD.
pub(super) fn read_event(
    event: &Component,
    method: Method,
    origin: usize,
    zones: &mut ZoneTable,
) -> Result<CalendarEvent, EventError> {
    let line = event.line;
    let uid = event
        .property("UID")
        .map(|p| p.value.trim().chars().filter(|c| !c.is_control()).collect::<String>())
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| derived_uid(event));
    let recurrence_raw = match event.property("RECURRENCE-ID") {
        Some(p) => Some(property_time(p).map_err(|e| error(p.line, "RECURRENCE-ID", e))?),
        None => None,
    };
    let start_raw = match event.property("DTSTART") {
        Some(p) => property_time(p).map_err(|e| error(p.line, "DTSTART", e))?,
        // A cancellation of one instance may name only the instance.
        None => recurrence_raw.clone().ok_or_else(|| error(line, "DTSTART", "missing"))?,
    };
    let start = to_start(&start_raw, zones, None);
    let recurrence_id = recurrence_raw.as_ref().map(|raw| to_start(raw, zones, Some(&start.zone)));
    let duration = event_duration(event, &start_raw, &start, zones)?;
    let status_cancelled = event.property("STATUS").is_some_and(|p| p.value.trim().eq_ignore_ascii_case("CANCELLED"));
    let organizer = event.property("ORGANIZER").and_then(person);
    let mut attendees: Vec<EventPerson> = Vec::new();
    for property in event.properties("ATTENDEE").filter(|p| takes_part(p)) {
        if let Some(attendee) = person(property) {
            let duplicate = organizer.as_ref().is_some_and(|o| o.address == attendee.address)
                || attendees.iter().any(|a| a.address == attendee.address);
            if !duplicate {
                attendees.push(attendee);
            }
        }
    }
    let mut ignored_dates = 0;
    let mut dates_of = |name: &str, zones: &mut ZoneTable| {
        let mut out = Vec::new();
        for raw in event.properties(name).flat_map(property_times) {
            match raw {
                Ok(raw) => out.push(on_series_clock(&raw, &start, zones)),
                Err(_) => ignored_dates += 1,
            }
        }
        out
    };
    let rdates = dates_of("RDATE", zones);
    let exdates = dates_of("EXDATE", zones);
    Ok(CalendarEvent {
        origin,
        line,
        uid,
        recurrence_id,
        sequence: event.property("SEQUENCE").and_then(|p| p.value.trim().parse().ok()).unwrap_or(0),
        dtstamp: event
            .property("DTSTAMP")
            .and_then(|p| property_time(p).ok())
            .map(|raw| to_start(&raw, zones, None).instant()),
        cancelled: status_cancelled || method == Method::Cancel,
        start,
        duration,
        summary: event.text("SUMMARY"),
        description: event.text("DESCRIPTION"),
        organizer,
        attendees,
        rrules: event.properties("RRULE").map(|p| p.value.clone()).collect(),
        rdates,
        exdates,
        ignored_dates,
    })
}

fn event_duration(
    event: &Component,
    start_raw: &RawTime,
    start: &Start,
    zones: &mut ZoneTable,
) -> Result<Option<Duration>, EventError> {
    if let Some(p) = event.property("DTEND") {
        let end_raw = property_time(p).map_err(|e| error(p.line, "DTEND", e))?;
        let end = match (&end_raw, start_raw) {
            (RawTime::Date(end), RawTime::Date(begin)) => {
                return Ok(Some(*end - *begin).filter(|d| *d >= Duration::zero()))
            }
            _ => to_start(&end_raw, zones, None).instant(),
        };
        return Ok(Some(end - start.instant()).filter(|d| *d >= Duration::zero()));
    }
    if let Some(p) = event.property("DURATION") {
        let duration = parse_duration(&p.value)
            .ok_or_else(|| error(p.line, "DURATION", format!("{:?} is not a duration", p.value)))?;
        return Ok(Some(duration).filter(|d| *d >= Duration::zero()));
    }
    // RFC 5545: an all-day event without an end lasts the day; a timed one has no length.
    Ok(start.all_day.then(|| Duration::days(1)))
}

/// Days of an all-day instance for the duration field; minutes of a timed one.
pub(super) fn duration_minutes(duration: Option<Duration>) -> Option<u32> {
    duration.and_then(|d| u32::try_from(d.num_minutes()).ok())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests;
