//! `candor risk`: the deal-risk engine at an `as_of`, for the whole organisation, one rep or one
//! manager's team, as a readable table or JSON; the result is stored as a snapshot run.

use super::Context;
use crate::app::insight;
use crate::domain::{money_text, MoneyStyle};
use crate::engine::risk::numbers::pct_text;
use crate::engine::risk::{to_json, DealRisk, RiskReport, Scorecard, TeamRollup};
use anyhow::{bail, Context as _};
use chrono::{NaiveDate, Utc};
use clap::Args;
use serde::Serialize;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct RiskArgs {
    /// Read the data as it stood at the start of this day (YYYY-MM-DD); default: today (UTC).
    #[arg(long)]
    pub as_of: Option<NaiveDate>,
    /// Only this rep's deals and scorecard.
    #[arg(long, conflicts_with = "team")]
    pub rep: Option<String>,
    /// Only this manager's team: the roll-up, the scorecards and the deals.
    #[arg(long)]
    pub team: Option<String>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Store the snapshot under this run id (default: `risk-<as-of>`).
    #[arg(long)]
    pub run: Option<String>,
    /// Do not store the snapshot.
    #[arg(long)]
    pub no_save: bool,
}

/// One rep's share of the report.
#[derive(Debug, Serialize)]
pub(super) struct RepView<'r> {
    pub as_of: chrono::DateTime<Utc>,
    pub ruleset_version: &'r str,
    pub period: &'r str,
    pub scorecard: &'r Scorecard,
    pub deals: Vec<&'r DealRisk>,
}

/// One team's share of the report.
#[derive(Debug, Serialize)]
pub(super) struct TeamView<'r> {
    pub as_of: chrono::DateTime<Utc>,
    pub ruleset_version: &'r str,
    pub period: &'r str,
    pub team: &'r TeamRollup,
    pub scorecards: Vec<&'r Scorecard>,
    pub deals: Vec<&'r DealRisk>,
}

/// The engine's report at the start of `as_of` (default today), from the store.
pub(super) async fn report_at(context: &Context, as_of: Option<NaiveDate>) -> anyhow::Result<RiskReport> {
    let store = context.open_store().await?;
    let report = insight::report_at(&store, &context.config, as_of.unwrap_or_else(|| Utc::now().date_naive())).await;
    store.close().await;
    Ok(report?)
}

pub(super) async fn run(context: &Context, args: RiskArgs) -> anyhow::Result<ExitCode> {
    let report = report_at(context, args.as_of).await?;
    if !args.no_save {
        let run_id = args.run.clone().unwrap_or_else(|| format!("risk-{}", report.as_of.date_naive()));
        let store = context.open_store().await?;
        let counts = store.save_risk_report(&run_id, &report).await.context("storing the snapshot")?;
        store.close().await;
        eprintln!(
            "stored as run {run_id}: {} deals, {} flags, {} scorecards, {} roll-ups (ruleset {})",
            counts.deals, counts.flags, counts.reps, counts.teams, report.ruleset_version
        );
    }
    let text = match (&args.rep, &args.team) {
        (Some(rep), _) => {
            let Some(view) = rep_view(&report, rep) else { bail!("no rep {rep:?} in the data (use a person id)") };
            if args.json {
                to_json(&view)?
            } else {
                render_rep(&report, &view)
            }
        }
        (None, Some(team)) => {
            let Some(view) = team_view(&report, team) else {
                bail!("no team under {team:?} in the data (use a manager's person id)")
            };
            if args.json {
                to_json(&view)?
            } else {
                render_team(&report, &view)
            }
        }
        (None, None) if args.json => to_json(&report)?,
        (None, None) => render_org(&report),
    };
    print!("{text}");
    Ok(ExitCode::SUCCESS)
}

pub(super) fn rep_view<'r>(report: &'r RiskReport, rep: &str) -> Option<RepView<'r>> {
    let scorecard = report.reps.iter().find(|c| c.person_id == rep)?;
    Some(RepView {
        as_of: report.as_of,
        ruleset_version: &report.ruleset_version,
        period: &report.period,
        scorecard,
        deals: report.deals.iter().filter(|d| d.owner_id == rep).collect(),
    })
}

pub(super) fn team_view<'r>(report: &'r RiskReport, manager: &str) -> Option<TeamView<'r>> {
    let team = report.teams.iter().find(|t| t.manager_id == manager)?;
    let members: Vec<&str> = team.reps.iter().map(|r| r.person_id.as_str()).collect();
    Some(TeamView {
        as_of: report.as_of,
        ruleset_version: &report.ruleset_version,
        period: &report.period,
        team,
        scorecards: report.reps.iter().filter(|c| members.contains(&c.person_id.as_str())).collect(),
        deals: report.deals.iter().filter(|d| members.contains(&d.owner_id.as_str())).collect(),
    })
}

fn clip(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_owned()
    } else {
        let mut out: String = text.chars().take(width.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

/// Deals worst first: highest severity, then the most high flags, then amount.
fn worst_first<'r>(deals: impl Iterator<Item = &'r DealRisk>) -> Vec<&'r DealRisk> {
    let mut deals: Vec<&DealRisk> = deals.collect();
    let high = |d: &DealRisk| d.flags.iter().filter(|f| f.severity == crate::engine::risk::Severity::High).count();
    deals.sort_by(|a, b| {
        b.highest_severity
            .cmp(&a.highest_severity)
            .then(high(b).cmp(&high(a)))
            .then(b.amount_minor.cmp(&a.amount_minor))
            .then_with(|| a.deal_id.cmp(&b.deal_id))
    });
    deals
}

fn deal_table(report: &RiskReport, deals: &[&DealRisk], limit: usize) -> String {
    let mut out = format!(
        "{:<18} {:<30} {:<12} {:>16} {:<10} {:>5} {:>5}  flags\n",
        "deal", "name", "stage", "amount", "close", "win", "slip"
    );
    for deal in deals.iter().take(limit) {
        let flags: Vec<String> = deal
            .flags
            .iter()
            .filter(|f| f.severity >= crate::engine::risk::Severity::Warn)
            .map(|f| {
                format!(
                    "{}{}",
                    f.signal.as_str(),
                    if f.severity == crate::engine::risk::Severity::High { "!" } else { "" }
                )
            })
            .collect();
        out.push_str(&format!(
            "{:<18} {:<30} {:<12} {:>16} {:<10} {:>5} {:>5}  {}\n",
            clip(&deal.deal_id, 18),
            clip(&deal.name, 30),
            clip(&deal.stage, 12),
            money_text(deal.amount_minor, &report.currency, MoneyStyle::Whole),
            deal.close_date.map(|d| d.to_string()).unwrap_or_else(|| "-".to_owned()),
            pct_text(deal.win_probability),
            pct_text(deal.slip_probability),
            flags.join(" ")
        ));
    }
    if deals.len() > limit {
        out.push_str(&format!("… and {} more (use --json for all)\n", deals.len() - limit));
    }
    out
}

fn header(report: &RiskReport) -> String {
    format!(
        "Risk as of {} · ruleset {} · period {} · win model: {}\n",
        report.as_of.format("%Y-%m-%d %H:%M UTC"),
        report.ruleset_version,
        report.period,
        report.model.method
    )
}

fn render_org(report: &RiskReport) -> String {
    let mut out = header(report);
    let high = report.flagged(crate::engine::risk::Severity::High).count();
    out.push_str(&format!(
        "{} open deals, {} with a high-severity flag ({} of open amount). \"!\" marks high.\n\n",
        report.deals.len(),
        high,
        pct_text(report.high_risk_share())
    ));
    out.push_str(&deal_table(report, &worst_first(report.deals.iter()), 25));
    let f = &report.forecast;
    out.push_str(&format!(
        "\nForecast {}: P10 {} · P50 {} · P90 {} against target {} and commit {}\n",
        f.period,
        money_text(f.p10_minor, &report.currency, MoneyStyle::Whole),
        money_text(f.p50_minor, &report.currency, MoneyStyle::Whole),
        money_text(f.p90_minor, &report.currency, MoneyStyle::Whole),
        money_text(f.target_minor, &report.currency, MoneyStyle::Whole),
        money_text(f.commit_minor, &report.currency, MoneyStyle::Whole)
    ));
    out.push_str("\nTeams (reps most in need first)\n");
    for team in &report.teams {
        let names: Vec<String> =
            team.reps.iter().take(3).map(|r| format!("{} ({:.1})", r.name, r.need_score)).collect();
        out.push_str(&format!("  {:<28} {}\n", clip(&team.manager_name, 28), names.join(", ")));
    }
    out
}

fn scorecard_lines(report: &RiskReport, card: &Scorecard) -> String {
    let mut out = format!(
        "{} ({}) · quota {} · booked {}\n",
        card.name,
        card.person_id,
        money_text(card.quota_minor, &report.currency, MoneyStyle::Whole),
        money_text(card.booked_minor, &report.currency, MoneyStyle::Whole)
    );
    let rows = [
        ("attainment", pct_text(card.attainment.value), &card.attainment.how),
        ("pace", format!("{:.2}", card.pace.value), &card.pace.how),
        ("coverage", format!("{:.1}x", card.coverage.value), &card.coverage.how),
        ("win rate", pct_text(card.win_rate.value), &card.win_rate.how),
        ("cycle", format!("{:.0} days", card.cycle_days.value), &card.cycle_days.how),
        (
            "deal size",
            money_text(card.average_deal_minor.value as i64, &report.currency, MoneyStyle::Whole),
            &card.average_deal_minor.how,
        ),
        ("activity", pct_text(card.activity_trend.value), &card.activity_trend.how),
        ("high risk", pct_text(card.high_risk_share.value), &card.high_risk_share.how),
    ];
    for (label, value, how) in rows {
        out.push_str(&format!("  {label:<11} {value:>14}  {how}\n"));
    }
    out.push_str(&format!("  {:<11} {:>14}  {}\n", "hygiene", "", card.hygiene.how));
    for accuracy in &card.forecast_accuracy {
        out.push_str(&format!(
            "  {:<11} {:>14}  {}: committed {}, won {} ({} from the commit)\n",
            "accuracy",
            format!("{:.2}", accuracy.accuracy),
            accuracy.period,
            money_text(accuracy.committed_minor, &report.currency, MoneyStyle::Whole),
            money_text(accuracy.won_total_minor, &report.currency, MoneyStyle::Whole),
            money_text(accuracy.won_from_commit_minor, &report.currency, MoneyStyle::Whole)
        ));
    }
    if card.conduct.indicators.is_empty() {
        out.push_str("  conduct     none of the indicators crossed its threshold\n");
    }
    for indicator in &card.conduct.indicators {
        out.push_str(&format!("  conduct     {indicator}\n"));
    }
    out
}

fn render_rep(report: &RiskReport, view: &RepView<'_>) -> String {
    let mut out = header(report);
    out.push_str(&scorecard_lines(report, view.scorecard));
    out.push('\n');
    let deals = worst_first(view.deals.iter().copied());
    out.push_str(&deal_table(report, &deals, 50));
    for deal in deals.iter().filter(|d| !d.flags.is_empty()) {
        out.push_str(&format!("\n{} {}\n", deal.deal_id, deal.name));
        for flag in &deal.flags {
            out.push_str(&format!("  [{}] {}: {}\n", flag.severity.as_str(), flag.signal.as_str(), flag.reason));
        }
    }
    out
}

fn render_team(report: &RiskReport, view: &TeamView<'_>) -> String {
    let mut out = header(report);
    let team = view.team;
    out.push_str(&format!(
        "Team of {} · quota {} · booked {}\n{}\n\n",
        team.manager_name,
        money_text(team.quota_minor, &report.currency, MoneyStyle::Whole),
        money_text(team.booked_minor, &report.currency, MoneyStyle::Whole),
        team.how_ranked
    ));
    for rep in &team.reps {
        out.push_str(&format!("{}. {} ({}) need {:.2}\n", rep.rank, rep.name, rep.person_id, rep.need_score));
        for reason in &rep.reasons {
            out.push_str(&format!("   {:<9} {:>5.2}  {}\n", reason.key, reason.points, reason.text));
        }
        for deal in &rep.deals_to_inspect {
            let flags: Vec<&str> = deal.high_flags.iter().map(|s| s.as_str()).collect();
            out.push_str(&format!(
                "   inspect {} {} ({}, win {}): {}\n",
                deal.deal_id,
                clip(&deal.name, 30),
                money_text(deal.amount_minor, &report.currency, MoneyStyle::Whole),
                pct_text(deal.win_probability),
                flags.join(", ")
            ));
        }
    }
    out
}
