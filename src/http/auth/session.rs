//! Browser sessions: sign-in with a password (limited per client address and per account, and
//! as slow for an unknown account as for a wrong password), the session cookie (HttpOnly,
//! SameSite=Strict, Secure unless configured off), and sign-out.

use super::secrets;
use crate::http::error::ApiError;
use crate::http::AppState;
use axum::http::HeaderValue;
use chrono::{Duration, Utc};
use std::sync::OnceLock;
use std::time::Instant;

pub const SESSION_COOKIE: &str = "candor_session";

/// A hash to check against when the account does not exist, so both paths cost the same.
fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| {
        secrets::hash_password("decoy password for unknown accounts", secrets::PASSWORD_ITERATIONS).unwrap_or_default()
    })
}

/// A new session for `user_id` if `password` is theirs: returns the cookie secret and the
/// session's CSRF token.
pub async fn sign_in(
    state: &AppState,
    user_id: &str,
    password: &str,
    client: &str,
) -> Result<(String, String), ApiError> {
    let user_id = user_id.trim().to_ascii_lowercase();
    let account_key = format!("login-user:{user_id}");
    let client_key = format!("login:{client}");
    if !state.limiter.attempt(&[&client_key, &account_key], Instant::now()) {
        tracing::warn!(client, "sign-in attempts over the limit");
        return Err(ApiError::RateLimited);
    }
    let user = state.store.user(&user_id).await?;
    let stored = user.as_ref().and_then(|u| u.password_hash.clone());
    let password = password.to_owned();
    let checked = stored.clone().unwrap_or_else(|| decoy_hash().to_owned());
    // PBKDF2 takes a few hundred milliseconds of CPU: keep it off the async threads.
    let matches = tokio::task::spawn_blocking(move || secrets::verify_password(&password, &checked))
        .await
        .map_err(ApiError::internal)?;
    let Some(user) = user.filter(|u| matches && stored.is_some() && u.disabled_at.is_none()) else {
        return Err(ApiError::Unauthenticated);
    };
    let secret = secrets::random_text(32).map_err(ApiError::internal)?;
    let csrf = secrets::random_text(32).map_err(ApiError::internal)?;
    let now = Utc::now();
    let expires = now + Duration::hours(i64::from(state.config.http.session_hours));
    state.store.insert_session(&secrets::sha256_hex(&secret), &user.id, &csrf, now, expires).await?;
    tracing::info!(user = %user.id, "signed in");
    Ok((secret, csrf))
}

/// Ends the session whose cookie secret hashes to `id_hash`.
pub async fn sign_out(state: &AppState, id_hash: &str) -> Result<(), ApiError> {
    state.store.revoke_session(id_hash, Utc::now()).await?;
    Ok(())
}

fn cookie_value(text: String) -> HeaderValue {
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static("candor_session=; Max-Age=0; Path=/"))
}

/// `Set-Cookie` for a new session.
pub fn session_cookie(state: &AppState, secret: &str) -> HeaderValue {
    let secure = if state.config.http.secure_cookies { "; Secure" } else { "" };
    let max_age = i64::from(state.config.http.session_hours) * 3600;
    cookie_value(format!("{SESSION_COOKIE}={secret}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"))
}

/// `Set-Cookie` that removes the session cookie.
pub fn clear_session_cookie(state: &AppState) -> HeaderValue {
    let secure = if state.config.http.secure_cookies { "; Secure" } else { "" };
    cookie_value(format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure}"))
}
