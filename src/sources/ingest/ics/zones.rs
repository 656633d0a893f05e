//! Time zones named by TZID: IANA names (also inside tzurl-style paths such as
//! `/mozilla.org/20070129_1/Europe/Berlin`), Windows names as Outlook writes them, and, for
//! anything else, the file's own VTIMEZONE rules evaluated directly. IANA data wins when the
//! name is known, because Outlook's VTIMEZONE often carries only today's rule and would move
//! meetings in past years.

use super::lines::Component;
use super::values::{parse_date, parse_time_value, RawTime};
use super::windows_zones::iana_for_windows;
use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, TimeZone, Utc, Weekday};
use std::collections::HashMap;
use std::sync::Arc;

/// A zone that turns wall-clock times into instants and back.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Zone {
    Utc,
    Iana(chrono_tz::Tz),
    Custom(Arc<CustomZone>),
}

impl Zone {
    /// The instant of a wall-clock time. A time skipped by a spring-forward gap reads as
    /// the same wall time one hour later; an ambiguous one as its first occurrence.
    pub(super) fn to_utc(&self, local: NaiveDateTime) -> DateTime<Utc> {
        match self {
            Zone::Utc => local.and_utc(),
            Zone::Iana(tz) => match tz.from_local_datetime(&local) {
                LocalResult::Single(t) => t.with_timezone(&Utc),
                LocalResult::Ambiguous(first, _) => first.with_timezone(&Utc),
                LocalResult::None => match tz.from_local_datetime(&(local + Duration::hours(1))) {
                    LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t.with_timezone(&Utc),
                    LocalResult::None => local.and_utc(),
                },
            },
            Zone::Custom(zone) => zone.to_utc(local),
        }
    }

    /// The wall-clock time of an instant.
    pub(super) fn to_local(&self, instant: NaiveDateTime) -> NaiveDateTime {
        match self {
            Zone::Utc => instant,
            Zone::Iana(tz) => tz.from_utc_datetime(&instant).naive_local(),
            Zone::Custom(zone) => zone.to_local(instant),
        }
    }
}

/// A VTIMEZONE's observances (STANDARD and DAYLIGHT parts).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct CustomZone {
    observances: Vec<Observance>,
}

#[derive(Debug, Clone, PartialEq)]
struct Observance {
    offset_from: i64,
    offset_to: i64,
    start: NaiveDateTime,
    rule: Option<YearlyRule>,
    rdates: Vec<NaiveDateTime>,
}

/// The only recurrence shapes VTIMEZONEs use in practice: one month, and either the n-th
/// (or last) weekday or a fixed day of the month.
#[derive(Debug, Clone, PartialEq)]
struct YearlyRule {
    month: u32,
    weekday: Option<(i32, Weekday)>,
    month_day: Option<u32>,
    until: Option<NaiveDateTime>,
}

impl CustomZone {
    /// Onsets (as UTC instants) with the offset in force after each, for years around `year`.
    fn transitions(&self, year: i32) -> Vec<(NaiveDateTime, i64)> {
        let mut out = Vec::new();
        for observance in &self.observances {
            let mut onsets = vec![observance.start];
            onsets.extend(observance.rdates.iter().copied());
            if let Some(rule) = &observance.rule {
                for y in (year - 1)..=(year + 1) {
                    if let Some(day) = rule.day_in(y) {
                        let onset = day.and_time(observance.start.time());
                        if onset >= observance.start && rule.until.is_none_or(|until| onset <= until) {
                            onsets.push(onset);
                        }
                    }
                }
            }
            for onset in onsets {
                out.push((onset - Duration::seconds(observance.offset_from), observance.offset_to));
            }
        }
        out.sort();
        out
    }

    fn offset_at_instant(&self, instant: NaiveDateTime) -> i64 {
        let transitions = self.transitions(instant.year());
        let before_first = self.observances.first().map(|o| o.offset_from).unwrap_or(0);
        transitions.iter().rev().find(|(onset, _)| *onset <= instant).map(|(_, offset)| *offset).unwrap_or(before_first)
    }

    fn to_utc(&self, local: NaiveDateTime) -> DateTime<Utc> {
        // Try each offset the zone uses and keep the one consistent with itself; fall back to
        // the offset in force an hour earlier (a spring-forward gap).
        let mut offsets: Vec<i64> = self.observances.iter().map(|o| o.offset_to).collect();
        offsets.sort_unstable();
        offsets.dedup();
        for offset in &offsets {
            let candidate = local - Duration::seconds(*offset);
            if self.offset_at_instant(candidate) == *offset {
                return candidate.and_utc();
            }
        }
        let fallback = self.offset_at_instant(local - Duration::hours(1));
        (local - Duration::seconds(fallback)).and_utc()
    }

    fn to_local(&self, instant: NaiveDateTime) -> NaiveDateTime {
        instant + Duration::seconds(self.offset_at_instant(instant))
    }
}

impl YearlyRule {
    fn day_in(&self, year: i32) -> Option<NaiveDate> {
        if let Some(day) = self.month_day {
            return NaiveDate::from_ymd_opt(year, self.month, day);
        }
        let (nth, weekday) = self.weekday?;
        if nth > 0 {
            NaiveDate::from_weekday_of_month_opt(year, self.month, weekday, u8::try_from(nth).ok()?)
        } else {
            let first_next = if self.month == 12 {
                NaiveDate::from_ymd_opt(year + 1, 1, 1)?
            } else {
                NaiveDate::from_ymd_opt(year, self.month + 1, 1)?
            };
            let last = first_next.pred_opt()?;
            let back = (7 + last.weekday().num_days_from_monday() - weekday.num_days_from_monday()) % 7;
            let day = last - Duration::days(i64::from(back)) - Duration::weeks(i64::from(-nth - 1));
            (day.month() == self.month).then_some(day)
        }
    }

    fn parse(rrule: &str) -> Option<YearlyRule> {
        let mut rule = YearlyRule { month: 0, weekday: None, month_day: None, until: None };
        let mut yearly = false;
        for part in rrule.split(';') {
            let (key, value) = part.split_once('=')?;
            match key.trim().to_ascii_uppercase().as_str() {
                "FREQ" => yearly = value.eq_ignore_ascii_case("YEARLY"),
                "BYMONTH" => rule.month = value.trim().parse().ok()?,
                "BYMONTHDAY" => rule.month_day = value.trim().parse().ok(),
                "BYDAY" => rule.weekday = parse_nth_weekday(value.trim()),
                "UNTIL" => {
                    rule.until = match parse_time_value(value, None, None).ok()? {
                        RawTime::Date(d) => d.and_hms_opt(23, 59, 59),
                        RawTime::Utc(t) | RawTime::Local { time: t, .. } => Some(t),
                    }
                }
                _ => {}
            }
        }
        (yearly && (1..=12).contains(&rule.month) && (rule.weekday.is_some() || rule.month_day.is_some()))
            .then_some(rule)
    }
}

/// `-1SU`, `2SU`, `+1MO`; a bare `SU` means the first.
fn parse_nth_weekday(text: &str) -> Option<(i32, Weekday)> {
    let split = text.len().checked_sub(2)?;
    let (number, day) = (text.get(..split)?, text.get(split..)?);
    let weekday = match day.to_ascii_uppercase().as_str() {
        "MO" => Weekday::Mon,
        "TU" => Weekday::Tue,
        "WE" => Weekday::Wed,
        "TH" => Weekday::Thu,
        "FR" => Weekday::Fri,
        "SA" => Weekday::Sat,
        "SU" => Weekday::Sun,
        _ => return None,
    };
    let nth = if number.is_empty() { 1 } else { number.trim_start_matches('+').parse().ok()? };
    ((1..=5).contains(&nth) || (-5..=-1).contains(&nth)).then_some((nth, weekday))
}

/// `+0100`, `-0530`, `+013045` → seconds east of UTC.
fn parse_offset(text: &str) -> Option<i64> {
    let text = text.trim();
    let (sign, digits) = match text.as_bytes().first()? {
        b'+' => (1, &text[1..]),
        b'-' => (-1, &text[1..]),
        _ => (1, text),
    };
    if !(digits.len() == 4 || digits.len() == 6) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let hours: i64 = digits[0..2].parse().ok()?;
    let minutes: i64 = digits[2..4].parse().ok()?;
    let seconds: i64 = digits.get(4..6).map(str::parse).transpose().ok()?.unwrap_or(0);
    (hours < 24 && minutes < 60 && seconds < 60).then_some(sign * (hours * 3_600 + minutes * 60 + seconds))
}

fn local_time(value: &str) -> Option<NaiveDateTime> {
    match parse_time_value(value, None, None).ok()? {
        RawTime::Date(d) => d.and_hms_opt(0, 0, 0),
        RawTime::Utc(t) | RawTime::Local { time: t, .. } => Some(t),
    }
}

fn custom_zone(vtimezone: &Component) -> Option<CustomZone> {
    let mut observances = Vec::new();
    for part in vtimezone.children.iter().filter(|c| c.name == "STANDARD" || c.name == "DAYLIGHT") {
        let offset_to = part.property("TZOFFSETTO").and_then(|p| parse_offset(&p.value))?;
        let offset_from = part.property("TZOFFSETFROM").and_then(|p| parse_offset(&p.value)).unwrap_or(offset_to);
        let start = part
            .property("DTSTART")
            .and_then(|p| local_time(&p.value))
            .or_else(|| parse_date("19700101").and_then(|d| d.and_hms_opt(0, 0, 0)))?;
        let rule = part.property("RRULE").and_then(|p| YearlyRule::parse(&p.value));
        let rdates = part
            .properties("RDATE")
            .flat_map(|p| p.value.split(',').filter_map(local_time).collect::<Vec<_>>())
            .collect();
        observances.push(Observance { offset_from, offset_to, start, rule, rdates });
    }
    (!observances.is_empty()).then_some(CustomZone { observances })
}

/// The IANA zone a TZID names directly, via a tzurl-style path, or via its Windows name.
pub(super) fn known_zone(tzid: &str) -> Option<chrono_tz::Tz> {
    let tzid = tzid.trim().trim_matches('"');
    if let Ok(tz) = tzid.parse::<chrono_tz::Tz>() {
        return Some(tz);
    }
    let parts: Vec<&str> = tzid.split('/').filter(|p| !p.is_empty()).collect();
    for take in [3, 2] {
        if parts.len() > take {
            if let Ok(tz) = parts[parts.len() - take..].join("/").parse::<chrono_tz::Tz>() {
                return Some(tz);
            }
        }
    }
    iana_for_windows(tzid).and_then(|name| name.parse().ok())
}

/// The zones one calendar can refer to.
pub(super) struct ZoneTable {
    defined: HashMap<String, Zone>,
    /// For floating times and unresolvable TZIDs.
    pub default: Zone,
    /// TZIDs that could not be resolved and were read in the default zone.
    pub unknown: Vec<String>,
}

impl ZoneTable {
    /// Zones from a VCALENDAR's VTIMEZONE children; `default` covers floating times (the
    /// calendar's X-WR-TIMEZONE when it names a known zone, else the organisation's).
    pub(super) fn build(calendar: &Component, default: chrono_tz::Tz) -> Self {
        let default = calendar
            .property("X-WR-TIMEZONE")
            .and_then(|p| known_zone(&p.value))
            .map_or(Zone::Iana(default), Zone::Iana);
        let mut defined = HashMap::new();
        for vtimezone in calendar.children.iter().filter(|c| c.name == "VTIMEZONE") {
            let Some(tzid) = vtimezone.property("TZID").map(|p| p.value.trim().to_owned()) else { continue };
            let zone = known_zone(&tzid)
                .or_else(|| vtimezone.property("X-LIC-LOCATION").and_then(|p| known_zone(&p.value)))
                .map(Zone::Iana)
                .or_else(|| custom_zone(vtimezone).map(|z| Zone::Custom(Arc::new(z))));
            if let Some(zone) = zone {
                defined.insert(tzid, zone);
            }
        }
        Self { defined, default, unknown: Vec::new() }
    }

    /// The zone for a TZID (or the default for `None`). Unknown names read in the default
    /// zone and are remembered for the report.
    pub(super) fn resolve(&mut self, tzid: Option<&str>) -> Zone {
        let Some(tzid) = tzid else { return self.default.clone() };
        if let Some(zone) = self.defined.get(tzid) {
            return zone.clone();
        }
        let zone = match known_zone(tzid) {
            Some(tz) => Zone::Iana(tz),
            None => {
                if !self.unknown.iter().any(|u| u == tzid) {
                    self.unknown.push(tzid.to_owned());
                }
                self.default.clone()
            }
        };
        self.defined.insert(tzid.to_owned(), zone.clone());
        zone
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests;
