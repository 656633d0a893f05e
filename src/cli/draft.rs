//! `candor draft`: drafts one recipient's message at an `as_of` with the configured (or given)
//! provider and the memory tools when the vector memory opens, stores it with its provenance
//! and prints it.

use super::Context;
use crate::agent::validator::Directory;
use crate::agent::{draft_one, provider, AgentSetup, RunData, Snapshot};
use crate::config::{Config, ProviderKind};
use crate::domain::{Hierarchy, PersonId};
use crate::features::{analyse, start_of_day, Index, Settings};
use crate::store::Store;
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
    /// Print the stored record as JSON instead of the text.
    #[arg(long)]
    pub json: bool,
}

/// The configuration with the provider overridden from the command line.
pub fn with_provider(config: &Config, kind: Option<ProviderKind>) -> Config {
    let mut config = config.clone();
    if let Some(kind) = kind {
        config.llm.provider = kind;
    }
    config
}

/// The stored dataset and the engine's report at `as_of`.
pub async fn run_data(store: &Store, config: &Config, as_of: NaiveDate) -> anyhow::Result<RunData> {
    let dataset = Arc::new(store.load_dataset().await.context("loading the dataset")?);
    let settings = Settings::from_config(config);
    let report = Arc::new(analyse(&Index::new(&dataset), &settings, start_of_day(as_of)));
    Ok(RunData { dataset, report })
}

pub async fn run(context: &Context, args: DraftArgs) -> anyhow::Result<ExitCode> {
    let config = with_provider(&context.config, args.provider);
    config.llm.validate()?;
    let store = context.open_store().await?;
    let as_of = args.as_of.unwrap_or_else(|| Utc::now().date_naive());
    let data = run_data(&store, &config, as_of).await?;
    let id = PersonId::parse(args.recipient.clone())?;
    let person = data
        .dataset
        .people
        .iter()
        .find(|p| p.id == id)
        .ok_or_else(|| crate::agent::AgentError::UnknownRecipient(args.recipient.clone()))?;
    let hierarchy = Hierarchy::new(&data.dataset.people);
    let mut snapshot = Snapshot::build(&data.dataset, &data.report, &hierarchy, person)
        .ok_or_else(|| crate::agent::AgentError::NoDraftForRole(args.recipient.clone(), person.role.to_string()))?;
    let memory = crate::memory::Memory::open_for_agent(&config, &context.data_dir).await;
    let setup = AgentSetup::new(&config, provider::from_config(&config.llm)?)?.with_memory(memory);
    if setup.pay.is_some() {
        let events = store.load_comp_events().await.context("loading compliance events")?;
        setup.attach_pay(&data.dataset, &events, &mut snapshot);
    }
    let directory = Directory::from_dataset(&data.dataset);
    let run_key = format!("adhoc:{as_of}");
    let outcome = draft_one(&setup, snapshot, &directory, &run_key, Some(&store), Utc::now()).await?;
    if args.json {
        let stored = store.draft(&outcome.id).await?;
        println!("{}", serde_json::to_string_pretty(&stored)?);
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
            if outcome.cached { " (reused: identical inputs)" } else { "" }
        );
        for reason in &outcome.fallback_reasons {
            println!("fallback: {reason}");
        }
        println!("stored as draft {} in {}", outcome.id, store.location());
    }
    Ok(if outcome.valid { ExitCode::SUCCESS } else { ExitCode::from(4) })
}
