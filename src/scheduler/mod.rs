//! The job scheduler: runs a DAG of jobs recorded in the store, resumably.
//!
//! One run goes: reclaim leases of dead or expired workers, reopen every job for evaluation, then loop:
//! resolve (waiting jobs whose dependencies are done get a key, and are either found fresh or made ready), claim
//! ready jobs while cores are free, run each on a blocking thread, record its outputs. A heartbeat task renews the
//! leases of running jobs. The loop ends when nothing in scope is waiting, ready or running, or, after a cancel,
//! when the jobs in flight have stopped.
//!
//! It owns no SQL (that is the store's) and no stage logic (that is the handlers').

pub mod job;
pub mod key;
pub mod owner;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

pub use job::{DepFiles, Handler, JobContext, JobError, Registry};
pub use owner::Owner;

use crate::atomic;
use crate::ids::JobId;
use crate::progress::{Event, Outcome, Reporter};
use crate::store::{ClaimedJob, OutputRecord, PendingJob, Scope, Setback, Store, StoreError, now_ms};

/// How often a running scheduler looks for orphaned jobs of other workers.
const RECLAIM_EVERY: Duration = Duration::from_secs(1);

#[derive(Debug, thiserror::Error)]
pub enum SchedulerError {
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Debug, Clone)]
pub struct SchedulerConfig {
    /// Cores this process may fill; a job's cost is counted against it. Defaults to one per core.
    pub cores: usize,
    /// How long a claim holds without a heartbeat.
    pub lease: Duration,
    /// First retry delay; it doubles with each attempt, up to `backoff_max`.
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    /// How often an idle scheduler looks for work other processes made ready.
    pub poll: Duration,
}

impl Default for SchedulerConfig {
    fn default() -> Self {
        SchedulerConfig {
            cores: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
            lease: Duration::from_secs(30),
            backoff_base: Duration::from_secs(1),
            backoff_max: Duration::from_secs(60),
            poll: Duration::from_millis(250),
        }
    }
}

/// What a run did.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct RunSummary {
    /// Attempts that succeeded.
    pub ran: u64,
    /// Jobs found up to date without running.
    pub fresh: u64,
    pub retried: u64,
    /// Jobs that failed in this run (fatal, or out of attempts).
    pub failed: u64,
    /// Jobs skipped because a dependency failed.
    pub skipped: u64,
    /// Running jobs of dead or expired workers taken back at the start.
    pub reclaimed: u64,
    pub cancelled: bool,
}

pub struct Scheduler {
    store: Store,
    registry: Arc<Registry>,
    workspace: PathBuf,
    config: SchedulerConfig,
    owner: String,
}

/// A finished attempt, sent from its task to the dispatcher.
struct Finished {
    job: JobId,
    result: Result<Attempt, StoreError>,
}

enum Attempt {
    Done,
    Retry,
    Failed,
    Cancelled,
    /// Another worker took the job over; nothing was recorded.
    LeaseLost,
}

impl Scheduler {
    pub fn new(store: Store, registry: Registry, workspace: PathBuf, config: SchedulerConfig) -> Scheduler {
        Scheduler { store, registry: Arc::new(registry), workspace, config, owner: Owner::current().to_string() }
    }

    /// Runs every job in `scope` until none is left to do, or until `cancel` fires and the jobs in flight end.
    pub async fn run(
        &self,
        scope: Scope,
        reporter: Arc<dyn Reporter>,
        cancel: CancellationToken,
    ) -> Result<RunSummary, SchedulerError> {
        let mut summary = RunSummary { reclaimed: self.reclaim(&scope).await?, ..Default::default() };
        self.store.reopen(&scope).await?;
        self.resolve(&scope, &*reporter, &mut summary).await?;
        let total = self.store.status(&scope).await?.total();
        let all = total.pending + total.running + total.done + total.failed + total.skipped;
        reporter.event(Event::Plan { total: all as u64, done: total.done as u64 });

        let capacity = self.config.cores.max(1) as i64;
        let lease_ms = self.config.lease.as_millis() as i64;
        let mut used = 0;
        let mut running: HashMap<JobId, i64> = HashMap::new();
        let (tx, mut rx) = mpsc::unbounded_channel();
        let _heartbeat = AbortOnDrop(self.spawn_heartbeat());
        let mut last_reclaim = Instant::now();
        loop {
            // Another worker may die while this one runs: take its jobs back once they are known to be orphaned.
            if last_reclaim.elapsed() >= RECLAIM_EVERY {
                summary.reclaimed += self.reclaim(&scope).await?;
                last_reclaim = Instant::now();
            }
            if !cancel.is_cancelled() {
                while let Some(job) = self.store.claim(&scope, &self.owner, lease_ms, capacity, capacity - used).await?
                {
                    let cores = if job.cost <= 0 || job.cost > capacity { capacity } else { job.cost };
                    used += cores;
                    running.insert(job.id, cores);
                    self.spawn_job(job, tx.clone(), reporter.clone(), cancel.clone());
                }
            }
            if running.is_empty() {
                if cancel.is_cancelled() {
                    summary.cancelled = true;
                    break;
                }
                let backlog = self.store.backlog(&scope).await?;
                if backlog.waiting + backlog.ready + backlog.running == 0 {
                    break;
                }
                if backlog.ready == 0
                    && backlog.running == 0
                    && self.resolve(&scope, &*reporter, &mut summary).await? == 0
                {
                    tracing::warn!(waiting = backlog.waiting, "jobs are waiting on nothing that can run; stopping");
                    break;
                }
            }
            let wait = self.idle_wait(&scope).await?;
            tokio::select! {
                Some(finished) = rx.recv() => {
                    if let Some(cores) = running.remove(&finished.job) {
                        used -= cores;
                    }
                    match finished.result? {
                        Attempt::Done => summary.ran += 1,
                        Attempt::Retry => summary.retried += 1,
                        Attempt::Failed => summary.failed += 1,
                        Attempt::Cancelled | Attempt::LeaseLost => {}
                    }
                }
                _ = tokio::time::sleep(wait) => {}
                _ = cancel.cancelled(), if !cancel.is_cancelled() => {}
            }
            self.resolve(&scope, &*reporter, &mut summary).await?;
        }
        Ok(summary)
    }

    /// Takes back running jobs of workers that are dead or whose lease expired.
    async fn reclaim(&self, scope: &Scope) -> Result<u64, StoreError> {
        self.store.reclaim(scope, &self.owner, Owner::is_dead).await
    }

    /// How long to sleep when nothing finishes: until the next retry is due, at most one poll interval.
    async fn idle_wait(&self, scope: &Scope) -> Result<Duration, StoreError> {
        let backlog = self.store.backlog(scope).await?;
        let until_ready = backlog.next_ready_at.map(|t| Duration::from_millis((t - now_ms()).max(1) as u64));
        Ok(until_ready.map_or(self.config.poll, |d| d.min(self.config.poll)))
    }

    /// Moves waiting jobs whose dependencies have settled: skipped (a dependency failed), done (fresh), or ready.
    /// Returns how many jobs moved.
    async fn resolve(
        &self,
        scope: &Scope,
        reporter: &dyn Reporter,
        summary: &mut RunSummary,
    ) -> Result<u64, StoreError> {
        let mut moved = 0;
        loop {
            let skipped = self.store.skip_blocked(scope).await?;
            if skipped > 0 {
                summary.skipped += skipped;
                reporter.event(Event::Skipped { count: skipped });
            }
            let settled = self.store.settled(scope).await?;
            if settled.is_empty() && skipped == 0 {
                return Ok(moved);
            }
            moved += skipped;
            for job in settled {
                match self.input_hashes(&job).await? {
                    Err(message) => {
                        if self.store.fail_waiting(job.id, &message).await? {
                            summary.failed += 1;
                            reporter.event(Event::Finished {
                                job: &job.name,
                                outcome: Outcome::Failed { message: &message },
                                elapsed: Duration::ZERO,
                            });
                        }
                    }
                    Ok(hashes) => {
                        let key = key::job_key(&job, &hashes);
                        if self.is_fresh(&job, &key).await {
                            if self.store.mark_fresh(job.id, &key).await? {
                                summary.fresh += 1;
                                reporter.event(Event::Fresh { job: &job.name });
                            }
                        } else {
                            self.store.mark_ready(job.id, &key).await?;
                        }
                    }
                }
                moved += 1;
            }
        }
    }

    async fn is_fresh(&self, job: &PendingJob, key: &str) -> bool {
        if job.done_key.as_deref() != Some(key) {
            return false;
        }
        let (workspace, outputs, recorded) = (self.workspace.clone(), job.outputs.clone(), job.recorded.clone());
        tokio::task::spawn_blocking(move || key::outputs_intact(&workspace, &outputs, &recorded)).await.unwrap_or(false)
    }

    /// The content hash of each input of `job`. The inner error is a message for a missing or unreadable input,
    /// which fails the job.
    async fn input_hashes(&self, job: &PendingJob) -> Result<Result<Vec<String>, String>, StoreError> {
        let mut hashes = Vec::with_capacity(job.inputs.len());
        for input in &job.inputs {
            let path = self.workspace.join(input);
            match file_hash(&self.store, &path).await? {
                Ok(hash) => hashes.push(hash),
                Err(e) => return Ok(Err(format!("job {}: input {}: {e}", job.name, path.display()))),
            }
        }
        Ok(Ok(hashes))
    }

    fn spawn_heartbeat(&self) -> tokio::task::JoinHandle<()> {
        let (store, owner, lease) = (self.store.clone(), self.owner.clone(), self.config.lease);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval((lease / 3).max(Duration::from_millis(10)));
            tick.tick().await;
            loop {
                tick.tick().await;
                if let Err(e) = store.heartbeat(&owner, lease.as_millis() as i64).await {
                    tracing::warn!("lease heartbeat failed: {e}");
                }
            }
        })
    }

    fn spawn_job(
        &self,
        job: ClaimedJob,
        tx: mpsc::UnboundedSender<Finished>,
        reporter: Arc<dyn Reporter>,
        cancel: CancellationToken,
    ) {
        let runner = JobRunner {
            store: self.store.clone(),
            registry: self.registry.clone(),
            workspace: self.workspace.clone(),
            owner: self.owner.clone(),
            config: self.config.clone(),
        };
        tokio::spawn(async move {
            let id = job.id;
            let result = runner.execute(job, reporter, cancel).await;
            let _ = tx.send(Finished { job: id, result });
        });
    }
}

/// What one job's task needs, detached from the scheduler's lifetime.
struct JobRunner {
    store: Store,
    registry: Arc<Registry>,
    workspace: PathBuf,
    owner: String,
    config: SchedulerConfig,
}

impl JobRunner {
    async fn execute(
        &self,
        job: ClaimedJob,
        reporter: Arc<dyn Reporter>,
        cancel: CancellationToken,
    ) -> Result<Attempt, StoreError> {
        let started = Instant::now();
        reporter.event(Event::Started { job: &job.name, kind: &job.kind, attempt: job.attempt });
        tracing::debug!(job = %job.name, kind = %job.kind, attempt = job.attempt, "started");
        let deps = self.store.dep_outputs(job.id).await?;
        let tag = format!("j{}-", job.id);
        let ctx = JobContext {
            name: job.name.clone(),
            kind: job.kind.clone(),
            attempt: job.attempt,
            key: job.key.clone(),
            params: job.params.clone(),
            workspace: self.workspace.clone(),
            inputs: job.inputs.iter().map(|p| self.workspace.join(p)).collect(),
            deps: deps
                .into_iter()
                .map(|d| DepFiles { name: d.name, outputs: d.outputs.iter().map(|p| self.workspace.join(p)).collect() })
                .collect(),
            outputs: job
                .outputs
                .iter()
                .map(|rel| {
                    let target = self.workspace.join(rel);
                    let temp = atomic::temp_path(&target, &format!("{tag}{}", job.run_id));
                    (target, temp)
                })
                .collect(),
            cancel,
            reporter: reporter.clone(),
        };
        let result = match self.registry.get(&job.kind) {
            None => Err(JobError::Fatal(format!(
                "no handler for job kind {:?} in this build of reel (job {})",
                job.kind, job.name
            ))),
            Some(handler) => {
                let relative = job.outputs.clone();
                let workspace = self.workspace.clone();
                let (ctx, result) = tokio::task::spawn_blocking(move || {
                    let result = run_handler(&*handler, &ctx, &tag, &workspace, &relative);
                    (ctx, result)
                })
                .await
                .map_err(panic_message)
                .unwrap_or_else(|msg| (empty_context(), Err(JobError::Fatal(msg))));
                if result.is_err() {
                    for (_, temp) in &ctx.outputs {
                        let _ = std::fs::remove_file(temp);
                    }
                }
                result
            }
        };
        let elapsed = started.elapsed();
        let (attempt, outcome_msg) = match result {
            Ok(records) => {
                let result_hash = key::result_hash(&job.key, &records);
                if self.store.complete(&job, &self.owner, &records, &result_hash).await? {
                    reporter.event(Event::Finished { job: &job.name, outcome: Outcome::Done, elapsed });
                    (Attempt::Done, None)
                } else {
                    (Attempt::LeaseLost, Some("its lease was taken over by another worker".to_string()))
                }
            }
            Err(error) => {
                let setback = self.setback(&job, error);
                if !self.store.setback(&job, &self.owner, &setback).await? {
                    (Attempt::LeaseLost, Some("its lease was taken over by another worker".to_string()))
                } else {
                    let (attempt, outcome) = match &setback {
                        Setback::Retry { message, not_before } => (
                            Attempt::Retry,
                            Outcome::Retry {
                                message,
                                after: Duration::from_millis((*not_before - now_ms()).max(0) as u64),
                            },
                        ),
                        Setback::Fail { message } => (Attempt::Failed, Outcome::Failed { message }),
                        Setback::Cancelled => (Attempt::Cancelled, Outcome::Cancelled),
                    };
                    reporter.event(Event::Finished { job: &job.name, outcome, elapsed });
                    (attempt, None)
                }
            }
        };
        if let Some(msg) = outcome_msg {
            tracing::warn!(job = %job.name, "result dropped: {msg}");
        }
        Ok(attempt)
    }

    /// Classifies a failed attempt: retry with backoff while attempts remain, else fail.
    fn setback(&self, job: &ClaimedJob, error: JobError) -> Setback {
        match error {
            JobError::Retryable(message) if job.attempt < job.max_attempts => {
                let delay = backoff(self.config.backoff_base, self.config.backoff_max, job.attempt);
                Setback::Retry { message, not_before: now_ms() + delay.as_millis() as i64 }
            }
            JobError::Retryable(message) => {
                Setback::Fail { message: format!("{message} (gave up after {} attempts)", job.attempt) }
            }
            JobError::Fatal(message) => Setback::Fail { message },
            JobError::Cancelled => Setback::Cancelled,
        }
    }
}

/// Prepares the output folders, runs the handler, then moves its temps into place and hashes them.
fn run_handler(
    handler: &dyn Handler,
    ctx: &JobContext,
    tag: &str,
    workspace: &Path,
    relative: &[PathBuf],
) -> Result<Vec<OutputRecord>, JobError> {
    for (target, _) in &ctx.outputs {
        if let Some(dir) = target.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| JobError::Retryable(format!("cannot create {}: {e}", dir.display())))?;
        }
        atomic::remove_stale_temps(target, tag)
            .map_err(|e| JobError::Retryable(format!("cannot clear old temps of {}: {e}", target.display())))?;
    }
    handler.run(ctx)?;
    let mut records = Vec::with_capacity(relative.len());
    for ((target, temp), rel) in ctx.outputs.iter().zip(relative) {
        if !temp.exists() {
            return Err(JobError::Fatal(format!("job {} finished without writing {}", ctx.name, rel.display())));
        }
        atomic::commit(temp, target)
            .map_err(|e| JobError::Retryable(format!("cannot move {} into place: {e}", target.display())))?;
        records.push(
            key::record_output(workspace, rel)
                .map_err(|e| JobError::Retryable(format!("cannot hash {}: {e}", target.display())))?,
        );
    }
    Ok(records)
}

/// The content hash of a file, from the store's hash cache while its size and mtime are unchanged; hashed on a
/// blocking thread otherwise. The inner error is the file's own (missing, unreadable).
pub async fn file_hash(store: &Store, path: &Path) -> Result<std::io::Result<String>, StoreError> {
    let stamp = match key::stamp(path) {
        Ok(s) => s,
        Err(e) => return Ok(Err(e)),
    };
    let name = path.to_string_lossy().into_owned();
    if let Some(hash) = store.cached_hash(&name, stamp.size, stamp.mtime_ns).await? {
        return Ok(Ok(hash));
    }
    let to_hash = path.to_path_buf();
    let hashed = tokio::task::spawn_blocking(move || crate::hash::file(&to_hash))
        .await
        .unwrap_or_else(|e| Err(std::io::Error::other(e.to_string())));
    if let Ok(hash) = &hashed {
        store.remember_hash(&name, stamp.size, stamp.mtime_ns, hash).await?;
    }
    Ok(hashed)
}

fn backoff(base: Duration, max: Duration, attempt: u32) -> Duration {
    let exp = base.saturating_mul(1u32 << attempt.saturating_sub(1).min(20)).min(max);
    exp.mul_f64(0.8 + 0.4 * fastrand::f64())
}

fn panic_message(e: tokio::task::JoinError) -> String {
    match e.try_into_panic() {
        Ok(payload) => {
            let text = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_string());
            format!("the job panicked: {text}")
        }
        Err(e) => format!("the job's thread failed: {e}"),
    }
}

/// A context with no outputs, standing in for one lost to a panic (its temps are cleared at the next claim).
fn empty_context() -> JobContext {
    JobContext {
        name: String::new(),
        kind: String::new(),
        attempt: 0,
        key: String::new(),
        params: serde_json::Value::Null,
        workspace: PathBuf::new(),
        inputs: Vec::new(),
        deps: Vec::new(),
        outputs: Vec::new(),
        cancel: CancellationToken::new(),
        reporter: Arc::new(crate::progress::Silent),
    }
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_within_jitter_and_caps() {
        let base = Duration::from_millis(100);
        let max = Duration::from_secs(1);
        for (attempt, nominal) in [(1, 100), (2, 200), (3, 400), (4, 800), (5, 1000), (30, 1000)] {
            let d = backoff(base, max, attempt).as_millis() as u64;
            assert!(d >= nominal * 8 / 10 && d <= nominal * 12 / 10, "attempt {attempt}: {d} ms");
        }
    }
}
