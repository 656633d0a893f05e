//! `search_playbook`: the firm's playbook passages that best answer a question, so advice can
//! follow the house method rather than the model's general knowledge.

use super::{clip, MemoryTool, MemoryToolContext};
use crate::coaching::memory::playbook;
use crate::coaching::memory::store::VectorStore;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

const DEFAULT_LIMIT: u32 = 3;
const MAX_LIMIT: u32 = 5;
const PASSAGE_CHARS: usize = 900;

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchPlaybookArgs {
    /// What the advice is about, in plain words, e.g. "deal stalled after proposal, champion
    /// not replying".
    pub question: String,
    /// Restrict to one playbook document, e.g. `stalled-deals` (default: all).
    #[serde(default)]
    pub document: Option<String>,
    /// How many passages to return, 1 to 5 (default 3).
    #[serde(default)]
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PlaybookPassage {
    pub document: String,
    pub section: String,
    pub guidance: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct PlaybookResult {
    pub passages: Vec<PlaybookPassage>,
    pub note: &'static str,
}

pub struct SearchPlaybookTool;

impl MemoryTool for SearchPlaybookTool {
    const NAME: &'static str = "search_playbook";
    const DESCRIPTION: &'static str =
        "Passages of the firm's sales playbook (stalled deals, multithreading, executive \
        access, close-date discipline, pricing conversations, suitability) that best match a question. Use them to \
        shape next steps; cite the deal facts from the other tools, not from here.";
    type Args = SearchPlaybookArgs;
    type Output = PlaybookResult;

    async fn run<S: VectorStore>(
        context: &MemoryToolContext<'_, S>,
        args: SearchPlaybookArgs,
    ) -> Result<PlaybookResult, String> {
        let question = args.question.trim();
        if question.is_empty() {
            return Err("question is empty; describe the situation in a few words".to_owned());
        }
        let limit = args.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT) as usize;
        let document = args.document.as_deref().map(str::trim).filter(|d| !d.is_empty());
        let found = playbook::search(context.memory, question, document, context.access(), limit)
            .await
            .map_err(|e| e.to_string())?;
        Ok(PlaybookResult {
            note: if found.is_empty() {
                "no passage matched; rephrase with the deal's situation"
            } else {
                "best match first"
            },
            passages: found
                .into_iter()
                .map(|f| PlaybookPassage { document: f.doc, section: f.title, guidance: clip(&f.body, PASSAGE_CHARS) })
                .collect(),
        })
    }
}
