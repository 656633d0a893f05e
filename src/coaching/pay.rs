//! A rep's pay outlook for the nudge's bonus line, when incentive plans are configured: the
//! statement so far for the period, and what each of the most urgent deals due this period
//! costs if it slips into the next. The comp engine computes every figure (never the model),
//! and the outlook is stored in the snapshot so the validator grounds what the bonus line says.
//! Without configured plan files nothing is computed and the line says no plan is loaded:
//! the built-in example plan is not anyone's real pay plan.

use super::snapshot::Snapshot;
use crate::config::Config;
use crate::domain::{Currency, Dataset, FiscalCalendar, Money, Period, Role};
use crate::engine::pay::{calculate, gather, slip_cost, ComplianceEvent, GatherRequest, PlanBook};
use chrono::NaiveDate;
use serde::Serialize;

/// Slipping deals the bonus line names; more would crowd out the rest of the nudge.
const SLIPS_IN_OUTLOOK: usize = 2;

/// The configured plans and the calendar their periods follow.
#[derive(Debug, Clone)]
pub struct PayContext {
    pub book: PlanBook,
    pub calendar: FiscalCalendar,
}

impl PayContext {
    /// The book of the configured plan files; `None` when no plan file is configured.
    pub fn from_config(config: &Config) -> Result<Option<PayContext>, String> {
        if config.comp.plan_files.is_empty() {
            return Ok(None);
        }
        let mut texts = Vec::new();
        for path in &config.comp.plan_files {
            texts
                .push(std::fs::read_to_string(path).map_err(|e| format!("reading plan file {}: {e}", path.display()))?);
        }
        let book = PlanBook::from_texts(texts.iter().map(String::as_str)).map_err(|e| e.to_string())?;
        Ok(Some(PayContext { book, calendar: config.fiscal_calendar() }))
    }
}

/// What one deal slipping to the next period does to this period's pay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SlipLine {
    pub deal_id: String,
    pub deal_name: String,
    pub due_on: NaiveDate,
    pub slips_to: NaiveDate,
    /// Pay for the period lost if the deal slips (zero or more).
    pub cost_minor: i64,
}

/// The rep's statement so far and the cost of their urgent deals slipping.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PayOutlook {
    pub person_id: String,
    pub plan_name: String,
    pub period: String,
    pub statement_as_of: NaiveDate,
    pub earned_minor: i64,
    pub payable_minor: i64,
    pub slips: Vec<SlipLine>,
}

/// The outlook for the snapshot's rep, or `None` for another role, a period or currency the
/// plans do not cover, or a statement that cannot be computed (the line then falls back to
/// attainment, and the reason is logged).
pub(crate) fn outlook(
    dataset: &Dataset,
    context: &PayContext,
    events: &[ComplianceEvent],
    snapshot: &Snapshot,
) -> Option<PayOutlook> {
    if snapshot.recipient.role != Role::Rep {
        return None;
    }
    let period: Period = snapshot.period.parse().ok()?;
    let person_id = snapshot.recipient.person_id.as_str();
    let request = GatherRequest {
        book: &context.book,
        calendar: context.calendar,
        person_id,
        period,
        as_of: snapshot.as_of,
        events,
    };
    let statement = match gather(dataset, &request).and_then(|inputs| calculate(&inputs)) {
        Ok(statement) => statement,
        Err(error) => {
            tracing::warn!(person = person_id, %error, "no pay outlook for the nudge");
            return None;
        }
    };
    if statement.currency.as_str() != snapshot.currency {
        return None;
    }
    let next_period_starts = context.calendar.end_exclusive(period);
    let mut slips = Vec::new();
    for deal in snapshot.deals_by_urgency() {
        if slips.len() == SLIPS_IN_OUTLOOK {
            break;
        }
        let Some(close) = deal.close_date else { continue };
        // An overdue deal is treated as due today: slipping still moves it out of the period.
        let due_on = close.max(snapshot.as_of);
        let Ok(currency) = Currency::parse(&deal.currency) else { continue };
        if due_on >= next_period_starts || deal.amount_minor <= 0 {
            continue;
        }
        let amount = Money::new(deal.amount_minor, currency);
        match slip_cost(dataset, &request, &deal.deal_id, amount, due_on, next_period_starts) {
            Ok(cost) if cost.due_period_change_minor < 0 => slips.push(SlipLine {
                deal_id: deal.deal_id.clone(),
                deal_name: deal.name.clone(),
                due_on,
                slips_to: next_period_starts,
                cost_minor: -cost.due_period_change_minor,
            }),
            Ok(_) => {}
            Err(error) => tracing::warn!(deal = %deal.deal_id, %error, "no slip cost for the nudge"),
        }
    }
    Some(PayOutlook {
        person_id: person_id.to_owned(),
        plan_name: statement.plan_name,
        period: statement.period,
        statement_as_of: statement.as_of,
        earned_minor: statement.totals.earned_minor,
        payable_minor: statement.totals.payable_minor,
        slips,
    })
}
