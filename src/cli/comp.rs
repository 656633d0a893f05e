//! `candor comp`: pay statements a rep can check line by line, the what-if estimator, the
//! plans in effect, and re-verification of stored statements from their inputs.

use super::Context;
use crate::app::pay;
use crate::domain::Period;
use chrono::{NaiveDate, Utc};
use clap::{Args, Subcommand};
use std::process::ExitCode;

#[derive(Debug, Subcommand)]
pub enum CompCommand {
    /// A rep's pay statement for a period: every line with its inputs and deals.
    Statement(StatementArgs),
    /// How a rep's pay changes if a deal closes at an amount on a date.
    Whatif(WhatIfArgs),
    /// The incentive plans loaded, with their effective dates.
    Plans {
        #[arg(long)]
        json: bool,
    },
    /// Recompute stored statements from their stored inputs and compare byte for byte.
    Verify {
        /// Only this rep's statements.
        #[arg(long)]
        rep: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct StatementArgs {
    /// Person id or email.
    #[arg(long)]
    pub rep: String,
    /// FY2026-Q3 or FY2026; default: the quarter containing --as-of.
    #[arg(long)]
    pub period: Option<Period>,
    /// Read the data as it stood at the end of this day (YYYY-MM-DD); default: today (UTC).
    #[arg(long)]
    pub as_of: Option<NaiveDate>,
    #[arg(long)]
    pub json: bool,
    /// Do not store the statement and its inputs.
    #[arg(long)]
    pub no_save: bool,
}

#[derive(Debug, Args)]
pub struct WhatIfArgs {
    #[arg(long)]
    pub rep: String,
    #[arg(long)]
    pub deal: String,
    /// Amount in major units of the deal's currency, e.g. 250000 or 250000.50.
    #[arg(long)]
    pub amount: String,
    /// The close date to assume (YYYY-MM-DD).
    #[arg(long)]
    pub date: NaiveDate,
    #[arg(long)]
    pub as_of: Option<NaiveDate>,
    #[arg(long)]
    pub json: bool,
}

pub(super) fn today_or(as_of: Option<NaiveDate>) -> NaiveDate {
    as_of.unwrap_or_else(|| Utc::now().date_naive())
}

pub(super) async fn run(context: &Context, command: CompCommand) -> anyhow::Result<ExitCode> {
    match command {
        CompCommand::Statement(args) => statement(context, args).await,
        CompCommand::Whatif(args) => whatif(context, args).await,
        CompCommand::Plans { json } => plans(context, json),
        CompCommand::Verify { rep } => verify(context, rep).await,
    }
}

async fn statement(context: &Context, args: StatementArgs) -> anyhow::Result<ExitCode> {
    let store = context.open_store().await?;
    let outcome =
        pay::statement(&store, &context.config, &args.rep, args.period, today_or(args.as_of), !args.no_save).await;
    store.close().await;
    let outcome = outcome?;
    if let Some((record, new)) = &outcome.stored {
        eprintln!(
            "{} statement {} (inputs {})",
            if *new { "stored" } else { "already stored:" },
            record.id,
            &record.inputs_hash[..12]
        );
    }
    if args.json {
        print!("{}", outcome.json);
    } else {
        print!("{}", outcome.statement.render());
    }
    Ok(ExitCode::SUCCESS)
}

async fn whatif(context: &Context, args: WhatIfArgs) -> anyhow::Result<ExitCode> {
    let store = context.open_store().await?;
    let as_of = today_or(args.as_of);
    let estimate =
        pay::what_if_closed(&store, &context.config, &args.rep, &args.deal, &args.amount, args.date, as_of).await;
    store.close().await;
    let (estimate, currency) = estimate?;
    if args.json {
        print!("{}", crate::engine::risk::to_json(&estimate)?);
    } else {
        println!("{}", estimate.summary);
        for line in &estimate.lines {
            println!(
                "  {:<60} {:>20} → {:>20}",
                line.label,
                crate::domain::Money::new(line.before_minor, currency).to_string(),
                crate::domain::Money::new(line.after_minor, currency).to_string()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn plans(context: &Context, json: bool) -> anyhow::Result<ExitCode> {
    let book = pay::plan_book(&context.config)?;
    if json {
        print!("{}", crate::engine::risk::to_json(&book.plans())?);
        return Ok(ExitCode::SUCCESS);
    }
    for plan in book.plans() {
        println!(
            "{} v{} \"{}\" in {}: effective {} to {}; variable share {}; measures {}",
            plan.id,
            plan.version,
            plan.name,
            plan.currency,
            plan.effective_from,
            plan.effective_to.map(|d| d.to_string()).unwrap_or_else(|| "open".to_owned()),
            crate::engine::pay::arith::bp_pct(plan.variable_share_bp()),
            plan.measures
                .iter()
                .map(|m| format!("{} {}", m.key, crate::engine::pay::arith::bp_pct(m.weight_bp)))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    Ok(ExitCode::SUCCESS)
}

async fn verify(context: &Context, rep: Option<String>) -> anyhow::Result<ExitCode> {
    let store = context.open_store().await?;
    let checked = pay::verify_statements(&store, rep.as_deref()).await;
    store.close().await;
    let checked = checked?;
    for verified in &checked {
        let record = &verified.record;
        println!(
            "{} {} {} as of {}: {}",
            record.id,
            record.person_id,
            record.period,
            record.as_of,
            if verified.reproduced { "reproduced" } else { "DIFFERS" }
        );
    }
    let failed = checked.iter().filter(|v| !v.reproduced).count();
    println!("{} statement(s) checked, {failed} differ", checked.len());
    Ok(if failed == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
