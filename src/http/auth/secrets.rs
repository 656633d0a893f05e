//! Secrets and their hashes: random tokens from the system's CSPRNG, SHA-256 for what is looked
//! up (API tokens, session ids: high-entropy, so a fast hash is enough), PBKDF2-HMAC-SHA256 for
//! passwords (low-entropy, so a slow, salted one), and constant-time comparison.

use aws_lc_rs::{constant_time, digest, pbkdf2, rand};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use std::num::NonZeroU32;

/// Prefix of every API token: lets secret scanners and log filters recognise one.
pub const TOKEN_PREFIX: &str = "cnd_";

/// Iterations for new password hashes (OWASP's 2023 figure for PBKDF2-HMAC-SHA256).
pub const PASSWORD_ITERATIONS: u32 = 600_000;

#[derive(Debug, thiserror::Error)]
#[error("the system's random number generator failed")]
pub struct RandomError;

/// `bytes` random bytes, URL-safe base64 without padding.
pub fn random_text(bytes: usize) -> Result<String, RandomError> {
    let mut buffer = vec![0u8; bytes];
    rand::fill(&mut buffer).map_err(|_| RandomError)?;
    Ok(URL_SAFE_NO_PAD.encode(buffer))
}

pub fn sha256_hex(text: &str) -> String {
    hex::encode(digest::digest(&digest::SHA256, text.as_bytes()))
}

/// A new API token: (public id, the whole token to show once). The id is part of the token, so
/// a leaked token can be revoked by the id it carries.
pub fn new_api_token() -> Result<(String, String), RandomError> {
    let mut id = [0u8; 6];
    rand::fill(&mut id).map_err(|_| RandomError)?;
    let id = hex::encode(id);
    let secret = random_text(32)?;
    Ok((id.clone(), format!("{TOKEN_PREFIX}{id}_{secret}")))
}

/// The public id inside a token, when it has the token's shape.
pub fn token_id(token: &str) -> Option<&str> {
    let rest = token.strip_prefix(TOKEN_PREFIX)?;
    let (id, secret) = rest.split_once('_')?;
    (id.len() == 12 && id.bytes().all(|b| b.is_ascii_hexdigit()) && secret.len() >= 32).then_some(id)
}

/// `pbkdf2-sha256$ITERATIONS$SALT$HASH` (salt and hash URL-safe base64).
pub fn hash_password(password: &str, iterations: u32) -> Result<String, RandomError> {
    let iterations = NonZeroU32::new(iterations.max(1)).unwrap_or(NonZeroU32::MIN);
    let mut salt = [0u8; 16];
    rand::fill(&mut salt).map_err(|_| RandomError)?;
    let mut hash = [0u8; 32];
    pbkdf2::derive(pbkdf2::PBKDF2_HMAC_SHA256, iterations, &salt, password.as_bytes(), &mut hash);
    Ok(format!("pbkdf2-sha256${iterations}${}${}", URL_SAFE_NO_PAD.encode(salt), URL_SAFE_NO_PAD.encode(hash)))
}

/// Whether `password` matches `stored`; anything unreadable is a mismatch.
pub fn verify_password(password: &str, stored: &str) -> bool {
    let mut parts = stored.split('$');
    let (Some("pbkdf2-sha256"), Some(iterations), Some(salt), Some(hash), None) =
        (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let (Some(iterations), Ok(salt), Ok(hash)) = (
        iterations.parse::<u32>().ok().and_then(NonZeroU32::new),
        URL_SAFE_NO_PAD.decode(salt),
        URL_SAFE_NO_PAD.decode(hash),
    ) else {
        return false;
    };
    pbkdf2::verify(pbkdf2::PBKDF2_HMAC_SHA256, iterations, &salt, password.as_bytes(), &hash).is_ok()
}

/// Constant-time equality, for CSRF tokens.
pub fn same_secret(left: &str, right: &str) -> bool {
    constant_time::verify_slices_are_equal(left.as_bytes(), right.as_bytes()).is_ok()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn passwords_verify_only_themselves() {
        let stored = hash_password("correct horse", 1_000).unwrap();
        assert!(verify_password("correct horse", &stored));
        assert!(!verify_password("correct horsf", &stored));
        assert!(!verify_password("correct horse", "pbkdf2-sha256$0$AA$AA"));
        assert!(!verify_password("correct horse", "plain"));
        assert_ne!(stored, hash_password("correct horse", 1_000).unwrap(), "salted");
    }

    #[test]
    fn tokens_carry_their_id() {
        let (id, token) = new_api_token().unwrap();
        assert_eq!(token_id(&token), Some(id.as_str()));
        assert_eq!(token_id("cnd_zz_short"), None);
        assert_eq!(token_id("Bearer x"), None);
        assert!(same_secret("abc", "abc") && !same_secret("abc", "abd") && !same_secret("abc", "ab"));
    }
}
