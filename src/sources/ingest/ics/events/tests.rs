//! Reading single VEVENTs: identity, people, times and durations.

use super::*;
use crate::sources::ingest::ics::lines::parse_stream;

fn read(body: &str) -> Result<CalendarEvent, EventError> {
    let text = format!("BEGIN:VCALENDAR\nBEGIN:VEVENT\n{body}END:VEVENT\nEND:VCALENDAR\n");
    let parsed = parse_stream(text.as_bytes(), 1).unwrap();
    let calendar = &parsed.components[0];
    let mut zones = ZoneTable::build(calendar, chrono_tz::Europe::London);
    read_event(&calendar.children[0], Method::of(calendar), 0, &mut zones)
}

#[test]
fn missing_uid_gets_a_stable_derived_one() {
    let first = read("DTSTART:20260210T100000Z\nSUMMARY:x\n").unwrap();
    let again = read("DTSTART:20260210T100000Z\nSUMMARY:x\n").unwrap();
    assert!(first.uid.starts_with("no-uid-"));
    assert_eq!(first.uid, again.uid);
}

#[test]
fn missing_or_bad_start_is_an_error_naming_the_field() {
    let error = read("UID:a\n").unwrap_err();
    assert_eq!((error.field, error.reason.as_str()), ("DTSTART", "missing"));
    let error = read("UID:a\nDTSTART:tomorrow\n").unwrap_err();
    assert_eq!((error.field, error.line), ("DTSTART", 4));
    let error = read("UID:a\nDTSTART:20260210T100000Z\nDURATION:soon\n").unwrap_err();
    assert_eq!(error.field, "DURATION");
}

#[test]
fn people_come_from_mailto_or_the_email_parameter_and_duplicates_collapse() {
    let event = read(
        "UID:a\nDTSTART:20260210T100000Z\nORGANIZER;CN=Al:mailto:AL@x.example\n\
         ATTENDEE;EMAIL=bo@y.example;CN=Bo:urn:uuid:1234\nATTENDEE:mailto:al@x.example\n\
         ATTENDEE;ROLE=NON-PARTICIPANT:mailto:fyi@y.example\nATTENDEE:invalid\n",
    )
    .unwrap();
    assert_eq!(event.organizer, Some(EventPerson { address: "al@x.example".into(), name: Some("Al".into()) }));
    assert_eq!(event.attendees, vec![EventPerson { address: "bo@y.example".into(), name: Some("Bo".into()) }]);
}

#[test]
fn end_before_start_leaves_the_duration_unknown() {
    let event = read("UID:a\nDTSTART:20260210T100000Z\nDTEND:20260210T090000Z\n").unwrap();
    assert_eq!(event.duration, None);
    let event = read("UID:a\nDTSTART;TZID=Europe/Paris:20260210T100000\nDTEND:20260210T100000Z\n").unwrap();
    assert_eq!(duration_minutes(event.duration), Some(60));
}

#[test]
fn cancellation_comes_from_status_or_method() {
    assert!(read("UID:a\nDTSTART:20260210T100000Z\nSTATUS:CANCELLED\n").unwrap().cancelled);
    assert!(!read("UID:a\nDTSTART:20260210T100000Z\nSTATUS:CONFIRMED\n").unwrap().cancelled);
}
