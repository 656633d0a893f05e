//! Microsoft Teams incoming webhooks: the message as an Adaptive Card, and Teams' answers read
//! as success or failure. Teams has a quirk: a throttled or failed post can still come back as
//! HTTP 200 whose body says `Microsoft Teams endpoint returned HTTP error 429 …`, so the body is
//! read as well as the status.

use super::defang::defang;
use super::webhook::WebhookAnswer;
use super::{chunk_text, DeliverError, OutgoingMessage, Receipt};
use serde_json::{json, Value};
use std::time::Duration;

/// Keeps one card comfortably under the webhook's 28 KB payload limit.
const BODY_MAX: usize = 20_000;
const BLOCK_MAX: usize = 4_000;

pub fn teams_payload(message: &OutgoingMessage) -> Value {
    let mut body = vec![
        json!({ "type": "TextBlock", "text": defang(&message.subject), "weight": "Bolder", "size": "Medium", "wrap": true }),
        json!({
            "type": "TextBlock",
            "text": format!("{} for {} · week {}", message.kind.label(), message.recipient_name, message.week),
            "isSubtle": true,
            "spacing": "None",
            "wrap": true,
        }),
    ];
    // A TextBlock reads Markdown, so `[text](url)` in a draft would become a link; a
    // RichTextBlock's TextRun is plain text, and addresses are defanged besides.
    let text: String = defang(&message.body).chars().take(BODY_MAX).collect();
    for chunk in chunk_text(&text, BLOCK_MAX) {
        body.push(json!({ "type": "RichTextBlock", "inlines": [{ "type": "TextRun", "text": chunk }] }));
    }
    json!({
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": null,
            "content": {
                "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                "type": "AdaptiveCard",
                "version": "1.4",
                "body": body,
            },
        }],
    })
}

/// The status Teams reports inside a 200 body (`… returned HTTP error 429 …`), if any.
fn embedded_status(body: &str) -> Option<u16> {
    let lower = body.to_ascii_lowercase();
    let at = lower.find("http error")? + "http error".len();
    lower[at..].split(|c: char| !c.is_ascii_digit()).find(|s| !s.is_empty())?.parse().ok()
}

fn by_status(status: u16, retry_after: Option<Duration>, text: &str) -> DeliverError {
    match status {
        429 => DeliverError::RateLimited {
            after: retry_after.unwrap_or(Duration::from_secs(60)),
            reason: format!("teams answered 429 {text}"),
        },
        408 | 500..=599 => DeliverError::Transient(format!("teams answered {status} {text}")),
        _ => DeliverError::Permanent(format!("teams answered {status} {text}")),
    }
}

pub(super) fn classify(answer: WebhookAnswer) -> Result<Receipt, DeliverError> {
    let text = answer.body.trim();
    match answer.status {
        200..=299 => {
            let failed = text.to_ascii_lowercase().contains("error") || text.to_ascii_lowercase().contains("failed");
            if !failed {
                return Ok(Receipt { reference: format!("teams {} {text}", answer.status) });
            }
            // An error reported inside a success status: honour the status it names.
            let status = embedded_status(text).unwrap_or(500);
            Err(by_status(status, answer.retry_after, text))
        }
        status => Err(by_status(status, answer.retry_after, text)),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::workflow::DraftKind;

    #[test]
    fn payload_is_an_adaptive_card() {
        let message = OutgoingMessage {
            draft_id: "d".into(),
            kind: DraftKind::ForecastMemo,
            week: "2026-W47".into(),
            subject: "Forecast risk".into(),
            body: "P50 is 4.1m against a 5m target.".into(),
            recipient_name: "Lee Leader".into(),
            recipient_email: None,
        };
        let payload = teams_payload(&message);
        let card = &payload["attachments"][0];
        assert_eq!(card["contentType"], "application/vnd.microsoft.card.adaptive");
        assert_eq!(card["content"]["type"], "AdaptiveCard");
        assert_eq!(card["content"]["body"][0]["text"], "Forecast risk");
        assert_eq!(card["content"]["body"][2]["inlines"][0]["text"], "P50 is 4.1m against a 5m target.");
    }

    #[test]
    fn no_link_is_built_from_draft_text() {
        let message = OutgoingMessage {
            draft_id: "d".into(),
            kind: DraftKind::RepNudge,
            week: "2026-W47".into(),
            subject: "Settle at northbank-settle.net".into(),
            body: "Use [the portal](https://northbank-settle.net/pay) or www.pay-now.io today.".into(),
            recipient_name: "Rita Rep".into(),
            recipient_email: None,
        };
        let payload = teams_payload(&message).to_string();
        for link in ["https://", "](", "www.", "northbank-settle.net", "pay-now.io"] {
            assert!(!payload.contains(link), "{link} in {payload}");
        }
        // No block of the card reads Markdown except the two the service writes.
        let card = &teams_payload(&message)["attachments"][0]["content"]["body"];
        assert!(card.as_array().unwrap()[2..].iter().all(|b| b["type"] == "RichTextBlock"));
    }

    #[test]
    fn errors_inside_a_200_are_failures() {
        let answer = |status, body: &str| WebhookAnswer { status, retry_after: None, body: body.into() };
        assert!(classify(answer(200, "1")).is_ok());
        assert!(classify(answer(202, "")).is_ok());
        let throttled = "Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error 429 \
                         with ContextId tcid=0,server=msgapi-production-eus-azsc2-4-170,cv=deadbeef.0.";
        assert!(matches!(classify(answer(200, throttled)), Err(DeliverError::RateLimited { .. })));
        let too_large = "Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error 413";
        assert!(matches!(classify(answer(200, too_large)), Err(DeliverError::Permanent(_))));
        assert!(matches!(
            classify(answer(400, "Bad payload received by generic incoming webhook.")),
            Err(DeliverError::Permanent(_))
        ));
        assert!(matches!(classify(answer(429, "")), Err(DeliverError::RateLimited { .. })));
    }
}
