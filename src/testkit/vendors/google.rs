//! A Google Workspace stand-in: the OAuth token endpoint taking a service account's JWT
//! assertion (checked against its public key; the `sub` it names is the only user the token
//! may read — domain-wide delegation), Calendar `events.list` with `pageToken` and
//! `nextSyncToken` (410 for forgotten tokens), and Gmail `getProfile`, `messages.list`,
//! `messages.get` (format=full) and `history.list` (404 for forgotten history ids).

use super::feed::{Change, ChangeFeed, PageToken};
use super::{error, lock, serve, MockCore, Running};
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

/// Per user: calendar events and mailbox messages.
#[derive(Debug, Clone, Default)]
pub struct GoogleData {
    pub calendars: BTreeMap<String, ChangeFeed>,
    pub mailboxes: BTreeMap<String, ChangeFeed>,
}

impl GoogleData {
    pub fn count(&self) -> usize {
        self.calendars.values().chain(self.mailboxes.values()).map(ChangeFeed::len).sum()
    }
}

pub struct GoogleMock {
    pub core: MockCore,
    pub data: Mutex<GoogleData>,
    pub client_email: String,
    /// PKCS#1 DER public key of the service account; when set, assertions must verify.
    pub public_key: Option<Vec<u8>>,
    base_url: Mutex<String>,
}

impl GoogleMock {
    pub fn new(data: GoogleData, public_key: Option<Vec<u8>>) -> Self {
        Self {
            core: MockCore::default(),
            data: Mutex::new(data),
            client_email: "candor-sync@candor-test.iam.gserviceaccount.com".to_owned(),
            public_key,
            base_url: Mutex::new(String::new()),
        }
    }

    pub async fn start(self) -> std::io::Result<(Running, Arc<GoogleMock>)> {
        let state = Arc::new(self);
        let router = Router::new()
            .route("/token", post(token))
            .route("/calendar/v3/calendars/{calendar}/events", get(events))
            .route("/gmail/v1/users/{user}/profile", get(profile))
            .route("/gmail/v1/users/{user}/messages", get(list_messages))
            .route("/gmail/v1/users/{user}/messages/{id}", get(get_message))
            .route("/gmail/v1/users/{user}/history", get(history))
            .with_state(Arc::clone(&state));
        let running = serve(router).await?;
        *lock(&state.base_url) = running.base_url.clone();
        Ok((running, state))
    }

    /// Checks the token and that it was issued for `user`.
    async fn allow(&self, headers: &HeaderMap, user: &str) -> Result<(), Response> {
        let unauthorized = json!({ "error": { "code": 401, "message": "Request had invalid authentication credentials.", "status": "UNAUTHENTICATED" } });
        match self.core.gate(headers, unauthorized).await? {
            Some(subject) if subject == user => Ok(()),
            _ => Err(google_error(StatusCode::FORBIDDEN, "The caller does not have permission", "PERMISSION_DENIED")),
        }
    }
}

fn google_error(status: StatusCode, message: &str, reason: &str) -> Response {
    error(status, json!({ "error": { "code": status.as_u16(), "message": message, "status": reason } }))
}

async fn token(State(mock): State<Arc<GoogleMock>>, Form(form): Form<HashMap<String, String>>) -> Response {
    let refuse = |description: String| {
        error(StatusCode::BAD_REQUEST, json!({ "error": "invalid_grant", "error_description": description }))
    };
    if form.get("grant_type").map(String::as_str) != Some("urn:ietf:params:oauth:grant-type:jwt-bearer") {
        return error(StatusCode::BAD_REQUEST, json!({ "error": "unsupported_grant_type" }));
    }
    let Some(assertion) = form.get("assertion") else { return refuse("no assertion".into()) };
    let audience = format!("{}/token", lock(&mock.base_url));
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.set_audience(&[audience.as_str()]);
    validation.set_issuer(&[mock.client_email.as_str()]);
    validation.set_required_spec_claims(&["exp", "aud", "iss", "sub"]);
    let claims: Value = match &mock.public_key {
        Some(der) => {
            match jsonwebtoken::decode::<Value>(assertion, &jsonwebtoken::DecodingKey::from_rsa_der(der), &validation) {
                Ok(data) => data.claims,
                Err(e) => return refuse(format!("Invalid JWT Signature: {e}")),
            }
        }
        None => match jsonwebtoken::dangerous::insecure_decode::<Value>(assertion) {
            Ok(data) => data.claims,
            Err(e) => return refuse(format!("Invalid JWT: {e}")),
        },
    };
    let Some(subject) = claims.get("sub").and_then(Value::as_str) else { return refuse("no sub".into()) };
    let known = {
        let data = lock(&mock.data);
        data.calendars.contains_key(subject) || data.mailboxes.contains_key(subject)
    };
    if !known {
        return refuse(format!("Invalid email or User ID: {subject}"));
    }
    let access_token = mock.core.issue_token(Some(subject.to_owned()));
    Json(json!({ "access_token": access_token, "expires_in": 3599, "token_type": "Bearer" })).into_response()
}

fn size(params: &HashMap<String, String>, key: &str, default: usize) -> usize {
    params.get(key).and_then(|n| n.parse().ok()).unwrap_or(default).max(1)
}

async fn events(
    State(mock): State<Arc<GoogleMock>>,
    Path(calendar): Path<String>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if let Err(refused) = mock.allow(&headers, &calendar).await {
        return refused;
    }
    let data = lock(&mock.data);
    let Some(feed) = data.calendars.get(&calendar) else {
        return google_error(StatusCode::NOT_FOUND, "Not Found", "NOT_FOUND");
    };
    let token = match (params.get("pageToken"), params.get("syncToken")) {
        (Some(page), _) => PageToken::decode(page),
        (None, Some(sync)) => {
            let since: u64 = sync.parse().unwrap_or(0);
            if since < feed.expired_before {
                return google_error(
                    StatusCode::GONE,
                    "Sync token is no longer valid, a full sync is required.",
                    "GONE",
                );
            }
            Some(PageToken { since, as_of: feed.version(), offset: 0 })
        }
        (None, None) => Some(PageToken { since: 0, as_of: feed.version(), offset: 0 }),
    };
    let Some(token) = token else {
        return google_error(StatusCode::BAD_REQUEST, "Invalid page token", "INVALID_ARGUMENT");
    };
    let changes = feed.changes(token.since, token.as_of);
    let end = (token.offset + size(&params, "maxResults", 250)).min(changes.len());
    let items: Vec<Value> = changes
        .get(token.offset..end)
        .unwrap_or(&[])
        .iter()
        .map(|(_, change)| match change {
            Change::Live(item) => item.clone(),
            Change::Removed(id) => {
                json!({ "kind": "calendar#event", "etag": "\"0\"", "id": id, "status": "cancelled" })
            }
        })
        .collect();
    let mut body = json!({ "kind": "calendar#events", "etag": "\"p3\"", "summary": calendar, "timeZone": "Europe/London", "accessRole": "owner", "items": items });
    if end < changes.len() {
        body["nextPageToken"] = json!(PageToken { offset: end, ..token }.encode());
    } else {
        body["nextSyncToken"] = json!(token.as_of.to_string());
    }
    mock.core.page_served();
    Json(body).into_response()
}

async fn profile(State(mock): State<Arc<GoogleMock>>, Path(user): Path<String>, headers: HeaderMap) -> Response {
    if let Err(refused) = mock.allow(&headers, &user).await {
        return refused;
    }
    let data = lock(&mock.data);
    let Some(feed) = data.mailboxes.get(&user) else {
        return google_error(StatusCode::NOT_FOUND, "Not Found", "NOT_FOUND");
    };
    Json(json!({ "emailAddress": user, "messagesTotal": feed.len(), "threadsTotal": feed.len(), "historyId": feed.version().to_string() }))
        .into_response()
}

async fn list_messages(
    State(mock): State<Arc<GoogleMock>>,
    Path(user): Path<String>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if let Err(refused) = mock.allow(&headers, &user).await {
        return refused;
    }
    let data = lock(&mock.data);
    let Some(feed) = data.mailboxes.get(&user) else {
        return google_error(StatusCode::NOT_FOUND, "Not Found", "NOT_FOUND");
    };
    let live = feed.live();
    let offset: usize = params.get("pageToken").and_then(|p| p.parse().ok()).unwrap_or(0);
    let end = (offset + size(&params, "maxResults", 100)).min(live.len());
    let messages: Vec<Value> = live
        .get(offset..end)
        .unwrap_or(&[])
        .iter()
        .map(|(id, message)| json!({ "id": id, "threadId": message.get("threadId") }))
        .collect();
    let mut body = json!({ "messages": messages, "resultSizeEstimate": live.len() });
    if end < live.len() {
        body["nextPageToken"] = json!(end.to_string());
    }
    mock.core.page_served();
    Json(body).into_response()
}

async fn get_message(
    State(mock): State<Arc<GoogleMock>>,
    Path((user, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    if let Err(refused) = mock.allow(&headers, &user).await {
        return refused;
    }
    let data = lock(&mock.data);
    match data.mailboxes.get(&user).and_then(|feed| feed.get(&id)) {
        Some(message) => Json(message.clone()).into_response(),
        None => google_error(StatusCode::NOT_FOUND, "Requested entity was not found.", "NOT_FOUND"),
    }
}

async fn history(
    State(mock): State<Arc<GoogleMock>>,
    Path(user): Path<String>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if let Err(refused) = mock.allow(&headers, &user).await {
        return refused;
    }
    let data = lock(&mock.data);
    let Some(feed) = data.mailboxes.get(&user) else {
        return google_error(StatusCode::NOT_FOUND, "Not Found", "NOT_FOUND");
    };
    let start: u64 = params.get("startHistoryId").and_then(|h| h.parse().ok()).unwrap_or(0);
    if start < feed.expired_before {
        return google_error(StatusCode::NOT_FOUND, "Requested entity was not found.", "NOT_FOUND");
    }
    let token = params.get("pageToken").and_then(|p| PageToken::decode(p)).unwrap_or(PageToken {
        since: start,
        as_of: feed.version(),
        offset: 0,
    });
    let changes = feed.changes(token.since.max(1), token.as_of);
    let end = (token.offset + size(&params, "maxResults", 100)).min(changes.len());
    let records: Vec<Value> = changes
        .get(token.offset..end)
        .unwrap_or(&[])
        .iter()
        .map(|(version, change)| match change {
            Change::Live(message) => {
                let summary = json!({ "id": message.get("id"), "threadId": message.get("threadId"), "labelIds": message.get("labelIds") });
                json!({ "id": version.to_string(), "messages": [summary.clone()], "messagesAdded": [{ "message": summary }] })
            }
            Change::Removed(id) => {
                let summary = json!({ "id": id, "threadId": id });
                json!({ "id": version.to_string(), "messages": [summary.clone()], "messagesDeleted": [{ "message": summary }] })
            }
        })
        .collect();
    let mut body = json!({ "history": records, "historyId": token.as_of.to_string() });
    if end < changes.len() {
        body["nextPageToken"] = json!(PageToken { offset: end, ..token }.encode());
    }
    mock.core.page_served();
    Json(body).into_response()
}
