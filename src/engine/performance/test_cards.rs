//! Scorecards built by hand for the performance-management tests.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::engine::risk::{Conduct, Hygiene, Metric, RiskConfig, Scorecard};

fn metric(value: f64, what: &str) -> Metric {
    Metric { value, how: format!("{what} computed by hand for the test.") }
}

/// A scorecard with the figures that matter to improvement plans and reviews.
pub(super) fn card(id: &str, pace: f64, coverage: f64, win_rate: f64, high_risk: f64, overdue: u32) -> Scorecard {
    Scorecard {
        person_id: id.to_owned(),
        name: format!("Person {id}"),
        manager_id: Some("mgr".to_owned()),
        team: Some("Institutional".to_owned()),
        period: "FY2026-Q1".to_owned(),
        quota_minor: 100_000_000,
        booked_minor: (pace * 50_000_000.0) as i64,
        attainment: metric(pace / 2.0, "attainment"),
        pace: metric(pace, "pace"),
        coverage: metric(coverage, "coverage"),
        win_rate: metric(win_rate, "win rate"),
        cycle_days: metric(90.0, "cycle"),
        average_deal_minor: metric(25_000_000.0, "average deal"),
        activity_trend: metric(0.0, "activity trend"),
        high_risk_share: metric(high_risk, "high-risk share"),
        open_deals: 6,
        hygiene: Hygiene {
            overdue_close_dates: overdue,
            stale_next_steps: 0,
            missing_close_dates: 0,
            how: format!("{overdue} past their close date."),
        },
        forecast_accuracy: Vec::new(),
        conduct: Conduct::empty(&RiskConfig::default()),
    }
}
