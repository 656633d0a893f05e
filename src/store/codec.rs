//! Text encodings of domain values in the portable schema (timestamps, dates, enums, JSON).

use super::StoreError;
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};

pub(super) fn timestamp(value: &DateTime<Utc>) -> String {
    value.to_rfc3339_opts(SecondsFormat::Secs, true)
}

pub(super) fn date(value: &NaiveDate) -> String {
    value.format("%Y-%m-%d").to_string()
}

/// Builds a `Corrupt` error for a stored value that no longer parses.
pub(super) fn corrupt(table: &'static str, id: &str, field: &'static str, reason: impl ToString) -> StoreError {
    StoreError::Corrupt { table, id: id.to_owned(), field, reason: reason.to_string() }
}

pub(super) fn parse_timestamp(
    table: &'static str,
    id: &str,
    field: &'static str,
    text: &str,
) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(text).map(|t| t.with_timezone(&Utc)).map_err(|e| corrupt(table, id, field, e))
}

pub(super) fn parse_date(
    table: &'static str,
    id: &str,
    field: &'static str,
    text: &str,
) -> Result<NaiveDate, StoreError> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|e| corrupt(table, id, field, e))
}

pub(super) fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".to_owned())
}

pub(super) fn parse_json<T: serde::de::DeserializeOwned>(
    table: &'static str,
    id: &str,
    field: &'static str,
    text: &str,
) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| corrupt(table, id, field, e))
}

/// Parses an enum stored through its serde snake_case name.
pub(super) fn parse_enum<T: serde::de::DeserializeOwned>(
    table: &'static str,
    id: &str,
    field: &'static str,
    text: &str,
) -> Result<T, StoreError> {
    serde_json::from_value(serde_json::Value::String(text.to_owned())).map_err(|e| corrupt(table, id, field, e))
}
