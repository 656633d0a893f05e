//! `candor pip`: improvement plans (a cause analysis first, then measures with targets and
//! dates from the scorecard), weekly check-ins from live data, and review and coaching-note
//! drafts grounded in the scorecard and history.

use super::comp::today_or;
use super::Context;
use crate::app::plans;
use crate::engine::performance::pip::{Cause, Verdict};
use crate::engine::performance::{CheckIn, ImprovementPlan};
use crate::engine::risk::to_json;
use crate::store::Store;
use anyhow::bail;
use chrono::NaiveDate;
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
    let store = context.open_store().await?;
    let result = match command {
        PipCommand::Create(args) => create(context, &store, args).await,
        PipCommand::Show(args) => show(&store, args).await,
        PipCommand::Check(args) => check(context, &store, args).await,
        PipCommand::Review(args) => review(context, &store, args).await,
    };
    store.close().await;
    result
}

async fn create(context: &Context, store: &Store, args: CreateArgs) -> anyhow::Result<ExitCode> {
    let as_of = today_or(args.as_of);
    let created = plans::create(store, &context.config, &args.rep, as_of, args.weeks, &args.by).await?;
    let Some(plan) = created.plan else {
        if args.json {
            print!("{}", to_json(&serde_json::json!({ "causes": created.causes, "plan": null }))?);
        } else {
            print!("{}", render_causes(&created.causes));
            println!("Every measure a plan would set is already at its target; no plan was created.");
        }
        return Ok(ExitCode::SUCCESS);
    };
    if !created.new {
        eprintln!("a plan {} already exists; it was left as it was", plan.id);
    }
    if args.json {
        print!("{}", to_json(&plan)?);
    } else {
        print!("{}", render_plan(&plan));
    }
    Ok(ExitCode::SUCCESS)
}

async fn show(store: &Store, args: ShowArgs) -> anyhow::Result<ExitCode> {
    let shown = match (&args.id, &args.rep) {
        (Some(id), _) => vec![plans::plan(store, id).await?],
        (None, Some(rep)) => plans::plans_of(store, rep).await?,
        (None, None) => bail!("give --id or --rep"),
    };
    if shown.is_empty() {
        bail!("no improvement plan found");
    }
    if args.json {
        let values: Vec<serde_json::Value> = shown
            .iter()
            .map(|p| serde_json::json!({ "status": p.status, "plan": p.plan, "check_ins": p.check_ins }))
            .collect();
        print!("{}", to_json(&values)?);
        return Ok(ExitCode::SUCCESS);
    }
    for shown in &shown {
        println!("[{}]", shown.status);
        print!("{}", render_plan(&shown.plan));
        for check in &shown.check_ins {
            print!("{}", render_check(check));
        }
        println!();
    }
    Ok(ExitCode::SUCCESS)
}

async fn check(context: &Context, store: &Store, args: CheckArgs) -> anyhow::Result<ExitCode> {
    let check = plans::check(store, &context.config, &args.id, today_or(args.as_of)).await?;
    if args.json {
        print!("{}", to_json(&check)?);
    } else {
        print!("{}", render_check(&check));
    }
    Ok(ExitCode::SUCCESS)
}

async fn review(context: &Context, store: &Store, args: ReviewArgs) -> anyhow::Result<ExitCode> {
    let reviewed = plans::review(store, &context.config, &args.rep, today_or(args.as_of)).await?;
    let issues = &reviewed.grounding_issues;
    if args.json {
        print!("{}", to_json(&serde_json::json!({ "drafts": reviewed.drafts, "grounding_issues": issues }))?);
    } else {
        for draft in &reviewed.drafts {
            println!("{}", draft.render());
        }
        if issues.is_empty() {
            println!("Every claim is backed by its figures.");
        } else {
            println!("Grounding issues:");
            for issue in issues {
                println!("  - {issue}");
            }
        }
    }
    Ok(if issues.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
