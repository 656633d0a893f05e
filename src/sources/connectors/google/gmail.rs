//! Gmail per user: a first read lists messages newer than the window (`users.messages.list`),
//! noting the mailbox's history id before it starts; later reads follow `users.history.list`
//! from that id (messages added and deleted). Messages are fetched with `users.messages.get`
//! (format=full) several at a time within the source's concurrency cap and handed, as an
//! RFC 5322 message rebuilt from their headers and text part, to the same parser the mailbox
//! importer uses. A history id Google no longer keeps (404) starts the mailbox over.

use super::super::activity::ActivityRecord;
use super::super::http::{ApiClient, ApiRequest};
use super::super::mailbox::{apply_items, Item};
use super::super::records::{self, text, Problem};
use super::super::sync::SyncContext;
use super::super::ConnectorError;
use crate::config::GoogleConfig;
use crate::domain::{ActivityKind, Participant, ParticipantRole, SourceName};
use crate::sources::ingest::activities::ActivityDraft;
use crate::sources::ingest::mail::{parse_message, MailAddress};
use base64::Engine as _;
use chrono::Duration;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::task::JoinSet;

/// Labels whose messages are not correspondence.
const SKIPPED_LABELS: &[&str] = &["DRAFT", "SPAM", "TRASH", "CHAT"];
/// Headers carried into the rebuilt message.
const KEPT_HEADERS: &[&str] =
    &["from", "sender", "to", "cc", "date", "subject", "message-id", "in-reply-to", "references"];

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct MailCursor {
    /// History id the next incremental read starts from.
    history_id: Option<String>,
    /// A first read is under way; `page` is its listing page.
    listing: bool,
    page: Option<String>,
}

fn decode_base64url(data: &str) -> Option<Vec<u8>> {
    let cleaned: String = data.chars().filter(|c| !c.is_whitespace()).collect();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(cleaned.trim_end_matches('=')).ok()
}

/// The first part of `mime` type, depth first.
fn find_part<'v>(part: &'v Value, mime: &str) -> Option<&'v Value> {
    if text(part, "mimeType").is_some_and(|m| m.eq_ignore_ascii_case(mime))
        && records::field(part, "body.data").is_some()
    {
        return Some(part);
    }
    part.get("parts").and_then(Value::as_array)?.iter().find_map(|child| find_part(child, mime))
}

/// A format=full message as RFC 5322 bytes: its address, date, subject and id headers and
/// its text (or HTML) part, decoded.
pub(crate) fn rebuild_message(message: &Value) -> Option<Vec<u8>> {
    let payload = message.get("payload")?;
    let mut out = String::new();
    for header in payload.get("headers").and_then(Value::as_array).into_iter().flatten() {
        let (Some(name), Some(value)) = (text(header, "name"), records::field(header, "value").and_then(Value::as_str))
        else {
            continue;
        };
        if KEPT_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
            let value: String = value.chars().filter(|c| *c != '\r' && *c != '\n').collect();
            out.push_str(&format!("{name}: {value}\r\n"));
        }
    }
    let (subtype, body) = match find_part(payload, "text/plain").or_else(|| find_part(payload, "text/html")) {
        Some(part) => {
            let subtype = if text(part, "mimeType").is_some_and(|m| m.eq_ignore_ascii_case("text/html")) {
                "html"
            } else {
                "plain"
            };
            (subtype, text(part, "body.data").and_then(|d| decode_base64url(&d)).unwrap_or_default())
        }
        None => ("plain", Vec::new()),
    };
    out.push_str(&format!(
        "MIME-Version: 1.0\r\nContent-Type: text/{subtype}; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
    ));
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(&body);
    Some(bytes)
}

fn participant(address: &MailAddress, role: ParticipantRole) -> Participant {
    Participant { address: address.address.clone(), name: address.name.clone(), role, party: None }
}

pub(crate) fn message(source: &SourceName, record: &Value) -> Result<Item, Problem> {
    let item_id = text(record, "id").ok_or_else(|| Problem::new(None, Some("id"), "message has no id"))?;
    let labels: Vec<String> = record
        .get("labelIds")
        .and_then(Value::as_array)
        .map(|l| l.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
        .unwrap_or_default();
    if labels.iter().any(|l| SKIPPED_LABELS.contains(&l.as_str())) {
        return Ok(Item::Skipped);
    }
    let mail = rebuild_message(record)
        .and_then(|bytes| parse_message(&bytes))
        .filter(|m| m.has_headers)
        .ok_or_else(|| Problem::new(Some(&item_id), Some("payload"), "no readable message headers"))?;
    let occurred_at = mail
        .date
        .or_else(|| records::timestamp(record, "internalDate"))
        .ok_or_else(|| Problem::new(Some(&item_id), Some("Date"), "no Date header or internalDate"))?;
    let mut participants: Vec<Participant> = Vec::new();
    let all = mail
        .from
        .iter()
        .map(|a| (a, ParticipantRole::From))
        .chain(mail.to.iter().map(|a| (a, ParticipantRole::To)))
        .chain(mail.cc.iter().map(|a| (a, ParticipantRole::Cc)));
    for (address, role) in all {
        if !participants.iter().any(|p| p.address == address.address) {
            participants.push(participant(address, role));
        }
    }
    if participants.is_empty() {
        return Err(Problem::new(Some(&item_id), Some("From"), "message names no sender or recipient"));
    }
    Ok(Item::Activity {
        record: Box::new(ActivityRecord {
            deals: Vec::new(),
            draft: ActivityDraft {
                source: source.clone(),
                external_id: mail.message_id.clone().unwrap_or_else(|| item_id.clone()),
                kind: ActivityKind::Email,
                occurred_at,
                duration_minutes: None,
                subject: mail.subject,
                body: mail.body,
                thread_id: text(record, "threadId"),
                participants,
            },
        }),
        item_id,
    })
}

/// `ids` fetched in parallel (the client caps how many at once), in the order given; a
/// message deleted in the meantime is skipped.
async fn fetch_messages(
    client: &ApiClient,
    base: &str,
    user: &str,
    ids: Vec<String>,
) -> Result<Vec<Result<Value, ConnectorError>>, ConnectorError> {
    let mut tasks = JoinSet::new();
    for (index, id) in ids.into_iter().enumerate() {
        let client = client.clone();
        let url = format!("{base}/users/{user}/messages/{id}");
        tasks.spawn(
            async move { (index, client.get_json::<Value>(ApiRequest::get(url).query("format", "full")).await) },
        );
    }
    let mut fetched = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        fetched.push(joined.map_err(|e| ConnectorError::Client(format!("a message fetch task failed: {e}")))?);
    }
    fetched.sort_by_key(|(index, _)| *index);
    Ok(fetched.into_iter().map(|(_, result)| result).collect())
}

fn string_list(value: &Value, path: &str, key: &str) -> Vec<String> {
    value
        .get(path)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .flat_map(|entry| entry.get(key).and_then(Value::as_array).cloned().unwrap_or_default())
        .filter_map(|m| text(&m, "message.id"))
        .collect()
}

pub(crate) async fn sync_gmail(
    ctx: &mut SyncContext<'_>,
    client: &ApiClient,
    config: &GoogleConfig,
    user: &str,
) -> Result<(), ConnectorError> {
    let key = format!("messages:{user}");
    let scope = format!("{user}/mail");
    let base = config.gmail_base_url.trim_end_matches('/').to_owned();
    let mut cursor: MailCursor =
        ctx.cursor(&key).await?.and_then(|c| serde_json::from_str(&c).ok()).unwrap_or_default();
    let page_size = ctx.config.connectors.sync.page_size.min(500).to_string();
    let mut restarted = false;
    loop {
        if cursor.history_id.is_none() {
            // Noted before listing, so nothing that arrives during the listing is missed.
            let profile: Value = client.get_json(ApiRequest::get(format!("{base}/users/{user}/profile"))).await?;
            cursor = MailCursor { history_id: text(&profile, "historyId"), listing: true, page: None };
        }
        let (added, removed, next) = if cursor.listing {
            let after = (ctx.now - Duration::days(i64::from(config.days_back))).timestamp();
            let mut request = ApiRequest::get(format!("{base}/users/{user}/messages"))
                .query("q", format!("after:{after}"))
                .query("maxResults", page_size.clone());
            if let Some(page) = &cursor.page {
                request = request.query("pageToken", page.clone());
            }
            let listing: Value = client.get_json(request).await?;
            let ids = listing
                .get("messages")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|m| text(m, "id"))
                .collect();
            let next = match text(&listing, "nextPageToken") {
                Some(page) => MailCursor { page: Some(page), ..cursor.clone() },
                None => MailCursor { listing: false, page: None, history_id: cursor.history_id.clone() },
            };
            (ids, Vec::new(), next)
        } else {
            let mut request = ApiRequest::get(format!("{base}/users/{user}/history"))
                .query("startHistoryId", cursor.history_id.clone().unwrap_or_default())
                .query("historyTypes", "messageAdded")
                .query("historyTypes", "messageDeleted")
                .query("maxResults", page_size.clone());
            if let Some(page) = &cursor.page {
                request = request.query("pageToken", page.clone());
            }
            let history: Value = match client.get_json(request).await {
                Ok(history) => history,
                Err(error) if error.status() == Some(404) && !restarted => {
                    restarted = true;
                    ctx.note(format!(
                        "Gmail no longer keeps the history of {user} from the stored point; the mailbox was read again"
                    ));
                    ctx.reset(&key).await?;
                    cursor = MailCursor::default();
                    continue;
                }
                Err(error) => return Err(error),
            };
            let removed = string_list(&history, "history", "messagesDeleted");
            let mut added: Vec<String> = string_list(&history, "history", "messagesAdded");
            added.retain(|id| !removed.contains(id));
            added.dedup();
            let next = match text(&history, "nextPageToken") {
                Some(page) => MailCursor { page: Some(page), ..cursor.clone() },
                None => MailCursor {
                    listing: false,
                    page: None,
                    history_id: text(&history, "historyId").or(cursor.history_id.clone()),
                },
            };
            (added, removed, next)
        };
        let mut items: Vec<Result<Item, Problem>> =
            removed.into_iter().map(|item_id| Ok(Item::Removed { item_id })).collect();
        for fetched in fetch_messages(client, &base, user, added).await? {
            match fetched {
                Ok(record) => items.push(message(&ctx.source, &record)),
                Err(error) if error.status() == Some(404) => items.push(Ok(Item::Skipped)),
                Err(error) => return Err(error),
            }
        }
        apply_items(ctx, "messages", &scope, items).await?;
        let done = next.page.is_none() && !next.listing;
        let encoded = serde_json::to_string(&next).map_err(|e| ConnectorError::Client(e.to_string()))?;
        ctx.advance(&key, &encoded).await?;
        cursor = next;
        if done {
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_full_format_message_becomes_an_email() {
        let body = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode("Can we move the fee review to Friday?\n\n> old text");
        let record = json!({
            "id": "18c1", "threadId": "18c0", "labelIds": ["INBOX"], "internalDate": "1700000000000",
            "payload": {"mimeType": "multipart/alternative", "headers": [
                {"name": "From", "value": "Ann Client <ann@client.example>"},
                {"name": "To", "value": "rep@northbridge-fs.example"},
                {"name": "Subject", "value": "Fee review"},
                {"name": "Message-ID", "value": "<abc@client.example>"},
                {"name": "Date", "value": "Tue, 14 Nov 2023 22:13:20 +0000"}],
                "parts": [{"mimeType": "text/plain", "body": {"size": 10, "data": body}},
                          {"mimeType": "text/html", "body": {"size": 10, "data": "PGI-PC9iPg"}}]}
        });
        let source = SourceName::parse("google").unwrap();
        let Ok(Item::Activity { item_id, record }) = message(&source, &record) else { panic!("not an activity") };
        assert_eq!(item_id, "18c1");
        assert_eq!(record.draft.external_id, "abc@client.example");
        assert_eq!(record.draft.thread_id.as_deref(), Some("18c0"));
        assert_eq!(record.draft.body.as_deref(), Some("Can we move the fee review to Friday?"));
        assert_eq!(record.draft.participants.len(), 2);
        assert_eq!(record.draft.participants[0].role, ParticipantRole::From);
        let draft = json!({"id": "1", "labelIds": ["DRAFT"], "payload": {}});
        assert!(matches!(message(&source, &draft), Ok(Item::Skipped)));
    }
}
