//! `recall_coaching`: what this recipient was told in earlier weeks, deal by deal, and what
//! happened afterwards. Only the recipient's own coaching is searched.

use super::{clip, MemoryTool, MemoryToolContext};
use crate::coaching::memory::advice;
use crate::coaching::memory::store::VectorStore;
use crate::coaching::tools::quote_source;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

const DEFAULT_LIMIT: u32 = 5;
const MAX_LIMIT: u32 = 10;
const ADVICE_CHARS: usize = 500;

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RecallCoachingArgs {
    /// What to look for, e.g. "close date pushed" (default: the most recent coaching).
    #[serde(default)]
    pub query: Option<String>,
    /// Only coaching about this deal id.
    #[serde(default)]
    pub deal_id: Option<String>,
    /// How many items to return, 1 to 10 (default 5).
    #[serde(default)]
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PastCoaching {
    pub delivered_on: String,
    pub deal_id: String,
    pub deal_name: String,
    pub stage_then: String,
    /// The earlier draft's words, quoted.
    pub said: String,
    /// pending, no_change, progressed, slipped, regressed, won or lost.
    pub outcome: String,
    pub what_happened: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct RecalledCoaching {
    pub items: Vec<PastCoaching>,
    pub note: &'static str,
}

pub struct RecallCoachingTool;

impl MemoryTool for RecallCoachingTool {
    const NAME: &'static str = "recall_coaching";
    const DESCRIPTION: &'static str = "What you were told in earlier weeks about your deals and what happened next \
        (progressed, slipped, regressed, won, lost, no change). Use it to follow up instead of repeating advice.";
    type Args = RecallCoachingArgs;
    type Output = RecalledCoaching;

    async fn run<S: VectorStore>(
        context: &MemoryToolContext<'_, S>,
        args: RecallCoachingArgs,
    ) -> Result<RecalledCoaching, String> {
        let query = args.query.as_deref().map(str::trim).filter(|q| !q.is_empty());
        let deal_id = args.deal_id.as_deref().map(str::trim).filter(|d| !d.is_empty());
        let limit = args.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT) as usize;
        let recipient = &context.snapshot.recipient.person_id;
        let found = advice::recall(context.memory, context.access(), recipient, query, deal_id, limit)
            .await
            .map_err(|e| e.to_string())?;
        Ok(RecalledCoaching {
            note: if found.is_empty() { "no earlier coaching matched" } else { "best match first" },
            items: found
                .into_iter()
                .map(|r| PastCoaching {
                    delivered_on: r.delivered_on,
                    deal_id: r.deal_id,
                    deal_name: r.deal_name,
                    stage_then: r.stage_then,
                    said: quote_source(&clip(&r.advice, ADVICE_CHARS)),
                    outcome: r.outcome,
                    what_happened: r.outcome_detail,
                })
                .collect(),
        })
    }
}
