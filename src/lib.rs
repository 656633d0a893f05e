//! Candor: a self-hosted sales-coaching engine for regulated financial services.
//!
//! The modules follow the data, and each uses only those above it (`layers.toml` says which
//! arrows are allowed; CI checks them):
//!
//! - [`domain`]: pure types shared by every layer (ids, money, organisation, deals, weeks, draft
//!   kinds and states);
//! - [`engine`]: the deterministic engine (risk, pay, performance), pure, `as_of` an argument;
//! - [`config`]: configuration as plain data, validated at load;
//! - [`store`]: all SQL, on SQLite or Postgres;
//! - [`sources`]: files and live connectors → canonical records in the store;
//! - [`coaching`]: drafting (the tool-calling loop, its tools, validator, the deterministic
//!   drafter) and vector memory;
//! - [`workflow`]: review, audit and delivery of drafts;
//! - [`jobs`]: durable jobs, the scheduler and the one weekly run;
//! - [`app`]: the use cases the CLI and HTTP share, and the composition root;
//! - [`http`] and [`cli`]: parsing, rendering and printing;
//! - [`testkit`] (feature `testkit`): the simulator, vendor stand-ins, benchmarks and evals.

#![warn(unreachable_pub)]

pub mod app;
pub mod cli;
pub mod coaching;
pub mod config;
pub mod domain;
pub mod engine;
pub mod http;
pub mod jobs;
pub mod sources;
pub mod store;
#[cfg(feature = "testkit")]
pub mod testkit;
pub mod workflow;
