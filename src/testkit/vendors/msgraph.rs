//! A Microsoft Graph stand-in: the identity platform's client-credentials token endpoint and
//! `calendarView/delta` and `mailFolders/{folder}/messages/delta` per mailbox, paged with
//! `@odata.nextLink` (`Prefer: odata.maxpagesize`) and ending in an `@odata.deltaLink`;
//! removed items come back as `@removed`, forgotten delta tokens as 410 `SyncStateNotFound`.

use super::feed::{Change, ChangeFeed, PageToken};
use super::{error, lock, pick, serve, MockCore, Running};
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{Duration, TimeZone, Utc};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

pub const CALENDAR: &str = "calendar";

/// (mailbox, `calendar` or a folder name) → its items.
#[derive(Debug, Clone, Default)]
pub struct GraphData {
    pub streams: BTreeMap<(String, String), ChangeFeed>,
}

impl GraphData {
    pub fn stream(&mut self, mailbox: &str, stream: &str) -> &mut ChangeFeed {
        self.streams.entry((mailbox.to_owned(), stream.to_owned())).or_default()
    }

    pub fn count(&self) -> usize {
        self.streams.values().map(ChangeFeed::len).sum()
    }

    /// `per_mailbox` meetings and as many messages in each of `mailboxes`; every third
    /// meeting is shared by two mailboxes (one iCalUId), and times use Windows zone names.
    pub fn generate(mailboxes: &[String], per_mailbox: usize) -> Self {
        let mut data = GraphData::default();
        let base = Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).single().unwrap_or_default();
        let zones = ["Pacific Standard Time", "GMT Standard Time", "UTC", "W. Europe Standard Time"];
        for (m, mailbox) in mailboxes.iter().enumerate() {
            for i in 0..per_mailbox {
                let shared = i % 3 == 0 && mailboxes.len() > 1;
                let uid = if shared { format!("uid-shared-{i}") } else { format!("uid-{m}-{i}") };
                let client = format!("contact{i}@client{}.example", i % 7);
                let start = base + Duration::days((i % 60) as i64) + Duration::hours((i % 8) as i64);
                let local = start.format("%Y-%m-%dT%H:%M:%S.0000000").to_string();
                let end = (start + Duration::minutes(30)).format("%Y-%m-%dT%H:%M:%S.0000000").to_string();
                let id = format!("AAMkAD{m:02}{i:06}=");
                // A shared meeting reads the same in every calendar that holds it.
                let organizer = if shared { &mailboxes[0] } else { mailbox };
                let attendee = |address: &str, name: &str| json!({ "type": "required", "status": { "response": "accepted", "time": "0001-01-01T00:00:00Z" }, "emailAddress": { "name": name, "address": address } });
                let mut attendees = vec![attendee(&client, "Client")];
                if shared {
                    attendees.extend(mailboxes[1..].iter().map(|other| attendee(other, "Rep")));
                }
                data.stream(mailbox, CALENDAR).put(
                    &id,
                    json!({
                        "@odata.etag": format!("W/\"{id}\""), "id": id, "iCalUId": uid, "subject": format!("Mandate review {i}"),
                        "bodyPreview": "Agenda: fees, reporting.", "body": { "contentType": "text", "content": "Agenda: fees, reporting and the custody pricing." },
                        "start": { "dateTime": local, "timeZone": pick(&zones, i) }, "end": { "dateTime": end, "timeZone": pick(&zones, i) },
                        "isAllDay": false, "isCancelled": false, "type": "singleInstance",
                        "organizer": { "emailAddress": { "name": "Rep", "address": organizer } },
                        "attendees": attendees
                    }),
                );
                for (folder, inbound) in [("inbox", true), ("sentitems", false)] {
                    let message_id = format!("AAMkAGM{m:02}{i:06}{}=", if inbound { "I" } else { "S" });
                    let (from, to) =
                        if inbound { (client.as_str(), mailbox.as_str()) } else { (mailbox.as_str(), client.as_str()) };
                    let sent = (start - Duration::days(2)).to_rfc3339();
                    data.stream(mailbox, folder).put(
                        &message_id,
                        json!({
                            "id": message_id, "internetMessageId": format!("<{m}.{i}.{folder}@mail.example>"),
                            "conversationId": format!("conv-{i}"), "subject": format!("Re: proposal {i}"),
                            "bodyPreview": "Thanks, the fee works for us.", "body": { "contentType": "text", "content": "Thanks, the fee works for us.\n\n> earlier text" },
                            "from": { "emailAddress": { "name": "Sender", "address": from } },
                            "toRecipients": [ { "emailAddress": { "name": "Recipient", "address": to } } ], "ccRecipients": [],
                            "sentDateTime": sent, "receivedDateTime": sent, "isDraft": false
                        }),
                    );
                }
            }
        }
        data
    }
}

pub struct GraphMock {
    pub core: MockCore,
    pub data: Mutex<GraphData>,
    pub tenant: String,
    pub client_id: String,
    pub client_secret: String,
    base_url: Mutex<String>,
}

impl GraphMock {
    pub fn new(data: GraphData) -> Self {
        Self {
            core: MockCore::default(),
            data: Mutex::new(data),
            tenant: "contoso.onmicrosoft.com".to_owned(),
            client_id: "00000000-0000-0000-0000-00000000c1d0".to_owned(),
            client_secret: "mock-graph-secret".to_owned(),
            base_url: Mutex::new(String::new()),
        }
    }

    pub async fn start(self) -> std::io::Result<(Running, Arc<GraphMock>)> {
        let state = Arc::new(self);
        let router = Router::new()
            .route("/{tenant}/oauth2/v2.0/token", post(token))
            .route("/v1.0/users/{mailbox}/calendarView/delta", get(calendar_delta))
            .route("/v1.0/users/{mailbox}/mailFolders/{folder}/messages/delta", get(messages_delta))
            .with_state(Arc::clone(&state));
        let running = serve(router).await?;
        *lock(&state.base_url) = running.base_url.clone();
        Ok((running, state))
    }
}

async fn token(
    State(mock): State<Arc<GraphMock>>,
    Path(tenant): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let valid = tenant == mock.tenant
        && form.get("grant_type").map(String::as_str) == Some("client_credentials")
        && form.get("client_id") == Some(&mock.client_id)
        && form.get("client_secret") == Some(&mock.client_secret)
        && form.get("scope").map(String::as_str) == Some("https://graph.microsoft.com/.default");
    if !valid {
        return error(
            StatusCode::UNAUTHORIZED,
            json!({ "error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret provided." }),
        );
    }
    let access_token = mock.core.issue_token(None);
    Json(json!({ "token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": access_token }))
        .into_response()
}

fn graph_error(status: StatusCode, code: &str, message: &str) -> Response {
    error(status, json!({ "error": { "code": code, "message": message } }))
}

fn page_size(headers: &HeaderMap) -> usize {
    headers
        .get("prefer")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').find_map(|p| p.trim().strip_prefix("odata.maxpagesize=")))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(10)
}

async fn delta(
    mock: &GraphMock,
    headers: &HeaderMap,
    mailbox: &str,
    stream: &str,
    params: &HashMap<String, String>,
    path: &str,
) -> Response {
    let unauthorized = json!({ "error": { "code": "InvalidAuthenticationToken", "message": "Access token has expired or is not yet valid." } });
    if let Err(refused) = mock.core.gate(headers, unauthorized).await {
        return refused;
    }
    let data = lock(&mock.data);
    let Some(feed) = data.streams.get(&(mailbox.to_owned(), stream.to_owned())) else {
        return graph_error(StatusCode::NOT_FOUND, "ErrorInvalidUser", "The requested user is invalid.");
    };
    let token = match (params.get("$skiptoken"), params.get("$deltatoken")) {
        (Some(skip), _) => PageToken::decode(skip),
        (None, Some(delta)) => {
            let since: u64 = delta.parse().unwrap_or(0);
            if since < feed.expired_before {
                return graph_error(StatusCode::GONE, "SyncStateNotFound", "The sync state generation is not found.");
            }
            Some(PageToken { since, as_of: feed.version(), offset: 0 })
        }
        (None, None) => Some(PageToken { since: 0, as_of: feed.version(), offset: 0 }),
    };
    let Some(token) = token else { return graph_error(StatusCode::BAD_REQUEST, "BadRequest", "Invalid skip token.") };
    let changes = feed.changes(token.since, token.as_of);
    let size = page_size(headers);
    let end = (token.offset + size).min(changes.len());
    let value: Vec<Value> = changes
        .get(token.offset..end)
        .unwrap_or(&[])
        .iter()
        .map(|(_, change)| match change {
            Change::Live(item) => item.clone(),
            Change::Removed(id) => json!({ "id": id, "@removed": { "reason": "deleted" } }),
        })
        .collect();
    let link = format!("{}/v1.0/users/{mailbox}/{path}", lock(&mock.base_url));
    let mut body = json!({ "@odata.context": format!("https://graph.microsoft.com/v1.0/$metadata#Collection({stream})"), "value": value });
    if end < changes.len() {
        body["@odata.nextLink"] = json!(format!("{link}?$skiptoken={}", PageToken { offset: end, ..token }.encode()));
    } else {
        body["@odata.deltaLink"] = json!(format!("{link}?$deltatoken={}", token.as_of));
    }
    mock.core.page_served();
    Json(body).into_response()
}

async fn calendar_delta(
    State(mock): State<Arc<GraphMock>>,
    Path(mailbox): Path<String>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    delta(&mock, &headers, &mailbox, CALENDAR, &params, "calendarView/delta").await
}

async fn messages_delta(
    State(mock): State<Arc<GraphMock>>,
    Path((mailbox, folder)): Path<(String, String)>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    delta(&mock, &headers, &mailbox, &folder, &params, &format!("mailFolders/{folder}/messages/delta")).await
}
