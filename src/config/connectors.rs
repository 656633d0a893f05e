//! The `[connectors]` section: how Candor reaches Salesforce, HubSpot, Microsoft 365 and Google
//! Workspace — endpoints (overridable, so tests and sovereign clouds can point elsewhere),
//! credentials, field mapping, rate limits and retry policy. Credentials are [`Secret`]s that
//! come from `CANDOR__CONNECTORS__<VENDOR>__<FIELD>` variables or from a secrets file, never
//! from logs.

use super::{invalid, ConfigError, Secret};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ConnectorsConfig {
    /// Retry and timeout policy shared by every connector.
    pub sync: SyncPolicy,
    pub salesforce: SalesforceConfig,
    pub hubspot: HubspotConfig,
    pub msgraph: MsGraphConfig,
    pub google: GoogleConfig,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SyncPolicy {
    /// One HTTP request, connect to last byte.
    pub timeout_secs: u64,
    /// Tries per request before the sync gives up (429, 5xx, timeouts and dropped connections
    /// are retried; other errors are not).
    pub max_attempts: u32,
    /// First backoff delay; doubled per attempt up to `backoff_max_ms`, with random jitter.
    pub backoff_base_ms: u64,
    pub backoff_max_ms: u64,
    /// Longest `Retry-After` honoured; a vendor asking for longer fails the sync instead.
    pub max_retry_after_secs: u64,
    /// Records asked for per page where the API lets the caller choose.
    pub page_size: u32,
}

impl Default for SyncPolicy {
    fn default() -> Self {
        Self {
            timeout_secs: 60,
            max_attempts: 6,
            backoff_base_ms: 500,
            backoff_max_ms: 60_000,
            max_retry_after_secs: 600,
            page_size: 200,
        }
    }
}

/// Per-source request budget.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimit {
    /// Sustained requests per second.
    pub requests_per_second: f64,
    /// Requests allowed in a burst above the sustained rate.
    pub burst: u32,
    /// Requests in flight at once.
    pub concurrency: u32,
}

impl Default for RateLimit {
    fn default() -> Self {
        Self { requests_per_second: 10.0, burst: 10, concurrency: 4 }
    }
}

impl RateLimit {
    fn validate(&self, field: &str) -> Result<(), ConfigError> {
        if !(self.requests_per_second > 0.0 && self.requests_per_second.is_finite()) {
            return Err(invalid(format!("{field}.requests_per_second"), "must be a positive number"));
        }
        if self.burst == 0 || self.concurrency == 0 {
            return Err(invalid(format!("{field}.burst/concurrency"), "must be at least 1"));
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SalesforceAuth {
    /// OAuth 2.0 JWT bearer flow: a connected app's certificate signs an assertion for `username`.
    Jwt,
    /// OAuth 2.0 refresh-token flow.
    RefreshToken,
}

/// Which Salesforce fields feed which Candor fields; empty means "not used".
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SalesforceFields {
    pub amount: String,
    pub forecast_category: String,
    pub next_step: String,
    /// A text or multi-select field listing product keys, `;`-separated.
    pub products: String,
    /// A number field holding the contract term in months; a value makes the deal recurring.
    pub term_months: String,
    pub account_segment: String,
    pub account_sector: String,
    pub user_team: String,
    pub user_region: String,
}

impl Default for SalesforceFields {
    fn default() -> Self {
        Self {
            amount: "Amount".to_owned(),
            forecast_category: "ForecastCategoryName".to_owned(),
            next_step: "NextStep".to_owned(),
            products: String::new(),
            term_months: String::new(),
            account_segment: "Type".to_owned(),
            account_sector: "Industry".to_owned(),
            user_team: "Department".to_owned(),
            user_region: String::new(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SalesforceConfig {
    pub enabled: bool,
    pub auth: SalesforceAuth,
    pub login_url: String,
    /// Overrides the instance URL the token endpoint returns (rarely needed).
    pub instance_url: String,
    pub api_version: String,
    /// The connected app's consumer key.
    pub client_id: Secret,
    pub client_secret: Secret,
    pub refresh_token: Secret,
    /// The user the JWT bearer assertion is issued for.
    pub username: String,
    /// PEM private key of the connected app's certificate (JWT flow).
    pub private_key: Secret,
    pub private_key_file: Option<PathBuf>,
    /// TOML file whose keys (`client_id`, `client_secret`, `refresh_token`, `private_key`) fill
    /// any of those left empty here.
    pub secrets_file: Option<PathBuf>,
    pub limits: RateLimit,
    /// Pipeline name for opportunities whose record type is not mapped below.
    pub pipeline: String,
    /// `RecordType.DeveloperName` → pipeline name.
    pub record_type_pipelines: BTreeMap<String, String>,
    /// `StageName` → stage key, when stages should land on a pipeline defined in `[[stages]]`
    /// rather than on Salesforce's own `OpportunityStage` catalogue.
    pub stage_map: BTreeMap<String, String>,
    /// The org has multiple currencies enabled: read `CurrencyIsoCode` on every amount.
    pub multi_currency: bool,
    /// Currency when the org has one; empty means `org.currency`.
    pub currency: String,
    pub fields: SalesforceFields,
}

impl Default for SalesforceConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            auth: SalesforceAuth::Jwt,
            login_url: "https://login.salesforce.com".to_owned(),
            instance_url: String::new(),
            api_version: "v61.0".to_owned(),
            client_id: Secret::default(),
            client_secret: Secret::default(),
            refresh_token: Secret::default(),
            username: String::new(),
            private_key: Secret::default(),
            private_key_file: None,
            secrets_file: None,
            limits: RateLimit { requests_per_second: 20.0, burst: 20, concurrency: 4 },
            pipeline: "salesforce".to_owned(),
            record_type_pipelines: BTreeMap::new(),
            stage_map: BTreeMap::new(),
            multi_currency: false,
            currency: String::new(),
            fields: SalesforceFields::default(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HubspotConfig {
    pub enabled: bool,
    pub base_url: String,
    pub token_url: String,
    /// Private-app access token; when empty the OAuth refresh-token flow is used.
    pub access_token: Secret,
    pub client_id: Secret,
    /// The app's client secret: refreshes OAuth tokens and signs webhook requests (v3).
    pub client_secret: Secret,
    pub refresh_token: Secret,
    /// TOML file whose keys (`access_token`, `client_id`, `client_secret`, `refresh_token`)
    /// fill any of those left empty here.
    pub secrets_file: Option<PathBuf>,
    pub limits: RateLimit,
    /// Currency of deals without `deal_currency_code`; empty means `org.currency`.
    pub currency: String,
    /// Deal property holding the forecast category.
    pub forecast_category_property: String,
    pub next_step_property: String,
    /// Webhook requests older than this are refused (replay protection).
    pub webhook_max_age_secs: u64,
    /// The target URL set in the HubSpot app's webhook settings. Signatures cover it, so set it
    /// when a proxy changes the scheme, host or path seen here; empty means
    /// `https://{Host header}{path}`.
    pub webhook_url: String,
}

impl Default for HubspotConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            base_url: "https://api.hubapi.com".to_owned(),
            token_url: "https://api.hubapi.com/oauth/v1/token".to_owned(),
            access_token: Secret::default(),
            client_id: Secret::default(),
            client_secret: Secret::default(),
            refresh_token: Secret::default(),
            secrets_file: None,
            // Private apps get 100 requests per 10 s; the search endpoints 5 per second.
            limits: RateLimit { requests_per_second: 4.0, burst: 5, concurrency: 4 },
            currency: String::new(),
            forecast_category_property: "hs_forecast_category".to_owned(),
            next_step_property: "hs_next_step".to_owned(),
            webhook_max_age_secs: 300,
            webhook_url: String::new(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MsGraphConfig {
    pub enabled: bool,
    pub base_url: String,
    pub login_url: String,
    pub tenant_id: String,
    pub client_id: Secret,
    pub client_secret: Secret,
    /// TOML file whose keys (`client_id`, `client_secret`) fill any of those left empty here.
    pub secrets_file: Option<PathBuf>,
    /// Mailboxes (user principal names or ids) whose calendar and mail are read.
    pub mailboxes: Vec<String>,
    pub calendar: bool,
    pub mail: bool,
    /// Well-known folder names read for mail.
    pub mail_folders: Vec<String>,
    /// The calendar window read on the first sync, around the day of the sync.
    pub days_back: u32,
    pub days_forward: u32,
    pub limits: RateLimit,
}

impl Default for MsGraphConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            base_url: "https://graph.microsoft.com/v1.0".to_owned(),
            login_url: "https://login.microsoftonline.com".to_owned(),
            tenant_id: String::new(),
            client_id: Secret::default(),
            client_secret: Secret::default(),
            secrets_file: None,
            mailboxes: Vec::new(),
            calendar: true,
            mail: true,
            mail_folders: vec!["inbox".to_owned(), "sentitems".to_owned()],
            days_back: 180,
            days_forward: 90,
            limits: RateLimit { requests_per_second: 15.0, burst: 15, concurrency: 4 },
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GoogleConfig {
    pub enabled: bool,
    pub calendar_base_url: String,
    pub gmail_base_url: String,
    /// Empty means the `token_uri` of the service-account key, else Google's default.
    pub token_url: String,
    /// The service account's JSON key file (`client_email`, `private_key`, `token_uri`).
    pub service_account_file: Option<PathBuf>,
    pub client_email: String,
    pub private_key: Secret,
    /// Workspace users impersonated through domain-wide delegation.
    pub users: Vec<String>,
    pub calendar: bool,
    pub mail: bool,
    /// How far back the first sync reads calendars and mail.
    pub days_back: u32,
    pub limits: RateLimit,
}

impl Default for GoogleConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            calendar_base_url: "https://www.googleapis.com/calendar/v3".to_owned(),
            gmail_base_url: "https://gmail.googleapis.com/gmail/v1".to_owned(),
            token_url: String::new(),
            service_account_file: None,
            client_email: String::new(),
            private_key: Secret::default(),
            users: Vec::new(),
            calendar: true,
            mail: true,
            days_back: 180,
            limits: RateLimit { requests_per_second: 20.0, burst: 20, concurrency: 8 },
        }
    }
}

fn check_url(field: &str, url: &str) -> Result<(), ConfigError> {
    if url.starts_with("https://") || url.starts_with("http://") {
        Ok(())
    } else {
        Err(invalid(field, format!("{url:?} is not an http(s) URL")))
    }
}

impl ConnectorsConfig {
    pub fn validate(&self) -> Result<(), ConfigError> {
        let sync = &self.sync;
        if sync.max_attempts == 0 || sync.timeout_secs == 0 {
            return Err(invalid("connectors.sync", "max_attempts and timeout_secs must be at least 1"));
        }
        if sync.backoff_base_ms > sync.backoff_max_ms {
            return Err(invalid("connectors.sync.backoff_base_ms", "must not exceed backoff_max_ms"));
        }
        if !(1..=2_000).contains(&sync.page_size) {
            return Err(invalid("connectors.sync.page_size", "must be between 1 and 2000"));
        }
        self.salesforce.limits.validate("connectors.salesforce.limits")?;
        self.hubspot.limits.validate("connectors.hubspot.limits")?;
        self.msgraph.limits.validate("connectors.msgraph.limits")?;
        self.google.limits.validate("connectors.google.limits")?;
        check_url("connectors.salesforce.login_url", &self.salesforce.login_url)?;
        if !self.salesforce.instance_url.is_empty() {
            check_url("connectors.salesforce.instance_url", &self.salesforce.instance_url)?;
        }
        check_url("connectors.hubspot.base_url", &self.hubspot.base_url)?;
        check_url("connectors.hubspot.token_url", &self.hubspot.token_url)?;
        if !self.hubspot.webhook_url.is_empty() {
            check_url("connectors.hubspot.webhook_url", &self.hubspot.webhook_url)?;
        }
        check_url("connectors.msgraph.base_url", &self.msgraph.base_url)?;
        check_url("connectors.msgraph.login_url", &self.msgraph.login_url)?;
        check_url("connectors.google.calendar_base_url", &self.google.calendar_base_url)?;
        check_url("connectors.google.gmail_base_url", &self.google.gmail_base_url)?;
        if !self.google.token_url.is_empty() {
            check_url("connectors.google.token_url", &self.google.token_url)?;
        }
        let version = self.salesforce.api_version.trim_start_matches('v');
        if version.parse::<f64>().is_err() {
            return Err(invalid("connectors.salesforce.api_version", "must look like v61.0"));
        }
        if self.salesforce.enabled && self.salesforce.pipeline.trim().is_empty() {
            return Err(invalid("connectors.salesforce.pipeline", "is empty"));
        }
        Ok(())
    }
}
