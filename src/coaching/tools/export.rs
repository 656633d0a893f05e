//! `candor tools export`: every tool's strict-mode definition as `tools/<name>.json`, and the
//! check that the checked-in files match the Rust types.

use super::all_tools;
use std::path::Path;

/// Each tool's file name and pretty JSON, in a stable order.
pub(crate) fn rendered() -> Vec<(String, String)> {
    all_tools()
        .into_iter()
        .map(|tool| {
            let mut text = serde_json::to_string_pretty(&tool.definition()).unwrap_or_default();
            text.push('\n');
            (format!("{}.json", tool.name), text)
        })
        .collect()
}

/// Writes every definition into `dir`; returns the files written.
pub(crate) fn write_all(dir: &Path) -> std::io::Result<Vec<String>> {
    std::fs::create_dir_all(dir)?;
    let mut written = Vec::new();
    for (file, text) in rendered() {
        std::fs::write(dir.join(&file), text)?;
        written.push(file);
    }
    Ok(written)
}

/// The files in `dir` that are missing or differ from the current types.
pub(crate) fn drift(dir: &Path) -> Vec<String> {
    rendered()
        .into_iter()
        .filter(|(file, text)| std::fs::read_to_string(dir.join(file)).ok().as_deref() != Some(text.as_str()))
        .map(|(file, _)| file)
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn checked_in_tool_schemas_match_the_types() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tools");
        let drifted = drift(&dir);
        assert!(drifted.is_empty(), "tools/ is out of date for {drifted:?}; run `candor tools export`");
    }

    #[test]
    fn the_memory_tools_are_exported_but_offered_only_with_memory() {
        let files: Vec<String> = rendered().into_iter().map(|(file, _)| file).collect();
        for name in crate::coaching::memory::tools::NAMES {
            assert!(files.contains(&format!("{name}.json")), "{name} is not exported");
        }
        for kind in crate::coaching::drafts::DraftKind::ALL {
            let plain: Vec<&str> = super::super::tools_for(kind).iter().map(|t| t.name).collect();
            let with: Vec<&str> = super::super::tools_with_memory(kind).iter().map(|t| t.name).collect();
            assert!(crate::coaching::memory::tools::NAMES.iter().all(|n| !plain.contains(n) && with.contains(n)));
            assert_eq!(with.last(), plain.last(), "the submit tool stays last");
            assert_eq!(with.len(), plain.len() + 3);
        }
    }

    #[test]
    fn every_tool_schema_is_strict() {
        for tool in all_tools() {
            super::super::schema::is_strict(&tool.parameters()).unwrap_or_else(|e| panic!("{}: {e}", tool.name));
        }
    }
}
