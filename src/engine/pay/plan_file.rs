//! The TOML form of an incentive plan and its validation into a [`Plan`]. Percentages and
//! multipliers are written as decimals (`weight_pct = "60"`, `rate = "1.5"`) and held as basis
//! points; amounts are major units in the plan currency (`"80000"`). Every problem names the
//! field it is in.

use super::arith::parse_fixed;
use super::plan::*;
use crate::domain::{Currency, Money, Role};
use chrono::NaiveDate;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};

/// A number as written: an integer, a decimal string, or a TOML float.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(super) enum Decimal {
    Int(i64),
    Text(String),
    Float(f64),
}

impl Decimal {
    fn fixed(&self, places: u32) -> Option<i64> {
        match self {
            Decimal::Int(value) => value.checked_mul(10i64.checked_pow(places)?).filter(|v| *v >= 0),
            Decimal::Text(text) => parse_fixed(text, places),
            // Rust prints the shortest text that reads back as the same float.
            Decimal::Float(value) => parse_fixed(&value.to_string(), places),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PlanFile {
    id: String,
    version: u32,
    name: String,
    currency: String,
    effective_from: String,
    effective_to: Option<String>,
    #[serde(default)]
    eligibility: EligibilityFile,
    pay: PayFile,
    measures: Vec<MeasureFile>,
    #[serde(default)]
    margins: MarginsFile,
    #[serde(default)]
    modifiers: Vec<ModifierFile>,
    #[serde(default)]
    gates: Vec<GateFile>,
    #[serde(default)]
    holds: Vec<HoldFile>,
    clawback: Option<ClawbackFile>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct EligibilityFile {
    #[serde(default)]
    roles: Vec<String>,
    #[serde(default)]
    people: Vec<String>,
    #[serde(default)]
    teams: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PayFile {
    base_salary: Decimal,
    target_incentive: Decimal,
    max_variable_pct: Option<Decimal>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MeasureFile {
    key: String,
    label: Option<String>,
    kind: String,
    weight_pct: Decimal,
    target: TargetFile,
    #[serde(default)]
    threshold_pct: Option<Decimal>,
    cap_pct: Option<Decimal>,
    #[serde(default)]
    products: Vec<String>,
    max_term_months: Option<u16>,
    tiers: Vec<TierFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TargetFile {
    quota_pct: Option<Decimal>,
    amount: Option<Decimal>,
    count: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TierFile {
    from_pct: Decimal,
    rate: Decimal,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct MarginsFile {
    default_pct: Option<Decimal>,
    #[serde(default)]
    products: BTreeMap<String, Decimal>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ModifierFile {
    key: String,
    label: Option<String>,
    metric: String,
    lookback_days: u32,
    bands: Vec<BandFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BandFile {
    at_most_pct: Option<Decimal>,
    multiplier_pct: Decimal,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GateFile {
    key: String,
    label: Option<String>,
    event: String,
    at_least: u32,
    lookback_days: Option<u32>,
    variable_pct: Decimal,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HoldFile {
    key: String,
    label: Option<String>,
    #[serde(default = "any_revenue")]
    revenue: String,
    #[serde(default)]
    products: Vec<String>,
    held_pct: Decimal,
    release_after_days: u32,
}

fn any_revenue() -> String {
    "any".to_owned()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClawbackFile {
    window_days: u32,
}

/// A plan that fails validation, with the field at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("plan {plan}: {field}: {reason}")]
pub struct PlanError {
    pub plan: String,
    pub field: String,
    pub reason: String,
}

/// Largest annual target incentive or salary accepted: a billion in major units keeps every
/// intermediate product inside 128 bits.
const MAX_ANNUAL_MAJOR: i64 = 1_000_000_000;
/// Steepest accelerator accepted: 10×.
const MAX_RATE_BP: i64 = 100_000;

struct Checker<'a> {
    plan: &'a str,
}

impl Checker<'_> {
    fn err(&self, field: impl Into<String>, reason: impl Into<String>) -> PlanError {
        PlanError { plan: self.plan.to_owned(), field: field.into(), reason: reason.into() }
    }

    fn pct(&self, field: &str, value: &Decimal) -> Result<i64, PlanError> {
        value.fixed(2).ok_or_else(|| self.err(field, "expected a non-negative percentage with at most 2 decimals"))
    }

    fn rate(&self, field: &str, value: &Decimal) -> Result<i64, PlanError> {
        let bp = value
            .fixed(4)
            .ok_or_else(|| self.err(field, "expected a non-negative multiplier with at most 4 decimals"))?;
        if bp > MAX_RATE_BP {
            return Err(self.err(field, "a rate above 10 is refused"));
        }
        Ok(bp)
    }

    fn money(&self, field: &str, value: &Decimal, currency: Currency) -> Result<i64, PlanError> {
        let text = match value {
            Decimal::Int(v) => v.to_string(),
            Decimal::Text(t) => t.clone(),
            Decimal::Float(f) => f.to_string(),
        };
        let money = Money::parse_major(&text, currency).map_err(|e| self.err(field, e.to_string()))?;
        let limit = MAX_ANNUAL_MAJOR.saturating_mul(10i64.pow(currency.exponent()));
        if money.minor > limit {
            return Err(self.err(field, "is above the largest amount accepted (1,000,000,000)"));
        }
        Ok(money.minor)
    }

    fn date(&self, field: &str, text: &str) -> Result<NaiveDate, PlanError> {
        NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
            .map_err(|_| self.err(field, format!("{text:?} is not a date written \"YYYY-MM-DD\"")))
    }

    fn key(&self, field: &str, key: &str, seen: &mut BTreeSet<String>) -> Result<(), PlanError> {
        let valid = !key.is_empty() && key.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !valid {
            return Err(self.err(field, format!("{key:?} must be lowercase letters, digits and '_'")));
        }
        if !seen.insert(key.to_owned()) {
            return Err(self.err(field, format!("{key:?} is used twice")));
        }
        Ok(())
    }
}

/// Parses and validates one plan file's text.
pub fn parse_plan(text: &str) -> Result<Plan, PlanError> {
    let file: PlanFile = toml::from_str(text).map_err(|e| PlanError {
        plan: "?".to_owned(),
        field: "toml".to_owned(),
        reason: e.to_string(),
    })?;
    let c = Checker { plan: &file.id };
    let mut keys = BTreeSet::new();
    c.key("id", &file.id, &mut keys)?;
    if file.version == 0 {
        return Err(c.err("version", "starts at 1"));
    }
    if file.name.trim().is_empty() {
        return Err(c.err("name", "is empty"));
    }
    let currency = Currency::parse(&file.currency).map_err(|e| c.err("currency", e.to_string()))?;
    let effective_from = c.date("effective_from", &file.effective_from)?;
    let effective_to = file.effective_to.as_deref().map(|t| c.date("effective_to", t)).transpose()?;
    if effective_to.is_some_and(|to| to < effective_from) {
        return Err(c.err("effective_to", "is before effective_from"));
    }
    let mut roles = Vec::new();
    for (i, role) in file.eligibility.roles.iter().enumerate() {
        roles.push(role.parse::<Role>().map_err(|e| c.err(format!("eligibility.roles[{i}]"), e))?);
    }
    let eligibility = Eligibility { roles, people: file.eligibility.people, teams: file.eligibility.teams };
    if eligibility.roles.is_empty() && eligibility.people.is_empty() && eligibility.teams.is_empty() {
        return Err(c.err("eligibility", "names no role, person or team, so the plan covers nobody"));
    }
    let base_salary_minor = c.money("pay.base_salary", &file.pay.base_salary, currency)?;
    let target_incentive_minor = c.money("pay.target_incentive", &file.pay.target_incentive, currency)?;
    let max_variable_bp = file.pay.max_variable_pct.as_ref().map(|v| c.pct("pay.max_variable_pct", v)).transpose()?;

    let mut margins = Margins {
        default_bp: file
            .margins
            .default_pct
            .as_ref()
            .map(|v| c.pct("margins.default_pct", v))
            .transpose()?
            .unwrap_or(0),
        products: BTreeMap::new(),
    };
    for (product, value) in &file.margins.products {
        let bp = c.pct(&format!("margins.products.{product}"), value)?;
        if bp > 10_000 {
            return Err(c.err(format!("margins.products.{product}"), "a margin above 100% is refused"));
        }
        margins.products.insert(product.clone(), bp);
    }
    if margins.default_bp > 10_000 {
        return Err(c.err("margins.default_pct", "a margin above 100% is refused"));
    }

    if file.measures.is_empty() {
        return Err(c.err("measures", "a plan needs at least one measure"));
    }
    let mut measures = Vec::new();
    let mut measure_keys = BTreeSet::new();
    for (i, raw) in file.measures.into_iter().enumerate() {
        measures.push(measure(&c, i, raw, &mut measure_keys, &margins, currency)?);
    }
    let weights: i64 = measures.iter().map(|m| m.weight_bp).sum();
    if weights != 10_000 {
        return Err(c.err("measures", format!("weights add up to {}, not 100%", super::arith::bp_pct(weights))));
    }

    let mut modifiers = Vec::new();
    let mut rule_keys = BTreeSet::new();
    for (i, raw) in file.modifiers.into_iter().enumerate() {
        let field = |f: &str| format!("modifiers[{i}].{f}");
        c.key(&field("key"), &raw.key, &mut rule_keys)?;
        let metric = match raw.metric.as_str() {
            "cancellation_rate" => OutcomeMetric::CancellationRate,
            "file_review_fail_rate" => OutcomeMetric::FileReviewFailRate,
            other => {
                return Err(
                    c.err(field("metric"), format!("{other:?} is not cancellation_rate or file_review_fail_rate"))
                )
            }
        };
        if raw.lookback_days == 0 || raw.lookback_days > 1_100 {
            return Err(c.err(field("lookback_days"), "must be between 1 and 1100"));
        }
        let mut bands = Vec::new();
        for (j, band) in raw.bands.iter().enumerate() {
            let at_most_bp =
                band.at_most_pct.as_ref().map(|v| c.pct(&field(&format!("bands[{j}].at_most_pct")), v)).transpose()?;
            let multiplier_bp = c.pct(&field(&format!("bands[{j}].multiplier_pct")), &band.multiplier_pct)?;
            if multiplier_bp > 20_000 {
                return Err(c.err(field(&format!("bands[{j}].multiplier_pct")), "a multiplier above 200% is refused"));
            }
            bands.push(ModifierBand { at_most_bp, multiplier_bp });
        }
        let open_last = bands.last().is_some_and(|b| b.at_most_bp.is_none());
        let middle_closed = bands.iter().rev().skip(1).all(|b| b.at_most_bp.is_some());
        let ascending = bands.windows(2).all(|w| match (w[0].at_most_bp, w[1].at_most_bp) {
            (Some(a), Some(b)) => a < b,
            _ => true,
        });
        if !open_last || !middle_closed || !ascending {
            return Err(c.err(field("bands"), "bands need ascending at_most_pct values and a last band without one"));
        }
        let label = raw.label.unwrap_or_else(|| raw.key.replace('_', " "));
        modifiers.push(Modifier { key: raw.key, label, metric, lookback_days: raw.lookback_days, bands });
    }

    let mut gates = Vec::new();
    for (i, raw) in file.gates.into_iter().enumerate() {
        let field = |f: &str| format!("gates[{i}].{f}");
        c.key(&field("key"), &raw.key, &mut rule_keys)?;
        let event = ComplianceEventKind::parse(&raw.event).ok_or_else(|| {
            let known: Vec<&str> = ComplianceEventKind::ALL.iter().map(|k| k.as_str()).collect();
            c.err(field("event"), format!("{:?} is not one of {}", raw.event, known.join(", ")))
        })?;
        if raw.at_least == 0 {
            return Err(c.err(field("at_least"), "must be at least 1"));
        }
        let variable_bp = c.pct(&field("variable_pct"), &raw.variable_pct)?;
        if variable_bp >= 10_000 {
            return Err(c.err(field("variable_pct"), "a gate must reduce variable pay (below 100%)"));
        }
        let label = raw.label.unwrap_or_else(|| raw.key.replace('_', " "));
        gates.push(Gate {
            key: raw.key,
            label,
            event,
            at_least: raw.at_least,
            lookback_days: raw.lookback_days,
            variable_bp,
        });
    }

    let mut holds = Vec::new();
    for (i, raw) in file.holds.into_iter().enumerate() {
        let field = |f: &str| format!("holds[{i}].{f}");
        c.key(&field("key"), &raw.key, &mut rule_keys)?;
        let revenue = match raw.revenue.as_str() {
            "any" => RevenueFilter::Any,
            "recurring" => RevenueFilter::Recurring,
            "one_off" => RevenueFilter::OneOff,
            other => return Err(c.err(field("revenue"), format!("{other:?} is not any, recurring or one_off"))),
        };
        let held_bp = c.pct(&field("held_pct"), &raw.held_pct)?;
        if held_bp == 0 || held_bp > 10_000 {
            return Err(c.err(field("held_pct"), "must be above 0% and at most 100%"));
        }
        if raw.release_after_days == 0 || raw.release_after_days > 1_100 {
            return Err(c.err(field("release_after_days"), "must be between 1 and 1100"));
        }
        let label = raw.label.unwrap_or_else(|| raw.key.replace('_', " "));
        holds.push(Hold {
            key: raw.key,
            label,
            revenue,
            products: raw.products,
            held_bp,
            release_after_days: raw.release_after_days,
        });
    }
    let clawback = match file.clawback {
        Some(raw) if raw.window_days == 0 || raw.window_days > 1_100 => {
            return Err(c.err("clawback.window_days", "must be between 1 and 1100"))
        }
        Some(raw) => Some(Clawback { window_days: raw.window_days }),
        None => None,
    };
    Ok(Plan {
        id: file.id,
        version: file.version,
        name: file.name,
        currency,
        effective_from,
        effective_to,
        eligibility,
        base_salary_minor,
        target_incentive_minor,
        max_variable_bp,
        measures,
        margins,
        modifiers,
        gates,
        holds,
        clawback,
    })
}

fn measure(
    c: &Checker<'_>,
    i: usize,
    raw: MeasureFile,
    keys: &mut BTreeSet<String>,
    margins: &Margins,
    currency: Currency,
) -> Result<Measure, PlanError> {
    let field = |f: &str| format!("measures[{i}].{f}");
    c.key(&field("key"), &raw.key, keys)?;
    let kind = match (raw.kind.as_str(), raw.max_term_months) {
        ("bookings", None) => MeasureKind::Bookings,
        ("recurring_revenue", Some(months)) if (1..=120).contains(&months) => {
            MeasureKind::RecurringRevenue { max_term_months: months }
        }
        ("recurring_revenue", _) => {
            return Err(c.err(field("max_term_months"), "recurring_revenue needs max_term_months between 1 and 120"))
        }
        ("margin", None) => MeasureKind::Margin,
        ("new_logos", None) => MeasureKind::NewLogos,
        ("bookings" | "margin" | "new_logos", Some(_)) => {
            return Err(c.err(field("max_term_months"), "only recurring_revenue has a term"))
        }
        (other, _) => {
            return Err(
                c.err(field("kind"), format!("{other:?} is not bookings, recurring_revenue, margin or new_logos"))
            )
        }
    };
    if kind == MeasureKind::Margin && margins.default_bp == 0 && margins.products.is_empty() {
        return Err(c.err(field("kind"), "a margin measure needs a [margins] table"));
    }
    let weight_bp = c.pct(&field("weight_pct"), &raw.weight_pct)?;
    if weight_bp == 0 {
        return Err(c.err(field("weight_pct"), "must be above 0"));
    }
    let target = match (&raw.target.quota_pct, &raw.target.amount, raw.target.count) {
        (Some(pct), None, None) if !kind.counts_logos() => {
            Target::Quota { share_bp: c.pct(&field("target.quota_pct"), pct)? }
        }
        (None, Some(_), None) if kind.counts_logos() => {
            return Err(c.err(field("target"), "new_logos needs target.count, not an amount"))
        }
        (None, Some(amount), None) => Target::Amount { minor: c.money(&field("target.amount"), amount, currency)? },
        (None, None, Some(count)) if kind.counts_logos() && count > 0 => Target::Count { logos: count },
        (None, None, Some(_)) => {
            return Err(c.err(field("target.count"), "only new_logos has a count target, and it must be above 0"))
        }
        _ => return Err(c.err(field("target"), "give exactly one of quota_pct, amount or count")),
    };
    if matches!(target, Target::Quota { share_bp: 0 } | Target::Amount { minor: 0 }) {
        return Err(c.err(field("target"), "must be above 0"));
    }
    let threshold_bp = raw.threshold_pct.as_ref().map(|v| c.pct(&field("threshold_pct"), v)).transpose()?.unwrap_or(0);
    let cap_bp = raw.cap_pct.as_ref().map(|v| c.pct(&field("cap_pct"), v)).transpose()?;
    if cap_bp == Some(0) {
        return Err(
            c.err(field("cap_pct"), "a cap of 0% would make the measure pay nothing; remove the measure instead")
        );
    }
    let mut tiers = Vec::new();
    for (j, tier) in raw.tiers.iter().enumerate() {
        tiers.push(Tier {
            from_bp: c.pct(&field(&format!("tiers[{j}].from_pct")), &tier.from_pct)?,
            rate_bp: c.rate(&field(&format!("tiers[{j}].rate")), &tier.rate)?,
        });
    }
    if tiers.first().is_none_or(|t| t.from_bp != 0) {
        return Err(c.err(field("tiers"), "the first tier must start at 0%"));
    }
    if !tiers.windows(2).all(|w| w[0].from_bp < w[1].from_bp) {
        return Err(c.err(field("tiers"), "tiers must start at strictly ascending from_pct values"));
    }
    if tiers.last().is_some_and(|t| t.from_bp > 100_000) {
        return Err(c.err(field("tiers"), "a tier starting above 1000% is refused"));
    }
    let label = raw.label.unwrap_or_else(|| raw.key.replace('_', " "));
    Ok(Measure { key: raw.key, label, kind, weight_bp, target, threshold_bp, tiers, cap_bp, products: raw.products })
}
