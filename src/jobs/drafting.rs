//! The drafting step's contract: given a recipient and the organisation's snapshot, produce one
//! message (subject, Markdown body, provenance). The agent satisfies it in production;
//! [`TemplateDrafter`] is a deterministic stand-in built from the engine's numbers alone.

use super::snapshot::OrgSnapshot;
use crate::domain::Person;
use crate::features::numbers::money_text;
use crate::review::DraftKind;
use serde_json::json;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

#[derive(Debug, Clone)]
pub struct DraftRequest {
    /// Unique per (recipient, kind, week): the key a drafter may store its draft under, so a
    /// repeated request after a crash finds the earlier draft instead of spending tokens again.
    pub draft_id: String,
    pub run_id: String,
    pub week: String,
    pub kind: DraftKind,
    pub recipient: Person,
    pub snapshot: Arc<OrgSnapshot>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DraftedMessage {
    pub subject: String,
    /// Markdown.
    pub body: String,
    /// Provider, model, prompt and ruleset versions, inputs hash, validator results, fallback.
    pub provenance: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DraftError {
    /// Worth retrying: the provider timed out or the store was busy.
    #[error("{0}")]
    Transient(String),
    /// The recipient cannot be drafted for (unknown person, role without a draft).
    #[error("{0}")]
    Fatal(String),
}

pub type DraftFuture<'a> = Pin<Box<dyn Future<Output = Result<DraftedMessage, DraftError>> + Send + 'a>>;

/// Drafts one recipient's message.
pub trait Drafter: Send + Sync {
    fn draft<'a>(&'a self, request: &'a DraftRequest) -> DraftFuture<'a>;
}

/// Writes each message from the engine's report with fixed templates: no model, no network,
/// the same bytes for the same snapshot.
#[derive(Debug, Clone, Default)]
pub struct TemplateDrafter;

impl Drafter for TemplateDrafter {
    fn draft<'a>(&'a self, request: &'a DraftRequest) -> DraftFuture<'a> {
        Box::pin(async move { Ok(template_draft(request)) })
    }
}

fn money(report: &crate::features::RiskReport, minor: i64) -> String {
    money_text(minor, &report.currency, 2)
}

pub fn template_draft(request: &DraftRequest) -> DraftedMessage {
    let snapshot = &request.snapshot;
    let report = &snapshot.report;
    let person = &request.recipient;
    let first_name = person.name.split_whitespace().next().unwrap_or(&person.name);
    let mut body = format!("Hello {first_name},\n\n");
    let subject = match request.kind {
        DraftKind::RepNudge => {
            let mut deals: Vec<_> =
                report.deals.iter().filter(|d| d.owner_id == person.id.as_str() && !d.flags.is_empty()).collect();
            deals.sort_by(|a, b| b.highest_severity.cmp(&a.highest_severity).then(b.amount_minor.cmp(&a.amount_minor)));
            body.push_str("## Deals that need you this week\n\n");
            if deals.is_empty() {
                body.push_str("None of your open deals is flagged this week.\n");
            }
            for deal in deals.iter().take(3) {
                body.push_str(&format!(
                    "- **{}** ({}): {}\n",
                    deal.name,
                    money(report, deal.amount_minor),
                    deal.flags[0].reason
                ));
            }
            if let Some(card) = report.reps.iter().find(|c| c.person_id == person.id.as_str()) {
                body.push_str(&format!(
                    "\n## Progress\n\nBooked {} of a {} quota in {}.\n",
                    money(report, card.booked_minor),
                    money(report, card.quota_minor),
                    card.period
                ));
            }
            format!("{} deals need you this week ({})", deals.len().min(3), request.week)
        }
        DraftKind::ManagerBrief => {
            let team = report.teams.iter().find(|t| t.manager_id == person.id.as_str());
            body.push_str("## People who need you this week\n\n");
            let reps = team.map(|t| t.reps.as_slice()).unwrap_or(&[]);
            if reps.is_empty() {
                body.push_str("Nobody on your team stands out this week.\n");
            }
            for rep in reps.iter().take(3) {
                let why = rep.reasons.first().map(|r| r.text.as_str()).unwrap_or("see their deals");
                body.push_str(&format!("{}. **{}**: {}\n", rep.rank, rep.name, why));
            }
            format!("Your team this week ({})", request.week)
        }
        DraftKind::ForecastMemo => {
            let forecast = &report.forecast;
            body.push_str(&format!(
                "## Forecast for {}\n\nP10 {}, P50 {}, P90 {} against a target of {} and a commit of {}.\n",
                forecast.period,
                money(report, forecast.p10_minor),
                money(report, forecast.p50_minor),
                money(report, forecast.p90_minor),
                money(report, forecast.target_minor),
                money(report, forecast.commit_minor)
            ));
            format!("Forecast risk, {} ({})", forecast.period, request.week)
        }
    };
    body.push_str("\nCandor\n");
    DraftedMessage {
        subject,
        body,
        provenance: json!({
            "provider": "template",
            "model": null,
            "ruleset_version": report.ruleset_version,
            "as_of": snapshot.as_of.to_rfc3339(),
            "fallback": false,
        }),
    }
}
