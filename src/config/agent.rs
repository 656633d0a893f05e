//! The `[agent]` section: what the drafting model is shown of text that came from outside the
//! firm (client emails, meeting descriptions, CRM free text).

use serde::{Deserialize, Serialize};

/// How untrusted source text reaches the drafting model.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceText {
    /// The default: the model sees typed signals the engine derived from the text (who wrote,
    /// when, direction, reply latency, topics such as pricing or a meeting request, each with
    /// its activity id), never the text itself, so a planted instruction never reaches it.
    #[default]
    Signals,
    /// Email and meeting subjects and excerpts and CRM next steps are shown to the model inside
    /// quotation markers. Weaker: a model can still be talked into following what it reads, so
    /// every draft written this way goes to a human reviewer whatever the kind's policy says.
    Quoted,
}

impl SourceText {
    pub fn as_str(&self) -> &'static str {
        match self {
            SourceText::Signals => "signals",
            SourceText::Quoted => "quoted",
        }
    }

    pub fn parse(text: &str) -> Option<SourceText> {
        match text {
            "signals" => Some(SourceText::Signals),
            "quoted" => Some(SourceText::Quoted),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AgentConfig {
    /// `signals` (default) or `quoted`; see [`SourceText`].
    pub source_text: SourceText,
}
