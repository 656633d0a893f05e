//! One RFC 5322 message read with `mail-parser` into what an email activity needs: addresses,
//! date, ids for threading, subject, the text body without quoted history, the attachment
//! count, and any text/calendar parts (iMIP invitations).

use crate::sources::ingest::identity::normalise_address;
use chrono::{DateTime, NaiveDate, Utc};
use mail_parser::{Address, HeaderValue, MessageParser, MimeHeaders, PartType};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailAddress {
    pub address: String,
    pub name: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedMail {
    pub message_id: Option<String>,
    pub from: Option<MailAddress>,
    pub to: Vec<MailAddress>,
    pub cc: Vec<MailAddress>,
    pub date: Option<DateTime<Utc>>,
    pub in_reply_to: Vec<String>,
    pub references: Vec<String>,
    pub subject: Option<String>,
    /// The first text body (HTML converted to text), quoted history and signature removed.
    pub body: Option<String>,
    /// Attachments other than calendar parts.
    pub attachments: usize,
    /// text/calendar parts, as text.
    pub calendars: Vec<String>,
    /// A header block was found at all (a file of JSON or binary has none).
    pub has_headers: bool,
}

impl ParsedMail {
    /// The root of the conversation: the first References id, else the message replied to,
    /// else the message itself.
    pub fn thread_root(&self) -> Option<&str> {
        self.references.first().or(self.in_reply_to.first()).or(self.message_id.as_ref()).map(String::as_str)
    }
}

/// `<id@host>` → `id@host`, without whitespace or control characters; `None` when empty.
pub fn clean_message_id(text: &str) -> Option<String> {
    let cleaned: String = text
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .collect();
    (!cleaned.is_empty()).then_some(cleaned)
}

fn ids(value: &HeaderValue<'_>) -> Vec<String> {
    match value {
        HeaderValue::Text(text) => text.split_whitespace().filter_map(clean_message_id).collect(),
        HeaderValue::TextList(list) => list.iter().filter_map(|t| clean_message_id(t)).collect(),
        _ => Vec::new(),
    }
}

fn addresses(address: Option<&Address<'_>>) -> Vec<MailAddress> {
    let Some(address) = address else { return Vec::new() };
    let mut out: Vec<MailAddress> = Vec::new();
    for addr in address.iter() {
        let Some(normalised) = addr.address().and_then(normalise_address) else { continue };
        if out.iter().any(|a| a.address == normalised) {
            continue;
        }
        let name = addr.name().map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
        out.push(MailAddress { address: normalised, name });
    }
    out
}

fn to_utc(date: &mail_parser::DateTime) -> Option<DateTime<Utc>> {
    let day = NaiveDate::from_ymd_opt(i32::from(date.year), u32::from(date.month), u32::from(date.day))?;
    let local = day.and_hms_opt(u32::from(date.hour), u32::from(date.minute), u32::from(date.second.min(59)))?;
    if date.tz_hour > 23 || date.tz_minute > 59 {
        return None;
    }
    let offset = i64::from(date.tz_hour) * 3_600 + i64::from(date.tz_minute) * 60;
    let offset = if date.tz_before_gmt { -offset } else { offset };
    Some(local.and_utc() - chrono::Duration::seconds(offset))
}

/// Lines that start the quoted or forwarded history (or a signature) below a reply.
fn starts_history(line: &str) -> bool {
    let trimmed = line.trim();
    trimmed == "--"
        || trimmed.starts_with("-----Original Message-----")
        || trimmed.starts_with("________________________________")
        || (trimmed.starts_with("On ") && trimmed.ends_with("wrote:"))
}

/// The author's own words: lines quoted with `>` and everything from the history marker on
/// are dropped, so signals and snippets are not repeated along a thread.
pub fn strip_quoted(text: &str) -> String {
    let mut kept = Vec::new();
    for line in text.lines() {
        if line.trim_end() == "-- " || starts_history(line) {
            break;
        }
        if !line.trim_start().starts_with('>') {
            kept.push(line);
        }
    }
    kept.join("\n").trim().to_owned()
}

fn is_calendar_part(part: &mail_parser::MessagePart<'_>) -> bool {
    part.is_content_type("text", "calendar")
        || part.is_content_type("application", "ics")
        || part.attachment_name().is_some_and(|name| name.to_ascii_lowercase().ends_with(".ics"))
}

fn part_text(part: &mail_parser::MessagePart<'_>) -> Option<String> {
    match &part.body {
        PartType::Text(text) | PartType::Html(text) => Some(text.to_string()),
        PartType::Binary(bytes) | PartType::InlineBinary(bytes) => Some(String::from_utf8_lossy(bytes).into_owned()),
        PartType::Message(_) | PartType::Multipart(_) => None,
    }
}

/// Parses one message. `None` when `mail-parser` finds no message at all.
pub fn parse_message(bytes: &[u8]) -> Option<ParsedMail> {
    let message = MessageParser::default().parse(bytes)?;
    let from = addresses(message.from()).into_iter().next().or_else(|| addresses(message.sender()).into_iter().next());
    let calendars: Vec<String> = message.parts.iter().filter(|p| is_calendar_part(p)).filter_map(part_text).collect();
    let attachments = message.attachments().filter(|p| !is_calendar_part(p)).count();
    let body = message
        .text_bodies()
        .position(|p| !is_calendar_part(p))
        .and_then(|position| message.body_text(position))
        .map(|text| strip_quoted(&text))
        .filter(|text| !text.is_empty());
    Some(ParsedMail {
        message_id: message.message_id().and_then(clean_message_id),
        from,
        to: addresses(message.to()),
        cc: addresses(message.cc()),
        date: message.date().and_then(to_utc),
        in_reply_to: ids(message.in_reply_to()),
        references: ids(message.references()),
        subject: message.subject().map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()),
        body,
        attachments,
        calendars,
        has_headers: !message.headers().is_empty(),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    const REPLY: &str = "From: \"Carol D\" <Carol@HarbourPension.example>\r\n\
To: alice@northbridge-fs.example, Bob <bob@northbridge-fs.example>\r\n\
Cc: carol@harbourpension.example, ops@harbourpension.example\r\n\
Date: Tue, 10 Feb 2026 10:30:00 +0100\r\n\
Message-ID: <reply-2@harbourpension.example>\r\n\
In-Reply-To: <first-1@northbridge-fs.example>\r\n\
References: <root-0@northbridge-fs.example>\r\n <first-1@northbridge-fs.example>\r\n\
Subject: Re: Fee proposal\r\n\
MIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n\
--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
Thanks, the fee works for us.\r\n\r\nOn Mon, 9 Feb 2026, Alice wrote:\r\n> Our fee is 4 bps.\r\n\
--b1\r\nContent-Type: application/pdf; name=\"terms.pdf\"\r\nContent-Disposition: attachment; filename=\"terms.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n\
--b1\r\nContent-Type: text/calendar; method=REQUEST; charset=utf-8\r\n\r\n\
BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:call-1\r\nDTSTART:20260212T150000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n\
--b1--\r\n";

    #[test]
    fn a_reply_yields_addresses_ids_thread_body_attachments_and_calendar() {
        let mail = parse_message(REPLY.as_bytes()).unwrap();
        assert_eq!(
            mail.from,
            Some(MailAddress { address: "carol@harbourpension.example".into(), name: Some("Carol D".into()) })
        );
        let to: Vec<&str> = mail.to.iter().map(|a| a.address.as_str()).collect();
        assert_eq!(to, vec!["alice@northbridge-fs.example", "bob@northbridge-fs.example"]);
        assert_eq!(mail.cc.len(), 2);
        assert_eq!(mail.date, Some(DateTime::parse_from_rfc3339("2026-02-10T09:30:00Z").unwrap().with_timezone(&Utc)));
        assert_eq!(mail.message_id.as_deref(), Some("reply-2@harbourpension.example"));
        assert_eq!(mail.thread_root(), Some("root-0@northbridge-fs.example"));
        assert_eq!(mail.subject.as_deref(), Some("Re: Fee proposal"));
        assert_eq!(mail.body.as_deref(), Some("Thanks, the fee works for us."));
        assert_eq!(mail.attachments, 1, "the PDF, not the invitation");
        assert_eq!(mail.calendars.len(), 1);
        assert!(mail.calendars[0].contains("UID:call-1"));
    }

    #[test]
    fn thread_root_falls_back_to_in_reply_to_then_self() {
        let mail =
            parse_message(b"From: a@x.example\r\nMessage-ID: <me@x>\r\nIn-Reply-To: <parent@x>\r\n\r\nhi").unwrap();
        assert_eq!(mail.thread_root(), Some("parent@x"));
        let mail = parse_message(b"From: a@x.example\r\nMessage-ID: <me@x>\r\n\r\nhi").unwrap();
        assert_eq!(mail.thread_root(), Some("me@x"));
    }

    #[test]
    fn quoted_history_and_signatures_are_stripped() {
        let text = "Yes.\n> old\nmore\n-- \nAlice\nHead of Sales";
        assert_eq!(strip_quoted(text), "Yes.\nmore");
        assert_eq!(strip_quoted("New\n-----Original Message-----\nFrom: x"), "New");
    }

    #[test]
    fn impossible_dates_are_dropped() {
        let mail = parse_message(b"From: a@x.example\r\nDate: 31 Feb 2026 10:00:00 +0000\r\n\r\nhi").unwrap();
        assert_eq!(mail.date, None);
    }
}
