//! Sending approved drafts: the file outbox (the embedded default), email over SMTP, Slack and
//! Microsoft Teams incoming webhooks. Each sender says whether a failure is worth retrying
//! (and when), or permanent; the job queue does the retrying.
//!
//! Exactly one visible message per draft and channel: the outbox writes each file under a name
//! derived from the draft and renames it into place, so a repeat replaces rather than adds; an
//! email carries a Message-ID derived from the draft, so a resend after a crash is recognisably
//! the same message.

mod defang;
mod email;
mod outbox;
mod slack;
mod teams;
mod webhook;

pub use email::{build_email, message_id, SmtpSender};
pub use outbox::FileOutbox;
pub use slack::slack_payload;
pub use teams::teams_payload;

use crate::config::Config;
use crate::workflow::DraftKind;
use std::path::Path;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeliverError {
    /// Worth another attempt after the usual backoff (timeouts, 5xx, refused connections).
    #[error("{0}")]
    Transient(String),
    /// The service asked us to wait this long before trying again.
    #[error("rate limited, retry after {}s: {reason}", after.as_secs())]
    RateLimited { after: Duration, reason: String },
    /// Retrying cannot help (bad payload, unknown or archived channel, rejected recipient).
    #[error("{0}")]
    Permanent(String),
}

/// An approved draft ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingMessage {
    pub draft_id: String,
    pub kind: DraftKind,
    pub week: String,
    pub subject: String,
    /// Markdown.
    pub body: String,
    pub recipient_name: String,
    pub recipient_email: Option<String>,
}

/// What the channel reported back: a message id, a file path, a webhook's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    pub reference: String,
}

/// Every configured channel, ready to send.
pub struct Deliverer {
    outbox: FileOutbox,
    sender: lettre::message::Mailbox,
    smtp: Option<SmtpSender>,
    http: reqwest::Client,
    slack: Option<webhook::Webhook>,
    teams: Option<webhook::Webhook>,
}

impl Deliverer {
    pub fn from_config(config: &Config, data_dir: &Path) -> Result<Deliverer, DeliverError> {
        let delivery = &config.delivery;
        let outbox_dir =
            if delivery.outbox.dir.is_empty() { data_dir.join("outbox") } else { delivery.outbox.dir.clone().into() };
        let sender = if delivery.smtp.from.trim().is_empty() {
            let domain = config.org.domains.first().map(String::as_str).unwrap_or("localhost");
            format!("Candor <candor@{domain}>")
        } else {
            delivery.smtp.from.clone()
        };
        let sender = sender.parse().map_err(|e| DeliverError::Permanent(format!("sender address {sender:?}: {e}")))?;
        let smtp = if delivery.uses("email") { Some(SmtpSender::new(&delivery.smtp)?) } else { None };
        let webhook = |name: &str, settings: &crate::config::WebhookConfig| {
            delivery.uses(name).then(|| webhook::Webhook {
                url: settings.webhook_url.clone(),
                timeout: Duration::from_secs(settings.timeout_seconds),
            })
        };
        Ok(Deliverer {
            outbox: FileOutbox::new(outbox_dir),
            sender,
            smtp,
            http: reqwest::Client::new(),
            slack: webhook("slack", &delivery.slack),
            teams: webhook("teams", &delivery.teams),
        })
    }

    pub fn outbox(&self) -> &FileOutbox {
        &self.outbox
    }

    /// Sends `message` on `channel` once.
    pub async fn send(&self, channel: &str, message: &OutgoingMessage) -> Result<Receipt, DeliverError> {
        match channel {
            "outbox" => {
                let email = build_email(&self.sender, message).ok();
                self.outbox.write(message, email.as_ref()).await
            }
            "email" => {
                let smtp = self.smtp.as_ref().ok_or_else(|| not_configured("email"))?;
                smtp.send(build_email(&self.sender, message)?).await
            }
            "slack" => {
                let hook = self.slack.as_ref().ok_or_else(|| not_configured("slack"))?;
                let answer = hook.post(&self.http, &slack_payload(message)).await?;
                slack::classify(answer)
            }
            "teams" => {
                let hook = self.teams.as_ref().ok_or_else(|| not_configured("teams"))?;
                let answer = hook.post(&self.http, &teams_payload(message)).await?;
                teams::classify(answer)
            }
            other => Err(DeliverError::Permanent(format!("unknown channel {other:?}"))),
        }
    }
}

fn not_configured(channel: &str) -> DeliverError {
    DeliverError::Permanent(format!("the {channel} channel is not configured"))
}

/// Splits text into pieces of at most `limit` characters, preferring paragraph, then line,
/// breaks; webhook services cap the length of one text block.
pub fn chunk_text(text: &str, limit: usize) -> Vec<String> {
    let mut chunks = Vec::new();
    let mut rest = text.trim();
    while rest.chars().count() > limit {
        let cut = rest.char_indices().nth(limit).map(|(i, _)| i).unwrap_or(rest.len());
        let window = &rest[..cut];
        let at = window.rfind("\n\n").or_else(|| window.rfind('\n')).filter(|&i| i > 0).unwrap_or(cut);
        chunks.push(rest[..at].trim_end().to_owned());
        rest = rest[at..].trim_start();
    }
    if !rest.is_empty() {
        chunks.push(rest.to_owned());
    }
    chunks
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn long_text_splits_on_paragraphs_within_the_limit() {
        let text = format!("{}\n\n{}\n{}", "a".repeat(30), "b".repeat(30), "c".repeat(30));
        let chunks = chunk_text(&text, 40);
        assert_eq!(chunks, vec!["a".repeat(30), "b".repeat(30), "c".repeat(30)]);
        assert!(chunk_text(&"x".repeat(95), 40).iter().all(|c| c.chars().count() <= 40));
        assert_eq!(chunk_text(&"é".repeat(50), 40).concat(), "é".repeat(50));
    }
}
