//! Typed, layered configuration: built-in defaults, then `candor.toml` (or `--config FILE`),
//! then `CANDOR__SECTION__KEY` environment variables. Validated once at start; secrets are
//! redacted whenever the configuration is shown or logged.

use crate::domain::{Currency, FiscalCalendar};
pub use agent::{AgentConfig, SourceText};
pub use comp::CompConfig;
pub use connectors::{
    ConnectorsConfig, GoogleConfig, HubspotConfig, MsGraphConfig, RateLimit, SalesforceAuth, SalesforceConfig,
    SalesforceFields, SyncPolicy,
};
pub use delivery::{DeliveryConfig, OutboxConfig, SmtpConfig, SmtpSecurity, WebhookConfig};
use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
pub use ingest::{BodyRetention, IngestConfig};
pub use llm::{AllowList, AzureConfig, CompliancePolicy, ComplianceRule, LlmConfig, ProviderKind};
pub use memory::{EmbeddingsConfig, QdrantConfig};
use serde::{Deserialize, Serialize};
pub use service::{parse_cron, AuditConfig, HttpConfig, JobsConfig, ReviewConfig, ReviewPolicy, ScheduleConfig};
pub use stages::{default_stages, StageConfig};
use std::path::{Path, PathBuf};

mod agent;
mod comp;
mod connectors;
mod delivery;
mod ingest;
mod llm;
mod memory;
mod service;
mod stages;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration file {0} does not exist")]
    MissingFile(PathBuf),
    #[error("configuration is invalid: {0}")]
    Parse(String),
    #[error("configuration is invalid: {field}: {reason}")]
    Invalid { field: String, reason: String },
}

fn invalid(field: impl Into<String>, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid { field: field.into(), reason: reason.into() }
}

/// A value that never prints: `Debug`, `Display` and `Serialize` show `***`.
#[derive(Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_empty() { "\"\"" } else { "\"***\"" })
    }
}

impl Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(if self.0.is_empty() { "" } else { "***" })
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub database: DatabaseConfig,
    pub org: OrgConfig,
    pub stages: Vec<StageConfig>,
    pub sim: SimConfig,
    #[serde(default)]
    pub ingest: IngestConfig,
    /// Risk-engine thresholds and the ruleset version stored with every snapshot.
    #[serde(default)]
    pub risk: crate::engine::risk::RiskConfig,
    /// Which model drafts and the drafting loop's budgets.
    #[serde(default)]
    pub llm: LlmConfig,
    /// What the drafting model is shown of client emails, meetings and CRM free text.
    #[serde(default)]
    pub agent: AgentConfig,
    /// The policy every draft is checked against.
    #[serde(default)]
    pub compliance: CompliancePolicy,
    /// Job workers: concurrency, leases, retries.
    #[serde(default)]
    pub jobs: JobsConfig,
    /// When each kind of message goes out, in the recipient's time zone.
    #[serde(default)]
    pub schedule: ScheduleConfig,
    /// Who must approve each kind of draft before it is delivered.
    #[serde(default)]
    pub review: ReviewConfig,
    #[serde(default)]
    pub audit: AuditConfig,
    /// Channels that carry approved drafts.
    #[serde(default)]
    pub delivery: DeliveryConfig,
    #[serde(default)]
    pub http: HttpConfig,
    /// Vector memory: the embedded store or a Qdrant server, and the playbook folder.
    #[serde(default)]
    pub qdrant: QdrantConfig,
    /// An optional OpenAI-compatible embeddings endpoint for dense and hybrid retrieval.
    #[serde(default)]
    pub embeddings: EmbeddingsConfig,
    /// Live CRM, calendar and mail connectors.
    #[serde(default)]
    pub connectors: ConnectorsConfig,
    /// Incentive plans, the compliance role and performance-management defaults.
    #[serde(default)]
    pub comp: CompConfig,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseConfig {
    /// `postgres://…` or `sqlite://…`; empty means `candor.db` in the data directory.
    pub url: Secret,
    pub max_connections: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OrgConfig {
    pub name: String,
    /// The organisation's own email domains: mail between them is internal.
    pub domains: Vec<String>,
    pub fiscal_year_start_month: u32,
    pub currency: String,
    pub timezone: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SimConfig {
    pub seed: u64,
    pub leaders: u32,
    pub managers: u32,
    pub reps: u32,
    pub months_of_history: u32,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            database: DatabaseConfig::default(),
            org: OrgConfig::default(),
            stages: default_stages(),
            sim: SimConfig::default(),
            ingest: IngestConfig::default(),
            risk: crate::engine::risk::RiskConfig::default(),
            llm: LlmConfig::default(),
            agent: AgentConfig::default(),
            compliance: CompliancePolicy::default(),
            jobs: JobsConfig::default(),
            schedule: ScheduleConfig::default(),
            review: ReviewConfig::default(),
            audit: AuditConfig::default(),
            delivery: DeliveryConfig::default(),
            http: HttpConfig::default(),
            qdrant: QdrantConfig::default(),
            embeddings: EmbeddingsConfig::default(),
            connectors: ConnectorsConfig::default(),
            comp: CompConfig::default(),
        }
    }
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self { url: Secret::default(), max_connections: 8 }
    }
}

impl Default for OrgConfig {
    fn default() -> Self {
        Self {
            name: "Northbridge Financial Services".to_owned(),
            domains: vec!["northbridge-fs.example".to_owned()],
            fiscal_year_start_month: 1,
            currency: "USD".to_owned(),
            timezone: "Europe/London".to_owned(),
        }
    }
}

impl Default for SimConfig {
    fn default() -> Self {
        Self { seed: 42, leaders: 1, managers: 4, reps: 24, months_of_history: 15 }
    }
}

/// The default pipeline for institutional financial-services sales.
impl Config {
    /// Defaults, then `file` (or `candor.toml` in the working directory when it exists), then
    /// `CANDOR__…` environment variables; validated.
    pub fn load(file: Option<&Path>) -> Result<Config, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        match file {
            Some(path) if !path.exists() => return Err(ConfigError::MissingFile(path.to_path_buf())),
            Some(path) => figment = figment.merge(Toml::file(path)),
            None if Path::new("candor.toml").exists() => figment = figment.merge(Toml::file("candor.toml")),
            None => {}
        }
        Self::from_figment(figment.merge(Env::prefixed("CANDOR__").split("__")))
    }

    /// Parses a TOML string over the defaults (no environment), for tests and tools.
    pub fn from_toml(text: &str) -> Result<Config, ConfigError> {
        Self::from_figment(Figment::from(Serialized::defaults(Config::default())).merge(Toml::string(text)))
    }

    fn from_figment(figment: Figment) -> Result<Config, ConfigError> {
        // `Serialized::defaults` writes the redacted form of secrets; an unset secret is "".
        let config: Config = figment.extract().map_err(|e| ConfigError::Parse(e.to_string()))?;
        config.validate()?;
        Ok(config)
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        let url = self.database.url.expose();
        if !(url.is_empty()
            || url.starts_with("sqlite:")
            || url.starts_with("postgres://")
            || url.starts_with("postgresql://"))
        {
            return Err(invalid("database.url", "must start with sqlite: or postgres://"));
        }
        if self.database.max_connections == 0 {
            return Err(invalid("database.max_connections", "must be at least 1"));
        }
        FiscalCalendar::new(self.org.fiscal_year_start_month)
            .map_err(|e| invalid("org.fiscal_year_start_month", e.to_string()))?;
        Currency::parse(&self.org.currency).map_err(|e| invalid("org.currency", e.to_string()))?;
        self.org
            .timezone
            .parse::<chrono_tz::Tz>()
            .map_err(|_| invalid("org.timezone", format!("{:?} is not an IANA time zone", self.org.timezone)))?;
        for (index, domain) in self.org.domains.iter().enumerate() {
            if crate::domain::normalise_domain(domain).is_none() {
                return Err(invalid(format!("org.domains[{index}]"), format!("{domain:?} is not a domain")));
            }
        }
        self.validate_stages()?;
        self.ingest.validate()?;
        if self.sim.reps == 0 || self.sim.reps > 1_000 {
            return Err(invalid("sim.reps", "must be between 1 and 1000"));
        }
        if self.sim.managers == 0 || self.sim.managers > self.sim.reps {
            return Err(invalid("sim.managers", "must be between 1 and sim.reps"));
        }
        if self.sim.leaders == 0 || self.sim.leaders > self.sim.managers {
            return Err(invalid("sim.leaders", "must be between 1 and sim.managers"));
        }
        if !(12..=60).contains(&self.sim.months_of_history) {
            return Err(invalid("sim.months_of_history", "must be between 12 and 60"));
        }
        self.risk.validate().map_err(|e| invalid(format!("risk.{}", e.field), e.reason))?;
        self.llm.validate()?;
        self.compliance.validate()?;
        self.jobs.validate()?;
        self.schedule.validate()?;
        self.review.validate()?;
        self.audit.validate()?;
        self.delivery.validate()?;
        self.http.validate()?;
        self.qdrant.validate()?;
        self.embeddings.validate()?;
        self.connectors.validate()?;
        self.comp.validate()?;
        Ok(())
    }

    /// What the risk engine runs with: its rules, the fiscal calendar and the reporting currency.
    pub fn risk_settings(&self) -> crate::engine::risk::Settings {
        crate::engine::risk::Settings {
            rules: self.risk.clone(),
            calendar: self.fiscal_calendar(),
            currency: self.currency(),
        }
    }

    pub fn fiscal_calendar(&self) -> FiscalCalendar {
        FiscalCalendar::new(self.org.fiscal_year_start_month).unwrap_or_default()
    }

    pub fn currency(&self) -> Currency {
        Currency::parse(&self.org.currency).unwrap_or(Currency::USD)
    }

    /// The configuration as TOML with every secret shown as `***`.
    pub fn redacted_toml(&self) -> String {
        toml::to_string_pretty(self).unwrap_or_else(|e| format!("# cannot render configuration: {e}"))
    }
}

/// Strips the password from a database URL for display.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            let user = credentials.split(':').next().unwrap_or("");
            format!("{}://{}:***@{}", &url[..scheme_end], user, &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_config_loads_and_validates() {
        let config = Config::from_toml("").unwrap();
        assert_eq!(config.sim.reps, 24);
        assert_eq!(config.stage_catalogue().stages().len(), 7);
    }

    #[test]
    fn bad_values_name_the_field() {
        let err = Config::from_toml("[org]\nfiscal_year_start_month = 13").unwrap_err().to_string();
        assert!(err.contains("org.fiscal_year_start_month"), "{err}");
        let err = Config::from_toml("[org]\ntimezone = \"Mars/Base\"").unwrap_err().to_string();
        assert!(err.contains("org.timezone"), "{err}");
        let err = Config::from_toml("[database]\nurl = \"mysql://x\"").unwrap_err().to_string();
        assert!(err.contains("database.url"), "{err}");
        let err = Config::from_toml("[org]\nunknown = 1").unwrap_err().to_string();
        assert!(err.contains("unknown"), "{err}");
    }

    #[test]
    fn the_compliance_allow_list_is_read_and_checked() {
        assert_eq!(Config::from_toml("").unwrap().compliance.allow, AllowList::default());
        let config = Config::from_toml(
            "[compliance.allow]\ndomains = [\"northbridge-fs.com\"]\nemails = [\"desk@northbridge-fs.com\"]\nphones = [\"+44 20 7946 0018\"]\naccount_numbers = [\"GB29 NWBK 6016 1331 9268 19\"]",
        )
        .unwrap();
        assert_eq!(config.compliance.allow.domains, ["northbridge-fs.com"]);
        let err = Config::from_toml("[compliance.allow]\ndomains = [\"a.com\", \"b.org\", \"not a domain\"]")
            .unwrap_err()
            .to_string();
        assert!(err.contains("compliance.allow.domains[2]"), "{err}");
        for (key, value) in [("emails", "desk"), ("phones", "call me"), ("account_numbers", "12")] {
            let err = Config::from_toml(&format!("[compliance.allow]\n{key} = [\"{value}\"]")).unwrap_err().to_string();
            assert!(err.contains(&format!("compliance.allow.{key}[0]")), "{err}");
        }
        let err = Config::from_toml("[compliance.allow]\nurls = []").unwrap_err().to_string();
        assert!(err.contains("urls"), "{err}");
    }

    #[test]
    fn secrets_are_redacted() {
        let config = Config::from_toml("[database]\nurl = \"postgres://u:hunter2@db/candor\"").unwrap();
        assert_eq!(config.database.url.expose(), "postgres://u:hunter2@db/candor");
        assert!(!config.redacted_toml().contains("hunter2"));
        assert!(!format!("{config:?}").contains("hunter2"));
        assert_eq!(redact_url("postgres://u:pw@h/db"), "postgres://u:***@h/db");
    }
}
