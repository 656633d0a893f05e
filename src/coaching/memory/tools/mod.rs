//! The agent's memory tools: `search_playbook`, `find_similar_won_deals` and `recall_coaching`.
//! They follow the agent's tool conventions (typed arguments with a strict JSON Schema, typed
//! output, the same corrective failures, exported to `tools/` with the others through
//! [`specs`]) but run asynchronously against the vector store, so they have their own context:
//! the recipient's snapshot and the memory. The reader's access
//! comes from the snapshot's scope and is applied by the store on every read.

mod playbook;
mod recall;
mod similar;

pub use playbook::SearchPlaybookTool;
pub use recall::RecallCoachingTool;
pub use similar::FindSimilarWonDealsTool;

use super::store::{Access, VectorStore};
use super::Memory;
use crate::coaching::drafts::DraftKind;
use crate::coaching::snapshot::Snapshot;
use crate::coaching::tools::schema::strict_schema_for;
use crate::coaching::tools::{ToolFailure, ToolSpec};
use crate::domain::Role;
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use std::future::Future;

/// What a memory tool sees: the recipient's snapshot (and so their scope) and the memory.
pub struct MemoryToolContext<'a, S: VectorStore> {
    pub snapshot: &'a Snapshot,
    pub memory: &'a Memory<S>,
}

impl<S: VectorStore> MemoryToolContext<'_, S> {
    /// Leaders read everything; everyone else the people their snapshot covers.
    pub fn access(&self) -> Access {
        access_for(self.snapshot)
    }
}

/// The store access matching a snapshot's scope.
pub fn access_for(snapshot: &Snapshot) -> Access {
    if snapshot.recipient.role == Role::Leader {
        Access::Organisation
    } else {
        let mut people: std::collections::BTreeSet<String> =
            snapshot.people.iter().map(|p| p.person_id.clone()).collect();
        people.insert(snapshot.recipient.person_id.clone());
        Access::People(people)
    }
}

/// A memory tool: typed arguments in, typed output out.
pub trait MemoryTool {
    const NAME: &'static str;
    const DESCRIPTION: &'static str;
    type Args: JsonSchema + DeserializeOwned + Send;
    type Output: Serialize;
    fn run<S: VectorStore>(
        context: &MemoryToolContext<'_, S>,
        args: Self::Args,
    ) -> impl Future<Output = Result<Self::Output, String>> + Send;
}

/// The three tools' names.
pub const NAMES: [&str; 3] = [SearchPlaybookTool::NAME, FindSimilarWonDealsTool::NAME, RecallCoachingTool::NAME];

fn spec_of<T: MemoryTool>() -> ToolSpec {
    ToolSpec::memory(T::NAME, T::DESCRIPTION, strict_schema_for::<T::Args>)
}

/// The three tools as the provider sees them; `candor tools export` writes them with the rest.
pub fn specs() -> Vec<ToolSpec> {
    vec![spec_of::<SearchPlaybookTool>(), spec_of::<FindSimilarWonDealsTool>(), spec_of::<RecallCoachingTool>()]
}

/// Every memory tool's OpenAI function definition (strict mode), by name.
pub fn definitions() -> Vec<(&'static str, Value)> {
    specs().into_iter().map(|spec| (spec.name, spec.definition())).collect()
}

/// The memory tools offered when drafting `kind`: all three for every kind, since each reads
/// only within the recipient's scope.
pub fn names_for(kind: DraftKind) -> Vec<&'static str> {
    match kind {
        DraftKind::RepNudge | DraftKind::InterventionBrief | DraftKind::ForecastMemo => NAMES.to_vec(),
    }
}

pub fn is_memory_tool(name: &str) -> bool {
    NAMES.contains(&name)
}

async fn invoke<T: MemoryTool, S: VectorStore>(
    context: &MemoryToolContext<'_, S>,
    raw: &str,
) -> Result<Value, ToolFailure> {
    // Models often send "" for a call whose arguments are all optional.
    let raw = if raw.trim().is_empty() { "{}" } else { raw };
    let args: T::Args = serde_json::from_str(raw).map_err(|e| ToolFailure::InvalidArguments {
        tool: T::NAME.to_owned(),
        reason: e.to_string(),
        schema: strict_schema_for::<T::Args>().to_string(),
    })?;
    let refused = |reason: String| ToolFailure::Refused { tool: T::NAME.to_owned(), reason };
    let output = T::run(context, args).await.map_err(refused)?;
    serde_json::to_value(output).map_err(|e| refused(e.to_string()))
}

/// Runs memory tool `name` with the model's raw JSON arguments; `None` when `name` is not a
/// memory tool, so the caller can fall through to the snapshot tools.
pub async fn call<S: VectorStore>(
    context: &MemoryToolContext<'_, S>,
    name: &str,
    raw_args: &str,
) -> Option<Result<Value, ToolFailure>> {
    match name {
        SearchPlaybookTool::NAME => Some(invoke::<SearchPlaybookTool, S>(context, raw_args).await),
        FindSimilarWonDealsTool::NAME => Some(invoke::<FindSimilarWonDealsTool, S>(context, raw_args).await),
        RecallCoachingTool::NAME => Some(invoke::<RecallCoachingTool, S>(context, raw_args).await),
        _ => None,
    }
}

/// Shortens text for a tool result.
pub(crate) fn clip(text: &str, limit: usize) -> String {
    if text.chars().count() <= limit {
        text.to_owned()
    } else {
        text.chars().take(limit).collect::<String>() + "…"
    }
}

#[cfg(test)]
mod tests;
