//! The validator: checks a typed draft against the recipient's snapshot before anyone sees it.
//! Grounding (every deal, person, account, amount, count, percentage, day count and date is in
//! the snapshot or a stated rounding of it), scope (nothing outside the recipient's scope),
//! structure and length, and the compliance policy from configuration.

mod compliance;
pub(crate) mod facts;
mod grounding;
pub(crate) mod names;
pub(crate) mod numbers;
pub(crate) mod quoted;
mod structure;
pub(crate) mod untrusted;

pub use facts::{Directory, Facts};

use super::drafts::Draft;
use crate::config::CompliancePolicy;
use regex::{Regex, RegexBuilder};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingCategory {
    Grounding,
    Scope,
    Structure,
    Length,
    Compliance,
}

impl FindingCategory {
    pub fn as_str(&self) -> &'static str {
        match self {
            FindingCategory::Grounding => "grounding",
            FindingCategory::Scope => "scope",
            FindingCategory::Structure => "structure",
            FindingCategory::Length => "length",
            FindingCategory::Compliance => "compliance",
        }
    }
}

/// One reason a draft was refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub category: FindingCategory,
    /// A stable code, e.g. `unknown_deal`, `unsupported_number`, `no_pay_promise`.
    pub code: String,
    /// Where in the draft, e.g. `deals[0].why_it_matters`.
    pub field: String,
    pub detail: String,
}

impl Finding {
    pub fn new(category: FindingCategory, code: &str, field: &str, detail: impl Into<String>) -> Self {
        Self { category, code: code.to_owned(), field: field.to_owned(), detail: detail.into() }
    }
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "[{}/{}] {}: {}", self.category.as_str(), self.code, self.field, self.detail)
    }
}

/// A compliance rule with its patterns compiled.
#[derive(Debug, Clone)]
pub struct CompiledRule {
    pub id: String,
    pub reason: String,
    pub patterns: Vec<Regex>,
}

/// The validator for one compliance policy; build once, use for every draft.
#[derive(Debug, Clone)]
pub struct Validator {
    pub policy: CompliancePolicy,
    rules: Vec<CompiledRule>,
}

impl Validator {
    pub fn new(policy: &CompliancePolicy) -> Result<Self, String> {
        let mut rules = Vec::new();
        for rule in &policy.rules {
            let mut patterns = Vec::new();
            for pattern in &rule.patterns {
                let compiled = RegexBuilder::new(pattern)
                    .case_insensitive(true)
                    .build()
                    .map_err(|e| format!("rule {}: {e}", rule.id))?;
                patterns.push(compiled);
            }
            rules.push(CompiledRule { id: rule.id.clone(), reason: rule.reason.clone(), patterns });
        }
        Ok(Self { policy: policy.clone(), rules })
    }

    /// Every finding against `draft`; empty means the draft may be stored as valid.
    pub fn validate(&self, draft: &Draft, rendered: &str, facts: &Facts, directory: &Directory) -> Vec<Finding> {
        let mut findings = Vec::new();
        if facts.kind != Some(draft.kind()) {
            findings.push(Finding::new(
                FindingCategory::Structure,
                "wrong_kind",
                "kind",
                format!("a {} was submitted for a recipient who gets a {:?}", draft.kind().as_str(), facts.kind),
            ));
        }
        grounding::check(draft, facts, directory, &mut findings);
        structure::check(draft, rendered, facts, &self.policy, &mut findings);
        compliance::check(draft, facts, directory, &self.rules, &self.policy, &mut findings);
        findings.sort_by(|a, b| (a.category, &a.field, &a.code).cmp(&(b.category, &b.field, &b.code)));
        findings.dedup();
        findings
    }

    /// Findings on rendered text alone (what the recipient reads), for the eval graders.
    pub fn check_text(&self, text: &str, facts: &Facts, directory: &Directory) -> Vec<Finding> {
        let mut findings = Vec::new();
        grounding::check_text("text", text, facts, directory, &mut findings);
        compliance::check_text("text", text, facts, directory, &self.rules, &self.policy, &mut findings);
        findings
    }
}
