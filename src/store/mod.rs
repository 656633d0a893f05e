//! All SQL lives here. One portable schema (`migrations/`) on SQLite (embedded default, WAL)
//! or Postgres, reached through sqlx's `Any` driver so every query is written once.

mod access;
mod audit;
mod bulk;
mod codec;
mod comp;
mod deliveries;
mod drafts;
mod insight;
mod jobs;
mod lean;
mod lean_tables;
mod load;
mod retract;
mod snapshots;
mod stats;
mod sync;
mod write;

pub use access::{FeedbackRecord, SessionRecord, TokenRecord, UserRecord};
pub use audit::{chain_hash, AuditEntry, GENESIS_HASH};
pub use bulk::Value;
pub use comp::{StoredImprovementPlan, StoredStatement};
pub use deliveries::{DeliveryAttempt, DeliveryRecord, PersonRef, ReviewEdit};
pub use drafts::{Decision, DraftOutcomeTotals, DraftQuery, DraftRecord, Provenance};
pub use insight::{ActivityLine, ActivityText, HistoryLine, SnapshotDeal, SnapshotSummary, StageSum};
pub use jobs::{instant, ClaimedJob, JobOutcome, JobRecord, JobTally, NewJob, RunRecord};
pub use snapshots::{report_hash, SimTruth, SnapshotCounts, StoredFlag, StoredSnapshot};
pub use stats::{JobSpan, StageTotal, Stats};
pub use sync::{SyncedKind, WebhookEventRecord};
pub use write::{Synthetic, WriteCounts};

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::pool::PoolOptions;
use sqlx::{Any, AnyPool, ConnectOptions, Executor};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the database at {location}: {source}")]
    Connect { location: String, source: sqlx::Error },
    #[error("cannot create the data directory {path}: {source}")]
    DataDir { path: PathBuf, source: std::io::Error },
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database error: {0}")]
    Sql(#[from] sqlx::Error),
    #[error("stored row is corrupt: {table} {id}: {field}: {reason}")]
    Corrupt { table: &'static str, id: String, field: &'static str, reason: String },
    /// From the native SQLite reads of the engine's load.
    #[error("database error: {0}")]
    Native(#[from] rusqlite::Error),
    #[error("the database read stopped before it finished: {0}")]
    Unfinished(String),
}

/// Which database engine is behind the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// Largest number of bind parameters one statement may carry.
    fn max_parameters(self) -> usize {
        match self {
            Backend::Sqlite => 32_000,
            Backend::Postgres => 65_000,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    location: String,
}

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

impl Store {
    /// Opens the configured database: `url` when set, else `candor.db` in `data_dir` (created
    /// if missing). Runs migrations.
    pub async fn open(url: &str, data_dir: &Path, max_connections: u32) -> Result<Store, StoreError> {
        let url = if url.is_empty() {
            std::fs::create_dir_all(data_dir)
                .map_err(|source| StoreError::DataDir { path: data_dir.to_path_buf(), source })?;
            format!("sqlite://{}?mode=rwc", data_dir.join("candor.db").display())
        } else {
            url.to_owned()
        };
        let store = Self::connect(&url, max_connections).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Connects without migrating.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let location = crate::config::redact_url(url);
        let connect_error = |source| StoreError::Connect { location: location.clone(), source };
        let backend = if url.starts_with("sqlite:") { Backend::Sqlite } else { Backend::Postgres };
        let options = AnyConnectOptions::from_str(url)
            .map_err(connect_error)?
            .log_statements(tracing::log::LevelFilter::Trace)
            .log_slow_statements(tracing::log::LevelFilter::Debug, Duration::from_secs(2));
        let pool_options: PoolOptions<Any> = AnyPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(15))
            .after_connect(move |connection, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL lets readers run beside the single writer; the busy timeout makes
                        // a second writer wait instead of failing at once.
                        connection.execute("PRAGMA journal_mode = WAL").await?;
                        connection.execute("PRAGMA synchronous = NORMAL").await?;
                        connection.execute("PRAGMA busy_timeout = 10000").await?;
                        connection.execute("PRAGMA foreign_keys = OFF").await?;
                    }
                    Ok(())
                })
            });
        let pool = pool_options.connect_with(options).await.map_err(connect_error)?;
        Ok(Store { pool, backend, location })
    }

    pub async fn migrate(&self) -> Result<(), StoreError> {
        MIGRATOR.run(&self.pool).await?;
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Where the database is, with any password removed.
    pub fn location(&self) -> &str {
        &self.location
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// The same server URL pointing at another database.
pub fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let path_start = base[scheme_end..].find('/').map(|i| i + scheme_end).unwrap_or(base.len());
    let mut out = format!("{}/{database}", &base[..path_start]);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}
