//! Opportunity history → field changes. `OpportunityHistory` snapshots become stage changes
//! (the previous stage taken from the changes already stored plus the page, so re-reading a
//! page after an interruption yields the very same rows); `OpportunityFieldHistory` gives the
//! amount, close date, forecast category, owner and next-step changes with old and new values.

use super::super::records::{self, text, Problem};
use super::mapping::{is_record_id, MappedPage, Mapper};
use crate::domain::{Currency, Dataset, DealField, DealHistory, DealId, ForecastCategory, HistoryId, PersonId};
use chrono::{DateTime, Utc};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::str::FromStr;

/// Stage changes already known, per deal, ordered by (time, history id).
pub(crate) struct StageTimeline {
    by_deal: HashMap<DealId, BTreeMap<(DateTime<Utc>, String), String>>,
}

impl StageTimeline {
    pub(crate) fn new(known: &Dataset) -> Self {
        let mut by_deal: HashMap<DealId, BTreeMap<(DateTime<Utc>, String), String>> = HashMap::new();
        for entry in known.history.iter().filter(|h| h.field == DealField::Stage) {
            if let Some(stage) = &entry.new_value {
                by_deal
                    .entry(entry.deal_id.clone())
                    .or_default()
                    .insert((entry.changed_at, entry.external_id.clone()), stage.clone());
            }
        }
        Self { by_deal }
    }

    fn before(&self, deal: &DealId, key: &(DateTime<Utc>, String)) -> Option<&String> {
        self.by_deal.get(deal)?.range(..key.clone()).next_back().map(|(_, stage)| stage)
    }
}

impl Mapper<'_> {
    pub(crate) fn stage_history(&self, records: &[Value], timeline: &mut StageTimeline, page: &mut MappedPage) {
        let mut rows: Vec<(DateTime<Utc>, String, DealId, String)> = Vec::new();
        for record in records {
            let external = text(record, "Id");
            let deal = text(record, "OpportunityId").and_then(|o| self.deal_id(&o));
            let at = records::timestamp(record, "CreatedDate");
            let stage = text(record, "StageName");
            match (external, deal, at, stage) {
                (Some(external), Some(deal), Some(at), Some(stage)) => {
                    rows.push((at, external, deal, self.stage_key(&stage)))
                }
                (external, ..) => page.problems.push(Problem::new(
                    external.as_deref(),
                    None,
                    "needs Id, OpportunityId, CreatedDate and StageName",
                )),
            }
        }
        rows.sort();
        for (at, external, deal_id, stage) in rows {
            let key = (at, external.clone());
            let previous = timeline.before(&deal_id, &key).cloned();
            page.landed += 1;
            // A snapshot written for an amount or date change repeats the stage: not a move.
            if previous.as_deref() == Some(stage.as_str()) {
                continue;
            }
            let Ok(id) = HistoryId::from_source(&self.source, &external) else { continue };
            timeline.by_deal.entry(deal_id.clone()).or_default().insert(key, stage.clone());
            page.data.history.push(DealHistory {
                id,
                source: self.source.clone(),
                external_id: external,
                deal_id,
                field: DealField::Stage,
                old_value: previous,
                new_value: Some(stage),
                changed_at: at,
            });
        }
    }

    /// `currencies` gives each known deal's currency, for amounts.
    pub(crate) fn field_history(
        &self,
        records: &[Value],
        currencies: &HashMap<DealId, Currency>,
        page: &mut MappedPage,
    ) {
        let fields = &self.config.fields;
        for record in records {
            let Some(external) = text(record, "Id") else {
                page.problems.push(Problem::new(None, Some("Id"), "record has no Id"));
                continue;
            };
            let problem = |field: &str, reason: String| Problem::new(Some(&external), Some(field), reason);
            let Some(deal_id) = text(record, "OpportunityId").and_then(|o| self.deal_id(&o)) else {
                page.problems.push(problem("OpportunityId", "missing".into()));
                continue;
            };
            let Some(changed_at) = records::timestamp(record, "CreatedDate") else {
                page.problems.push(problem("CreatedDate", "missing or not a timestamp".into()));
                continue;
            };
            let name = text(record, "Field").unwrap_or_default();
            let field = if name == fields.amount {
                DealField::Amount
            } else if name == "CloseDate" {
                DealField::CloseDate
            } else if name == fields.forecast_category {
                DealField::ForecastCategory
            } else if name == "Owner" {
                DealField::Owner
            } else if name == fields.next_step {
                DealField::NextStep
            } else {
                continue;
            };
            let currency = currencies.get(&deal_id).copied().unwrap_or(self.currency);
            let convert = |path: &str| -> Result<Option<String>, String> {
                let Some(raw) = text(record, path) else { return Ok(None) };
                match field {
                    DealField::Amount => records::money_from_text(&raw, currency)
                        .map(|m| Some(m.minor.to_string()))
                        .map_err(|e| e.to_string()),
                    DealField::CloseDate => records::parse_date(&raw)
                        .map(|d| Some(d.format("%Y-%m-%d").to_string()))
                        .ok_or_else(|| format!("{raw:?} is not a date")),
                    DealField::ForecastCategory => {
                        ForecastCategory::from_str(&raw).map(|f| Some(f.as_str().to_owned()))
                    }
                    DealField::Owner => Ok(is_record_id(&raw)
                        .then(|| PersonId::from_source(&self.source, &raw).ok())
                        .flatten()
                        .map(|p| p.to_string())),
                    _ => Ok(Some(raw)),
                }
            };
            let (old_value, new_value) = match (convert("OldValue"), convert("NewValue")) {
                (Ok(old), Ok(new)) => (old, new),
                (Err(reason), _) | (_, Err(reason)) => {
                    page.problems.push(problem(&name, reason));
                    continue;
                }
            };
            page.landed += 1;
            // Lookup changes come twice, once as ids and once as names; the names are dropped.
            if field == DealField::Owner && new_value.is_none() && old_value.is_none() {
                continue;
            }
            let Ok(id) = HistoryId::from_source(&self.source, &external) else { continue };
            page.data.history.push(DealHistory {
                id,
                source: self.source.clone(),
                external_id: external.clone(),
                deal_id,
                field,
                old_value,
                new_value,
                changed_at,
            });
        }
    }
}
