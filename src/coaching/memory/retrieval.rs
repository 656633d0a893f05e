//! Search over one collection: BM25 alone when no embeddings endpoint is configured, otherwise
//! dense and sparse searched separately with the same scoped filter and fused by reciprocal
//! rank. Fusion happens here rather than in the store so both backends rank identically.

use super::collections::CollectionDef;
use super::embed::Embedder;
use super::store::{Hit, QueryVector, ScopedFilter, SearchRequest, VectorStore};
use super::MemoryError;
use std::collections::BTreeMap;

/// The usual RRF constant: damps the head so one list cannot dominate.
pub(crate) const RRF_K: f32 = 60.0;
/// Candidates fetched from each list per requested result before fusing.
const FUSION_DEPTH: usize = 4;

/// The `limit` best points of `collection` for `text` that `filter` lets through.
pub(crate) async fn search<S: VectorStore>(
    store: &S,
    embedder: &Embedder,
    collection: &CollectionDef,
    text: &str,
    filter: ScopedFilter,
    limit: usize,
) -> Result<Vec<Hit>, MemoryError> {
    if limit == 0 {
        return Ok(Vec::new());
    }
    let (sparse, dense) = embedder.query(collection.bm25, text).await?;
    let depth = if dense.is_some() { (limit * FUSION_DEPTH).max(20) } else { limit };
    let sparse_hits = if sparse.is_empty() {
        Vec::new()
    } else {
        let request = SearchRequest { vector: QueryVector::Sparse(sparse), filter: filter.clone(), limit: depth };
        store.search(collection.name, &request).await?
    };
    let Some(dense) = dense else {
        return Ok(sparse_hits);
    };
    let request = SearchRequest { vector: QueryVector::Dense(dense), filter, limit: depth };
    let dense_hits = store.search(collection.name, &request).await?;
    Ok(reciprocal_rank_fusion(&[dense_hits, sparse_hits], limit))
}

/// Fuses ranked lists: each point scores the sum of `1 / (RRF_K + rank)` over the lists it
/// appears in. Ties break on the point id so equal inputs always give equal order.
pub(crate) fn reciprocal_rank_fusion(lists: &[Vec<Hit>], limit: usize) -> Vec<Hit> {
    let mut fused: BTreeMap<String, Hit> = BTreeMap::new();
    for list in lists {
        for (rank, hit) in list.iter().enumerate() {
            let contribution = 1.0 / (RRF_K + rank as f32 + 1.0);
            fused
                .entry(hit.id.clone())
                .and_modify(|existing| existing.score += contribution)
                .or_insert_with(|| Hit { score: contribution, ..hit.clone() });
        }
    }
    let mut hits: Vec<Hit> = fused.into_values().collect();
    hits.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.id.cmp(&b.id)));
    hits.truncate(limit);
    hits
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use serde_json::Map;

    fn hit(id: &str) -> Hit {
        Hit { id: id.into(), score: 0.0, payload: Map::new() }
    }

    #[test]
    fn fusion_rewards_agreement_and_is_deterministic() {
        let dense = vec![hit("a"), hit("b"), hit("c")];
        let sparse = vec![hit("c"), hit("b"), hit("d")];
        let fused = reciprocal_rank_fusion(&[dense.clone(), sparse.clone()], 3);
        let ids: Vec<&str> = fused.iter().map(|h| h.id.as_str()).collect();
        // c and b are in both lists; c's first place outweighs b's two second places.
        assert_eq!(ids, vec!["c", "b", "a"]);
        assert_eq!(fused, reciprocal_rank_fusion(&[dense, sparse], 3));
        let expected_c = 1.0 / (RRF_K + 3.0) + 1.0 / (RRF_K + 1.0);
        assert!((fused[0].score - expected_c).abs() < 1e-6);
        let tie = reciprocal_rank_fusion(&[vec![hit("y")], vec![hit("x")]], 2);
        assert_eq!(tie.iter().map(|h| h.id.as_str()).collect::<Vec<_>>(), vec!["x", "y"]);
    }
}
