//! Credentials from files: a secrets file (TOML or JSON, one key per credential) fills what the
//! environment left empty; a PEM key file; a Google service-account key. Values are wrapped in
//! [`Secret`] as soon as they are read, and errors name the file, never its content.

use super::ConnectorError;
use crate::config::Secret;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

fn read(path: &Path) -> Result<String, ConnectorError> {
    std::fs::read_to_string(path)
        .map_err(|e| ConnectorError::Secrets { path: path.display().to_string(), reason: e.to_string() })
}

/// Fills each empty secret in `fields` from the key of the same name in the file at `path`.
pub(crate) fn fill_from_file(path: Option<&Path>, fields: &mut [(&str, &mut Secret)]) -> Result<(), ConnectorError> {
    let Some(path) = path else { return Ok(()) };
    let text = read(path)?;
    let bad = |reason: String| ConnectorError::Secrets { path: path.display().to_string(), reason };
    let values: BTreeMap<String, String> = if text.trim_start().starts_with('{') {
        serde_json::from_str(&text).map_err(|e| bad(format!("not a JSON object of strings (line {})", e.line())))?
    } else {
        // The TOML error text can quote the offending line, so only its position is kept.
        toml::from_str(&text).map_err(|e| bad(format!("not a TOML table of strings (at byte {:?})", e.span())))?
    };
    for (name, secret) in fields.iter_mut() {
        if secret.is_empty() {
            if let Some(value) = values.get(*name) {
                **secret = Secret::new(value.trim());
            }
        }
    }
    Ok(())
}

/// The whole file as one secret (a PEM key).
pub(crate) fn read_secret(path: &Path) -> Result<Secret, ConnectorError> {
    read(path).map(Secret::new)
}

/// The fields of a Google service-account JSON key that signing needs.
#[derive(Debug, Clone)]
pub(crate) struct ServiceAccountKey {
    pub client_email: String,
    pub private_key: Secret,
    pub token_uri: Option<String>,
}

#[derive(Deserialize)]
struct KeyFile {
    client_email: String,
    private_key: String,
    token_uri: Option<String>,
}

pub(crate) fn read_service_account(path: &Path) -> Result<ServiceAccountKey, ConnectorError> {
    let text = read(path)?;
    let key: KeyFile = serde_json::from_str(&text).map_err(|e| ConnectorError::Secrets {
        path: path.display().to_string(),
        reason: format!("not a service-account key file (line {})", e.line()),
    })?;
    Ok(ServiceAccountKey {
        client_email: key.client_email,
        private_key: Secret::new(key.private_key),
        token_uri: key.token_uri.filter(|u| !u.is_empty()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_file_fills_only_empty_fields() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hubspot.toml");
        std::fs::write(&path, "client_secret = \"from-file\"\naccess_token = \"file-token\"\n").unwrap();
        let mut secret = Secret::default();
        let mut token = Secret::new("from-env");
        fill_from_file(Some(&path), &mut [("client_secret", &mut secret), ("access_token", &mut token)]).unwrap();
        assert_eq!(secret.expose(), "from-file");
        assert_eq!(token.expose(), "from-env");

        std::fs::write(&path, "client_secret = [\"hunter2\"").unwrap();
        let error = fill_from_file(Some(&path), &mut [("client_secret", &mut Secret::default())]).unwrap_err();
        assert!(!error.to_string().contains("hunter2"), "{error}");
    }

    #[test]
    fn service_account_keys_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key.json");
        std::fs::write(
            &path,
            r#"{"type":"service_account","client_email":"sync@p.iam.gserviceaccount.com","private_key":"-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\n","token_uri":"https://oauth2.googleapis.com/token"}"#,
        )
        .unwrap();
        let key = read_service_account(&path).unwrap();
        assert_eq!(key.client_email, "sync@p.iam.gserviceaccount.com");
        assert_eq!(key.token_uri.as_deref(), Some("https://oauth2.googleapis.com/token"));
        assert!(format!("{key:?}").contains("***"));
    }
}
