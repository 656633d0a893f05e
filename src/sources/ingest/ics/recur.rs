//! Recurrence expansion (RRULE, RDATE, EXDATE) within a window, on the `rrule` crate.
//! Expansion runs on wall-clock times — the event's local times written as if they were UTC —
//! so a weekly 09:00 meeting stays at 09:00 across daylight-saving changes whatever kind of
//! zone it uses (IANA, Windows, or the file's own VTIMEZONE); the caller converts each
//! instance to an instant afterwards. UNTIL is read here rather than by the crate, because
//! it may be written in UTC while the rule runs on wall time.

use super::values::{parse_time_value, RawTime};
use chrono::{NaiveDateTime, TimeZone};
use rrule::{RRule, RRuleSet, Tz, Unvalidated};
use std::collections::BTreeSet;

/// The instances of one series inside the window, as wall-clock start times.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Expansion {
    pub starts: Vec<NaiveDateTime>,
    /// Instances the rules produce but EXDATE removes: they are cancelled occurrences.
    pub excluded: Vec<NaiveDateTime>,
    /// The instance limit or the crate's iteration guard cut the expansion short.
    pub truncated: bool,
}

/// What one series asks for; every time is already wall-clock in the series' zone, except
/// UNTIL inside the rule text, which `until_to_wall` converts.
pub(super) struct SeriesRules<'a> {
    pub start: NaiveDateTime,
    pub rrules: &'a [String],
    pub rdates: &'a [NaiveDateTime],
    pub exdates: &'a [NaiveDateTime],
}

fn wall(time: NaiveDateTime) -> chrono::DateTime<Tz> {
    Tz::UTC.from_utc_datetime(&time)
}

/// The rule text without its `RRULE:` prefix, extension parts and UNTIL, plus the UNTIL value.
fn split_until(text: &str) -> (String, Option<String>) {
    let body = text.trim();
    let body = match body.get(..6) {
        Some(prefix) if prefix.eq_ignore_ascii_case("RRULE:") => &body[6..],
        _ => body,
    };
    let mut until = None;
    let mut kept = Vec::new();
    for part in body.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let key = part.split('=').next().unwrap_or("").trim().to_ascii_uppercase();
        if key == "UNTIL" {
            until = part.split_once('=').map(|(_, value)| value.trim().to_owned());
        } else if !key.starts_with("X-") {
            kept.push(part);
        }
    }
    (kept.join(";"), until)
}

/// Expands `series` between `from` and `to` (wall-clock, inclusive), at most `limit` instances.
pub(super) fn expand(
    series: &SeriesRules<'_>,
    from: NaiveDateTime,
    to: NaiveDateTime,
    limit: u16,
    until_to_wall: &dyn Fn(&RawTime) -> NaiveDateTime,
) -> Result<Expansion, String> {
    let dt_start = wall(series.start);
    let mut set = RRuleSet::new(dt_start);
    for text in series.rrules {
        let (rule_text, until) = split_until(text);
        let mut rule: RRule<Unvalidated> = rule_text.parse().map_err(|e| format!("RRULE {text:?}: {e}"))?;
        if let Some(until) = until {
            let until = parse_time_value(&until, None, None).map_err(|e| format!("RRULE {text:?}: UNTIL {e}"))?;
            let until = until_to_wall(&until);
            if until < series.start {
                // The rule ends before it starts: only DTSTART (and RDATEs) remain.
                continue;
            }
            rule = rule.until(wall(until));
        }
        let rule = rule.validate(dt_start).map_err(|e| format!("RRULE {text:?}: {e}"))?;
        set = set.rrule(rule);
    }
    // RFC 5545: DTSTART is always the first instance, even when the rule would not produce it.
    set = set.rdate(dt_start);
    for rdate in series.rdates {
        set = set.rdate(wall(*rdate));
    }
    // One more than the limit: DTSTART may come out twice (rule and RDATE) before de-duplication.
    let result = set.after(wall(from)).before(wall(to)).all(limit.saturating_add(1));
    let mut all: BTreeSet<NaiveDateTime> = result.dates.iter().map(|d| d.naive_utc()).collect();
    let mut truncated = result.limited;
    while all.len() > usize::from(limit) {
        all.pop_last();
        truncated = true;
    }
    let excluded_set: BTreeSet<NaiveDateTime> = series.exdates.iter().copied().collect();
    let (excluded, starts): (Vec<NaiveDateTime>, Vec<NaiveDateTime>) =
        all.into_iter().partition(|start| excluded_set.contains(start));
    Ok(Expansion { starts, excluded, truncated })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(y: i32, m: u32, d: u32, h: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d).unwrap().and_hms_opt(h, 0, 0).unwrap()
    }

    fn identity(raw: &RawTime) -> NaiveDateTime {
        match raw {
            RawTime::Date(d) => d.and_hms_opt(0, 0, 0).unwrap(),
            RawTime::Utc(t) | RawTime::Local { time: t, .. } => *t,
        }
    }

    #[test]
    fn weekly_rule_with_exdate_and_rdate() {
        let rrules = vec!["FREQ=WEEKLY;COUNT=4".to_owned()];
        let rdates = vec![at(2026, 2, 1, 15)];
        let exdates = vec![at(2026, 1, 12, 9)];
        let series = SeriesRules { start: at(2026, 1, 5, 9), rrules: &rrules, rdates: &rdates, exdates: &exdates };
        let expansion = expand(&series, at(2025, 1, 1, 0), at(2027, 1, 1, 0), 100, &identity).unwrap();
        assert_eq!(
            expansion.starts,
            vec![at(2026, 1, 5, 9), at(2026, 1, 19, 9), at(2026, 1, 26, 9), at(2026, 2, 1, 15)]
        );
        assert_eq!(expansion.excluded, vec![at(2026, 1, 12, 9)]);
        assert!(!expansion.truncated);
    }

    #[test]
    fn until_in_utc_and_the_window_bound_the_series() {
        let rrules = vec!["RRULE:FREQ=DAILY;UNTIL=20260110T235959Z;X-FOO=1".to_owned()];
        let series = SeriesRules { start: at(2026, 1, 1, 9), rrules: &rrules, rdates: &[], exdates: &[] };
        let expansion = expand(&series, at(2026, 1, 5, 0), at(2026, 1, 8, 23), 100, &identity).unwrap();
        assert_eq!(expansion.starts.len(), 4);
        assert_eq!(expansion.starts[0], at(2026, 1, 5, 9));
    }

    #[test]
    fn endless_rules_stop_at_the_limit() {
        let rrules = vec!["FREQ=DAILY".to_owned()];
        let series = SeriesRules { start: at(2026, 1, 1, 9), rrules: &rrules, rdates: &[], exdates: &[] };
        let expansion = expand(&series, at(2026, 1, 1, 0), at(2030, 1, 1, 0), 10, &identity).unwrap();
        assert_eq!(expansion.starts.len(), 10);
        assert!(expansion.truncated);
    }

    #[test]
    fn bad_rules_are_errors_not_panics() {
        for text in ["FREQ=SOMETIMES", "FREQ=WEEKLY;BYDAY=XX", "FREQ=DAILY;UNTIL=garbage", "FREQ=MONTHLY;BYMONTHDAY=40"]
        {
            let rrules = vec![text.to_owned()];
            let series = SeriesRules { start: at(2026, 1, 1, 9), rrules: &rrules, rdates: &[], exdates: &[] };
            assert!(expand(&series, at(2026, 1, 1, 0), at(2027, 1, 1, 0), 10, &identity).is_err(), "{text}");
        }
    }
}
