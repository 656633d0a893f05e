//! Calendar import end to end on small hand-written files: zones, attendees, direction, deal
//! links, recurrence with exceptions and overrides, cancellations, and bad input.

use super::*;
use crate::domain::{ActivityKind, Direction, ParticipantRole};
use crate::sources::ingest::identity::tests::{known, settings, ts};
use crate::sources::ingest::identity::RULE_CONTACT_ON_DEAL;

fn run(files: &[(&str, &str)]) -> (CollectedImport, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        paths.push(path);
    }
    (import_ics(&paths, &settings(), &known()), dir)
}

fn calendar(body: &str) -> String {
    format!("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n{body}END:VCALENDAR\r\n")
}

const OUTLOOK_EVENT: &str = "BEGIN:VEVENT\r\n\
UID:040000008200E00074C5B7101A82E008\r\n\
DTSTAMP:20260201T120000Z\r\n\
DTSTART;TZID=W. Europe Standard Time:20260210T090000\r\n\
DTEND;TZID=W. Europe Standard Time:20260210T100000\r\n\
SUMMARY:Custody fee review\r\n\
DESCRIPTION:Walk through the fee schedule\\nand the RFP timeline.\r\n\
ORGANIZER;CN=Alice:mailto:alice@northbridge-fs.example\r\n\
ATTENDEE;CN=Alice;PARTSTAT=ACCEPTED:mailto:alice@northbridge-fs.example\r\n\
ATTENDEE;CN=Carol Díaz;PARTSTAT=ACCEPTED:mailto:Carol@HarbourPension.example\r\n\
ATTENDEE;CUTYPE=ROOM;CN=Room 4:mailto:room4@northbridge-fs.example\r\n\
ATTENDEE;PARTSTAT=DECLINED:mailto:dan@meridian.example\r\n\
END:VEVENT\r\n";

#[test]
fn an_outlook_meeting_imports_with_zone_participants_direction_and_deal() {
    let (import, _dir) = run(&[("outlook.ics", &calendar(OUTLOOK_EVENT))]);
    let report = &import.outcome.report;
    assert!(report.rejections.is_empty(), "{:?}", report.rejections);
    assert_eq!(report.records_read, 1);
    let data = &import.outcome.data;
    assert_eq!(data.activities.len(), 1);
    let meeting = &data.activities[0];
    assert_eq!(meeting.id.as_str(), "ics:040000008200E00074C5B7101A82E008");
    assert_eq!(meeting.kind, ActivityKind::Meeting);
    assert_eq!(meeting.occurred_at, ts("2026-02-10T08:00:00Z"), "W. Europe is UTC+1 in February");
    assert_eq!(meeting.duration_minutes, Some(60));
    assert_eq!(meeting.subject.as_deref(), Some("Custody fee review"));
    assert_eq!(meeting.snippet.as_deref(), Some("Walk through the fee schedule and the RFP timeline."));
    assert_eq!(meeting.direction, Direction::Outbound);
    let who: Vec<(&str, ParticipantRole)> = meeting.participants.iter().map(|p| (p.address.as_str(), p.role)).collect();
    assert_eq!(
        who,
        vec![
            ("alice@northbridge-fs.example", ParticipantRole::Organizer),
            ("carol@harbourpension.example", ParticipantRole::Attendee)
        ],
        "rooms and declined attendees did not take part"
    );
    assert_eq!(meeting.deals.len(), 1);
    assert_eq!(meeting.deals[0].deal_id.as_str(), "crm:harbour-custody");
    assert_eq!(meeting.deals[0].rule, RULE_CONTACT_ON_DEAL);
    let kinds: Vec<(&str, &str)> = data.activity_signals.iter().map(|s| (s.kind.as_str(), s.detail.as_str())).collect();
    assert!(kinds.contains(&("pricing_discussed", "fee")), "{kinds:?}");
    assert!(kinds.contains(&("procurement_involved", "rfp")), "{kinds:?}");
}

#[test]
fn recurring_series_expand_with_exdates_overrides_and_cancelled_instances() {
    let body = "BEGIN:VEVENT\r\nUID:weekly-1\r\nDTSTART;TZID=Europe/London:20260105T090000\r\nDURATION:PT30M\r\n\
RRULE:FREQ=WEEKLY;COUNT=5\r\nEXDATE;TZID=Europe/London:20260112T090000\r\nSUMMARY:Weekly sync\r\n\
ORGANIZER:mailto:carol@harbourpension.example\r\nATTENDEE:mailto:alice@northbridge-fs.example\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:weekly-1\r\nRECURRENCE-ID;TZID=Europe/London:20260119T090000\r\n\
DTSTART;TZID=Europe/London:20260119T140000\r\nDURATION:PT45M\r\nSUMMARY:Weekly sync (moved)\r\nSEQUENCE:1\r\n\
ORGANIZER:mailto:carol@harbourpension.example\r\nATTENDEE:mailto:alice@northbridge-fs.example\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:weekly-1\r\nRECURRENCE-ID:20260126T090000Z\r\nDTSTART:20260126T090000Z\r\nSTATUS:CANCELLED\r\nEND:VEVENT\r\n";
    let (import, _dir) = run(&[("series.ics", &calendar(body))]);
    let data = &import.outcome.data;
    let ids: Vec<&str> = data.activities.iter().map(|a| a.external_id.as_str()).collect();
    assert_eq!(ids, vec!["weekly-1/20260105T090000Z", "weekly-1/20260119T090000Z", "weekly-1/20260202T090000Z"]);
    let moved = &data.activities[1];
    assert_eq!(moved.occurred_at, ts("2026-01-19T14:00:00Z"));
    assert_eq!(moved.duration_minutes, Some(45));
    assert_eq!(moved.subject.as_deref(), Some("Weekly sync (moved)"));
    assert_eq!(moved.direction, Direction::Inbound, "organised by the client");
    assert!(data.activities.iter().all(|a| a.thread_id.as_deref() == Some("weekly-1")));
    let cancelled: Vec<&str> = import.cancelled.iter().map(|id| id.as_str()).collect();
    assert_eq!(cancelled, vec!["ics:weekly-1/20260112T090000Z", "ics:weekly-1/20260126T090000Z"]);
}

#[test]
fn daylight_saving_keeps_the_local_time_of_a_series() {
    let body = "BEGIN:VEVENT\r\nUID:dst\r\nDTSTART;TZID=America/New_York:20260302T090000\r\nRRULE:FREQ=WEEKLY;COUNT=3\r\nEND:VEVENT\r\n";
    let (import, _dir) = run(&[("dst.ics", &calendar(body))]);
    let times: Vec<_> = import.outcome.data.activities.iter().map(|a| a.occurred_at).collect();
    // US clocks go forward on 8 March 2026: 09:00 EST is 14:00Z, 09:00 EDT is 13:00Z.
    assert_eq!(times, vec![ts("2026-03-02T14:00:00Z"), ts("2026-03-09T13:00:00Z"), ts("2026-03-16T13:00:00Z")]);
}

#[test]
fn endless_series_are_expanded_inside_the_window_only() {
    let body = "BEGIN:VEVENT\r\nUID:daily\r\nDTSTART:20200101T080000Z\r\nRRULE:FREQ=DAILY\r\nEND:VEVENT\r\n";
    let (import, _dir) = run(&[("daily.ics", &calendar(body))]);
    let settings = settings();
    let (from, to) = settings.expansion_window();
    let activities = &import.outcome.data.activities;
    assert_eq!(activities.len(), 910, "730 days back and 180 forward from 2026-03-01");
    assert!(activities.iter().all(|a| from <= a.occurred_at && a.occurred_at <= to));
}

#[test]
fn all_day_events_start_at_local_midnight_and_last_the_day() {
    let body = "BEGIN:VEVENT\r\nUID:offsite\r\nDTSTART;VALUE=DATE:20260220\r\nDTEND;VALUE=DATE:20260222\r\nSUMMARY:Offsite\r\nEND:VEVENT\r\n";
    let (import, _dir) = run(&[("allday.ics", &calendar(body))]);
    let meeting = &import.outcome.data.activities[0];
    assert_eq!(meeting.occurred_at, ts("2026-02-20T00:00:00Z"), "London is on UTC in February");
    assert_eq!(meeting.duration_minutes, Some(2 * 1440));
    assert_eq!(meeting.direction, Direction::Internal, "nobody from outside");
}

#[test]
fn a_later_cancel_removes_the_meeting_and_reimport_keeps_ids() {
    let request = "METHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:deal-review\r\nSEQUENCE:0\r\nDTSTART:20260210T100000Z\r\nSUMMARY:Review\r\nEND:VEVENT\r\n";
    let cancel =
        "METHOD:CANCEL\r\nBEGIN:VEVENT\r\nUID:deal-review\r\nSEQUENCE:1\r\nDTSTART:20260210T100000Z\r\nEND:VEVENT\r\n";
    let (only_request, _dir) = run(&[("a.ics", &calendar(request))]);
    assert_eq!(only_request.outcome.data.activities[0].id.as_str(), "ics:deal-review");
    let (both, _dir) = run(&[("a.ics", &calendar(request)), ("b.ics", &calendar(cancel))]);
    assert!(both.outcome.data.activities.is_empty());
    assert_eq!(both.cancelled.iter().map(|id| id.as_str()).collect::<Vec<_>>(), vec!["ics:deal-review"]);
    assert!(both.outcome.report.rejections.is_empty(), "a cancellation counts as imported");
}

#[test]
fn bad_events_and_files_are_rejected_by_name_and_line() {
    let mixed = calendar(
        "BEGIN:VEVENT\r\nUID:bad\r\nDTSTART:2026-02-10\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:good\r\nDTSTART:20260210T100000Z\r\nEND:VEVENT\r\n",
    );
    let broken = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nEND:VTODO\r\n";
    let todo_only = calendar("BEGIN:VTODO\r\nUID:t\r\nEND:VTODO\r\n");
    let (import, _dir) =
        run(&[("mixed.ics", &mixed), ("broken.ics", broken), ("todo.ics", &todo_only), ("missing.ics", "")]);
    let data = &import.outcome.data;
    assert_eq!(data.activities.iter().map(|a| a.external_id.as_str()).collect::<Vec<_>>(), vec!["good"]);
    let rejections = &import.outcome.report.rejections;
    let find = |name: &str| {
        rejections.iter().find(|r| r.file.ends_with(name)).unwrap_or_else(|| panic!("{name}: {rejections:?}"))
    };
    let bad = find("mixed.ics");
    assert_eq!((bad.line, bad.field.as_deref(), bad.record.as_deref()), (6, Some("DTSTART"), Some("bad")));
    let broken = find("broken.ics");
    assert_eq!(broken.line, 3);
    assert!(broken.reason.contains("END:VTODO does not close BEGIN:VEVENT"), "{}", broken.reason);
    assert!(find("todo.ics").reason.contains("no VEVENT"), "{}", find("todo.ics").reason);
    assert!(find("missing.ics").reason.contains("not an iCalendar file"), "{}", find("missing.ics").reason);
}

#[test]
fn unknown_zones_are_read_in_the_default_zone_and_reported() {
    let body = "BEGIN:VEVENT\r\nUID:z\r\nDTSTART;TZID=Atlantis Standard Time:20260710T090000\r\nEND:VEVENT\r\n";
    let (import, _dir) = run(&[("zone.ics", &calendar(body))]);
    assert_eq!(import.outcome.data.activities[0].occurred_at, ts("2026-07-10T08:00:00Z"), "London summer time");
    assert!(import.outcome.report.fixes.iter().any(|f| f.contains("Atlantis Standard Time")));
}
