//! Microsoft Graph events and messages → activity records. Event times come as a local time
//! plus a Windows time-zone name ("Pacific Standard Time") or an IANA one; a meeting seen in
//! several mailboxes is stored once under its iCalendar UID, a message under its Message-ID.

use super::super::activity::ActivityRecord;
use super::super::mailbox::Item;
use super::super::records::{self, text, Problem};
use crate::domain::{ActivityKind, Participant, ParticipantRole, SourceName};
use crate::sources::ingest::activities::ActivityDraft;
use crate::sources::ingest::ics::iana_for_windows;
use crate::sources::ingest::identity::normalise_address;
use crate::sources::ingest::mail::{clean_message_id, strip_quoted};
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use serde_json::Value;

/// A `dateTimeTimeZone` value as UTC.
pub(crate) fn graph_time(value: &Value) -> Result<DateTime<Utc>, String> {
    let local = text(value, "dateTime").ok_or("no dateTime")?;
    let zone_name = text(value, "timeZone").unwrap_or_else(|| "UTC".to_owned());
    let naive = NaiveDateTime::parse_from_str(&local, "%Y-%m-%dT%H:%M:%S%.f")
        .or_else(|_| NaiveDateTime::parse_from_str(&local, "%Y-%m-%dT%H:%M:%S"))
        .map_err(|_| format!("{local:?} is not a date and time"))?;
    let zone: chrono_tz::Tz = match zone_name.parse() {
        Ok(zone) => zone,
        Err(_) => iana_for_windows(&zone_name)
            .and_then(|iana| iana.parse().ok())
            .ok_or_else(|| format!("unknown time zone {zone_name:?}"))?,
    };
    // In a spring-forward gap no instant matches: take the moment after the gap.
    zone.from_local_datetime(&naive)
        .earliest()
        .or_else(|| zone.from_local_datetime(&(naive + chrono::Duration::hours(1))).earliest())
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| format!("{local} does not exist in {zone_name}"))
}

fn address(value: &Value, role: ParticipantRole) -> Option<Participant> {
    let address = text(value, "emailAddress.address").and_then(|a| normalise_address(&a))?;
    Some(Participant { address, name: text(value, "emailAddress.name"), role, party: None })
}

fn push_unique(participants: &mut Vec<Participant>, participant: Option<Participant>) {
    if let Some(participant) = participant {
        if !participants.iter().any(|p| p.address == participant.address) {
            participants.push(participant);
        }
    }
}

fn list<'v>(record: &'v Value, key: &str) -> impl Iterator<Item = &'v Value> {
    record.get(key).and_then(Value::as_array).into_iter().flatten()
}

fn body_text(record: &Value) -> Option<String> {
    let body = text(record, "body.content").or_else(|| text(record, "bodyPreview"))?;
    let is_html = text(record, "body.contentType").is_some_and(|t| t.eq_ignore_ascii_case("html"));
    let plain = if is_html { strip_tags(&body) } else { body };
    let stripped = strip_quoted(&plain);
    (!stripped.is_empty()).then_some(stripped)
}

/// Markup removed, for the rare HTML body that arrives although text was asked for.
fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&nbsp;", " ").replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
}

pub(crate) fn event(source: &SourceName, record: &Value) -> Result<Item, Problem> {
    let item_id = text(record, "id").ok_or_else(|| Problem::new(None, Some("id"), "event has no id"))?;
    if record.get("@removed").is_some() || records::boolean(record, "isCancelled") == Some(true) {
        return Ok(Item::Removed { item_id });
    }
    if records::boolean(record, "isAllDay") == Some(true) || text(record, "type").as_deref() == Some("seriesMaster") {
        return Ok(Item::Skipped);
    }
    let problem = |field: &str, reason: String| Problem::new(Some(&item_id), Some(field), reason);
    let start = graph_time(record.get("start").unwrap_or(&Value::Null)).map_err(|e| problem("start", e))?;
    let end = record.get("end").map(graph_time).transpose().map_err(|e| problem("end", e))?;
    let mut participants = Vec::new();
    push_unique(&mut participants, record.get("organizer").and_then(|o| address(o, ParticipantRole::Organizer)));
    for attendee in list(record, "attendees") {
        push_unique(&mut participants, address(attendee, ParticipantRole::Attendee));
    }
    let external_id = text(record, "iCalUId").unwrap_or_else(|| item_id.clone());
    Ok(Item::Activity {
        record: Box::new(ActivityRecord {
            deals: Vec::new(),
            draft: ActivityDraft {
                source: source.clone(),
                external_id,
                kind: ActivityKind::Meeting,
                occurred_at: start,
                duration_minutes: end.and_then(|end| u32::try_from((end - start).num_minutes()).ok()),
                subject: text(record, "subject"),
                body: body_text(record),
                thread_id: None,
                participants,
            },
        }),
        item_id,
    })
}

pub(crate) fn message(source: &SourceName, record: &Value) -> Result<Item, Problem> {
    let item_id = text(record, "id").ok_or_else(|| Problem::new(None, Some("id"), "message has no id"))?;
    if record.get("@removed").is_some() {
        return Ok(Item::Removed { item_id });
    }
    if records::boolean(record, "isDraft") == Some(true) {
        return Ok(Item::Skipped);
    }
    let occurred_at = records::timestamp(record, "sentDateTime")
        .or_else(|| records::timestamp(record, "receivedDateTime"))
        .ok_or_else(|| Problem::new(Some(&item_id), Some("sentDateTime"), "no sent or received time"))?;
    let mut participants = Vec::new();
    let from = record.get("from").or_else(|| record.get("sender"));
    push_unique(&mut participants, from.and_then(|f| address(f, ParticipantRole::From)));
    for (key, role) in [("toRecipients", ParticipantRole::To), ("ccRecipients", ParticipantRole::Cc)] {
        for recipient in list(record, key) {
            push_unique(&mut participants, address(recipient, role));
        }
    }
    if participants.is_empty() {
        return Err(Problem::new(Some(&item_id), Some("from"), "message names no sender or recipient"));
    }
    let external_id =
        text(record, "internetMessageId").and_then(|m| clean_message_id(&m)).unwrap_or_else(|| item_id.clone());
    Ok(Item::Activity {
        record: Box::new(ActivityRecord {
            deals: Vec::new(),
            draft: ActivityDraft {
                source: source.clone(),
                external_id,
                kind: ActivityKind::Email,
                occurred_at,
                duration_minutes: None,
                subject: text(record, "subject"),
                body: body_text(record),
                thread_id: text(record, "conversationId"),
                participants,
            },
        }),
        item_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn windows_zone_names_become_instants() {
        let pacific = json!({"dateTime": "2017-04-21T10:00:00.0000000", "timeZone": "Pacific Standard Time"});
        assert_eq!(graph_time(&pacific).unwrap().to_rfc3339(), "2017-04-21T17:00:00+00:00");
        let utc = json!({"dateTime": "2014-11-03T17:00:00.0000000", "timeZone": "UTC"});
        assert_eq!(graph_time(&utc).unwrap().to_rfc3339(), "2014-11-03T17:00:00+00:00");
        let iana = json!({"dateTime": "2024-07-01T09:00:00", "timeZone": "Europe/London"});
        assert_eq!(graph_time(&iana).unwrap().to_rfc3339(), "2024-07-01T08:00:00+00:00");
        assert!(graph_time(&json!({"dateTime": "2024-07-01T09:00:00", "timeZone": "Mars Standard Time"})).is_err());
    }

    #[test]
    fn removed_and_cancelled_items_are_removals() {
        let source = SourceName::parse("msgraph").unwrap();
        let removed = json!({"id": "AAMk1", "@removed": {"reason": "deleted"}});
        assert!(matches!(event(&source, &removed), Ok(Item::Removed { .. })));
        let cancelled = json!({"id": "AAMk2", "isCancelled": true});
        assert!(matches!(event(&source, &cancelled), Ok(Item::Removed { .. })));
        assert!(matches!(message(&source, &removed), Ok(Item::Removed { .. })));
    }
}
