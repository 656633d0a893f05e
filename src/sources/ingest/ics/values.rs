//! iCalendar value types used by events: DATE, DATE-TIME (UTC, zoned or floating), lists of
//! them (RDATE, EXDATE, including PERIOD values), and DURATION. Lenient where real files are
//! sloppy (missing seconds, lowercase `z`), strict where a wrong reading would move a meeting.

use super::lines::Property;
use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime};

/// A time as written in the file, before any zone is applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum RawTime {
    Date(NaiveDate),
    Utc(NaiveDateTime),
    /// Local wall-clock time, in the named zone or floating when `tzid` is `None`.
    Local {
        time: NaiveDateTime,
        tzid: Option<String>,
    },
}

fn digits(text: &str) -> Option<u32> {
    (!text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())).then(|| text.parse().ok()).flatten()
}

pub(super) fn parse_date(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    if text.len() != 8 {
        return None;
    }
    let year = digits(text.get(0..4)?)?;
    let month = digits(text.get(4..6)?)?;
    let day = digits(text.get(6..8)?)?;
    NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)
}

/// `HHMMSS` or `HHMM`; a leap second reads as :59.
fn parse_time(text: &str) -> Option<NaiveTime> {
    let hour = digits(text.get(0..2)?)?;
    let minute = digits(text.get(2..4)?)?;
    let second = match text.len() {
        4 => 0,
        6 => digits(text.get(4..6)?)?.min(59),
        _ => return None,
    };
    NaiveTime::from_hms_opt(hour, minute, second)
}

/// One DATE or DATE-TIME value; `tzid` applies to local times.
pub(super) fn parse_time_value(text: &str, tzid: Option<&str>, value_type: Option<&str>) -> Result<RawTime, String> {
    let text = text.trim();
    let bad = || format!("{text:?} is not a DATE or DATE-TIME");
    let is_date_type = value_type.is_some_and(|v| v.eq_ignore_ascii_case("DATE"));
    if is_date_type || text.len() == 8 {
        return parse_date(text).map(RawTime::Date).ok_or_else(bad);
    }
    let (date, rest) = text.split_once(['T', 't']).ok_or_else(bad)?;
    let date = parse_date(date).ok_or_else(bad)?;
    let (time, utc) = match rest.strip_suffix(['Z', 'z']) {
        Some(time) => (time, true),
        None => (rest, false),
    };
    let time = parse_time(time).ok_or_else(bad)?;
    let local = date.and_time(time);
    if utc {
        return Ok(RawTime::Utc(local));
    }
    let tzid = tzid.map(|t| t.trim().trim_matches('"').to_owned()).filter(|t| !t.is_empty());
    Ok(RawTime::Local { time: local, tzid })
}

/// A property holding one time (DTSTART, DTEND, RECURRENCE-ID).
pub(super) fn property_time(property: &Property) -> Result<RawTime, String> {
    parse_time_value(&property.value, property.param("TZID"), property.param("VALUE"))
}

/// A property holding a comma-separated list of times or periods (RDATE, EXDATE), each item
/// read on its own so one bad item does not cost the others. Periods contribute their start.
pub(super) fn property_times(property: &Property) -> Vec<Result<RawTime, String>> {
    let is_period = property.param("VALUE").is_some_and(|v| v.eq_ignore_ascii_case("PERIOD"));
    property
        .value
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| {
            let start = if is_period || item.contains('/') { item.split('/').next().unwrap_or(item) } else { item };
            let value_type = if is_period { None } else { property.param("VALUE") };
            parse_time_value(start, property.param("TZID"), value_type)
        })
        .collect()
}

/// An ISO 8601 / RFC 5545 duration such as `PT1H30M`, `P1D`, `-PT15M`, `P2W`.
pub(super) fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    let (negative, rest) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let rest = rest.strip_prefix(['P', 'p'])?;
    let mut seconds: i64 = 0;
    let mut number = String::new();
    let mut in_time = false;
    let mut any = false;
    for c in rest.chars() {
        match c.to_ascii_uppercase() {
            'T' if number.is_empty() => in_time = true,
            d if d.is_ascii_digit() => number.push(d),
            unit => {
                let n: i64 = number.parse().ok()?;
                number.clear();
                let factor = match (unit, in_time) {
                    ('W', false) => 7 * 86_400,
                    ('D', false) => 86_400,
                    ('H', true) => 3_600,
                    ('M', true) => 60,
                    ('S', true) => 1,
                    _ => return None,
                };
                seconds = seconds.checked_add(n.checked_mul(factor)?)?;
                any = true;
            }
        }
    }
    if !number.is_empty() || !any {
        return None;
    }
    let seconds = if negative { -seconds } else { seconds };
    // Beyond ten years a "duration" is a typo, and chrono's range must never be approached.
    (seconds.abs() <= 10 * 366 * 86_400).then(|| Duration::seconds(seconds))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d).unwrap().and_hms_opt(h, min, 0).unwrap()
    }

    #[test]
    fn times_parse_in_all_three_forms() {
        assert_eq!(
            parse_time_value("20260105", None, None).unwrap(),
            RawTime::Date(NaiveDate::from_ymd_opt(2026, 1, 5).unwrap())
        );
        assert_eq!(parse_time_value("20260105T090000Z", None, None).unwrap(), RawTime::Utc(at(2026, 1, 5, 9, 0)));
        assert_eq!(
            parse_time_value("20260105T0930", Some("Europe/Berlin"), None).unwrap(),
            RawTime::Local { time: at(2026, 1, 5, 9, 30), tzid: Some("Europe/Berlin".into()) }
        );
        assert!(parse_time_value("20261305T090000", None, None).is_err());
        assert!(parse_time_value("2026-01-05", None, None).is_err());
        assert!(parse_time_value("20260105T250000", None, None).is_err());
    }

    #[test]
    fn lists_and_periods_yield_their_starts() {
        let property = super::super::lines::parse_content_line(
            "RDATE;VALUE=PERIOD:20260105T090000Z/PT1H,20260106T090000Z/20260106T100000Z",
            1,
        )
        .unwrap();
        let times = property_times(&property);
        assert_eq!(times, vec![Ok(RawTime::Utc(at(2026, 1, 5, 9, 0))), Ok(RawTime::Utc(at(2026, 1, 6, 9, 0)))]);
        let property = super::super::lines::parse_content_line("EXDATE:20260105T090000Z,083000", 1).unwrap();
        let times = property_times(&property);
        assert!(times[0].is_ok() && times[1].is_err());
    }

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration("PT1H30M"), Some(Duration::minutes(90)));
        assert_eq!(parse_duration("P1D"), Some(Duration::days(1)));
        assert_eq!(parse_duration("P2W"), Some(Duration::days(14)));
        assert_eq!(parse_duration("-PT15M"), Some(Duration::minutes(-15)));
        assert_eq!(parse_duration("P"), None);
        assert_eq!(parse_duration("PT1H5"), None);
        assert_eq!(parse_duration("P99999999999999W"), None);
    }
}
