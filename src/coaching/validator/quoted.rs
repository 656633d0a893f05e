//! Runs of words a draft copies from quoted source text (email and meeting subjects and
//! snippets). A leader's snapshot quotes hundreds of thousands of them, so the runs they contain
//! are fingerprinted once per draft, not collected again for every field checked; a fingerprint
//! only rules a run out, and a run it lets through is compared word by word with the sources.

use std::collections::hash_map::DefaultHasher;
use std::collections::HashSet;
use std::hash::{Hash, Hasher};

/// Fingerprints of every run of `length` consecutive words in the sources.
#[derive(Debug, Clone, Default)]
pub struct QuotedRuns {
    length: usize,
    fingerprints: HashSet<u64>,
}

fn fingerprint(run: &[String]) -> u64 {
    let mut hasher = DefaultHasher::new();
    run.hash(&mut hasher);
    hasher.finish()
}

impl QuotedRuns {
    pub fn new(sources: &[Vec<String>], length: usize) -> QuotedRuns {
        let fingerprints = match length {
            0 => HashSet::new(),
            _ => sources.iter().flat_map(|source| source.windows(length)).map(fingerprint).collect(),
        };
        QuotedRuns { length, fingerprints }
    }

    /// The run length the fingerprints were taken for.
    pub fn length(&self) -> usize {
        self.length
    }

    /// The first run of the draft's `words` that also appears in one of `sources` (the same
    /// sources the fingerprints were taken from), joined by spaces.
    pub fn first_copied(&self, words: &[String], sources: &[Vec<String>]) -> Option<String> {
        let length = self.length;
        if length == 0 || words.len() < length {
            return None;
        }
        words
            .windows(length)
            .find(|run| {
                self.fingerprints.contains(&fingerprint(run))
                    && sources.iter().any(|source| source.windows(length).any(|quoted| quoted == *run))
            })
            .map(|run| run.join(" "))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn words(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn the_first_copied_run_is_found_and_nothing_else() {
        let sources = vec![words("a b c d e f g"), words("x y z")];
        let runs = QuotedRuns::new(&sources, 3);
        assert_eq!(runs.first_copied(&words("q c d e f"), &sources).as_deref(), Some("c d e"));
        assert_eq!(runs.first_copied(&words("x y q z"), &sources), None);
        assert_eq!(runs.first_copied(&words("x y"), &sources), None);
        assert_eq!(QuotedRuns::new(&sources, 0).first_copied(&words("a b c"), &sources), None);
    }
}
