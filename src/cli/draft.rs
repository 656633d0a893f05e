//! `candor draft`: previews one recipient's message at an `as_of` with the configured (or given)
//! provider and the memory tools when the vector memory opens, through the same drafting as the
//! weekly run, and prints it. A preview is not a week's draft: it is not stored, reviewed or
//! delivered (the weekly run is the only way those are made).

use super::Context;
use crate::coaching::{AgentError, AgentSetup, OrgSnapshot};
use crate::config::{Config, ProviderKind};
use crate::domain::PersonId;
use crate::engine::risk::start_of_day;
use anyhow::Context as _;
use chrono::{NaiveDate, Utc};
use clap::Args;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Debug, Args)]
pub struct DraftArgs {
    /// The person to draft for (a rep, manager or leader id).
    #[arg(long)]
    pub recipient: String,
    /// The date the data is read at (YYYY-MM-DD); default: today (UTC).
    #[arg(long)]
    pub as_of: Option<NaiveDate>,
    /// offline or openai; default from `llm.provider`.
    #[arg(long)]
    pub provider: Option<ProviderKind>,
    /// Print the draft and its provenance as JSON instead of the text.
    #[arg(long)]
    pub json: bool,
}

/// The configuration with the provider overridden from the command line.
pub(super) fn with_provider(config: &Config, kind: Option<ProviderKind>) -> Config {
    let mut config = config.clone();
    if let Some(kind) = kind {
        config.llm.provider = kind;
    }
    config
}

pub(super) async fn run(context: &Context, args: DraftArgs) -> anyhow::Result<ExitCode> {
    let config = with_provider(&context.config, args.provider);
    config.llm.validate()?;
    let store = context.open_store().await?;
    let as_of = start_of_day(args.as_of.unwrap_or_else(|| Utc::now().date_naive()));
    let org = Arc::new(OrgSnapshot::load(&store, &config, as_of).await.context("computing the snapshot")?);
    let id = PersonId::parse(args.recipient.clone())?;
    let person = org
        .dataset()
        .people
        .iter()
        .find(|p| p.id == id)
        .cloned()
        .ok_or_else(|| AgentError::UnknownRecipient(args.recipient.clone()))?;
    let memory = crate::coaching::memory::Memory::open_for_agent(&config, &context.data_dir).await;
    let setup = AgentSetup::from_config(&config)?.with_memory(memory);
    let outcome = setup.draft_for(&org, &person, &store).await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&outcome)?);
    } else {
        print!("{}", outcome.rendered);
        println!(
            "\n---\n{} {} by {} ({}), prompt {}; {} prompt + {} completion tokens in {} model calls{}",
            outcome.kind.as_str(),
            outcome.status.as_str(),
            outcome.provider,
            outcome.model,
            outcome.prompt_version,
            outcome.usage.prompt_tokens,
            outcome.usage.completion_tokens,
            outcome.model_calls,
            outcome.cached_from.as_deref().map(|id| format!(" (reused {id}: identical inputs)")).unwrap_or_default()
        );
        for reason in &outcome.fallback_reasons {
            println!("fallback: {reason}");
        }
        println!("a preview: not stored; the weekly run (candor run) makes the week's drafts");
    }
    Ok(if outcome.valid { ExitCode::SUCCESS } else { ExitCode::from(4) })
}
