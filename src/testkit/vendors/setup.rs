//! Pointing a configuration at the stand-ins: endpoints, the credentials each one accepts, a
//! freshly generated RSA key pair for the JWT flows, and a retry policy measured in
//! milliseconds so fault tests stay fast.

use super::google::GoogleMock;
use super::hubspot::HubspotMock;
use super::msgraph::GraphMock;
use super::salesforce::SalesforceMock;
use crate::config::{Config, RateLimit, SalesforceAuth, Secret};
use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::KeyPair as _;
use base64::Engine as _;

/// An RSA key pair: the private half as PEM for the client, the public half (PKCS#1 DER) for
/// the stand-in that checks assertions.
#[derive(Debug, Clone)]
pub struct RsaKey {
    pub private_pem: Secret,
    pub public_der: Vec<u8>,
}

pub fn rsa_key() -> Result<RsaKey, String> {
    let pair = KeyPair::generate(KeySize::Rsa2048).map_err(|e| format!("cannot generate an RSA key: {e}"))?;
    let der = pair.as_der().map_err(|e| format!("cannot encode the RSA key: {e}"))?;
    let body = base64::engine::general_purpose::STANDARD.encode(der.as_ref());
    let lines: Vec<&str> = body.as_bytes().chunks(64).filter_map(|c| std::str::from_utf8(c).ok()).collect();
    let pem = format!("-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n", lines.join("\n"));
    Ok(RsaKey { private_pem: Secret::new(pem), public_der: pair.public_key().as_ref().to_vec() })
}

/// Retries in milliseconds, three attempts, a short timeout, generous rate limits.
pub fn fast_policy(config: &mut Config) {
    let sync = &mut config.connectors.sync;
    sync.max_attempts = 3;
    sync.backoff_base_ms = 2;
    sync.backoff_max_ms = 20;
    sync.timeout_secs = 2;
    sync.max_retry_after_secs = 5;
    let fast = RateLimit { requests_per_second: 10_000.0, burst: 10_000, concurrency: 8 };
    config.connectors.salesforce.limits = fast;
    config.connectors.hubspot.limits = fast;
    config.connectors.msgraph.limits = fast;
    config.connectors.google.limits = fast;
}

/// Salesforce through the JWT bearer flow when `key` is given, else the refresh-token flow.
pub fn salesforce(config: &mut Config, base_url: &str, mock: &SalesforceMock, key: Option<&RsaKey>) {
    let sf = &mut config.connectors.salesforce;
    sf.enabled = true;
    sf.login_url = base_url.to_owned();
    sf.client_id = Secret::new(mock.client_id.clone());
    match key {
        Some(key) => {
            sf.auth = SalesforceAuth::Jwt;
            sf.username = "integration@northbridge-fs.example".to_owned();
            sf.private_key = key.private_pem.clone();
        }
        None => {
            sf.auth = SalesforceAuth::RefreshToken;
            sf.client_secret = Secret::new("mock-consumer-secret");
            sf.refresh_token = Secret::new(mock.refresh_token.clone());
        }
    }
}

/// HubSpot through OAuth refresh, or with a private-app token when `private_app_token` is given.
pub fn hubspot(config: &mut Config, base_url: &str, mock: &HubspotMock, private_app_token: Option<&str>) {
    let hs = &mut config.connectors.hubspot;
    hs.enabled = true;
    hs.base_url = base_url.to_owned();
    hs.token_url = format!("{base_url}/oauth/v1/token");
    hs.client_id = Secret::new(mock.client_id.clone());
    hs.client_secret = Secret::new(mock.client_secret.clone());
    match private_app_token {
        Some(token) => {
            *super::lock(&mock.core.static_token) = Some(token.to_owned());
            hs.access_token = Secret::new(token);
        }
        None => hs.refresh_token = Secret::new(mock.refresh_token.clone()),
    }
}

pub fn msgraph(config: &mut Config, base_url: &str, mock: &GraphMock, mailboxes: &[String]) {
    let graph = &mut config.connectors.msgraph;
    graph.enabled = true;
    graph.base_url = format!("{base_url}/v1.0");
    graph.login_url = base_url.to_owned();
    graph.tenant_id = mock.tenant.clone();
    graph.client_id = Secret::new(mock.client_id.clone());
    graph.client_secret = Secret::new(mock.client_secret.clone());
    graph.mailboxes = mailboxes.to_vec();
}

pub fn google(config: &mut Config, base_url: &str, mock: &GoogleMock, key: &RsaKey, users: &[String]) {
    let google = &mut config.connectors.google;
    google.enabled = true;
    google.calendar_base_url = format!("{base_url}/calendar/v3");
    google.gmail_base_url = format!("{base_url}/gmail/v1");
    google.token_url = format!("{base_url}/token");
    google.client_email = mock.client_email.clone();
    google.private_key = key.private_pem.clone();
    google.users = users.to_vec();
}
