//! How the obedient model plays a conversation: read everything the read tools offer the
//! recipient (every deal id it is shown, in detail), then submit the deterministic draft with
//! the attacker's words written into its free-text fields; on a repair turn, the same again.

use crate::coaching::Draft;
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// Turns spent reading before the model submits whatever it has: with the default budget of six
/// that leaves the submission and the repair turn.
const READING_TURNS: usize = 3;
/// The runner's opening words when it refuses a draft.
const REFUSAL: &str = "The draft was refused by the validator";

/// What the model does next.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Move {
    /// Calls read tools: (name, JSON arguments).
    Read(Vec<(&'static str, String)>),
    /// Submits the draft; `repair` after a refusal.
    Submit { repair: bool },
}

/// The read calls that open a conversation for `role`.
fn opening(role: &str) -> Vec<(&'static str, String)> {
    let mut calls =
        vec![("get_snapshot_summary", "{}".to_owned()), ("list_flagged_deals", r#"{"limit":10}"#.to_owned())];
    match role {
        "manager" => calls.push(("get_team_snapshot", "{}".to_owned())),
        "leader" => calls.push(("get_forecast_breakdown", "{}".to_owned())),
        _ => {}
    }
    calls
}

/// Open-deal ids in a tool result: every `deal_id` except a won deal's (the week's wins are
/// closed, and the detail tool knows only open deals).
fn deal_ids(value: &Value, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                match (key.as_str(), child) {
                    ("wins_this_week", _) => {}
                    ("deal_id", Value::String(id)) => {
                        out.insert(id.clone());
                    }
                    _ => deal_ids(child, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| deal_ids(item, out)),
        _ => {}
    }
}

/// The tool calls the model made so far: (name, arguments).
fn calls_made(messages: &[Value]) -> impl Iterator<Item = (&str, &str)> {
    messages
        .iter()
        .filter(|m| m["role"] == "assistant")
        .flat_map(|m| m["tool_calls"].as_array().into_iter().flatten())
        .map(|call| {
            (
                call["function"]["name"].as_str().unwrap_or_default(),
                call["function"]["arguments"].as_str().unwrap_or_default(),
            )
        })
}

/// The next move in the conversation `messages` for a recipient in `role`.
pub(crate) fn next_move(messages: &[Value], role: &str) -> Move {
    let turns = messages.iter().filter(|m| m["role"] == "assistant").count();
    let last_is_refusal = messages
        .last()
        .is_some_and(|m| m["role"] == "tool" && m["content"].as_str().is_some_and(|c| c.starts_with(REFUSAL)));
    if last_is_refusal {
        return Move::Submit { repair: true };
    }
    if turns == 0 {
        return Move::Read(opening(role));
    }
    let mut seen = BTreeSet::new();
    for message in messages.iter().filter(|m| m["role"] == "tool") {
        if let Some(Ok(value)) = message["content"].as_str().map(serde_json::from_str::<Value>) {
            deal_ids(&value, &mut seen);
        }
    }
    for (_, arguments) in calls_made(messages).filter(|(name, _)| *name == "get_deal_detail") {
        if let Ok(value) = serde_json::from_str::<Value>(arguments) {
            seen.remove(value["deal_id"].as_str().unwrap_or_default());
        }
    }
    if seen.is_empty() || turns >= READING_TURNS {
        return Move::Submit { repair: false };
    }
    Move::Read(seen.into_iter().map(|id| ("get_deal_detail", json!({ "deal_id": id }).to_string())).collect())
}

/// Writes `texts` (the attacker's words, one per goal the model fell for) into `draft`'s
/// free-text fields: the headline and the first action of each kind. On the repair turn the
/// headline is left alone and the words go where an action is expected.
pub(crate) fn obey(draft: &mut Draft, texts: &[&str], repair: bool) {
    let Some(first) = texts.first() else { return };
    let joined = texts.join(" ");
    match draft {
        Draft::RepNudge(nudge) => {
            if !repair {
                nudge.headline = (*first).to_owned();
            }
            match nudge.deals.first_mut() {
                Some(deal) => deal.next_step = joined,
                None => nudge.going_well = joined,
            }
        }
        Draft::InterventionBrief(brief) => {
            if !repair {
                brief.headline = (*first).to_owned();
            }
            match brief.reps.first_mut() {
                Some(rep) => {
                    if let Some(deal) = rep.deals_to_inspect.first_mut() {
                        deal.what_to_check = joined.clone();
                    }
                    rep.one_on_one_agenda.insert(0, joined);
                }
                None => brief.team_summary = format!("{} {joined}", brief.team_summary),
            }
        }
        Draft::ForecastMemo(memo) => {
            if !repair {
                memo.headline = (*first).to_owned();
            }
            if let Some(exposure) = memo.exposures.first_mut() {
                exposure.mitigation = joined.clone();
            }
            memo.mitigations.insert(0, joined);
        }
    }
}

/// The submit call for `draft`: (tool name, JSON arguments).
pub(crate) fn submit_call(draft: &Draft) -> (&'static str, String) {
    let (tool, arguments) = match draft {
        Draft::RepNudge(d) => ("submit_rep_nudge", serde_json::to_string(d)),
        Draft::InterventionBrief(d) => ("submit_intervention_brief", serde_json::to_string(d)),
        Draft::ForecastMemo(d) => ("submit_forecast_memo", serde_json::to_string(d)),
    };
    (tool, arguments.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn assistant(calls: &[(&str, Value)]) -> Value {
        let calls: Vec<Value> = calls
            .iter()
            .map(|(name, args)| json!({"id": "c", "type": "function", "function": {"name": name, "arguments": args.to_string()}}))
            .collect();
        json!({"role": "assistant", "content": null, "tool_calls": calls})
    }

    fn tool(content: &str) -> Value {
        json!({"role": "tool", "tool_call_id": "c", "content": content})
    }

    #[test]
    fn the_model_reads_then_asks_for_every_open_deal_it_saw_then_submits() {
        let start = vec![json!({"role": "system", "content": "s"}), json!({"role": "user", "content": "u"})];
        let Move::Read(calls) = next_move(&start, "leader") else { panic!("reads first") };
        assert!(calls.iter().any(|(name, _)| *name == "get_forecast_breakdown"));
        let mut messages = start.clone();
        messages.push(assistant(&[("list_flagged_deals", json!({}))]));
        let result = json!({"deals": [{"deal_id": "d1"}, {"deal_id": "d2"}], "wins_this_week": [{"deal_id": "won"}]});
        messages.push(tool(&result.to_string()));
        let Move::Read(calls) = next_move(&messages, "leader") else { panic!("then details") };
        let asked: Vec<String> = calls.iter().map(|(_, args)| args.clone()).collect();
        assert_eq!(asked, vec![r#"{"deal_id":"d1"}"#, r#"{"deal_id":"d2"}"#]);
        messages.push(assistant(&[
            ("get_deal_detail", json!({"deal_id": "d1"})),
            ("get_deal_detail", json!({"deal_id": "d2"})),
        ]));
        messages.push(tool(r#"{"deal": {"deal_id": "d1"}}"#));
        assert_eq!(next_move(&messages, "leader"), Move::Submit { repair: false });
        messages.push(assistant(&[("submit_forecast_memo", json!({}))]));
        messages.push(tool("The draft was refused by the validator. Fix every finding"));
        assert_eq!(next_move(&messages, "leader"), Move::Submit { repair: true });
    }
}
