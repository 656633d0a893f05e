//! Microsoft Graph: for each configured mailbox, the calendar (`calendarView/delta` over a
//! window around today) and mail folders (`messages/delta`), with client-credentials OAuth.
//! Each page is committed and then its `@odata.nextLink` — or, at the end, the
//! `@odata.deltaLink` — becomes the cursor, so an interrupted sync resumes at the next page
//! and the following sync asks only for changes. A delta link the service no longer knows
//! (410 Gone) starts that mailbox over; so does a calendar window that has drifted.

pub(crate) mod mapping;

use super::auth::{Credentials, Grant, TokenSession};
use super::http::{ApiClient, ApiRequest};
use super::mailbox::apply_items;
use super::sync::SyncContext;
use super::{secrets, ConnectorError};
use crate::config::MsGraphConfig;
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Deserialize)]
struct DeltaPage {
    #[serde(default)]
    value: Vec<Value>,
    #[serde(rename = "@odata.nextLink")]
    next_link: Option<String>,
    #[serde(rename = "@odata.deltaLink")]
    delta_link: Option<String>,
}

/// Where one mailbox stream stands.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct StreamCursor {
    link: String,
    /// The link is a delta link: the stream was read to its end.
    complete: bool,
    /// The calendar window's end; the window is re-opened when today nears it.
    window_end: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stream {
    Calendar,
    Mail,
}

fn client(config: &MsGraphConfig, ctx: &SyncContext<'_>) -> Result<ApiClient, ConnectorError> {
    let mut config = config.clone();
    secrets::fill_from_file(
        config.secrets_file.as_deref(),
        &mut [("client_id", &mut config.client_id), ("client_secret", &mut config.client_secret)],
    )?;
    if config.tenant_id.is_empty() || config.client_id.is_empty() || config.client_secret.is_empty() {
        return Err(ConnectorError::NotConfigured {
            source_name: "msgraph",
            reason: "tenant_id, client_id and client_secret are required".into(),
        });
    }
    let token_url = format!("{}/{}/oauth2/v2.0/token", config.login_url.trim_end_matches('/'), config.tenant_id);
    let grant = Grant::ClientCredentials {
        client_id: config.client_id.clone(),
        client_secret: config.client_secret.clone(),
        scope: "https://graph.microsoft.com/.default".to_owned(),
    };
    ApiClient::new(&ctx.config.connectors.sync, &config.limits, Credentials::OAuth(TokenSession::new(token_url, grant)))
}

pub(crate) async fn sync(ctx: &mut SyncContext<'_>) -> Result<(), ConnectorError> {
    let config = &ctx.config.connectors.msgraph;
    let api = client(config, ctx)?;
    ctx.track(&api);
    for mailbox in &config.mailboxes {
        if config.calendar {
            sync_stream(ctx, &api, config, mailbox, Stream::Calendar, "calendar").await?;
        }
        if config.mail {
            for folder in &config.mail_folders {
                sync_stream(ctx, &api, config, mailbox, Stream::Mail, folder).await?;
            }
        }
    }
    Ok(())
}

/// The first link of a stream, and the calendar window's end.
fn initial_link(
    ctx: &SyncContext<'_>,
    config: &MsGraphConfig,
    mailbox: &str,
    stream: Stream,
    folder: &str,
) -> (String, Option<DateTime<Utc>>) {
    let base = config.base_url.trim_end_matches('/');
    let format = |t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Secs, true);
    let start = ctx.now - Duration::days(i64::from(config.days_back));
    match stream {
        Stream::Calendar => {
            let end = ctx.now + Duration::days(i64::from(config.days_forward));
            let link = format!(
                "{base}/users/{mailbox}/calendarView/delta?startDateTime={}&endDateTime={}",
                format(start),
                format(end)
            );
            (link, Some(end))
        }
        Stream::Mail => {
            let select = "id,internetMessageId,conversationId,subject,body,bodyPreview,from,sender,toRecipients,ccRecipients,sentDateTime,receivedDateTime,isDraft";
            let link = format!(
                "{base}/users/{mailbox}/mailFolders/{folder}/messages/delta?$select={select}&$filter=receivedDateTime+ge+{}",
                format(start)
            );
            (link, None)
        }
    }
}

async fn sync_stream(
    ctx: &mut SyncContext<'_>,
    api: &ApiClient,
    config: &MsGraphConfig,
    mailbox: &str,
    stream: Stream,
    folder: &str,
) -> Result<(), ConnectorError> {
    let object = if stream == Stream::Calendar { "events" } else { "messages" };
    let scope = format!("{mailbox}/{folder}");
    let key = format!("{object}:{scope}");
    let stored: Option<StreamCursor> = ctx.cursor(&key).await?.and_then(|c| serde_json::from_str(&c).ok());
    let half_window = Duration::days(i64::from(config.days_forward / 2));
    let mut cursor = match stored {
        Some(c) if c.window_end.is_none_or(|end| end > ctx.now + half_window) => c,
        _ => {
            let (link, window_end) = initial_link(ctx, config, mailbox, stream, folder);
            StreamCursor { link, complete: false, window_end }
        }
    };
    let prefer =
        format!("odata.maxpagesize={}, outlook.body-content-type=\"text\"", ctx.config.connectors.sync.page_size);
    let mut restarted = false;
    loop {
        let request = ApiRequest::get(cursor.link.clone()).header("Prefer", prefer.clone());
        let page: DeltaPage = match api.get_json(request).await {
            Ok(page) => page,
            Err(error) if error.status() == Some(410) && !restarted => {
                // The delta token expired (SyncStateNotFound / resyncRequired): read it all again.
                restarted = true;
                ctx.note(format!(
                    "Microsoft Graph expired the {object} delta token of {scope}; it was read again in full"
                ));
                ctx.reset(&key).await?;
                let (link, window_end) = initial_link(ctx, config, mailbox, stream, folder);
                cursor = StreamCursor { link, complete: false, window_end };
                continue;
            }
            Err(error) => return Err(error),
        };
        let items = page
            .value
            .iter()
            .map(|record| match stream {
                Stream::Calendar => mapping::event(&ctx.source, record),
                Stream::Mail => mapping::message(&ctx.source, record),
            })
            .collect();
        apply_items(ctx, object, &scope, items).await?;
        let next = match (page.next_link, page.delta_link) {
            (Some(next), _) => StreamCursor { link: next, complete: false, window_end: cursor.window_end },
            (None, Some(delta)) => StreamCursor { link: delta, complete: true, window_end: cursor.window_end },
            (None, None) => {
                return Err(ConnectorError::Payload {
                    url: super::http::redact_url(&cursor.link),
                    detail: "a delta page with neither @odata.nextLink nor @odata.deltaLink".into(),
                })
            }
        };
        let encoded = serde_json::to_string(&next).map_err(|e| ConnectorError::Client(e.to_string()))?;
        ctx.advance(&key, &encoded).await?;
        if next.complete {
            return Ok(());
        }
        cursor = next;
    }
}
