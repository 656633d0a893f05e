//! Which of the organisation's deal, account and people names a text could mention, without
//! searching the text for each of them: a name written as a whole phrase starts at a word of
//! the text, and that word is the name's own leading word. Indexing the directory's names by
//! that word once turns a check that searched a draft for every name in the organisation (a
//! hundred thousand deals, per field, per draft) into a few hash lookups per word of the draft.

use std::collections::{HashMap, HashSet};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameKind {
    Deal,
    Account,
    Person,
}

/// One of the directory's names and whose it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameEntry {
    pub kind: NameKind,
    /// The deal's or person's id; empty for an account, which is known by its name.
    pub id: String,
    pub name: String,
}

impl AsRef<str> for NameEntry {
    fn as_ref(&self) -> &str {
        &self.name
    }
}

/// Names in the order they are checked in, with the positions of the names each leading word
/// begins.
#[derive(Debug, Clone)]
pub struct NameIndex<T> {
    entries: Vec<T>,
    by_word: HashMap<String, Vec<usize>>,
    /// Names that do not start with a letter or digit: rare, and always candidates.
    unworded: Vec<usize>,
}

impl<T> Default for NameIndex<T> {
    fn default() -> Self {
        NameIndex { entries: Vec::new(), by_word: HashMap::new(), unworded: Vec::new() }
    }
}

impl<T: AsRef<str>> NameIndex<T> {
    pub fn new(entries: Vec<T>) -> NameIndex<T> {
        let mut by_word: HashMap<String, Vec<usize>> = HashMap::new();
        let mut unworded = Vec::new();
        for (position, entry) in entries.iter().enumerate() {
            match leading_word(entry.as_ref()) {
                "" => unworded.push(position),
                word => by_word.entry(word.to_owned()).or_default().push(position),
            }
        }
        NameIndex { entries, by_word, unworded }
    }

    /// Every name that may occur in `text` as a whole phrase, in the index's order; the names
    /// left out cannot. Callers still check each candidate: this only rules names out.
    pub fn candidates(&self, text: &str) -> Vec<&T> {
        let mut positions = self.unworded.clone();
        let mut seen = HashSet::new();
        for word in words(text) {
            if seen.insert(word) {
                if let Some(found) = self.by_word.get(word) {
                    positions.extend_from_slice(found);
                }
            }
        }
        positions.sort_unstable();
        positions.dedup();
        positions.into_iter().filter_map(|p| self.entries.get(p)).collect()
    }
}

/// The run of letters and digits a name starts with; empty when it starts with anything else.
fn leading_word(name: &str) -> &str {
    let end = name.char_indices().find(|(_, c)| !c.is_alphanumeric()).map_or(name.len(), |(i, _)| i);
    &name[..end]
}

/// The maximal runs of letters and digits in `text`.
fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn entry(kind: NameKind, id: &str, name: &str) -> NameEntry {
        NameEntry { kind, id: id.to_owned(), name: name.to_owned() }
    }

    #[test]
    fn only_names_whose_leading_word_is_in_the_text_are_candidates() {
        let index = NameIndex::new(vec![
            entry(NameKind::Deal, "d:2", "Harbor Bank renewal"),
            entry(NameKind::Deal, "d:1", "Northwind FX"),
            entry(NameKind::Account, "", "Harbor"),
            entry(NameKind::Person, "p:1", "Ana Silva"),
            entry(NameKind::Person, "p:2", "(vacant)"),
            entry(NameKind::Account, "", "Ab-C Partners"),
        ]);
        let names = |text: &str| index.candidates(text).into_iter().map(AsRef::as_ref).collect::<Vec<&str>>();
        // Directory order is kept, whatever order the words come in.
        assert_eq!(names("Ask Ana about Harbor."), ["Harbor Bank renewal", "Harbor", "Ana Silva", "(vacant)"]);
        assert_eq!(names("Ab-C Partners signed"), ["(vacant)", "Ab-C Partners"]);
        // A name inside a longer word is no candidate: it could not stand as a whole word.
        assert_eq!(names("Harbors and Anatolia"), ["(vacant)"]);
        assert_eq!(names(""), ["(vacant)"]);
    }

    #[test]
    fn words_are_runs_of_letters_and_digits() {
        assert_eq!(words("Q4: £1.2m — São Paulo's").collect::<Vec<_>>(), ["Q4", "1", "2m", "São", "Paulo", "s"]);
        assert_eq!(leading_word("São Paulo"), "São");
        assert_eq!(leading_word("(vacant)"), "");
    }
}
