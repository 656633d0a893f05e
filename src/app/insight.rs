//! The engine's view of the organisation at a date, from what the store holds now: the risk
//! report every insight use case reads (deal flags, scorecards, roll-ups, forecast), and finding
//! the person a request names.

use super::AppError;
use crate::config::Config;
use crate::domain::{Dataset, Person};
use crate::engine::risk::{analyse, start_of_day, Index, RiskReport, Scorecard};
use crate::store::Store;
use chrono::NaiveDate;

/// Runs the engine over the stored data at the start of `as_of`.
pub(crate) async fn report_at(store: &Store, config: &Config, as_of: NaiveDate) -> Result<RiskReport, AppError> {
    let engine = store.load_engine_data().await?;
    let settings = config.risk_settings();
    let as_of = start_of_day(as_of);
    tokio::task::spawn_blocking(move || analyse(&Index::from_engine(&engine), &settings, as_of))
        .await
        .map_err(|e| AppError::Unfinished(format!("running the engine: {e}")))
}

/// A person by id or by any of their email addresses.
pub(crate) fn find_person<'d>(data: &'d Dataset, text: &str) -> Result<&'d Person, AppError> {
    let wanted = text.trim().to_lowercase();
    data.people
        .iter()
        .find(|p| p.id.as_str() == text.trim() || p.emails.iter().any(|e| e.to_lowercase() == wanted))
        .ok_or_else(|| AppError::NotFound(format!("no person {text:?} in the data (use a person id or email)")))
}

/// The rep's scorecard and their team's (same manager, or every rep when there is none).
pub(crate) fn card_and_team<'r>(
    report: &'r RiskReport,
    person_id: &str,
) -> Result<(&'r Scorecard, Vec<&'r Scorecard>), AppError> {
    let card = report
        .reps
        .iter()
        .find(|c| c.person_id == person_id)
        .ok_or_else(|| AppError::Invalid(format!("{person_id} has no scorecard (only reps have one)")))?;
    let team = report
        .reps
        .iter()
        .filter(|c| c.person_id != person_id && (card.manager_id.is_none() || c.manager_id == card.manager_id))
        .collect();
    Ok((card, team))
}
