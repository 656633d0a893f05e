//! `candor review list | show | approve | edit | reject`: the reviewer's desk. Decisions name
//! the reviewer (`--as`, or `CANDOR_REVIEWER`), who must be allowed by the draft's policy; an
//! edit needs a reason and is kept as a diff.

use super::Context;
use crate::domain::DraftState;
use crate::store::{DraftQuery, DraftRecord};
use crate::workflow;
use anyhow::Context as _;
use chrono::Utc;
use clap::{Args, Subcommand};
use std::io::Read as _;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Subcommand)]
pub enum ReviewCommand {
    /// Drafts, oldest first (default: every state).
    List {
        /// drafted (waiting for review), approved, edited, rejected, delivered, failed or all.
        #[arg(long, default_value = "all")]
        state: String,
        #[arg(long)]
        run: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// One draft in full: text, provenance, edits, deliveries and its audit trail.
    Show {
        draft_id: String,
        #[arg(long)]
        json: bool,
    },
    /// Approve a draft as it is.
    Approve {
        draft_id: String,
        #[command(flatten)]
        reviewer: Reviewer,
        #[arg(long)]
        reason: Option<String>,
    },
    /// Replace a draft's text and approve it; the change is kept as a diff.
    Edit {
        draft_id: String,
        #[command(flatten)]
        reviewer: Reviewer,
        #[arg(long)]
        reason: String,
        /// File with the new text (default: standard input).
        #[arg(long)]
        file: Option<PathBuf>,
    },
    /// Reject a draft; it is never delivered.
    Reject {
        draft_id: String,
        #[command(flatten)]
        reviewer: Reviewer,
        #[arg(long)]
        reason: String,
    },
}

#[derive(Debug, Args)]
pub struct Reviewer {
    /// Who decides: an email address or person id.
    #[arg(long = "as", env = "CANDOR_REVIEWER")]
    pub who: String,
}

fn line(draft: &DraftRecord) -> String {
    format!("{:<48} {:<18} {:<9} {:<22} {}", draft.id, draft.kind, draft.state, draft.policy, draft.subject)
}

pub(super) async fn run(context: &Context, command: ReviewCommand) -> anyhow::Result<ExitCode> {
    let store = context.open_store().await?;
    let config = &context.config;
    let decided = match command {
        ReviewCommand::List { state, run, json } => {
            let state = match state.as_str() {
                "all" => None,
                text => Some(DraftState::parse(text).with_context(|| {
                    format!("--state {text:?}: expected drafted, approved, edited, rejected, delivered, failed or all")
                })?),
            };
            let drafts = store.drafts(DraftQuery { state, run_id: run.as_deref(), ..DraftQuery::default() }).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&drafts)?);
            } else if drafts.is_empty() {
                println!("no drafts{}", state.map(|s| format!(" in state {s}")).unwrap_or_default());
            } else {
                for draft in &drafts {
                    println!("{}", line(draft));
                }
            }
            return Ok(ExitCode::SUCCESS);
        }
        ReviewCommand::Show { draft_id, json } => {
            return show(&store, &draft_id, json, crate::domain::exponent_of(&config.org.currency)).await
        }
        ReviewCommand::Approve { draft_id, reviewer, reason } => {
            workflow::approve(&store, config, &draft_id, &reviewer.who, reason.as_deref(), Utc::now()).await?
        }
        ReviewCommand::Edit { draft_id, reviewer, reason, file } => {
            let text = match file {
                Some(path) => std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?,
                None => {
                    let mut text = String::new();
                    std::io::stdin().read_to_string(&mut text).context("reading the new text from standard input")?;
                    text
                }
            };
            workflow::edit(&store, config, &draft_id, &reviewer.who, &text, &reason, Utc::now()).await?
        }
        ReviewCommand::Reject { draft_id, reviewer, reason } => {
            workflow::reject(&store, config, &draft_id, &reviewer.who, &reason, Utc::now()).await?
        }
    };
    println!("{} is now {}", decided.id, decided.state);
    Ok(ExitCode::SUCCESS)
}

async fn show(store: &crate::store::Store, draft_id: &str, json: bool, exponent: u32) -> anyhow::Result<ExitCode> {
    let draft = store.draft(draft_id).await?.with_context(|| format!("no draft {draft_id}"))?;
    let edits = store.review_edits(draft_id).await?;
    let deliveries = store.deliveries(draft_id).await?;
    let trail = store.audit_for_subject(draft_id).await?;
    if json {
        let value = serde_json::json!({ "draft": draft, "edits": edits, "deliveries": deliveries, "audit": trail });
        println!("{}", serde_json::to_string_pretty(&value)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "draft     {}\nkind      {}\nto        {} {}",
        draft.id,
        draft.kind,
        draft.recipient_name,
        draft.recipient_email.as_deref().map(|e| format!("<{e}>")).unwrap_or_default()
    );
    println!("state     {} (policy {})", draft.state, draft.policy);
    if let Some(reason) = &draft.hold_reason {
        println!("held      {reason}");
    }
    let findings = |json: &str| serde_json::from_str::<Vec<crate::coaching::Finding>>(json).unwrap_or_default();
    for finding in findings(&draft.provenance.validator_results) {
        println!("finding   {finding}");
    }
    if let Some(refused) = &draft.provenance.refused_draft {
        println!("refused   the model's draft was refused and the deterministic draft recorded instead:");
        for finding in findings(&draft.provenance.model_findings) {
            println!("          {finding}");
        }
        if let Ok(text) = serde_json::from_str::<crate::coaching::Draft>(refused)
            .map(|d| crate::coaching::render::render(&d, &draft.recipient_name, exponent))
        {
            println!("--- refused model draft (never sent) ---\n{}\n---", text.trim_end());
        }
    }
    if let Some(by) = &draft.decided_by {
        println!(
            "decided   by {by} at {}{}",
            draft.decided_at.as_deref().unwrap_or(""),
            draft.decision_reason.as_deref().map(|r| format!(": {r}")).unwrap_or_default()
        );
    }
    println!("subject   {}\n\n{}\n", draft.subject, draft.body.trim_end());
    for edit in &edits {
        println!("edit {} by {} at {}: {}\n{}", edit.seq, edit.editor, edit.edited_at, edit.reason, edit.diff);
    }
    for delivery in &deliveries {
        println!(
            "delivery  {} {} after {} attempts{}",
            delivery.channel,
            delivery.state,
            delivery.attempts,
            delivery.error.as_deref().map(|e| format!(": {e}")).unwrap_or_default()
        );
    }
    for entry in &trail {
        println!("audit     #{} {} {} by {}", entry.seq, entry.recorded_at, entry.action, entry.actor);
    }
    Ok(ExitCode::SUCCESS)
}
