//! The template intervention brief: the team's wins of the week, the reps who need the
//! manager most, with the roll-up's reasons, the deals to inspect and a 1:1 agenda built from
//! those reasons.

use crate::coaching::drafts::{DealToInspectNote, InterventionBrief, RepIntervention, WinNote};
use crate::coaching::snapshot::Snapshot;
use crate::engine::risk::numbers::{pct_text, share};
use crate::engine::risk::{RepNeed, TeamRollup};

const REPS_IN_BRIEF: usize = 3;
/// The validator's list limit; the snapshot lists wins largest credit first.
const WINS_IN_BRIEF: usize = 5;

fn agenda_item(key: &str) -> &'static str {
    match key {
        "pace" => "Walk through the plan to close the gap to quota this period.",
        "coverage" => "Review which new opportunities can rebuild pipeline coverage.",
        "high_risk" => "Go through the flagged deals one by one and agree a next step for each.",
        "hygiene" => "Clean up close dates and next steps in the CRM together.",
        "activity" => "Look at where the week's time goes and protect selling time.",
        "conduct" => "Discuss the conduct indicators openly and record the conversation.",
        _ => "Agree one priority for the week.",
    }
}

fn intervention(snapshot: &Snapshot, rep: &RepNeed) -> RepIntervention {
    let why =
        rep.reasons.iter().take(2).map(|r| format!("{}.", r.text.trim_end_matches('.'))).collect::<Vec<_>>().join(" ");
    let mut agenda: Vec<String> = rep.reasons.iter().take(3).map(|r| agenda_item(r.key).to_owned()).collect();
    agenda.dedup();
    if agenda.is_empty() {
        agenda.push(agenda_item("").to_owned());
    }
    RepIntervention {
        person_id: rep.person_id.clone(),
        name: rep.name.clone(),
        rank: rep.rank,
        why,
        deals_to_inspect: rep
            .deals_to_inspect
            .iter()
            .take(3)
            .map(|d| DealToInspectNote {
                deal_id: d.deal_id.clone(),
                deal_name: d.name.clone(),
                what_to_check: format!(
                    "{} with a {} chance to win; high flags: {}.",
                    snapshot.money(d.amount_minor),
                    pct_text(d.win_probability),
                    d.high_flags.iter().map(|f| f.as_str()).collect::<Vec<_>>().join(", ")
                ),
            })
            .collect(),
        one_on_one_agenda: agenda,
    }
}

fn summary(snapshot: &Snapshot, team: &TeamRollup) -> String {
    format!(
        "Team quota {} for {}, booked {} ({}); {} reps in the roll-up.",
        snapshot.money(team.quota_minor),
        snapshot.period,
        snapshot.money(team.booked_minor),
        pct_text(share(team.booked_minor as f64, team.quota_minor as f64)),
        team.reps.len()
    )
}

/// The week's wins as the snapshot states them: who, when, the credit and why it is notable.
fn wins(snapshot: &Snapshot) -> Vec<WinNote> {
    snapshot
        .wins
        .iter()
        .flat_map(|w| &w.wins)
        .take(WINS_IN_BRIEF)
        .map(|win| WinNote {
            person_id: win.person_id.clone(),
            deal_id: win.deal_id.clone(),
            deal_name: win.deal_name.clone(),
            note: format!(
                "{} won it on {}, {} credited to them{}.",
                win.name,
                win.won_on,
                snapshot.money(win.credit_minor),
                if win.notes.is_empty() { String::new() } else { format!(" — {}", win.notes.join("; ")) }
            ),
        })
        .collect()
}

pub(super) fn brief(snapshot: &Snapshot) -> InterventionBrief {
    let Some(team) = &snapshot.team else {
        return InterventionBrief {
            headline: "No rep reports to you in this snapshot.".to_owned(),
            team_summary: format!("No team roll-up exists for {}.", snapshot.period),
            wins_this_week: wins(snapshot),
            reps: Vec::new(),
        };
    };
    let reps: Vec<RepIntervention> = team
        .reps
        .iter()
        .filter(|r| r.need_score > 0.0)
        .take(REPS_IN_BRIEF)
        .map(|r| intervention(snapshot, r))
        .collect();
    let headline = match reps.first() {
        Some(first) => format!("{} reps need you this week, {} first.", reps.len(), first.name),
        None => "No rep needs an intervention this week.".to_owned(),
    };
    InterventionBrief { headline, team_summary: summary(snapshot, team), wins_this_week: wins(snapshot), reps }
}
