//! Reading the audit log as a regulator would: verifying the hash chain from the first entry to
//! the head, and recording each configuration change as an entry. Entries are only ever
//! appended; nothing here deletes, and the retention period (`audit.retention_years`) is the
//! earliest anything may be removed.

use super::decisions::sha256_hex;
use crate::config::Config;
use crate::store::{Store, StoreError, GENESIS_HASH};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;

/// The first entry that does not check out, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditBreak {
    pub seq: i64,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditVerification {
    /// Entries checked.
    pub entries: i64,
    pub head_seq: i64,
    pub head_hash: String,
    pub first_break: Option<AuditBreak>,
}

impl AuditVerification {
    pub fn intact(&self) -> bool {
        self.first_break.is_none()
    }
}

const PAGE: i64 = 2_000;

/// Walks the chain up to the head as it stood when the walk began (later appends are not
/// judged), and names the first entry that was changed, removed or moved.
pub async fn verify(store: &Store) -> Result<AuditVerification, StoreError> {
    let (head_seq, head_hash) = store.audit_head().await?;
    let mut expected_seq = 1;
    let mut previous_hash = GENESIS_HASH.to_owned();
    let mut checked = 0;
    let broken = |seq, reason: String| AuditBreak { seq, reason };
    let mut first_break = None;
    'walk: loop {
        let page = store.audit_entries(expected_seq - 1, PAGE).await?;
        if page.is_empty() {
            break;
        }
        for entry in page {
            if entry.seq > head_seq {
                break 'walk;
            }
            if entry.seq != expected_seq {
                first_break = Some(broken(
                    expected_seq,
                    format!("entry {expected_seq} is missing (the next stored entry is {})", entry.seq),
                ));
                break 'walk;
            }
            if entry.prev_hash != previous_hash {
                first_break = Some(broken(
                    entry.seq,
                    format!(
                        "entry {} does not follow entry {}: the chain link does not match",
                        entry.seq,
                        entry.seq - 1
                    ),
                ));
                break 'walk;
            }
            if entry.expected_hash() != entry.hash {
                first_break =
                    Some(broken(entry.seq, format!("entry {} was changed: its hash does not match", entry.seq)));
                break 'walk;
            }
            previous_hash = entry.hash;
            expected_seq += 1;
            checked += 1;
        }
    }
    if first_break.is_none() && expected_seq - 1 != head_seq {
        first_break = Some(broken(
            expected_seq,
            format!("entries {expected_seq} to {head_seq} are missing from the end of the log"),
        ));
    } else if first_break.is_none() && previous_hash != head_hash {
        first_break = Some(broken(head_seq, format!("entry {head_seq} does not match the recorded head")));
    }
    Ok(AuditVerification { entries: checked, head_seq, head_hash, first_break })
}

/// Appends a `config.changed` entry when the effective configuration (secrets redacted) differs
/// from the one last recorded; returns whether it did.
pub async fn record_config(
    store: &Store,
    config: &Config,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let text = config.redacted_toml();
    let digest = sha256_hex(&text);
    let previous = store
        .last_audit_detail("config.changed")
        .await?
        .and_then(|detail| serde_json::from_str::<serde_json::Value>(&detail).ok())
        .and_then(|detail| detail.get("sha256").and_then(|v| v.as_str()).map(str::to_owned));
    if previous.as_deref() == Some(digest.as_str()) {
        return Ok(false);
    }
    let detail = json!({ "sha256": digest, "previous_sha256": previous, "config": text });
    store.append_audit(actor, "config.changed", "config", &detail, now).await?;
    Ok(true)
}
