//! `sales_pipeline.csv` → deals and a synthesised stage history.
//!
//! - **Owner** is the sales agent; **account** is optional (every Prospecting deal and many
//!   Engaging ones have none; they are kept and named "No account – <product>").
//! - **Amount**: a won deal's `close_value`. Lost deals record `close_value` 0 and open deals
//!   leave it empty, so both carry the product's list price: the size of what was at stake.
//! - **Dates**: `created_at` is `engage_date`; `close_date` and `closed_at` are the close date
//!   of won and lost deals. A Prospecting deal has no date at all. Its `created_at` is the
//!   latest date in the file (the end of the extract): the only date by which the file shows
//!   the deal existed. The earliest date would make every such deal look a year old, and the
//!   ageing and stall signals would then report an age the data never stated.
//! - **Forecast category**: closed for won, omitted for lost, pipeline for open deals.
//! - **History**: the data set records only two dates, so each deal gets at most two stage
//!   changes: `<opportunity_id>:engaged` (prospecting → engaging at `engage_date`) and
//!   `<opportunity_id>:closed` (engaging → won or lost at `close_date`).
//!
//! A row whose dates contradict its stage (a Won deal without `close_date`, an Engaging one
//! with it, a close before the engagement) is rejected rather than guessed at.

use super::{layout, ProductCatalogue, PIPELINE, PIPELINE_FILE, TEAMS_FILE};
use crate::domain::{
    AccountId, Currency, Dataset, Deal, DealField, DealHistory, DealId, ForecastCategory, HistoryId, Money, PersonId,
    Product, RevenueType, SourceName,
};
use crate::sources::ingest::csv::table::{read_rows, Row, RowError, Seen};
use crate::sources::ingest::csv::values::{self, start_of_day, Formats};
use crate::sources::ingest::{ImportReport, IngestError, Rejection};
use chrono::NaiveDate;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

const COLUMNS: [&str; 8] =
    ["opportunity_id", "sales_agent", "product", "account", "deal_stage", "engage_date", "close_date", "close_value"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MavenStage {
    Prospecting,
    Engaging,
    Won,
    Lost,
}

impl MavenStage {
    fn parse(text: &str) -> Result<Self, String> {
        match crate::domain::normalise_label(text).as_str() {
            "prospecting" => Ok(Self::Prospecting),
            "engaging" => Ok(Self::Engaging),
            "won" => Ok(Self::Won),
            "lost" => Ok(Self::Lost),
            _ => Err(format!("unknown stage {text:?} (expected Prospecting, Engaging, Won or Lost)")),
        }
    }

    fn key(self) -> &'static str {
        match self {
            Self::Prospecting => "prospecting",
            Self::Engaging => "engaging",
            Self::Won => "won",
            Self::Lost => "lost",
        }
    }

    fn is_closed(self) -> bool {
        matches!(self, Self::Won | Self::Lost)
    }
}

struct Opportunity {
    line: u64,
    external_id: String,
    id: DealId,
    owner: PersonId,
    product: Product,
    account: Option<String>,
    stage: MavenStage,
    engaged: Option<NaiveDate>,
    closed: Option<NaiveDate>,
    won_value: Option<Money>,
}

fn date(row: &Row<'_>, field: &str) -> Result<Option<NaiveDate>, RowError> {
    row.parse(field, |t| Formats::default().date(t))
}

/// Checks one row; `Some(name)` alongside means the product matched only after normalisation.
fn opportunity(
    row: &Row<'_>,
    source: &SourceName,
    catalogue: &ProductCatalogue,
) -> Result<(Opportunity, Option<(String, String)>), RowError> {
    let external_id = row.required("opportunity_id")?;
    let id = DealId::from_source(source, external_id).map_err(|e| RowError::field("opportunity_id", e.to_string()))?;
    let agent = row.required("sales_agent")?;
    let owner = PersonId::from_source(source, agent).map_err(|e| RowError::field("sales_agent", e.to_string()))?;
    let product_name = row.required("product")?;
    let (product, normalised) = catalogue
        .find(product_name)
        .ok_or_else(|| RowError::field("product", format!("unknown product {product_name:?} (not in products.csv)")))?;
    let fix = normalised.then(|| (product_name.to_owned(), product.name.clone()));
    let stage = row.parse_required("deal_stage", MavenStage::parse)?;
    let engaged = date(row, "engage_date")?;
    let closed = date(row, "close_date")?;
    let value = row.parse("close_value", |t| values::money(t, Currency::USD))?;
    let contradiction = |field: &str, reason: String| Err(RowError::field(field, reason));
    match (stage, engaged, closed) {
        (MavenStage::Prospecting, Some(_), _) => {
            return contradiction("engage_date", "set on a Prospecting deal, which has not engaged yet".into())
        }
        (MavenStage::Engaging | MavenStage::Won | MavenStage::Lost, None, _) => {
            return contradiction("engage_date", format!("missing value (required for a {} deal)", stage.key()))
        }
        (MavenStage::Won | MavenStage::Lost, _, None) => {
            return contradiction("close_date", format!("missing value (required for a {} deal)", stage.key()))
        }
        (MavenStage::Prospecting | MavenStage::Engaging, _, Some(_)) => {
            return contradiction("close_date", format!("set on an open ({}) deal", stage.key()))
        }
        (_, Some(engaged), Some(closed)) if closed < engaged => {
            return contradiction("close_date", format!("{closed} is before engage_date {engaged}"))
        }
        _ => {}
    }
    let won_value = match (stage, value) {
        (MavenStage::Won, None) => {
            return contradiction("close_value", "missing value (required for a won deal)".into())
        }
        (MavenStage::Won, Some(value)) => Some(value),
        (MavenStage::Prospecting | MavenStage::Engaging, Some(_)) => {
            return contradiction("close_value", format!("set on an open ({}) deal", stage.key()))
        }
        _ => None,
    };
    let opportunity = Opportunity {
        line: row.line,
        external_id: external_id.to_owned(),
        id,
        owner,
        product: product.clone(),
        account: row.get("account")?.map(str::to_owned),
        stage,
        engaged,
        closed,
        won_value,
    };
    Ok((opportunity, fix))
}

pub(super) fn deals(
    path: &Path,
    source: &SourceName,
    catalogue: &ProductCatalogue,
    data: &mut Dataset,
    report: &mut ImportReport,
) -> Result<(), IngestError> {
    let mut rows = Vec::new();
    let mut fixes: BTreeMap<(String, String), u64> = BTreeMap::new();
    let mut seen = Seen::default();
    read_rows(path, b',', &layout(&COLUMNS, "opportunity_id"), report, |row| {
        let (opportunity, fix) = opportunity(row, source, catalogue)?;
        seen.check(&opportunity.external_id, "opportunity_id", "opportunity_id", row)?;
        seen.insert(opportunity.external_id.clone(), row);
        if let Some(fix) = fix {
            *fixes.entry(fix).or_default() += 1;
        }
        rows.push(opportunity);
        Ok(())
    })?;
    for ((from, to), count) in fixes {
        report.fixes.push(format!("product {from:?} matched {to:?} after normalisation ({count} rows)"));
    }
    let extract_end = rows.iter().flat_map(|o| [o.engaged, o.closed]).flatten().max();
    let mut undated = 0u64;
    for opportunity in &rows {
        let Some(created) = opportunity.engaged.or(extract_end) else {
            report.rejections.push(Rejection {
                file: path.to_path_buf(),
                line: opportunity.line,
                record: Some(opportunity.external_id.clone()),
                field: Some("engage_date".to_owned()),
                reason: "no engage_date, and no date anywhere in the file to date the deal by".to_owned(),
            });
            continue;
        };
        if opportunity.engaged.is_none() {
            undated += 1;
        }
        let (deal, history) = deal(source, opportunity, created).map_err(|reason| IngestError::Invalid {
            path: path.to_path_buf(),
            reason: format!("line {}: {reason}", opportunity.line),
        })?;
        data.deals.push(deal);
        data.history.extend(history);
    }
    notes(data, report, undated, extract_end);
    Ok(())
}

fn deal(source: &SourceName, o: &Opportunity, created: NaiveDate) -> Result<(Deal, Vec<DealHistory>), String> {
    let amount = match o.won_value {
        Some(value) => value,
        None => o.product.list_price.unwrap_or_else(|| Money::zero(Currency::USD)),
    };
    let account_id =
        o.account.as_deref().map(|a| AccountId::from_source(source, a)).transpose().map_err(|e| e.to_string())?;
    let deal = Deal {
        id: o.id.clone(),
        source: source.clone(),
        external_id: o.external_id.clone(),
        name: format!("{} – {}", o.account.as_deref().unwrap_or("No account"), o.product.name),
        account_id,
        owner_id: o.owner.clone(),
        pipeline: PIPELINE.to_owned(),
        stage: o.stage.key().to_owned(),
        amount,
        close_date: o.closed,
        forecast_category: match o.stage {
            MavenStage::Won => ForecastCategory::Closed,
            MavenStage::Lost => ForecastCategory::Omitted,
            MavenStage::Prospecting | MavenStage::Engaging => ForecastCategory::Pipeline,
        },
        next_step: None,
        next_step_updated_at: None,
        products: vec![o.product.key.clone()],
        revenue: RevenueType::OneOff,
        created_at: start_of_day(created),
        closed_at: o.closed.filter(|_| o.stage.is_closed()).map(start_of_day),
        splits: Vec::new(),
    };
    let change = |suffix: &str, old: &str, new: &str, on: NaiveDate| -> Result<DealHistory, String> {
        let external_id = format!("{}:{suffix}", o.external_id);
        Ok(DealHistory {
            id: HistoryId::from_source(source, &external_id).map_err(|e| e.to_string())?,
            source: source.clone(),
            external_id,
            deal_id: o.id.clone(),
            field: DealField::Stage,
            old_value: Some(old.to_owned()),
            new_value: Some(new.to_owned()),
            changed_at: start_of_day(on),
        })
    };
    let mut history = Vec::new();
    if let Some(engaged) = o.engaged {
        history.push(change("engaged", "prospecting", "engaging", engaged)?);
    }
    if let (Some(closed), true) = (o.closed, o.stage.is_closed()) {
        history.push(change("closed", "engaging", o.stage.key(), closed)?);
    }
    Ok((deal, history))
}

fn notes(data: &Dataset, report: &mut ImportReport, undated: u64, extract_end: Option<NaiveDate>) {
    let count = |stage: &str| data.deals.iter().filter(|d| d.stage == stage).count();
    let open = count("prospecting") + count("engaging");
    let no_account = data.deals.iter().filter(|d| d.account_id.is_none()).count();
    if no_account > 0 {
        report.notes.push(format!("{no_account} deals have no account; kept and named \"No account – <product>\""));
    }
    report.notes.push(format!(
        "amounts: {} won deals carry close_value; {} lost and {open} open deals carry the product's list price \
         (close_value is 0 for lost deals and empty for open ones)",
        count("won"),
        count("lost"),
    ));
    if let (true, Some(end)) = (undated > 0, extract_end) {
        report.notes.push(format!(
            "{undated} prospecting deals have no engage_date: created_at is {end}, the latest date in \
             {PIPELINE_FILE}, the only date by which the file shows they existed"
        ));
    }
    report.notes.push(format!(
        "deal history synthesised from engage_date and close_date ({} stage changes); the data set records no other",
        data.history.len()
    ));
    let people: BTreeSet<&PersonId> = data.people.iter().map(|p| &p.id).collect();
    let unknown_owner = data.deals.iter().filter(|d| !people.contains(&d.owner_id)).count();
    if unknown_owner > 0 {
        report.notes.push(format!("{unknown_owner} deals are owned by sales agents missing from {TEAMS_FILE}"));
    }
    let accounts: BTreeSet<&AccountId> = data.accounts.iter().map(|a| &a.id).collect();
    let unknown_account =
        data.deals.iter().filter_map(|d| d.account_id.as_ref()).filter(|a| !accounts.contains(a)).count();
    if unknown_account > 0 {
        report.notes.push(format!("{unknown_account} deals name an account missing from accounts.csv"));
    }
}
