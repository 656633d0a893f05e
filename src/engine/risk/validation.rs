//! Validation of the ruleset: every threshold checked once at start, the error naming its key
//! under `risk.` so a bad configuration says what to fix.

use super::rules::{DayRule, RiskConfig};

/// A threshold that makes no sense, named by its key under `risk.`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("risk.{field}: {reason}")]
pub struct RuleError {
    pub field: String,
    pub reason: String,
}

impl RuleError {
    fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self { field: field.into(), reason: reason.into() }
    }
}

fn positive(field: &str, value: u32) -> Result<(), RuleError> {
    if value == 0 {
        Err(RuleError::new(field, "must be at least 1"))
    } else {
        Ok(())
    }
}

fn share(field: &str, value: f64) -> Result<(), RuleError> {
    if value.is_finite() && (0.0..=1.0).contains(&value) {
        Ok(())
    } else {
        Err(RuleError::new(field, "must be between 0 and 1"))
    }
}

fn ordered(field: &str, warn: f64, high: f64, stricter_is_lower: bool) -> Result<(), RuleError> {
    let fine = warn.is_finite() && high.is_finite() && if stricter_is_lower { high <= warn } else { high >= warn };
    if fine {
        Ok(())
    } else {
        Err(RuleError::new(field, "the high threshold must be at least as strict as the warn threshold"))
    }
}

impl RiskConfig {
    /// Checks every threshold; the error names the first bad key under `risk.`.
    pub fn validate(&self) -> Result<(), RuleError> {
        if self.ruleset_version.trim().is_empty() {
            return Err(RuleError::new("ruleset_version", "is empty"));
        }
        validate_days(&self.no_recent_activity, "no_recent_activity")?;
        validate_days(&self.ghosted, "ghosted")?;
        validate_days(&self.overdue_close_date, "overdue_close_date")?;
        validate_days(&self.no_next_meeting.days, "no_next_meeting.days")?;
        validate_days(&self.next_step_stale, "next_step_stale")?;
        let push = &self.close_date_pushed;
        positive("close_date_pushed.warn_count", push.warn_count)?;
        ordered("close_date_pushed.high_count", f64::from(push.warn_count), f64::from(push.high_count), false)?;
        ordered(
            "close_date_pushed.high_total_days",
            f64::from(push.warn_total_days),
            f64::from(push.high_total_days),
            false,
        )?;
        let soon = &self.close_date_too_soon;
        share("close_date_too_soon.warn_ratio", soon.warn_ratio)?;
        share("close_date_too_soon.high_ratio", soon.high_ratio)?;
        ordered("close_date_too_soon.high_ratio", soon.warn_ratio, soon.high_ratio, true)?;
        let stalled = &self.stalled_in_stage;
        if stalled.warn_multiple.is_nan() || stalled.warn_multiple < 1.0 {
            return Err(RuleError::new("stalled_in_stage.warn_multiple", "must be at least 1"));
        }
        ordered("stalled_in_stage.high_multiple", stalled.warn_multiple, stalled.high_multiple, false)?;
        positive("stalled_in_stage.floor_days", stalled.floor_days)?;
        positive("stage_regression.lookback_days", self.stage_regression.lookback_days)?;
        positive("stage_regression.high_steps", self.stage_regression.high_steps)?;
        positive("not_multithreaded.lookback_days", self.not_multithreaded.lookback_days)?;
        positive("not_multithreaded.min_contacts", self.not_multithreaded.min_contacts)?;
        positive("no_power.lookback_days", self.no_power.lookback_days)?;
        let cadence = &self.meeting_cadence;
        if cadence.min_meetings < 3 {
            return Err(RuleError::new("meeting_cadence.min_meetings", "must be at least 3 (two gaps to compare)"));
        }
        if cadence.warn_factor.is_nan() || cadence.warn_factor <= 1.0 {
            return Err(RuleError::new("meeting_cadence.warn_factor", "must be above 1"));
        }
        ordered("meeting_cadence.high_factor", cadence.warn_factor, cadence.high_factor, false)?;
        let one_sided = &self.one_sided;
        positive("one_sided.lookback_days", one_sided.lookback_days)?;
        positive("one_sided.min_outbound", one_sided.min_outbound)?;
        share("one_sided.warn_reply_share", one_sided.warn_reply_share)?;
        let amount = &self.amount_decreased;
        if !(amount.warn_percent > 0.0 && amount.warn_percent < 100.0) {
            return Err(RuleError::new("amount_decreased.warn_percent", "must be between 0 and 100"));
        }
        ordered("amount_decreased.high_percent", amount.warn_percent, amount.high_percent, false)?;
        let ageing = &self.ageing;
        if !(ageing.warn_percentile > 0.0 && ageing.high_percentile <= 100.0) {
            return Err(RuleError::new("ageing.warn_percentile", "percentiles must be between 0 and 100"));
        }
        ordered("ageing.high_percentile", ageing.warn_percentile, ageing.high_percentile, false)?;
        share("over_optimism.commit_min_probability", self.over_optimism.commit_min_probability)?;
        share("over_optimism.best_case_min_probability", self.over_optimism.best_case_min_probability)?;
        self.validate_forecast()?;
        let card = &self.scorecard;
        positive("scorecard.lookback_days", card.lookback_days)?;
        positive("scorecard.activity_window_days", card.activity_window_days)?;
        share("scorecard.bunching_warn_share", card.bunching_warn_share)?;
        if !(card.product_skew_points > 0.0 && card.product_skew_points <= 100.0) {
            return Err(RuleError::new("scorecard.product_skew_points", "must be between 0 and 100"));
        }
        if card.target_coverage.is_nan() || card.target_coverage <= 0.0 {
            return Err(RuleError::new("scorecard.target_coverage", "must be above 0"));
        }
        Ok(())
    }

    fn validate_forecast(&self) -> Result<(), RuleError> {
        let forecast = &self.forecast;
        if !(100..=100_000).contains(&forecast.simulations) {
            return Err(RuleError::new("forecast.simulations", "must be between 100 and 100000"));
        }
        positive("forecast.training_step_days", forecast.training_step_days)?;
        positive("forecast.training_lookback_days", forecast.training_lookback_days)?;
        if forecast.max_training_rows < 100 {
            return Err(RuleError::new("forecast.max_training_rows", "must be at least 100"));
        }
        if !(forecast.l2.is_finite() && forecast.l2 >= 0.0) {
            return Err(RuleError::new("forecast.l2", "must be zero or more"));
        }
        positive("forecast.min_class_rows", forecast.min_class_rows)?;
        positive("forecast.history_periods", forecast.history_periods)?;
        Ok(())
    }
}

fn validate_days(rule: &DayRule, field: &str) -> Result<(), RuleError> {
    let check = |name: String, warn: u32, high: u32| {
        if warn == 0 || high < warn {
            Err(RuleError::new(name, "warn_days must be at least 1 and high_days at least warn_days"))
        } else {
            Ok(())
        }
    };
    check(field.to_owned(), rule.warn_days, rule.high_days)?;
    for (index, rule) in rule.overrides.iter().enumerate() {
        let name = format!("{field}.overrides[{index}]");
        if rule.stage.is_none() && rule.segment.is_none() {
            return Err(RuleError::new(name, "an override needs a stage, a segment or both"));
        }
        check(name, rule.warn_days, rule.high_days)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::engine::risk::rules::DayOverride;

    #[test]
    fn defaults_validate() {
        RiskConfig::default().validate().unwrap();
    }

    #[test]
    fn the_most_specific_override_wins() {
        let rule = DayRule {
            warn_days: 14,
            high_days: 28,
            overrides: vec![
                DayOverride { stage: None, segment: Some("retail".into()), warn_days: 20, high_days: 40 },
                DayOverride { stage: Some("negotiate".into()), segment: None, warn_days: 7, high_days: 14 },
                DayOverride {
                    stage: Some("negotiate".into()),
                    segment: Some("retail".into()),
                    warn_days: 5,
                    high_days: 9,
                },
            ],
        };
        assert_eq!(rule.for_deal("qualify", None), (14, 28));
        assert_eq!(rule.for_deal("qualify", Some("retail")), (20, 40));
        assert_eq!(rule.for_deal("negotiate", Some("enterprise")), (7, 14));
        assert_eq!(rule.for_deal("negotiate", Some("retail")), (5, 9));
    }

    #[test]
    fn nonsense_thresholds_name_their_key() {
        let mut config = RiskConfig::default();
        config.ghosted.high_days = 3;
        assert_eq!(config.validate().unwrap_err().field, "ghosted");
        let mut config = RiskConfig::default();
        config.stalled_in_stage.warn_multiple = f64::NAN;
        assert_eq!(config.validate().unwrap_err().field, "stalled_in_stage.warn_multiple");
        let mut config = RiskConfig::default();
        config.forecast.simulations = 5;
        assert_eq!(config.validate().unwrap_err().field, "forecast.simulations");
    }
}
