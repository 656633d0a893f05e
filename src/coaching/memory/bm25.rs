//! BM25 sparse vectors, so retrieval works with no embedding model: a deterministic tokenizer
//! (lower-case, split on anything but letters and digits, English stop words, light suffix
//! stemming), term ids from a fixed 32-bit hash, and the BM25 term-frequency weight with
//! length normalisation on the document side.
//!
//! The inverse document frequency is a property of the whole collection, not of one text, so it
//! is applied at query time by the store: every collection declares its sparse vector with the
//! `idf` modifier, which computes `ln(1 + (N - n + 0.5) / (n + 0.5))` over the points present
//! (the same formula as [`idf`], on the embedded store and on a server alike). Query vectors
//! therefore carry one weight per distinct term and documents carry the saturated term
//! frequency.

use super::store::SparseVector;
use std::collections::BTreeMap;

/// Term-frequency saturation.
pub(crate) const K1: f32 = 1.2;
/// Length normalisation strength.
pub(crate) const B: f32 = 0.75;

const MIN_TOKEN_CHARS: usize = 2;
const MAX_TOKEN_CHARS: usize = 40;

const STOP_WORDS: &[&str] = &[
    "a", "about", "after", "again", "all", "also", "am", "an", "and", "any", "are", "as", "at", "be", "because",
    "been", "before", "being", "both", "but", "by", "can", "could", "did", "do", "does", "doing", "down", "each",
    "for", "from", "further", "had", "has", "have", "having", "he", "her", "here", "hers", "him", "his", "how", "i",
    "if", "in", "into", "is", "it", "its", "itself", "just", "me", "more", "most", "my", "no", "nor", "not", "now",
    "of", "off", "on", "once", "only", "or", "other", "our", "ours", "out", "over", "own", "same", "she", "should",
    "so", "some", "such", "than", "that", "the", "their", "theirs", "them", "then", "there", "these", "they", "this",
    "those", "through", "to", "too", "under", "until", "up", "very", "was", "we", "were", "what", "when", "where",
    "which", "while", "who", "whom", "why", "will", "with", "would", "you", "your", "yours",
];

/// The terms of `text`, in order, after stop-word removal and stemming.
pub(crate) fn tokens(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
        .filter(|word| {
            let chars = word.chars().count();
            (MIN_TOKEN_CHARS..=MAX_TOKEN_CHARS).contains(&chars) && !STOP_WORDS.contains(&word.as_str())
        })
        .map(|word| stem(&word))
        .collect()
}

/// A light, deterministic suffix stripper: enough to join "deals"/"deal", "stalled"/"stall",
/// "meetings"/"meeting", without a full stemmer's surprises on domain words.
pub(crate) fn stem(word: &str) -> String {
    if word.chars().any(|c| c.is_ascii_digit()) || !word.is_ascii() {
        return word.to_owned();
    }
    let strip = |suffix: &str, replacement: &str, min_stem: usize| -> Option<String> {
        let stem = word.strip_suffix(suffix)?;
        (stem.len() >= min_stem).then(|| format!("{stem}{replacement}"))
    };
    let stemmed = strip("ies", "y", 3)
        .or_else(|| strip("sses", "ss", 2))
        .or_else(|| {
            if word.ends_with("ss") || word.ends_with("us") || word.ends_with("is") {
                None
            } else {
                strip("s", "", 3)
            }
        })
        .unwrap_or_else(|| word.to_owned());
    let stemmed = strip_verb_suffix(&stemmed);
    stemmed.strip_suffix('e').filter(|s| s.len() >= 4).map(str::to_owned).unwrap_or(stemmed)
}

fn strip_verb_suffix(word: &str) -> String {
    for suffix in ["ing", "ed"] {
        if let Some(stem) = word.strip_suffix(suffix) {
            if stem.len() >= 4 && stem.chars().any(|c| "aeiouy".contains(c)) {
                let bytes = stem.as_bytes();
                let doubled = bytes.len() >= 2
                    && bytes[bytes.len() - 1] == bytes[bytes.len() - 2]
                    && !matches!(bytes[bytes.len() - 1], b'l' | b's' | b'z');
                return if doubled { stem[..stem.len() - 1].to_owned() } else { stem.to_owned() };
            }
        }
    }
    word.to_owned()
}

/// The 32-bit FNV-1a hash of a term: stable across versions, platforms and processes.
pub(crate) fn term_id(term: &str) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in term.as_bytes() {
        hash ^= u32::from(*byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    hash
}

/// Inverse document frequency of a term found in `containing` of `documents` points.
#[cfg(test)]
pub(crate) fn idf(documents: u64, containing: u64) -> f64 {
    let n = documents as f64;
    let df = containing.min(documents) as f64;
    (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
}

/// The document-side BM25 encoder of one collection.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bm25 {
    /// Expected length of a document in terms; longer documents are normalised down.
    pub average_terms: f32,
}

impl Bm25 {
    pub fn new(average_terms: f32) -> Self {
        Self { average_terms: average_terms.max(1.0) }
    }

    /// The saturated, length-normalised term frequencies of a document.
    pub fn document(&self, text: &str) -> SparseVector {
        let terms = tokens(text);
        let length = terms.len() as f32;
        let counts = term_counts(&terms);
        let norm = K1 * (1.0 - B + B * length / self.average_terms);
        let (indices, values) = counts.into_iter().map(|(id, tf)| (id, tf * (K1 + 1.0) / (tf + norm))).unzip();
        SparseVector { indices, values }
    }

    /// One weight per distinct query term; the store multiplies in each term's IDF.
    pub fn query(&self, text: &str) -> SparseVector {
        let (indices, values) = term_counts(&tokens(text)).into_keys().map(|id| (id, 1.0)).unzip();
        SparseVector { indices, values }
    }
}

/// Term id → frequency, sorted by id (the order sparse vectors require).
fn term_counts(terms: &[String]) -> BTreeMap<u32, f32> {
    let mut counts = BTreeMap::new();
    for term in terms {
        *counts.entry(term_id(term)).or_insert(0.0) += 1.0;
    }
    counts
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn tokens_drop_stop_words_and_join_inflections() {
        assert_eq!(tokens("The deals are stalling in Proposal!"), vec!["deal", "stall", "proposal"]);
        assert_eq!(stem("stalled"), "stall");
        assert_eq!(stem("meetings"), stem("meeting"));
        assert_eq!(stem("policies"), "policy");
        assert_eq!(stem("business"), "business");
        assert_eq!(stem("planned"), "plan");
        assert_eq!(stem("pricing"), stem("price"));
        assert_eq!(stem("q4"), "q4");
        assert_eq!(stem("suitability"), "suitability");
    }

    #[test]
    fn term_ids_are_fixed() {
        // FNV-1a reference values: a change here would orphan every stored sparse vector.
        assert_eq!(term_id(""), 0x811c_9dc5);
        assert_eq!(term_id("a"), 0xe40c_292c);
        assert_eq!(term_id("deal"), term_id("deal"));
        assert_ne!(term_id("deal"), term_id("deals"));
    }

    #[test]
    fn document_weights_saturate_and_normalise_by_length() {
        let bm25 = Bm25::new(10.0);
        let once = bm25.document("champion");
        let thrice = bm25.document("champion champion champion");
        assert_eq!(once.indices, thrice.indices);
        assert!(thrice.values[0] > once.values[0]);
        assert!(thrice.values[0] < 3.0 * once.values[0], "term frequency saturates");
        let short = bm25.document("pricing");
        let long = bm25.document("pricing discount approval committee budget owner procurement timeline legal");
        let id = term_id(&stem("pricing"));
        let weight = |v: &SparseVector| v.values[v.indices.iter().position(|&i| i == id).unwrap()];
        assert!(weight(&short) > weight(&long));
        let sorted = long.indices.windows(2).all(|w| w[0] < w[1]);
        assert!(sorted, "indices must be strictly increasing");
    }

    #[test]
    fn queries_weigh_each_distinct_term_once_and_idf_favours_rare_terms() {
        let query = Bm25::new(10.0).query("stalled stalled deal");
        assert_eq!(query.indices.len(), 2);
        assert!(query.values.iter().all(|&v| v == 1.0));
        assert!(idf(1000, 3) > idf(1000, 300));
        assert!(idf(10, 10) > 0.0);
    }
}
