//! The stages' glue: how a command becomes a [`Plan`](crate::plan::Plan) of jobs, and the handlers that run those
//! jobs. The stage libraries (`corpus`, …) stay pure; this is where they meet the scheduler's `JobContext`.

pub mod archive;
pub mod corpus;
pub mod train;

use crate::scheduler::{JobContext, JobError, Registry};

/// Every job handler of the product, by kind. Kinds are stored as TEXT under these names in the database, the
/// CLI and the logs.
pub fn registry() -> Registry {
    let mut registry = Registry::new();
    archive::register(&mut registry);
    corpus::register(&mut registry);
    train::register(&mut registry);
    registry
}

/// Reads a dependency's JSON output.
fn read_json<T: serde::de::DeserializeOwned>(path: &std::path::Path) -> Result<T, JobError> {
    let bytes = std::fs::read(path).map_err(|e| JobError::retryable(format!("cannot read {}: {e}", path.display())))?;
    serde_json::from_slice(&bytes)
        .map_err(|e| JobError::fatal(format!("{} is not what it should be: {e}", path.display())))
}

/// Writes `value` as pretty JSON to output `i` of `ctx`.
fn write_json<T: serde::Serialize>(ctx: &JobContext, i: usize, value: &T) -> Result<(), JobError> {
    let text = serde_json::to_vec_pretty(value).map_err(JobError::fatal)?;
    std::fs::write(ctx.output(i), text)
        .map_err(|e| JobError::retryable(format!("cannot write {}: {e}", ctx.output_target(i).display())))
}
