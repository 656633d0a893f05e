//! `candor tools export|check`: the agent tools' JSON Schemas, generated from the Rust types.

use crate::coaching::tools::export;
use clap::Subcommand;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Subcommand)]
pub enum ToolsCommand {
    /// Write every tool's strict-mode definition to DIR/<name>.json.
    Export {
        #[arg(long, default_value = "tools")]
        dir: PathBuf,
    },
    /// Fail when the files in DIR differ from the current types.
    Check {
        #[arg(long, default_value = "tools")]
        dir: PathBuf,
    },
}

pub(super) fn run(command: ToolsCommand) -> anyhow::Result<ExitCode> {
    match command {
        ToolsCommand::Export { dir } => {
            let written = export::write_all(&dir)?;
            println!("wrote {} tool definitions to {}", written.len(), dir.display());
            Ok(ExitCode::SUCCESS)
        }
        ToolsCommand::Check { dir } => {
            let drifted = export::drift(&dir);
            if drifted.is_empty() {
                println!("tool definitions in {} are up to date", dir.display());
                Ok(ExitCode::SUCCESS)
            } else {
                eprintln!("out of date: {} (run `candor tools export`)", drifted.join(", "));
                Ok(ExitCode::FAILURE)
            }
        }
    }
}
