//! The page shell and the small pieces every page is built from: the one HTML-escape helper
//! (all text from sources, drafts and people goes through it), the layout with a navigation
//! that offers only what the caller's role may open, URL path segments, and how percentages,
//! dates and labels are written. Money is written by the domain's compact style.

use crate::domain::{DraftKind, DraftState};
use crate::http::auth::{AccessRole, Principal};
use std::fmt::Write as _;

/// Text made safe for HTML element content and quoted attribute values.
pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// One path segment or query value, percent-encoded: ids may hold `:` or `/`, and a query
/// value must not break out of its parameter.
pub(super) fn encode_component(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

/// `/{section}/{id}`, ready for an `href` (percent-encoded, so nothing needs escaping).
pub(super) fn href(section: &str, id: &str) -> String {
    format!("/{section}/{}", encode_component(id))
}

/// Which navigation entry a page belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Section {
    Inbox,
    Rep,
    Team,
    Forecast,
    Other,
}

/// Where a rep's own scorecard is, when the caller has one.
pub(super) fn own_scorecard(viewer: &Principal) -> Option<&'static str> {
    (viewer.role == AccessRole::Rep && viewer.person_id.is_some()).then_some("/reps/me")
}

/// The manager's own team, or the list of teams for the organisation-wide.
pub(super) fn team_link(viewer: &Principal) -> Option<(String, &'static str)> {
    if viewer.sees_organisation() {
        return Some(("/teams".to_owned(), "Teams"));
    }
    match (&viewer.person_id, viewer.role) {
        (Some(person), AccessRole::Manager) => Some((href("teams", person), "My team")),
        _ => None,
    }
}

/// The forecast is for the organisation-wide and for managers (their team's share of it).
pub(super) fn sees_forecast(viewer: &Principal) -> bool {
    viewer.sees_organisation() || viewer.role == AccessRole::Manager
}

fn nav(viewer: &Principal, active: Section) -> String {
    let mut links: Vec<(String, &str, Section)> = vec![("/inbox".to_owned(), "Inbox", Section::Inbox)];
    if let Some(path) = own_scorecard(viewer) {
        links.push((path.to_owned(), "My scorecard", Section::Rep));
    }
    if let Some((path, label)) = team_link(viewer) {
        links.push((path, label, Section::Team));
    }
    if sees_forecast(viewer) {
        links.push(("/forecast".to_owned(), "Forecast", Section::Forecast));
    }
    let mut out = String::from("<nav class=\"nav\" aria-label=\"Main\"><ul>");
    for (path, label, section) in links {
        let current = if section == active { " aria-current=\"page\" class=\"current\"" } else { "" };
        let _ = write!(out, "<li><a href=\"{}\"{current}>{}</a></li>", escape(&path), escape(label));
    }
    out.push_str("</ul></nav>");
    let csrf = viewer.session.as_ref().map(|s| s.csrf_token.as_str()).unwrap_or("");
    let _ = write!(
        out,
        "<div class=\"who\"><span class=\"who-name\">{}</span><span class=\"who-role\">{}</span>\
         <form method=\"post\" action=\"/logout\" class=\"signout\"><input type=\"hidden\" name=\"csrf\" value=\"{}\">\
         <button type=\"submit\" class=\"link\">Sign out</button></form></div>",
        escape(&viewer.name),
        escape(viewer.role.as_str()),
        escape(csrf)
    );
    out
}

/// A whole document: head, header (with navigation when someone is signed in) and `body`.
pub(super) fn layout(title: &str, viewer: Option<&Principal>, active: Section, body: &str) -> String {
    let header_nav = viewer.map(|v| nav(v, active)).unwrap_or_default();
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"referrer\" content=\"no-referrer\">\
         <title>{} · Candor</title>\
         <link rel=\"icon\" href=\"data:,\">\
         <link rel=\"stylesheet\" href=\"/static/app.css\"></head>\
         <body><header class=\"top\"><a class=\"brand\" href=\"/inbox\"><span class=\"mark\" aria-hidden=\"true\"></span>Candor</a>\
         {header_nav}</header><main class=\"main\">{body}</main>\
         <footer class=\"foot\">Every figure here comes from the engine's rules; drafts cite it and never add to it.</footer>\
         </body></html>\n",
        escape(title)
    )
}

/// The hidden field every form post carries.
pub(super) fn csrf_field(viewer: &Principal) -> String {
    let token = viewer.session.as_ref().map(|s| s.csrf_token.as_str()).unwrap_or("");
    format!("<input type=\"hidden\" name=\"csrf\" value=\"{}\">", escape(token))
}

/// A share as a whole percentage; small but non-zero shares say so rather than round to 0.
pub(super) fn percent(share: f64) -> String {
    if !share.is_finite() {
        return "–".to_owned();
    }
    let pct = share * 100.0;
    if pct > 0.0 && pct < 1.0 {
        "<1%".to_owned()
    } else if pct < 0.0 && pct > -1.0 {
        "−<1%".to_owned()
    } else if pct < 0.0 {
        format!("−{:.0}%", -pct)
    } else {
        format!("{pct:.0}%")
    }
}

/// `1.8×` for ratios such as pipeline coverage.
pub(super) fn times(ratio: f64) -> String {
    if ratio.is_finite() {
        format!("{ratio:.1}×")
    } else {
        "–".to_owned()
    }
}

/// A stored date or timestamp as `16 Nov 2026`; anything unreadable is shown as it is.
pub(super) fn date(text: &str) -> String {
    let day = text.get(..10).unwrap_or(text);
    match chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d") {
        Ok(parsed) => parsed.format("%-d %b %Y").to_string(),
        Err(_) => text.to_owned(),
    }
}

/// A stored timestamp as `16 Nov 2026, 09:30 UTC`.
pub(super) fn datetime(text: &str) -> String {
    match chrono::DateTime::parse_from_rfc3339(text) {
        Ok(parsed) => parsed.with_timezone(&chrono::Utc).format("%-d %b %Y, %H:%M UTC").to_string(),
        Err(_) => date(text),
    }
}

/// `no_recent_activity` → `No recent activity`.
pub(super) fn label(key: &str) -> String {
    let spaced = key.replace(['_', '-'], " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Only known severities become class names; anything else is shown neutral.
pub(super) fn severity_class(severity: &str) -> &'static str {
    match severity {
        "high" => "sev-high",
        "warn" => "sev-warn",
        "info" => "sev-info",
        _ => "sev-none",
    }
}

/// A small coloured label for a severity.
pub(super) fn severity_pill(severity: &str) -> String {
    let text = match severity {
        "high" => "High",
        "warn" => "Watch",
        "info" => "Note",
        other => other,
    };
    format!("<span class=\"pill {}\">{}</span>", severity_class(severity), escape(text))
}

/// A draft's state as a pill; only known states become class names.
pub(super) fn state_pill(state: DraftState) -> String {
    let (class, text) = match state {
        DraftState::Drafted => ("st-drafted", "Waiting for review"),
        DraftState::Approved => ("st-approved", "Approved"),
        DraftState::Edited => ("st-approved", "Edited and approved"),
        DraftState::Delivered => ("st-delivered", "Delivered"),
        DraftState::Rejected => ("st-rejected", "Rejected"),
        DraftState::Failed => ("st-rejected", "Delivery failed"),
    };
    format!("<span class=\"pill {class}\">{text}</span>")
}

/// One deal in a list: severity, linked name, a line of facts and one of why on the left; a
/// figure and a note under it on the right. Takes plain text (escaped here) but `pill` (HTML).
pub(super) struct DealRow<'a> {
    pub pill: String,
    pub deal_id: &'a str,
    pub name: &'a str,
    pub facts: String,
    pub why: String,
    pub figure: String,
    pub figure_note: String,
}

pub(super) fn deal_row(row: &DealRow<'_>) -> String {
    let name = if row.name.is_empty() { row.deal_id } else { row.name };
    let why = if row.why.is_empty() { String::new() } else { format!("<div class=\"why\">{}</div>", escape(&row.why)) };
    format!(
        "<li class=\"deal-row\"><div>{} <a class=\"deal-name\" href=\"{}\">{}</a><div class=\"small muted\">{}</div>{why}</div>\
         <div class=\"deal-figs\"><span class=\"fig\">{}</span><span class=\"small muted\">{}</span></div></li>",
        row.pill,
        escape(&href("deals", row.deal_id)),
        escape(name),
        escape(&row.facts),
        escape(&row.figure),
        escape(&row.figure_note)
    )
}

/// What a kind of draft is called on the page.
pub(super) fn kind_label(kind: DraftKind) -> String {
    let text = kind.label();
    let mut chars = text.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn escape_covers_markup_and_quotes() {
        assert_eq!(
            escape("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
    }

    #[test]
    fn components_are_percent_encoded() {
        assert_eq!(encode_component("deal:1/2 x"), "deal%3A1%2F2%20x");
        assert_eq!(href("deals", "d-1"), "/deals/d-1");
        assert_eq!(encode_component("é"), "%C3%A9");
    }

    #[test]
    fn percentages_and_dates() {
        assert_eq!(percent(0.453), "45%");
        assert_eq!(percent(0.004), "<1%");
        assert_eq!(percent(0.0), "0%");
        assert_eq!(percent(-0.2), "−20%");
        assert_eq!(percent(f64::NAN), "–");
        assert_eq!(times(1.84), "1.8×");
        assert_eq!(date("2026-11-16T00:00:00Z"), "16 Nov 2026");
        assert_eq!(date("soon"), "soon");
        assert_eq!(datetime("2026-11-16T09:30:00Z"), "16 Nov 2026, 09:30 UTC");
        assert_eq!(label("no_recent_activity"), "No recent activity");
    }

    #[test]
    fn pills_never_take_classes_from_data() {
        assert!(severity_pill("x\" onclick=\"y").contains("sev-none"));
        assert!(!severity_pill("x\" onclick=\"y").contains("\" onclick"));
        assert!(state_pill(DraftState::Edited).contains("Edited and approved"));
    }
}
