//! `candor pip`: improvement plans (a cause analysis first, then measures with targets and
//! dates from the scorecard), weekly check-ins from live data, and review and coaching-note
//! drafts grounded in the scorecard and history.

use super::comp::{find_person, today_or};
use super::Context;
use crate::engine::pay::won_deals;
use crate::engine::performance::history::{first_seen, months_between, quarters_before, results_by_period};
use crate::engine::performance::pip::{Cause, Verdict};
use crate::engine::performance::review::PriorNote;
use crate::engine::performance::{
    achievements, analyse_causes, check_in, draft_coaching_notes, draft_quarterly_review, ground_claims, propose,
};
use crate::engine::performance::{CheckIn, ImprovementPlan, PipSettings, ReviewInput};
use crate::engine::risk::{RiskReport, Scorecard};
use crate::store::StoredImprovementPlan;
use anyhow::{bail, Context as _};
use chrono::{NaiveDate, Utc};
use clap::{Args, Subcommand};
use std::process::ExitCode;

#[derive(Debug, Subcommand)]
pub enum PipCommand {
    /// Analyse causes from the scorecard, then propose and store a plan.
    Create(CreateArgs),
    /// Show a plan (by id) or a rep's plans, with their check-ins.
    Show(ShowArgs),
    /// Check a plan against the live scorecard and store the check-in.
    Check(CheckArgs),
    /// Draft a quarterly review and coaching notes for a rep.
    Review(ReviewArgs),
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    #[arg(long)]
    pub rep: String,
    /// Day the plan starts and the scorecard is read; default: today (UTC).
    #[arg(long)]
    pub as_of: Option<NaiveDate>,
    /// Weeks the plan runs (default from `comp.plan_weeks`).
    #[arg(long)]
    pub weeks: Option<u32>,
    /// Who is creating the plan (recorded with it).
    #[arg(long, default_value = "cli")]
    pub by: String,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    #[arg(long, conflicts_with = "rep")]
    pub id: Option<String>,
    #[arg(long)]
    pub rep: Option<String>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[arg(long)]
    pub id: String,
    #[arg(long)]
    pub as_of: Option<NaiveDate>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ReviewArgs {
    #[arg(long)]
    pub rep: String,
    #[arg(long)]
    pub as_of: Option<NaiveDate>,
    #[arg(long)]
    pub json: bool,
}

fn settings(context: &Context, weeks: Option<u32>) -> PipSettings {
    PipSettings {
        weeks: weeks.unwrap_or(context.config.comp.plan_weeks),
        ramp_months: context.config.comp.ramp_months,
        target_coverage: context.config.risk.scorecard.target_coverage,
    }
}

/// The rep's scorecard and their team's (same manager, or every rep when there is none).
fn card_and_team<'r>(report: &'r RiskReport, person_id: &str) -> anyhow::Result<(&'r Scorecard, Vec<&'r Scorecard>)> {
    let Some(card) = report.reps.iter().find(|c| c.person_id == person_id) else {
        bail!("{person_id} has no scorecard (only reps have one)")
    };
    let team = report
        .reps
        .iter()
        .filter(|c| c.person_id != person_id && (card.manager_id.is_none() || c.manager_id == card.manager_id))
        .collect();
    Ok((card, team))
}

fn render_causes(causes: &[Cause]) -> String {
    let mut out = String::from("Cause analysis:\n");
    for cause in causes {
        let verdict = match cause.verdict {
            Verdict::Likely => "likely",
            Verdict::Possible => "possible",
            Verdict::Unlikely => "unlikely",
        };
        out.push_str(&format!("  {} — {verdict}\n", cause.key.label()));
        for finding in &cause.findings {
            out.push_str(&format!("      {finding}\n"));
        }
    }
    out
}

fn render_plan(plan: &ImprovementPlan) -> String {
    let mut out = format!(
        "{} plan {} for {} ({}), {} to {}\n\n{}\nMeasures:\n",
        match plan.kind {
            crate::engine::performance::pip::PlanKind::RampSupport => "Ramp-support",
            crate::engine::performance::pip::PlanKind::Improvement => "Improvement",
        },
        plan.id,
        plan.name,
        plan.person_id,
        plan.created_on,
        plan.ends_on,
        render_causes(&plan.causes)
    );
    for m in &plan.measures {
        out.push_str(&format!(
            "  {}: from {} to {} by {} — {}\n",
            m.label,
            m.key.format(m.baseline),
            m.key.format(m.target),
            m.due,
            m.why
        ));
    }
    out.push_str(&format!(
        "Check-ins: {}\n",
        plan.check_in_dates.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", ")
    ));
    out
}

fn render_check(check: &CheckIn) -> String {
    let mut out = format!("Check-in {} for {}: {}\n", check.as_of, check.plan_id, check.summary);
    for m in &check.measures {
        out.push_str(&format!(
            "  {:<22} {:?}: now {} (expected {}, target {} by {}; started at {})\n",
            m.key.as_str(),
            m.status,
            m.current,
            m.expected,
            m.target,
            m.due,
            m.baseline
        ));
    }
    out
}

pub(super) async fn run(context: &Context, command: PipCommand) -> anyhow::Result<ExitCode> {
    match command {
        PipCommand::Create(args) => create(context, args).await,
        PipCommand::Show(args) => show(context, args).await,
        PipCommand::Check(args) => check(context, args).await,
        PipCommand::Review(args) => review(context, args).await,
    }
}

async fn create(context: &Context, args: CreateArgs) -> anyhow::Result<ExitCode> {
    let as_of = today_or(args.as_of);
    let store = context.open_store().await?;
    let data = store.load_dataset().await.context("loading the dataset")?;
    let person = find_person(&data, &args.rep)?.id.to_string();
    let report = super::risk::report_at(context, Some(as_of)).await?;
    let (card, team) = card_and_team(&report, &person)?;
    let tenure = first_seen(&data, &person).map(|s| months_between(s, as_of)).unwrap_or(0);
    let settings = settings(context, args.weeks);
    let causes = analyse_causes(card, &team, tenure, &settings);
    let plan = propose(card, &team, &causes, as_of, &settings);
    if plan.measures.is_empty() {
        if args.json {
            print!("{}", crate::engine::risk::to_json(&serde_json::json!({ "causes": causes, "plan": null }))?);
        } else {
            print!("{}", render_causes(&causes));
            println!("Every measure a plan would set is already at its target; no plan was created.");
        }
        return Ok(ExitCode::SUCCESS);
    }
    let record = StoredImprovementPlan {
        id: plan.id.clone(),
        person_id: plan.person_id.clone(),
        created_on: plan.created_on.to_string(),
        ends_on: plan.ends_on.to_string(),
        status: "active".to_owned(),
        plan: serde_json::to_string(&plan)?,
        created_by: args.by,
        created_at: crate::store::instant(&Utc::now()),
    };
    let new = store.save_improvement_plan(&record).await.context("storing the plan")?;
    store.close().await;
    if !new {
        eprintln!("a plan {} already exists; it was left as it was", plan.id);
    }
    if args.json {
        print!("{}", crate::engine::risk::to_json(&plan)?);
    } else {
        print!("{}", render_plan(&plan));
    }
    Ok(ExitCode::SUCCESS)
}

fn parse_plan(record: &StoredImprovementPlan) -> anyhow::Result<ImprovementPlan> {
    serde_json::from_str(&record.plan).with_context(|| format!("reading stored plan {}", record.id))
}

async fn show(context: &Context, args: ShowArgs) -> anyhow::Result<ExitCode> {
    let store = context.open_store().await?;
    let records = match (&args.id, &args.rep) {
        (Some(id), _) => store.load_improvement_plan(id).await?.into_iter().collect(),
        (None, Some(rep)) => {
            let data = store.load_dataset().await?;
            store.list_improvement_plans(find_person(&data, rep)?.id.as_str()).await?
        }
        (None, None) => bail!("give --id or --rep"),
    };
    if records.is_empty() {
        bail!("no improvement plan found");
    }
    let mut shown = Vec::new();
    for record in &records {
        let plan = parse_plan(record)?;
        let mut checks = Vec::new();
        for (_, json) in store.list_checkins(&record.id).await? {
            checks.push(serde_json::from_str::<CheckIn>(&json)?);
        }
        shown.push((record.status.clone(), plan, checks));
    }
    store.close().await;
    if args.json {
        let values: Vec<serde_json::Value> = shown
            .iter()
            .map(|(status, plan, checks)| serde_json::json!({ "status": status, "plan": plan, "check_ins": checks }))
            .collect();
        print!("{}", crate::engine::risk::to_json(&values)?);
        return Ok(ExitCode::SUCCESS);
    }
    for (status, plan, checks) in &shown {
        println!("[{status}]");
        print!("{}", render_plan(plan));
        for check in checks {
            print!("{}", render_check(check));
        }
        println!();
    }
    Ok(ExitCode::SUCCESS)
}

async fn check(context: &Context, args: CheckArgs) -> anyhow::Result<ExitCode> {
    let as_of = today_or(args.as_of);
    let store = context.open_store().await?;
    let Some(record) = store.load_improvement_plan(&args.id).await? else { bail!("no improvement plan {:?}", args.id) };
    let plan = parse_plan(&record)?;
    let report = super::risk::report_at(context, Some(as_of)).await?;
    let (card, _) = card_and_team(&report, &plan.person_id)?;
    let check = check_in(&plan, card, as_of);
    store
        .save_checkin(
            &plan.id,
            &as_of.to_string(),
            &serde_json::to_string(&check)?,
            &crate::store::instant(&Utc::now()),
        )
        .await?;
    if as_of >= plan.ends_on {
        store.set_improvement_plan_status(&plan.id, "ended").await?;
    }
    store.close().await;
    if args.json {
        print!("{}", crate::engine::risk::to_json(&check)?);
    } else {
        print!("{}", render_check(&check));
    }
    Ok(ExitCode::SUCCESS)
}

async fn review(context: &Context, args: ReviewArgs) -> anyhow::Result<ExitCode> {
    let as_of = today_or(args.as_of);
    let store = context.open_store().await?;
    let data = store.load_dataset().await.context("loading the dataset")?;
    let person = find_person(&data, &args.rep)?.id.to_string();
    let notes: Vec<PriorNote> = store
        .coaching_history(&person)
        .await?
        .into_iter()
        .filter_map(|(id, day, kind, _)| Some(PriorNote { id, date: day.get(..10)?.parse().ok()?, summary: kind }))
        .collect();
    let plan = match store.list_improvement_plans(&person).await?.first() {
        Some(record) => {
            let plan = parse_plan(record)?;
            let last = store.list_checkins(&record.id).await?.pop();
            let check = last.map(|(_, json)| serde_json::from_str::<CheckIn>(&json)).transpose()?;
            Some((plan, check))
        }
        None => None,
    };
    store.close().await;
    let report = super::risk::report_at(context, Some(as_of)).await?;
    let (card, team) = card_and_team(&report, &person)?;
    let calendar = context.config.fiscal_calendar();
    let currency = context.config.currency();
    let won = won_deals(&data, as_of);
    let current = calendar.quarter_of(as_of);
    let history_periods = quarters_before(current, 4);
    let results = results_by_period(&data, &won, calendar, currency, &history_periods);
    let history: Vec<_> =
        history_periods.iter().filter_map(|p| results.get(&person).and_then(|r| r.get(p)).cloned()).collect();
    let mut with_current = history_periods.clone();
    with_current.push(current);
    let feats = achievements(&data, &won, calendar, currency, &person, &with_current);
    let settings = settings(context, None);
    let tenure = first_seen(&data, &person).map(|s| months_between(s, as_of)).unwrap_or(0);
    let causes = analyse_causes(card, &team, tenure, &settings);
    let input = ReviewInput {
        card,
        team: &team,
        history: &history,
        achievements: Some(&feats),
        causes: &causes,
        plan: plan.as_ref().map(|(p, c)| (p, c.as_ref())),
        notes: &notes,
        currency,
        as_of,
    };
    let drafts = [draft_quarterly_review(&input), draft_coaching_notes(card, &team, &causes, as_of)];
    let issues: Vec<String> = drafts.iter().flat_map(ground_claims).collect();
    if args.json {
        print!(
            "{}",
            crate::engine::risk::to_json(&serde_json::json!({ "drafts": drafts, "grounding_issues": issues }))?
        );
    } else {
        for draft in &drafts {
            println!("{}", draft.render());
        }
        if issues.is_empty() {
            println!("Every claim is backed by its figures.");
        } else {
            println!("Grounding issues:");
            for issue in &issues {
                println!("  - {issue}");
            }
        }
    }
    Ok(if issues.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
