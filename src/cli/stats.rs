//! `candor stats`: counts per entity, pipeline by stage, won amount by currency.

use super::Context;
use crate::domain::{Currency, Money};
use crate::store::Stats;
use std::process::ExitCode;

pub(super) async fn run(context: &Context, json: bool) -> anyhow::Result<ExitCode> {
    let store = context.open_store().await?;
    let stats = store.stats().await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&stats)?);
    } else {
        print!("{}", render(&stats));
    }
    Ok(ExitCode::SUCCESS)
}

/// A stored total in the exact style. A code that is not one is shown in minor units rather
/// than with guessed decimals: `stats` is for checking an import, so it must not hide a bad code.
fn money(minor: i64, currency: &str) -> String {
    match Currency::parse(currency) {
        Ok(currency) => Money::new(minor, currency).to_string(),
        Err(_) => format!("{minor} (minor units) {currency}"),
    }
}

/// The human-readable form of [`Stats`].
pub(super) fn render(stats: &Stats) -> String {
    let mut out = String::new();
    let rows = [
        ("people", stats.people),
        ("accounts", stats.accounts),
        ("contacts", stats.contacts),
        ("products", stats.products),
        ("deals", stats.deals),
        ("  won", stats.deals_won),
        ("  lost", stats.deals_lost),
        ("  open", stats.deals_open),
        ("deal history rows", stats.deal_history),
        ("deal contact roles", stats.deal_contact_roles),
        ("activities", stats.activities),
        ("activity-deal links", stats.activity_deal_links),
        ("quotas", stats.quotas),
    ];
    for (label, count) in rows {
        out.push_str(&format!("{label:<22}{count:>12}\n"));
    }
    out.push_str("\nwon amount\n");
    for (currency, minor) in &stats.won_amount_minor {
        out.push_str(&format!("  {:>30}\n", money(*minor, currency)));
    }
    out.push_str("\npipeline by stage\n");
    out.push_str(&format!("  {:<10} {:<16} {:<6} {:>8}  {}\n", "pipeline", "stage", "status", "deals", "amount"));
    for stage in &stats.pipeline_by_stage {
        let amounts: Vec<String> = stage.amount_minor.iter().map(|(c, m)| money(*m, c)).collect();
        out.push_str(&format!(
            "  {:<10} {:<16} {:<6} {:>8}  {}\n",
            stage.pipeline,
            stage.stage,
            stage.status,
            stage.deals,
            amounts.join(", ")
        ));
    }
    out
}
