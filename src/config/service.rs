//! The sections that run Candor as a service: `[jobs]` (workers, leases, retries), `[schedule]`
//! (when each kind of message goes out, in the recipient's time zone), `[review]` (who must
//! approve what), `[audit]` (retention) and `[http]` (the listener).

use super::{invalid, ConfigError};
use crate::domain::DraftKind;
use croner::Cron;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::str::FromStr;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JobsConfig {
    /// Jobs one process works on at once. Model calls are bounded by `llm.concurrency` on top:
    /// with a remote model, set this above it, so that deliveries and each draft's work around
    /// its calls (snapshot, validation, storage) overlap the calls instead of taking their turn.
    pub concurrency: u32,
    /// How long a claimed job stays leased without a heartbeat before another worker may take it.
    pub lease_seconds: u64,
    /// Attempts before a job is failed for good.
    pub max_attempts: u32,
    /// First retry delay; each further attempt doubles it, up to `backoff_max_seconds`.
    pub backoff_base_ms: u64,
    pub backoff_max_seconds: u64,
    /// How often an idle worker looks for new work.
    pub poll_interval_ms: u64,
}

impl Default for JobsConfig {
    fn default() -> Self {
        Self {
            concurrency: 8,
            lease_seconds: 60,
            max_attempts: 6,
            backoff_base_ms: 1_000,
            backoff_max_seconds: 900,
            poll_interval_ms: 500,
        }
    }
}

/// Cron patterns (`minute hour day-of-month month day-of-week`), each evaluated in the
/// recipient's own time zone.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(from = "ScheduleFile")]
pub struct ScheduleConfig {
    /// Whether `candor serve` starts runs on its own.
    pub enabled: bool,
    pub rep_nudge: String,
    pub intervention_brief: String,
    pub forecast_memo: String,
}

/// `[schedule]` as written. The brief's former key `manager_brief` is still read and wins when
/// given: the built-in defaults never write it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScheduleFile {
    enabled: Option<bool>,
    rep_nudge: Option<String>,
    intervention_brief: Option<String>,
    manager_brief: Option<String>,
    forecast_memo: Option<String>,
}

impl From<ScheduleFile> for ScheduleConfig {
    fn from(file: ScheduleFile) -> Self {
        let default = ScheduleConfig::default();
        ScheduleConfig {
            enabled: file.enabled.unwrap_or(default.enabled),
            rep_nudge: file.rep_nudge.unwrap_or(default.rep_nudge),
            intervention_brief: file.manager_brief.or(file.intervention_brief).unwrap_or(default.intervention_brief),
            forecast_memo: file.forecast_memo.unwrap_or(default.forecast_memo),
        }
    }
}

impl Default for ScheduleConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            rep_nudge: "30 7 * * MON".to_owned(),
            intervention_brief: "0 8 * * MON".to_owned(),
            forecast_memo: "0 16 * * FRI".to_owned(),
        }
    }
}

/// Who approves each kind of draft: `auto_approve`, `recipient_manager`, or `role:NAME` for a
/// role named under `[review.roles]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(from = "ReviewFile")]
pub struct ReviewConfig {
    pub rep_nudge: String,
    pub intervention_brief: String,
    pub forecast_memo: String,
    /// Named reviewer roles (e.g. `compliance`) and their members, by email or person id.
    pub roles: BTreeMap<String, Vec<String>>,
}

/// `[review]` as written; `manager_brief` is read as in [`ScheduleFile`].
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReviewFile {
    rep_nudge: Option<String>,
    intervention_brief: Option<String>,
    manager_brief: Option<String>,
    forecast_memo: Option<String>,
    roles: Option<BTreeMap<String, Vec<String>>>,
}

impl From<ReviewFile> for ReviewConfig {
    fn from(file: ReviewFile) -> Self {
        let default = ReviewConfig::default();
        ReviewConfig {
            rep_nudge: file.rep_nudge.unwrap_or(default.rep_nudge),
            intervention_brief: file.manager_brief.or(file.intervention_brief).unwrap_or(default.intervention_brief),
            forecast_memo: file.forecast_memo.unwrap_or(default.forecast_memo),
            roles: file.roles.unwrap_or(default.roles),
        }
    }
}

impl Default for ReviewConfig {
    fn default() -> Self {
        Self {
            rep_nudge: "auto_approve".to_owned(),
            intervention_brief: "auto_approve".to_owned(),
            forecast_memo: "auto_approve".to_owned(),
            roles: BTreeMap::new(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuditConfig {
    /// Years every audit entry is kept; nothing younger is ever deleted.
    pub retention_years: u32,
}

impl Default for AuditConfig {
    fn default() -> Self {
        Self { retention_years: 7 }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpConfig {
    /// Address the listener binds (`CANDOR__HTTP__BIND`).
    pub bind: String,
    /// Mark session cookies `Secure` (sent over HTTPS only; browsers also accept them on
    /// localhost). Turn off only behind a trusted plain-HTTP hop.
    pub secure_cookies: bool,
    /// How long a browser session lasts from sign-in.
    pub session_hours: u32,
    /// Default lifetime of a new API token.
    pub token_days: u32,
    /// Sign-in attempts and failed token checks allowed per client address (and per account)
    /// per minute.
    pub auth_attempts_per_minute: u32,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1:8080".to_owned(),
            secure_cookies: true,
            session_hours: 12,
            token_days: 90,
            auth_attempts_per_minute: 10,
        }
    }
}

impl JobsConfig {
    pub fn validate(&self) -> Result<(), ConfigError> {
        if !(1..=1_024).contains(&self.concurrency) {
            return Err(invalid("jobs.concurrency", "must be between 1 and 1024"));
        }
        if !(1..=86_400).contains(&self.lease_seconds) {
            return Err(invalid("jobs.lease_seconds", "must be between 1 and 86400"));
        }
        if !(1..=100).contains(&self.max_attempts) {
            return Err(invalid("jobs.max_attempts", "must be between 1 and 100"));
        }
        if self.backoff_base_ms == 0 || self.backoff_base_ms > 3_600_000 {
            return Err(invalid("jobs.backoff_base_ms", "must be between 1 and 3600000"));
        }
        if self.backoff_max_seconds == 0 {
            return Err(invalid("jobs.backoff_max_seconds", "must be at least 1"));
        }
        if !(10..=60_000).contains(&self.poll_interval_ms) {
            return Err(invalid("jobs.poll_interval_ms", "must be between 10 and 60000"));
        }
        Ok(())
    }
}

/// Parses a five-field cron pattern (`minute hour day-of-month month day-of-week`).
pub fn parse_cron(pattern: &str) -> Result<Cron, String> {
    if pattern.split_whitespace().count() != 5 {
        return Err(format!("{pattern:?} must have five fields: minute hour day-of-month month day-of-week"));
    }
    Cron::from_str(pattern).map_err(|e| format!("{pattern:?} is not a cron pattern: {e}"))
}

impl ScheduleConfig {
    pub fn validate(&self) -> Result<(), ConfigError> {
        for (kind, pattern) in self.patterns() {
            parse_cron(pattern).map_err(|reason| invalid(format!("schedule.{kind}"), reason))?;
        }
        Ok(())
    }

    /// `(draft kind, pattern)` for every kind.
    pub fn patterns(&self) -> [(DraftKind, &str); 3] {
        [
            (DraftKind::RepNudge, self.rep_nudge.as_str()),
            (DraftKind::InterventionBrief, self.intervention_brief.as_str()),
            (DraftKind::ForecastMemo, self.forecast_memo.as_str()),
        ]
    }

    /// Every kind's schedule, parsed (validated at load, so none is skipped in practice).
    pub fn crons(&self) -> Vec<(DraftKind, Cron)> {
        self.patterns().into_iter().filter_map(|(kind, pattern)| Some((kind, parse_cron(pattern).ok()?))).collect()
    }
}

/// Who approves a kind of draft.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReviewPolicy {
    AutoApprove,
    RecipientManager,
    /// Members of `[review.roles].NAME`.
    Role(String),
}

impl ReviewPolicy {
    pub fn parse(text: &str) -> Result<ReviewPolicy, String> {
        match text.trim() {
            "auto_approve" => Ok(ReviewPolicy::AutoApprove),
            "recipient_manager" => Ok(ReviewPolicy::RecipientManager),
            other => match other.strip_prefix("role:") {
                Some(role) if !role.trim().is_empty() => Ok(ReviewPolicy::Role(role.trim().to_owned())),
                _ => Err(format!("{other:?} is not auto_approve, recipient_manager or role:NAME")),
            },
        }
    }

    pub fn as_text(&self) -> String {
        match self {
            ReviewPolicy::AutoApprove => "auto_approve".to_owned(),
            ReviewPolicy::RecipientManager => "recipient_manager".to_owned(),
            ReviewPolicy::Role(role) => format!("role:{role}"),
        }
    }
}

impl ReviewConfig {
    fn texts(&self) -> [(DraftKind, &str); 3] {
        [
            (DraftKind::RepNudge, self.rep_nudge.as_str()),
            (DraftKind::InterventionBrief, self.intervention_brief.as_str()),
            (DraftKind::ForecastMemo, self.forecast_memo.as_str()),
        ]
    }

    /// The policy for `kind`. Validated at load; an unreadable policy must never let a draft
    /// through unreviewed, so it reads as the compliance role.
    pub fn policy_for(&self, kind: DraftKind) -> ReviewPolicy {
        let text = self.texts().into_iter().find(|(k, _)| *k == kind).map(|(_, t)| t).unwrap_or_default();
        ReviewPolicy::parse(text).unwrap_or(ReviewPolicy::Role("compliance".to_owned()))
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        for (kind, text) in self.texts() {
            let policy = ReviewPolicy::parse(text).map_err(|reason| invalid(format!("review.{kind}"), reason))?;
            if let ReviewPolicy::Role(role) = &policy {
                if self.roles.get(role).is_none_or(|members| members.is_empty()) {
                    return Err(invalid(
                        format!("review.{kind}"),
                        format!("role {role:?} has no members under [review.roles]"),
                    ));
                }
            }
        }
        for (role, members) in &self.roles {
            if members.iter().any(|m| m.trim().is_empty()) {
                return Err(invalid(format!("review.roles.{role}"), "has an empty member"));
            }
        }
        Ok(())
    }
}

impl AuditConfig {
    pub fn validate(&self) -> Result<(), ConfigError> {
        // Record-keeping rules for regulated firms ask for five years or more.
        if !(5..=100).contains(&self.retention_years) {
            return Err(invalid("audit.retention_years", "must be between 5 and 100"));
        }
        Ok(())
    }
}

impl HttpConfig {
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.bind
            .parse::<std::net::SocketAddr>()
            .map_err(|_| invalid("http.bind", format!("{:?} is not an address like 127.0.0.1:8080", self.bind)))?;
        if !(1..=24 * 30).contains(&self.session_hours) {
            return Err(invalid("http.session_hours", "must be between 1 and 720"));
        }
        if !(1..=3_650).contains(&self.token_days) {
            return Err(invalid("http.token_days", "must be between 1 and 3650"));
        }
        if !(1..=10_000).contains(&self.auth_attempts_per_minute) {
            return Err(invalid("http.auth_attempts_per_minute", "must be between 1 and 10000"));
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use crate::config::Config;
    use crate::domain::DraftKind;

    #[test]
    fn service_sections_have_defaults_and_validate() {
        let config = Config::from_toml("").unwrap();
        assert_eq!(config.schedule.rep_nudge, "30 7 * * MON");
        assert_eq!(config.audit.retention_years, 7);
        assert_eq!(config.http.bind, "127.0.0.1:8080");
        let err = Config::from_toml("[schedule]\nrep_nudge = \"not a cron\"").unwrap_err().to_string();
        assert!(err.contains("schedule.rep_nudge"), "{err}");
        let err = Config::from_toml("[review]\nforecast_memo = \"role:compliance\"").unwrap_err().to_string();
        assert!(err.contains("review.forecast_memo") && err.contains("compliance"), "{err}");
        let config = Config::from_toml(
            "[review]\nforecast_memo = \"role:compliance\"\n[review.roles]\ncompliance = [\"cco@northbridge-fs.example\"]",
        )
        .unwrap();
        assert_eq!(config.review.roles["compliance"].len(), 1);
        let config = Config::from_toml("[review]\nmanager_brief = \"recipient_manager\"").unwrap();
        assert_eq!(config.review.policy_for(DraftKind::InterventionBrief), super::ReviewPolicy::RecipientManager);
        let config = Config::from_toml("[schedule]\nmanager_brief = \"0 9 * * TUE\"").unwrap();
        assert_eq!(config.schedule.intervention_brief, "0 9 * * TUE");
        let err = Config::from_toml("[review]\nbrief = \"auto_approve\"").unwrap_err().to_string();
        assert!(err.contains("brief"), "{err}");
        let err = Config::from_toml("[audit]\nretention_years = 1").unwrap_err().to_string();
        assert!(err.contains("audit.retention_years"), "{err}");
        let err = Config::from_toml("[http]\nbind = \"everywhere\"").unwrap_err().to_string();
        assert!(err.contains("http.bind"), "{err}");
        let err = Config::from_toml("[jobs]\nconcurrency = 0").unwrap_err().to_string();
        assert!(err.contains("jobs.concurrency"), "{err}");
    }
}
