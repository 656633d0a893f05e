//! `candor bench`: performance figures, measured by the harness in [`crate::testkit::bench`]
//! and printed, never asserted.

pub(super) use crate::testkit::bench::BenchArgs;

use super::Context;
use std::process::ExitCode;

pub(super) async fn run(context: &Context, args: BenchArgs) -> anyhow::Result<ExitCode> {
    crate::testkit::bench::run(context, args).await
}
