//! What a stage implements to run as a job: the [`Handler`] trait, the [`JobContext`] it is given, and the
//! [`JobError`] it returns.
//!
//! A handler is plain blocking code (it runs on a blocking thread). It reads its inputs and its dependencies'
//! outputs, and writes each output to the temp path [`JobContext::output`] gives it. The scheduler renames the
//! temps into place and records their hashes only after the handler returns `Ok`. Handlers never see the database.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::de::DeserializeOwned;
use tokio_util::sync::CancellationToken;

use crate::progress::{Event, Reporter};

/// How a job failed, decided where the failure happened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JobError {
    /// Worth another try (a busy resource, a flaky decode): retried with backoff up to the job's attempts.
    #[error("{0}")]
    Retryable(String),
    /// Will fail again the same way (bad input, a bug): the job fails and its dependents are skipped.
    #[error("{0}")]
    Fatal(String),
    /// The run was cancelled (Ctrl-C) and the handler stopped early; the job goes back to ready.
    #[error("cancelled")]
    Cancelled,
}

impl JobError {
    pub fn retryable(e: impl fmt::Display) -> JobError {
        JobError::Retryable(e.to_string())
    }

    pub fn fatal(e: impl fmt::Display) -> JobError {
        JobError::Fatal(e.to_string())
    }
}

/// Runs one kind of job.
pub trait Handler: Send + Sync + 'static {
    fn run(&self, ctx: &JobContext) -> Result<(), JobError>;
}

impl<F> Handler for F
where
    F: Fn(&JobContext) -> Result<(), JobError> + Send + Sync + 'static,
{
    fn run(&self, ctx: &JobContext) -> Result<(), JobError> {
        self(ctx)
    }
}

/// The handlers a build of reel knows, by job kind.
#[derive(Clone, Default)]
pub struct Registry {
    handlers: HashMap<String, Arc<dyn Handler>>,
}

impl Registry {
    pub fn new() -> Registry {
        Registry::default()
    }

    pub fn register(&mut self, kind: impl Into<String>, handler: impl Handler) -> &mut Registry {
        self.handlers.insert(kind.into(), Arc::new(handler));
        self
    }

    pub fn get(&self, kind: &str) -> Option<Arc<dyn Handler>> {
        self.handlers.get(kind).cloned()
    }

    pub fn kinds(&self) -> impl Iterator<Item = &str> {
        self.handlers.keys().map(String::as_str)
    }
}

/// The outputs of one dependency, as absolute paths.
#[derive(Debug, Clone)]
pub struct DepFiles {
    pub name: String,
    pub outputs: Vec<PathBuf>,
}

/// Everything a handler may use.
pub struct JobContext {
    pub name: String,
    pub kind: String,
    /// 1 for the first attempt.
    pub attempt: u32,
    /// The job's key: a handler that keeps state between attempts (training checkpoints) can tell whether that state
    /// belongs to this very job.
    pub key: String,
    pub params: serde_json::Value,
    pub workspace: PathBuf,
    /// External input files, absolute.
    pub inputs: Vec<PathBuf>,
    /// Each dependency's outputs, in the spec's order.
    pub deps: Vec<DepFiles>,
    pub(crate) outputs: Vec<(PathBuf, PathBuf)>,
    pub(crate) cancel: CancellationToken,
    pub(crate) reporter: Arc<dyn Reporter>,
}

impl JobContext {
    /// The temp path to write output `i` to. Panics if the job declared fewer outputs: that is a bug in the stage.
    pub fn output(&self, i: usize) -> &Path {
        &self.outputs[i].1
    }

    /// Where output `i` will live once the job succeeds.
    pub fn output_target(&self, i: usize) -> &Path {
        &self.outputs[i].0
    }

    pub fn output_count(&self) -> usize {
        self.outputs.len()
    }

    /// The parameters, deserialised; a mismatch is fatal (the plan and the handler disagree).
    pub fn params<T: DeserializeOwned>(&self) -> Result<T, JobError> {
        serde_json::from_value(self.params.clone())
            .map_err(|e| JobError::Fatal(format!("job {}: bad parameters: {e}", self.name)))
    }

    /// The outputs of the dependency called `name`.
    pub fn dep(&self, name: &str) -> Option<&[PathBuf]> {
        self.deps.iter().find(|d| d.name == name).map(|d| d.outputs.as_slice())
    }

    /// True once the run is being cancelled; long handlers should check it and return [`JobError::Cancelled`].
    pub fn is_cancelled(&self) -> bool {
        self.cancel.is_cancelled()
    }

    /// Reports progress within the job, from 0 to 1.
    pub fn progress(&self, fraction: f32) {
        self.reporter.event(Event::Progress { job: &self.name, fraction, detail: "" });
    }

    /// Reports progress with a few words on where the job is (`step 120, loss 1.93, 4100 tok/s`).
    pub fn progress_with(&self, fraction: f32, detail: &str) {
        self.reporter.event(Event::Progress { job: &self.name, fraction, detail });
    }
}
