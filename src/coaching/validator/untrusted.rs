//! Untrusted text: client emails, meeting descriptions and CRM fields reach the drafting model
//! as data, and any of them may carry an instruction planted for it. This module assumes the
//! model was fooled and reads every draft field, and the rendered draft, for what such an
//! instruction asks for in the model's own words: a link or domain (`link_or_domain`), contact
//! details (`contact_detail`), account numbers (`account_number`), deleting or sending out data
//! (`data_instruction`), paying or redirecting money (`payment_instruction`), handing over
//! logins (`credential_request`), contacting a person outside the deal
//! (`contact_outside_deal`), and an instruction reworded from the quoted sources
//! (`source_overlap`). Always on, whatever the policy's other switches say; only the policy's
//! `[compliance.allow]` list exempts a domain, email address, phone number or account number.

mod contacts;
mod details;
mod instructions;
mod links;
pub(crate) mod overlap;
mod text;

#[cfg(test)]
mod tests;

pub(crate) use details::{EMAIL, IBAN, PHONE};

use super::facts::{words as lowercase_words, Directory, Facts};
use super::{Finding, FindingCategory};
use crate::config::AllowList;
use std::cell::OnceCell;
use std::collections::HashSet;

/// The allow-list in the forms text is compared in: domains and emails lowercase, phone
/// numbers as digits, account numbers as uppercase letters and digits.
pub(crate) struct Allow {
    domains: Vec<String>,
    emails: Vec<String>,
    phones: Vec<String>,
    accounts: Vec<String>,
}

fn alphanumeric_upper(text: &str) -> String {
    text.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_uppercase()).collect()
}

fn digits(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).collect()
}

impl Allow {
    pub(crate) fn new(list: &AllowList) -> Allow {
        let lower = |items: &[String]| items.iter().map(|i| i.trim().trim_end_matches('.').to_lowercase()).collect();
        Allow {
            domains: lower(&list.domains),
            emails: lower(&list.emails),
            phones: list.phones.iter().map(|p| digits(p)).filter(|p| !p.is_empty()).collect(),
            accounts: list.account_numbers.iter().map(|a| alphanumeric_upper(a)).filter(|a| !a.is_empty()).collect(),
        }
    }

    /// Whether `host` is an allowed domain or a subdomain of one.
    fn domain(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.').to_lowercase();
        let host = host.strip_prefix("www.").unwrap_or(&host);
        self.domains.iter().any(|d| host == d || host.strip_suffix(d.as_str()).is_some_and(|rest| rest.ends_with('.')))
    }

    fn email(&self, email: &str) -> bool {
        let email = email.trim_end_matches('.').to_lowercase();
        self.emails.contains(&email)
    }

    /// Phone numbers compare by digits; with nine or more, by their last nine, so a national
    /// form (`020 7946 0018`) matches the international one (`+44 20 7946 0018`).
    fn phone(&self, phone: &str) -> bool {
        let found = digits(phone);
        let tail = |d: &str| d.len().checked_sub(9).map(|start| d[start..].to_owned());
        self.phones.iter().any(|p| *p == found || (tail(p).is_some() && tail(p) == tail(&found)))
    }

    fn account(&self, number: &str) -> bool {
        let found = alphanumeric_upper(number);
        self.accounts.iter().any(|a| *a == found || (found.len() >= 6 && a.contains(&found)))
    }

    fn email_words(&self) -> impl Iterator<Item = String> + '_ {
        self.emails.iter().filter_map(|e| e.split('@').next()).flat_map(lowercase_words)
    }
}

/// The lowercase words of every name a draft may use: the organisation's people, the scope's
/// people, deals, wins and accounts, the directory's deals and accounts the text may mention,
/// the product catalogue, and the allow-listed contacts. Worked out once per text, and only
/// when a check needs them.
struct Known<'a> {
    text: &'a str,
    facts: &'a Facts,
    directory: &'a Directory,
    allow: &'a Allow,
    words: OnceCell<HashSet<String>>,
}

impl Known<'_> {
    /// Whether `name` (lowercase words) appears, in order, in a source text the model may
    /// have been shown.
    fn in_sources(&self, name: &[String]) -> bool {
        !name.is_empty() && self.facts.quoted_words.iter().any(|source| source.windows(name.len()).any(|w| w == name))
    }

    fn words(&self) -> &HashSet<String> {
        self.words.get_or_init(|| {
            let (facts, directory) = (self.facts, self.directory);
            let mut names: Vec<&str> = directory.people.values().map(String::as_str).collect();
            names.extend(facts.people.values().map(String::as_str));
            names.extend(facts.deals.values().map(|d| d.name.as_str()));
            names.extend(facts.wins.values().map(|w| w.name.as_str()));
            names.extend(facts.accounts.iter().map(String::as_str));
            names.extend(directory.products.iter().map(String::as_str));
            names.extend(directory.names().candidates(self.text).into_iter().map(|e| e.name.as_str()));
            names.push(&facts.recipient_name);
            let mut known: HashSet<String> = names.into_iter().flat_map(lowercase_words).collect();
            known.extend(self.allow.email_words());
            let possessives: Vec<String> =
                known.iter().filter_map(|w| w.strip_suffix("'s").map(str::to_owned)).collect();
            known.extend(possessives);
            known
        })
    }
}

/// Whether `candidate` (a domain-like string) is part of a known deal or account name in `text`.
fn in_known_name(candidate: &str, text: &str, facts: &Facts, directory: &Directory) -> bool {
    let candidate = candidate.to_lowercase();
    let directory_names = directory.names().candidates(text).into_iter().map(|e| e.name.as_str());
    let scope_names = facts.in_scope_names().candidates(text).into_iter().map(String::as_str);
    directory_names.chain(scope_names).any(|name| name.to_lowercase().contains(&candidate))
}

fn push(findings: &mut Vec<Finding>, code: &str, field: &str, detail: String, why: &str) {
    findings.push(Finding::new(FindingCategory::Compliance, code, field, format!("{detail}; {why}")));
}

const WHY: &str = "untrusted client text may have planted it, and a draft never carries it";

/// Every untrusted-text finding on one field's `text` (or the rendered draft).
pub(crate) fn check(
    field: &str,
    text: &str,
    facts: &Facts,
    directory: &Directory,
    allow: &AllowList,
    findings: &mut Vec<Finding>,
) {
    let allow = Allow::new(allow);
    if let Some(detail) = links::link_or_domain(text, &allow, |d| in_known_name(d, text, facts, directory)) {
        push(findings, "link_or_domain", field, detail, WHY);
    }
    if let Some(detail) = details::contact_detail(text, &allow) {
        push(findings, "contact_detail", field, detail, WHY);
    }
    if let Some(detail) = details::account_number(text, &allow) {
        push(findings, "account_number", field, detail, WHY);
    }
    let known = Known { text, facts, directory, allow: &allow, words: OnceCell::new() };
    let mut found: Vec<(&str, String)> = Vec::new();
    for sentence in text::sentences(text) {
        let words = text::words(sentence);
        let instruction = text::is_instruction(&words);
        let checks = [
            ("data_instruction", instructions::data_instruction(&words, instruction)),
            ("payment_instruction", instructions::payment_instruction(sentence)),
            ("credential_request", instructions::credential_request(sentence)),
            ("contact_outside_deal", contacts::contact_outside_deal(&words, &known)),
            ("unknown_party", contacts::unknown_party(&words, &known)),
            // Every sentence, not only instructions: a planted goal can be a plain statement.
            ("source_overlap", source_overlap(sentence, facts, &known)),
        ];
        for (code, detail) in checks {
            if let Some(detail) = detail {
                if !found.iter().any(|(c, _)| *c == code) {
                    found.push((code, format!("{:?}: {detail}", sentence.trim())));
                }
            }
        }
    }
    for (code, detail) in found {
        push(findings, code, field, detail, WHY);
    }
}

/// Whether `text` (a CRM name, say) carries a link or domain, contact details or an account
/// number, or reads as a data, payment or credential instruction: the checks above that need
/// no snapshot, with nothing allowed.
pub(crate) fn carries_untrusted_content(text: &str) -> bool {
    let allow = Allow::new(&AllowList::default());
    links::link_or_domain(text, &allow, |_| false).is_some()
        || details::contact_detail(text, &allow).is_some()
        || details::account_number(text, &allow).is_some()
        || text::sentences(text).into_iter().any(|sentence| {
            let words = text::words(sentence);
            instructions::data_instruction(&words, text::is_instruction(&words)).is_some()
                || instructions::payment_instruction(sentence).is_some()
                || instructions::credential_request(sentence).is_some()
        })
}

/// An instruction sentence reworded from one quoted source; names the draft may use (its
/// people and accounts, which sources name too) are taken for common words before refusing.
fn source_overlap(sentence: &str, facts: &Facts, known: &Known<'_>) -> Option<String> {
    let words = lowercase_words(sentence);
    let index = facts.source_index();
    index.paraphrased(&words, &HashSet::new())?;
    let names: HashSet<String> = known.words().iter().map(|w| text::stem(w)).collect();
    index.paraphrased(&words, &names)
}
