//! Row → record for deals and their field history. History values are stored in each field's
//! canonical form, using the pipeline and currency of the deal they belong to.

use super::table::{Row, RowError};
use super::{id_error, values, DealMeta, Env, Tally};
use crate::domain::{
    normalise_label, AccountId, Currency, Deal, DealField, DealHistory, DealId, ForecastCategory, HistoryId, Money,
    PersonId, RevenueType, StageStatus,
};
use std::collections::HashMap;

fn revenue(row: &Row<'_>) -> Result<RevenueType, RowError> {
    let Some(kind) = row.get("revenue_type")? else {
        return Ok(RevenueType::OneOff);
    };
    match normalise_label(kind).as_str() {
        "oneoff" | "onetime" | "nonrecurring" | "once" => Ok(RevenueType::OneOff),
        "recurring" | "subscription" | "annuity" => {
            let term_months = row.parse_required("term_months", |t| {
                t.parse::<u16>()
                    .ok()
                    .filter(|m| *m > 0)
                    .ok_or_else(|| format!("invalid term {t:?} (expected whole months, 1 or more)"))
            })?;
            Ok(RevenueType::Recurring { term_months })
        }
        _ => Err(RowError::field(
            row.header("revenue_type"),
            format!("unknown revenue type {kind:?} (expected one_off or recurring)"),
        )),
    }
}

pub(super) fn deal(env: &Env<'_>, row: &Row<'_>, tally: &mut Tally) -> Result<Deal, RowError> {
    let mapping = env.mapping;
    let source = &mapping.source;
    let external_id = row.required("id")?;
    let id = DealId::from_source(source, external_id).map_err(id_error(row, "id"))?;
    let name = row.required("name")?.to_owned();
    let owner_id = PersonId::from_source(source, row.required("owner_id")?).map_err(id_error(row, "owner_id"))?;
    let account_id = row
        .get("account_id")?
        .map(|a| AccountId::from_source(source, a))
        .transpose()
        .map_err(id_error(row, "account_id"))?;
    let pipeline = match row.get("pipeline")? {
        None => mapping.default_pipeline.clone(),
        Some(p) if env.catalogue.pipeline(p).next().is_some() => p.to_owned(),
        Some(p) => return Err(RowError::field(row.header("pipeline"), format!("unknown pipeline {p:?}"))),
    };
    let stage = row.parse_required("stage", |t| env.stage(&pipeline, t))?;
    let currency = row.parse("currency", values::currency)?.unwrap_or(env.currency);
    let amount = match row.parse("amount", |t| values::money(t, currency))? {
        Some(amount) => amount,
        None => {
            tally.blank_amounts += 1;
            Money::zero(currency)
        }
    };
    let formats = &mapping.formats;
    let close_date = row.parse("close_date", |t| formats.date(t))?;
    let forecast_category =
        row.parse("forecast_category", |t| t.parse::<ForecastCategory>())?.unwrap_or(match stage.status {
            StageStatus::Won => ForecastCategory::Closed,
            StageStatus::Lost => ForecastCategory::Omitted,
            StageStatus::Open => ForecastCategory::Pipeline,
        });
    let created_at = row.parse_required("created_at", |t| formats.datetime(t))?;
    let mut closed_at = row.parse("closed_at", |t| formats.datetime(t))?;
    if closed_at.is_none() && stage.status != StageStatus::Open {
        if let Some(date) = close_date {
            closed_at = Some(values::start_of_day(date));
            tally.closed_at_from_close_date += 1;
        }
    }
    let splits = row.parse("splits", |t| values::splits(t, mapping.separator, source))?.unwrap_or_default();
    Ok(Deal {
        id,
        source: source.clone(),
        external_id: external_id.to_owned(),
        name,
        account_id,
        owner_id,
        stage: stage.key.clone(),
        pipeline,
        amount,
        close_date,
        forecast_category,
        next_step: row.get("next_step")?.map(str::to_owned),
        next_step_updated_at: row.parse("next_step_updated_at", |t| formats.datetime(t))?,
        products: values::list(row.get("products")?.unwrap_or(""), mapping.separator)
            .into_iter()
            .map(str::to_owned)
            .collect(),
        revenue: revenue(row)?,
        created_at,
        closed_at,
        splits,
    })
}

/// A history value in the canonical form of its field.
fn canonical(
    env: &Env<'_>,
    field: DealField,
    text: &str,
    pipeline: &str,
    currency: Currency,
) -> Result<String, String> {
    Ok(match field {
        DealField::Stage => env.stage(pipeline, text)?.key.clone(),
        DealField::Amount => values::money(text, currency)?.minor.to_string(),
        DealField::CloseDate => env.mapping.formats.date(text)?.to_string(),
        DealField::ForecastCategory => text.parse::<ForecastCategory>()?.as_str().to_owned(),
        DealField::Owner => PersonId::from_source(&env.mapping.source, text).map_err(|e| e.to_string())?.to_string(),
        DealField::NextStep => text.to_owned(),
    })
}

pub(super) fn history(
    env: &Env<'_>,
    row: &Row<'_>,
    deals: &HashMap<String, DealMeta>,
) -> Result<DealHistory, RowError> {
    let source = &env.mapping.source;
    let deal_external = row.required("deal_id")?;
    let deal_id = DealId::from_source(source, deal_external).map_err(id_error(row, "deal_id"))?;
    let field = row.parse_required("field", |t| t.parse::<DealField>())?;
    let changed_at = row.parse_required("changed_at", |t| env.mapping.formats.datetime(t))?;
    let external_id = match row.get("id")? {
        Some(id) => id.to_owned(),
        None => format!("{deal_external}:{}:{}", field.as_str(), changed_at.format("%Y-%m-%dT%H:%M:%SZ")),
    };
    let id = HistoryId::from_source(source, &external_id).map_err(id_error(row, "id"))?;
    // A deal stored by an earlier import keeps the defaults' pipeline and currency here.
    let (pipeline, currency) = deals
        .get(deal_id.as_str())
        .map_or((env.mapping.default_pipeline.as_str(), env.currency), |m| (m.pipeline.as_str(), m.currency));
    let value = |name: &str| row.parse(name, |t| canonical(env, field, t, pipeline, currency));
    Ok(DealHistory {
        id,
        source: source.clone(),
        external_id,
        deal_id,
        field,
        old_value: value("old_value")?,
        new_value: value("new_value")?,
        changed_at,
    })
}
