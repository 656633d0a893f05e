//! `candor audit verify`: walks the hash chain of the audit log and names the first entry that
//! was changed, removed or moved. Exit code 0 when intact, 2 when broken.

use super::Context;
use clap::Subcommand;
use std::process::ExitCode;

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check every entry's hash and link, from the first to the head.
    Verify {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

pub(super) async fn run(context: &Context, command: AuditCommand) -> anyhow::Result<ExitCode> {
    let AuditCommand::Verify { json } = command;
    let store = context.open_store().await?;
    let verification = crate::workflow::verify(&store).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&verification)?);
    } else if let Some(broken) = &verification.first_break {
        println!("audit log BROKEN at entry {}: {}", broken.seq, broken.reason);
        println!("{} entries before it verified", verification.entries);
    } else {
        println!(
            "audit log intact: {} entries, head {} (retention {} years)",
            verification.entries, verification.head_hash, context.config.audit.retention_years
        );
    }
    Ok(if verification.intact() { ExitCode::SUCCESS } else { ExitCode::from(2) })
}
