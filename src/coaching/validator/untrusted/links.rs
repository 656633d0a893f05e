//! Links and domain names in draft text: URLs (`http`, `https`, `ftp`, `www.`), Markdown links
//! and autolinks, and bare domains (`northbank-settle.net`, `portal.example.co.uk`, `bit.ly`).
//! A domain is a run of labels ending in a common top-level domain or any two-letter country
//! code, with a letter in a label before it, so decimals (`2.3M`, `1.5bn`), versions,
//! abbreviations (`e.g.`, `J.P.`), ids (`W47.rep_nudge.x`) and dates never read as one.

use super::Allow;
use crate::coaching::validator::numbers::fixed_regex;
use regex::Regex;
use std::sync::LazyLock;

static URL: LazyLock<Option<Regex>> =
    LazyLock::new(|| fixed_regex(r#"(?i)\b(?:(?:https?|ftp)://|www\.)[^\s<>"'()\[\]]+"#));
static MARKDOWN_LINK: LazyLock<Option<Regex>> = LazyLock::new(|| fixed_regex(r"\[[^\]\n]*\]\(\s*<?([^)\s>]*)[^)]*\)"));
static AUTOLINK: LazyLock<Option<Regex>> = LazyLock::new(|| fixed_regex(r"<([A-Za-z][A-Za-z0-9+.-]*:[^>\s]+)>"));
static DOMAIN_LIKE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    fixed_regex(r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+")
});

/// Generic and common top-level domains; any two-letter country code counts too.
#[rustfmt::skip]
const TLDS: &[&str] = &[
    "com", "net", "org", "edu", "gov", "mil", "int", "info", "biz", "io", "ai", "app", "dev", "co", "me", "ly",
    "cloud", "tech", "online", "site", "xyz", "top", "club", "shop", "store", "pro", "page", "link", "live", "news",
    "email", "bank", "finance", "financial", "money", "capital", "fund", "investments", "exchange", "services",
    "solutions", "support", "security", "global", "group", "ltd", "llc", "company", "digital", "network", "systems",
    "website", "web", "agency", "consulting", "partners", "ventures", "management", "legal", "tax", "trade",
    "markets", "pay", "cash", "credit", "loans", "insure", "host", "zip", "click", "icu", "vip", "win", "work",
    "today", "world", "help", "mobi", "name", "asia", "eu", "uk", "us",
];

/// The host of a URL or link target: between the scheme and the first `/`, `:`, `?` or `#`,
/// without user info, lowercase.
fn host(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let rest = rest.strip_prefix("mailto:").unwrap_or(rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit('@').next().unwrap_or("");
    host.split(':').next().unwrap_or("").trim_end_matches('.').to_lowercase()
}

/// Whether `candidate` (labels joined by dots) names a domain.
fn is_domain(candidate: &str) -> bool {
    let labels: Vec<&str> = candidate.split('.').collect();
    let Some((tld, rest)) = labels.split_last() else { return false };
    let lower = tld.to_lowercase();
    let letters = tld.chars().all(|c| c.is_ascii_alphabetic());
    // A capitalised two-letter word after a missing space ("closing.It") is a typo, not Italy.
    let capitalised_word =
        tld.chars().next().is_some_and(char::is_uppercase) && tld.chars().skip(1).all(char::is_lowercase);
    let tld_ok = TLDS.contains(&lower.as_str()) || (tld.len() == 2 && !capitalised_word);
    letters && tld_ok && rest.iter().any(|label| label.chars().any(|c| c.is_ascii_alphabetic()))
}

/// Bare domains of `text`, skipping those inside `spans` (URLs and links already read) and
/// those that are part of an email address or an id.
fn bare_domains<'t>(text: &'t str, spans: &[(usize, usize)]) -> Vec<&'t str> {
    let Some(pattern) = DOMAIN_LIKE.as_ref() else { return Vec::new() };
    pattern
        .find_iter(text)
        .filter(|m| !spans.iter().any(|&(start, end)| m.start() < end && start < m.end()))
        .filter(|m| {
            let before = text[..m.start()].chars().next_back();
            let after = text[m.end()..].chars().next();
            !before.is_some_and(|c| c == '@' || c == '_' || c == '.' || c == ':' || c == '/')
                && !after.is_some_and(|c| c == '@' || c == '_' || c.is_alphanumeric())
        })
        .map(|m| m.as_str())
        .filter(|candidate| is_domain(candidate))
        .collect()
}

/// The first link or domain in `text` whose host is not on the allow-list; `known` says
/// whether a domain-like string is part of a known name (an account called `Booking.com`).
pub(super) fn link_or_domain(text: &str, allow: &Allow, known: impl Fn(&str) -> bool) -> Option<String> {
    let mut spans = Vec::new();
    let mut offending = None;
    let patterns = [(&MARKDOWN_LINK, "a Markdown link"), (&AUTOLINK, "a link"), (&URL, "a link")];
    for (pattern, what) in patterns {
        let Some(pattern) = pattern.as_ref() else { continue };
        for captures in pattern.captures_iter(text) {
            let Some(whole) = captures.get(0) else { continue };
            spans.push((whole.start(), whole.end()));
            let target = captures.get(1).unwrap_or(whole).as_str();
            let host = host(target);
            if offending.is_none() && (host.is_empty() || !allow.domain(&host)) {
                offending = Some(format!("{:?} is {what}", whole.as_str()));
            }
        }
    }
    offending.or_else(|| {
        bare_domains(text, &spans)
            .into_iter()
            .find(|domain| !allow.domain(&domain.to_lowercase()) && !known(domain))
            .map(|domain| format!("{domain:?} is a domain name"))
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::config::AllowList;

    #[test]
    fn hosts_and_domains_are_read_and_lookalikes_are_not() {
        assert!([&URL, &MARKDOWN_LINK, &AUTOLINK, &DOMAIN_LIKE].iter().all(|p| p.is_some()));
        assert_eq!(host("https://user@Portal.Example.co.uk:8443/login?x=1"), "portal.example.co.uk");
        assert_eq!(host("www.northbank-settle.net/pay"), "www.northbank-settle.net");
        for domain in ["northbank-settle.net", "portal.example.co.uk", "bit.ly", "evil.io", "Northbank-Settle.NET"] {
            assert!(is_domain(domain), "{domain}");
        }
        for text in ["e.g", "i.e", "J.P", "2.3M", "1.5bn", "1.5x", "v1.2.3", "2026.11.30", "closing.It", "notes.pdf"] {
            assert!(!is_domain(text), "{text}");
        }
        let allow = Allow::new(&AllowList::default());
        let text = "Ids sim:deal-00012 and W47.rep_nudge.x, e.g. J.P. Morgan Ltd. at 2.3M on 2026-12-15; mail a@b.com";
        assert_eq!(link_or_domain(text, &allow, |_| false), None);
    }
}
