//! Command-line interface: parses arguments, loads configuration, opens the store and runs one
//! command. Errors end as one line on stderr and a non-zero exit code.

mod audit;
mod backtest;
#[cfg(feature = "testkit")]
mod bench;
mod comp;
mod conduct;
#[cfg(feature = "testkit")]
mod demo;
#[cfg(feature = "testkit")]
mod demo_files;
#[cfg(feature = "testkit")]
mod demo_week;
mod draft;
#[cfg(feature = "testkit")]
mod eval;
mod forecast;
mod import;
mod pip;
mod quota;
mod recognition;
mod review;
mod risk;
mod run;
mod runs;
mod serve;
mod stats;
mod sync;
mod tools;
mod user;

use crate::config::Config;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(
    name = "candor",
    version,
    about = "Sales coaching for regulated financial services: deal risk, rep nudges, manager briefs, forecast memos"
)]
pub struct Cli {
    /// Where Candor keeps its embedded database and files.
    #[arg(long, global = true, default_value = "./candor-data", env = "CANDOR_DATA_DIR")]
    pub data_dir: PathBuf,
    /// Configuration file (default: ./candor.toml when it exists).
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create or upgrade the database schema.
    Migrate,
    /// Build the synthetic demo organisation in the data directory and show what it made.
    #[cfg(feature = "testkit")]
    Demo(demo::DemoArgs),
    /// Import records from files.
    #[command(subcommand)]
    Import(import::ImportCommand),
    /// Counts per entity, pipeline by stage and won amount by currency.
    Stats {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Show configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Measure and print performance figures.
    #[cfg(feature = "testkit")]
    Bench(bench::BenchArgs),
    /// Start the weekly coaching run for a week; `--wait` works it here with progress.
    Run(run::RunArgs),
    /// List runs and their state (queued, running, completed, failed).
    Runs(runs::RunsArgs),
    /// Review drafts: list, show, approve, edit, reject.
    #[command(subcommand)]
    Review(review::ReviewCommand),
    /// Check the audit log.
    #[command(subcommand)]
    Audit(audit::AuditCommand),
    /// Run the HTTP listener, the job workers and the scheduler.
    Serve(serve::ServeArgs),
    /// Pull new and changed records from the enabled CRM, calendar and mail sources.
    Sync(sync::SyncArgs),
    /// Draft one recipient's coaching message and print it.
    Draft(draft::DraftArgs),
    /// Run the eval suites and print (and write) the figures.
    #[cfg(feature = "testkit")]
    Eval(eval::EvalArgs),
    /// Export or check the agent tools' JSON Schemas.
    #[command(subcommand)]
    Tools(tools::ToolsCommand),
    /// Deal risk with evidence, rep scorecards and team roll-ups at a date.
    Risk(risk::RiskArgs),
    /// The period's forecast risk: P10/P50/P90 against target and commit, downside, exposures.
    Forecast(forecast::ForecastArgs),
    /// Replay the engine at past dates and score it against what happened.
    Backtest(backtest::BacktestArgs),
    /// Pay statements, what-if estimates and the incentive plans.
    #[command(subcommand)]
    Comp(comp::CompCommand),
    /// Quota suggestions from history and pipeline.
    #[command(subcommand)]
    Quota(quota::QuotaCommand),
    /// Leaderboards on outcomes, quota streaks, personal bests and the week's wins.
    Recognition(recognition::RecognitionArgs),
    /// Improvement plans, check-ins and review drafts.
    #[command(subcommand)]
    Pip(pip::PipCommand),
    /// Conduct-risk surveillance and compliance events (compliance role only).
    #[command(subcommand)]
    Conduct(conduct::ConductCommand),
    /// Accounts for the API and the web app: add, list, disable.
    #[command(subcommand)]
    User(user::UserCommand),
    /// Personal API tokens: create (shown once), list, revoke.
    #[command(subcommand)]
    Token(user::TokenCommand),
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print the effective configuration with secrets redacted.
    Show,
}

pub use crate::app::Context;

fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    // The embedded vector library warns about its own internals at start-up; those lines say
    // nothing a user can act on, so they show only when `CANDOR_LOG` asks for them.
    let filter = EnvFilter::try_from_env("CANDOR_LOG").unwrap_or_else(|_| EnvFilter::new("warn,qdrant_edge=error"));
    // People read coloured lines on a terminal; anything else (a service manager, a log
    // shipper, CI) gets one JSON object per line.
    if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
    } else {
        let _ = tracing_subscriber::fmt().json().with_env_filter(filter).with_writer(std::io::stderr).try_init();
    }
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {}", error_chain(&error));
            ExitCode::FAILURE
        }
    }
}

/// `outer: inner: root`, skipping a cause whose text the outer message already contains.
fn error_chain(error: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in error.chain() {
        let message = cause.to_string();
        if !text.contains(&message) {
            if !text.is_empty() {
                text.push_str(": ");
            }
            text.push_str(&message);
        }
    }
    text
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let config = Config::load(cli.config.as_deref())?;
    let context = Context::new(config, cli.data_dir);
    match cli.command {
        Command::Migrate => {
            let store = context.open_store().await.context("opening the store")?;
            println!("database ready at {}", store.location());
            Ok(ExitCode::SUCCESS)
        }
        #[cfg(feature = "testkit")]
        Command::Demo(args) => demo::run(&context, args).await,
        Command::Import(command) => import::run(&context, command).await,
        Command::Stats { json } => stats::run(&context, json).await,
        Command::Config(ConfigCommand::Show) => {
            print!("{}", context.config.redacted_toml());
            Ok(ExitCode::SUCCESS)
        }
        #[cfg(feature = "testkit")]
        Command::Bench(args) => bench::run(&context, args).await,
        Command::Run(args) => run::run(&context, args).await,
        Command::Runs(args) => runs::run(&context, args).await,
        Command::Review(command) => review::run(&context, command).await,
        Command::Audit(command) => audit::run(&context, command).await,
        Command::Serve(args) => serve::run(&context, args).await,
        Command::Sync(args) => sync::run(&context, args).await,
        Command::Draft(args) => draft::run(&context, args).await,
        #[cfg(feature = "testkit")]
        Command::Eval(args) => eval::run(&context, args).await,
        Command::Tools(command) => tools::run(command),
        Command::Risk(args) => risk::run(&context, args).await,
        Command::Forecast(args) => forecast::run(&context, args).await,
        Command::Backtest(args) => backtest::run(&context, args).await,
        Command::Comp(command) => comp::run(&context, command).await,
        Command::Quota(command) => quota::run(&context, command).await,
        Command::Recognition(args) => recognition::run(&context, args).await,
        Command::Pip(command) => pip::run(&context, command).await,
        Command::Conduct(command) => conduct::run(&context, command).await,
        Command::User(command) => user::user(&context, command).await,
        Command::Token(command) => user::token(&context, command).await,
    }
}
