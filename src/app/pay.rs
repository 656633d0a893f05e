//! Pay as use cases: the plan book from configuration, a person's statement (stored with its
//! inputs so it can be reproduced byte for byte), what-if estimates, and re-checking that every
//! stored statement still follows from its inputs.

use super::insight::find_person;
use super::AppError;
use crate::config::Config;
use crate::domain::{Money, Period};
use crate::engine::pay::WhatIf;
use crate::engine::pay::{calculate, gather, what_if, GatherRequest, PlanBook, Scenario, Statement, StatementInputs};
use crate::engine::risk::to_json;
use crate::store::{instant, Store, StoredStatement};
use chrono::{NaiveDate, Utc};
use sha2::{Digest, Sha256};

/// The configured plans, or the built-in example when none are configured.
pub(crate) fn plan_book(config: &Config) -> Result<PlanBook, AppError> {
    let files = &config.comp.plan_files;
    if files.is_empty() {
        return Ok(PlanBook::default_book()?);
    }
    let mut texts = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(path).map_err(|source| AppError::PlanFile { path: path.clone(), source })?;
        texts.push(text);
    }
    Ok(PlanBook::from_texts(texts.iter().map(String::as_str))?)
}

fn sha256(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// A statement as computed, its canonical JSON, and how storing it went.
pub(crate) struct StatementOutcome {
    pub statement: Statement,
    pub json: String,
    /// The stored record and whether it was new; `None` when not saved.
    pub stored: Option<(StoredStatement, bool)>,
}

/// `person`'s statement for `period` (default: the quarter of `as_of`), recomputed from the
/// current data; with `save`, stored with its inputs.
pub(crate) async fn statement(
    store: &Store,
    config: &Config,
    person: &str,
    period: Option<Period>,
    as_of: NaiveDate,
    save: bool,
) -> Result<StatementOutcome, AppError> {
    let book = plan_book(config)?;
    let data = store.load_dataset().await?;
    let events = store.load_comp_events().await?;
    let person = find_person(&data, person)?;
    let calendar = config.fiscal_calendar();
    let period = period.unwrap_or_else(|| calendar.quarter_of(as_of));
    let request =
        GatherRequest { book: &book, calendar, person_id: person.id.as_str(), period, as_of, events: &events };
    let inputs = gather(&data, &request)?;
    let statement = calculate(&inputs)?;
    let json = to_json(&statement).map_err(AppError::json("the statement"))?;
    let stored = if save {
        let record = stored(&inputs, &json)?;
        let new = store.save_statement(&record).await?;
        Some((record, new))
    } else {
        None
    };
    Ok(StatementOutcome { statement, json, stored })
}

/// The stored form of a statement and its inputs; the id is fixed by person, period, day and
/// inputs, so saving the same statement twice stores it once.
fn stored(inputs: &StatementInputs, statement_json: &str) -> Result<StoredStatement, AppError> {
    let inputs_json = serde_json::to_string(inputs).map_err(AppError::json("the statement's inputs"))?;
    let inputs_hash = sha256(&inputs_json);
    let period = inputs.current.period.to_string();
    let id_source = format!("{}|{period}|{}|{inputs_hash}", inputs.person_id, inputs.as_of);
    Ok(StoredStatement {
        id: format!("stmt-{}", &sha256(&id_source)[..16]),
        person_id: inputs.person_id.clone(),
        period,
        as_of: inputs.as_of.to_string(),
        plan_id: inputs.current.plan.id.clone(),
        plan_version: i64::from(inputs.current.plan.version),
        inputs: inputs_json,
        inputs_hash,
        statement: statement_json.to_owned(),
        statement_hash: sha256(statement_json),
        created_at: instant(&Utc::now()),
    })
}

/// What `person`'s pay would be if `deal` closed at `amount` (major units, in the deal's
/// currency) on `close_on`.
pub(crate) async fn what_if_closed(
    store: &Store,
    config: &Config,
    person: &str,
    deal: &str,
    amount: &str,
    close_on: NaiveDate,
    as_of: NaiveDate,
) -> Result<(WhatIf, crate::domain::Currency), AppError> {
    let book = plan_book(config)?;
    let data = store.load_dataset().await?;
    let events = store.load_comp_events().await?;
    let person = find_person(&data, person)?;
    let found = data.deals.iter().find(|d| d.id.as_str() == deal);
    let found = found.ok_or_else(|| AppError::NotFound(format!("no deal {deal:?}")))?;
    let amount = Money::parse_major(amount, found.amount.currency)
        .map_err(|e| AppError::Invalid(format!("amount {amount:?}: {e}")))?;
    let calendar = config.fiscal_calendar();
    let request = GatherRequest {
        book: &book,
        calendar,
        person_id: person.id.as_str(),
        period: calendar.quarter_of(close_on),
        as_of,
        events: &events,
    };
    let estimate = what_if(&data, &request, &Scenario { deal_id: deal.to_owned(), amount, close_on })?;
    Ok((estimate, amount.currency))
}

/// A stored statement and whether recomputing it from its stored inputs gives the same bytes.
pub(crate) struct Verified {
    pub record: StoredStatement,
    pub reproduced: bool,
}

/// Recomputes every stored statement (or `rep`'s) from its stored inputs.
pub(crate) async fn verify_statements(store: &Store, rep: Option<&str>) -> Result<Vec<Verified>, AppError> {
    let mut checked = Vec::new();
    for record in store.list_statements(rep).await? {
        let inputs: StatementInputs =
            serde_json::from_str(&record.inputs).map_err(AppError::json(format!("the inputs of {}", record.id)))?;
        let again = to_json(&calculate(&inputs)?).map_err(AppError::json("the statement"))?;
        let reproduced = again == record.statement && sha256(&again) == record.statement_hash;
        checked.push(Verified { record, reproduced });
    }
    Ok(checked)
}
