//! The weekly run's handle on a connector: one configured source, registered with the job
//! pipeline as a [`SyncSource`] so the run's sync step (scheduled or on demand) pulls every
//! enabled source incrementally before the snapshot is taken. [`with_enabled_sources`] is what
//! the composition root builds the pipeline with.

use super::pipeline::{Pipeline, SyncSource};
use crate::config::Config;
use crate::sources::connectors::{sync_source, SourceKind, SyncOptions};
use crate::store::Store;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

#[derive(Debug, Clone)]
pub struct ConnectorJob {
    config: Arc<Config>,
    source: SourceKind,
}

impl ConnectorJob {
    pub fn new(config: Arc<Config>, source: SourceKind) -> Self {
        Self { config, source }
    }

    /// One job per source enabled in `config`.
    pub fn enabled(config: Arc<Config>) -> Vec<ConnectorJob> {
        SourceKind::enabled_in(&config)
            .into_iter()
            .map(|source| ConnectorJob::new(Arc::clone(&config), source))
            .collect()
    }

    pub fn name(&self) -> &str {
        self.source.as_str()
    }

    /// An incremental sync; the summary is what the job records as its result. A failed sync
    /// keeps what it committed, so retrying the job resumes rather than repeats.
    pub async fn run(&self, store: &Store) -> Result<String, String> {
        sync_source(store, &self.config, self.source, &SyncOptions::default())
            .await
            .map(|report| report.summary())
            .map_err(|error| error.to_string())
    }
}

impl SyncSource for ConnectorJob {
    fn name(&self) -> &str {
        ConnectorJob::name(self)
    }

    fn sync<'a>(&'a self, store: &'a Store) -> Pin<Box<dyn Future<Output = Result<String, String>> + Send + 'a>> {
        Box::pin(self.run(store))
    }
}

/// `pipeline` with a sync source for every connector enabled in `config`, in the order of
/// [`SourceKind::ALL`] (CRMs before mailboxes, so activities can link to fresh deals).
pub fn with_enabled_sources(pipeline: Pipeline, config: Arc<Config>) -> Pipeline {
    ConnectorJob::enabled(config)
        .into_iter()
        .fold(pipeline, |pipeline, job| pipeline.with_source(Arc::new(job) as Arc<dyn SyncSource>))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn jobs_follow_enabled_sources_and_their_futures_are_send() {
        let mut config = Config::default();
        config.connectors.hubspot.enabled = true;
        config.connectors.google.enabled = true;
        let jobs = ConnectorJob::enabled(Arc::new(config));
        let names: Vec<&str> = jobs.iter().map(ConnectorJob::name).collect();
        assert_eq!(names, vec!["hubspot", "google"]);
        fn assert_send<T: Send>(_: &T) {}
        let store_future = async {
            let dir = tempfile::tempdir().unwrap();
            let store = Store::open("", dir.path(), 1).await.unwrap();
            jobs[0].run(&store).await
        };
        assert_send(&store_future);
    }
}
