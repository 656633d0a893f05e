//! The playbook: Markdown files (from the configured folder, or the short playbook built into
//! Candor) cut into one passage per section, indexed with a content hash so a restart only
//! rewrites passages that changed and removes those that disappeared.

use super::collections::PLAYBOOK;
use super::store::{Access, Condition, Filter, ScopedFilter, VectorStore, KEY_FIELD, SHARED_OWNER, TEXT_FIELD};
use super::{Memory, MemoryError};
use serde::Serialize;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The built-in playbook, by file name.
pub(crate) const BUILT_IN: [(&str, &str); 6] = [
    ("stalled-deals.md", include_str!("playbook/stalled-deals.md")),
    ("multithreading.md", include_str!("playbook/multithreading.md")),
    ("executive-access.md", include_str!("playbook/executive-access.md")),
    ("close-date-discipline.md", include_str!("playbook/close-date-discipline.md")),
    ("pricing-conversations.md", include_str!("playbook/pricing-conversations.md")),
    ("suitability.md", include_str!("playbook/suitability.md")),
];

/// Longest passage before a section is split at paragraph boundaries.
const MAX_PASSAGE_CHARS: usize = 1_500;

/// One Markdown file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Source {
    /// The file name without extension, e.g. `stalled-deals`.
    pub doc: String,
    pub markdown: String,
}

/// One section of a playbook file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Passage {
    /// `doc#section-slug`, stable while the heading does not change.
    pub key: String,
    pub doc: String,
    /// The file's first heading.
    pub topic: String,
    /// The heading path, e.g. `Stalled deals > Know when to stop`.
    pub title: String,
    pub body: String,
}

impl Passage {
    /// What is indexed: the heading path, then the body.
    pub(crate) fn text(&self) -> String {
        format!("{}\n\n{}", self.title, self.body)
    }

    fn content_hash(&self) -> String {
        hex::encode(&Sha256::digest(self.text().as_bytes())[..12])
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    pub passages: usize,
    pub written: usize,
    pub removed: usize,
    pub unchanged: usize,
}

/// The built-in playbook when `dir` is empty, else every `*.md` file in `dir`, by name.
pub(crate) fn load_sources(dir: &str) -> Result<Vec<Source>, MemoryError> {
    if dir.trim().is_empty() {
        return Ok(BUILT_IN.iter().map(|(name, text)| source(name, text)).collect());
    }
    let path = Path::new(dir.trim());
    let entries = std::fs::read_dir(path).map_err(|source| MemoryError::Io { path: path.to_path_buf(), source })?;
    let mut files: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e.eq_ignore_ascii_case("md")))
        .collect();
    files.sort();
    let mut sources = Vec::with_capacity(files.len());
    for file in files {
        let text = std::fs::read_to_string(&file).map_err(|source| MemoryError::Io { path: file.clone(), source })?;
        let name = file.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
        sources.push(source(&name, &text));
    }
    if sources.is_empty() {
        return Err(MemoryError::Playbook(format!("{} holds no .md files", path.display())));
    }
    Ok(sources)
}

fn source(file_name: &str, markdown: &str) -> Source {
    let doc = file_name.rsplit_once('.').map(|(stem, _)| stem).unwrap_or(file_name);
    Source { doc: doc.to_owned(), markdown: markdown.to_owned() }
}

fn slug(text: &str) -> String {
    let mut slug = String::new();
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').to_owned()
}

/// Cuts one file into passages at every heading; fenced code is kept whole.
pub(crate) fn passages(source: &Source) -> Vec<Passage> {
    let mut sections: Vec<(Vec<String>, String)> = Vec::new();
    let mut path: Vec<(usize, String)> = Vec::new();
    let mut body = String::new();
    let mut in_fence = false;
    let flush = |path: &[(usize, String)], body: &mut String, sections: &mut Vec<(Vec<String>, String)>| {
        let text = body.trim().to_owned();
        if !text.is_empty() {
            sections.push((path.iter().map(|(_, t)| t.clone()).collect(), text));
        }
        body.clear();
    };
    for line in source.markdown.lines() {
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
        }
        let level = line.chars().take_while(|&c| c == '#').count();
        let is_heading = !in_fence && (1..=6).contains(&level) && line[level..].starts_with(' ');
        if is_heading {
            flush(&path, &mut body, &mut sections);
            path.retain(|(l, _)| *l < level);
            path.push((level, line[level..].trim().to_owned()));
        } else {
            body.push_str(line);
            body.push('\n');
        }
    }
    flush(&path, &mut body, &mut sections);
    let topic = path_first(&sections).unwrap_or_else(|| source.doc.clone());
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut out = Vec::new();
    for (titles, text) in sections {
        let title = if titles.is_empty() { topic.clone() } else { titles.join(" > ") };
        let section_slug = titles.last().map(|t| slug(t)).unwrap_or_else(|| "intro".to_owned());
        for (part, chunk) in split_long(&text).into_iter().enumerate() {
            let base = if part == 0 { section_slug.clone() } else { format!("{section_slug}-{}", part + 1) };
            let count = seen.entry(base.clone()).or_insert(0);
            *count += 1;
            let key_slug = if *count == 1 { base } else { format!("{base}-{count}") };
            out.push(Passage {
                key: format!("{}#{key_slug}", source.doc),
                doc: source.doc.clone(),
                topic: topic.clone(),
                title: title.clone(),
                body: chunk,
            });
        }
    }
    out
}

fn path_first(sections: &[(Vec<String>, String)]) -> Option<String> {
    sections.iter().find_map(|(titles, _)| titles.first().cloned())
}

/// Splits an over-long section at paragraph boundaries.
fn split_long(text: &str) -> Vec<String> {
    if text.chars().count() <= MAX_PASSAGE_CHARS {
        return vec![text.to_owned()];
    }
    let mut parts = Vec::new();
    let mut current = String::new();
    for paragraph in text.split("\n\n") {
        if !current.is_empty() && current.chars().count() + paragraph.chars().count() > MAX_PASSAGE_CHARS {
            parts.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push_str("\n\n");
        }
        current.push_str(paragraph);
    }
    if !current.is_empty() {
        parts.push(current);
    }
    parts
}

/// Makes the playbook collection hold exactly the passages of `sources`.
pub(crate) async fn sync<S: VectorStore>(memory: &Memory<S>, sources: &[Source]) -> Result<SyncReport, MemoryError> {
    let all: Vec<Passage> = sources.iter().flat_map(passages).collect();
    let everything = ScopedFilter::new(Access::Organisation, Filter::default());
    let existing: BTreeMap<String, String> = memory
        .store()
        .scroll(PLAYBOOK.name, &everything, usize::MAX)
        .await?
        .into_iter()
        .filter_map(|r| Some((r.str_field(KEY_FIELD)?.to_owned(), r.str_field("content_hash")?.to_owned())))
        .collect();
    let wanted: BTreeSet<&str> = all.iter().map(|p| p.key.as_str()).collect();
    let stale: Vec<String> = existing
        .keys()
        .filter(|key| !wanted.contains(key.as_str()))
        .map(|key| super::store::point_id(PLAYBOOK.name, key))
        .collect();
    let changed: Vec<&Passage> =
        all.iter().filter(|p| existing.get(&p.key).map(String::as_str) != Some(p.content_hash().as_str())).collect();
    let report = SyncReport {
        passages: all.len(),
        written: changed.len(),
        removed: stale.len(),
        unchanged: all.len() - changed.len(),
    };
    if !stale.is_empty() {
        memory.store().delete(PLAYBOOK.name, stale).await?;
    }
    let items: Vec<(String, String, Map<String, Value>)> =
        changed.into_iter().map(|p| (p.key.clone(), SHARED_OWNER.to_owned(), payload(p))).collect();
    if !items.is_empty() {
        memory.write(&PLAYBOOK, items).await?;
    }
    Ok(report)
}

fn payload(passage: &Passage) -> Map<String, Value> {
    let value = json!({
        "doc": passage.doc,
        "topic": passage.topic,
        "title": passage.title,
        "body": passage.body,
        "content_hash": passage.content_hash(),
        TEXT_FIELD: passage.text(),
    });
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// A passage found for a question.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Found {
    pub key: String,
    pub doc: String,
    pub title: String,
    pub body: String,
    pub score: f32,
}

/// The `limit` passages that best answer `question`, optionally within one file.
pub(crate) async fn search<S: VectorStore>(
    memory: &Memory<S>,
    question: &str,
    doc: Option<&str>,
    access: Access,
    limit: usize,
) -> Result<Vec<Found>, MemoryError> {
    let mut filter = Filter::default();
    if let Some(doc) = doc {
        filter = filter.and(Condition::keyword("doc", doc));
    }
    let hits = memory.search(&PLAYBOOK, question, ScopedFilter::new(access, filter), limit).await?;
    Ok(hits
        .into_iter()
        .map(|hit| Found {
            key: hit.str_field(KEY_FIELD).unwrap_or_default().to_owned(),
            doc: hit.str_field("doc").unwrap_or_default().to_owned(),
            title: hit.str_field("title").unwrap_or_default().to_owned(),
            body: hit.str_field("body").unwrap_or_default().to_owned(),
            score: hit.score,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn sections_become_passages_with_heading_paths_and_stable_keys() {
        let source = Source {
            doc: "demo".into(),
            markdown: "# Topic\n\nIntro text.\n\n## First step\n\nDo this.\n\n```\n# not a heading\n```\n\n## Empty\n\n### Deeper\n\nDetail.\n\n## First step\n\nAgain.\n".into(),
        };
        let passages = passages(&source);
        let keys: Vec<&str> = passages.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(keys, vec!["demo#topic", "demo#first-step", "demo#deeper", "demo#first-step-2"]);
        assert_eq!(passages[1].title, "Topic > First step");
        assert!(passages[1].body.contains("# not a heading"), "fenced code stays in the body");
        assert_eq!(passages[2].title, "Topic > Empty > Deeper");
        assert!(passages.iter().all(|p| p.topic == "Topic"));
    }

    #[test]
    fn the_built_in_playbook_covers_its_six_topics() {
        let sources = load_sources("").unwrap();
        assert_eq!(sources.len(), 6);
        let all: Vec<Passage> = sources.iter().flat_map(passages).collect();
        assert!(all.len() >= 24, "{} passages", all.len());
        let keys: BTreeSet<&str> = all.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(keys.len(), all.len(), "keys are unique");
        assert!(keys.contains("stalled-deals#re-establish-a-dated-next-step"));
        assert!(all.iter().all(|p| p.body.chars().count() <= MAX_PASSAGE_CHARS));
    }

    #[test]
    fn long_sections_split_at_paragraphs() {
        let paragraph = "word ".repeat(200);
        let text = format!("{paragraph}\n\n{paragraph}\n\n{paragraph}");
        let parts = split_long(text.trim());
        assert_eq!(parts.len(), 3);
    }
}
