//! Contact details and account numbers in draft text: email addresses, phone numbers, IBANs,
//! sort codes with accounts, SWIFT/BIC codes, card and routing numbers, and any "account",
//! "beneficiary" or "payee" followed by six or more digits. Only the allow-list exempts one.

use super::Allow;
use crate::coaching::validator::numbers::fixed_regex;
use regex::Regex;
use std::sync::LazyLock;

pub(crate) static EMAIL: LazyLock<Option<Regex>> =
    LazyLock::new(|| fixed_regex(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+\.[A-Za-z0-9.-]+"));
pub(crate) static PHONE: LazyLock<Option<Regex>> =
    LazyLock::new(|| fixed_regex(r"(?:\+\d{1,3}[\s.-]?)?\(?\d{2,4}\)?[\s.-]\d{3,4}[\s.-]\d{3,4}\b"));
pub(crate) static IBAN: LazyLock<Option<Regex>> = LazyLock::new(|| fixed_regex(r"\b[A-Z]{2}\d{2}[A-Z0-9]{11,30}\b"));
/// An IBAN written in groups of four: `GB29 NWBK 6016 1331 9268 19`.
static IBAN_GROUPED: LazyLock<Option<Regex>> =
    LazyLock::new(|| fixed_regex(r"\b[A-Z]{2}\d{2}(?: [A-Z0-9]{4}){2,7}(?: [A-Z0-9]{1,4})?\b"));
static SORT_CODE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    fixed_regex(
        r"(?i)\bsort[- ]?code\b[^\n]{0,20}?\d{2}[- ]?\d{2}[- ]?\d{2}|\b\d{2}-\d{2}-\d{2}\b[^\n]{0,40}?\b\d{8}\b",
    )
});
static SWIFT: LazyLock<Option<Regex>> =
    LazyLock::new(|| fixed_regex(r"(?i:\b(?:swift|bic)\b)[^\n]{0,25}?\b([A-Z]{6}[A-Z0-9]{2}(?:[A-Z0-9]{3})?)\b"));
static ROUTING: LazyLock<Option<Regex>> =
    LazyLock::new(|| fixed_regex(r"(?i)\b(?:routing|aba|transit)(?: number| no\.?| #)?[\s:#]*(\d{9})\b"));
static CARD_GROUPED: LazyLock<Option<Regex>> = LazyLock::new(|| fixed_regex(r"\b\d{4}(?:[ -]\d{4}){2}[ -]\d{1,7}\b"));
static DIGIT_RUN: LazyLock<Option<Regex>> = LazyLock::new(|| fixed_regex(r"\b\d{13,19}\b"));
/// "account", "acct", "a/c", "beneficiary" or "payee", then six or more digits within a few words.
static KEYWORD_NUMBER: LazyLock<Option<Regex>> = LazyLock::new(|| {
    fixed_regex(
        r"(?i)(?P<key>\b(?:account|acct|a/c|beneficiary|payee)s?\b)(?:[^.\n\d]{0,20})(?P<num>\d(?:[ -]?\d){5,})",
    )
});
static ISO_DATE: LazyLock<Option<Regex>> = LazyLock::new(|| fixed_regex(r"^\d{4}-\d{2}-\d{2}$"));

fn find_all<'t>(pattern: &LazyLock<Option<Regex>>, text: &'t str) -> Vec<regex::Captures<'t>> {
    pattern.as_ref().map(|p| p.captures_iter(text).collect()).unwrap_or_default()
}

/// The first email address or phone number in `text` that the allow-list does not hold.
pub(super) fn contact_detail(text: &str, allow: &Allow) -> Option<String> {
    let email = find_all(&EMAIL, text)
        .into_iter()
        .filter_map(|c| c.get(0))
        .find(|m| !allow.email(m.as_str()))
        .map(|m| format!("{:?} is an email address", m.as_str()));
    email.or_else(|| {
        find_all(&PHONE, text)
            .into_iter()
            .filter_map(|c| c.get(0))
            .find(|m| !allow.phone(m.as_str()))
            .map(|m| format!("{:?} is a phone number", m.as_str()))
    })
}

/// Luhn's checksum, which every card number passes.
fn luhn(digits: &str) -> bool {
    let sum: u32 = digits
        .chars()
        .rev()
        .filter_map(|c| c.to_digit(10))
        .enumerate()
        .map(|(i, d)| {
            if i % 2 == 1 {
                if d * 2 > 9 {
                    d * 2 - 9
                } else {
                    d * 2
                }
            } else {
                d
            }
        })
        .sum();
    sum % 10 == 0
}

fn digit_count(text: &str) -> usize {
    text.chars().filter(char::is_ascii_digit).count()
}

/// Whether a keyword match is an id rather than prose: the keyword inside one
/// (`sim:acct-000123`, `acct_000123`), or the number glued to another word
/// (`Managed Accounts (sim:deal-000821)`).
fn is_id(text: &str, key: regex::Match<'_>, number: regex::Match<'_>) -> bool {
    let before_key = text[..key.start()].chars().next_back();
    let after_key = text[key.end()..].chars().next();
    let before_number = text[..number.start()].chars().next_back();
    before_key.is_some_and(|c| c.is_alphanumeric() || ":_/-".contains(c))
        || after_key.is_some_and(|c| c == '-' || c == '_')
        || before_number.is_some_and(|c| c.is_alphabetic() || c == '-' || c == '_')
}

/// The first account number in `text` (IBAN, sort code and account, SWIFT/BIC, routing or
/// card number, or a number introduced as an account, beneficiary or payee) that the
/// allow-list does not hold.
pub(super) fn account_number(text: &str, allow: &Allow) -> Option<String> {
    let mut found: Vec<(&str, &str)> = Vec::new();
    for pattern in [&IBAN, &IBAN_GROUPED] {
        for m in find_all(pattern, text).iter().filter_map(|c| c.get(0)) {
            if digit_count(m.as_str()) >= 8 {
                found.push((m.as_str(), "an IBAN"));
            }
        }
    }
    for (pattern, what) in
        [(&SORT_CODE, "a sort code and account"), (&SWIFT, "a SWIFT/BIC code"), (&ROUTING, "a routing number")]
    {
        for captures in find_all(pattern, text) {
            if let Some(m) = captures.get(1).or_else(|| captures.get(0)) {
                found.push((m.as_str(), what));
            }
        }
    }
    for m in find_all(&CARD_GROUPED, text).iter().filter_map(|c| c.get(0)) {
        found.push((m.as_str(), "a card number"));
    }
    for m in find_all(&DIGIT_RUN, text).iter().filter_map(|c| c.get(0)) {
        if luhn(m.as_str()) {
            found.push((m.as_str(), "a card number"));
        }
    }
    for captures in find_all(&KEYWORD_NUMBER, text) {
        let (Some(key), Some(number)) = (captures.name("key"), captures.name("num")) else { continue };
        let is_date = ISO_DATE.as_ref().is_some_and(|p| p.is_match(number.as_str()));
        if !is_date && !is_id(text, key, number) {
            found.push((number.as_str(), "an account number"));
        }
    }
    found
        .into_iter()
        .find(|(number, _)| !allow.account(number))
        .map(|(number, what)| format!("{number:?} looks like {what}"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::config::AllowList;

    #[test]
    fn every_pattern_compiles() {
        let patterns = [
            &EMAIL,
            &PHONE,
            &IBAN,
            &IBAN_GROUPED,
            &SORT_CODE,
            &SWIFT,
            &ROUTING,
            &CARD_GROUPED,
            &DIGIT_RUN,
            &KEYWORD_NUMBER,
            &ISO_DATE,
        ];
        assert!(patterns.iter().all(|p| p.is_some()));
        assert!(luhn("4111111111111111") && !luhn("4111111111111112"));
    }

    #[test]
    fn ids_dates_and_amounts_are_no_account_numbers() {
        let allow = Allow::new(&AllowList::default());
        for text in [
            "See sim:acct-000123 and acct-000456 in the CRM.",
            "Move the account's close date to 2026-12-15.",
            "The account is worth 1,250,000 USD; P50 2.3M.",
            "Evidence: sim:act-0001234567, stalled_in_stage",
            "**Grosvenor Private Bank – Managed Accounts** (sim:deal-000821): 193,000 USD",
        ] {
            assert_eq!(account_number(text, &allow), None, "{text}");
        }
    }
}
