//! Incentive plans as validated data: what pays, at what rate, up to what limit, and what can
//! hold, claw back or cut variable pay. Rates are basis points and amounts minor units; the
//! TOML form a plan administrator writes is in [`super::plan_file`].

use crate::domain::{Currency, Money, Role};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One version of one incentive plan, effective over a date range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub id: String,
    pub version: u32,
    pub name: String,
    pub currency: Currency,
    pub effective_from: NaiveDate,
    /// Last day in effect (inclusive); `None` means until replaced.
    pub effective_to: Option<NaiveDate>,
    pub eligibility: Eligibility,
    /// Annual base salary, for the variable share regulators look at.
    pub base_salary_minor: i64,
    /// Annual variable pay at 100% of every measure.
    pub target_incentive_minor: i64,
    /// Most variable pay a period can earn, in basis points of the period's target incentive.
    pub max_variable_bp: Option<i64>,
    pub measures: Vec<Measure>,
    pub margins: Margins,
    pub modifiers: Vec<Modifier>,
    pub gates: Vec<Gate>,
    pub holds: Vec<Hold>,
    pub clawback: Option<Clawback>,
}

/// Who the plan covers: anyone matching a listed person, team or role.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Eligibility {
    pub roles: Vec<Role>,
    pub people: Vec<String>,
    pub teams: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MeasureKind {
    /// The deal amount as recorded (the annual fee for a recurring deal, the fee for a one-off).
    Bookings,
    /// Recurring deals only: the annual fee times the contract term in months (at most
    /// `max_term_months`) over 12.
    RecurringRevenue { max_term_months: u16 },
    /// The deal amount times the products' margin rate from [`Margins`].
    Margin,
    /// Won deals with an account that had no earlier won deal; one logo is 10,000 units so a
    /// split logo counts in part.
    NewLogos,
}

impl MeasureKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            MeasureKind::Bookings => "bookings",
            MeasureKind::RecurringRevenue { .. } => "recurring_revenue",
            MeasureKind::Margin => "margin",
            MeasureKind::NewLogos => "new_logos",
        }
    }

    pub fn counts_logos(&self) -> bool {
        matches!(self, MeasureKind::NewLogos)
    }
}

/// Units of achievement that make one new logo.
pub(crate) const LOGO_UNITS: i64 = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Target {
    /// A share of the person's recorded quota for the period.
    Quota { share_bp: i64 },
    /// A fixed amount per period, in minor units.
    Amount { minor: i64 },
    /// A fixed number of logos per period.
    Count { logos: i64 },
}

/// One band of a rate table: from `from_bp` of target up to the next tier's `from_bp`, each
/// basis point of attainment pays `rate_bp` basis points of the measure's target incentive.
/// Rates above 10,000 accelerate; below, they decelerate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tier {
    pub from_bp: i64,
    pub rate_bp: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Measure {
    pub key: String,
    pub label: String,
    pub kind: MeasureKind,
    /// Share of the target incentive this measure carries; the weights add up to 10,000.
    pub weight_bp: i64,
    pub target: Target,
    /// Below this attainment the measure pays nothing; at or above it, it pays from zero.
    pub threshold_bp: i64,
    /// Ascending; the first starts at 0 and the last is open-ended.
    pub tiers: Vec<Tier>,
    /// Most the measure pays, in basis points of its target incentive.
    pub cap_bp: Option<i64>,
    /// Only deals with one of these products count; empty means every product.
    pub products: Vec<String>,
}

/// Margin rates for the margin measure, in basis points of the deal amount.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Margins {
    pub default_bp: i64,
    pub products: BTreeMap<String, i64>,
}

impl Margins {
    /// The mean of the deal's products' margin rates, rounded half away from zero.
    pub fn rate_for(&self, products: &[String]) -> i64 {
        if products.is_empty() {
            return self.default_bp;
        }
        let total: i64 = products.iter().map(|p| self.products.get(p).copied().unwrap_or(self.default_bp)).sum();
        let count = i64::try_from(products.len()).unwrap_or(i64::MAX);
        super::arith::narrow(super::arith::div_round(i128::from(total), i128::from(count))).unwrap_or(0)
    }
}

/// Client-outcome figures a modifier can read. Lower is better for both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeMetric {
    /// Credited won deals (in the lookback) later cancelled, over all credited won deals.
    CancellationRate,
    /// Failed file reviews over all file reviews in the lookback.
    FileReviewFailRate,
}

impl OutcomeMetric {
    pub fn as_str(&self) -> &'static str {
        match self {
            OutcomeMetric::CancellationRate => "cancellation_rate",
            OutcomeMetric::FileReviewFailRate => "file_review_fail_rate",
        }
    }
}

/// A multiplier on variable pay chosen by a client-outcome figure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Modifier {
    pub key: String,
    pub label: String,
    pub metric: OutcomeMetric,
    /// Days before the period's end the figure looks back over.
    pub lookback_days: u32,
    /// The first band whose `at_most_bp` is not exceeded applies; the last band is open.
    pub bands: Vec<ModifierBand>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModifierBand {
    pub at_most_bp: Option<i64>,
    pub multiplier_bp: i64,
}

/// What compliance records against a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ComplianceEventKind {
    ConductBreach,
    Complaint,
    ComplaintUpheld,
    FileReviewPass,
    FileReviewFail,
    TrainingOverdue,
}

impl ComplianceEventKind {
    pub const ALL: [ComplianceEventKind; 6] = [
        ComplianceEventKind::ConductBreach,
        ComplianceEventKind::Complaint,
        ComplianceEventKind::ComplaintUpheld,
        ComplianceEventKind::FileReviewPass,
        ComplianceEventKind::FileReviewFail,
        ComplianceEventKind::TrainingOverdue,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            ComplianceEventKind::ConductBreach => "conduct_breach",
            ComplianceEventKind::Complaint => "complaint",
            ComplianceEventKind::ComplaintUpheld => "complaint_upheld",
            ComplianceEventKind::FileReviewPass => "file_review_pass",
            ComplianceEventKind::FileReviewFail => "file_review_fail",
            ComplianceEventKind::TrainingOverdue => "training_overdue",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == text.trim())
    }
}

/// A qualitative gate: when at least `at_least` events of `event` fall in the lookback,
/// variable pay is multiplied by `variable_bp` (0 removes it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gate {
    pub key: String,
    pub label: String,
    pub event: ComplianceEventKind,
    pub at_least: u32,
    /// `None` looks at the period itself.
    pub lookback_days: Option<u32>,
    pub variable_bp: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RevenueFilter {
    Any,
    Recurring,
    OneOff,
}

/// Part of a deal's earned pay is held until `release_after_days` after the close, and
/// forfeited if the deal is cancelled first: pay follows revenue that is actually delivered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hold {
    pub key: String,
    pub label: String,
    pub revenue: RevenueFilter,
    pub products: Vec<String>,
    pub held_bp: i64,
    pub release_after_days: u32,
}

/// Pay already earned on a deal is recovered when the deal is cancelled within
/// `window_days` of its close.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clawback {
    pub window_days: u32,
}

impl Plan {
    pub fn money(&self, minor: i64) -> Money {
        Money::new(minor, self.currency)
    }

    /// Target variable pay over target total pay, in basis points.
    pub fn variable_share_bp(&self) -> i64 {
        let total = self.base_salary_minor.saturating_add(self.target_incentive_minor);
        super::arith::ratio_bp_floor(self.target_incentive_minor, total)
    }

    pub fn in_effect_on(&self, date: NaiveDate) -> bool {
        date >= self.effective_from && self.effective_to.is_none_or(|to| date <= to)
    }

    /// The plan's canonical JSON, hashed: two plans with the same fingerprint pay the same.
    pub fn fingerprint(&self) -> String {
        use sha2::{Digest, Sha256};
        let json = serde_json::to_string(self).unwrap_or_default();
        hex::encode(Sha256::digest(json.as_bytes()))
    }
}
