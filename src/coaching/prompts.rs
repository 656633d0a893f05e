//! Prompt templates from `prompts/`: one system template and one task template per draft kind
//! (each kind belongs to one role). Each file's first line carries its version, which is stored
//! with every draft. Only trusted values are substituted — names, dates, limits — never source
//! text, which reaches the model only inside tool results.

use super::drafts::DraftKind;
use super::snapshot::Snapshot;
use crate::config::CompliancePolicy;

const SYSTEM: &str = include_str!("../../prompts/system.md");
const REP_NUDGE: &str = include_str!("../../prompts/rep_nudge.md");
const INTERVENTION_BRIEF: &str = include_str!("../../prompts/intervention_brief.md");
const FORECAST_MEMO: &str = include_str!("../../prompts/forecast_memo.md");

/// A template split into its version line and body.
struct Template {
    version: &'static str,
    body: &'static str,
}

fn parse(text: &'static str) -> Template {
    let (first, rest) = text.split_once('\n').unwrap_or((text, ""));
    let version = first
        .trim()
        .strip_prefix("<!-- version:")
        .and_then(|v| v.strip_suffix("-->"))
        .map(str::trim)
        .unwrap_or("unversioned");
    Template { version, body: rest }
}

fn task_template(kind: DraftKind) -> Template {
    parse(match kind {
        DraftKind::RepNudge => REP_NUDGE,
        DraftKind::InterventionBrief => INTERVENTION_BRIEF,
        DraftKind::ForecastMemo => FORECAST_MEMO,
    })
}

/// The rendered prompts for one draft and the version stored with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Prompt {
    pub system: String,
    pub task: String,
    /// `system-…+task-…`: both templates' versions.
    pub version: String,
}

fn fill(body: &str, values: &[(&str, String)]) -> String {
    let mut out = body.to_owned();
    for (key, value) in values {
        out = out.replace(&format!("{{{{{key}}}}}", key = key), value);
    }
    out
}

pub(crate) fn max_chars(policy: &CompliancePolicy, kind: DraftKind) -> usize {
    match kind {
        DraftKind::RepNudge => policy.max_chars_rep_nudge,
        DraftKind::InterventionBrief => policy.max_chars_intervention_brief,
        DraftKind::ForecastMemo => policy.max_chars_forecast_memo,
    }
}

pub(crate) fn render(snapshot: &Snapshot, org_name: &str, policy: &CompliancePolicy) -> Prompt {
    let system = parse(SYSTEM);
    let task = task_template(snapshot.kind);
    let values = [
        ("org_name", org_name.to_owned()),
        ("as_of", snapshot.as_of.to_string()),
        ("period", snapshot.period.clone()),
        ("currency", snapshot.currency.clone()),
        ("submit_tool", snapshot.kind.submit_tool().to_owned()),
        ("recipient_name", snapshot.recipient.name.clone()),
        ("scope", snapshot.scope_text()),
        ("max_chars", max_chars(policy, snapshot.kind).to_string()),
    ];
    Prompt {
        system: fill(system.body, &values),
        task: fill(task.body, &values),
        version: format!("{}+{}", system.version, task.version),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::domain::Role;
    use std::path::Path;

    /// Rendered prompts are compared with the files under `tests/snapshots/prompts/`; set
    /// `CANDOR_UPDATE_SNAPSHOTS=1` to rewrite them after an intended change.
    #[test]
    fn rendered_prompts_match_their_snapshots() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/prompts");
        let update = std::env::var("CANDOR_UPDATE_SNAPSHOTS").as_deref() == Ok("1");
        let policy = CompliancePolicy::default();
        let cases = [
            (DraftKind::RepNudge, Role::Rep, "Ana Silva"),
            (DraftKind::InterventionBrief, Role::Manager, "Tom Reyes"),
            (DraftKind::ForecastMemo, Role::Leader, "Mia Chen"),
        ];
        for (kind, role, name) in cases {
            let prompt = render(&Snapshot::empty(kind, role, name), "Northbridge Financial Services", &policy);
            let text = format!("version: {}\n--- system\n{}--- task\n{}", prompt.version, prompt.system, prompt.task);
            let path = dir.join(format!("{}.txt", kind.as_str()));
            if update {
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::write(&path, &text).unwrap();
            }
            let expected = std::fs::read_to_string(&path).unwrap_or_default();
            assert_eq!(text, expected, "{} drifted; rerun with CANDOR_UPDATE_SNAPSHOTS=1 if intended", path.display());
            assert!(!prompt.system.contains("{{") && !prompt.task.contains("{{"), "an unfilled placeholder");
            assert!(prompt.version.starts_with("system-2026"), "{}", prompt.version);
        }
    }
}
