//! Candor: a self-hosted sales-coaching engine for regulated financial services.
//!
//! Data flows from sources through `ingest` into the `store`; the pure engine reads a
//! [`domain::Dataset`] at an explicit `as_of`; the CLI drives it all.

pub mod agent;
pub mod cli;
pub mod comp;
pub mod config;
pub mod connectors;
pub mod deliver;
pub mod domain;
pub mod features;
pub mod http;
pub mod ingest;
pub mod jobs;
pub mod memory;
pub mod review;
pub mod sim;
pub mod spm;
pub mod store;
pub mod testkit;
