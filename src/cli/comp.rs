//! `candor comp`: pay statements a rep can check line by line, the what-if estimator, the
//! plans in effect, and re-verification of stored statements from their inputs.

use super::Context;
use crate::domain::{Dataset, Money, Period, Person};
use crate::engine::pay::{calculate, gather, what_if, GatherRequest, PlanBook, Scenario, StatementInputs};
use crate::store::StoredStatement;
use anyhow::{bail, Context as _};
use chrono::{NaiveDate, Utc};
use clap::{Args, Subcommand};
use sha2::{Digest, Sha256};
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

/// The configured plans, or the built-in one when none are configured.
pub(super) fn load_book(context: &Context) -> anyhow::Result<PlanBook> {
    let files = &context.config.comp.plan_files;
    if files.is_empty() {
        return Ok(PlanBook::default_book()?);
    }
    let mut texts = Vec::new();
    for path in files {
        texts.push(std::fs::read_to_string(path).with_context(|| format!("reading plan file {}", path.display()))?);
    }
    Ok(PlanBook::from_texts(texts.iter().map(String::as_str))?)
}

/// A person by id or by any of their email addresses.
pub(super) fn find_person<'d>(data: &'d Dataset, text: &str) -> anyhow::Result<&'d Person> {
    let wanted = text.trim().to_lowercase();
    match data
        .people
        .iter()
        .find(|p| p.id.as_str() == text.trim() || p.emails.iter().any(|e| e.to_lowercase() == wanted))
    {
        Some(person) => Ok(person),
        None => bail!("no person {text:?} in the data (use a person id or email)"),
    }
}

pub(super) fn today_or(as_of: Option<NaiveDate>) -> NaiveDate {
    as_of.unwrap_or_else(|| Utc::now().date_naive())
}

fn sha256(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// The stored form of a statement and its inputs; the id is fixed by person, period, day and
/// inputs, so saving the same statement twice stores it once.
fn stored(inputs: &StatementInputs, statement_json: &str) -> anyhow::Result<StoredStatement> {
    let inputs_json = serde_json::to_string(inputs)?;
    let inputs_hash = sha256(&inputs_json);
    let period = inputs.current.period.to_string();
    let id_source = format!("{}|{period}|{}|{inputs_hash}", inputs.person_id, inputs.as_of);
    Ok(StoredStatement {
        id: format!("stmt-{}", &sha256(&id_source)[..16]),
        person_id: inputs.person_id.clone(),
        period,
        as_of: inputs.as_of.to_string(),
        plan_id: inputs.current.plan.id.clone(),
        plan_version: i64::from(inputs.current.plan.version),
        inputs: inputs_json,
        inputs_hash,
        statement: statement_json.to_owned(),
        statement_hash: sha256(statement_json),
        created_at: crate::store::instant(&Utc::now()),
    })
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
    let book = load_book(context)?;
    let store = context.open_store().await?;
    let data = store.load_dataset().await.context("loading the dataset")?;
    let events = store.load_comp_events().await.context("loading compliance events")?;
    let person = find_person(&data, &args.rep)?;
    let as_of = today_or(args.as_of);
    let calendar = context.config.fiscal_calendar();
    let period = args.period.unwrap_or_else(|| calendar.quarter_of(as_of));
    let request =
        GatherRequest { book: &book, calendar, person_id: person.id.as_str(), period, as_of, events: &events };
    let inputs = gather(&data, &request)?;
    let statement = calculate(&inputs)?;
    let json = crate::engine::risk::to_json(&statement)?;
    if !args.no_save {
        let record = stored(&inputs, &json)?;
        let new = store.save_statement(&record).await.context("storing the statement")?;
        eprintln!(
            "{} statement {} (inputs {})",
            if new { "stored" } else { "already stored:" },
            record.id,
            &record.inputs_hash[..12]
        );
    }
    store.close().await;
    if args.json {
        print!("{json}");
    } else {
        print!("{}", statement.render());
    }
    Ok(ExitCode::SUCCESS)
}

async fn whatif(context: &Context, args: WhatIfArgs) -> anyhow::Result<ExitCode> {
    let book = load_book(context)?;
    let store = context.open_store().await?;
    let data = store.load_dataset().await.context("loading the dataset")?;
    let events = store.load_comp_events().await.context("loading compliance events")?;
    store.close().await;
    let person = find_person(&data, &args.rep)?;
    let Some(deal) = data.deals.iter().find(|d| d.id.as_str() == args.deal) else { bail!("no deal {:?}", args.deal) };
    let amount = Money::parse_major(&args.amount, deal.amount.currency).context("--amount")?;
    let calendar = context.config.fiscal_calendar();
    let as_of = today_or(args.as_of);
    let request = GatherRequest {
        book: &book,
        calendar,
        person_id: person.id.as_str(),
        period: calendar.quarter_of(args.date),
        as_of,
        events: &events,
    };
    let estimate = what_if(&data, &request, &Scenario { deal_id: args.deal.clone(), amount, close_on: args.date })?;
    if args.json {
        print!("{}", crate::engine::risk::to_json(&estimate)?);
    } else {
        println!("{}", estimate.summary);
        for line in &estimate.lines {
            println!(
                "  {:<60} {:>20} → {:>20}",
                line.label,
                crate::engine::pay::money_text(line.before_minor, amount.currency),
                crate::engine::pay::money_text(line.after_minor, amount.currency)
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn plans(context: &Context, json: bool) -> anyhow::Result<ExitCode> {
    let book = load_book(context)?;
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
    let statements = store.list_statements(rep.as_deref()).await?;
    store.close().await;
    let mut failed = 0;
    for record in &statements {
        let inputs: StatementInputs =
            serde_json::from_str(&record.inputs).with_context(|| format!("reading the inputs of {}", record.id))?;
        let again = crate::engine::risk::to_json(&calculate(&inputs)?)?;
        let same = again == record.statement && sha256(&again) == record.statement_hash;
        failed += usize::from(!same);
        println!(
            "{} {} {} as of {}: {}",
            record.id,
            record.person_id,
            record.period,
            record.as_of,
            if same { "reproduced" } else { "DIFFERS" }
        );
    }
    println!("{} statement(s) checked, {failed} differ", statements.len());
    Ok(if failed == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
