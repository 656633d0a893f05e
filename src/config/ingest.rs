//! The `[ingest]` section: how calendar and mail imports expand recurring meetings, how much
//! message text they keep, which words raise keyword signals, and which mail domains are
//! personal (free-mail) addresses rather than client organisations.

use super::{invalid, ConfigError};
use serde::{Deserialize, Serialize};

/// How much of an email body or meeting description is kept with the activity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BodyRetention {
    /// Keep no text at all: signals only. For firms whose policy forbids copying client mail.
    None,
    /// A bounded excerpt ([`crate::domain::bounded_snippet`]).
    SnippetOnly,
    /// The whole text (quoted history removed), capped at [`BodyRetention::FULL_MAX_CHARS`].
    Full,
}

impl BodyRetention {
    /// Ceiling for `full` retention, so one pasted report cannot bloat the store.
    pub const FULL_MAX_CHARS: usize = 64 * 1024;
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IngestConfig {
    /// Recurring meetings are expanded from this many days before the import…
    pub recurrence_days_back: u32,
    /// …to this many days after it (future meetings feed "next meeting" signals).
    pub recurrence_days_forward: u32,
    /// Instances kept per recurring series inside the window; a guard against runaway rules.
    pub max_instances_per_series: u32,
    pub body_retention: BodyRetention,
    /// Days after a deal's close date (or actual close) during which activity still counts
    /// towards it: follow-ups after signature are part of the deal.
    pub deal_link_window_days: u32,
    /// Competitor names; a mention raises a `competitor_named` signal carrying the name.
    pub competitors: Vec<String>,
    /// Phrases that signal a deal in trouble.
    pub red_flag_phrases: Vec<String>,
    pub pricing_keywords: Vec<String>,
    pub legal_keywords: Vec<String>,
    pub procurement_keywords: Vec<String>,
    /// Personal mail providers: their addresses never place a contact on an account.
    pub free_mail_domains: Vec<String>,
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

impl Default for IngestConfig {
    fn default() -> Self {
        Self {
            recurrence_days_back: 730,
            recurrence_days_forward: 180,
            max_instances_per_series: 2_000,
            body_retention: BodyRetention::SnippetOnly,
            deal_link_window_days: 30,
            competitors: strings(&[
                "BlackRock",
                "State Street",
                "BNY",
                "Northern Trust",
                "J.P. Morgan",
                "JPMorgan",
                "Citi",
                "HSBC",
                "BNP Paribas",
                "UBS",
                "Goldman Sachs",
                "Morgan Stanley",
                "Vanguard",
                "Fidelity",
                "Amundi",
                "Schroders",
                "Pictet",
                "Julius Baer",
                "SS&C",
                "Allfunds",
            ]),
            red_flag_phrases: strings(&[
                "budget freeze",
                "on hold",
                "put on hold",
                "pause the project",
                "not a priority",
                "no longer a priority",
                "decided to go with",
                "going with another",
                "chosen another provider",
                "no longer interested",
                "not moving forward",
                "cancel the rfp",
                "re-tender",
                "hiring freeze",
                "restructuring",
                "reorganisation",
                "reorganization",
                "leaving the firm",
                "new cio",
                "board rejected",
                "too expensive",
                "regulatory concern",
                "complaint",
            ]),
            pricing_keywords: strings(&[
                "pricing",
                "price",
                "fee",
                "fees",
                "fee schedule",
                "basis points",
                "bps",
                "discount",
                "rebate",
                "rate card",
                "quote",
                "quotation",
                "commercials",
                "commercial terms",
                "management fee",
                "custody fee",
                "total expense ratio",
                "budget",
                "cost",
            ]),
            legal_keywords: strings(&[
                "legal",
                "counsel",
                "lawyer",
                "contract",
                "msa",
                "nda",
                "redline",
                "redlines",
                "terms and conditions",
                "indemnity",
                "liability",
                "side letter",
                "investment management agreement",
                "ima",
                "custody agreement",
                "isda",
                "compliance review",
            ]),
            procurement_keywords: strings(&[
                "procurement",
                "rfp",
                "rfi",
                "rfq",
                "tender",
                "ddq",
                "due diligence questionnaire",
                "vendor onboarding",
                "supplier onboarding",
                "vendor risk",
                "purchase order",
                "sourcing",
            ]),
            free_mail_domains: strings(&[
                "gmail.com",
                "googlemail.com",
                "outlook.com",
                "hotmail.com",
                "hotmail.co.uk",
                "live.com",
                "msn.com",
                "yahoo.com",
                "yahoo.co.uk",
                "ymail.com",
                "aol.com",
                "icloud.com",
                "me.com",
                "mac.com",
                "proton.me",
                "protonmail.com",
                "gmx.com",
                "gmx.de",
                "web.de",
                "mail.com",
                "zoho.com",
                "yandex.com",
                "qq.com",
                "163.com",
            ]),
        }
    }
}

impl IngestConfig {
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.recurrence_days_back > 36_500 {
            return Err(invalid("ingest.recurrence_days_back", "must be at most 36500 (100 years)"));
        }
        if self.recurrence_days_forward > 3_650 {
            return Err(invalid("ingest.recurrence_days_forward", "must be at most 3650 (10 years)"));
        }
        if self.max_instances_per_series == 0 || self.max_instances_per_series > 65_535 {
            return Err(invalid("ingest.max_instances_per_series", "must be between 1 and 65535"));
        }
        if self.deal_link_window_days > 3_650 {
            return Err(invalid("ingest.deal_link_window_days", "must be at most 3650"));
        }
        let lists = [
            ("competitors", &self.competitors),
            ("red_flag_phrases", &self.red_flag_phrases),
            ("pricing_keywords", &self.pricing_keywords),
            ("legal_keywords", &self.legal_keywords),
            ("procurement_keywords", &self.procurement_keywords),
        ];
        for (name, list) in lists {
            for (index, term) in list.iter().enumerate() {
                if !term.chars().any(char::is_alphanumeric) {
                    return Err(invalid(format!("ingest.{name}[{index}]"), "must contain a letter or digit"));
                }
            }
        }
        for (index, domain) in self.free_mail_domains.iter().enumerate() {
            if crate::domain::normalise_domain(domain).is_none() {
                return Err(invalid(
                    format!("ingest.free_mail_domains[{index}]"),
                    format!("{domain:?} is not a domain"),
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use crate::config::{BodyRetention, Config};

    #[test]
    fn ingest_section_has_defaults_and_overrides() {
        let config = Config::from_toml("").unwrap();
        assert_eq!(config.ingest.body_retention, BodyRetention::SnippetOnly);
        assert!(config.ingest.free_mail_domains.iter().any(|d| d == "gmail.com"));
        let config = Config::from_toml(
            "[ingest]\nbody_retention = \"full\"\ncompetitors = [\"Acme Custody\"]\nrecurrence_days_forward = 30",
        )
        .unwrap();
        assert_eq!(config.ingest.body_retention, BodyRetention::Full);
        assert_eq!(config.ingest.competitors, vec!["Acme Custody".to_owned()]);
        assert_eq!(config.ingest.recurrence_days_forward, 30);
    }

    #[test]
    fn bad_ingest_values_name_the_field() {
        let err = Config::from_toml("[ingest]\nfree_mail_domains = [\"not a domain\"]").unwrap_err().to_string();
        assert!(err.contains("ingest.free_mail_domains[0]"), "{err}");
        let err = Config::from_toml("[ingest]\nred_flag_phrases = [\"  \"]").unwrap_err().to_string();
        assert!(err.contains("ingest.red_flag_phrases[0]"), "{err}");
        let err = Config::from_toml("[ingest]\nbody_retention = \"everything\"").unwrap_err().to_string();
        assert!(err.contains("everything"), "{err}");
        let err = Config::from_toml("[ingest]\nmax_instances_per_series = 0").unwrap_err().to_string();
        assert!(err.contains("ingest.max_instances_per_series"), "{err}");
    }
}
