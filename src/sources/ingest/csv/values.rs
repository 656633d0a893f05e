//! Cell parsers shared by the CSV and Maven importers: dates and timestamps in configurable
//! formats, amounts, percentages as basis points, lists, email addresses and credit splits.
//! Each returns a plain-language reason on failure, which becomes the rejection's reason.

use crate::domain::{CreditSplit, Currency, Money, PersonId, SourceName};
use chrono::format::{Item, StrftimeItems};
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

/// How dates and timestamps are written in a source, and the zone of timestamps without one.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Formats {
    pub date: Option<String>,
    pub datetime: Option<String>,
    pub timezone: Tz,
}

impl Default for Formats {
    fn default() -> Self {
        Self { date: None, datetime: None, timezone: Tz::UTC }
    }
}

/// Checks a strftime pattern once, up front, so a typo is a mapping error and not 10,000
/// rejected rows.
pub(crate) fn check_format(format: &str) -> Result<(), String> {
    if format.trim().is_empty() {
        return Err("is empty".to_owned());
    }
    if StrftimeItems::new(format).any(|item| matches!(item, Item::Error)) {
        return Err(format!("{format:?} is not a valid strftime pattern"));
    }
    Ok(())
}

const ISO_DATE: &str = "%Y-%m-%d";
const NAIVE_DATETIMES: [&str; 4] = ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"];

impl Formats {
    /// A calendar date. Falls back to reading a timestamp and taking its UTC date, because many
    /// exports write date fields as midnight timestamps.
    pub(crate) fn date(&self, text: &str) -> Result<NaiveDate, String> {
        let format = self.date.as_deref().unwrap_or(ISO_DATE);
        NaiveDate::parse_from_str(text, format)
            .or_else(|_| self.datetime_only(text).map(|t| t.date_naive()).ok_or(()))
            .map_err(|()| format!("invalid date {text:?} (expected format {format})"))
    }

    /// A point in time. Without an offset, the value is read in the source's time zone; a bare
    /// date is midnight there.
    pub(crate) fn datetime(&self, text: &str) -> Result<DateTime<Utc>, String> {
        if let Some(instant) = self.datetime_only(text) {
            return Ok(instant);
        }
        let format = self.date.as_deref().unwrap_or(ISO_DATE);
        match NaiveDate::parse_from_str(text, format) {
            Ok(date) => self.local(date.and_time(NaiveTime::MIN), text),
            Err(_) => Err(format!(
                "invalid timestamp {text:?} (expected {})",
                self.datetime.as_deref().unwrap_or("ISO 8601, e.g. 2024-03-01T09:30:00Z")
            )),
        }
    }

    fn datetime_only(&self, text: &str) -> Option<DateTime<Utc>> {
        match self.datetime.as_deref() {
            Some(format) if format.contains("%z") || format.contains("%:z") => {
                DateTime::parse_from_str(text, format).ok().map(|t| t.with_timezone(&Utc))
            }
            Some(format) => {
                NaiveDateTime::parse_from_str(text, format).ok().and_then(|naive| self.local(naive, text).ok())
            }
            None => DateTime::parse_from_rfc3339(text).ok().map(|t| t.with_timezone(&Utc)).or_else(|| {
                NAIVE_DATETIMES
                    .iter()
                    .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
                    .and_then(|naive| self.local(naive, text).ok())
            }),
        }
    }

    fn local(&self, naive: NaiveDateTime, text: &str) -> Result<DateTime<Utc>, String> {
        // An ambiguous wall-clock time (clocks going back) is read as its first occurrence.
        self.timezone
            .from_local_datetime(&naive)
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .ok_or_else(|| format!("{text:?} does not exist in time zone {}", self.timezone))
    }
}

/// Midnight UTC at the start of `date`.
pub(crate) fn start_of_day(date: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&date.and_time(NaiveTime::MIN))
}

pub(crate) fn money(text: &str, currency: Currency) -> Result<Money, String> {
    Money::parse_major(text, currency).map_err(|e| e.to_string())
}

pub(crate) fn currency(text: &str) -> Result<Currency, String> {
    Currency::parse(text).map_err(|e| e.to_string())
}

/// A percentage such as `60` or `33.33` in basis points (6000, 3333).
pub(crate) fn percent_bp(text: &str) -> Result<u16, String> {
    let bad = || format!("invalid percentage {text:?} (expected e.g. 60 or 33.33)");
    let cleaned = text.trim().trim_end_matches('%').trim();
    let (whole, fraction) = cleaned.split_once('.').unwrap_or((cleaned, ""));
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if whole.is_empty() && fraction.is_empty() || !digits(whole) || !digits(fraction) {
        return Err(bad());
    }
    if fraction.trim_end_matches('0').len() > 2 {
        return Err(format!("percentage {text:?} has more than two decimals"));
    }
    let whole: u32 = if whole.is_empty() {
        0
    } else if whole.len() > 3 {
        return Err(format!("percentage {text:?} is above 100"));
    } else {
        whole.parse().map_err(|_| bad())?
    };
    let fraction: String = fraction.chars().chain("00".chars()).take(2).collect();
    let bp = whole * 100 + fraction.parse::<u32>().map_err(|_| bad())?;
    if bp > 10_000 {
        return Err(format!("percentage {text:?} is above 100"));
    }
    u16::try_from(bp).map_err(|_| bad())
}

/// Splits a list cell on `separator`, dropping blanks.
pub(crate) fn list(text: &str, separator: char) -> Vec<&str> {
    text.split(separator).map(str::trim).filter(|s| !s.is_empty()).collect()
}

/// An address, bare or as `Name <address>`, lowercased; with the display name when given.
pub(crate) fn address(text: &str) -> Result<(String, Option<String>), String> {
    let text = text.trim();
    let (name, address) = match (text.rfind('<'), text.ends_with('>')) {
        (Some(open), true) => {
            let name = text[..open].trim().trim_matches('"').trim();
            ((!name.is_empty()).then(|| name.to_owned()), &text[open + 1..text.len() - 1])
        }
        _ => (None, text),
    };
    let address = address.trim().to_lowercase();
    let valid = match address.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains('@')
                && !address.chars().any(|c| c.is_whitespace() || c.is_control())
        }
        None => false,
    };
    if valid {
        Ok((address, name))
    } else {
        Err(format!("invalid email address {text:?}"))
    }
}

/// Credit splits written as `person:percent` pairs, e.g. `alice:60;bob:40`, where each person
/// is an external id from the same source. Must add up to 100%.
pub(crate) fn splits(text: &str, separator: char, source: &SourceName) -> Result<Vec<CreditSplit>, String> {
    let mut splits = Vec::new();
    for part in list(text, separator) {
        let (person, share) =
            part.rsplit_once(':').ok_or_else(|| format!("invalid split {part:?} (expected person:percent)"))?;
        let person_id = PersonId::from_source(source, person).map_err(|e| e.to_string())?;
        splits.push(CreditSplit { person_id, share_bp: percent_bp(share)? });
    }
    crate::domain::Deal::validate_splits(&splits).map_err(|e| e.to_string())?;
    Ok(splits)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn dates_and_timestamps_in_default_and_custom_formats() {
        let iso = Formats::default();
        let d = NaiveDate::from_ymd_opt(2024, 3, 1).unwrap();
        assert_eq!(iso.date("2024-03-01"), Ok(d));
        assert_eq!(iso.date("2024-03-01T00:00:00Z"), Ok(d));
        assert!(iso.date("2024-02-30").is_err());
        assert!(iso.date("01/03/2024").is_err());
        assert_eq!(iso.datetime("2024-03-01T09:30:00+01:00").unwrap().to_rfc3339(), "2024-03-01T08:30:00+00:00");
        assert_eq!(iso.datetime("2024-03-01").unwrap(), start_of_day(d));
        let uk = Formats {
            date: Some("%d/%m/%Y".into()),
            datetime: Some("%d/%m/%Y %H:%M".into()),
            timezone: "Europe/London".parse().unwrap(),
        };
        assert_eq!(uk.date("01/03/2024"), Ok(d));
        assert_eq!(uk.datetime("01/07/2024 09:30").unwrap().to_rfc3339(), "2024-07-01T08:30:00+00:00");
        assert!(uk.datetime("31/03/2024 01:30").is_err(), "lost to the DST gap");
        assert!(check_format("%Y-%m-%d").is_ok());
        assert!(check_format("%Q").is_err());
    }

    #[test]
    fn percentages_lists_addresses_and_splits() {
        assert_eq!(percent_bp("60"), Ok(6000));
        assert_eq!(percent_bp("33.33%"), Ok(3333));
        assert_eq!(percent_bp("100.0"), Ok(10_000));
        assert!(percent_bp("100.01").is_err());
        assert!(percent_bp("-5").is_err());
        assert!(percent_bp("1.234").is_err());
        assert_eq!(list(" a; ;b ", ';'), vec!["a", "b"]);
        assert_eq!(address("Ann Lee <Ann@Bank.Example>"), Ok(("ann@bank.example".into(), Some("Ann Lee".into()))));
        assert!(address("not-an-address").is_err());
        let source = SourceName::parse("crm").unwrap();
        let parsed = splits("alice:60;bob:40", ';', &source).unwrap();
        assert_eq!(parsed[0].person_id.as_str(), "crm:alice");
        assert_eq!(parsed[1].share_bp, 4000);
        assert!(splits("alice:60;bob:30", ';', &source).unwrap_err().contains("9000"));
        assert!(splits("alice", ';', &source).is_err());
    }

    proptest! {
        #[test]
        fn parsers_never_panic(text in "\\PC{0,30}") {
            let formats = Formats::default();
            let _ = formats.date(&text);
            let _ = formats.datetime(&text);
            let _ = percent_bp(&text);
            let _ = address(&text);
            let _ = splits(&text, ';', &SourceName::parse("crm").unwrap());
        }
    }
}
