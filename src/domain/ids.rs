//! Identifier newtypes. Every record id is derived from its source and the source's own
//! external id, so re-importing the same record always lands on the same row.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Error for an identifier that is empty or malformed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {kind} id {value:?}: {reason}")]
pub struct IdError {
    pub kind: &'static str,
    pub value: String,
    pub reason: &'static str,
}

macro_rules! string_id {
    ($(#[$meta:meta])* $name:ident, $kind:literal) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Parses an id as stored; rejects empty values and control characters.
            pub fn parse(value: impl Into<String>) -> Result<Self, IdError> {
                let value = value.into();
                Self::check(&value)?;
                Ok(Self(value))
            }

            /// Whether `value` would parse, without taking a copy of it: for readers that keep
            /// ids in bulk storage of their own.
            pub fn check(value: &str) -> Result<(), IdError> {
                let reason = if value.trim().is_empty() {
                    "empty"
                } else if value.chars().any(char::is_control) {
                    "contains control characters"
                } else {
                    return Ok(());
                };
                Err(IdError { kind: $kind, value: value.to_owned(), reason })
            }

            /// The id of the record `external_id` from `source` (e.g. `maven:1C1I7A6R`).
            pub fn from_source(source: &SourceName, external_id: &str) -> Result<Self, IdError> {
                let external_id = external_id.trim();
                if external_id.is_empty() {
                    return Err(IdError { kind: $kind, value: String::new(), reason: "missing external id" });
                }
                Self::parse(format!("{}:{}", source.as_str(), external_id))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

string_id!(/// A person in the organisation (rep, manager, leader, admin).
    PersonId, "person");
string_id!(/// A client or prospect organisation.
    AccountId, "account");
string_id!(/// A person on the buyer side.
    ContactId, "contact");
string_id!(/// A deal (opportunity).
    DealId, "deal");
string_id!(/// One email, meeting, call, task or note.
    ActivityId, "activity");
string_id!(/// One change to a deal field.
    HistoryId, "history");

/// Where a record came from: `csv`, `maven`, `sim`, `salesforce`, … Lowercase, no colon.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SourceName(String);

impl SourceName {
    pub fn parse(value: &str) -> Result<Self, IdError> {
        let valid = !value.is_empty()
            && value.len() <= 64
            && value.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
        if valid {
            Ok(Self(value.to_owned()))
        } else {
            Err(IdError {
                kind: "source",
                value: value.to_owned(),
                reason: "must be 1-64 characters of a-z, 0-9, '-' or '_'",
            })
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for SourceName {
    type Error = IdError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<SourceName> for String {
    fn from(value: SourceName) -> Self {
        value.0
    }
}

impl fmt::Display for SourceName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_derived_from_source_and_external_id() {
        let source = SourceName::parse("maven").unwrap();
        let id = DealId::from_source(&source, " 1C1I7A6R ").unwrap();
        assert_eq!(id.as_str(), "maven:1C1I7A6R");
        assert!(DealId::from_source(&source, "  ").is_err());
        assert!(SourceName::parse("Bad:Source").is_err());
        assert!(PersonId::parse("a\u{0}b").is_err());
    }
}
