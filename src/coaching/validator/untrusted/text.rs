//! Sentences and words of draft text as the untrusted-text checks read them: where a sentence
//! ends, which words open its clauses, whether it reads as an instruction, and the crude stems
//! of its content words.

use std::collections::HashSet;
use std::sync::LazyLock;

/// A word as written, its surrounding punctuation trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Word<'a> {
    /// As written, e.g. `Silva's`, `Re-confirm`, `CFO`.
    pub(super) raw: &'a str,
    /// Lowercase, a possessive `'s` dropped: `silva`, `re-confirm`, `cfo`.
    pub(super) lower: String,
    /// A comma, colon, semicolon, bracket or dash follows it: the next word opens a clause.
    pub(super) ends_clause: bool,
}

impl Word<'_> {
    pub(super) fn is(&self, options: &[&str]) -> bool {
        options.contains(&self.lower.as_str())
    }

    pub(super) fn capitalised(&self) -> bool {
        self.raw.chars().next().is_some_and(char::is_uppercase)
    }
}

/// Words after which a full stop ends no sentence.
const ABBREVIATIONS: &[&str] =
    &["etc", "vs", "mr", "mrs", "ms", "dr", "st", "ltd", "inc", "no", "approx", "co", "corp", "jr", "sr", "prof", "cf"];

/// Whether the full stop after `word` belongs to an abbreviation: a listed one, a single
/// letter, or letters between full stops (`e.g`, `J.P`, `U.S`).
fn abbreviation(word: &str) -> bool {
    let word = word.trim_start_matches(|c: char| !c.is_alphanumeric()).to_lowercase();
    ABBREVIATIONS.contains(&word.as_str())
        || (word.chars().count() == 1 && word.chars().all(char::is_alphabetic))
        || (word.contains('.') && word.split('.').all(|part| part.chars().count() <= 2))
}

/// The sentences of `text`: split at line breaks, and at `.`, `!`, `?` or `;` before a space
/// or the end, but not after an abbreviation (`e.g.`, `J.P.`, `Ltd.`).
pub(super) fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        let next_is_space = chars.peek().is_none_or(|(_, n)| n.is_whitespace());
        let end = match c {
            '\n' => Some(at),
            '!' | '?' | ';' if next_is_space => Some(at + 1),
            '.' if next_is_space => {
                let word = text[start..at].rsplit(char::is_whitespace).next().unwrap_or("");
                (!abbreviation(word)).then_some(at + 1)
            }
            _ => None,
        };
        if let Some(end) = end {
            out.push(&text[start..end]);
            start = at + c.len_utf8();
        }
    }
    out.push(&text[start..]);
    out.retain(|s| s.chars().any(char::is_alphanumeric));
    out
}

/// The words of one sentence.
pub(super) fn words(sentence: &str) -> Vec<Word<'_>> {
    let mut out: Vec<Word<'_>> = Vec::new();
    for chunk in sentence.split_whitespace() {
        let raw = chunk.trim_matches(|c: char| !c.is_alphanumeric());
        let breaks = |part: &str| part.contains([',', ':', ';', '(', ')', '—', '–', '|']);
        if raw.is_empty() {
            if let Some(last) = out.last_mut() {
                last.ends_clause |= breaks(chunk) || chunk.contains('-');
            }
            continue;
        }
        let (lead, trail) = chunk.split_once(raw).unwrap_or(("", ""));
        if breaks(lead) {
            if let Some(last) = out.last_mut() {
                last.ends_clause = true;
            }
        }
        let lower = raw.to_lowercase();
        let lower = lower.strip_suffix("'s").or_else(|| lower.strip_suffix("’s")).unwrap_or(&lower).to_owned();
        out.push(Word { raw, lower, ends_clause: breaks(trail) });
    }
    out
}

/// Words a clause may open with before its verb: "Then call…", "Also, send…".
#[rustfmt::skip]
const FILLERS: &[&str] = &[
    "then", "and", "also", "now", "next", "first", "so", "just", "today", "finally", "immediately", "quickly",
    "kindly",
];

/// Verbs that open an instruction, in their base form.
#[rustfmt::skip]
const IMPERATIVES: &[&str] = &[
    "add", "agree", "align", "answer", "approve", "archive", "arrange", "ask", "attach", "avoid", "bcc", "book",
    "brief", "bring", "build", "call", "cancel", "cc", "change", "chase", "check", "clean", "clear", "click",
    "close", "collect", "confirm", "consider", "contact", "copy", "delete", "deposit", "destroy", "discuss",
    "download", "draft", "drop", "dump", "e-mail", "email", "erase", "escalate", "export", "find", "finalise",
    "finalize", "focus", "follow", "forward", "gather", "get", "give", "go", "grant", "hand", "have", "hold",
    "identify", "include", "inform", "inspect", "introduce", "invite", "keep", "let", "lock", "log", "look", "loop",
    "mail", "make", "map", "meet", "mention", "message", "move", "note", "notify", "offer", "open", "pass", "pause",
    "pay", "phone", "ping", "plan", "prepare", "present", "protect", "provide", "purge", "push", "put", "qualify",
    "reach", "rebuild", "record", "redirect", "refund", "register", "release", "remind", "remit", "remove",
    "replace", "reply", "request", "reset", "respond", "review", "ring", "route", "run", "schedule", "scrub",
    "send", "set", "settle", "share", "shred", "sign", "speak", "start", "stop", "submit", "swap", "switch", "sync",
    "take", "talk", "tell", "text", "thank", "transfer", "trash", "unlock", "update", "upload", "use", "validate",
    "verify", "visit", "waive", "walk", "wipe", "wire", "write",
];

/// Whether `word` is an imperative verb, also with a `re-` prefix (`re-confirm`).
pub(super) fn imperative(word: &str) -> bool {
    IMPERATIVES.contains(&word) || word.strip_prefix("re-").is_some_and(|rest| IMPERATIVES.contains(&rest))
}

/// Whether a sentence reads as an instruction: a clause opens with an imperative verb, or it
/// asks for something ("please", "make sure", "you should", "must", "need to").
pub(super) fn is_instruction(words: &[Word<'_>]) -> bool {
    let opens_clause = |i: usize| i == 0 || words.get(i - 1).is_some_and(|w| w.ends_clause);
    let verb_at_clause_start = (0..words.len())
        .filter(|&i| opens_clause(i))
        .any(|i| words[i..].iter().find(|w| !w.is(FILLERS)).is_some_and(|w| imperative(&w.lower)));
    let marker = words.iter().any(|w| w.is(&["please", "must", "should", "ensure", "kindly"]));
    let pair = words.windows(2).any(|pair| {
        let (a, b) = (pair[0].lower.as_str(), pair[1].lower.as_str());
        matches!(
            (a, b),
            ("make" | "be", "sure")
                | ("need" | "needs" | "have" | "has" | "ought" | "remember", "to")
                | ("don't", "forget")
        )
    });
    verb_at_clause_start || marker || pair
}

/// Crude stemming: a common suffix (`-ing`, `-ed`, `-es`, `-s`, `-ly`, `-ies`) and a final `e`
/// dropped, so `meeting`/`meets`, `priced`/`price` and `schedules`/`schedule` compare equal.
pub(super) fn stem(word: &str) -> String {
    let word = word.trim_matches(|c| c == '\'' || c == '’');
    let word = word.strip_suffix("'s").unwrap_or(word);
    let suffixes = [("ies", "y"), ("ied", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("ly", ""), ("s", "")];
    let mut stemmed = word.to_owned();
    for (suffix, replacement) in suffixes {
        if let Some(base) = word.strip_suffix(suffix) {
            if base.chars().count() >= 3 && !(suffix == "s" && base.ends_with('s')) {
                stemmed = format!("{base}{replacement}");
                break;
            }
        }
    }
    if stemmed.chars().count() > 3 && stemmed.ends_with('e') {
        stemmed.pop();
    }
    stemmed
}

#[rustfmt::skip]
const STOPWORDS: &[&str] = &[
    "a", "about", "above", "after", "again", "all", "also", "am", "an", "and", "any", "are", "as", "at", "be",
    "because", "been", "before", "being", "below", "both", "but", "by", "can", "could", "d", "did", "do", "does",
    "doing", "don't", "down", "during", "each", "either", "else", "even", "ever", "every", "few", "for", "from",
    "further", "had", "has", "have", "having", "he", "hello", "her", "here", "hers", "him", "his", "how", "i", "if",
    "in", "into", "is", "it", "it's", "its", "just", "kindly", "let", "let's", "ll", "m", "may", "me", "might", "more",
    "most", "must", "my", "neither", "no", "nor", "not", "now", "of", "off", "on", "once", "only", "or", "other",
    "ought", "our", "ours", "out", "over", "own", "per", "please", "re", "s", "same", "shall", "she", "should", "so",
    "some", "still", "such", "t", "than", "that", "the", "their", "theirs", "them", "then", "there", "these", "they",
    "this", "those", "though", "through", "to", "too", "under", "until", "up", "us", "ve", "very", "via", "was", "we",
    "were", "what", "when", "where", "whether", "which", "while", "who", "whom", "whose", "why", "will", "with",
    "would", "yet", "you", "your", "yours",
];

/// Words of everyday coaching and sales talk: shared with a source, they show nothing copied.
#[rustfmt::skip]
const COACHING_WORDS: &[&str] = &[
    "account", "accounts", "agenda", "agree", "amount", "answer", "approach", "approval", "approve", "ask", "attainment",
    "book", "bonus", "budget", "buyer", "call", "calendar", "ceo", "cfo", "champion", "change", "check", "cio",
    "client", "close", "commercial", "commission", "commit", "committee", "competitor", "compliance", "concern",
    "confirm", "contract", "coo", "coverage", "cro", "crm", "cto", "current", "date", "day", "deal", "deck",
    "decision", "demo", "detail", "direct", "discount", "discovery", "discuss", "draft", "economic", "email", "end",
    "evidence", "exec", "executive", "feedback", "fee", "final", "finance", "first", "flag", "follow", "forecast",
    "friday", "gap", "go", "good", "great", "happy", "head", "help", "high", "internal", "introduce", "invite", "join",
    "keep", "know", "last", "legal", "level", "look", "maker", "manager", "mark-up", "markup", "meet", "meeting",
    "model", "monday", "month", "need", "negotiation", "new", "next", "note", "objection", "one", "operations",
    "opportunity", "ops", "outline", "owner", "pace", "paperwork", "people", "pipeline", "plan", "present", "price",
    "pricing", "priority", "procurement", "process", "project", "proposal", "push", "qualification", "qualify",
    "quarter", "question", "quota", "reach", "recap", "renewal", "rep", "reply", "requirement", "review", "risk",
    "role", "schedule", "scope", "senior", "send", "service", "set", "share", "sign", "signature", "sla", "solution",
    "sponsor", "stage", "stakeholder", "step", "summary", "take", "target", "team", "terms", "thank", "thanks",
    "thursday", "time", "timeline", "today", "together", "tomorrow", "tuesday", "update", "value", "vp", "walk",
    "wednesday", "week", "win", "won", "workshop", "year",
];

static STOPWORD_SET: LazyLock<HashSet<&'static str>> = LazyLock::new(|| STOPWORDS.iter().copied().collect());
static COACHING_STEMS: LazyLock<HashSet<String>> = LazyLock::new(|| COACHING_WORDS.iter().map(|w| stem(w)).collect());

/// The stems of the content words among `words` (lowercase words as [`super::super::facts::words`]
/// splits them): stopwords and bare numbers dropped.
pub(super) fn content_stems(words: &[String]) -> Vec<String> {
    words
        .iter()
        .filter(|w| !STOPWORD_SET.contains(w.as_str()) && !w.chars().all(|c| c.is_ascii_digit()))
        .map(|w| stem(w))
        .filter(|s| s.chars().count() >= 2)
        .collect()
}

/// Whether a stem is everyday coaching vocabulary.
pub(super) fn is_coaching(stem: &str) -> bool {
    COACHING_STEMS.contains(stem)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn sentences_split_at_full_stops_but_not_after_abbreviations() {
        assert_eq!(
            sentences("Ask J.P. Morgan, e.g. their CFO. Then call. Ltd. firms too\n- Book it"),
            ["Ask J.P. Morgan, e.g. their CFO.", " Then call.", " Ltd. firms too", "- Book it"]
        );
        assert_eq!(sentences("2.3M of 4.1M is at risk; act now!"), ["2.3M of 4.1M is at risk;", " act now!"]);
    }

    #[test]
    fn instructions_open_with_a_verb_or_ask_for_something() {
        let instruction = |s: &str| is_instruction(&words(s));
        assert!(instruction("Call the champion this week"));
        assert!(instruction("Next step: Re-confirm the close date"));
        assert!(instruction("The thread should be deleted"));
        assert!(instruction("Make sure the notes are gone"));
        assert!(!instruction("Won deals moved out of won: sim:deal-1 (history sim:h-1)."));
        assert!(!instruction("Forward-looking: 2.3M of 4.1M commit is at risk"));
    }

    #[test]
    fn stems_meet_across_common_suffixes() {
        for (a, b) in [("meeting", "meets"), ("priced", "price"), ("schedules", "schedule"), ("copied", "copy")] {
            assert_eq!(stem(a), stem(b), "{a} {b}");
        }
        assert_eq!(stem("process"), "process");
        assert!(is_coaching(&stem("proposals")));
        assert_eq!(content_stems(&["the".into(), "notes".into(), "2026".into()]), ["not"]);
    }
}
