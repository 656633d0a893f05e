//! OAuth 2.0 access tokens for the connectors: refresh-token grants (Salesforce, HubSpot),
//! client credentials (Microsoft identity platform), and RS256-signed JWT bearer assertions
//! (Salesforce connected apps; Google service accounts impersonating a user through
//! domain-wide delegation). A session caches its token, renews it shortly before it expires,
//! and renews it at once when an API answers 401 — an expired token mid-sync costs one call.
//! Tokens and keys are [`Secret`]s: they never reach a log or an error message.

use super::retry::RetryPolicy;
use super::ConnectorError;
use crate::config::Secret;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Mutex;
use tokio::time::Instant;

/// Renew this long before the token's stated expiry, so no request leaves with a token that
/// dies in flight.
const EXPIRY_MARGIN: Duration = Duration::from_secs(60);

/// The key an assertion is signed with; printing it shows nothing.
#[derive(Clone)]
pub struct SigningKey(EncodingKey);

impl SigningKey {
    /// An RSA private key in PEM (PKCS#1 `RSA PRIVATE KEY` or PKCS#8 `PRIVATE KEY`).
    pub fn from_pem(pem: &Secret) -> Result<Self, ConnectorError> {
        EncodingKey::from_rsa_pem(pem.expose().as_bytes())
            .map(SigningKey)
            .map_err(|e| ConnectorError::Signing(format!("the private key is not an RSA PEM key ({e})")))
    }
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKey(***)")
    }
}

/// What goes into a JWT bearer assertion.
#[derive(Debug, Clone)]
pub struct Assertion {
    pub issuer: String,
    /// The user the token acts for: the Salesforce username, the impersonated Google user.
    pub subject: Option<String>,
    pub audience: String,
    pub scope: Option<String>,
    pub lifetime: Duration,
    pub key: SigningKey,
}

#[derive(Debug, Serialize)]
struct Claims<'a> {
    iss: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    sub: Option<&'a str>,
    aud: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    scope: Option<&'a str>,
    iat: i64,
    exp: i64,
}

impl Assertion {
    /// The signed assertion, valid from now for `lifetime`.
    pub fn sign(&self) -> Result<String, ConnectorError> {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            iss: &self.issuer,
            sub: self.subject.as_deref(),
            aud: &self.audience,
            scope: self.scope.as_deref(),
            iat: now,
            exp: now + i64::try_from(self.lifetime.as_secs()).unwrap_or(300),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::RS256), &claims, &self.key.0)
            .map_err(|e| ConnectorError::Signing(e.to_string()))
    }
}

/// How a session obtains its tokens.
#[derive(Debug, Clone)]
pub enum Grant {
    RefreshToken { client_id: Secret, client_secret: Secret, refresh_token: Secret },
    ClientCredentials { client_id: Secret, client_secret: Secret, scope: String },
    JwtBearer(Assertion),
}

impl Grant {
    fn form(&self) -> Result<Vec<(&'static str, String)>, ConnectorError> {
        Ok(match self {
            Grant::RefreshToken { client_id, client_secret, refresh_token } => {
                let mut form = vec![
                    ("grant_type", "refresh_token".to_owned()),
                    ("client_id", client_id.expose().to_owned()),
                    ("refresh_token", refresh_token.expose().to_owned()),
                ];
                if !client_secret.is_empty() {
                    form.push(("client_secret", client_secret.expose().to_owned()));
                }
                form
            }
            Grant::ClientCredentials { client_id, client_secret, scope } => vec![
                ("grant_type", "client_credentials".to_owned()),
                ("client_id", client_id.expose().to_owned()),
                ("client_secret", client_secret.expose().to_owned()),
                ("scope", scope.clone()),
            ],
            Grant::JwtBearer(assertion) => vec![
                ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer".to_owned()),
                ("assertion", assertion.sign()?),
            ],
        })
    }
}

/// A token as issued.
#[derive(Debug, Clone)]
pub struct AccessToken {
    pub value: Secret,
    /// `None` when the issuer does not say (Salesforce): the token is used until refused.
    pub expires_at: Option<Instant>,
    /// Salesforce names the instance to call alongside the token.
    pub instance_url: Option<String>,
}

impl AccessToken {
    fn fresh(&self) -> bool {
        self.expires_at.is_none_or(|at| at > Instant::now() + EXPIRY_MARGIN)
    }
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: Option<String>,
    expires_in: Option<serde_json::Value>,
    instance_url: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// One set of credentials against one token endpoint, with its cached token.
#[derive(Debug)]
pub struct TokenSession {
    token_url: String,
    grant: Grant,
    cached: Mutex<Option<AccessToken>>,
    issued: AtomicU64,
}

impl TokenSession {
    pub fn new(token_url: impl Into<String>, grant: Grant) -> Arc<Self> {
        Arc::new(Self { token_url: token_url.into(), grant, cached: Mutex::new(None), issued: AtomicU64::new(0) })
    }

    /// Tokens obtained so far (the first one included).
    pub fn tokens_issued(&self) -> u64 {
        self.issued.load(Ordering::Relaxed)
    }

    /// A usable token: the cached one while fresh, else a new one.
    pub async fn token(&self, http: &reqwest::Client, retry: &RetryPolicy) -> Result<AccessToken, ConnectorError> {
        let mut cached = self.cached.lock().await;
        if let Some(token) = cached.as_ref().filter(|t| t.fresh()) {
            return Ok(token.clone());
        }
        let token = self.request(http, retry).await?;
        *cached = Some(token.clone());
        Ok(token)
    }

    /// Drops the cached token if it is still `refused`: requests that failed together with
    /// the same token cause one renewal, not one each.
    pub async fn invalidate(&self, refused: &Secret) {
        let mut cached = self.cached.lock().await;
        if cached.as_ref().is_some_and(|t| &t.value == refused) {
            *cached = None;
        }
    }

    async fn request(&self, http: &reqwest::Client, retry: &RetryPolicy) -> Result<AccessToken, ConnectorError> {
        let fail = |detail: String| ConnectorError::Token { url: self.token_url.clone(), detail };
        let mut attempt = 0;
        loop {
            attempt += 1;
            // Signed afresh per attempt: an assertion is single-use and short-lived.
            let form = self.grant.form()?;
            let outcome = http.post(&self.token_url).form(&form).send().await;
            let retry_in = match outcome {
                Ok(response) => {
                    let status = response.status();
                    let body = response.bytes().await.map_err(|e| fail(e.to_string()))?;
                    if status.is_success() {
                        return self.parse(&body).map_err(fail);
                    }
                    if !(status.is_server_error() || status.as_u16() == 429) || attempt >= retry.max_attempts {
                        let parsed: Option<TokenResponse> = serde_json::from_slice(&body).ok();
                        let detail = parsed
                            .and_then(|p| p.error.map(|e| format!("{e}: {}", p.error_description.unwrap_or_default())))
                            .unwrap_or_else(|| format!("HTTP {status}"));
                        return Err(fail(detail));
                    }
                    retry.backoff(attempt)
                }
                Err(error) if attempt >= retry.max_attempts => return Err(fail(error.without_url().to_string())),
                Err(_) => retry.backoff(attempt),
            };
            tokio::time::sleep(retry_in).await;
        }
    }

    fn parse(&self, body: &[u8]) -> Result<AccessToken, String> {
        let response: TokenResponse =
            serde_json::from_slice(body).map_err(|e| format!("the token response is not JSON: {e}"))?;
        let value = response.access_token.filter(|t| !t.is_empty()).ok_or("the token response has no access_token")?;
        // `expires_in` is a number in the RFCs and a string in some implementations.
        let seconds = match response.expires_in {
            Some(serde_json::Value::Number(n)) => n.as_u64(),
            Some(serde_json::Value::String(s)) => s.parse().ok(),
            _ => None,
        };
        self.issued.fetch_add(1, Ordering::Relaxed);
        Ok(AccessToken {
            value: Secret::new(value),
            expires_at: seconds.map(|s| Instant::now() + Duration::from_secs(s)),
            instance_url: response.instance_url.map(|u| u.trim_end_matches('/').to_owned()),
        })
    }
}

/// How requests to one API authenticate.
#[derive(Debug, Clone)]
pub enum Credentials {
    None,
    /// A long-lived token (a HubSpot private-app token).
    Static(Secret),
    OAuth(Arc<TokenSession>),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grants_build_the_documented_forms() {
        let grant = Grant::RefreshToken {
            client_id: Secret::new("id"),
            client_secret: Secret::new("secret"),
            refresh_token: Secret::new("rt"),
        };
        let form = grant.form().unwrap();
        assert!(form.contains(&("grant_type", "refresh_token".to_owned())));
        assert!(form.contains(&("refresh_token", "rt".to_owned())));
        let grant = Grant::ClientCredentials {
            client_id: Secret::new("id"),
            client_secret: Secret::new("s"),
            scope: "https://graph.microsoft.com/.default".into(),
        };
        assert!(grant.form().unwrap().contains(&("grant_type", "client_credentials".to_owned())));
        assert!(SigningKey::from_pem(&Secret::new("not a key")).is_err());
        let debug = format!("{grant:?}");
        assert!(!debug.contains("\"s\""), "{debug}");
    }
}
