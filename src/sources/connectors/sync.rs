//! The state one sync run carries: its source, whether it is a full re-read, the cursors it
//! reads and advances, the committed batches, the report and the progress callback. Records
//! are written first and the cursor after, so a crash between the two re-reads one page and
//! never skips one.

use super::http::ApiClient;
use super::report::{Progress, ProgressFn, SyncReport};
use super::{ConnectorError, SourceKind};
use crate::config::Config;
use crate::domain::{Dataset, SourceName};
use crate::sources::ingest::activities::ActivitySettings;
use crate::sources::ingest::Rejection;
use crate::store::{Store, SyncedKind};
use chrono::{DateTime, Utc};
use std::collections::HashSet;
use std::path::PathBuf;

#[derive(Clone, Default)]
pub struct SyncOptions {
    /// Ignore stored cursors and read everything again (cursors are rewritten as pages land).
    pub full: bool,
    pub progress: Option<ProgressFn>,
}

impl std::fmt::Debug for SyncOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncOptions").field("full", &self.full).field("progress", &self.progress.is_some()).finish()
    }
}

pub struct SyncContext<'a> {
    pub store: &'a Store,
    pub config: &'a Config,
    pub kind: SourceKind,
    pub source: SourceName,
    pub full: bool,
    /// The moment the sync started; windows ("the last 180 days") are measured from it.
    pub now: DateTime<Utc>,
    pub settings: ActivitySettings,
    pub report: SyncReport,
    progress: Option<ProgressFn>,
    started: std::time::Instant,
    clients: Vec<ApiClient>,
    /// Objects whose stored cursor a full sync has already set aside once.
    restarted: HashSet<String>,
    known: Option<Dataset>,
}

impl<'a> SyncContext<'a> {
    pub fn new(
        store: &'a Store,
        config: &'a Config,
        kind: SourceKind,
        options: &SyncOptions,
    ) -> Result<Self, ConnectorError> {
        let source = SourceName::parse(kind.as_str())
            .map_err(|e| ConnectorError::NotConfigured { source_name: kind.as_str(), reason: e.to_string() })?;
        let now = Utc::now();
        Ok(Self {
            store,
            config,
            kind,
            source,
            full: options.full,
            now,
            settings: ActivitySettings::from_config(config, now),
            report: SyncReport { source: kind.as_str().to_owned(), full: options.full, ..SyncReport::default() },
            progress: options.progress.clone(),
            started: std::time::Instant::now(),
            clients: Vec::new(),
            restarted: HashSet::new(),
            known: None,
        })
    }

    /// Counts `client`'s calls in the report.
    pub fn track(&mut self, client: &ApiClient) {
        self.clients.push(client.clone());
    }

    /// The stored cursor of `object`; `None` the first time a full sync asks.
    pub async fn cursor(&mut self, object: &str) -> Result<Option<String>, ConnectorError> {
        if self.full && self.restarted.insert(object.to_owned()) {
            return Ok(None);
        }
        Ok(self.store.sync_cursor(self.source.as_str(), object).await?)
    }

    /// Moves the cursor of `object`; call only after the records it covers are committed.
    pub async fn advance(&mut self, object: &str, value: &str) -> Result<(), ConnectorError> {
        self.restarted.insert(object.to_owned());
        self.store.set_sync_cursor(self.source.as_str(), object, value, Utc::now()).await?;
        Ok(())
    }

    /// Forgets the cursor of `object` (the vendor invalidated it; the next read starts over).
    pub async fn reset(&mut self, object: &str) -> Result<(), ConnectorError> {
        self.store.clear_sync_cursor(self.source.as_str(), object).await?;
        Ok(())
    }

    /// Everything the store holds, for identity resolution and lookups; loaded once and kept
    /// until CRM records change.
    pub async fn known(&mut self) -> Result<&Dataset, ConnectorError> {
        if self.known.is_none() {
            self.known = Some(self.store.load_dataset().await?);
        }
        Ok(self.known.get_or_insert_with(Dataset::default))
    }

    /// Runs one page of vendor activities through the activity pipeline against what the
    /// store holds.
    pub async fn build_activities(
        &mut self,
        object: &str,
        records: Vec<super::activity::ActivityRecord>,
    ) -> Result<super::activity::BuiltActivities, ConnectorError> {
        self.known().await?;
        let known = self.known.as_ref().ok_or_else(|| ConnectorError::Client("known records not loaded".into()))?;
        Ok(super::activity::build_activities(&self.settings, known, &self.source, object, records))
    }

    /// Writes records outside any page count (derived corrections).
    pub async fn write(&mut self, data: Dataset) -> Result<(), ConnectorError> {
        if data != Dataset::default() {
            let written = self.store.save_dataset(&data).await?;
            self.report.rows_written += written.total();
            self.known = None;
        }
        Ok(())
    }

    /// Writes one page of records in one transaction and counts it under `object`:
    /// `fetched` records read, `landed` of them kept. Activities' new contacts are added to
    /// the known records; any other write makes them stale.
    pub async fn commit(
        &mut self,
        object: &str,
        data: Dataset,
        fetched: u64,
        landed: u64,
        rejections: Vec<Rejection>,
    ) -> Result<(), ConnectorError> {
        let only_activities = data.deals.is_empty()
            && data.accounts.is_empty()
            && data.people.is_empty()
            && data.history.is_empty()
            && data.contact_roles.is_empty()
            && data.stages.stages().is_empty();
        if data != Dataset::default() {
            let written = self.store.save_dataset(&data).await?;
            self.report.rows_written += written.total();
        }
        if only_activities {
            if let Some(known) = self.known.as_mut() {
                known.contacts.extend(data.contacts);
            }
        } else {
            self.known = None;
        }
        let rejected = rejections.len() as u64;
        self.report.rejections.extend(rejections);
        let counts = self.report.object_mut(object);
        counts.pages += 1;
        counts.fetched += fetched;
        counts.landed += landed;
        counts.rejected += rejected;
        self.emit(object);
        Ok(())
    }

    /// Removes records the source deleted, counting them under `object`.
    pub async fn delete(
        &mut self,
        object: &str,
        kind: SyncedKind,
        external_ids: &[String],
    ) -> Result<u64, ConnectorError> {
        if external_ids.is_empty() {
            return Ok(0);
        }
        let deleted = self.store.delete_synced(&self.source, kind, external_ids, Utc::now()).await?;
        if kind != SyncedKind::Activity {
            self.known = None;
        }
        self.report.object_mut(object).deleted += deleted;
        self.emit(object);
        Ok(deleted)
    }

    /// A rejection naming the record by source, object and id.
    pub fn rejection(
        &self,
        object: &str,
        record: Option<&str>,
        field: Option<&str>,
        reason: impl Into<String>,
    ) -> Rejection {
        Rejection {
            file: PathBuf::from(format!("{}/{object}", self.source.as_str())),
            line: 0,
            record: record.map(str::to_owned),
            field: field.map(str::to_owned),
            reason: reason.into(),
        }
    }

    pub fn note(&mut self, text: impl Into<String>) {
        let text = text.into();
        if !self.report.notes.contains(&text) {
            self.report.notes.push(text);
        }
    }

    fn emit(&self, object: &str) {
        if let (Some(progress), Some(counts)) = (&self.progress, self.report.object(object)) {
            let calls = self.clients.first().map(|c| c.counts().calls).unwrap_or(0);
            progress(&Progress {
                source: self.source.as_str().to_owned(),
                object: object.to_owned(),
                counts: counts.clone(),
                calls,
            });
        }
    }

    pub fn finish(mut self) -> SyncReport {
        self.report.elapsed_ms = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        // Clients made for one source share their counters, so the first one speaks for all.
        if let Some(client) = self.clients.first() {
            self.report.calls = client.counts();
        }
        self.report
    }
}
