//! The input hash that keys the draft cache: everything that can change a draft — the scoped
//! snapshot, the provider and model, the prompt, tool and compliance versions — so an identical
//! re-run reuses the stored draft and spends no tokens.
//!
//! The snapshot enters in two parts: whom it is addressed to, and a digest of everything else
//! ([`content_digest`]). Recipients who share a scope (every leader sees the whole organisation)
//! share that digest, so it is worked out once for them rather than once per recipient.

use super::snapshot::{PersonRef, Snapshot};
use super::tools::export;
use crate::engine::risk::Sha256Writer;
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

pub(crate) struct HashInputs<'a> {
    pub snapshot: &'a Snapshot,
    /// [`content_digest`] of `snapshot`, when the caller already has it; worked out otherwise.
    pub content: Option<ContentDigest>,
    pub provider: &'a str,
    pub model: &'a str,
    pub prompt_version: &'a str,
    pub compliance_version: &'a str,
    pub org_name: &'a str,
}

/// SHA-256 of a snapshot's JSON apart from its recipient.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContentDigest([u8; 32]);

/// The tool schemas as the hash reads them, rendered once: they are fixed for a build.
static TOOL_SCHEMAS: LazyLock<Vec<(String, String)>> = LazyLock::new(export::rendered);

pub(crate) fn input_hash(inputs: &HashInputs<'_>) -> String {
    let mut hasher = Sha256::new();
    for part in [inputs.provider, inputs.model, inputs.prompt_version, inputs.compliance_version, inputs.org_name] {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    // Tool schemas shape what a model can say, so they are inputs too.
    for (file, text) in TOOL_SCHEMAS.iter() {
        hasher.update(file.as_bytes());
        hasher.update(text.as_bytes());
    }
    write_json(&mut hasher, &inputs.snapshot.recipient);
    let content = inputs.content.unwrap_or_else(|| content_digest(inputs.snapshot));
    hasher.update(content.0);
    hex::encode(hasher.finalize())
}

/// The digest of everything in `snapshot` but its recipient: what the snapshots of recipients
/// who share a scope have in common.
pub(crate) fn content_digest(snapshot: &Snapshot) -> ContentDigest {
    // The same snapshot addressed to no one (its role stays: it shapes the draft). Every other
    // field, present or added later, is hashed; the large lists are shared, so the copy is cheap.
    let recipient = PersonRef { person_id: String::new(), name: String::new(), role: snapshot.recipient.role };
    let content = Snapshot { recipient, ..snapshot.clone() };
    let mut hasher = Sha256::new();
    write_json(&mut hasher, &content);
    ContentDigest(hasher.finalize().into())
}

fn write_json(hasher: &mut Sha256, value: &impl serde::Serialize) {
    // Serialising plain data to a hasher cannot fail; were it to, the error text keeps the
    // hash a function of the input.
    if let Err(error) = serde_json::to_writer(Sha256Writer(hasher), value) {
        hasher.update(error.to_string().as_bytes());
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::coaching::drafts::DraftKind;
    use crate::domain::Role;

    fn inputs(snapshot: &Snapshot, content: Option<ContentDigest>) -> String {
        input_hash(&HashInputs {
            snapshot,
            content,
            provider: "offline",
            model: "deterministic",
            prompt_version: "p1",
            compliance_version: "c1",
            org_name: "Northbridge",
        })
    }

    #[test]
    fn a_shared_digest_gives_each_recipient_the_hash_of_their_own_snapshot() {
        let first = Snapshot::empty(DraftKind::ForecastMemo, Role::Leader, "Ada Leader");
        let mut second = first.clone();
        second.recipient = PersonRef { person_id: "sim:leader-2".into(), name: "Bo Leader".into(), role: Role::Leader };
        let shared = content_digest(&first);
        assert_eq!(content_digest(&second), shared, "the recipient is not content");
        assert_eq!(inputs(&second, Some(shared)), inputs(&second, None));
        assert_ne!(inputs(&first, Some(shared)), inputs(&second, Some(shared)), "the recipient is an input");
    }

    #[test]
    fn every_part_of_the_content_changes_the_hash() {
        let base = Snapshot::empty(DraftKind::RepNudge, Role::Rep, "Ada Rep");
        let mut later = base.clone();
        later.as_of = later.as_of.succ_opt().unwrap();
        let mut other_period = base.clone();
        other_period.period = "FY2027-Q1".into();
        let mut with_people = base.clone();
        with_people.people = vec![base.recipient.clone()].into();
        let hashes = [&base, &later, &other_period, &with_people].map(|s| inputs(s, None));
        for (i, a) in hashes.iter().enumerate() {
            for b in &hashes[i + 1..] {
                assert_ne!(a, b);
            }
        }
        assert_eq!(inputs(&base, None), inputs(&base.clone(), None), "the hash is a function of its inputs");
    }
}
