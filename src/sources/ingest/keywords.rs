//! Keyword signals: finds configured terms (pricing, legal, procurement, competitors, red-flag
//! phrases) in a subject and body so that only the fact of a mention is stored, never the text.
//! Matching is on whole words, case-insensitive, so "fee" does not fire inside "coffee" and
//! "J.P. Morgan" matches "j.p. morgan".

use crate::config::IngestConfig;
use crate::domain::SignalKind;
use std::collections::{BTreeSet, HashMap};

/// Longest stretch of text scanned per activity: signals come from what people write near the
/// top, and a bound keeps a pathological message from costing more than a normal one.
const MAX_SCANNED_BYTES: usize = 64 * 1024;

struct Term {
    words: Vec<String>,
    kind: SignalKind,
    /// What the signal's detail says: the term as configured.
    label: String,
}

/// Compiled keyword lists, indexed by the first word of each term.
pub struct KeywordMatcher {
    by_first_word: HashMap<String, Vec<Term>>,
}

fn words_of(text: &str) -> Vec<&str> {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect()
}

impl KeywordMatcher {
    pub fn from_config(config: &IngestConfig) -> Self {
        let mut by_first_word: HashMap<String, Vec<Term>> = HashMap::new();
        let lists = [
            (SignalKind::PricingDiscussed, &config.pricing_keywords),
            (SignalKind::CompetitorNamed, &config.competitors),
            (SignalKind::LegalInvolved, &config.legal_keywords),
            (SignalKind::ProcurementInvolved, &config.procurement_keywords),
            (SignalKind::RedFlag, &config.red_flag_phrases),
        ];
        for (kind, list) in lists {
            for term in list {
                let lower = term.to_lowercase();
                let words: Vec<String> = words_of(&lower).into_iter().map(str::to_owned).collect();
                let Some(first) = words.first().cloned() else { continue };
                by_first_word.entry(first).or_default().push(Term { words, kind, label: term.trim().to_owned() });
            }
        }
        Self { by_first_word }
    }

    /// Every (kind, term) mentioned in any of `texts`, deduplicated, in a stable order.
    pub fn find(&self, texts: &[&str]) -> BTreeSet<(SignalKind, String)> {
        let mut found = BTreeSet::new();
        for text in texts {
            let scanned = prefix_on_char_boundary(text, MAX_SCANNED_BYTES);
            let lower = scanned.to_lowercase();
            let words = words_of(&lower);
            for (at, word) in words.iter().enumerate() {
                let Some(terms) = self.by_first_word.get(*word) else { continue };
                for term in terms {
                    let fits = words.len() - at >= term.words.len()
                        && term.words.iter().zip(&words[at..]).all(|(want, got)| want == got);
                    if fits {
                        found.insert((term.kind, term.label.clone()));
                    }
                }
            }
        }
        found
    }
}

/// The first `max` bytes of `text`, cut back to a character boundary.
pub(crate) fn prefix_on_char_boundary(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while end > 0 && !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn matcher() -> KeywordMatcher {
        let config = IngestConfig {
            competitors: vec!["J.P. Morgan".into(), "SS&C".into()],
            pricing_keywords: vec!["fee".into(), "basis points".into()],
            red_flag_phrases: vec!["budget freeze".into()],
            legal_keywords: vec!["NDA".into()],
            procurement_keywords: vec!["RFP".into()],
            ..IngestConfig::default()
        };
        KeywordMatcher::from_config(&config)
    }

    #[test]
    fn whole_words_and_phrases_match_case_insensitively() {
        let found =
            matcher().find(&["Re: our fee proposal", "We compared j.p. morgan at 4 Basis Points; NDA attached."]);
        let kinds: Vec<(SignalKind, &str)> = found.iter().map(|(k, d)| (*k, d.as_str())).collect();
        assert_eq!(
            kinds,
            vec![
                (SignalKind::PricingDiscussed, "basis points"),
                (SignalKind::PricingDiscussed, "fee"),
                (SignalKind::CompetitorNamed, "J.P. Morgan"),
                (SignalKind::LegalInvolved, "NDA"),
            ]
        );
    }

    #[test]
    fn words_inside_other_words_do_not_match() {
        assert!(matcher().find(&["coffee feeds a budget"]).is_empty());
        let found = matcher().find(&["There is a BUDGET   freeze until Q3; see the rfp"]);
        assert!(found.contains(&(SignalKind::RedFlag, "budget freeze".into())));
        assert!(found.contains(&(SignalKind::ProcurementInvolved, "RFP".into())));
    }

    #[test]
    fn scanning_is_bounded_and_safe_on_multibyte_text() {
        let text = format!("{}fee", "é".repeat(MAX_SCANNED_BYTES));
        assert!(matcher().find(&[&text]).is_empty());
        assert_eq!(prefix_on_char_boundary("héllo", 2), "h");
    }
}
