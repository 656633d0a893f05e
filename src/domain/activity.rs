//! Activities: emails, meetings, calls, tasks and notes, with who took part and which deals
//! they concern.

use super::ids::{ActivityId, ContactId, DealId, PersonId, SourceName};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActivityKind {
    Email,
    Meeting,
    Call,
    Task,
    Note,
}

impl ActivityKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            ActivityKind::Email => "email",
            ActivityKind::Meeting => "meeting",
            ActivityKind::Call => "call",
            ActivityKind::Task => "task",
            ActivityKind::Note => "note",
        }
    }
}

impl FromStr for ActivityKind {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().to_ascii_lowercase().as_str() {
            "email" | "e-mail" | "mail" => Ok(ActivityKind::Email),
            "meeting" | "event" => Ok(ActivityKind::Meeting),
            "call" | "phone" => Ok(ActivityKind::Call),
            "task" => Ok(ActivityKind::Task),
            "note" => Ok(ActivityKind::Note),
            other => Err(format!("unknown activity kind {other:?} (expected email, meeting, call, task or note)")),
        }
    }
}

/// Seen from the selling organisation: inbound comes from the buyer side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Inbound,
    Outbound,
    Internal,
}

impl Direction {
    pub fn as_str(&self) -> &'static str {
        match self {
            Direction::Inbound => "inbound",
            Direction::Outbound => "outbound",
            Direction::Internal => "internal",
        }
    }
}

impl FromStr for Direction {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().to_ascii_lowercase().as_str() {
            "inbound" | "in" | "incoming" => Ok(Direction::Inbound),
            "outbound" | "out" | "outgoing" => Ok(Direction::Outbound),
            "internal" => Ok(Direction::Internal),
            other => Err(format!("unknown direction {other:?} (expected inbound, outbound or internal)")),
        }
    }
}

/// What a participant's address resolved to, if anything.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Party {
    Person(PersonId),
    Contact(ContactId),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParticipantRole {
    From,
    To,
    Cc,
    Organizer,
    Attendee,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Participant {
    /// Lowercased email address.
    pub address: String,
    pub name: Option<String>,
    pub role: ParticipantRole,
    pub party: Option<Party>,
}

/// A link from an activity to a deal, with the rule that made it and how sure it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DealLink {
    pub deal_id: DealId,
    pub rule: String,
    /// 0.0 to 1.0.
    pub confidence: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Activity {
    pub id: ActivityId,
    pub source: SourceName,
    pub external_id: String,
    pub kind: ActivityKind,
    pub direction: Direction,
    pub occurred_at: DateTime<Utc>,
    pub duration_minutes: Option<u32>,
    pub subject: Option<String>,
    /// A bounded excerpt of the body; never the whole text.
    pub snippet: Option<String>,
    pub thread_id: Option<String>,
    pub participants: Vec<Participant>,
    pub deals: Vec<DealLink>,
}

/// What an activity's text talked about, detected at ingest; the text itself is not kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignalKind {
    PricingDiscussed,
    CompetitorNamed,
    LegalInvolved,
    ProcurementInvolved,
    RedFlag,
}

impl SignalKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            SignalKind::PricingDiscussed => "pricing_discussed",
            SignalKind::CompetitorNamed => "competitor_named",
            SignalKind::LegalInvolved => "legal_involved",
            SignalKind::ProcurementInvolved => "procurement_involved",
            SignalKind::RedFlag => "red_flag",
        }
    }
}

/// A keyword signal found in one activity, with the term that matched (e.g. the competitor).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ActivitySignal {
    pub activity_id: ActivityId,
    pub kind: SignalKind,
    pub detail: String,
}

/// Longest snippet kept, in characters.
pub(crate) const SNIPPET_MAX_CHARS: usize = 280;

/// Cuts text to [`SNIPPET_MAX_CHARS`] on a character boundary, collapsing whitespace.
pub fn bounded_snippet(text: &str) -> String {
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed.chars().count() <= SNIPPET_MAX_CHARS {
        collapsed
    } else {
        let mut cut: String = collapsed.chars().take(SNIPPET_MAX_CHARS - 1).collect();
        cut.push('…');
        cut
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_are_bounded_on_char_boundaries() {
        let long = "é".repeat(1000);
        let snippet = bounded_snippet(&long);
        assert_eq!(snippet.chars().count(), SNIPPET_MAX_CHARS);
        assert_eq!(bounded_snippet("  a \n b  "), "a b");
    }
}
