//! Google Workspace: a service account with domain-wide delegation signs, for each configured
//! user, a JWT assertion naming that user as `sub`, and reads their calendar ([`calendar`])
//! and mailbox ([`gmail`]). All users share one rate limit and concurrency cap.

pub(crate) mod calendar;
pub(crate) mod gmail;

use super::auth::{Assertion, Credentials, Grant, SigningKey, TokenSession};
use super::http::ApiClient;
use super::sync::SyncContext;
use super::{secrets, ConnectorError};
use crate::config::GoogleConfig;
use std::time::Duration;

const DEFAULT_TOKEN_URL: &str = "https://oauth2.googleapis.com/token";
const CALENDAR_SCOPE: &str = "https://www.googleapis.com/auth/calendar.readonly";
const GMAIL_SCOPE: &str = "https://www.googleapis.com/auth/gmail.readonly";

/// Signs assertions for any user of the domain.
struct Delegation {
    client_email: String,
    key: SigningKey,
    token_url: String,
    scope: String,
}

impl Delegation {
    fn from_config(config: &GoogleConfig) -> Result<Self, ConnectorError> {
        let (client_email, private_key, file_token_url) = match &config.service_account_file {
            Some(path) => {
                let key = secrets::read_service_account(path)?;
                (key.client_email, key.private_key, key.token_uri)
            }
            None => (config.client_email.clone(), config.private_key.clone(), None),
        };
        if client_email.is_empty() || private_key.is_empty() {
            return Err(ConnectorError::NotConfigured {
                source_name: "google",
                reason: "set service_account_file, or client_email and private_key".into(),
            });
        }
        let token_url = Some(config.token_url.clone())
            .filter(|u| !u.is_empty())
            .or(file_token_url)
            .unwrap_or_else(|| DEFAULT_TOKEN_URL.to_owned());
        let scope = [(config.calendar, CALENDAR_SCOPE), (config.mail, GMAIL_SCOPE)]
            .iter()
            .filter(|(on, _)| *on)
            .map(|(_, scope)| *scope)
            .collect::<Vec<_>>()
            .join(" ");
        Ok(Self { client_email, key: SigningKey::from_pem(&private_key)?, token_url, scope })
    }

    /// Credentials acting as `user`.
    fn for_user(&self, user: &str) -> Credentials {
        let assertion = Assertion {
            issuer: self.client_email.clone(),
            subject: Some(user.to_owned()),
            audience: self.token_url.clone(),
            scope: Some(self.scope.clone()),
            lifetime: Duration::from_secs(3_600),
            key: self.key.clone(),
        };
        Credentials::OAuth(TokenSession::new(self.token_url.clone(), Grant::JwtBearer(assertion)))
    }
}

pub(crate) async fn sync(ctx: &mut SyncContext<'_>) -> Result<(), ConnectorError> {
    let config = &ctx.config.connectors.google;
    let delegation = Delegation::from_config(config)?;
    let shared = ApiClient::new(&ctx.config.connectors.sync, &config.limits, Credentials::None)?;
    ctx.track(&shared);
    for user in &config.users {
        let client = shared.with_credentials(delegation.for_user(user));
        if config.calendar {
            calendar::sync_calendar(ctx, &client, config, user).await?;
        }
        if config.mail {
            gmail::sync_gmail(ctx, &client, config, user).await?;
        }
    }
    Ok(())
}
