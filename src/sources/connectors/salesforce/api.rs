//! The Salesforce REST calls the sync makes: authentication (JWT bearer or refresh token), SOQL
//! queries followed page by page through `nextRecordsUrl`, and `getDeleted` windows.

use super::super::auth::{Assertion, Credentials, Grant, SigningKey, TokenSession};
use super::super::http::{ApiClient, ApiRequest};
use super::super::{secrets, ConnectorError};
use crate::config::{SalesforceAuth, SalesforceConfig, SyncPolicy};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Deserialize;
use serde_json::Value;
use std::time::Duration;

const NAME: &str = "salesforce";

fn not_configured(reason: impl Into<String>) -> ConnectorError {
    ConnectorError::NotConfigured { source_name: NAME, reason: reason.into() }
}

/// One page of a query.
#[derive(Debug, Deserialize)]
pub struct QueryPage {
    #[serde(default)]
    pub done: bool,
    #[serde(rename = "nextRecordsUrl")]
    pub next_records_url: Option<String>,
    #[serde(default)]
    pub records: Vec<Value>,
}

#[derive(Debug, Deserialize)]
pub struct DeletedRecord {
    pub id: String,
}

#[derive(Debug, Deserialize)]
pub struct DeletedWindow {
    #[serde(rename = "deletedRecords", default)]
    pub deleted_records: Vec<DeletedRecord>,
    #[serde(rename = "latestDateCovered")]
    pub latest_date_covered: Option<String>,
}

/// Datetime literal for SOQL and for `getDeleted`: whole seconds, UTC.
pub fn soql_datetime(at: &DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

pub struct SalesforceApi {
    pub client: ApiClient,
    instance_url: String,
    version: String,
    batch_size: u32,
}

impl SalesforceApi {
    pub fn new(config: &SalesforceConfig, policy: &SyncPolicy) -> Result<Self, ConnectorError> {
        let mut config = config.clone();
        secrets::fill_from_file(
            config.secrets_file.as_deref(),
            &mut [
                ("client_id", &mut config.client_id),
                ("client_secret", &mut config.client_secret),
                ("refresh_token", &mut config.refresh_token),
                ("private_key", &mut config.private_key),
            ],
        )?;
        if config.private_key.is_empty() {
            if let Some(path) = &config.private_key_file {
                config.private_key = secrets::read_secret(path)?;
            }
        }
        if config.client_id.is_empty() {
            return Err(not_configured("client_id (the connected app's consumer key) is not set"));
        }
        let login = config.login_url.trim_end_matches('/').to_owned();
        let grant = match config.auth {
            SalesforceAuth::Jwt => {
                if config.username.is_empty() || config.private_key.is_empty() {
                    return Err(not_configured("the JWT flow needs username and private_key (or private_key_file)"));
                }
                Grant::JwtBearer(Assertion {
                    issuer: config.client_id.expose().to_owned(),
                    subject: Some(config.username.clone()),
                    audience: login.clone(),
                    scope: None,
                    lifetime: Duration::from_secs(180),
                    key: SigningKey::from_pem(&config.private_key)?,
                })
            }
            SalesforceAuth::RefreshToken => {
                if config.refresh_token.is_empty() {
                    return Err(not_configured("the refresh-token flow needs refresh_token"));
                }
                Grant::RefreshToken {
                    client_id: config.client_id.clone(),
                    client_secret: config.client_secret.clone(),
                    refresh_token: config.refresh_token.clone(),
                }
            }
        };
        let session = TokenSession::new(format!("{login}/services/oauth2/token"), grant);
        let client = ApiClient::new(policy, &config.limits, Credentials::OAuth(session))?;
        Ok(Self {
            client,
            instance_url: config.instance_url.trim_end_matches('/').to_owned(),
            version: config.api_version.clone(),
            batch_size: policy.page_size.clamp(200, 2_000),
        })
    }

    /// The instance to call: configured, else the one named with the access token.
    async fn base(&self) -> Result<String, ConnectorError> {
        if !self.instance_url.is_empty() {
            return Ok(self.instance_url.clone());
        }
        let token = self.client.access_token().await?;
        token.and_then(|t| t.instance_url).ok_or_else(|| {
            not_configured("the token response named no instance_url; set connectors.salesforce.instance_url")
        })
    }

    pub async fn query(&self, soql: &str) -> Result<QueryPage, ConnectorError> {
        let url = format!("{}/services/data/{}/query", self.base().await?, self.version);
        let request = ApiRequest::get(url)
            .query("q", soql)
            .header("Sforce-Query-Options", format!("batchSize={}", self.batch_size));
        self.client.get_json(request).await
    }

    /// The page after `next_records_url` (a path on the instance).
    pub async fn next(&self, next_records_url: &str) -> Result<QueryPage, ConnectorError> {
        let url = if next_records_url.starts_with("http") {
            next_records_url.to_owned()
        } else {
            format!("{}{}", self.base().await?, next_records_url)
        };
        let request = ApiRequest::get(url).header("Sforce-Query-Options", format!("batchSize={}", self.batch_size));
        self.client.get_json(request).await
    }

    /// Records of `object` deleted between `start` and `end`.
    pub async fn deleted(
        &self,
        object: &str,
        start: &DateTime<Utc>,
        end: &DateTime<Utc>,
    ) -> Result<DeletedWindow, ConnectorError> {
        let url = format!("{}/services/data/{}/sobjects/{object}/deleted/", self.base().await?, self.version);
        let request = ApiRequest::get(url).query("start", soql_datetime(start)).query("end", soql_datetime(end));
        self.client.get_json(request).await
    }
}
