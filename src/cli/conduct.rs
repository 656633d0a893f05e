//! `candor conduct`: conduct-risk surveillance and the compliance events that gate pay. Both
//! are for members of the compliance role only (`[comp] compliance_role`, whose members are
//! listed under `[review.roles]` and `[comp] compliance_members`).

use super::comp::today_or;
use super::Context;
use crate::app::insight::find_person;
use crate::app::pay::plan_book;
use crate::engine::pay::{won_deals, ComplianceEvent, ComplianceEventKind};
use crate::engine::performance::surveillance::Severity;
use crate::engine::performance::{authorise, surveil, SurveillanceSettings};
use anyhow::{bail, Context as _};
use chrono::{NaiveDate, Utc};
use clap::{Args, Subcommand};
use std::process::ExitCode;

#[derive(Debug, Subcommand)]
pub enum ConductCommand {
    /// Conduct-risk surveillance per rep and team, and the pay-plan features regulators flag.
    Report(ReportArgs),
    /// Record a breach, complaint or file review against a person.
    Record(RecordArgs),
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Who is reading: a member of the compliance role (email or person id).
    #[arg(long = "as")]
    pub viewer: String,
    #[arg(long)]
    pub as_of: Option<NaiveDate>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct RecordArgs {
    /// Who is recording: a member of the compliance role.
    #[arg(long = "as")]
    pub viewer: String,
    #[arg(long)]
    pub rep: String,
    /// conduct_breach, complaint, complaint_upheld, file_review_pass, file_review_fail or training_overdue.
    #[arg(long)]
    pub kind: String,
    #[arg(long)]
    pub date: NaiveDate,
    #[arg(long)]
    pub deal: Option<String>,
    #[arg(long, default_value = "")]
    pub detail: String,
}

/// The compliance role's members: `[review.roles]` under the role's name plus `[comp]`'s list.
fn members(context: &Context) -> Vec<String> {
    let role = &context.config.comp.compliance_role;
    let mut members = context.config.review.roles.get(role).cloned().unwrap_or_default();
    members.extend(context.config.comp.compliance_members.iter().cloned());
    members
}

pub(super) async fn run(context: &Context, command: ConductCommand) -> anyhow::Result<ExitCode> {
    match command {
        ConductCommand::Report(args) => report(context, args).await,
        ConductCommand::Record(args) => record(context, args).await,
    }
}

async fn report(context: &Context, args: ReportArgs) -> anyhow::Result<ExitCode> {
    let book = plan_book(&context.config)?;
    let store = context.open_store().await?;
    let data = store.load_dataset().await.context("loading the dataset")?;
    let events = store.load_comp_events().await?;
    store.close().await;
    let viewer = authorise(&data, &args.viewer, &context.config.comp.compliance_role, &members(context))?;
    let as_of = today_or(args.as_of);
    let currency = context.config.currency();
    let mut settings = SurveillanceSettings {
        bunching_days: context.config.risk.scorecard.bunching_days,
        high_paying_products: context.config.comp.high_paying_products.clone(),
        ..SurveillanceSettings::default()
    };
    settings.high_paying_products.extend(context.config.risk.scorecard.high_commission_products.iter().cloned());
    let won = won_deals(&data, as_of);
    let report =
        surveil(&viewer, &data, &won, &events, &book, context.config.fiscal_calendar(), currency, as_of, &settings);
    if args.json {
        print!("{}", crate::engine::risk::to_json(&report)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "Conduct-risk surveillance, {} to {} — for {} (compliance only; never shown to reps)",
        report.from, report.as_of, report.prepared_for
    );
    let flagged: Vec<_> = report.reps.iter().filter(|r| r.highest.is_some()).collect();
    println!("\n{} of {} reps flagged", flagged.len(), report.reps.len());
    for rep in flagged {
        println!(
            "  {} ({}), {} sale(s), {}:",
            rep.name,
            rep.person_id,
            rep.won_deals,
            crate::domain::Money::new(rep.won_minor, currency)
        );
        for indicator in &rep.indicators {
            let mark = match indicator.severity {
                Severity::High => "HIGH",
                Severity::Medium => "MED ",
            };
            println!("    [{mark}] {}: {}", indicator.key, indicator.text);
            if !indicator.deal_ids.is_empty() {
                println!("           deals: {}", indicator.deal_ids.join(", "));
            }
        }
    }
    println!("\nTeams:");
    for team in &report.teams {
        println!("  {}", team.text);
    }
    println!("\nPay-plan features:");
    for feature in &report.plan_features {
        println!(
            "  [{:?}] {} v{} {}: {}",
            feature.severity, feature.plan_id, feature.plan_version, feature.key, feature.text
        );
    }
    if report.high_paying_products.is_empty() {
        println!(
            "\nNo higher-paying products are configured, so product mix is not watched ([comp] high_paying_products)."
        );
    } else {
        println!("\nHigher-paying products watched: {}", report.high_paying_products.join(", "));
    }
    println!("\nMethod:");
    for line in &report.method {
        println!("  - {line}");
    }
    Ok(ExitCode::SUCCESS)
}

async fn record(context: &Context, args: RecordArgs) -> anyhow::Result<ExitCode> {
    let Some(kind) = ComplianceEventKind::parse(&args.kind) else {
        bail!("--kind {:?} is not one of {}", args.kind, ComplianceEventKind::ALL.map(|k| k.as_str()).join(", "))
    };
    let store = context.open_store().await?;
    let data = store.load_dataset().await.context("loading the dataset")?;
    let viewer = authorise(&data, &args.viewer, &context.config.comp.compliance_role, &members(context))?;
    let person = find_person(&data, &args.rep)?.id.to_string();
    if let Some(deal) = &args.deal {
        if !data.deals.iter().any(|d| d.id.as_str() == deal) {
            bail!("no deal {deal:?}");
        }
    }
    let now = Utc::now();
    let event = ComplianceEvent {
        id: format!("ce-{}-{}-{}", person, kind.as_str(), now.format("%Y%m%dT%H%M%S%3f")),
        person_id: person,
        kind,
        occurred_on: args.date,
        deal_id: args.deal,
        detail: args.detail,
    };
    store.save_comp_event(&event, viewer.id(), &crate::store::instant(&now)).await?;
    store.close().await;
    println!("recorded {} {} on {} for {}", event.id, kind.as_str(), event.occurred_on, event.person_id);
    Ok(ExitCode::SUCCESS)
}
