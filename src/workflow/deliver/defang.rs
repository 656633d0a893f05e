//! Chat services turn text into links on their own: Teams renders `[text](url)` and both Slack
//! and Teams link a bare address. A draft's text never becomes a link there: every address a
//! draft carries (the validator refuses them unless allow-listed, and a reviewer's edit meets
//! the same checks) is written in the defanged form security teams use, `hxxps://` and
//! `example[.]com`, so it reads the same and cannot be clicked, and Markdown link syntax is
//! broken apart.

use regex::Regex;
use std::sync::LazyLock;

/// A scheme or `www.` prefix that starts an address.
static SCHEME: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"(?i)\b(?:(https?|ftp)://|www\.)").ok());

/// A host name: labels joined by dots ending in a top-level domain of letters. Numbers such as
/// `2.5` or `1,250.00` have no letter label and are left alone.
static HOST: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"(?i)\b((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+)([a-z]{2,24})\b").ok());

/// Top-level domains a chat client links on sight; two-letter country codes are all linked.
const LINKED_TLDS: [&str; 24] = [
    "com",
    "net",
    "org",
    "info",
    "biz",
    "io",
    "co",
    "app",
    "dev",
    "site",
    "online",
    "xyz",
    "link",
    "top",
    "finance",
    "bank",
    "money",
    "capital",
    "fund",
    "investments",
    "email",
    "support",
    "services",
    "page",
];

fn links_on_sight(tld: &str) -> bool {
    let tld = tld.to_ascii_lowercase();
    tld.len() == 2 || LINKED_TLDS.contains(&tld.as_str())
}

/// `text` with every address made unclickable and Markdown link syntax broken.
pub(crate) fn defang(text: &str) -> String {
    let mut out = match SCHEME.as_ref() {
        Some(scheme) => scheme
            .replace_all(text, |c: &regex::Captures<'_>| match c.get(1) {
                Some(name) => format!("{}://", name.as_str().replacen('t', "x", 2).replacen('T', "X", 2)),
                None => "www[.]".to_owned(),
            })
            .into_owned(),
        None => text.to_owned(),
    };
    if let Some(host) = HOST.as_ref() {
        out = host
            .replace_all(&out, |c: &regex::Captures<'_>| {
                let (labels, tld) = (c.get(1).map_or("", |m| m.as_str()), c.get(2).map_or("", |m| m.as_str()));
                let has_letter = labels.chars().any(|ch| ch.is_ascii_alphabetic());
                if has_letter && links_on_sight(tld) {
                    format!("{}[.]{tld}", labels.trim_end_matches('.').replace('.', "[.]"))
                } else {
                    c.get(0).map_or(String::new(), |m| m.as_str().to_owned())
                }
            })
            .into_owned();
    }
    // `[text](url)` is Markdown's link; Slack's `<url|text>` cannot form once `<` is escaped.
    out.replace("](", "] (")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn addresses_and_link_syntax_are_defanged() {
        assert_eq!(
            defang("Pay at https://northbank-settle.net/pay now"),
            "Pay at hxxps://northbank-settle[.]net/pay now"
        );
        assert_eq!(defang("see [the portal](http://a.example.com)"), "see [the portal] (hxxp://a[.]example[.]com)");
        assert_eq!(defang("visit www.evil.co.uk"), "visit www[.]evil[.]co[.]uk");
        assert_eq!(defang("confirm at northbank-settle.net"), "confirm at northbank-settle[.]net");
        assert_eq!(defang("<https://x.io|click>"), "<hxxps://x[.]io|click>");
    }

    #[test]
    fn coaching_text_reads_the_same() {
        for text in [
            "Win rate 2.5x the median; 1,250,000.00 GBP at stake, e.g. Northbank Ltd. by 2026-12-15.",
            "Call the champion this week. Agree a date for the next meeting.",
            "J.P. Morgan is named as the competitor (sim:deal-00012, W47.rep_nudge.x).",
        ] {
            assert_eq!(defang(text), text);
        }
    }
}
