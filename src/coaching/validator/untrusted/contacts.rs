//! Instructions to contact someone by name who is neither in the deal's facts nor in the
//! organisation: "Drop a line to Marcus Feld at the custodian", "loop in Petra Novak". A
//! planted instruction names its accomplice; roles ("the champion", "the CFO", "legal") and the
//! people, deals and accounts the snapshot and directory know are fine.

use super::text::Word;
use super::Known;

/// Verbs whose object is the person contacted: "call Marcus", "loop in Petra", "ask Ana".
#[rustfmt::skip]
const DIRECT: &[&str] = &[
    "ask", "bcc", "brief", "call", "cc", "contact", "copy", "dm", "e-mail", "email", "inform", "invite", "loop",
    "message", "notify", "phone", "ping", "remind", "ring", "tell", "text", "update", "whatsapp",
];
/// Verbs that reach a person through "to" or "with": "reach out to", "send … to", "book a call with".
#[rustfmt::skip]
const THROUGH: &[&str] = &[
    "arrange", "book", "call", "cc", "check", "connect", "copy", "e-mail", "email", "escalate", "follow", "forward",
    "get", "hand", "introduce", "loop", "meet", "pass", "reach", "schedule", "send", "set", "speak", "sync", "talk",
    "write",
];
const SKIPPED: &[&str] = &["the", "a", "an", "in", "out", "up", "on", "back", "over"];
const TITLES: &[&str] = &["mr", "mrs", "ms", "miss", "dr", "prof", "sir", "dame"];
/// Roles, teams and other capitalised words that name nobody in particular.
#[rustfmt::skip]
const ROLES: &[&str] = &[
    "champion", "cfo", "ceo", "coo", "cio", "cro", "cto", "ciso", "vp", "evp", "svp", "md", "gc", "legal",
    "procurement", "compliance", "finance", "operations", "ops", "treasury", "it", "hr", "risk", "audit", "board",
    "committee", "sponsor", "buyer", "economic", "decision", "maker", "signatory", "stakeholder", "stakeholders",
    "manager", "team", "client", "head", "chief", "officer", "director", "president", "vice", "general", "counsel",
    "lead", "owner", "investment", "operating", "financial", "information", "technology", "fund", "services",
    "onboarding", "sales", "desk", "deal", "support", "customer", "success", "crm", "executive", "of", "and",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january", "february", "march",
    "april", "may", "june", "july", "august", "september", "october", "november", "december", "i", "salesforce",
    "hubspot", "dynamics", "outlook", "teams", "slack", "zoom", "linkedin",
];

/// Whether a capitalised word names nobody: a role, a day, or an acronym of four letters or fewer.
fn names_nobody(word: &Word<'_>) -> bool {
    let acronym = word.raw.chars().count() <= 4 && word.raw.chars().all(|c| c.is_uppercase() || c.is_ascii_digit());
    word.is(ROLES) || acronym || word.raw.chars().any(|c| c.is_ascii_digit())
}

/// The capitalised words from `start` on (titles kept, up to four, within the clause).
fn name_at<'w, 'a>(words: &'w [Word<'a>], start: usize) -> Vec<&'w Word<'a>> {
    let mut run = Vec::new();
    for word in words.iter().skip(start).take(5) {
        if !word.capitalised() {
            break;
        }
        run.push(word);
        if word.ends_clause {
            break;
        }
    }
    run
}

fn skip(words: &[Word<'_>], mut at: usize) -> usize {
    while words.get(at).is_some_and(|w| w.is(SKIPPED)) {
        at += 1;
    }
    at
}

/// Where the person contacted by the verb at `i` is named: right after it, and after the
/// first "to" or "with" in its clause.
fn targets(words: &[Word<'_>], i: usize) -> Vec<usize> {
    let verb = &words[i];
    let mut out = Vec::new();
    if verb.ends_clause {
        return out;
    }
    let direct = verb.is(DIRECT) || (verb.is(&["drop"]) && words.iter().skip(i + 1).take(4).any(|w| w.is(&["line"])));
    if direct {
        out.push(skip(words, i + 1));
    }
    if verb.is(THROUGH) || verb.is(&["drop"]) {
        for (offset, word) in words.iter().enumerate().skip(i + 1).take(8) {
            if word.is(&["to", "with"]) {
                out.push(skip(words, offset + 1));
                break;
            }
            if word.ends_clause {
                break;
            }
        }
    }
    out
}

/// The first name of a person or firm (two or more capitalised words that name somebody) that
/// is not among the `known` names but is in a source text: a planted goal names its
/// beneficiary ("their adviser is changing to Harbour Lane Partners", "the portfolio should sit
/// with Calder Whitcombe"), and the engine names only the people, deals, accounts and products
/// it holds.
pub(super) fn unknown_party(words: &[Word<'_>], known: &Known<'_>) -> Option<String> {
    let mut at = 0;
    while at < words.len() {
        let run: Vec<&Word<'_>> = name_at(words, at).into_iter().filter(|w| !w.is(TITLES)).collect();
        let advance = run.len().max(1);
        // A capitalised first word of a sentence is no name by itself.
        let naming: Vec<&&Word<'_>> = run.iter().skip(usize::from(at == 0)).filter(|w| !names_nobody(w)).collect();
        let unknown = naming.len() >= 2 && !naming.iter().all(|w| known.words().contains(&w.lower));
        if unknown && known.in_sources(&naming.iter().map(|w| w.lower.clone()).collect::<Vec<_>>()) {
            let name = run.iter().map(|w| w.raw).collect::<Vec<_>>().join(" ");
            return Some(format!("{name:?} is not a person, deal, account or product the snapshot knows"));
        }
        at += advance;
    }
    None
}

/// The first person named as someone to contact who is not among the `known` names (worked
/// out only when a capitalised name needs them).
pub(super) fn contact_outside_deal(words: &[Word<'_>], known: &Known<'_>) -> Option<String> {
    for (i, verb) in words.iter().enumerate() {
        for at in targets(words, i) {
            let run: Vec<&Word<'_>> = name_at(words, at).into_iter().filter(|w| !w.is(TITLES)).collect();
            if run.is_empty() || run.iter().all(|w| names_nobody(w)) {
                continue;
            }
            if run.iter().all(|w| names_nobody(w) || known.words().contains(&w.lower)) {
                continue;
            }
            let name = run.iter().map(|w| w.raw).collect::<Vec<_>>().join(" ");
            return Some(format!(
                "{:?} … {name:?}: {name} is not a person in the snapshot or the organisation",
                verb.raw
            ));
        }
    }
    None
}
