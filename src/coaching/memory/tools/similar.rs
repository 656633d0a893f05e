//! `find_similar_won_deals`: won deals, within the recipient's scope, that once looked like one
//! of their open deals, and what changed before they closed.

use super::{clip, MemoryTool, MemoryToolContext};
use crate::coaching::memory::deals;
use crate::coaching::memory::store::VectorStore;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

const DEFAULT_LIMIT: u32 = 3;
const MAX_LIMIT: u32 = 5;
const STORY_CHARS: usize = 700;

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FindSimilarWonDealsArgs {
    /// An open deal id exactly as another tool returned it.
    pub deal_id: String,
    /// How many won deals to return, 1 to 5 (default 3).
    #[serde(default)]
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, Serialize)]
pub struct WonDealStory {
    pub deal_id: String,
    pub deal_name: String,
    pub segment: Option<String>,
    pub closed_on: String,
    pub days_to_close: i64,
    /// How it looked while open, the flags it cleared, and how it ended.
    pub story: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SimilarWonDeals {
    pub for_deal: String,
    pub won_deals: Vec<WonDealStory>,
    pub note: &'static str,
}

pub struct FindSimilarWonDealsTool;

impl MemoryTool for FindSimilarWonDealsTool {
    const NAME: &'static str = "find_similar_won_deals";
    const DESCRIPTION: &'static str =
        "Won deals in your scope that once looked like the given open deal (stage, size, \
        age, flags), with what cleared before they closed. Use them as patterns for next steps; their numbers are \
        not facts about the open deal.";
    type Args = FindSimilarWonDealsArgs;
    type Output = SimilarWonDeals;

    async fn run<S: VectorStore>(
        context: &MemoryToolContext<'_, S>,
        args: FindSimilarWonDealsArgs,
    ) -> Result<SimilarWonDeals, String> {
        let deal_id = args.deal_id.trim();
        let Some(deal) = context.snapshot.deal(deal_id) else {
            return Err(format!(
                "deal {deal_id:?} is not among your open deals; use an id returned by list_flagged_deals"
            ));
        };
        let limit = args.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT) as usize;
        let similar =
            deals::find_similar_won(context.memory, context.access(), deal, limit).await.map_err(|e| e.to_string())?;
        Ok(SimilarWonDeals {
            for_deal: deal.deal_id.clone(),
            note: if similar.is_empty() {
                "no won deal in your scope resembles this one yet"
            } else {
                "most similar first"
            },
            won_deals: similar
                .into_iter()
                .map(|s| WonDealStory {
                    deal_id: s.deal_id,
                    deal_name: s.name,
                    segment: s.segment,
                    closed_on: s.closed_on,
                    days_to_close: s.days_to_close,
                    story: clip(&s.story, STORY_CHARS),
                })
                .collect(),
        })
    }
}
