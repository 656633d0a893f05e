//! A pay statement: every line of the calculation with its inputs, the rule it applies and the
//! deals behind it, so a person can check each number by hand; and its plain-text rendering.

use super::arith::{bp_pct, ROUNDING_RULES};
use crate::domain::{Currency, Money};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// One named input of a line, already formatted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineInput {
    pub name: String,
    pub value: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    Measure,
    Adjustment,
    Hold,
    Clawback,
}

/// One line of the calculation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    /// Stable key, e.g. `measure.bookings.tier2`, `gate.conduct`, `hold.recurring_deferral.D1`.
    pub key: String,
    pub section: Section,
    pub label: String,
    pub inputs: Vec<LineInput>,
    /// The rule in words, with the numbers filled in.
    pub how: String,
    pub amount_minor: i64,
    pub deal_ids: Vec<String>,
}

/// A deal's credit in one measure and its share of the measure's pay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DealCredit {
    pub deal_id: String,
    pub won_on: NaiveDate,
    /// The deal's value in the measure before the split.
    pub deal_value: i64,
    pub share_bp: u16,
    /// The person's credit after the split.
    pub credited: i64,
    /// The measure pay this credit added, taking deals in close order.
    pub attributed_minor: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeasureResult {
    pub key: String,
    pub label: String,
    pub kind: String,
    /// `money` (minor units) or `logos` (10,000 units per logo).
    pub unit: String,
    pub weight_bp: i64,
    pub target_incentive_minor: i64,
    pub target: i64,
    pub achieved: i64,
    pub attainment_bp: i64,
    pub threshold_bp: i64,
    pub threshold_met: bool,
    pub cap_minor: Option<i64>,
    pub payout_minor: i64,
    pub credits: Vec<DealCredit>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HoldStatus {
    Held,
    Released,
    Forfeited,
}

/// A deal's part in the period's earned pay and what became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DealPay {
    pub deal_id: String,
    pub name: String,
    pub won_on: NaiveDate,
    pub amount_minor: i64,
    pub amount_currency: Currency,
    pub share_bp: u16,
    pub earned_minor: i64,
    pub hold: Option<DealHold>,
    pub cancelled_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DealHold {
    pub rule: String,
    pub held_minor: i64,
    pub release_on: NaiveDate,
    pub status: HoldStatus,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    /// Sum of the measures' pay.
    pub measures_minor: i64,
    /// After client-outcome modifiers, the plan cap and conduct gates.
    pub earned_minor: i64,
    /// Still held, to be paid on release.
    pub held_minor: i64,
    /// Held pay released by `as_of`.
    pub released_minor: i64,
    /// Held pay lost because the deal was cancelled before release.
    pub forfeited_minor: i64,
    /// Pay recovered on deals cancelled in this period within the clawback window.
    pub clawback_minor: i64,
    /// Earned, less held, forfeited and clawed back; negative means recovered from later pay.
    pub payable_minor: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Statement {
    pub person_id: String,
    pub person_name: String,
    pub period: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub as_of: NaiveDate,
    pub plan_id: String,
    pub plan_version: u32,
    pub plan_name: String,
    pub plan_fingerprint: String,
    pub inputs_fingerprint: String,
    pub currency: Currency,
    pub base_salary_annual_minor: i64,
    pub target_incentive_annual_minor: i64,
    pub target_incentive_period_minor: i64,
    pub variable_share_bp: i64,
    pub quota_minor: Option<i64>,
    pub measures: Vec<MeasureResult>,
    pub lines: Vec<Line>,
    pub deals: Vec<DealPay>,
    pub totals: Totals,
    pub notes: Vec<String>,
    pub rounding: Vec<String>,
}

/// Logo units as a count: 10,000 → `1`, 5,000 → `0.5`.
pub(crate) fn logos_text(units: i64) -> String {
    let whole = units / super::plan::LOGO_UNITS;
    let fraction = (units % super::plan::LOGO_UNITS).unsigned_abs();
    if fraction == 0 {
        format!("{whole}")
    } else {
        format!("{whole}.{}", format!("{fraction:04}").trim_end_matches('0'))
    }
}

impl Statement {
    /// An amount in this statement's currency, exact to the minor unit: `12,345.60 USD`.
    pub fn money(&self, minor: i64) -> String {
        Money::new(minor, self.currency).to_string()
    }

    fn units(&self, measure: &MeasureResult, value: i64) -> String {
        if measure.unit == "logos" {
            let noun = if value == super::plan::LOGO_UNITS { "logo" } else { "logos" };
            format!("{} {noun}", logos_text(value))
        } else {
            self.money(value)
        }
    }

    /// The statement as text a person can check line by line.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let push = |out: &mut String, line: String| {
            out.push_str(&line);
            out.push('\n');
        };
        push(&mut out, format!("Pay statement: {} ({}), {}", self.person_name, self.person_id, self.period));
        push(
            &mut out,
            format!(
                "Period {} to {} (inclusive), as of {}. Plan {} v{} \"{}\".",
                self.period_start,
                self.period_end.pred_opt().unwrap_or(self.period_end),
                self.as_of,
                self.plan_id,
                self.plan_version,
                self.plan_name
            ),
        );
        push(
            &mut out,
            format!(
                "Target incentive {} a year, {} this period; variable share of target pay {}.",
                self.money(self.target_incentive_annual_minor),
                self.money(self.target_incentive_period_minor),
                bp_pct(self.variable_share_bp)
            ),
        );
        if let Some(quota) = self.quota_minor {
            push(&mut out, format!("Quota for the period: {}.", self.money(quota)));
        }
        out.push('\n');
        for measure in &self.measures {
            push(
                &mut out,
                format!(
                    "{} ({} of target incentive = {}): achieved {} of {} = {}{}",
                    measure.label,
                    bp_pct(measure.weight_bp),
                    self.money(measure.target_incentive_minor),
                    self.units(measure, measure.achieved),
                    self.units(measure, measure.target),
                    bp_pct(measure.attainment_bp),
                    if measure.threshold_met {
                        String::new()
                    } else {
                        format!(", below the {} threshold", bp_pct(measure.threshold_bp))
                    }
                ),
            );
            for credit in &measure.credits {
                push(
                    &mut out,
                    format!(
                        "    deal {} won {}: {} × {} share = {} credited, adds {}",
                        credit.deal_id,
                        credit.won_on,
                        self.units(measure, credit.deal_value),
                        bp_pct(i64::from(credit.share_bp)),
                        self.units(measure, credit.credited),
                        self.money(credit.attributed_minor)
                    ),
                );
            }
        }
        out.push('\n');
        let mut section = None;
        for line in &self.lines {
            if section != Some(line.section) {
                section = Some(line.section);
                let title = match line.section {
                    Section::Measure => "Measures",
                    Section::Adjustment => "Modifiers, cap and gates",
                    Section::Hold => "Holds",
                    Section::Clawback => "Clawbacks",
                };
                push(&mut out, format!("{title}:"));
            }
            push(&mut out, format!("  {:<58} {:>22}", truncate(&line.label, 58), self.money(line.amount_minor)));
            push(&mut out, format!("      {}", line.how));
            if !line.deal_ids.is_empty() {
                push(&mut out, format!("      deals: {}", line.deal_ids.join(", ")));
            }
        }
        out.push('\n');
        let t = &self.totals;
        for (label, value) in [
            ("Measures", t.measures_minor),
            ("Earned variable pay", t.earned_minor),
            ("Held (paid on release)", -t.held_minor),
            ("Forfeited holds", -t.forfeited_minor),
            ("Clawed back", -t.clawback_minor),
            ("Payable to date", t.payable_minor),
        ] {
            push(&mut out, format!("  {label:<58} {:>22}", self.money(value)));
        }
        if t.released_minor > 0 {
            push(&mut out, format!("  (of which released from holds: {})", self.money(t.released_minor)));
        }
        if !self.notes.is_empty() {
            out.push_str("\nNotes:\n");
            for note in &self.notes {
                push(&mut out, format!("  - {note}"));
            }
        }
        out.push_str("\nRounding:\n");
        for rule in ROUNDING_RULES {
            push(&mut out, format!("  - {rule}"));
        }
        push(&mut out, format!("\nInputs fingerprint {} (plan {}).", self.inputs_fingerprint, self.plan_fingerprint));
        out
    }
}

fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_owned()
    } else {
        let cut: String = text.chars().take(width.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}
