//! Everything a statement is computed from, gathered once and kept: the plan, the quota, the
//! deals credited, the compliance events and client outcomes. Stored as JSON beside the
//! statement, these inputs reproduce it exactly.

use super::book::PlanBook;
use super::facts::{won_deals, WonDeal};
use super::plan::{ComplianceEventKind, Plan};
use super::CompError;
use crate::domain::{Dataset, FiscalCalendar, Money, Period};
use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Something compliance recorded against a person: a breach, a complaint, a file review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplianceEvent {
    pub id: String,
    pub person_id: String,
    pub kind: ComplianceEventKind,
    pub occurred_on: NaiveDate,
    pub deal_id: Option<String>,
    pub detail: String,
}

/// One period of one person's pay: its plan, quota and the deals credited in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeriodFacts {
    pub period: Period,
    pub start: NaiveDate,
    /// First day after the period.
    pub end: NaiveDate,
    pub plan: Plan,
    pub quota: Option<Money>,
    /// Deals won in the period by `as_of` in which the person has a credit share.
    pub deals: Vec<WonDeal>,
}

/// A credited deal as the client-outcome modifiers see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutcomeDeal {
    pub deal_id: String,
    pub won_on: NaiveDate,
    pub cancelled_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementInputs {
    pub person_id: String,
    pub person_name: String,
    pub as_of: NaiveDate,
    pub current: PeriodFacts,
    /// Earlier periods holding a deal cancelled inside the current period (for clawbacks).
    pub earlier: Vec<PeriodFacts>,
    /// The person's credited deals over the longest modifier look-back.
    pub outcomes: Vec<OutcomeDeal>,
    /// The person's compliance events up to `as_of`.
    pub events: Vec<ComplianceEvent>,
}

/// What [`gather`] needs beyond the dataset.
#[derive(Debug, Clone, Copy)]
pub struct GatherRequest<'a> {
    pub book: &'a PlanBook,
    pub calendar: FiscalCalendar,
    pub person_id: &'a str,
    pub period: Period,
    pub as_of: NaiveDate,
    /// Compliance events for any people; only the person's are kept.
    pub events: &'a [ComplianceEvent],
}

fn period_facts(
    data: &Dataset,
    request: &GatherRequest<'_>,
    won: &[WonDeal],
    period: Period,
) -> Result<PeriodFacts, CompError> {
    let person = data
        .people
        .iter()
        .find(|p| p.id.as_str() == request.person_id)
        .ok_or_else(|| CompError::UnknownPerson(request.person_id.to_owned()))?;
    let (start, end) = (request.calendar.start(period), request.calendar.end_exclusive(period));
    let plan = request.book.plan_for(person, start, end)?.clone();
    let quota = data.quotas.iter().find(|q| q.person_id == person.id && q.period == period).map(|q| q.amount);
    let deals = won
        .iter()
        .filter(|d| d.won_on >= start && d.won_on < end && d.share_of(request.person_id).is_some())
        .cloned()
        .collect();
    Ok(PeriodFacts { period, start, end, plan, quota, deals })
}

/// The period of the same length as `like` (quarter or year) that contains `date`.
pub fn period_like(calendar: FiscalCalendar, like: Period, date: NaiveDate) -> Period {
    match like {
        Period::Year { .. } => Period::Year { fiscal_year: calendar.fiscal_year(date) },
        Period::Quarter { .. } => calendar.quarter_of(date),
    }
}

/// Gathers the inputs of `person`'s statement for `period` as known at the end of `as_of`.
pub fn gather(data: &Dataset, request: &GatherRequest<'_>) -> Result<StatementInputs, CompError> {
    let won = won_deals(data, request.as_of);
    gather_from(data, request, &won)
}

/// [`gather`] over won deals already read (the what-if replaces one of them).
pub fn gather_from(data: &Dataset, request: &GatherRequest<'_>, won: &[WonDeal]) -> Result<StatementInputs, CompError> {
    let person = data
        .people
        .iter()
        .find(|p| p.id.as_str() == request.person_id)
        .ok_or_else(|| CompError::UnknownPerson(request.person_id.to_owned()))?;
    let current = period_facts(data, request, won, request.period)?;
    let mut earlier_periods = BTreeSet::new();
    for deal in won.iter().filter(|d| d.share_of(request.person_id).is_some() && d.won_on < current.start) {
        if deal.cancelled_on.is_some_and(|c| c >= current.start && c < current.end) {
            earlier_periods.insert(period_like(request.calendar, request.period, deal.won_on));
        }
    }
    let mut earlier = Vec::new();
    for period in earlier_periods {
        let facts = period_facts(data, request, won, period)?;
        let window = facts.plan.clawback.map(|c| i64::from(c.window_days));
        let in_window = |d: &WonDeal| {
            d.cancelled_on.is_some_and(|c| c >= current.start && c < current.end)
                && window.is_some_and(|w| d.cancelled_on.is_some_and(|c| (c - d.won_on).num_days() <= w))
        };
        if facts.deals.iter().any(in_window) {
            earlier.push(facts);
        }
    }
    let lookback = current
        .plan
        .modifiers
        .iter()
        .map(|m| m.lookback_days)
        .chain(earlier.iter().flat_map(|f| f.plan.modifiers.iter().map(|m| m.lookback_days)))
        .max()
        .unwrap_or(0);
    let first_period_end = earlier.iter().map(|f| f.end).min().unwrap_or(current.end).min(current.end);
    let from = first_period_end - Duration::days(i64::from(lookback));
    let outcomes = won
        .iter()
        .filter(|d| d.share_of(request.person_id).is_some() && d.won_on >= from && d.won_on < current.end)
        .map(|d| OutcomeDeal { deal_id: d.deal_id.clone(), won_on: d.won_on, cancelled_on: d.cancelled_on })
        .collect();
    let mut events: Vec<ComplianceEvent> = request
        .events
        .iter()
        .filter(|e| e.person_id == request.person_id && e.occurred_on <= request.as_of)
        .cloned()
        .collect();
    events.sort_by(|a, b| (a.occurred_on, a.id.as_str()).cmp(&(b.occurred_on, b.id.as_str())));
    Ok(StatementInputs {
        person_id: request.person_id.to_owned(),
        person_name: person.name.clone(),
        as_of: request.as_of,
        current,
        earlier,
        outcomes,
        events,
    })
}

impl StatementInputs {
    /// A stable fingerprint of the inputs (SHA-256 of their JSON).
    pub fn fingerprint(&self) -> Result<String, CompError> {
        use sha2::{Digest, Sha256};
        let json = serde_json::to_string(self).map_err(|e| CompError::Serialise(e.to_string()))?;
        Ok(hex::encode(Sha256::digest(json.as_bytes())))
    }
}
