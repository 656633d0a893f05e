//! `get_team_snapshot` and `get_rep_scorecard`: a manager's ranked team roll-up with the
//! team's wins of the week, and one in-scope rep's scorecard.

use super::briefs::ScorecardBrief;
use super::{NoArgs, Tool, ToolContext};
use crate::domain::Role;
use crate::engine::risk::numbers::{pct_text, share};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub(super) const TEAM: &str = "get_team_snapshot";
pub(super) const SCORECARD: &str = "get_rep_scorecard";

#[derive(Debug, Serialize)]
pub(super) struct DealToInspectView {
    pub deal_id: String,
    pub name: String,
    pub amount: String,
    pub win_probability: String,
    pub high_flags: Vec<&'static str>,
}

#[derive(Debug, Serialize)]
pub(super) struct RepNeedView {
    pub rank: u32,
    pub person_id: String,
    pub name: String,
    pub need_score: f64,
    pub reasons: Vec<String>,
    pub deals_to_inspect: Vec<DealToInspectView>,
}

/// One deal the team won in the last seven days, at the rep's credit share.
#[derive(Debug, Serialize)]
pub(super) struct WinView {
    pub person_id: String,
    pub name: String,
    pub deal_id: String,
    pub deal_name: String,
    pub won_on: String,
    pub credit: String,
    /// What makes it notable: a new client, the rep's largest deal, a quota streak.
    pub notes: Vec<String>,
}

#[derive(Debug, Serialize)]
pub(super) struct TeamView {
    pub manager: String,
    pub quota: String,
    pub booked: String,
    pub attainment: String,
    pub how_ranked: String,
    pub reps: Vec<RepNeedView>,
    /// The days the wins cover, e.g. `2026-11-10 to 2026-11-16`.
    pub wins_window: Option<String>,
    /// Deals won by the team in that window and not cancelled, largest credit first.
    pub wins_this_week: Vec<WinView>,
}

#[derive(Debug, Serialize)]
pub(super) struct TeamSnapshot {
    pub teams: Vec<TeamView>,
}

pub(super) struct TeamSnapshotTool;

impl Tool for TeamSnapshotTool {
    const NAME: &'static str = TEAM;
    const DESCRIPTION: &'static str = "The reps in scope ranked by how much they need their manager this week, each \
        with the reasons (and numbers) behind the rank and the deals to inspect, and the team's wins of the last \
        seven days.";
    type Args = NoArgs;
    type Output = TeamSnapshot;

    fn run(context: &ToolContext<'_>, _args: NoArgs) -> Result<TeamSnapshot, String> {
        let s = context.snapshot;
        let Some(team) = &s.team else {
            return Err(match s.recipient.role {
                Role::Rep => "a rep's scope holds no team".to_owned(),
                _ => "no team roll-up in your scope".to_owned(),
            });
        };
        let reps = team
            .reps
            .iter()
            .take(8)
            .map(|r| RepNeedView {
                rank: r.rank,
                person_id: r.person_id.clone(),
                name: r.name.clone(),
                need_score: r.need_score,
                reasons: r.reasons.iter().map(|n| n.text.clone()).collect(),
                deals_to_inspect: r
                    .deals_to_inspect
                    .iter()
                    .map(|d| DealToInspectView {
                        deal_id: d.deal_id.clone(),
                        name: d.name.clone(),
                        amount: s.money(d.amount_minor),
                        win_probability: pct_text(d.win_probability),
                        high_flags: d.high_flags.iter().map(|f| f.as_str()).collect(),
                    })
                    .collect(),
            })
            .collect();
        Ok(TeamSnapshot {
            teams: vec![TeamView {
                manager: team.manager_name.clone(),
                quota: s.money(team.quota_minor),
                booked: s.money(team.booked_minor),
                attainment: pct_text(share(team.booked_minor as f64, team.quota_minor as f64)),
                how_ranked: team.how_ranked.clone(),
                reps,
                wins_window: s.wins.as_ref().map(|w| format!("{} to {}", w.from, w.to)),
                wins_this_week: s
                    .wins
                    .iter()
                    .flat_map(|w| &w.wins)
                    .map(|win| WinView {
                        person_id: win.person_id.clone(),
                        name: win.name.clone(),
                        deal_id: win.deal_id.clone(),
                        deal_name: win.deal_name.clone(),
                        won_on: win.won_on.to_string(),
                        credit: s.money(win.credit_minor),
                        notes: win.notes.clone(),
                    })
                    .collect(),
            }],
        })
    }
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RepScorecardArgs {
    /// A rep's person id returned by another tool.
    pub person_id: String,
}

pub(super) struct RepScorecardTool;

impl Tool for RepScorecardTool {
    const NAME: &'static str = SCORECARD;
    const DESCRIPTION: &'static str =
        "One in-scope rep's scorecard: quota, bookings, attainment, pace, coverage, win rate, hygiene.";
    type Args = RepScorecardArgs;
    type Output = ScorecardBrief;

    fn run(context: &ToolContext<'_>, args: RepScorecardArgs) -> Result<ScorecardBrief, String> {
        let s = context.snapshot;
        s.scorecard(args.person_id.trim())
            .map(|card| ScorecardBrief::new(s, card))
            .ok_or_else(|| format!("no rep {:?} in your scope ({})", args.person_id, s.scope_text()))
    }
}
