//! Turns a deal's planned timeline into what a CRM would show at `as_of` — the deal row, its
//! field history and buyer roles — and, for deals still open then, the hidden outcome.

use super::accounts::{Book, PRODUCTS};
use super::plan::{Change, DealPlan, Fate, STAGE_KEYS};
use super::text::next_step_text;
use super::{DealTruth, TrueOutcome};
use crate::domain::{
    ContactId, CreditSplit, Currency, Deal, DealContactRole, DealField, DealHistory, DealId, ForecastCategory,
    HistoryId, IdError, Money, PersonId, SourceName,
};
use chrono::{DateTime, NaiveDate, Utc};

pub(crate) struct DealRows {
    pub deal: Deal,
    pub history: Vec<DealHistory>,
    pub roles: Vec<DealContactRole>,
    pub truth: Option<DealTruth>,
}

pub(crate) struct RowContext<'a> {
    pub source: &'a SourceName,
    pub book: &'a Book,
    pub owner_ids: &'a [PersonId],
    pub as_of: DateTime<Utc>,
    pub horizon: DateTime<Utc>,
}

pub(crate) fn deal_external_id(no: usize) -> String {
    format!("deal-{no:06}")
}

/// Field values as the plan tracks them, before they become canonical text.
#[derive(Clone, Copy)]
struct Current {
    stage: u8,
    amount: i64,
    close: NaiveDate,
    forecast: ForecastCategory,
}

fn text_of(change: Change) -> (DealField, String) {
    match change {
        Change::Stage(s) => (DealField::Stage, STAGE_KEYS[usize::from(s).min(6)].to_owned()),
        Change::Amount(a) => (DealField::Amount, a.to_string()),
        Change::CloseDate(d) => (DealField::CloseDate, d.format("%Y-%m-%d").to_string()),
        Change::Forecast(f) => (DealField::ForecastCategory, f.as_str().to_owned()),
    }
}

pub(crate) fn build_rows(
    cx: &RowContext<'_>,
    no: usize,
    plan: &DealPlan,
    id: DealId,
    external_id: String,
    next_step: Option<(DateTime<Utc>, u8)>,
) -> Result<DealRows, IdError> {
    let mut current = Current { stage: 0, amount: 0, close: plan.planned_close, forecast: ForecastCategory::Pipeline };
    let mut previous: [Option<String>; 4] = [None, None, None, None];
    let mut history = Vec::with_capacity(plan.events.len());
    for (k, event) in plan.events.iter().enumerate() {
        if event.at > cx.as_of {
            break;
        }
        let slot = match event.change {
            Change::Stage(s) => {
                current.stage = s;
                0
            }
            Change::Amount(a) => {
                current.amount = a;
                1
            }
            Change::CloseDate(d) => {
                current.close = d;
                2
            }
            Change::Forecast(f) => {
                current.forecast = f;
                3
            }
        };
        let (field, value) = text_of(event.change);
        let history_ext = format!("{external_id}-h{k:02}");
        history.push(DealHistory {
            id: HistoryId::from_source(cx.source, &history_ext)?,
            source: cx.source.clone(),
            external_id: history_ext,
            deal_id: id.clone(),
            field,
            old_value: previous[slot].take(),
            new_value: Some(value.clone()),
            changed_at: event.at,
        });
        previous[slot] = Some(value);
    }

    let account = &cx.book.accounts[plan.account];
    let spec = &PRODUCTS[plan.product];
    let owner = cx.owner_ids.get(plan.rep).cloned();
    let owner_id = match owner {
        Some(owner) => owner,
        None => PersonId::parse("sim:unassigned")?,
    };
    let closed_at = plan.end.filter(|e| *e <= cx.as_of);
    let splits = match plan.split.and_then(|(r, bp)| cx.owner_ids.get(r).map(|p| (p, bp))) {
        Some((partner, bp)) if *partner != owner_id => vec![
            CreditSplit { person_id: owner_id.clone(), share_bp: bp },
            CreditSplit { person_id: partner.clone(), share_bp: 10_000 - bp },
        ],
        _ => Vec::new(),
    };
    let (next_step, next_step_updated_at) = match (next_step, closed_at) {
        (_, Some(at)) if plan.won() => (Some(next_step_text(5, no).to_owned()), Some(at)),
        (_, Some(_)) => (None, None),
        (Some((at, stage)), None) => (Some(next_step_text(stage, no).to_owned()), Some(at)),
        (None, None) => (None, None),
    };
    let deal = Deal {
        id: id.clone(),
        source: cx.source.clone(),
        external_id,
        name: format!("{} – {}", account.name, spec.name),
        account_id: Some(account.id.clone()),
        owner_id,
        pipeline: "default".to_owned(),
        stage: STAGE_KEYS[usize::from(current.stage).min(6)].to_owned(),
        amount: Money::new(current.amount, Currency::USD),
        close_date: Some(current.close),
        forecast_category: current.forecast,
        next_step,
        next_step_updated_at,
        products: vec![spec.key.to_owned()],
        revenue: spec.revenue,
        created_at: plan.created,
        closed_at,
        splits,
    };

    let mut roles = Vec::with_capacity(plan.roles.len());
    for (contact, role) in &plan.roles {
        let contact_id: Option<&ContactId> = cx.book.contacts.get(*contact).map(|c| &c.id);
        if let Some(contact_id) = contact_id {
            roles.push(DealContactRole { deal_id: id.clone(), contact_id: contact_id.clone(), role: *role });
        }
    }

    let truth = closed_at.is_none().then(|| truth_for(cx, plan, id, current.close));
    Ok(DealRows { deal, history, roles, truth })
}

fn truth_for(cx: &RowContext<'_>, plan: &DealPlan, deal_id: DealId, close_at_as_of: NaiveDate) -> DealTruth {
    let final_amount = plan.events.iter().rev().find_map(|e| match e.change {
        Change::Amount(a) => Some(a),
        _ => None,
    });
    let end = plan.end.filter(|e| *e <= cx.horizon);
    let outcome = match end {
        None => TrueOutcome::Open,
        Some(e) if plan.won() && e.date_naive() <= close_at_as_of => TrueOutcome::Won,
        Some(_) if plan.won() => TrueOutcome::WonLate,
        Some(_) => TrueOutcome::Lost,
    };
    let detail = match (plan.fate, plan.looks_off, plan.end.is_some()) {
        (Fate::Won, false, _) => "healthy: multi-threaded, senior sponsor, steady meetings and replies",
        (Fate::Won, true, _) => "healthy with a wobble: a push or a quiet spell, then closes",
        (Fate::Slip, _, _) => "slips: procurement and legal push signature past the close date",
        (Fate::Lost, false, _) => "dies: goes quiet, single-threaded, buyer stops replying",
        (Fate::Lost, true, _) => "dies late: looked healthy for a while, then went quiet",
        (Fate::Stall, _, true) => "stalls: no decision, repeated pushes, cleaned out as lost",
        (Fate::Stall, _, false) => "stalls: no decision and never closed",
    };
    DealTruth {
        deal_id,
        outcome,
        outcome_date: end.map(|e| e.date_naive()),
        final_amount_minor: if plan.won() && end.is_some() { final_amount } else { None },
        detail: detail.to_owned(),
    }
}
