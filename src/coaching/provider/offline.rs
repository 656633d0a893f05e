//! The `offline` provider, the embedded default: it plays the model's part with no network.
//! Its first turn reads the snapshot through the same tools a model would call; its second
//! submits the deterministic template draft. The draft then meets the same validator, cache and
//! store as a model's, at zero tokens.

use super::{BoxFuture, Message, ModelReply, ModelRequest, Provider, ProviderError, ToolCall, Usage};
use crate::coaching::drafter;
use crate::coaching::drafts::{Draft, DraftKind};

pub struct OfflineProvider;

fn reads_for(kind: DraftKind) -> &'static [&'static str] {
    match kind {
        DraftKind::RepNudge => &["get_snapshot_summary", "list_flagged_deals"],
        DraftKind::InterventionBrief => &["get_snapshot_summary", "get_team_snapshot"],
        DraftKind::ForecastMemo => &["get_snapshot_summary", "get_forecast_breakdown"],
    }
}

fn draft_arguments(draft: &Draft) -> Result<String, ProviderError> {
    let value = match draft {
        Draft::RepNudge(d) => serde_json::to_string(d),
        Draft::InterventionBrief(d) => serde_json::to_string(d),
        Draft::ForecastMemo(d) => serde_json::to_string(d),
    };
    value.map_err(|e| ProviderError::Decode(e.to_string()))
}

impl Provider for OfflineProvider {
    fn name(&self) -> &'static str {
        "offline"
    }

    fn model(&self) -> &str {
        "templates-v1"
    }

    fn reads_tool_results(&self) -> bool {
        false
    }

    fn complete<'a>(&'a self, request: ModelRequest<'a>) -> BoxFuture<'a, Result<ModelReply, ProviderError>> {
        Box::pin(async move {
            let kind = request.snapshot.kind;
            let turn = request.messages.iter().filter(|m| matches!(m, Message::Assistant { .. })).count();
            let offered = |name: &str| request.tools.iter().any(|t| t.name == name);
            let tool_calls = if turn == 0 {
                reads_for(kind)
                    .iter()
                    .filter(|name| offered(name))
                    .enumerate()
                    .map(|(i, name)| ToolCall {
                        id: format!("offline_{turn}_{i}"),
                        name: (*name).to_owned(),
                        arguments: "{}".to_owned(),
                    })
                    .collect()
            } else {
                let draft = drafter::draft(request.snapshot);
                vec![ToolCall {
                    id: format!("offline_{turn}_0"),
                    name: kind.submit_tool().to_owned(),
                    arguments: draft_arguments(&draft)?,
                }]
            };
            Ok(ModelReply { content: None, tool_calls, usage: Usage::default() })
        })
    }
}
