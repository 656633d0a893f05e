//! The agent's typed tools. Read tools return compact, pre-computed views of the recipient's
//! snapshot (never raw tables); the three `submit_*` tools end the loop with a typed draft. Every
//! tool reads only the [`Snapshot`], which was cut to the recipient's scope before the loop began,
//! so no argument can widen what a tool sees. No tool sends, writes to a CRM or changes data.

mod briefs;
mod deals;
pub(crate) mod export;
mod forecast;
pub(crate) mod schema;
mod submit;
mod summary;
mod team;

pub(crate) use briefs::{attainment_added, bonus_basis, quote_source};

use super::drafts::{Draft, DraftKind};
use super::snapshot::Snapshot;
use crate::config::SourceText;
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

/// What every tool sees: the recipient's snapshot and nothing else, and whether text from
/// outside the firm is shown quoted or only as the signals derived from it.
pub(crate) struct ToolContext<'s> {
    pub snapshot: &'s Snapshot,
    pub source_text: SourceText,
}

/// Why a tool call did not produce a result; sent back to the model as a corrective message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ToolFailure {
    #[error("unknown tool {name:?}; the tools available are: {available}")]
    UnknownTool { name: String, available: String },
    #[error("invalid arguments for {tool}: {reason}. The arguments must match this JSON Schema: {schema}")]
    InvalidArguments { tool: String, reason: String, schema: String },
    #[error("{tool} refused: {reason}")]
    Refused { tool: String, reason: String },
}

/// A read tool: typed arguments in, typed output out.
pub(crate) trait Tool {
    const NAME: &'static str;
    const DESCRIPTION: &'static str;
    type Args: JsonSchema + DeserializeOwned;
    type Output: Serialize;
    fn run(context: &ToolContext<'_>, args: Self::Args) -> Result<Self::Output, String>;
}

/// A successful call: data for the model, or the submitted draft.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ToolOutput {
    Data(Value),
    Submitted(Draft),
}

type Invoke = fn(&ToolContext<'_>, &str) -> Result<ToolOutput, ToolFailure>;

/// A tool as the loop and the provider see it.
#[derive(Clone)]
pub struct ToolSpec {
    pub name: &'static str,
    pub description: &'static str,
    /// The draft kind a terminal tool submits.
    pub submits: Option<DraftKind>,
    parameters: fn() -> Value,
    invoke: Invoke,
}

impl std::fmt::Debug for ToolSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ToolSpec").field("name", &self.name).finish_non_exhaustive()
    }
}

impl ToolSpec {
    /// A memory tool as the provider and the export see it. The loop runs memory tools itself,
    /// asynchronously against the vector store ([`crate::coaching::memory::tools::call`]), so this spec's
    /// own invocation only answers a call that reached it without a memory.
    pub(crate) fn memory(name: &'static str, description: &'static str, parameters: fn() -> Value) -> ToolSpec {
        ToolSpec { name, description, submits: None, parameters, invoke: invoke_without_memory }
    }

    pub fn parameters(&self) -> Value {
        (self.parameters)()
    }

    /// The OpenAI function-tool definition, strict mode.
    pub fn definition(&self) -> Value {
        serde_json::json!({
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.description,
                "parameters": self.parameters(),
                "strict": true,
            }
        })
    }
}

fn parse_args<A: DeserializeOwned + JsonSchema>(tool: &str, raw: &str) -> Result<A, ToolFailure> {
    // Models often send "" for a tool without arguments.
    let raw = if raw.trim().is_empty() { "{}" } else { raw };
    serde_json::from_str(raw).map_err(|e| ToolFailure::InvalidArguments {
        tool: tool.to_owned(),
        reason: e.to_string(),
        schema: schema::strict_schema_for::<A>().to_string(),
    })
}

fn invoke_read<T: Tool>(context: &ToolContext<'_>, raw: &str) -> Result<ToolOutput, ToolFailure> {
    let args = parse_args::<T::Args>(T::NAME, raw)?;
    let output = T::run(context, args).map_err(|reason| ToolFailure::Refused { tool: T::NAME.to_owned(), reason })?;
    serde_json::to_value(output)
        .map(ToolOutput::Data)
        .map_err(|e| ToolFailure::Refused { tool: T::NAME.to_owned(), reason: e.to_string() })
}

fn invoke_without_memory(_context: &ToolContext<'_>, _raw: &str) -> Result<ToolOutput, ToolFailure> {
    Err(ToolFailure::Refused {
        tool: "memory".to_owned(),
        reason: "the vector memory is not available in this run; use the snapshot tools".to_owned(),
    })
}

fn read_spec<T: Tool>() -> ToolSpec {
    ToolSpec {
        name: T::NAME,
        description: T::DESCRIPTION,
        submits: None,
        parameters: schema::strict_schema_for::<T::Args>,
        invoke: invoke_read::<T>,
    }
}

/// Every tool, for export and documentation.
pub(crate) fn all_tools() -> Vec<ToolSpec> {
    let mut tools = vec![
        read_spec::<summary::SnapshotSummaryTool>(),
        read_spec::<deals::FlaggedDealsTool>(),
        read_spec::<deals::DealDetailTool>(),
        read_spec::<team::TeamSnapshotTool>(),
        read_spec::<team::RepScorecardTool>(),
        read_spec::<forecast::ForecastBreakdownTool>(),
    ];
    tools.extend(crate::coaching::memory::tools::specs());
    tools.extend(DraftKind::ALL.into_iter().map(submit::spec));
    tools
}

/// The tools offered when drafting `kind`: the read tools that role can use and its one
/// submit tool.
pub(crate) fn tools_for(kind: DraftKind) -> Vec<ToolSpec> {
    let reads: &[&str] = match kind {
        DraftKind::RepNudge => &[summary::NAME, deals::FLAGGED, deals::DETAIL],
        DraftKind::InterventionBrief => &[summary::NAME, team::TEAM, team::SCORECARD, deals::FLAGGED, deals::DETAIL],
        DraftKind::ForecastMemo => &[summary::NAME, forecast::NAME, deals::FLAGGED, deals::DETAIL],
    };
    all_tools().into_iter().filter(|t| reads.contains(&t.name) || t.submits == Some(kind)).collect()
}

/// [`tools_for`] plus the memory tools for `kind`, offered when the run has a vector memory;
/// they come before the submit tool so the model reads them as more context to gather.
pub(crate) fn tools_with_memory(kind: DraftKind) -> Vec<ToolSpec> {
    let memory = crate::coaching::memory::tools::names_for(kind);
    let (submit, mut offered): (Vec<ToolSpec>, Vec<ToolSpec>) =
        tools_for(kind).into_iter().partition(|t| t.submits.is_some());
    offered.extend(all_tools().into_iter().filter(|t| memory.contains(&t.name)));
    offered.extend(submit);
    offered
}

/// Runs the named tool among `offered`.
pub(crate) fn call(
    offered: &[ToolSpec],
    context: &ToolContext<'_>,
    name: &str,
    raw_args: &str,
) -> Result<ToolOutput, ToolFailure> {
    match offered.iter().find(|t| t.name == name) {
        Some(tool) => (tool.invoke)(context, raw_args),
        None => Err(ToolFailure::UnknownTool {
            name: name.to_owned(),
            available: offered.iter().map(|t| t.name).collect::<Vec<_>>().join(", "),
        }),
    }
}

/// Arguments for a tool that takes none.
#[derive(Debug, Clone, Default, serde::Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NoArgs {}
