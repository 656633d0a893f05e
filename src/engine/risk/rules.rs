//! The ruleset: every threshold the engine applies, with defaults, per-stage and per-segment
//! overrides, and the version string stored with every snapshot. Validation is in
//! `validation.rs`.

pub use super::validation::RuleError;
use serde::{Deserialize, Serialize};

/// A warn/high pair of day counts, optionally overridden for a stage, a segment or both.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DayRule {
    pub warn_days: u32,
    pub high_days: u32,
    /// The most specific matching override wins: stage and segment, then stage, then segment.
    #[serde(default)]
    pub overrides: Vec<DayOverride>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DayOverride {
    #[serde(default)]
    pub stage: Option<String>,
    #[serde(default)]
    pub segment: Option<String>,
    pub warn_days: u32,
    pub high_days: u32,
}

impl DayRule {
    pub fn new(warn_days: u32, high_days: u32) -> Self {
        Self { warn_days, high_days, overrides: Vec::new() }
    }

    /// The (warn, high) days that apply to a deal in `stage` for an account in `segment`.
    pub fn for_deal(&self, stage: &str, segment: Option<&str>) -> (u32, u32) {
        let mut best: Option<(u8, &DayOverride)> = None;
        for rule in &self.overrides {
            let stage_matches = rule.stage.as_deref().map(|s| s == stage);
            let segment_matches = rule.segment.as_deref().map(|s| Some(s) == segment);
            let specificity = match (stage_matches, segment_matches) {
                (Some(false), _) | (_, Some(false)) | (None, None) => continue,
                (Some(true), Some(true)) => 3,
                (Some(true), None) => 2,
                (None, Some(true)) => 1,
            };
            if best.is_none_or(|(current, _)| specificity > current) {
                best = Some((specificity, rule));
            }
        }
        best.map(|(_, r)| (r.warn_days, r.high_days)).unwrap_or((self.warn_days, self.high_days))
    }
}

/// A stage-gated rule: it applies from `from_stage` on and is high from `high_from_stage` on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageGate {
    pub from_stage: String,
    pub high_from_stage: String,
}

impl StageGate {
    fn new(from_stage: &str, high_from_stage: &str) -> Self {
        Self { from_stage: from_stage.to_owned(), high_from_stage: high_from_stage.to_owned() }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PushRule {
    pub warn_count: u32,
    pub high_count: u32,
    pub warn_total_days: u32,
    pub high_total_days: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TooSoonRule {
    /// Warn when the days left before the close date are below this share of the days the
    /// organisation's won deals needed from this stage to close.
    pub warn_ratio: f64,
    pub high_ratio: f64,
    /// Fewer won deals than this and the rule stays silent: the velocity is not known.
    pub min_won_deals: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StalledRule {
    /// Multiples of the won deals' median days in the same stage.
    pub warn_multiple: f64,
    pub high_multiple: f64,
    /// No stage is stalled before this many days, whatever the median says.
    pub floor_days: u32,
    /// Per-stage floors that replace `floor_days`.
    pub stage_floors: Vec<StageDays>,
    pub min_won_deals: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageDays {
    pub stage: String,
    pub days: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RegressionRule {
    pub lookback_days: u32,
    /// Moving back this many stages or more at once is high.
    pub high_steps: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MultithreadRule {
    pub lookback_days: u32,
    pub gate: StageGate,
    pub min_contacts: u32,
    /// Per-stage minimums that replace `min_contacts`.
    pub stage_minimums: Vec<StageDays>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PowerRule {
    pub lookback_days: u32,
    pub gate: StageGate,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NextMeetingRule {
    pub days: DayRule,
    pub gate: StageGate,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CadenceRule {
    pub min_meetings: u32,
    /// The current gap over the median of earlier gaps.
    pub warn_factor: f64,
    pub high_factor: f64,
    /// Gaps shorter than this never count as widening, whatever the ratio.
    pub min_gap_days: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OneSidedRule {
    pub lookback_days: u32,
    pub min_outbound: u32,
    /// Warn when inbound messages are at most this share of outbound ones.
    pub warn_reply_share: f64,
    /// High when there is no inbound at all and at least this many outbound.
    pub high_min_outbound: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AmountRule {
    pub lookback_days: u32,
    pub warn_percent: f64,
    pub high_percent: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AgeingRule {
    /// Percentiles of the won deals' age at close.
    pub warn_percentile: f64,
    pub high_percentile: f64,
    pub min_won_deals: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OptimismRule {
    /// Commit before this stage is not supported by the evidence.
    pub commit_min_stage: String,
    pub best_case_min_stage: String,
    /// A commit call needs at least this fitted probability of winning (inside the period for
    /// a deal due in it, else by its close date).
    pub commit_min_probability: f64,
    pub best_case_min_probability: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ContentRule {
    pub lookback_days: u32,
    /// Pricing should have come up by this stage.
    pub pricing_gate: StageGate,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ForecastRule {
    pub seed: u64,
    pub simulations: u32,
    /// Past snapshots used to fit the win model, this many days apart.
    pub training_step_days: u32,
    pub training_lookback_days: u32,
    pub max_training_rows: u32,
    /// Ridge penalty on standardised coefficients.
    pub l2: f64,
    /// Fewer won or fewer lost training rows than this and the stage defaults are used.
    pub min_class_rows: u32,
    /// Past periods used for the new-business run rate and forecast-accuracy history.
    pub history_periods: u32,
    /// Accounts and segments listed in the concentration tables.
    pub top_concentrations: u32,
    pub top_exposures: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScorecardRule {
    /// Window for win rate, cycle time and deal size.
    pub lookback_days: u32,
    pub activity_window_days: u32,
    /// Closes in the last days of a period count as bunched.
    pub bunching_days: u32,
    /// Bunched share of won amount over which a rep is flagged.
    pub bunching_warn_share: f64,
    /// Products that pay more commission; empty means any product may show the skew.
    pub high_commission_products: Vec<String>,
    /// Share points over the organisation's share of a product before the mix counts as skewed.
    pub product_skew_points: f64,
    /// Day of the period at which the commit call is read for forecast-accuracy history.
    pub commit_snapshot_day: u32,
    pub target_coverage: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RollupRule {
    pub deals_to_inspect: u32,
}

/// Every threshold of the deterministic engine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RiskConfig {
    /// Stored with every snapshot; change it whenever a threshold changes.
    pub ruleset_version: String,
    pub no_recent_activity: DayRule,
    pub ghosted: DayRule,
    pub overdue_close_date: DayRule,
    pub close_date_pushed: PushRule,
    pub close_date_too_soon: TooSoonRule,
    pub stalled_in_stage: StalledRule,
    pub stage_regression: RegressionRule,
    pub not_multithreaded: MultithreadRule,
    pub no_power: PowerRule,
    pub missing_roles: StageGate,
    pub no_next_meeting: NextMeetingRule,
    pub meeting_cadence: CadenceRule,
    pub one_sided: OneSidedRule,
    pub amount_decreased: AmountRule,
    pub ageing: AgeingRule,
    pub next_step_stale: DayRule,
    pub over_optimism: OptimismRule,
    pub content: ContentRule,
    pub forecast: ForecastRule,
    pub scorecard: ScorecardRule,
    pub rollup: RollupRule,
}

impl Default for RiskConfig {
    fn default() -> Self {
        Self {
            ruleset_version: "risk-2026.11.1".to_owned(),
            no_recent_activity: DayRule {
                warn_days: 14,
                high_days: 28,
                overrides: vec![DayOverride {
                    stage: Some("negotiate".to_owned()),
                    segment: None,
                    warn_days: 10,
                    high_days: 21,
                }],
            },
            ghosted: DayRule::new(14, 30),
            overdue_close_date: DayRule::new(1, 21),
            close_date_pushed: PushRule::default(),
            close_date_too_soon: TooSoonRule::default(),
            stalled_in_stage: StalledRule::default(),
            stage_regression: RegressionRule::default(),
            not_multithreaded: MultithreadRule::default(),
            no_power: PowerRule::default(),
            missing_roles: StageGate::new("solution", "negotiate"),
            no_next_meeting: NextMeetingRule::default(),
            meeting_cadence: CadenceRule::default(),
            one_sided: OneSidedRule::default(),
            amount_decreased: AmountRule::default(),
            ageing: AgeingRule::default(),
            // Record keeping more than buyer evidence: high only when long neglected.
            next_step_stale: DayRule::new(30, 120),
            over_optimism: OptimismRule::default(),
            content: ContentRule::default(),
            forecast: ForecastRule::default(),
            scorecard: ScorecardRule::default(),
            rollup: RollupRule::default(),
        }
    }
}

impl Default for DayRule {
    fn default() -> Self {
        Self::new(14, 28)
    }
}

impl Default for PushRule {
    fn default() -> Self {
        Self { warn_count: 1, high_count: 3, warn_total_days: 14, high_total_days: 60 }
    }
}

impl Default for TooSoonRule {
    fn default() -> Self {
        Self { warn_ratio: 0.5, high_ratio: 0.25, min_won_deals: 5 }
    }
}

impl Default for StalledRule {
    fn default() -> Self {
        Self { warn_multiple: 1.5, high_multiple: 2.5, floor_days: 14, stage_floors: Vec::new(), min_won_deals: 5 }
    }
}

impl Default for RegressionRule {
    fn default() -> Self {
        Self { lookback_days: 60, high_steps: 2 }
    }
}

impl Default for MultithreadRule {
    fn default() -> Self {
        Self {
            lookback_days: 60,
            gate: StageGate::new("discover", "proposal"),
            min_contacts: 2,
            stage_minimums: vec![
                StageDays { stage: "proposal".to_owned(), days: 3 },
                StageDays { stage: "negotiate".to_owned(), days: 3 },
            ],
        }
    }
}

impl Default for PowerRule {
    fn default() -> Self {
        Self { lookback_days: 120, gate: StageGate::new("solution", "negotiate") }
    }
}

impl Default for StageGate {
    fn default() -> Self {
        Self::new("solution", "negotiate")
    }
}

impl Default for NextMeetingRule {
    fn default() -> Self {
        Self { days: DayRule::new(21, 35), gate: StageGate::new("discover", "proposal") }
    }
}

impl Default for CadenceRule {
    fn default() -> Self {
        Self { min_meetings: 4, warn_factor: 3.0, high_factor: 6.0, min_gap_days: 21 }
    }
}

impl Default for OneSidedRule {
    fn default() -> Self {
        Self { lookback_days: 30, min_outbound: 3, warn_reply_share: 0.25, high_min_outbound: 5 }
    }
}

impl Default for AmountRule {
    fn default() -> Self {
        Self { lookback_days: 90, warn_percent: 10.0, high_percent: 30.0 }
    }
}

impl Default for AgeingRule {
    fn default() -> Self {
        Self { warn_percentile: 75.0, high_percentile: 90.0, min_won_deals: 10 }
    }
}

impl Default for OptimismRule {
    fn default() -> Self {
        Self {
            commit_min_stage: "proposal".to_owned(),
            best_case_min_stage: "solution".to_owned(),
            commit_min_probability: 0.5,
            best_case_min_probability: 0.2,
        }
    }
}

impl Default for ContentRule {
    fn default() -> Self {
        Self { lookback_days: 60, pricing_gate: StageGate::new("proposal", "negotiate") }
    }
}

impl Default for ForecastRule {
    fn default() -> Self {
        Self {
            seed: 42,
            simulations: 2000,
            training_step_days: 14,
            training_lookback_days: 540,
            max_training_rows: 20_000,
            l2: 1.0,
            min_class_rows: 20,
            history_periods: 4,
            top_concentrations: 5,
            top_exposures: 10,
        }
    }
}

impl Default for ScorecardRule {
    fn default() -> Self {
        Self {
            lookback_days: 365,
            activity_window_days: 28,
            bunching_days: 7,
            bunching_warn_share: 0.5,
            // The demo catalogue's higher-commission lines; set to the firm's own.
            high_commission_products: vec![
                "fx_overlay".to_owned(),
                "securities_lending".to_owned(),
                "transition_management".to_owned(),
            ],
            product_skew_points: 20.0,
            commit_snapshot_day: 14,
            target_coverage: 3.0,
        }
    }
}

impl Default for RollupRule {
    fn default() -> Self {
        Self { deals_to_inspect: 3 }
    }
}

impl RiskConfig {
    /// The stalled floor for `stage`.
    pub fn stalled_floor(&self, stage: &str) -> u32 {
        let stalled = &self.stalled_in_stage;
        stalled.stage_floors.iter().find(|s| s.stage == stage).map(|s| s.days).unwrap_or(stalled.floor_days)
    }

    /// The fewest engaged buyer contacts expected in `stage`.
    pub fn min_contacts(&self, stage: &str) -> u32 {
        let rule = &self.not_multithreaded;
        rule.stage_minimums.iter().find(|s| s.stage == stage).map(|s| s.days).unwrap_or(rule.min_contacts)
    }
}
