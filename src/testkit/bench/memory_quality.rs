//! Retrieval quality on the built-in playbook: a labelled set of questions a rep or manager
//! might ask, each with the passages that answer it, and recall@k / MRR over it.

use crate::coaching::memory::playbook;
use crate::coaching::memory::store::{Access, VectorStore};
use crate::coaching::memory::{Memory, MemoryError};

/// Questions and the passage keys that answer them.
pub(crate) const PLAYBOOK_QUESTIONS: &[(&str, &[&str])] = &[
    (
        "The client stopped answering after we sent the proposal, what should I check first?",
        &["stalled-deals#diagnose-before-you-chase", "multithreading#when-your-champion-goes-quiet"],
    ),
    ("deal has no next meeting booked with the buyer", &["stalled-deals#re-establish-a-dated-next-step"]),
    ("how do I create urgency without offering an expiring discount", &["stalled-deals#offer-a-reason-to-move-now"]),
    ("when should I close out a deal that has gone silent for weeks", &["stalled-deals#know-when-to-stop"]),
    (
        "I am only talking to one person at the client",
        &["multithreading#multithreading", "multithreading#map-the-buying-group"],
    ),
    ("who needs to be involved in an asset servicing mandate decision", &["multithreading#map-the-buying-group"]),
    (
        "how to reach other stakeholders without upsetting my champion",
        &["multithreading#widen-the-thread-without-going-around-your-champion"],
    ),
    ("my champion has gone quiet and is not responding", &["multithreading#when-your-champion-goes-quiet"]),
    ("stakeholders engaged once in discovery and never since", &["multithreading#keep-every-thread-warm"]),
    (
        "how do I get a meeting with the COO",
        &["executive-access#earn-the-meeting", "executive-access#executive-access"],
    ),
    ("should my sales leader join the executive meeting", &["executive-access#bring-your-own-executive"]),
    (
        "what to confirm when I finally meet the economic buyer",
        &["executive-access#use-the-meeting-to-confirm-the-decision"],
    ),
    (
        "proposal stage but no budget holder engaged, can I forecast it as commit?",
        &["executive-access#no-power-means-no-forecast"],
    ),
    ("how to choose a realistic close date", &["close-date-discipline#set-the-date-from-the-buyer-s-process"]),
    ("the close date keeps getting pushed out", &["close-date-discipline#push-once-with-a-reason"]),
    (
        "is it fine to set every close date to the end of the quarter",
        &["close-date-discipline#never-park-dates-at-period-end"],
    ),
    ("scope was cut to keep the signing date", &["close-date-discipline#keep-amount-and-date-honest-together"]),
    ("when should fees be discussed with the prospect", &["pricing-conversations#raise-price-early"]),
    (
        "client says our basis point fee is higher than a competitor's",
        &["pricing-conversations#anchor-on-value-and-total-cost"],
    ),
    (
        "can I give a discount to get it signed this quarter",
        &["pricing-conversations#discount-with-a-reason-and-an-approval"],
    ),
    (
        "documenting commercial concessions after a negotiation call",
        &["pricing-conversations#put-every-commercial-term-in-writing"],
    ),
    ("risk appetite and objectives before proposing a product", &["suitability#know-the-client-before-recommending"]),
    (
        "the higher commission product pays me more, should I lead with it",
        &["suitability#product-mix-follows-needs-not-commission"],
    ),
    ("pressure to rush paperwork before quarter end", &["suitability#period-end-pressure-is-a-red-flag"]),
    ("a colleague suggested a shortcut on client onboarding", &["suitability#escalate-doubts-early"]),
    ("MiFID II incentive rules and remuneration bias", &["suitability#product-mix-follows-needs-not-commission"]),
    (
        "deal stuck in stage far longer than normal",
        &["stalled-deals#stalled-deals", "stalled-deals#diagnose-before-you-chase"],
    ),
    (
        "procurement and legal review timelines for the close date",
        &["close-date-discipline#set-the-date-from-the-buyer-s-process"],
    ),
    ("unresponsive champion is an early sign of a loss", &["multithreading#when-your-champion-goes-quiet"]),
    (
        "pricing was never mentioned before the proposal",
        &["pricing-conversations#raise-price-early", "pricing-conversations#pricing-conversations"],
    ),
];

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Quality {
    pub questions: usize,
    pub k: usize,
    /// Mean share of each question's relevant passages found in the top k.
    pub recall_at_k: f64,
    /// Share of questions with at least one relevant passage in the top k.
    pub hit_rate_at_k: f64,
    /// Mean reciprocal rank of the first relevant passage (0 when none in the top k).
    pub mrr: f64,
    /// Questions with no relevant passage in the top k.
    pub misses: Vec<String>,
}

/// Scores the playbook search of `memory` (which must hold the built-in playbook).
pub(crate) async fn playbook_quality<S: VectorStore>(memory: &Memory<S>, k: usize) -> Result<Quality, MemoryError> {
    let (mut recall, mut hits, mut mrr) = (0.0, 0.0, 0.0);
    let mut misses = Vec::new();
    for (question, relevant) in PLAYBOOK_QUESTIONS {
        let found = playbook::search(memory, question, None, Access::Organisation, k).await?;
        let keys: Vec<&str> = found.iter().map(|f| f.key.as_str()).collect();
        let matched = relevant.iter().filter(|r| keys.contains(r)).count();
        recall += matched as f64 / relevant.len() as f64;
        match keys.iter().position(|key| relevant.contains(key)) {
            Some(rank) => {
                hits += 1.0;
                mrr += 1.0 / (rank as f64 + 1.0);
            }
            None => misses.push((*question).to_owned()),
        }
    }
    let n = PLAYBOOK_QUESTIONS.len() as f64;
    Ok(Quality {
        questions: PLAYBOOK_QUESTIONS.len(),
        k,
        recall_at_k: recall / n,
        hit_rate_at_k: hits / n,
        mrr: mrr / n,
        misses,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::coaching::memory::edge::EdgeStore;
    use crate::coaching::memory::playbook::{load_sources, passages, sync};
    use crate::coaching::memory::Embedder;
    use std::collections::BTreeSet;

    #[test]
    fn every_labelled_passage_exists_in_the_built_in_playbook() {
        let keys: BTreeSet<String> = load_sources("").unwrap().iter().flat_map(passages).map(|p| p.key).collect();
        for (question, relevant) in PLAYBOOK_QUESTIONS {
            for key in *relevant {
                assert!(keys.contains(*key), "{question}: no passage {key}");
            }
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn bm25_playbook_retrieval_stays_above_its_floor() {
        let dir = tempfile::tempdir().unwrap();
        let (memory, _) =
            Memory::start(EdgeStore::open(dir.path(), "q_").unwrap(), Embedder::sparse_only()).await.unwrap();
        sync(&memory, &load_sources("").unwrap()).await.unwrap();
        let quality = playbook_quality(&memory, 5).await.unwrap();
        assert_eq!(quality.questions, PLAYBOOK_QUESTIONS.len());
        assert!(quality.recall_at_k >= 0.8, "{quality:?}");
        assert!(quality.mrr >= 0.6, "{quality:?}");
    }
}
