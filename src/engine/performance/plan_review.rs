//! Pay-plan features regulators look at (FCA SYSC 19F, MiFID II Art. 24(10), the EBA and ESMA
//! remuneration guidelines): a very high variable share, steep or uncapped accelerators, pay
//! that differs by product, cliffs that reward pulling deals into a period, and the absence of
//! conduct gates, client-outcome modifiers or clawback.

use super::surveillance::Severity;
use crate::engine::pay::arith::{bp_pct, bp_times};
use crate::engine::pay::plan::{ComplianceEventKind, MeasureKind};
use crate::engine::pay::Plan;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct PlanFeature {
    pub plan_id: String,
    pub plan_version: u32,
    pub key: &'static str,
    pub severity: Severity,
    pub text: String,
}

/// Variable share of target pay at or above which a plan is flagged high.
pub(crate) const HIGH_VARIABLE_SHARE_BP: i64 = 5_000;
/// Variable share at or above which a plan is flagged medium.
pub(crate) const NOTABLE_VARIABLE_SHARE_BP: i64 = 3_300;

pub(crate) fn review_plan(plan: &Plan) -> Vec<PlanFeature> {
    let mut out = Vec::new();
    let mut flag = |key: &'static str, severity: Severity, text: String| {
        out.push(PlanFeature { plan_id: plan.id.clone(), plan_version: plan.version, key, severity, text });
    };
    let share = plan.variable_share_bp();
    if share >= NOTABLE_VARIABLE_SHARE_BP {
        flag(
            "high_variable_share",
            if share >= HIGH_VARIABLE_SHARE_BP { Severity::High } else { Severity::Medium },
            format!(
                "Variable pay is {} of target total pay ({} target incentive over {} base plus incentive); a high variable share raises the pressure to sell regardless of need.",
                bp_pct(share),
                plan.money(plan.target_incentive_minor),
                plan.money(plan.base_salary_minor.saturating_add(plan.target_incentive_minor))
            ),
        );
    }
    for measure in &plan.measures {
        let steepest = measure.tiers.iter().map(|t| t.rate_bp).max().unwrap_or(0);
        if steepest > 10_000 && measure.cap_bp.is_none() {
            flag(
                "uncapped_accelerator",
                Severity::High,
                format!("Measure {} accelerates to {} with no cap.", measure.key, bp_times(steepest)),
            );
        } else if steepest >= 20_000 {
            flag(
                "steep_accelerator",
                Severity::Medium,
                format!("Measure {} accelerates to {}.", measure.key, bp_times(steepest)),
            );
        }
        if !measure.products.is_empty() {
            flag(
                "product_specific_pay",
                Severity::High,
                format!(
                    "Measure {} ({} of the incentive) pays only for {}: pay that favours particular products is a mis-selling risk.",
                    measure.key,
                    bp_pct(measure.weight_bp),
                    measure.products.join(", ")
                ),
            );
        }
        if measure.threshold_bp >= 5_000 && steepest > 10_000 {
            flag(
                "threshold_cliff",
                Severity::Medium,
                format!(
                    "Measure {} pays nothing below {} and then accelerates: deals near period end are worth pulling in or holding back.",
                    measure.key,
                    bp_pct(measure.threshold_bp)
                ),
            );
        }
        if measure.kind == MeasureKind::Margin {
            let rates: Vec<i64> = plan.margins.products.values().copied().collect();
            if let (Some(low), Some(high)) = (rates.iter().min(), rates.iter().max()) {
                if high > low {
                    flag(
                        "product_differentiated_margin",
                        Severity::Medium,
                        format!(
                            "Measure {} credits margin from {} to {} depending on the product, so some products pay the seller more.",
                            measure.key,
                            bp_pct(*low),
                            bp_pct(*high)
                        ),
                    );
                }
            }
        }
    }
    if plan.max_variable_bp.is_none() {
        flag("no_plan_cap", Severity::Medium, "Variable pay has no overall cap.".to_owned());
    }
    if !plan.gates.iter().any(|g| g.event == ComplianceEventKind::ConductBreach) {
        flag("no_conduct_gate", Severity::High, "No conduct gate: a breach does not reduce variable pay.".to_owned());
    }
    if plan.modifiers.is_empty() {
        flag(
            "no_client_outcome_measure",
            Severity::Medium,
            "No client-outcome modifier: pay does not reflect what happened to clients after the sale.".to_owned(),
        );
    }
    match plan.clawback {
        None => flag(
            "no_clawback",
            Severity::High,
            "No clawback: pay on a sale cancelled soon after stays paid.".to_owned(),
        ),
        Some(c) if c.window_days < 180 => {
            flag("short_clawback", Severity::Medium, format!("The clawback window is only {} days.", c.window_days))
        }
        Some(_) => {}
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::engine::pay::{parse_plan, PlanBook};

    #[test]
    fn default_plan_has_only_the_features_it_means_to_have() {
        let book = PlanBook::default_book().unwrap();
        let features = review_plan(&book.plans()[0]);
        let keys: Vec<&str> = features.iter().map(|f| f.key).collect();
        // 40% variable share is notable, and the bookings threshold precedes an accelerator.
        assert_eq!(keys, vec!["high_variable_share", "threshold_cliff"]);
        assert_eq!(features[0].severity, Severity::Medium);
    }

    #[test]
    fn a_risky_plan_is_flagged_on_every_count() {
        let text = "id = \"risky\"\nversion = 1\nname = \"Risky\"\ncurrency = \"USD\"\neffective_from = \"2026-01-01\"\n\
            [eligibility]\nroles = [\"rep\"]\n[pay]\nbase_salary = 40000\ntarget_incentive = 60000\n\
            [[measures]]\nkey = \"fx\"\nkind = \"bookings\"\nweight_pct = 100\nproducts = [\"fx_overlay\"]\n\
            target = { quota_pct = 100 }\nthreshold_pct = 60\ntiers = [{ from_pct = 0, rate = 1 }, { from_pct = 100, rate = 3 }]\n\
            [clawback]\nwindow_days = 90\n";
        let features = review_plan(&parse_plan(text).unwrap());
        let keys: Vec<&str> = features.iter().map(|f| f.key).collect();
        assert_eq!(
            keys,
            vec![
                "high_variable_share",
                "uncapped_accelerator",
                "product_specific_pay",
                "threshold_cliff",
                "no_plan_cap",
                "no_conduct_gate",
                "no_client_outcome_measure",
                "short_clawback"
            ]
        );
        assert_eq!(features[0].severity, Severity::High);
        assert!(features[0].text.contains("60%"));
    }
}
