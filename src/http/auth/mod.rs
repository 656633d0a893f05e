//! Who is calling: API tokens (`Authorization: Bearer cnd_…`) and browser sessions (an
//! HttpOnly cookie plus a CSRF token for every form post), resolved to a [`Principal`] whose
//! [`Scope`] is the agent's own: a rep sees their deals and drafts, a manager their subtree, a
//! leader, compliance officer or administrator the organisation. Failed attempts are limited
//! per client address and per account.

pub(crate) mod accounts;
pub(crate) mod limit;
pub mod secrets;
mod session;

pub use accounts::{create_token, create_user, AccessRole, AccountError, NewUser};
pub use session::{clear_session_cookie, session_cookie, sign_in, sign_out, SESSION_COOKIE};

use super::error::ApiError;
use super::AppState;
use crate::coaching::Scope;
use crate::domain::{Hierarchy, Person, PersonId, Role};
use crate::store::{Store, StoreError, UserRecord};
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use chrono::{DateTime, Utc};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::RwLock;

/// A signed-in caller.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user_id: String,
    pub name: String,
    pub role: AccessRole,
    pub person_id: Option<String>,
    pub scope: Scope,
    /// Set when the caller came with a browser session rather than a token.
    pub session: Option<SessionInfo>,
}

#[derive(Debug, Clone)]
pub struct SessionInfo {
    pub id_hash: String,
    pub csrf_token: String,
}

impl Principal {
    /// Whether this person's deals, drafts and scorecard are visible to the caller.
    pub fn sees_person(&self, person_id: &str) -> bool {
        self.scope.allows_person(person_id)
    }

    /// Whether the caller sees the whole organisation (the forecast is only for them).
    pub fn sees_organisation(&self) -> bool {
        self.scope.is_org_wide()
    }

    /// The name the review workflow knows the caller by: their person id, else their sign-in.
    pub fn reviewer(&self) -> &str {
        self.person_id.as_deref().unwrap_or(&self.user_id)
    }

    /// Session callers must echo their CSRF token on every change; token callers need not
    /// (a browser never attaches a bearer token by itself).
    pub fn check_csrf(&self, presented: Option<&str>) -> Result<(), ApiError> {
        match &self.session {
            None => Ok(()),
            Some(session) => match presented {
                Some(token) if secrets::same_secret(token, &session.csrf_token) => Ok(()),
                _ => Err(ApiError::Csrf),
            },
        }
    }
}

/// People and the reporting lines, cached briefly: scopes are computed on every request.
pub struct Directory {
    cached: RwLock<Option<(Instant, Arc<(Vec<Person>, Hierarchy)>)>>,
}

const DIRECTORY_TTL: Duration = Duration::from_secs(30);

impl Directory {
    pub fn new() -> Directory {
        Directory { cached: RwLock::new(None) }
    }

    async fn org(&self, store: &Store) -> Result<Arc<(Vec<Person>, Hierarchy)>, StoreError> {
        if let Some((loaded, org)) = self.cached.read().await.as_ref() {
            if loaded.elapsed() < DIRECTORY_TTL {
                return Ok(Arc::clone(org));
            }
        }
        let people = store.load_people().await?;
        let hierarchy = Hierarchy::new(&people);
        let org = Arc::new((people, hierarchy));
        *self.cached.write().await = Some((Instant::now(), Arc::clone(&org)));
        Ok(org)
    }

    /// A person's display name, when they are in the organisation.
    pub async fn name_of(&self, store: &Store, person_id: &str) -> Result<Option<String>, StoreError> {
        let org = self.org(store).await?;
        Ok(org.0.iter().find(|p| p.id.as_str() == person_id).map(|p| p.name.clone()))
    }

    /// The scope of `user`: their role applied at their place in the hierarchy; `None` when the
    /// stored user cannot name a viewer (refused rather than guessed).
    pub async fn scope_for(
        &self,
        store: &Store,
        user: &UserRecord,
        role: AccessRole,
    ) -> Result<Option<Scope>, StoreError> {
        let Ok(viewer) = PersonId::parse(user.person_id.clone().unwrap_or_else(|| format!("user:{}", user.id))) else {
            return Ok(None);
        };
        let domain_role = match role {
            AccessRole::Rep => Role::Rep,
            AccessRole::Manager => Role::Manager,
            AccessRole::Leader => Role::Leader,
            AccessRole::Compliance | AccessRole::Admin => return Ok(Some(Scope::organisation(viewer, Role::Admin))),
        };
        let org = self.org(store).await?;
        Ok(Some(Scope::for_role(&viewer, domain_role, &org.1)))
    }
}

impl Default for Directory {
    fn default() -> Self {
        Directory::new()
    }
}

fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text).ok().map(|t| t.with_timezone(&Utc))
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// The value of cookie `name` in the request, if present.
pub fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find_map(|(key, value)| (key == name).then_some(value))
}

/// The client's address for rate limiting; `unknown` when the listener did not record it.
pub fn client_key(parts: &Parts) -> String {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(address)| format!("ip:{}", address.ip()))
        .unwrap_or_else(|| "ip:unknown".to_owned())
}

async fn principal_for(
    state: &AppState,
    user_id: &str,
    session: Option<SessionInfo>,
) -> Result<Option<Principal>, ApiError> {
    let Some(user) = state.store.user(user_id).await? else { return Ok(None) };
    if user.disabled_at.is_some() {
        return Ok(None);
    }
    let Ok(role) = user.role.parse::<AccessRole>() else {
        tracing::warn!(user = %user.id, "user has an unknown role; refused");
        return Ok(None);
    };
    let Some(scope) = state.directory.scope_for(&state.store, &user, role).await? else { return Ok(None) };
    Ok(Some(Principal { user_id: user.id, name: user.name, role, person_id: user.person_id, scope, session }))
}

/// Resolves the caller from a bearer token or a session cookie.
pub async fn authenticate(state: &AppState, headers: &HeaderMap, client: &str) -> Result<Principal, ApiError> {
    let now = Utc::now();
    if let Some(token) = bearer(headers) {
        let limiter_key = format!("token:{client}");
        if state.limiter.blocked(&limiter_key, Instant::now()) {
            return Err(ApiError::RateLimited);
        }
        let record = match secrets::token_id(token) {
            Some(_) => state.store.token_by_hash(&secrets::sha256_hex(token)).await?,
            None => None,
        };
        let live = record.filter(|r| r.revoked_at.is_none() && parse_time(&r.expires_at).is_some_and(|e| e > now));
        if let Some(record) = live {
            if let Some(principal) = principal_for(state, &record.user_id, None).await? {
                if let Err(error) = state.store.touch_token(&record.id, now).await {
                    tracing::warn!(%error, token = %record.id, "cannot record token use");
                }
                return Ok(principal);
            }
        }
        state.limiter.attempt(&[&limiter_key], Instant::now());
        return Err(ApiError::Unauthenticated);
    }
    if let Some(secret) = cookie(headers, SESSION_COOKIE) {
        let id_hash = secrets::sha256_hex(secret);
        if let Some(session) = state.store.session(&id_hash).await? {
            let live = session.revoked_at.is_none() && parse_time(&session.expires_at).is_some_and(|e| e > now);
            if live {
                let info = SessionInfo { id_hash, csrf_token: session.csrf_token };
                if let Some(principal) = principal_for(state, &session.user_id, Some(info)).await? {
                    return Ok(principal);
                }
            }
        }
    }
    Err(ApiError::Unauthenticated)
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let client = client_key(parts);
        authenticate(state, &parts.headers, &client).await
    }
}
