//! Slack incoming webhooks: the message as Block Kit, and Slack's documented answers read as
//! success, rate limit (429 with Retry-After), temporary failure (5xx) or permanent failure
//! (400 `invalid_payload`, 403 `action_prohibited`, 404 `no_service`, 410 `channel_is_archived`, …).

use super::webhook::WebhookAnswer;
use super::{chunk_text, DeliverError, OutgoingMessage, Receipt};
use serde_json::{json, Value};
use std::time::Duration;

/// Slack's limits: a header holds 150 characters, a section's text 3,000, a message 50 blocks.
const HEADER_MAX: usize = 150;
const SECTION_MAX: usize = 3_000;
const BLOCKS_MAX: usize = 50;

/// Slack's text escaping: only `&`, `<` and `>` are special.
/// Draft text is defanged first, so no address in it becomes a link.
fn escape(text: &str) -> String {
    super::defang::defang(text).replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// Markdown to Slack's mrkdwn: headings and `**bold**` become `*bold*`, the rest reads the same.
fn mrkdwn(markdown: &str) -> String {
    markdown
        .lines()
        .map(|line| {
            let trimmed = line.trim_start();
            let heading = trimmed.trim_start_matches('#');
            if heading.len() < trimmed.len() && heading.starts_with(' ') {
                format!("*{}*", escape(heading.trim()))
            } else {
                escape(line).replace("**", "*")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn slack_payload(message: &OutgoingMessage) -> Value {
    let header: String = super::defang::defang(&message.subject).chars().take(HEADER_MAX).collect();
    let mut blocks = vec![
        json!({ "type": "header", "text": { "type": "plain_text", "text": header, "emoji": false } }),
        json!({ "type": "context", "elements": [{
            "type": "mrkdwn",
            "text": escape(&format!("{} for {} · week {}", message.kind.label(), message.recipient_name, message.week)),
        }]}),
    ];
    for chunk in chunk_text(&mrkdwn(&message.body), SECTION_MAX).into_iter().take(BLOCKS_MAX - blocks.len()) {
        // `verbatim` stops Slack linking addresses, channel names and mentions on its own.
        blocks.push(json!({ "type": "section", "text": { "type": "mrkdwn", "text": chunk, "verbatim": true } }));
    }
    json!({ "text": escape(&message.subject), "blocks": blocks, "unfurl_links": false, "unfurl_media": false })
}

pub(super) fn classify(answer: WebhookAnswer) -> Result<Receipt, DeliverError> {
    let code = answer.body.trim();
    match answer.status {
        200..=299 => Ok(Receipt { reference: format!("slack {} {code}", answer.status) }),
        429 => Err(DeliverError::RateLimited {
            after: answer.retry_after.unwrap_or(Duration::from_secs(30)),
            reason: format!("slack answered 429 {code}"),
        }),
        500..=599 => Err(DeliverError::Transient(format!("slack answered {} {code}", answer.status))),
        status => Err(DeliverError::Permanent(format!("slack answered {status} {code}"))),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::workflow::DraftKind;

    fn message(body: &str) -> OutgoingMessage {
        OutgoingMessage {
            draft_id: "d".into(),
            kind: DraftKind::InterventionBrief,
            week: "2026-W47".into(),
            subject: "Your team this week".into(),
            body: body.into(),
            recipient_name: "Mia <Manager>".into(),
            recipient_email: None,
        }
    }

    #[test]
    fn payload_is_block_kit_within_slack_limits() {
        let payload = slack_payload(&message(&format!("## Focus\n**Acme** & co\n\n{}", "x".repeat(7_000))));
        let blocks = payload["blocks"].as_array().unwrap();
        assert_eq!(blocks[0]["type"], "header");
        assert!(blocks[1]["elements"][0]["text"].as_str().unwrap().contains("Mia &lt;Manager&gt;"));
        let first = blocks[2]["text"]["text"].as_str().unwrap();
        assert!(first.starts_with("*Focus*\n*Acme* &amp; co"), "{first}");
        assert!(blocks[2..].iter().all(|b| b["text"]["text"].as_str().unwrap().chars().count() <= SECTION_MAX));
        assert_eq!(payload["text"], "Your team this week");
    }

    #[test]
    fn no_link_is_built_from_draft_text() {
        let mut planted =
            message("Use [the portal](https://northbank-settle.net/pay), <https://x.io|here> or www.pay-now.io.");
        planted.subject = "Settle at northbank-settle.net".into();
        let payload = slack_payload(&planted);
        let text = payload.to_string();
        for link in ["https://", "](", "<https", "www.", "northbank-settle.net", "pay-now.io"] {
            assert!(!text.contains(link), "{link} in {text}");
        }
        let blocks = payload["blocks"].as_array().unwrap();
        assert!(blocks[2..].iter().all(|b| b["text"]["verbatim"] == true));
        assert_eq!(payload["unfurl_links"], false);
    }

    #[test]
    fn slack_answers_are_read_as_documented() {
        let answer = |status, body: &str, retry| WebhookAnswer { status, retry_after: retry, body: body.into() };
        assert!(classify(answer(200, "ok", None)).is_ok());
        assert_eq!(
            classify(answer(429, "rate_limited", Some(Duration::from_secs(7)))).unwrap_err(),
            DeliverError::RateLimited {
                after: Duration::from_secs(7),
                reason: "slack answered 429 rate_limited".into()
            }
        );
        for (status, code) in [(400, "invalid_payload"), (404, "no_service"), (410, "channel_is_archived")] {
            assert!(
                matches!(classify(answer(status, code, None)), Err(DeliverError::Permanent(m)) if m.contains(code))
            );
        }
        assert!(matches!(classify(answer(503, "", None)), Err(DeliverError::Transient(_))));
    }
}
