//! Instructions a planted text wants carried out, in any words: to delete, move or send data
//! out (`data_instruction`), to pay, wire or redirect money or waive a fee
//! (`payment_instruction`), and to hand over passwords, codes or logins
//! (`credential_request`). Ordinary sales work (sending a proposal to the CFO, sharing a deck
//! with procurement, moving a close date, updating the CRM) reads as none of them.

use super::text::{stem, Word};
use crate::coaching::validator::numbers::fixed_regex;
use regex::Regex;
use std::sync::LazyLock;

/// Verbs that destroy data: any data object with them is refused.
#[rustfmt::skip]
const DESTROY: &[&str] = &[
    "delete", "remove", "erase", "purge", "wipe", "archive", "shred", "destroy", "scrub", "trash", "clear", "clean",
    "tidy", "hide", "bury",
];
/// Verbs that move data somewhere: any data object with them is refused.
const MOVE: &[&str] = &["export", "upload", "download", "transfer", "move", "sync", "dump", "leak"];
/// Verbs of everyday sharing: refused with sensitive data, or with any data bound outside.
const SHARE: &[&str] = &["forward", "send", "share", "copy", "email", "e-mail", "mail"];
/// Data a planted instruction wants gone or sent out, but also what a rep shares every day.
#[rustfmt::skip]
const SOFT_OBJECTS: &[&str] = &[
    "thread", "threads", "email", "emails", "e-mail", "e-mails", "mail", "message", "messages", "record", "records",
    "note", "notes", "file", "files", "folder", "folders", "attachment", "attachments", "history", "document",
    "documents", "docs", "data", "pipeline", "spreadsheet", "spreadsheets", "recording", "recordings", "transcript",
    "transcripts", "log", "logs", "entry", "entries", "chat", "chats", "everything",
];
/// Data never sent anywhere from a coaching message.
#[rustfmt::skip]
const HARD_OBJECTS: &[&str] = &[
    "correspondence", "credential", "credentials", "password", "passwords", "login", "logins", "inbox", "mailbox",
    "database", "statement", "statements", "contacts",
];
/// Words that make the next one sensitive: `client list`, `login details`, `CRM notes`.
#[rustfmt::skip]
const SENSITIVE_QUALIFIERS: &[&str] = &[
    "client", "customer", "contact", "prospect", "distribution", "mailing", "login", "bank", "card", "personal",
    "crm",
];
#[rustfmt::skip]
const SENSITIVE_HEADS: &[&str] = &[
    "list", "lists", "details", "data", "entries", "records", "notes", "fields", "information", "info",
];
const WHOLESALE: &[&str] = &["all", "every", "entire", "whole", "full", "complete"];
/// Where data should never go.
#[rustfmt::skip]
const OUTSIDE: &[&str] = &[
    "personal", "private", "external", "home", "outside", "gmail", "hotmail", "yahoo", "icloud", "protonmail",
    "dropbox", "drive", "usb", "wetransfer", "third-party", "address",
];
#[rustfmt::skip]
const DETERMINERS: &[&str] = &[
    "the", "this", "that", "these", "those", "all", "every", "their", "his", "her", "its", "your", "our", "any",
];
const PARTICLES: &[&str] = &["out", "up", "off", "down", "away"];

/// Whether `word` is one of `verbs`: the base form always, an inflected one in an instruction
/// ("the thread should be deleted").
fn verb_in(word: &Word<'_>, verbs: &[&str], instruction: bool) -> bool {
    let lower = word.lower.as_str();
    verbs.contains(&lower)
        || (instruction
            && (verbs.iter().any(|v| stem(v) == stem(lower)) || (lower == "sent" && verbs.contains(&"send"))))
}

enum Object {
    Soft,
    Hard,
}

fn object_at(words: &[Word<'_>], i: usize) -> Option<Object> {
    let word = &words[i];
    let before = |n: usize| i.checked_sub(n).and_then(|j| words.get(j));
    if word.is(HARD_OBJECTS) || (word.is(SENSITIVE_HEADS) && before(1).is_some_and(|w| w.is(SENSITIVE_QUALIFIERS))) {
        return Some(Object::Hard);
    }
    if !word.is(SOFT_OBJECTS) {
        return None;
    }
    let wholesale = (1..=3).filter_map(before).any(|w| w.is(WHOLESALE));
    Some(if wholesale { Object::Hard } else { Object::Soft })
}

/// An instruction to delete, move or send out data: a data verb and a data object in one sentence.
pub(super) fn data_instruction(words: &[Word<'_>], instruction: bool) -> Option<String> {
    let outside = words.iter().any(|w| w.is(OUTSIDE));
    for (i, word) in words.iter().enumerate() {
        let mut destroys = verb_in(word, DESTROY, instruction);
        if destroys && word.is(&["clear", "clean", "tidy"]) {
            // "Clear the notes", "clean out the history", never "make the next step clear".
            destroys = words.get(i + 1).is_some_and(|next| next.is(PARTICLES) || next.is(DETERMINERS));
        }
        let moves = verb_in(word, MOVE, instruction);
        // "Email" is a verb only where a clause opens with it.
        let opens = i == 0 || words[i - 1].ends_clause;
        let shares = verb_in(word, SHARE, instruction) && (opens || !word.is(&["email", "e-mail", "mail"]));
        if !(destroys || moves || shares) {
            continue;
        }
        // "Move" is intransitive too ("keep the pipeline moving", "deals moving through the
        // pipeline"): only an object right after it is moved.
        let intransitive = moves && stem(&word.lower) == stem("move");
        let takes_object =
            words.get(i + 1).is_some_and(|next| next.is(DETERMINERS) || object_at(words, i + 1).is_some());
        if intransitive && !takes_object {
            continue;
        }
        let object_slot = |j: usize| j != i && (!intransitive || (i + 1..=i + 4).contains(&j));
        let refused = (0..words.len()).filter(|&j| object_slot(j)).find_map(|j| match object_at(words, j) {
            Some(Object::Hard) => Some(j),
            Some(Object::Soft) if destroys || moves || outside => Some(j),
            _ => None,
        });
        if let Some(j) = refused {
            return Some(format!("{:?} … {:?} asks to delete, move or send out data", word.raw, words[j].raw));
        }
    }
    None
}

static STRONG_PAYMENT: LazyLock<Option<Regex>> = LazyLock::new(|| {
    fixed_regex(concat!(
        r"\b(?:bank|banking|wire|remittance|settlement|beneficiary|payee|receiving|payment)\s+",
        r"(?:details|instructions|information|info|account|accounts|coordinates|number|destination)\b",
        r"|\b(?:beneficiary|beneficiaries|payee|payees|sort code|routing number|iban|swift code|bic code)\b",
        r"|\bwire[ds]?\b|\bwiring\b|\bcash ?back\b|\bfree of charge\b|\bwaiv(?:e|ed|es|er|ers|ing)\b",
        r"|\bfee\s+(?:holiday|refund|rebate)\b",
    ))
});
static MONEY_MOVE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    fixed_regex(concat!(
        r"\b(?:transfer|transferring|transferred|remit|remitting|deposit|depositing|send|sending|move|moving|route|",
        r"routing|release|releasing|pay|paying)\s+(?:(?:the|a|any|all|their|your|our|this|that|these|those|its|",
        r"them|it|us|him|her|outstanding|remaining|full|total)\s+){0,3}(?:funds|money|cash|balance|proceeds|payments?|sum)\b",
        r"|\b(?:funds|money|proceeds|payments?)\b(?:\s+\S+){0,6}?\s+(?:in)?to\s+(?:\S+\s+){0,3}?(?:account|bank|iban)\b",
        r"|\b(?:pay|paying|paid|settle|settling|settled|remit|transfer|send)\w*\s+(?:it\s+|them\s+)?(?:in)?to\s+",
        r"(?:the\s+|a\s+|their\s+|this\s+|our\s+)?(?:new\s+|other\s+|different\s+|following\s+|updated\s+)?(?:account|bank)\b",
        r"|\b(?:fees?|charges?|commissions?|penalty|penalties|costs?)\s+(?:\S+\s+){0,2}?",
        r"(?:refunded|rebated|reimbursed|written off|credited back)\b",
        r"|\b(?:refund|refunding|rebate|reimburse|write off|writing off)\s+(?:\S+\s+){0,3}?",
        r"(?:fees?|charges?|penalty|penalties|costs?|commission)\b",
    ))
});
/// Paying or settling a bill; the word after the verb rules out "settle on", "pay attention".
static PAY_BILL: LazyLock<Option<Regex>> = LazyLock::new(|| {
    fixed_regex(concat!(
        r"\b(?:pay|paying|paid|settle|settling|settled|remit)\s+(?P<next>\S+)\s+(?:\S+\s+){0,2}?",
        r"(?:invoices?|fees?|balance|bill|amount|sum|deposit|charges?|arrears|outstanding|payment)\b",
        r"|\b(?:pay|settle|remit)\s+(?P<direct>invoices?|fees?|balance|bills?|charges?|arrears)\b",
    ))
});
/// Changing where money goes; the word after the object rules out "payment terms".
static REDIRECT: LazyLock<Option<Regex>> = LazyLock::new(|| {
    fixed_regex(concat!(
        r"\b(?:redirect|re-direct|reroute|re-route|divert|change|update|switch|amend)\w*\s+(?:\S+\s+){0,3}?",
        r"(?:payments?|funds|remittance|settlement|invoices?|money|wire|bank|payee|beneficiary)\b(?:\s+(?P<next>[a-z-]+))?",
    ))
});
static NEW_ACCOUNT: LazyLock<Option<Regex>> = LazyLock::new(|| {
    fixed_regex(concat!(
        r"\b(?:new|updated|changed|different|alternative|revised|another|replacement|correct|other)\s+",
        r"(?:bank\s+|banking\s+|settlement\s+|payment\s+|receiving\s+)?(?:account|iban|bank)\b",
    ))
});
static MONEY_WORD: LazyLock<Option<Regex>> = LazyLock::new(|| {
    fixed_regex(
        r"\b(?:pay\w*|paid|settl\w*|remit\w*|wire\w*|transfer\w*|funds|invoices?|money|deposit\w*|bank\w*|treasur\w*|cash|iban)\b",
    )
});
#[rustfmt::skip]
const NOT_A_DESTINATION: &[&str] = &[
    "terms", "schedule", "plan", "calendar", "date", "dates", "model", "timeline", "cycle", "process", "frequency",
    "milestones", "structure", "options",
];

fn first<'t>(pattern: &LazyLock<Option<Regex>>, text: &'t str) -> Option<&'t str> {
    pattern.as_ref().and_then(|p| p.find(text)).map(|m| m.as_str())
}

/// An instruction about paying, wiring or settling money, or about where it goes.
pub(super) fn payment_instruction(sentence: &str) -> Option<String> {
    let text = sentence.to_lowercase();
    let pay_bill = PAY_BILL.as_ref().and_then(|p| {
        p.captures_iter(&text)
            .find(|c| {
                c.name("next").is_none_or(|n| !["on", "in", "down", "attention", "tribute"].contains(&n.as_str()))
            })
            .and_then(|c| c.get(0))
            .map(|m| m.as_str().to_owned())
    });
    let redirect = REDIRECT.as_ref().and_then(|p| {
        p.captures_iter(&text)
            .find(|c| c.name("next").is_none_or(|n| !NOT_A_DESTINATION.contains(&n.as_str())))
            .and_then(|c| c.get(0))
            .map(|m| m.as_str().to_owned())
    });
    let new_account = first(&NEW_ACCOUNT, &text).filter(|_| first(&MONEY_WORD, &text).is_some()).map(str::to_owned);
    let found =
        first(&STRONG_PAYMENT, &text).map(str::to_owned).or_else(|| first(&MONEY_MOVE, &text).map(str::to_owned));
    found
        .or(pay_bill)
        .or(redirect)
        .or(new_account)
        .map(|phrase| format!("{phrase:?} is about paying money or where it goes"))
}

static CREDENTIALS: LazyLock<Option<Regex>> = LazyLock::new(|| {
    fixed_regex(concat!(
        r"\b(?:passwords?|passcodes?|passphrases?|pass codes?|one[- ]time (?:codes?|passwords?|passcodes?|pins?)|otps?|",
        r"2fa|mfa|verification codes?|security codes?|authentication codes?|auth codes?|access codes?|",
        r"log-?in (?:details|credentials|codes?|info|information)|sign-?in (?:details|credentials|codes?)|",
        r"user ?names? and passwords?|security questions?|memorable (?:word|information)|pin (?:codes?|numbers?))\b",
        r"|\b(?:verify|validate|reactivate|re-activate|unlock|authenticate|re-authenticate|restore|unfreeze)\s+",
        r"(?:your|their|his|her|the|my|our)\s+(?:account|identity|login|access|mailbox|profile)\b(?:[^'’]|$)",
        r"|\b(?:confirm|update)\s+(?:your|their|his|her|my)\s+(?:identity|login|credentials|log-in)\b",
        r"|\b(?:log|sign)\s?-?(?:in|on)\s+(?:to|at|via|through|on)\s+(?:\S+\s+){0,3}?(?:portal|link|site|page|website)\b",
    ))
});
/// Credentials meaning logins, not the firm's credentials deck.
static CREDENTIALS_WORD: LazyLock<Option<Regex>> = LazyLock::new(|| {
    fixed_regex(concat!(
        r"\b(?:(?:your|their|his|her|my|client|login|log-in|access|account|portal|system|crm|admin|user)\s+credentials",
        r"|(?:share|send|give|provide|request|collect|enter|type|confirm|verify)\s+(?:\S+\s+){0,2}?credentials)\b",
        r"(?:\s+(?P<next>[a-z]+))?",
    ))
});
static PIN: LazyLock<Option<Regex>> = LazyLock::new(|| fixed_regex(r"\bPINs?\b"));

/// Asking for or sharing passwords, one-time codes, login details, or "verify your account".
pub(super) fn credential_request(sentence: &str) -> Option<String> {
    let text = sentence.to_lowercase();
    let credentials = CREDENTIALS_WORD.as_ref().and_then(|p| {
        p.captures_iter(&text)
            .find(|c| {
                c.name("next")
                    .is_none_or(|n| !["deck", "pack", "document", "slides", "presentation"].contains(&n.as_str()))
            })
            .and_then(|c| c.get(0))
            .map(|m| m.as_str().to_owned())
    });
    first(&CREDENTIALS, &text)
        .map(str::to_owned)
        .or(credentials)
        .or_else(|| first(&PIN, sentence).map(str::to_owned))
        .map(|phrase| format!("{:?} asks for or shares login credentials", phrase.trim()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn every_pattern_compiles() {
        let patterns = [
            &STRONG_PAYMENT,
            &MONEY_MOVE,
            &PAY_BILL,
            &REDIRECT,
            &NEW_ACCOUNT,
            &MONEY_WORD,
            &CREDENTIALS,
            &CREDENTIALS_WORD,
            &PIN,
        ];
        assert!(patterns.iter().all(|p| p.is_some()));
    }
}
