//! Memory benchmarks, printed rather than asserted: upsert rate and query latency (p50/p99) on
//! the embedded store for a synthetic coaching collection, before and after the shard is
//! optimised, and retrieval quality (recall@5) on the labelled playbook questions.

use super::memory_quality::playbook_quality;
use crate::coaching::memory::collections::COACHING;
use crate::coaching::memory::edge::EdgeStore;
use crate::coaching::memory::embed::Embedder;
use crate::coaching::memory::store::{
    Access, Condition, Filter, Point, PointVectors, ScopedFilter, VectorStore, TEXT_FIELD,
};
use crate::coaching::memory::{playbook, Memory, MemoryError};
use crate::config::EmbeddingsConfig;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Map, Value};
use std::path::Path;
use std::time::{Duration, Instant};

const WRITE_BATCH: usize = 1_000;
const OWNERS: usize = 1_000;

const WORDS: &[&str] = &[
    "champion",
    "procurement",
    "legal",
    "committee",
    "custody",
    "mandate",
    "pricing",
    "discount",
    "basis",
    "points",
    "proposal",
    "negotiate",
    "discovery",
    "stalled",
    "pushed",
    "close",
    "date",
    "quarter",
    "executive",
    "sponsor",
    "budget",
    "operations",
    "risk",
    "compliance",
    "onboarding",
    "kyc",
    "transition",
    "fees",
    "renewal",
    "competitor",
    "reference",
    "meeting",
    "agenda",
    "follow",
    "reply",
    "silent",
    "ghosted",
    "multithreaded",
    "stakeholder",
    "coo",
    "cio",
    "board",
    "approval",
    "deadline",
    "pipeline",
    "forecast",
    "commit",
    "upside",
    "slip",
    "won",
    "lost",
    "regulatory",
    "suitability",
    "wealth",
    "asset",
    "servicing",
    "banking",
    "fund",
    "platform",
    "migration",
    "data",
    "room",
    "security",
    "review",
];

/// Synthetic coaching text of 20 to 60 words from a sales vocabulary.
fn synthetic_text(rng: &mut ChaCha8Rng) -> String {
    let length = rng.gen_range(20..=60);
    (0..length).map(|_| *WORDS.choose(rng).unwrap_or(&"deal")).collect::<Vec<_>>().join(" ")
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)].as_secs_f64() * 1_000.0
}

async fn latencies<S: VectorStore>(
    memory: &Memory<S>,
    queries: &[(String, usize)],
    scoped: bool,
) -> Result<(f64, f64), MemoryError> {
    let mut times = Vec::with_capacity(queries.len());
    for (text, owner) in queries {
        let access = if scoped { Access::person(&format!("rep-{owner}")) } else { Access::Organisation };
        let filter = ScopedFilter::new(access, Filter::all([Condition::keyword("kind", "rep_nudge")]));
        let started = Instant::now();
        let hits = memory.search(&COACHING, text, filter, 10).await?;
        times.push(started.elapsed());
        std::hint::black_box(hits);
    }
    times.sort();
    Ok((percentile(&times, 0.50), percentile(&times, 0.99)))
}

/// Runs every memory benchmark in a scratch store under `scratch` with `points` points and
/// `queries` queries; returns one printable line per figure.
pub(super) async fn bench_memory(
    scratch: &Path,
    points: usize,
    queries: usize,
    embeddings: &EmbeddingsConfig,
) -> Vec<String> {
    match run(scratch, points, queries, embeddings).await {
        Ok(lines) => lines,
        Err(error) => vec![format!("memory: benchmark failed: {error}")],
    }
}

async fn run(
    scratch: &Path,
    points: usize,
    queries: usize,
    embeddings: &EmbeddingsConfig,
) -> Result<Vec<String>, MemoryError> {
    let root = scratch.join("memory-bench");
    if root.exists() {
        std::fs::remove_dir_all(&root).map_err(|source| MemoryError::Io { path: root.clone(), source })?;
    }
    let mut lines = Vec::new();
    let (memory, _) = Memory::start(EdgeStore::open(&root.join("sparse"), "bench_")?, Embedder::sparse_only()).await?;
    let mut rng = ChaCha8Rng::seed_from_u64(2026);
    let (mut written, mut encoding, mut writing) = (0, Duration::ZERO, Duration::ZERO);
    while written < points {
        let started = Instant::now();
        let batch: Vec<Point> = (written..(written + WRITE_BATCH).min(points))
            .map(|i| {
                let owner = format!("rep-{}", i % OWNERS);
                let text = synthetic_text(&mut rng);
                let vectors = PointVectors { dense: None, sparse: COACHING.bm25.document(&text) };
                let payload = json!({ "recipient": owner, "kind": "rep_nudge", "deal_id": format!("deal-{i}"),
                    "delivered_day": 20_000 + (i % 365) as i64, "outcome": "pending", TEXT_FIELD: text });
                let map = if let Value::Object(map) = payload { map } else { Map::new() };
                Point::new(COACHING.name, &format!("bench-{i}"), &owner, vectors, map)
            })
            .collect();
        encoding += started.elapsed();
        let started = Instant::now();
        written += batch.len();
        memory.store().upsert(COACHING.name, batch).await?;
        writing += started.elapsed();
    }
    let seconds = (encoding + writing).as_secs_f64();
    lines.push(format!(
        "memory: embedded upsert of {written} BM25 points in {seconds:.2}s = {:.0} points/s \
         (tokenise + encode {:.2}s, store write {:.2}s = {:.0} points/s)",
        written as f64 / seconds.max(1e-9),
        encoding.as_secs_f64(),
        writing.as_secs_f64(),
        written as f64 / writing.as_secs_f64().max(1e-9),
    ));
    let query_set: Vec<(String, usize)> = (0..queries)
        .map(|i| {
            let words: Vec<&str> =
                (0..rng.gen_range(3..=6)).map(|_| *WORDS.choose(&mut rng).unwrap_or(&"deal")).collect();
            (words.join(" "), i % OWNERS)
        })
        .collect();
    for (label, optimised) in [("before optimise", false), ("after optimise", true)] {
        if optimised {
            let started = Instant::now();
            memory.store().optimize(COACHING.name).await?;
            lines.push(format!("memory: optimise of {written} points took {:.2}s", started.elapsed().as_secs_f64()));
        }
        let (p50, p99) = latencies(&memory, &query_set, false).await?;
        lines.push(format!("memory: {queries} org-wide top-10 queries {label}: p50 {p50:.2} ms, p99 {p99:.2} ms"));
        let (p50, p99) = latencies(&memory, &query_set, true).await?;
        lines.push(format!("memory: {queries} rep-scoped top-10 queries {label}: p50 {p50:.2} ms, p99 {p99:.2} ms"));
    }
    let every = ScopedFilter::new(Access::Organisation, Filter::default());
    lines.push(format!("memory: {} points counted after the run", memory.store().count(COACHING.name, &every).await?));
    drop(memory);
    lines.extend(quality_lines(&root, embeddings).await?);
    let _ = std::fs::remove_dir_all(&root);
    Ok(lines)
}

async fn quality_lines(root: &Path, embeddings: &EmbeddingsConfig) -> Result<Vec<String>, MemoryError> {
    let mut variants = vec![("bm25", Embedder::sparse_only())];
    if embeddings.is_configured() {
        variants.push(("hybrid", Embedder::from_config(embeddings)?));
    }
    let mut lines = Vec::new();
    for (label, embedder) in variants {
        let (memory, _) = Memory::start(EdgeStore::open(&root.join(label), "quality_")?, embedder).await?;
        playbook::sync(&memory, &playbook::load_sources("")?).await?;
        let quality = playbook_quality(&memory, 5).await?;
        lines.push(format!(
            "memory: playbook retrieval ({label}) over {} labelled questions: recall@5 {:.3}, hit@5 {:.3}, MRR {:.3}",
            quality.questions, quality.recall_at_k, quality.hit_rate_at_k, quality.mrr
        ));
        for miss in quality.misses {
            lines.push(format!("memory:   missed ({label}): {miss}"));
        }
    }
    Ok(lines)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_small_run_reports_every_figure() {
        let dir = tempfile::tempdir().unwrap();
        let lines = bench_memory(dir.path(), 2_000, 50, &EmbeddingsConfig::default()).await;
        let text = lines.join("\n");
        assert!(!text.contains("failed"), "{text}");
        for figure in [
            "points/s",
            "org-wide top-10 queries before optimise",
            "rep-scoped top-10 queries after optimise",
            "2000 points counted",
            "recall@5",
        ] {
            assert!(text.contains(figure), "missing {figure:?} in:\n{text}");
        }
    }

    /// The full benchmark: `cargo test --lib memory::bench -- --ignored --nocapture`
    /// (`CANDOR_BENCH_MEMORY_POINTS` changes the 100k points).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    #[ignore = "slow: 100k points"]
    async fn full_benchmark() {
        let dir = tempfile::tempdir().unwrap();
        let points = std::env::var("CANDOR_BENCH_MEMORY_POINTS").ok().and_then(|p| p.parse().ok()).unwrap_or(100_000);
        for line in bench_memory(dir.path(), points, 1_000, &EmbeddingsConfig::default()).await {
            println!("{line}");
        }
    }
}
