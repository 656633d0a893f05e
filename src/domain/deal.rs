//! Deals, the stage catalogue, credit splits, field history and buyer-side roles on a deal.

use super::ids::{AccountId, ContactId, DealId, HistoryId, PersonId, SourceName};
use super::money::Money;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// Whether a stage is still in play or final.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StageStatus {
    Open,
    Won,
    Lost,
}

impl StageStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            StageStatus::Open => "open",
            StageStatus::Won => "won",
            StageStatus::Lost => "lost",
        }
    }
}

impl FromStr for StageStatus {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "open" => Ok(StageStatus::Open),
            "won" => Ok(StageStatus::Won),
            "lost" => Ok(StageStatus::Lost),
            other => Err(format!("unknown stage status {other:?} (expected open, won or lost)")),
        }
    }
}

/// One stage of a pipeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stage {
    pub pipeline: String,
    pub key: String,
    pub label: String,
    /// Position in the pipeline; higher is further along. Closed stages sort last.
    pub order: i64,
    /// Default win probability in percent (0..=100).
    pub probability: u8,
    pub status: StageStatus,
}

/// The built-in pipeline of a financial-services sale, used until a firm configures its own.
pub fn default_stages() -> Vec<Stage> {
    let stage = |key: &str, label: &str, order, probability, status| Stage {
        pipeline: "default".to_owned(),
        key: key.to_owned(),
        label: label.to_owned(),
        order,
        probability,
        status,
    };
    vec![
        stage("qualify", "Qualify", 1, 10, StageStatus::Open),
        stage("discover", "Discover", 2, 20, StageStatus::Open),
        stage("solution", "Solution design", 3, 40, StageStatus::Open),
        stage("proposal", "Proposal", 4, 60, StageStatus::Open),
        stage("negotiate", "Negotiate", 5, 80, StageStatus::Open),
        stage("closed_won", "Closed won", 6, 100, StageStatus::Won),
        stage("closed_lost", "Closed lost", 7, 0, StageStatus::Lost),
    ]
}

/// All pipelines' stages, looked up by (pipeline, key) or by label.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StageCatalogue {
    stages: Vec<Stage>,
}

impl StageCatalogue {
    pub fn new(mut stages: Vec<Stage>) -> Self {
        stages.sort_by(|a, b| (a.pipeline.as_str(), a.order).cmp(&(b.pipeline.as_str(), b.order)));
        Self { stages }
    }

    pub fn stages(&self) -> &[Stage] {
        &self.stages
    }

    pub fn get(&self, pipeline: &str, key: &str) -> Option<&Stage> {
        self.stages.iter().find(|s| s.pipeline == pipeline && s.key == key)
    }

    /// Finds a stage by key or label, ignoring case, spaces and punctuation.
    pub fn resolve(&self, pipeline: &str, text: &str) -> Option<&Stage> {
        let wanted = normalise_label(text);
        self.stages
            .iter()
            .filter(|s| s.pipeline == pipeline)
            .find(|s| normalise_label(&s.key) == wanted || normalise_label(&s.label) == wanted)
    }

    pub fn pipeline<'a>(&'a self, pipeline: &'a str) -> impl Iterator<Item = &'a Stage> + 'a {
        self.stages.iter().filter(move |s| s.pipeline == pipeline)
    }
}

/// Lowercase alphanumerics only: `Closed Won`, `closed_won` and `ClosedWon` agree.
pub fn normalise_label(text: &str) -> String {
    text.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

/// The rep's forecast call on a deal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ForecastCategory {
    Omitted,
    Pipeline,
    BestCase,
    Commit,
    Closed,
}

impl ForecastCategory {
    pub fn as_str(&self) -> &'static str {
        match self {
            ForecastCategory::Omitted => "omitted",
            ForecastCategory::Pipeline => "pipeline",
            ForecastCategory::BestCase => "best_case",
            ForecastCategory::Commit => "commit",
            ForecastCategory::Closed => "closed",
        }
    }
}

impl FromStr for ForecastCategory {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match normalise_label(text).as_str() {
            "omitted" | "omit" | "" => Ok(ForecastCategory::Omitted),
            "pipeline" => Ok(ForecastCategory::Pipeline),
            "bestcase" | "upside" => Ok(ForecastCategory::BestCase),
            "commit" | "committed" => Ok(ForecastCategory::Commit),
            "closed" | "won" => Ok(ForecastCategory::Closed),
            _ => Err(format!(
                "unknown forecast category {text:?} (expected omitted, pipeline, best_case, commit or closed)"
            )),
        }
    }
}

/// One-off fees (a mandate, an implementation) or recurring fees over a contract term.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RevenueType {
    OneOff,
    Recurring { term_months: u16 },
}

/// A share of a deal's credit, in basis points (10,000 = 100%).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditSplit {
    pub person_id: PersonId,
    pub share_bp: u16,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Deal {
    pub id: DealId,
    pub source: SourceName,
    pub external_id: String,
    pub name: String,
    pub account_id: Option<AccountId>,
    pub owner_id: PersonId,
    pub pipeline: String,
    pub stage: String,
    pub amount: Money,
    pub close_date: Option<NaiveDate>,
    pub forecast_category: ForecastCategory,
    pub next_step: Option<String>,
    pub next_step_updated_at: Option<DateTime<Utc>>,
    pub products: Vec<String>,
    pub revenue: RevenueType,
    pub created_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    /// Empty means 100% to the owner.
    pub splits: Vec<CreditSplit>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SplitError {
    #[error("credit splits add up to {0} basis points, not 10000")]
    Total(u32),
    #[error("person {0} appears twice in the credit splits")]
    Duplicate(PersonId),
}

impl Deal {
    /// Checks that splits, when present, add up to exactly 100% with no person twice.
    pub fn validate_splits(splits: &[CreditSplit]) -> Result<(), SplitError> {
        if splits.is_empty() {
            return Ok(());
        }
        let mut seen = std::collections::BTreeSet::new();
        for split in splits {
            if !seen.insert(&split.person_id) {
                return Err(SplitError::Duplicate(split.person_id.clone()));
            }
        }
        let total: u32 = splits.iter().map(|s| u32::from(s.share_bp)).sum();
        if total == 10_000 {
            Ok(())
        } else {
            Err(SplitError::Total(total))
        }
    }

    /// Credit shares with the owner taking 100% when no split is recorded.
    pub fn effective_splits(&self) -> Vec<CreditSplit> {
        if self.splits.is_empty() {
            vec![CreditSplit { person_id: self.owner_id.clone(), share_bp: 10_000 }]
        } else {
            self.splits.clone()
        }
    }
}

/// The deal fields whose changes are tracked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DealField {
    Stage,
    Amount,
    CloseDate,
    ForecastCategory,
    Owner,
    NextStep,
}

impl DealField {
    pub fn as_str(&self) -> &'static str {
        match self {
            DealField::Stage => "stage",
            DealField::Amount => "amount",
            DealField::CloseDate => "close_date",
            DealField::ForecastCategory => "forecast_category",
            DealField::Owner => "owner",
            DealField::NextStep => "next_step",
        }
    }

    /// Whether crediting a won deal reads changes of this field (when it was won, for how
    /// much): the part of the history incentive statements and wins of the week need.
    pub fn credits(&self) -> bool {
        matches!(self, DealField::Stage | DealField::Amount)
    }
}

impl FromStr for DealField {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match normalise_label(text).as_str() {
            "stage" | "stagename" | "dealstage" => Ok(DealField::Stage),
            "amount" => Ok(DealField::Amount),
            "closedate" => Ok(DealField::CloseDate),
            "forecastcategory" | "forecastcategoryname" => Ok(DealField::ForecastCategory),
            "owner" | "ownerid" => Ok(DealField::Owner),
            "nextstep" => Ok(DealField::NextStep),
            _ => Err(format!("unknown deal field {text:?} (expected stage, amount, close_date, forecast_category, owner or next_step)")),
        }
    }
}

/// One change of one field. Values are stored as text in the canonical form of the field:
/// stage key, amount in minor units, ISO date, forecast category, person id, free text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DealHistory {
    pub id: HistoryId,
    pub source: SourceName,
    pub external_id: String,
    pub deal_id: DealId,
    pub field: DealField,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub changed_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactRole {
    Champion,
    EconomicBuyer,
    DecisionMaker,
    Influencer,
    Other,
}

impl ContactRole {
    pub fn as_str(&self) -> &'static str {
        match self {
            ContactRole::Champion => "champion",
            ContactRole::EconomicBuyer => "economic_buyer",
            ContactRole::DecisionMaker => "decision_maker",
            ContactRole::Influencer => "influencer",
            ContactRole::Other => "other",
        }
    }
}

impl FromStr for ContactRole {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(match normalise_label(text).as_str() {
            "champion" => ContactRole::Champion,
            "economicbuyer" | "economicdecisionmaker" => ContactRole::EconomicBuyer,
            "decisionmaker" => ContactRole::DecisionMaker,
            "influencer" | "evaluator" | "technicalbuyer" => ContactRole::Influencer,
            "other" | "" => ContactRole::Other,
            _ => return Err(format!("unknown contact role {text:?}")),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DealContactRole {
    pub deal_id: DealId,
    pub contact_id: ContactId,
    pub role: ContactRole,
}

/// A product in the catalogue, with its list price.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Product {
    pub key: String,
    pub name: String,
    pub family: Option<String>,
    pub list_price: Option<Money>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_must_total_one_hundred_percent() {
        let p = |id: &str, bp| CreditSplit { person_id: PersonId::parse(id).unwrap(), share_bp: bp };
        assert!(Deal::validate_splits(&[]).is_ok());
        assert!(Deal::validate_splits(&[p("a", 6000), p("b", 4000)]).is_ok());
        assert_eq!(Deal::validate_splits(&[p("a", 6000), p("b", 3000)]), Err(SplitError::Total(9000)));
        assert!(matches!(Deal::validate_splits(&[p("a", 5000), p("a", 5000)]), Err(SplitError::Duplicate(_))));
    }

    #[test]
    fn labels_and_enums_parse_loosely() {
        assert_eq!(normalise_label("Closed Won"), "closedwon");
        assert_eq!("Best Case".parse::<ForecastCategory>(), Ok(ForecastCategory::BestCase));
        assert_eq!("CloseDate".parse::<DealField>(), Ok(DealField::CloseDate));
        assert_eq!("Economic Buyer".parse::<ContactRole>(), Ok(ContactRole::EconomicBuyer));
        assert!("maybe".parse::<ForecastCategory>().is_err());
    }
}
