//! The input hash that keys the draft cache: everything that can change a draft — the scoped
//! snapshot, the provider and model, the prompt, tool and compliance versions — so an identical
//! re-run reuses the stored draft and spends no tokens.

use super::snapshot::Snapshot;
use super::tools::export;
use crate::features::Sha256Writer;
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

pub struct HashInputs<'a> {
    pub snapshot: &'a Snapshot,
    pub provider: &'a str,
    pub model: &'a str,
    pub prompt_version: &'a str,
    pub compliance_version: &'a str,
    pub org_name: &'a str,
}

/// The tool schemas as the hash reads them, rendered once: they are fixed for a build.
static TOOL_SCHEMAS: LazyLock<Vec<(String, String)>> = LazyLock::new(export::rendered);

pub fn input_hash(inputs: &HashInputs<'_>) -> String {
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
    if let Err(error) = serde_json::to_writer(Sha256Writer(&mut hasher), inputs.snapshot) {
        hasher.update(error.to_string().as_bytes());
    }
    hex::encode(hasher.finalize())
}
