//! Eval reports: per-provider rates (1.0 = every draft passed) and the run figures — drafts
//! validated on the first try, after repair or by fallback; prompt tokens per rep nudge; model
//! calls and wall time per draft — printed as a table and written as JSON.

use super::graders::Grade;
use super::Suite;
use crate::domain::{DraftKind, DraftStatus};
use crate::engine::risk::numbers::percentile;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Debug, Clone, Serialize)]
pub struct ProviderFigures {
    pub provider: String,
    pub model: String,
    pub drafts: usize,
    pub grounding: f64,
    pub scope: f64,
    pub compliance: f64,
    pub structure: f64,
    /// Mean coverage over rep nudges whose rep has truly at-risk deals.
    pub coverage: Option<f64>,
    pub precision: Option<f64>,
    pub validated_first_try: usize,
    pub validated_after_repair: usize,
    pub fallback: usize,
    pub prompt_tokens_per_rep_nudge_median: f64,
    pub prompt_tokens_per_rep_nudge_p95: f64,
    pub total_prompt_tokens: u64,
    pub total_completion_tokens: u64,
    pub model_calls_per_draft: f64,
    pub wall_ms_per_draft_median: f64,
    pub wall_ms_per_draft_p95: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct SuiteReport {
    pub suite: String,
    pub description: String,
    pub scenarios: Vec<String>,
    pub wall_seconds: f64,
    pub providers: Vec<ProviderFigures>,
    pub grades: Vec<Grade>,
}

fn rate(grades: &[Grade], pass: impl Fn(&Grade) -> bool) -> f64 {
    if grades.is_empty() {
        return 1.0;
    }
    grades.iter().filter(|g| pass(g)).count() as f64 / grades.len() as f64
}

fn mean(values: impl Iterator<Item = f64>) -> Option<f64> {
    let values: Vec<f64> = values.collect();
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

fn round(value: f64) -> f64 {
    (value * 10_000.0).round() / 10_000.0
}

impl SuiteReport {
    pub fn new(suite: &Suite, provider: &str, model: &str, grades: Vec<Grade>, elapsed: Duration) -> Self {
        let mut nudge_tokens: Vec<f64> =
            grades.iter().filter(|g| g.kind == DraftKind::RepNudge).map(|g| g.prompt_tokens as f64).collect();
        let mut wall: Vec<f64> = grades.iter().map(|g| g.wall_ms as f64).collect();
        let count = |status: DraftStatus| grades.iter().filter(|g| g.status == status).count();
        let figures = ProviderFigures {
            provider: provider.to_owned(),
            model: model.to_owned(),
            drafts: grades.len(),
            grounding: round(rate(&grades, |g| g.grounding)),
            scope: round(rate(&grades, |g| g.scope)),
            compliance: round(rate(&grades, |g| g.compliance)),
            structure: round(rate(&grades, |g| g.structure)),
            coverage: mean(grades.iter().filter_map(|g| g.coverage)).map(round),
            precision: mean(grades.iter().filter_map(|g| g.precision)).map(round),
            validated_first_try: count(DraftStatus::Validated),
            validated_after_repair: count(DraftStatus::Repaired),
            fallback: count(DraftStatus::Fallback),
            prompt_tokens_per_rep_nudge_median: percentile(&mut nudge_tokens, 50.0).unwrap_or(0.0).round(),
            prompt_tokens_per_rep_nudge_p95: percentile(&mut nudge_tokens, 95.0).unwrap_or(0.0).round(),
            total_prompt_tokens: grades.iter().map(|g| g.prompt_tokens).sum(),
            total_completion_tokens: grades.iter().map(|g| g.completion_tokens).sum(),
            model_calls_per_draft: round(mean(grades.iter().map(|g| f64::from(g.model_calls))).unwrap_or(0.0)),
            wall_ms_per_draft_median: percentile(&mut wall, 50.0).unwrap_or(0.0).round(),
            wall_ms_per_draft_p95: percentile(&mut wall, 95.0).unwrap_or(0.0).round(),
        };
        SuiteReport {
            suite: suite.name.clone(),
            description: suite.description.clone(),
            scenarios: suite.scenarios.iter().map(|s| s.name.clone()).collect(),
            wall_seconds: round(elapsed.as_secs_f64()),
            providers: vec![figures],
            grades,
        }
    }

    /// Whether every draft passed grounding, scope and compliance.
    pub fn is_perfect(&self) -> bool {
        self.providers.iter().all(|p| p.grounding >= 1.0 && p.scope >= 1.0 && p.compliance >= 1.0)
    }

    pub fn table(&self) -> String {
        let mut out = format!("suite {} ({} scenarios, {:.1}s)\n", self.suite, self.scenarios.len(), self.wall_seconds);
        out.push_str(&format!(
            "{:<9} {:>6} {:>9} {:>6} {:>10} {:>9} {:>8} {:>9} {:>6} {:>6} {:>8} {:>11} {:>10} {:>7} {:>9}\n",
            "provider",
            "drafts",
            "grounding",
            "scope",
            "compliance",
            "structure",
            "coverage",
            "validated",
            "repair",
            "fallbk",
            "tok p50",
            "tok p95",
            "calls/dft",
            "ms p50",
            "ms p95"
        ));
        for p in &self.providers {
            let coverage = p.coverage.map(|c| format!("{c:.2}")).unwrap_or_else(|| "-".to_owned());
            out.push_str(&format!(
                "{:<9} {:>6} {:>9.4} {:>6.4} {:>10.4} {:>9.4} {:>8} {:>9} {:>6} {:>6} {:>8} {:>11} {:>10.2} {:>7} {:>9}\n",
                p.provider,
                p.drafts,
                p.grounding,
                p.scope,
                p.compliance,
                p.structure,
                coverage,
                p.validated_first_try,
                p.validated_after_repair,
                p.fallback,
                p.prompt_tokens_per_rep_nudge_median,
                p.prompt_tokens_per_rep_nudge_p95,
                p.model_calls_per_draft,
                p.wall_ms_per_draft_median,
                p.wall_ms_per_draft_p95
            ));
        }
        let failing: Vec<&Grade> = self.grades.iter().filter(|g| !(g.grounding && g.scope && g.compliance)).collect();
        for grade in failing.iter().take(10) {
            out.push_str(&format!("  FAIL {} {}: {}\n", grade.scenario, grade.recipient_id, grade.failures.join("; ")));
        }
        out
    }

    /// Writes `<dir>/<suite>-<provider>.json`; returns the path.
    pub fn write(&self, dir: &Path) -> std::io::Result<PathBuf> {
        std::fs::create_dir_all(dir)?;
        let provider = self.providers.first().map(|p| p.provider.as_str()).unwrap_or("none");
        let path = dir.join(format!("{}-{provider}.json", self.suite));
        let text = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        std::fs::write(&path, text + "\n")?;
        Ok(path)
    }
}
