//! The three terminal tools. Their arguments are the typed drafts; calling one ends the loop
//! and hands the draft to the validator.

use super::{parse_args, schema, ToolContext, ToolFailure, ToolOutput, ToolSpec};
use crate::coaching::drafts::{Draft, DraftKind, ForecastMemo, InterventionBrief, RepNudge};

fn submit_rep_nudge(_context: &ToolContext<'_>, raw: &str) -> Result<ToolOutput, ToolFailure> {
    parse_args::<RepNudge>(DraftKind::RepNudge.submit_tool(), raw).map(|d| ToolOutput::Submitted(Draft::RepNudge(d)))
}

fn submit_intervention_brief(_context: &ToolContext<'_>, raw: &str) -> Result<ToolOutput, ToolFailure> {
    parse_args::<InterventionBrief>(DraftKind::InterventionBrief.submit_tool(), raw)
        .map(|d| ToolOutput::Submitted(Draft::InterventionBrief(d)))
}

fn submit_forecast_memo(_context: &ToolContext<'_>, raw: &str) -> Result<ToolOutput, ToolFailure> {
    parse_args::<ForecastMemo>(DraftKind::ForecastMemo.submit_tool(), raw)
        .map(|d| ToolOutput::Submitted(Draft::ForecastMemo(d)))
}

pub(super) fn spec(kind: DraftKind) -> ToolSpec {
    match kind {
        DraftKind::RepNudge => ToolSpec {
            name: kind.submit_tool(),
            description: "Submit the rep's coaching nudge. Ends the task. Every deal, number and date must come \
                from the tool results.",
            submits: Some(kind),
            parameters: schema::strict_schema_for::<RepNudge>,
            invoke: submit_rep_nudge,
        },
        DraftKind::InterventionBrief => ToolSpec {
            name: kind.submit_tool(),
            description: "Submit the manager's intervention brief. Ends the task. Every rep, deal, number and date \
                must come from the tool results.",
            submits: Some(kind),
            parameters: schema::strict_schema_for::<InterventionBrief>,
            invoke: submit_intervention_brief,
        },
        DraftKind::ForecastMemo => ToolSpec {
            name: kind.submit_tool(),
            description: "Submit the leadership forecast-risk memo. Ends the task. P10/P50/P90, target and commit \
                are the whole-unit figures from get_forecast_breakdown.",
            submits: Some(kind),
            parameters: schema::strict_schema_for::<ForecastMemo>,
            invoke: submit_forecast_memo,
        },
    }
}
