//! Live connectors: Salesforce and HubSpot CRMs, Microsoft 365 and Google Workspace calendars
//! and mail, pulled incrementally into the store.
//!
//! Every connector runs on the same machinery: an HTTP client that retries 429 (honouring
//! `Retry-After`), 5xx and timeouts with jittered exponential backoff under a per-source rate
//! limit and concurrency cap ([`http`]); OAuth sessions that refresh an expired token and
//! replay the request ([`auth`]); cursors per source and object, written only after the
//! records they cover are committed, so an interrupted sync resumes where it stopped and ends
//! identical to one that was never interrupted ([`sync`]); and per-record rejections, so one
//! malformed record never stops the rest.
//!
//! The scheduler calls [`sync_source`] (or wraps a source with [`job::ConnectorJob`], which
//! implements `jobs::SyncSource`); `candor sync` calls it with progress; the HTTP server nests
//! [`hubspot::webhook::router`] to receive HubSpot change notifications.

pub(crate) mod activity;
pub(crate) mod auth;
pub(crate) mod google;
pub(crate) mod http;
pub mod hubspot;
pub(crate) mod mailbox;
pub(crate) mod msgraph;
pub(crate) mod records;
pub(crate) mod report;
pub(crate) mod retry;
pub mod salesforce;
pub(crate) mod secrets;
pub(crate) mod sync;

pub use report::{ObjectReport, Progress, ProgressFn, SyncReport};
pub use sync::{SyncContext, SyncOptions};

use crate::config::Config;
use crate::store::{Store, StoreError};
use std::fmt;
use std::str::FromStr;

/// Failures that stop a sync (a bad record never does: it becomes a rejection in the report).
#[derive(Debug, thiserror::Error)]
pub enum ConnectorError {
    #[error("{source_name} is not configured: {reason}")]
    NotConfigured { source_name: &'static str, reason: String },
    #[error("cannot read secrets from {path}: {reason}")]
    Secrets { path: String, reason: String },
    #[error("cannot sign the token assertion: {0}")]
    Signing(String),
    #[error("token request to {url} failed: {detail}")]
    Token { url: String, detail: String },
    #[error("{method} {url}: HTTP {status}: {detail}")]
    Status { method: String, url: String, status: u16, detail: String },
    #[error("{method} {url}: {detail}")]
    Transport { method: String, url: String, detail: String },
    #[error("{url}: unexpected response: {detail}")]
    Payload { url: String, detail: String },
    #[error("store: {0}")]
    Store(#[from] StoreError),
    #[error("cannot start the HTTP client: {0}")]
    Client(String),
}

impl ConnectorError {
    /// The HTTP status of a refused request, if that is what this is.
    pub fn status(&self) -> Option<u16> {
        match self {
            ConnectorError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// The sources Candor can sync from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SourceKind {
    Salesforce,
    Hubspot,
    MsGraph,
    Google,
}

impl SourceKind {
    pub const ALL: [SourceKind; 4] =
        [SourceKind::Salesforce, SourceKind::Hubspot, SourceKind::MsGraph, SourceKind::Google];

    /// The source name records are stored under.
    pub fn as_str(&self) -> &'static str {
        match self {
            SourceKind::Salesforce => "salesforce",
            SourceKind::Hubspot => "hubspot",
            SourceKind::MsGraph => "msgraph",
            SourceKind::Google => "google",
        }
    }

    pub fn enabled(&self, config: &Config) -> bool {
        let connectors = &config.connectors;
        match self {
            SourceKind::Salesforce => connectors.salesforce.enabled,
            SourceKind::Hubspot => connectors.hubspot.enabled,
            SourceKind::MsGraph => connectors.msgraph.enabled,
            SourceKind::Google => connectors.google.enabled,
        }
    }

    /// The sources switched on in `config`.
    pub fn enabled_in(config: &Config) -> Vec<SourceKind> {
        SourceKind::ALL.into_iter().filter(|s| s.enabled(config)).collect()
    }
}

impl fmt::Display for SourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SourceKind {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().to_ascii_lowercase().as_str() {
            "salesforce" | "sfdc" => Ok(SourceKind::Salesforce),
            "hubspot" => Ok(SourceKind::Hubspot),
            "msgraph" | "microsoft" | "m365" | "office365" | "outlook" => Ok(SourceKind::MsGraph),
            "google" | "gmail" | "gsuite" | "workspace" => Ok(SourceKind::Google),
            other => Err(format!("unknown source {other:?} (expected salesforce, hubspot, msgraph or google)")),
        }
    }
}

/// Pulls everything new from `source` into `store`: the scheduler's and the CLI's entry
/// point. Incremental from the stored cursors unless `options.full`.
pub async fn sync_source(
    store: &Store,
    config: &Config,
    source: SourceKind,
    options: &SyncOptions,
) -> Result<SyncReport, ConnectorError> {
    let mut context = SyncContext::new(store, config, source, options)?;
    let outcome = match source {
        SourceKind::Salesforce => salesforce::sync(&mut context).await,
        SourceKind::Hubspot => hubspot::sync(&mut context).await,
        SourceKind::MsGraph => msgraph::sync(&mut context).await,
        SourceKind::Google => google::sync(&mut context).await,
    };
    match outcome {
        Ok(()) => Ok(context.finish()),
        Err(error) => {
            tracing::warn!(source = source.as_str(), %error, "sync stopped; committed pages are kept and the next sync resumes");
            Err(error)
        }
    }
}
