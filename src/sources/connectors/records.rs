//! Reading vendor JSON records: fields by dotted path, the timestamp formats vendors use
//! (RFC 3339, Salesforce's `+0000` offsets, epoch milliseconds, bare dates), and amounts into
//! integer minor units without passing through a float.

use crate::domain::{Currency, Money, MoneyError};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde_json::Value;

/// Why one record did not land: which record, which field, what was wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    pub record: Option<String>,
    pub field: Option<String>,
    pub reason: String,
}

impl Problem {
    pub(crate) fn new(record: Option<&str>, field: Option<&str>, reason: impl Into<String>) -> Self {
        Self { record: record.map(str::to_owned), field: field.map(str::to_owned), reason: reason.into() }
    }
}

/// The value at a dotted path (`Owner.Email`), if present and not null.
pub(crate) fn field<'v>(record: &'v Value, path: &str) -> Option<&'v Value> {
    let mut current = record;
    for part in path.split('.') {
        current = current.get(part)?;
    }
    (!current.is_null()).then_some(current)
}

/// A field as trimmed, non-empty text; numbers and booleans as written.
pub(crate) fn text(record: &Value, path: &str) -> Option<String> {
    let text = match field(record, path)? {
        Value::String(s) => s.trim().to_owned(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => return None,
    };
    (!text.is_empty()).then_some(text)
}

pub(crate) fn boolean(record: &Value, path: &str) -> Option<bool> {
    match field(record, path)? {
        Value::Bool(b) => Some(*b),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// A point in time in any of the forms the vendors write.
pub(crate) fn parse_timestamp(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    // Salesforce: 2011-07-07T00:37:00.000+0000
    if let Ok(t) = DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f%z") {
        return Some(t.with_timezone(&Utc));
    }
    if !text.is_empty() && text.len() >= 11 && text.chars().all(|c| c.is_ascii_digit()) {
        return text.parse::<i64>().ok().and_then(DateTime::from_timestamp_millis);
    }
    if let Ok(t) = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f") {
        return Some(t.and_utc());
    }
    if let Ok(t) = NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f") {
        return Some(t.and_utc());
    }
    // A plain date only: `parse_date` falls back to this function for longer text, so calling
    // it here would recurse without end on any unreadable text of more than ten characters.
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok().and_then(|d| d.and_hms_opt(0, 0, 0)).map(|t| t.and_utc())
}

pub(crate) fn timestamp(record: &Value, path: &str) -> Option<DateTime<Utc>> {
    text(record, path).and_then(|t| parse_timestamp(&t))
}

/// A calendar date: `2024-03-31`, or the UTC date of a timestamp.
pub(crate) fn parse_date(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .or_else(|| (text.len() > 10).then(|| parse_timestamp(text)).flatten().map(|t| t.date_naive()))
}

/// Epoch milliseconds, the form HubSpot filters take.
pub(crate) fn millis(at: &DateTime<Utc>) -> String {
    at.timestamp_millis().to_string()
}

/// An amount as decimal text, rounded half-up to the currency's minor unit (vendors store
/// more decimals than the currency has).
pub(crate) fn money_from_text(text: &str, currency: Currency) -> Result<Money, MoneyError> {
    let text = text.trim();
    if text.contains(['e', 'E']) {
        return Err(MoneyError::Syntax(text.to_owned()));
    }
    match Money::parse_major(text, currency) {
        Err(MoneyError::Precision(..)) => {}
        other => return other,
    }
    let exponent = currency.exponent() as usize;
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let kept: String = fraction.chars().take(exponent).collect();
    let round_up = fraction.chars().nth(exponent).is_some_and(|c| c >= '5');
    let mut money = Money::parse_major(&format!("{whole}.{kept}"), currency)?;
    if round_up {
        money.minor = money.minor.checked_add(1).ok_or_else(|| MoneyError::Overflow(text.to_owned()))?;
    }
    Ok(money)
}

/// An amount field (a JSON number or numeric text).
pub(crate) fn money(record: &Value, path: &str, currency: Currency) -> Option<Result<Money, MoneyError>> {
    text(record, path).map(|t| money_from_text(&t, currency))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fields_by_path() {
        let record = json!({"Owner": {"Email": " a@b.example "}, "Amount": 1500.5, "Won": true, "Empty": ""});
        assert_eq!(text(&record, "Owner.Email").as_deref(), Some("a@b.example"));
        assert_eq!(text(&record, "Amount").as_deref(), Some("1500.5"));
        assert_eq!(text(&record, "Empty"), None);
        assert_eq!(boolean(&record, "Won"), Some(true));
        assert!(field(&record, "Owner.Missing").is_none());
    }

    #[test]
    fn vendor_timestamps() {
        let expected = DateTime::parse_from_rfc3339("2011-07-07T00:37:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(parse_timestamp("2011-07-07T00:37:00.000+0000"), Some(expected));
        assert_eq!(parse_timestamp("2011-07-07T00:37:00Z"), Some(expected));
        assert_eq!(parse_timestamp("1309999020000"), Some(expected));
        assert_eq!(parse_timestamp("2011-07-07T00:37:00.0000000"), Some(expected));
        assert_eq!(parse_date("2024-03-31"), NaiveDate::from_ymd_opt(2024, 3, 31));
        assert_eq!(parse_date("2024-03-31T23:00:00Z"), NaiveDate::from_ymd_opt(2024, 3, 31));
        assert_eq!(parse_timestamp("tomorrow"), None);
        assert_eq!(
            parse_timestamp("2024-03-31"),
            NaiveDate::from_ymd_opt(2024, 3, 31).unwrap().and_hms_opt(0, 0, 0).map(|t| t.and_utc())
        );
        assert_eq!(parse_timestamp("next Tuesday after lunch"), None, "long unreadable text must not recurse");
        assert_eq!(parse_date("sometime last week"), None);
    }

    #[test]
    fn amounts_round_to_minor_units() {
        assert_eq!(money_from_text("24120000", Currency::USD).unwrap().minor, 2_412_000_000);
        assert_eq!(money_from_text("1500.5", Currency::EUR).unwrap().minor, 150_050);
        assert_eq!(money_from_text("10.005", Currency::USD).unwrap().minor, 1_001);
        assert_eq!(money_from_text("10.004", Currency::USD).unwrap().minor, 1_000);
        assert!(money_from_text("1e21", Currency::USD).is_err());
        assert!(money_from_text("lots", Currency::USD).is_err());
    }
}
