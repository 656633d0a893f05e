//! Accounts: the five access roles, adding users (checked against the organisation: a rep,
//! manager or leader must be a person in it) and issuing API tokens, shown once and stored as
//! hashes. Used by `candor user` and `candor token`.

use super::secrets::{self, RandomError};
use crate::store::{Store, StoreError, TokenRecord, UserRecord};
use chrono::{DateTime, Duration, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AccessRole {
    Rep,
    Manager,
    Leader,
    Compliance,
    Admin,
}

impl AccessRole {
    pub const ALL: [AccessRole; 5] =
        [AccessRole::Rep, AccessRole::Manager, AccessRole::Leader, AccessRole::Compliance, AccessRole::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            AccessRole::Rep => "rep",
            AccessRole::Manager => "manager",
            AccessRole::Leader => "leader",
            AccessRole::Compliance => "compliance",
            AccessRole::Admin => "admin",
        }
    }

    /// Roles whose scope comes from a place in the sales hierarchy.
    pub fn needs_person(self) -> bool {
        matches!(self, AccessRole::Rep | AccessRole::Manager | AccessRole::Leader)
    }
}

impl FromStr for AccessRole {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        AccessRole::ALL
            .into_iter()
            .find(|role| role.as_str().eq_ignore_ascii_case(text.trim()))
            .ok_or_else(|| format!("{text:?} is not a role (rep, manager, leader, compliance, admin)"))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("user id {0:?} must be 3 to 254 printable characters without spaces (an email address works)")]
    BadUserId(String),
    #[error("a {role} must be a person in the organisation: pass --person with their id or email")]
    PersonRequired { role: &'static str },
    #[error("no person {0:?} in the organisation")]
    UnknownPerson(String),
    #[error("the password must be at least 12 characters")]
    WeakPassword,
    #[error("no user {0:?}")]
    UnknownUser(String),
    #[error("user {0:?} is disabled")]
    Disabled(String),
    #[error(transparent)]
    Random(#[from] RandomError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub id: String,
    pub name: Option<String>,
    pub role: AccessRole,
    /// Person id or email address in the organisation.
    pub person: Option<String>,
    pub password: Option<String>,
}

fn valid_user_id(id: &str) -> bool {
    (3..=254).contains(&id.len()) && id.chars().all(|c| c.is_ascii_graphic())
}

/// Adds the user, or updates them if the id exists. Returns the stored record and whether it
/// is new.
pub async fn create_user(
    store: &Store,
    user: NewUser,
    password_iterations: u32,
    now: DateTime<Utc>,
) -> Result<(UserRecord, bool), AccountError> {
    let id = user.id.trim().to_ascii_lowercase();
    if !valid_user_id(&id) {
        return Err(AccountError::BadUserId(user.id));
    }
    let person = match &user.person {
        Some(who) => {
            Some(store.find_person(who.trim()).await?.ok_or_else(|| AccountError::UnknownPerson(who.clone()))?)
        }
        None if user.role.needs_person() => return Err(AccountError::PersonRequired { role: user.role.as_str() }),
        None => None,
    };
    let password_hash = match &user.password {
        Some(password) if password.chars().count() < 12 => return Err(AccountError::WeakPassword),
        Some(password) => Some(secrets::hash_password(password, password_iterations)?),
        None => None,
    };
    let name = user.name.or_else(|| person.as_ref().map(|p| p.name.clone())).unwrap_or_else(|| id.clone());
    let record = UserRecord {
        id,
        name,
        role: user.role.as_str().to_owned(),
        person_id: person.map(|p| p.id),
        password_hash,
        created_at: crate::store::instant(&now),
        disabled_at: None,
    };
    let created = store.upsert_user(&record).await?;
    Ok((record, created))
}

/// Issues a token for `user_id` valid for `days`; returns its record and the token itself,
/// which is never stored and cannot be shown again.
pub async fn create_token(
    store: &Store,
    user_id: &str,
    label: &str,
    days: u32,
    now: DateTime<Utc>,
) -> Result<(TokenRecord, String), AccountError> {
    let user_id = user_id.trim().to_ascii_lowercase();
    let user = store.user(&user_id).await?.ok_or_else(|| AccountError::UnknownUser(user_id.clone()))?;
    if user.disabled_at.is_some() {
        return Err(AccountError::Disabled(user.id));
    }
    let (id, token) = secrets::new_api_token()?;
    let record = TokenRecord {
        id,
        user_id: user.id,
        label: label.to_owned(),
        created_at: crate::store::instant(&now),
        expires_at: crate::store::instant(&(now + Duration::days(i64::from(days)))),
        revoked_at: None,
        last_used_at: None,
    };
    store.insert_token(&record, &secrets::sha256_hex(&token)).await?;
    Ok((record, token))
}
