//! Deal narratives for "similar won deals": each closed deal described in words from the
//! engine's own features at two moments while it was open (its earliest and latest sampled
//! states: stage, age, size, forecast category and the flags it carried), then how it ended.
//! An open deal is described the same way and searched against them, so "deals like this one"
//! means deals that once looked like this one. Narratives are owned by the deal's owner, so a
//! search only returns deals the reader's scope covers.

use super::advice::day_number;
use super::collections::DEAL_NARRATIVES;
use super::store::{Access, Condition, Filter, ScopedFilter, VectorStore, TEXT_FIELD};
use super::{Memory, MemoryError};
use crate::domain::{Dataset, StageStatus};
use crate::engine::risk::{analyse, DealRisk, Index, Settings};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// A closed deal, told from the engine's features.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Narrative {
    pub deal_id: String,
    pub owner_id: String,
    pub name: String,
    pub segment: Option<String>,
    /// `won` or `lost`.
    pub status: String,
    pub closed_on: NaiveDate,
    pub amount_minor: i64,
    pub currency: String,
    /// Days from the earliest sampled open state to the close.
    pub days_to_close: i64,
    pub text: String,
}

fn amount_band(amount_minor: i64) -> &'static str {
    // Bands in major units; the words matter for matching, not the exact cut-offs.
    match amount_minor / 100 {
        a if a < 100_000 => "small deal",
        a if a < 1_000_000 => "mid-sized deal",
        _ => "large deal",
    }
}

fn age_band(days_in_stage: f64) -> &'static str {
    match days_in_stage {
        d if d < 14.0 => "recently entered the stage",
        d if d < 45.0 => "several weeks in stage",
        _ => "long time in stage",
    }
}

fn chance_band(probability: f64) -> &'static str {
    match probability {
        p if p < 0.25 => "low win probability",
        p if p < 0.6 => "moderate win probability",
        _ => "high win probability",
    }
}

/// A deal's state in words: what the engine saw, no names or numbers that identify it.
pub fn describe(risk: &DealRisk) -> String {
    let mut text = format!(
        "{} in the {} segment, {} stage, {}, forecast {}, {}.",
        amount_band(risk.amount_minor),
        risk.segment.as_deref().unwrap_or("unknown"),
        risk.stage,
        age_band(risk.days_in_stage),
        risk.forecast_category.as_str(),
        chance_band(risk.win_probability),
    );
    if risk.flags.is_empty() {
        text.push_str(" No risk flags.");
    }
    for flag in &risk.flags {
        text.push_str(&format!(
            " Flag {}: {}.",
            flag.signal.as_str().replace('_', " "),
            flag.reason.trim_end_matches('.')
        ));
    }
    text
}

fn signal_names(risk: &DealRisk) -> Vec<String> {
    risk.flags.iter().map(|f| f.signal.as_str().to_owned()).collect()
}

/// The narrative of a deal that closed, from its earliest and latest sampled open states.
pub fn narrate(
    first: (NaiveDate, &DealRisk),
    last: (NaiveDate, &DealRisk),
    status: StageStatus,
    closed_on: NaiveDate,
    final_amount_minor: i64,
) -> Narrative {
    let (first_on, early) = first;
    let (last_on, late) = last;
    let outcome = if status == StageStatus::Won { "won" } else { "lost" };
    let mut text = format!("Earlier: {}", describe(early));
    if last_on > first_on {
        text.push_str(&format!(" Later: {}", describe(late)));
        let cleared: Vec<String> = signal_names(early)
            .into_iter()
            .filter(|s| !signal_names(late).contains(s))
            .map(|s| s.replace('_', " "))
            .collect();
        if !cleared.is_empty() {
            text.push_str(&format!(" Cleared before the close: {}.", cleared.join(", ")));
        }
    }
    let days_to_close = (closed_on - first_on).num_days();
    text.push_str(&format!(
        " Outcome: {outcome}, {days_to_close} days after the first look, as a {}.",
        amount_band(final_amount_minor)
    ));
    Narrative {
        deal_id: early.deal_id.clone(),
        owner_id: early.owner_id.clone(),
        name: early.name.clone(),
        segment: early.segment.clone(),
        status: outcome.to_owned(),
        closed_on,
        amount_minor: final_amount_minor,
        currency: early.currency.clone(),
        days_to_close,
        text,
    }
}

/// Narratives of the deals that closed inside the `samples × step_days` days before `as_of`,
/// from the engine run at each sample date. Deterministic for equal data and `as_of`.
pub fn build_narratives(
    dataset: &Dataset,
    settings: &Settings,
    as_of: DateTime<Utc>,
    samples: u32,
    step_days: i64,
) -> Vec<Narrative> {
    narratives_from(&Index::new(dataset), settings, as_of, samples, step_days)
}

/// [`build_narratives`] over an index already built (from a dataset or the compact engine
/// input); deals and stages come from the index's data.
pub fn narratives_from(
    index: &Index<'_>,
    settings: &Settings,
    as_of: DateTime<Utc>,
    samples: u32,
    step_days: i64,
) -> Vec<Narrative> {
    let dataset = index.data;
    let mut seen: BTreeMap<String, ((NaiveDate, DealRisk), (NaiveDate, DealRisk))> = BTreeMap::new();
    for back in (1..=samples).rev() {
        let at = as_of - Duration::days(step_days * i64::from(back));
        let report = analyse(index, settings, at);
        for risk in report.deals {
            let on = at.date_naive();
            seen.entry(risk.deal_id.clone())
                .and_modify(|(_, last)| *last = (on, risk.clone()))
                .or_insert_with(|| ((on, risk.clone()), (on, risk)));
        }
    }
    let mut narratives = Vec::new();
    for deal in &dataset.deals {
        let Some(stage) = dataset.stages.get(&deal.pipeline, &deal.stage) else { continue };
        let Some(closed_at) = deal.closed_at.filter(|c| *c <= as_of) else { continue };
        if stage.status == StageStatus::Open {
            continue;
        }
        let Some((first, last)) = seen.get(deal.id.as_str()) else { continue };
        if closed_at.date_naive() < last.0 {
            continue;
        }
        narratives.push(narrate(
            (first.0, &first.1),
            (last.0, &last.1),
            stage.status,
            closed_at.date_naive(),
            deal.amount.minor,
        ));
    }
    narratives
}

/// How the weekly run samples a deal's open life: eight looks, thirty days apart.
pub const RUN_SAMPLES: u32 = 8;
pub const RUN_STEP_DAYS: i64 = 30;

/// The closed deals [`build_narratives`] can tell at `as_of`: won or lost by `as_of`, and open at
/// one of the sample dates on or before the close. Read from the records alone, without the
/// engine, so a run can tell whether there is anything new before paying for the engine.
pub fn narratable_closed(dataset: &Dataset, as_of: DateTime<Utc>, samples: u32, step_days: i64) -> BTreeSet<String> {
    let dates: Vec<NaiveDate> =
        (1..=samples).map(|back| (as_of - Duration::days(step_days * i64::from(back))).date_naive()).collect();
    dataset
        .deals
        .iter()
        .filter(|deal| {
            let Some(stage) = dataset.stages.get(&deal.pipeline, &deal.stage) else { return false };
            let Some(closed_at) = deal.closed_at.filter(|c| *c <= as_of) else { return false };
            stage.status != StageStatus::Open
                && dates.iter().any(|on| deal.created_at.date_naive() <= *on && closed_at.date_naive() >= *on)
        })
        .map(|deal| deal.id.to_string())
        .collect()
}

/// The deal ids among `deal_ids` that already have a narrative.
async fn indexed_deals<S: VectorStore>(
    memory: &Memory<S>,
    deal_ids: &BTreeSet<String>,
) -> Result<BTreeSet<String>, MemoryError> {
    let ids: Vec<&String> = deal_ids.iter().collect();
    let mut indexed = BTreeSet::new();
    for chunk in ids.chunks(256) {
        let filter = Filter::all([Condition::keyword_in("deal_id", chunk.iter().map(|id| id.as_str()))]);
        let records = memory
            .store()
            .scroll(DEAL_NARRATIVES.name, &ScopedFilter::new(Access::Organisation, filter), chunk.len())
            .await?;
        indexed.extend(records.iter().filter_map(|r| r.str_field("deal_id")).map(str::to_owned));
    }
    Ok(indexed)
}

/// The narratable closed deals at `as_of` (see [`narratable_closed`]) that have no narrative yet.
/// A closed deal's narrative is written once and kept: its story no longer changes, and retelling
/// every closed deal would cost `samples` engine runs each week. So the first pass finds every
/// closed deal pending, later ones only those closed since, and none when nothing closed.
pub async fn pending_narratives<S: VectorStore>(
    memory: &Memory<S>,
    dataset: &Dataset,
    as_of: DateTime<Utc>,
    samples: u32,
    step_days: i64,
) -> Result<BTreeSet<String>, MemoryError> {
    let closed = narratable_closed(dataset, as_of, samples, step_days);
    let indexed = indexed_deals(memory, &closed).await?;
    Ok(closed.difference(&indexed).cloned().collect())
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// Writes narratives; a deal's narrative replaces its earlier one.
pub async fn index_narratives<S: VectorStore>(
    memory: &Memory<S>,
    narratives: &[Narrative],
) -> Result<usize, MemoryError> {
    let items = narratives
        .iter()
        .map(|n| {
            let payload = object(json!({
                "deal_id": n.deal_id,
                "name": n.name,
                "segment": n.segment,
                "status": n.status,
                "closed_on": n.closed_on.to_string(),
                "closed_day": day_number(n.closed_on),
                "amount_minor": n.amount_minor,
                "currency": n.currency,
                "days_to_close": n.days_to_close,
                TEXT_FIELD: n.text,
            }));
            (n.deal_id.clone(), n.owner_id.clone(), payload)
        })
        .collect();
    memory.write(&DEAL_NARRATIVES, items).await
}

/// A won deal that once looked like the one asked about.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SimilarDeal {
    pub deal_id: String,
    pub name: String,
    pub segment: Option<String>,
    pub closed_on: String,
    pub days_to_close: i64,
    pub amount_minor: i64,
    pub currency: String,
    /// How it looked while open and what changed before it closed.
    pub story: String,
    pub score: f32,
}

/// Won deals most like `deal` now, other than `deal` itself, within `access`.
pub async fn find_similar_won<S: VectorStore>(
    memory: &Memory<S>,
    access: Access,
    deal: &DealRisk,
    limit: usize,
) -> Result<Vec<SimilarDeal>, MemoryError> {
    let filter = Filter::all([
        Condition::keyword("status", "won"),
        Condition::KeywordNotIn { key: "deal_id".into(), values: vec![deal.deal_id.clone()] },
    ]);
    let hits = memory.search(&DEAL_NARRATIVES, &describe(deal), ScopedFilter::new(access, filter), limit).await?;
    Ok(hits
        .into_iter()
        .map(|hit| SimilarDeal {
            deal_id: hit.str_field("deal_id").unwrap_or_default().to_owned(),
            name: hit.str_field("name").unwrap_or_default().to_owned(),
            segment: hit.str_field("segment").map(str::to_owned),
            closed_on: hit.str_field("closed_on").unwrap_or_default().to_owned(),
            days_to_close: hit.payload.get("days_to_close").and_then(Value::as_i64).unwrap_or(0),
            amount_minor: hit.payload.get("amount_minor").and_then(Value::as_i64).unwrap_or(0),
            currency: hit.str_field("currency").unwrap_or_default().to_owned(),
            story: hit.str_field(TEXT_FIELD).unwrap_or_default().to_owned(),
            score: hit.score,
        })
        .collect())
}
