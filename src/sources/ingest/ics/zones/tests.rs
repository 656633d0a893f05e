//! Zone resolution: IANA, tzurl paths, Windows names and hand-written VTIMEZONE rules.

use super::*;
use crate::sources::ingest::ics::lines::parse_stream;

fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(y, m, d).unwrap().and_hms_opt(h, min, 0).unwrap()
}

const CUSTOM: &str = "BEGIN:VCALENDAR\n\
BEGIN:VTIMEZONE\nTZID:(UTC+01:00) Somewhere custom\n\
BEGIN:STANDARD\nDTSTART:16010101T030000\nTZOFFSETFROM:+0200\nTZOFFSETTO:+0100\nRRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10\nEND:STANDARD\n\
BEGIN:DAYLIGHT\nDTSTART:16010101T020000\nTZOFFSETFROM:+0100\nTZOFFSETTO:+0200\nRRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3\nEND:DAYLIGHT\n\
END:VTIMEZONE\n\
BEGIN:VTIMEZONE\nTZID:Fixed Plus Five Thirty\nBEGIN:STANDARD\nDTSTART:19700101T000000\nTZOFFSETFROM:+0530\nTZOFFSETTO:+0530\nEND:STANDARD\nEND:VTIMEZONE\n\
END:VCALENDAR\n";

fn table() -> ZoneTable {
    let parsed = parse_stream(CUSTOM.as_bytes(), 1).unwrap();
    ZoneTable::build(&parsed.components[0], chrono_tz::Europe::London)
}

#[test]
fn known_names_resolve_to_iana() {
    assert_eq!(known_zone("Europe/Berlin"), Some(chrono_tz::Europe::Berlin));
    assert_eq!(known_zone("/mozilla.org/20070129_1/Europe/Berlin"), Some(chrono_tz::Europe::Berlin));
    assert_eq!(known_zone("/softwarestudio.org/Olson_20011030_5/America/New_York"), Some(chrono_tz::America::New_York));
    assert_eq!(known_zone("W. Europe Standard Time"), Some(chrono_tz::Europe::Berlin));
    assert_eq!(known_zone("Nowhere Standard Time"), None);
}

#[test]
fn custom_vtimezone_rules_follow_daylight_saving() {
    let mut zones = table();
    let zone = zones.resolve(Some("(UTC+01:00) Somewhere custom"));
    assert!(matches!(zone, Zone::Custom(_)), "{zone:?}");
    // Winter: UTC+1; summer: UTC+2; the switch on the last Sunday of March 2026 (the 29th).
    assert_eq!(zone.to_utc(at(2026, 1, 10, 9, 0)).naive_utc(), at(2026, 1, 10, 8, 0));
    assert_eq!(zone.to_utc(at(2026, 7, 1, 9, 0)).naive_utc(), at(2026, 7, 1, 7, 0));
    assert_eq!(zone.to_utc(at(2026, 3, 28, 12, 0)).naive_utc(), at(2026, 3, 28, 11, 0));
    assert_eq!(zone.to_utc(at(2026, 3, 29, 12, 0)).naive_utc(), at(2026, 3, 29, 10, 0));
    assert_eq!(zone.to_utc(at(2026, 10, 26, 12, 0)).naive_utc(), at(2026, 10, 26, 11, 0));
    assert_eq!(zone.to_local(at(2026, 7, 1, 7, 0)), at(2026, 7, 1, 9, 0));
    let fixed = zones.resolve(Some("Fixed Plus Five Thirty"));
    assert_eq!(fixed.to_utc(at(2026, 7, 1, 9, 0)).naive_utc(), at(2026, 7, 1, 3, 30));
}

#[test]
fn unknown_tzids_fall_back_to_the_default_and_are_remembered() {
    let mut zones = table();
    let zone = zones.resolve(Some("Atlantis/Lost"));
    assert_eq!(zone, Zone::Iana(chrono_tz::Europe::London));
    assert_eq!(zones.unknown, vec!["Atlantis/Lost".to_owned()]);
    assert_eq!(zones.resolve(None), Zone::Iana(chrono_tz::Europe::London));
}

#[test]
fn gaps_and_overlaps_in_iana_zones_are_resolved() {
    let london = Zone::Iana(chrono_tz::Europe::London);
    // 01:30 on 2026-03-29 does not exist in London: read as 02:30 BST = 01:30 UTC.
    assert_eq!(london.to_utc(at(2026, 3, 29, 1, 30)).naive_utc(), at(2026, 3, 29, 1, 30));
    // 01:30 on 2026-10-25 happens twice: the first (BST) is taken.
    assert_eq!(london.to_utc(at(2026, 10, 25, 1, 30)).naive_utc(), at(2026, 10, 25, 0, 30));
}

#[test]
fn last_and_nth_weekdays_are_computed() {
    let rule = YearlyRule::parse("FREQ=YEARLY;BYMONTH=3;BYDAY=2SU").unwrap();
    assert_eq!(rule.day_in(2026), NaiveDate::from_ymd_opt(2026, 3, 8));
    let rule = YearlyRule::parse("FREQ=YEARLY;BYMONTH=12;BYDAY=-1SU").unwrap();
    assert_eq!(rule.day_in(2026), NaiveDate::from_ymd_opt(2026, 12, 27));
    assert!(YearlyRule::parse("FREQ=MONTHLY;BYMONTH=3;BYDAY=2SU").is_none());
    assert_eq!(parse_nth_weekday("éS"), None, "multi-byte text is not a weekday and does not panic");
    assert_eq!(parse_offset("-0530"), Some(-19_800));
    assert_eq!(parse_offset("+2500"), None);
}
