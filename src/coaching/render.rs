//! Typed drafts as the text a recipient reads (Markdown). Rendering adds headings and the
//! memo's typed figures, never a fact of its own.

use super::drafts::{Draft, ForecastMemo, InterventionBrief, RepNudge};
use crate::domain::{money_text, MoneyStyle};

pub fn render(draft: &Draft, recipient_name: &str, currency_exponent: u32) -> String {
    match draft {
        Draft::RepNudge(nudge) => rep_nudge(nudge, recipient_name),
        Draft::InterventionBrief(brief) => intervention_brief(brief, recipient_name),
        Draft::ForecastMemo(memo) => forecast_memo(memo, recipient_name, currency_exponent),
    }
}

fn rep_nudge(nudge: &RepNudge, name: &str) -> String {
    let mut out = format!("# Your week, {name}\n\n{}\n\n## Deals that need you\n", nudge.headline);
    if nudge.deals.is_empty() {
        out.push_str("\nNo deal is flagged this week.\n");
    }
    for (i, deal) in nudge.deals.iter().enumerate() {
        out.push_str(&format!(
            "\n{}. **{}** ({})\n   - What is wrong: {}\n   - Evidence: {}\n   - Why it matters: {}\n   - Next step: {}\n",
            i + 1,
            deal.deal_name,
            deal.deal_id,
            deal.what_is_wrong,
            deal.evidence.join(", "),
            deal.why_it_matters,
            deal.next_step
        ));
    }
    out.push_str(&format!(
        "\n## Progress to quota\n\n{}\n\n## Bonus outlook\n\n{}\n\n## Going well\n\n{}\n",
        nudge.quota_progress, nudge.bonus_outlook, nudge.going_well
    ));
    out
}

fn intervention_brief(brief: &InterventionBrief, name: &str) -> String {
    let mut out = format!("# Team brief for {name}\n\n{}\n\n{}\n", brief.headline, brief.team_summary);
    if !brief.wins_this_week.is_empty() {
        out.push_str("\n## Wins this week\n\n");
        for win in &brief.wins_this_week {
            out.push_str(&format!("- **{}** ({}): {}\n", win.deal_name, win.deal_id, win.note));
        }
    }
    out.push_str("\n## Who needs you this week\n");
    if brief.reps.is_empty() {
        out.push_str("\nNobody on the team needs an intervention this week.\n");
    }
    for rep in &brief.reps {
        out.push_str(&format!("\n### {}. {} ({})\n\n{}\n", rep.rank, rep.name, rep.person_id, rep.why));
        if !rep.deals_to_inspect.is_empty() {
            out.push_str("\nDeals to inspect:\n");
            for deal in &rep.deals_to_inspect {
                out.push_str(&format!("- **{}** ({}): {}\n", deal.deal_name, deal.deal_id, deal.what_to_check));
            }
        }
        out.push_str("\n1:1 agenda:\n");
        for item in &rep.one_on_one_agenda {
            out.push_str(&format!("- {item}\n"));
        }
    }
    out
}

fn forecast_memo(memo: &ForecastMemo, name: &str, exponent: u32) -> String {
    let scale = 10i64.pow(exponent);
    let money = |units: i64| money_text(units.saturating_mul(scale), &memo.currency, MoneyStyle::Whole);
    let mut out = format!(
        "# Forecast risk, {} — for {name}\n\n{}\n\n| | {} |\n|---|---|\n| P10 | {} |\n| P50 | {} |\n| P90 | {} |\n| Target | {} |\n| Commit | {} |\n\n{}\n",
        memo.period,
        memo.headline,
        memo.currency,
        money(memo.p10),
        money(memo.p50),
        money(memo.p90),
        money(memo.target),
        money(memo.commit),
        memo.outlook
    );
    if !memo.downside_concentration.is_empty() {
        out.push_str("\n## Where the downside is concentrated\n\n");
        for note in &memo.downside_concentration {
            out.push_str(&format!("- **{}**: {}\n", note.key, note.note));
        }
    }
    if !memo.exposures.is_empty() {
        out.push_str("\n## Biggest exposures\n\n");
        for exposure in &memo.exposures {
            out.push_str(&format!(
                "- **{}** ({}): {} Mitigation: {}\n",
                exposure.deal_name, exposure.deal_id, exposure.note, exposure.mitigation
            ));
        }
    }
    out.push_str("\n## Mitigations\n\n");
    for item in &memo.mitigations {
        out.push_str(&format!("- {item}\n"));
    }
    out
}
