//! The use cases the command line and the HTTP listener share, and the composition root that
//! builds the service from configuration ([`Service::open`]): the store, the vector memory, the
//! drafting agent, delivery and the weekly run's pipeline with its sources.
//!
//! Use cases: weekly [`runs`]; the engine's view at a date ([`insight`]); [`pay`] statements,
//! what-if estimates and their verification; improvement [`plans`], check-ins and review drafts.

mod error;
pub(crate) mod insight;
pub(crate) mod pay;
pub(crate) mod plans;
pub mod runs;
mod service;

pub use error::AppError;
pub use service::{Service, ServiceError, Workers};

use crate::config::Config;
use crate::store::{Store, StoreError};
use std::path::PathBuf;

/// Everything a use case needs to start from: the validated configuration and where the data
/// lives.
#[derive(Debug, Clone)]
pub struct Context {
    pub config: Config,
    pub data_dir: PathBuf,
}

impl Context {
    pub fn new(config: Config, data_dir: PathBuf) -> Context {
        Context { config, data_dir }
    }

    /// Opens (and migrates) the configured database.
    pub async fn open_store(&self) -> Result<Store, StoreError> {
        Store::open(self.config.database.url.expose(), &self.data_dir, self.config.database.max_connections).await
    }
}
