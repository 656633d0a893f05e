//! A generated Google Workspace domain: per user, calendar events as `events.list` returns
//! them (timed meetings with attendees, every tenth an all-day working-location block) and
//! Gmail messages in the `format=full` shape with base64url text parts.

use super::google::GoogleData;
use base64::Engine as _;
use chrono::{Duration, TimeZone, Utc};
use serde_json::{json, Value};

/// A Gmail `format=full` message with a plain-text part.
pub fn gmail_message(
    id: &str,
    thread: &str,
    from: &str,
    to: &str,
    subject: &str,
    body: &str,
    at_ms: i64,
    labels: &[&str],
) -> Value {
    let date = Utc.timestamp_millis_opt(at_ms).single().unwrap_or_default().to_rfc2822();
    let data = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(body);
    json!({
        "id": id, "threadId": thread, "labelIds": labels, "snippet": body.chars().take(100).collect::<String>(),
        "historyId": "1", "internalDate": at_ms.to_string(), "sizeEstimate": body.len() + 400,
        "payload": {
            "partId": "", "mimeType": "multipart/alternative", "filename": "",
            "headers": [
                { "name": "From", "value": from }, { "name": "To", "value": to }, { "name": "Subject", "value": subject },
                { "name": "Date", "value": date }, { "name": "Message-ID", "value": format!("<{id}@mail.gmail.com>") },
                { "name": "Content-Type", "value": "multipart/alternative; boundary=\"000000000000b\"" }
            ],
            "body": { "size": 0 },
            "parts": [
                { "partId": "0", "mimeType": "text/plain", "filename": "", "headers": [{ "name": "Content-Type", "value": "text/plain; charset=\"UTF-8\"" }],
                  "body": { "size": body.len(), "data": data } }
            ]
        }
    })
}

impl GoogleData {
    /// `per_user` events and as many messages for each of `users`; every third event is
    /// shared by all users (one event id, as Google shares it across attendees' calendars).
    pub fn generate(users: &[String], per_user: usize) -> Self {
        let mut data = GoogleData::default();
        let base = Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).single().unwrap_or_default();
        for (u, user) in users.iter().enumerate() {
            let calendar = data.calendars.entry(user.clone()).or_default();
            for i in 0..per_user {
                let id = if i % 3 == 0 { format!("shared{i:06}") } else { format!("ev{u:02}x{i:06}") };
                let client = format!("contact{i}@client{}.example", i % 5);
                let start = base + Duration::days((i % 45) as i64) + Duration::hours((i % 6) as i64);
                // A shared event reads the same in every attendee's calendar.
                let shared = i % 3 == 0;
                let organizer = if shared { &users[0] } else { user };
                let mut attendees =
                    vec![json!({ "email": organizer, "organizer": true, "responseStatus": "accepted" })];
                if shared {
                    attendees
                        .extend(users[1..].iter().map(|other| json!({ "email": other, "responseStatus": "accepted" })));
                }
                attendees.push(json!({ "email": client, "displayName": "Client", "responseStatus": "accepted" }));
                attendees.push(json!({ "email": "room-1@resource.calendar.google.com", "resource": true }));
                let event = if i % 10 == 9 {
                    json!({ "kind": "calendar#event", "id": id, "status": "confirmed", "summary": "Home",
                            "start": { "date": start.date_naive().to_string() }, "end": { "date": (start + Duration::days(1)).date_naive().to_string() },
                            "eventType": "workingLocation", "workingLocationProperties": { "type": "homeOffice", "homeOffice": {} } })
                } else {
                    json!({ "kind": "calendar#event", "etag": "\"3\"", "id": id, "status": "confirmed", "summary": format!("Portfolio review {i}"),
                            "description": "Fees and reporting.", "created": base.to_rfc3339(), "updated": base.to_rfc3339(),
                            "organizer": { "email": organizer }, "creator": { "email": organizer },
                            "start": { "dateTime": start.to_rfc3339(), "timeZone": "Europe/London" },
                            "end": { "dateTime": (start + Duration::minutes(45)).to_rfc3339(), "timeZone": "Europe/London" },
                            "attendees": attendees,
                            "iCalUID": format!("{id}@google.com"), "eventType": "default" })
                };
                calendar.put(&id, event);
            }
            let mailbox = data.mailboxes.entry(user.clone()).or_default();
            for i in 0..per_user {
                let id = format!("18c{u:02}{i:08x}");
                let client = format!("contact{i}@client{}.example", i % 5);
                let inbound = i % 2 == 0;
                let (from, to) = if inbound { (client.clone(), user.clone()) } else { (user.clone(), client.clone()) };
                let at = (base + Duration::hours(i as i64)).timestamp_millis();
                let labels: &[&str] = if inbound { &["INBOX", "UNREAD"] } else { &["SENT"] };
                mailbox.put(
                    &id,
                    gmail_message(
                        &id,
                        &id,
                        &from,
                        &to,
                        &format!("Custody fees {i}"),
                        "Can we agree the fee schedule this week?",
                        at,
                        labels,
                    ),
                );
            }
        }
        data
    }
}
