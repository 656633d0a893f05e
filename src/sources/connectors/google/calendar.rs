//! Google Calendar `events.list` per user: a full read from a window start with `pageToken`
//! paging, then incremental reads with the `nextSyncToken`. A sync token Google no longer
//! accepts (410 Gone) starts that calendar over. Instances of recurring meetings come expanded
//! (`singleEvents`), cancelled ones as removals (`showDeleted`).

use super::super::activity::ActivityRecord;
use super::super::http::{ApiClient, ApiRequest};
use super::super::mailbox::{apply_items, Item};
use super::super::records::{self, text, Problem};
use super::super::sync::SyncContext;
use super::super::ConnectorError;
use crate::config::GoogleConfig;
use crate::domain::{ActivityKind, Participant, ParticipantRole, SourceName};
use crate::sources::ingest::activities::ActivityDraft;
use crate::sources::ingest::identity::normalise_address;
use chrono::{Duration, SecondsFormat};
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct EventsPage {
    #[serde(default)]
    items: Vec<Value>,
    next_page_token: Option<String>,
    next_sync_token: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct CalendarCursor {
    sync_token: Option<String>,
    page_token: Option<String>,
    /// Set while a full read is in progress: later pages repeat the first page's window.
    time_min: Option<String>,
}

/// Event types that are not meetings.
const NOT_MEETINGS: &[&str] = &["workingLocation", "outOfOffice", "focusTime", "birthday", "fromGmail"];

pub(crate) fn event(source: &SourceName, record: &Value) -> Result<Item, Problem> {
    let item_id = text(record, "id").ok_or_else(|| Problem::new(None, Some("id"), "event has no id"))?;
    if text(record, "status").as_deref() == Some("cancelled") {
        return Ok(Item::Removed { item_id });
    }
    let event_type = text(record, "eventType").unwrap_or_default();
    if NOT_MEETINGS.contains(&event_type.as_str()) || records::field(record, "start.dateTime").is_none() {
        return Ok(Item::Skipped);
    }
    let start = records::timestamp(record, "start.dateTime")
        .ok_or_else(|| Problem::new(Some(&item_id), Some("start.dateTime"), "not a timestamp"))?;
    let end = records::timestamp(record, "end.dateTime");
    let mut participants: Vec<Participant> = Vec::new();
    let mut add = |value: &Value, role| {
        if records::boolean(value, "resource") == Some(true) {
            return;
        }
        let Some(address) = text(value, "email").and_then(|e| normalise_address(&e)) else { return };
        if !participants.iter().any(|p| p.address == address) {
            participants.push(Participant { address, name: text(value, "displayName"), role, party: None });
        }
    };
    if let Some(organizer) = record.get("organizer") {
        add(organizer, ParticipantRole::Organizer);
    }
    for attendee in record.get("attendees").and_then(Value::as_array).into_iter().flatten() {
        let role = if records::boolean(attendee, "organizer") == Some(true) {
            ParticipantRole::Organizer
        } else {
            ParticipantRole::Attendee
        };
        add(attendee, role);
    }
    Ok(Item::Activity {
        record: Box::new(ActivityRecord {
            deals: Vec::new(),
            draft: ActivityDraft {
                source: source.clone(),
                external_id: item_id.clone(),
                kind: ActivityKind::Meeting,
                occurred_at: start,
                duration_minutes: end.and_then(|end| u32::try_from((end - start).num_minutes()).ok()),
                subject: text(record, "summary"),
                body: text(record, "description"),
                thread_id: None,
                participants,
            },
        }),
        item_id,
    })
}

pub(crate) async fn sync_calendar(
    ctx: &mut SyncContext<'_>,
    client: &ApiClient,
    config: &GoogleConfig,
    user: &str,
) -> Result<(), ConnectorError> {
    let key = format!("events:{user}");
    let scope = format!("{user}/calendar");
    let window_start =
        (ctx.now - Duration::days(i64::from(config.days_back))).to_rfc3339_opts(SecondsFormat::Secs, true);
    let fresh = || CalendarCursor { time_min: Some(window_start.clone()), ..CalendarCursor::default() };
    let mut cursor: CalendarCursor =
        ctx.cursor(&key).await?.and_then(|c| serde_json::from_str(&c).ok()).unwrap_or_else(fresh);
    let url = format!("{}/calendars/{user}/events", config.calendar_base_url.trim_end_matches('/'));
    let mut restarted = false;
    loop {
        let mut request = ApiRequest::get(url.clone())
            .query("singleEvents", "true")
            .query("showDeleted", "true")
            .query("maxResults", ctx.config.connectors.sync.page_size.min(2_500).to_string());
        if let Some(token) = &cursor.page_token {
            request = request.query("pageToken", token.clone());
        } else if let Some(token) = &cursor.sync_token {
            request = request.query("syncToken", token.clone());
        }
        if cursor.sync_token.is_none() {
            if let Some(time_min) = &cursor.time_min {
                request = request.query("timeMin", time_min.clone());
            }
        }
        let page: EventsPage = match client.get_json(request).await {
            Ok(page) => page,
            Err(error) if error.status() == Some(410) && !restarted => {
                restarted = true;
                ctx.note(format!(
                    "Google invalidated the calendar sync token of {user}; the calendar was read again in full"
                ));
                ctx.reset(&key).await?;
                cursor = fresh();
                continue;
            }
            Err(error) => return Err(error),
        };
        let items = page.items.iter().map(|record| event(&ctx.source, record)).collect();
        apply_items(ctx, "events", &scope, items).await?;
        let (next, done) = match (page.next_page_token, page.next_sync_token) {
            (Some(token), _) => {
                (CalendarCursor { page_token: Some(token), sync_token: None, time_min: cursor.time_min.clone() }, false)
            }
            (None, Some(token)) => (CalendarCursor { sync_token: Some(token), page_token: None, time_min: None }, true),
            (None, None) => {
                return Err(ConnectorError::Payload {
                    url,
                    detail: "an events page with neither nextPageToken nor nextSyncToken".into(),
                })
            }
        };
        let encoded = serde_json::to_string(&next).map_err(|e| ConnectorError::Client(e.to_string()))?;
        ctx.advance(&key, &encoded).await?;
        if done {
            return Ok(());
        }
        cursor = next;
    }
}
