//! The file outbox, the embedded default channel: each message lands as
//! `<dir>/<week>/<draft>.md` (readable) and `<draft>.eml` (openable in any mail client).
//! Files are written under a temporary name and renamed into place, so a reader never sees half
//! a message and a repeat after a crash replaces the file instead of adding a second one.

use super::{DeliverError, OutgoingMessage, Receipt};
use std::path::{Path, PathBuf};

pub struct FileOutbox {
    dir: PathBuf,
}

/// A file name from a draft id: letters, digits, `.`, `-` and `_` only.
fn file_stem(draft_id: &str) -> String {
    draft_id.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') { c } else { '_' }).collect()
}

async fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), DeliverError> {
    let io = |e: std::io::Error| DeliverError::Transient(format!("cannot write {}: {e}", path.display()));
    let temporary = path.with_extension(format!("{}.partial", path.extension().and_then(|e| e.to_str()).unwrap_or("")));
    tokio::fs::write(&temporary, bytes).await.map_err(io)?;
    tokio::fs::rename(&temporary, path).await.map_err(io)
}

impl FileOutbox {
    pub fn new(dir: PathBuf) -> FileOutbox {
        FileOutbox { dir }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where the Markdown copy of a draft goes.
    pub fn markdown_path(&self, week: &str, draft_id: &str) -> PathBuf {
        self.dir.join(file_stem(week)).join(format!("{}.md", file_stem(draft_id)))
    }

    pub async fn write(
        &self,
        message: &OutgoingMessage,
        email: Option<&lettre::Message>,
    ) -> Result<Receipt, DeliverError> {
        let markdown_path = self.markdown_path(&message.week, &message.draft_id);
        let folder = markdown_path.parent().unwrap_or(&self.dir).to_path_buf();
        tokio::fs::create_dir_all(&folder)
            .await
            .map_err(|e| DeliverError::Transient(format!("cannot create {}: {e}", folder.display())))?;
        let markdown = format!(
            "---\ndraft: {}\nkind: {}\nweek: {}\nto: {}{}\nsubject: {}\n---\n\n{}\n",
            message.draft_id,
            message.kind,
            message.week,
            message.recipient_name,
            message.recipient_email.as_deref().map(|e| format!(" <{e}>")).unwrap_or_default(),
            message.subject,
            message.body.trim_end()
        );
        write_atomically(&markdown_path, markdown.as_bytes()).await?;
        if let Some(email) = email {
            write_atomically(&markdown_path.with_extension("eml"), &email.formatted()).await?;
        }
        Ok(Receipt { reference: markdown_path.display().to_string() })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::workflow::DraftKind;

    #[tokio::test]
    async fn writing_twice_leaves_one_message() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = FileOutbox::new(dir.path().to_path_buf());
        let message = OutgoingMessage {
            draft_id: "2026-W47.rep_nudge.sim:r/1".into(),
            kind: DraftKind::RepNudge,
            week: "2026-W47".into(),
            subject: "Week 47".into(),
            body: "Call Acme.".into(),
            recipient_name: "Rita Rep".into(),
            recipient_email: Some("rita@northbridge-fs.example".into()),
        };
        let from = "Candor <c@northbridge-fs.example>".parse().unwrap();
        let email = super::super::build_email(&from, &message).unwrap();
        outbox.write(&message, Some(&email)).await.unwrap();
        outbox.write(&message, Some(&email)).await.unwrap();
        let files: Vec<_> =
            std::fs::read_dir(dir.path().join("2026-W47")).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(files.len(), 2, "{files:?}");
        let markdown = std::fs::read_to_string(outbox.markdown_path("2026-W47", &message.draft_id)).unwrap();
        assert!(markdown.contains("to: Rita Rep <rita@northbridge-fs.example>") && markdown.ends_with("Call Acme.\n"));
    }
}
