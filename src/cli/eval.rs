//! `candor eval`: runs the eval suites with a provider, prints the figures and writes a JSON
//! report per suite; `--require-perfect` exits non-zero unless grounding, scope and compliance
//! are all 1.0.

use super::draft::with_provider;
use super::Context;
use crate::coaching::provider;
use crate::config::ProviderKind;
use crate::testkit::eval::{run_suite, Suite};
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// offline or openai; default from `llm.provider`.
    #[arg(long)]
    pub provider: Option<ProviderKind>,
    /// Run only this suite (its `name`); default: every suite.
    #[arg(long)]
    pub suite: Option<String>,
    #[arg(long, default_value = "evals/suites")]
    pub suites_dir: PathBuf,
    #[arg(long, default_value = "evals/reports")]
    pub reports_dir: PathBuf,
    /// Exit with code 5 unless grounding, scope and compliance are 1.0 for every suite.
    #[arg(long)]
    pub require_perfect: bool,
}

pub(super) async fn run(context: &Context, args: EvalArgs) -> anyhow::Result<ExitCode> {
    let config = with_provider(&context.config, args.provider);
    config.llm.validate()?;
    let suites: Vec<Suite> = Suite::load_dir(&args.suites_dir)?
        .into_iter()
        .filter(|s| args.suite.as_ref().is_none_or(|name| &s.name == name))
        .collect();
    if suites.is_empty() {
        anyhow::bail!("no eval suite matches in {}", args.suites_dir.display());
    }
    let provider = provider::from_config(&config.llm)?;
    let mut perfect = true;
    for suite in &suites {
        let report = run_suite(&config, suite, provider.clone()).await?;
        print!("{}", report.table());
        let path = report.write(&args.reports_dir)?;
        println!("report: {}", path.display());
        perfect &= report.is_perfect();
    }
    if args.require_perfect && !perfect {
        eprintln!("eval: grounding, scope and compliance must all be 1.0");
        return Ok(ExitCode::from(5));
    }
    Ok(ExitCode::SUCCESS)
}
