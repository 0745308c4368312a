//! The job table's state machine.
//!
//! ```text
//!            submit / reopen                 all deps done, key fresh
//!   (new) ─────────────────▶ waiting ──────────────────────────────────▶ done
//!                               │  all deps done, key stale                ▲
//!                               ▼                                          │ outputs recorded
//!     a dep failed ◀──────── ready ──claim──▶ running ─────────────────────┘
//!          │                   ▲                 │ retryable error, attempts left (backoff)
//!          ▼                   └─────────────────┤
//!       skipped                                  │ fatal error, or attempts used up
//!                                                ▼
//!                                              failed
//! ```
//! Every transition is one conditional statement (`WHERE state = …`) or one `BEGIN IMMEDIATE` transaction, so two
//! processes working on the same database never both win a transition. A running job's lease is reclaimed when
//! it expires or when its owner process is known to be dead.

use std::collections::HashMap;
use std::path::PathBuf;

use sqlx::Row;

use super::{Store, StoreError, now_ms};
use crate::ids::{JobId, ProductionId};
use crate::plan::Plan;

/// Which jobs a call looks at: whose (every job, one production's, or the library's, i.e. jobs of no production),
/// optionally narrowed to the names under a namespace prefix such as `corpus/shakespeare/`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    owner: ScopeOwner,
    prefix: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum ScopeOwner {
    #[default]
    Any,
    Production(ProductionId),
    Library,
}

impl Scope {
    pub fn all() -> Scope {
        Scope::default()
    }

    pub fn production(id: ProductionId) -> Scope {
        Scope { owner: ScopeOwner::Production(id), prefix: None }
    }

    /// The jobs of production `id` whose names start with `namespace`.
    pub fn production_namespace(id: ProductionId, namespace: &str) -> Scope {
        Scope { owner: ScopeOwner::Production(id), prefix: Some(namespace.to_string()) }
    }

    /// Library jobs (no production) whose names start with `namespace`.
    pub fn library(namespace: &str) -> Scope {
        Scope { owner: ScopeOwner::Library, prefix: Some(namespace.to_string()) }
    }

    /// The production this scope is limited to, if any.
    pub fn production_id(&self) -> Option<ProductionId> {
        match self.owner {
            ScopeOwner::Production(id) => Some(id),
            _ => None,
        }
    }

    /// The three binds `in_scope!` expects as ?1, ?2 and ?3.
    pub(super) fn mode(&self) -> i64 {
        match self.owner {
            ScopeOwner::Any => 0,
            ScopeOwner::Production(_) => 1,
            ScopeOwner::Library => 2,
        }
    }

    pub(super) fn prefix(&self) -> Option<&str> {
        self.prefix.as_deref()
    }
}

/// The SQL condition that a job is in scope. Its binds are ?1 (mode), ?2 (production id) and ?3 (name prefix), so
/// every scoped statement numbers its own parameters from ?4. The argument qualifies the columns (`"j."`).
macro_rules! in_scope {
    ($t:literal) => {
        concat!(
            "(?1 = 0 OR (?1 = 1 AND ",
            $t,
            "production_id = ?2) OR (?1 = 2 AND ",
            $t,
            "production_id IS NULL)) ",
            "AND (?3 IS NULL OR substr(",
            $t,
            "name, 1, length(?3)) = ?3)"
        )
    };
}
pub(crate) use in_scope;

/// Binds a scope's three parameters onto a query.
macro_rules! bind_scope {
    ($q:expr, $scope:expr) => {
        $q.bind($scope.mode()).bind($scope.production_id()).bind($scope.prefix())
    };
}
pub(crate) use bind_scope;

/// One recorded output file of a finished job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputRecord {
    /// Relative to the workspace.
    pub path: PathBuf,
    pub hash: String,
    pub size: i64,
    pub mtime_ns: i64,
}

/// A waiting job whose dependencies are all done: what the scheduler needs to compute its key.
#[derive(Debug, Clone)]
pub struct PendingJob {
    pub id: JobId,
    pub name: String,
    pub kind: String,
    /// Canonical JSON text.
    pub params: String,
    pub inputs: Vec<PathBuf>,
    pub outputs: Vec<PathBuf>,
    pub done_key: Option<String>,
    /// The result hash of each dependency, in the spec's order.
    pub dep_results: Vec<String>,
    /// The outputs recorded by the job's last success.
    pub recorded: Vec<OutputRecord>,
}

/// A job this process has claimed and must run.
#[derive(Debug, Clone)]
pub struct ClaimedJob {
    pub id: JobId,
    pub run_id: i64,
    pub production_id: Option<ProductionId>,
    pub name: String,
    pub kind: String,
    pub stage: String,
    pub params: serde_json::Value,
    pub inputs: Vec<PathBuf>,
    pub outputs: Vec<PathBuf>,
    pub key: String,
    /// 1 for the first attempt at this key.
    pub attempt: u32,
    pub max_attempts: u32,
    /// Cores held (0 = all).
    pub cost: i64,
}

/// The output files of one dependency of a job.
#[derive(Debug, Clone)]
pub struct DepOutputs {
    pub name: String,
    pub outputs: Vec<PathBuf>,
}

/// How a claimed attempt ended without success.
#[derive(Debug, Clone)]
pub enum Setback {
    /// Back to ready, claimable again from `not_before`.
    Retry { message: String, not_before: i64 },
    /// No more attempts: the job failed and its dependents will be skipped.
    Fail { message: String },
    /// Stopped by Ctrl-C: back to ready, and the attempt does not count.
    Cancelled,
}

/// What is left to do in a scope.
#[derive(Debug, Clone, Copy, Default)]
pub struct Backlog {
    pub waiting: i64,
    pub ready: i64,
    pub running: i64,
    /// The earliest time a ready job may be claimed.
    pub next_ready_at: Option<i64>,
}

/// What `submit` changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SubmitSummary {
    pub added: usize,
    pub updated: usize,
    pub removed: usize,
}

impl Store {
    /// Records `plan` as the whole job set under `namespace` (a name prefix, `""` for all) of `production` (or of
    /// the library, for `None`): new jobs are added, changed specs updated, and jobs of the namespace no longer in
    /// the plan removed. Jobs outside the namespace are not touched. States are not touched either; call
    /// [`Store::reopen`] to have the scheduler re-evaluate them.
    pub async fn submit(
        &self,
        production: Option<ProductionId>,
        namespace: &str,
        plan: &Plan,
    ) -> Result<SubmitSummary, StoreError> {
        if let Some(job) = plan.jobs().iter().find(|j| !j.name.starts_with(namespace)) {
            return Err(StoreError::OutsideNamespace { job: job.name.clone(), namespace: namespace.to_string() });
        }
        let now = now_ms();
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(|e| self.err(e))?;
        let existing: HashMap<String, i64> = sqlx::query_as::<_, (String, i64)>(
            "SELECT name, id FROM jobs WHERE production_id IS ?1 AND substr(name, 1, length(?2)) = ?2",
        )
        .bind(production)
        .bind(namespace)
        .fetch_all(&mut *tx)
        .await
        .map_err(|e| self.err(e))?
        .into_iter()
        .collect();
        let mut summary = SubmitSummary::default();
        let mut ids = HashMap::new();
        for spec in plan.jobs() {
            let params = serde_json::to_string(&spec.params).map_err(self.json_err("job params"))?;
            let inputs = serde_json::to_string(&spec.inputs).map_err(self.json_err("job inputs"))?;
            let outputs = serde_json::to_string(&spec.outputs).map_err(self.json_err("job outputs"))?;
            let id = match existing.get(&spec.name) {
                Some(&id) => {
                    let changed = sqlx::query(
                        "UPDATE jobs SET kind = ?2, stage = ?3, params = ?4, inputs = ?5, outputs = ?6, cost = ?7,
                                priority = ?8, max_attempts = ?9, updated_at = ?10
                         WHERE id = ?1 AND NOT (kind = ?2 AND stage = ?3 AND params = ?4 AND inputs = ?5
                               AND outputs = ?6 AND cost = ?7 AND priority = ?8 AND max_attempts = ?9)",
                    )
                    .bind(id)
                    .bind(&spec.kind)
                    .bind(&spec.stage)
                    .bind(&params)
                    .bind(&inputs)
                    .bind(&outputs)
                    .bind(spec.cost.to_db())
                    .bind(spec.priority)
                    .bind(i64::from(spec.max_attempts))
                    .bind(now)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| self.err(e))?
                    .rows_affected();
                    summary.updated += changed as usize;
                    id
                }
                None => {
                    summary.added += 1;
                    sqlx::query_scalar(
                        "INSERT INTO jobs (production_id, name, kind, stage, params, inputs, outputs, cost, priority,
                                           max_attempts, created_at, updated_at)
                         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                    )
                    .bind(production)
                    .bind(&spec.name)
                    .bind(&spec.kind)
                    .bind(&spec.stage)
                    .bind(&params)
                    .bind(&inputs)
                    .bind(&outputs)
                    .bind(spec.cost.to_db())
                    .bind(spec.priority)
                    .bind(i64::from(spec.max_attempts))
                    .bind(now)
                    .bind(now)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(|e| self.err(e))?
                }
            };
            ids.insert(spec.name.as_str(), id);
        }
        for (name, id) in &existing {
            if !ids.contains_key(name.as_str()) {
                sqlx::query("DELETE FROM jobs WHERE id = ?")
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| self.err(e))?;
                summary.removed += 1;
            }
        }
        for spec in plan.jobs() {
            let id = ids[spec.name.as_str()];
            sqlx::query("DELETE FROM job_deps WHERE job_id = ?")
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(|e| self.err(e))?;
            for (ord, dep) in spec.deps.iter().enumerate() {
                sqlx::query("INSERT INTO job_deps (job_id, dep_id, ord) VALUES (?, ?, ?)")
                    .bind(id)
                    .bind(ids[dep.as_str()])
                    .bind(ord as i64)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| self.err(e))?;
            }
        }
        tx.commit().await.map_err(|e| self.err(e))?;
        Ok(summary)
    }

    /// Puts every job in scope that is not running back to `waiting`, so that the scheduler re-checks its key:
    /// done work whose inputs and outputs are unchanged is found fresh and not redone. Failed and skipped jobs get
    /// their attempts back.
    pub async fn reopen(&self, scope: &Scope) -> Result<u64, StoreError> {
        bind_scope!(
            sqlx::query(concat!(
                "UPDATE jobs SET state = 'waiting', not_before = 0,
                        attempts = CASE WHEN state IN ('failed', 'skipped') THEN 0 ELSE attempts END,
                        error = CASE WHEN state IN ('failed', 'skipped') THEN NULL ELSE error END,
                        updated_at = ?4
                 WHERE state != 'running' AND state != 'waiting' AND ",
                in_scope!("")
            )),
            scope
        )
        .bind(now_ms())
        .execute(&self.pool)
        .await
        .map(|r| r.rows_affected())
        .map_err(|e| self.err(e))
    }

    /// Returns running jobs whose lease has expired or whose owner `is_dead` says is gone to `waiting`, and marks
    /// their open runs as lost. Jobs held by `me` are never taken: this process knows they are running. Returns how
    /// many were reclaimed.
    pub async fn reclaim(&self, scope: &Scope, me: &str, is_dead: impl Fn(&str) -> bool) -> Result<u64, StoreError> {
        let now = now_ms();
        let running: Vec<(i64, Option<String>, Option<i64>)> = bind_scope!(
            sqlx::query_as(concat!(
                "SELECT id, lease_owner, lease_expires_at FROM jobs WHERE state = 'running' AND ",
                in_scope!("")
            )),
            scope
        )
        .fetch_all(&self.pool)
        .await
        .map_err(|e| self.err(e))?;
        let mut reclaimed = 0;
        for (id, owner, expires) in running {
            let owner = owner.unwrap_or_default();
            if owner == me {
                continue;
            }
            let expired = expires.is_none_or(|t| t < now);
            if !expired && !is_dead(&owner) {
                continue;
            }
            let why = if expired { "its lease expired" } else { "its worker process is gone" };
            let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(|e| self.err(e))?;
            let done = sqlx::query(
                "UPDATE jobs SET state = 'waiting', lease_owner = NULL, lease_expires_at = NULL,
                        attempts = MAX(attempts - 1, 0), updated_at = ?3
                 WHERE id = ?1 AND state = 'running' AND lease_owner IS ?2",
            )
            .bind(id)
            .bind(&owner)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(|e| self.err(e))?
            .rows_affected();
            if done == 1 {
                sqlx::query(
                    "UPDATE job_runs SET outcome = 'lost', finished_at = ?2, message = ?3
                     WHERE job_id = ?1 AND outcome = 'running'",
                )
                .bind(id)
                .bind(now)
                .bind(format!("reclaimed from {owner}: {why}"))
                .execute(&mut *tx)
                .await
                .map_err(|e| self.err(e))?;
                reclaimed += 1;
            }
            tx.commit().await.map_err(|e| self.err(e))?;
        }
        Ok(reclaimed)
    }

    /// Marks waiting jobs that depend on a failed or skipped job as skipped, transitively. Returns how many.
    pub async fn skip_blocked(&self, scope: &Scope) -> Result<u64, StoreError> {
        let mut total = 0;
        loop {
            let n = bind_scope!(
                sqlx::query(concat!(
                    "UPDATE jobs SET state = 'skipped', updated_at = ?4,
                            error = (SELECT 'skipped: dependency ' || p.name ||
                                            CASE p.state WHEN 'failed' THEN ' failed' ELSE ' was skipped' END
                                     FROM job_deps d JOIN jobs p ON p.id = d.dep_id
                                     WHERE d.job_id = jobs.id AND p.state IN ('failed', 'skipped')
                                     ORDER BY d.ord LIMIT 1)
                     WHERE state = 'waiting'
                       AND EXISTS (SELECT 1 FROM job_deps d JOIN jobs p ON p.id = d.dep_id
                                   WHERE d.job_id = jobs.id AND p.state IN ('failed', 'skipped'))
                       AND ",
                    in_scope!("jobs.")
                )),
                scope
            )
            .bind(now_ms())
            .execute(&self.pool)
            .await
            .map_err(|e| self.err(e))?
            .rows_affected();
            if n == 0 {
                return Ok(total);
            }
            total += n;
        }
    }

    /// Waiting jobs whose dependencies are all done, with what their keys are computed from.
    pub async fn settled(&self, scope: &Scope) -> Result<Vec<PendingJob>, StoreError> {
        let rows = bind_scope!(
            sqlx::query(concat!(
                "SELECT id, name, kind, params, inputs, outputs, done_key FROM jobs j
                 WHERE state = 'waiting'
                   AND NOT EXISTS (SELECT 1 FROM job_deps d JOIN jobs p ON p.id = d.dep_id
                                   WHERE d.job_id = j.id AND p.state != 'done')
                   AND ",
                in_scope!("j."),
                " ORDER BY id"
            )),
            scope
        )
        .fetch_all(&self.pool)
        .await
        .map_err(|e| self.err(e))?;
        let mut jobs = Vec::with_capacity(rows.len());
        for row in rows {
            let id: i64 = row.get("id");
            let dep_results: Vec<String> = sqlx::query_scalar(
                "SELECT COALESCE(p.result_hash, '') FROM job_deps d JOIN jobs p ON p.id = d.dep_id
                 WHERE d.job_id = ? ORDER BY d.ord",
            )
            .bind(id)
            .fetch_all(&self.pool)
            .await
            .map_err(|e| self.err(e))?;
            jobs.push(PendingJob {
                id: JobId(id),
                name: row.get("name"),
                kind: row.get("kind"),
                params: row.get("params"),
                inputs: self.paths(row.get("inputs"), "job inputs")?,
                outputs: self.paths(row.get("outputs"), "job outputs")?,
                done_key: row.get("done_key"),
                dep_results,
                recorded: self.recorded_outputs(JobId(id)).await?,
            });
        }
        Ok(jobs)
    }

    /// The outputs recorded by a job's last success, in order.
    pub async fn recorded_outputs(&self, job: JobId) -> Result<Vec<OutputRecord>, StoreError> {
        let rows: Vec<(String, String, i64, i64)> =
            sqlx::query_as("SELECT path, hash, size, mtime_ns FROM job_outputs WHERE job_id = ? ORDER BY ord")
                .bind(job)
                .fetch_all(&self.pool)
                .await
                .map_err(|e| self.err(e))?;
        Ok(rows
            .into_iter()
            .map(|(path, hash, size, mtime_ns)| OutputRecord { path: path.into(), hash, size, mtime_ns })
            .collect())
    }

    /// A waiting job whose key matches its recorded outputs: done without running. False if it was not waiting.
    pub async fn mark_fresh(&self, job: JobId, key: &str) -> Result<bool, StoreError> {
        sqlx::query("UPDATE jobs SET state = 'done', key = ?2, error = NULL, updated_at = ?3 WHERE id = ?1 AND state = 'waiting'")
            .bind(job)
            .bind(key)
            .bind(now_ms())
            .execute(&self.pool)
            .await
            .map(|r| r.rows_affected() == 1)
            .map_err(|e| self.err(e))
    }

    /// A waiting job that must run for `key`. Its attempts carry over only when the key is unchanged.
    pub async fn mark_ready(&self, job: JobId, key: &str) -> Result<bool, StoreError> {
        sqlx::query(
            "UPDATE jobs SET state = 'ready', attempts = CASE WHEN key IS ?2 THEN attempts ELSE 0 END, key = ?2,
                    updated_at = ?3
             WHERE id = ?1 AND state = 'waiting'",
        )
        .bind(job)
        .bind(key)
        .bind(now_ms())
        .execute(&self.pool)
        .await
        .map(|r| r.rows_affected() == 1)
        .map_err(|e| self.err(e))
    }

    /// Claims the next ready job in scope for `owner`, in one `UPDATE … RETURNING`, and opens its run record.
    ///
    /// Jobs are taken strictly by priority, then age. When the head job needs more cores than `free`, nothing is
    /// claimed, so a heavy job is not starved by light ones: they wait while it gathers its cores. A cost of 0 or
    /// above `capacity` means all of `capacity`.
    pub async fn claim(
        &self,
        scope: &Scope,
        owner: &str,
        lease_ms: i64,
        capacity: i64,
        free: i64,
    ) -> Result<Option<ClaimedJob>, StoreError> {
        let now = now_ms();
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(|e| self.err(e))?;
        let row = bind_scope!(
            sqlx::query(concat!(
                "UPDATE jobs SET state = 'running', lease_owner = ?4, lease_expires_at = ?5, attempts = attempts + 1,
                        updated_at = ?6
                 WHERE id = (SELECT id FROM jobs WHERE state = 'ready' AND not_before <= ?6 AND ",
                in_scope!(""),
                " ORDER BY priority DESC, id LIMIT 1)
                   AND (CASE WHEN cost = 0 OR cost > ?7 THEN ?7 ELSE cost END) <= ?8
                 RETURNING id, production_id, name, kind, stage, params, inputs, outputs, key, attempts,
                           max_attempts, cost"
            )),
            scope
        )
        .bind(owner)
        .bind(now + lease_ms)
        .bind(now)
        .bind(capacity)
        .bind(free)
        .fetch_optional(&mut *tx)
        .await
        .map_err(|e| self.err(e))?;
        let Some(row) = row else {
            tx.rollback().await.map_err(|e| self.err(e))?;
            return Ok(None);
        };
        let id: i64 = row.get("id");
        let key: String = row.get::<Option<String>, _>("key").unwrap_or_default();
        let attempt: i64 = row.get("attempts");
        let run_id: i64 = sqlx::query_scalar(
            "INSERT INTO job_runs (job_id, key, attempt, owner, started_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(id)
        .bind(&key)
        .bind(attempt)
        .bind(owner)
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| self.err(e))?;
        tx.commit().await.map_err(|e| self.err(e))?;
        let params: String = row.get("params");
        Ok(Some(ClaimedJob {
            id: JobId(id),
            run_id,
            production_id: row.get("production_id"),
            name: row.get("name"),
            kind: row.get("kind"),
            stage: row.get("stage"),
            params: serde_json::from_str(&params).map_err(self.json_err("job params"))?,
            inputs: self.paths(row.get("inputs"), "job inputs")?,
            outputs: self.paths(row.get("outputs"), "job outputs")?,
            key,
            attempt: attempt.max(1) as u32,
            max_attempts: row.get::<i64, _>("max_attempts").max(1) as u32,
            cost: row.get("cost"),
        }))
    }

    /// The outputs of each dependency of `job`, in the spec's order.
    pub async fn dep_outputs(&self, job: JobId) -> Result<Vec<DepOutputs>, StoreError> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT p.name, p.outputs FROM job_deps d JOIN jobs p ON p.id = d.dep_id WHERE d.job_id = ? ORDER BY d.ord",
        )
        .bind(job)
        .fetch_all(&self.pool)
        .await
        .map_err(|e| self.err(e))?;
        rows.into_iter()
            .map(|(name, outputs)| Ok(DepOutputs { name, outputs: self.paths(outputs, "job outputs")? }))
            .collect()
    }

    /// Extends the leases of every job `owner` is running. Returns the ids still held.
    pub async fn heartbeat(&self, owner: &str, lease_ms: i64) -> Result<Vec<JobId>, StoreError> {
        sqlx::query_scalar(
            "UPDATE jobs SET lease_expires_at = ?2 WHERE state = 'running' AND lease_owner = ?1 RETURNING id",
        )
        .bind(owner)
        .bind(now_ms() + lease_ms)
        .fetch_all(&self.pool)
        .await
        .map_err(|e| self.err(e))
    }

    /// Records a success: the outputs and their result hash, in one transaction. Returns false, recording
    /// nothing, when `owner` no longer holds the job (its lease was reclaimed).
    pub async fn complete(
        &self,
        job: &ClaimedJob,
        owner: &str,
        outputs: &[OutputRecord],
        result_hash: &str,
    ) -> Result<bool, StoreError> {
        let now = now_ms();
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(|e| self.err(e))?;
        let held = sqlx::query(
            "UPDATE jobs SET state = 'done', done_key = key, result_hash = ?3, lease_owner = NULL,
                    lease_expires_at = NULL, error = NULL, updated_at = ?4
             WHERE id = ?1 AND state = 'running' AND lease_owner = ?2",
        )
        .bind(job.id)
        .bind(owner)
        .bind(result_hash)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(|e| self.err(e))?
        .rows_affected()
            == 1;
        if !held {
            tx.rollback().await.map_err(|e| self.err(e))?;
            return Ok(false);
        }
        sqlx::query("DELETE FROM job_outputs WHERE job_id = ?")
            .bind(job.id)
            .execute(&mut *tx)
            .await
            .map_err(|e| self.err(e))?;
        for (ord, out) in outputs.iter().enumerate() {
            sqlx::query("INSERT INTO job_outputs (job_id, ord, path, hash, size, mtime_ns) VALUES (?, ?, ?, ?, ?, ?)")
                .bind(job.id)
                .bind(ord as i64)
                .bind(out.path.to_string_lossy())
                .bind(&out.hash)
                .bind(out.size)
                .bind(out.mtime_ns)
                .execute(&mut *tx)
                .await
                .map_err(|e| self.err(e))?;
        }
        sqlx::query("UPDATE job_runs SET outcome = 'done', finished_at = ? WHERE id = ?")
            .bind(now)
            .bind(job.run_id)
            .execute(&mut *tx)
            .await
            .map_err(|e| self.err(e))?;
        tx.commit().await.map_err(|e| self.err(e))?;
        Ok(true)
    }

    /// Records an attempt that did not succeed. Returns false when `owner` no longer holds the job.
    pub async fn setback(&self, job: &ClaimedJob, owner: &str, setback: &Setback) -> Result<bool, StoreError> {
        let now = now_ms();
        let (state, outcome, message, not_before, refund) = match setback {
            Setback::Retry { message, not_before } => ("ready", "retry", Some(message.as_str()), *not_before, 0),
            Setback::Fail { message } => ("failed", "failed", Some(message.as_str()), 0, 0),
            Setback::Cancelled => ("ready", "cancelled", None, 0, 1),
        };
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(|e| self.err(e))?;
        let held = sqlx::query(
            "UPDATE jobs SET state = ?3, error = COALESCE(?4, error), not_before = ?5, attempts = attempts - ?6,
                    lease_owner = NULL, lease_expires_at = NULL, updated_at = ?7
             WHERE id = ?1 AND state = 'running' AND lease_owner = ?2",
        )
        .bind(job.id)
        .bind(owner)
        .bind(state)
        .bind(message)
        .bind(not_before)
        .bind(refund)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(|e| self.err(e))?
        .rows_affected()
            == 1;
        if held {
            sqlx::query("UPDATE job_runs SET outcome = ?, finished_at = ?, message = ? WHERE id = ?")
                .bind(outcome)
                .bind(now)
                .bind(message)
                .bind(job.run_id)
                .execute(&mut *tx)
                .await
                .map_err(|e| self.err(e))?;
        }
        tx.commit().await.map_err(|e| self.err(e))?;
        Ok(held)
    }

    /// What is left to do in scope.
    pub async fn backlog(&self, scope: &Scope) -> Result<Backlog, StoreError> {
        let (waiting, ready, running, next_ready_at): (i64, i64, i64, Option<i64>) = bind_scope!(
            sqlx::query_as(concat!(
                "SELECT COALESCE(SUM(state = 'waiting'), 0), COALESCE(SUM(state = 'ready'), 0),
                        COALESCE(SUM(state = 'running'), 0), MIN(CASE WHEN state = 'ready' THEN not_before END)
                 FROM jobs WHERE ",
                in_scope!("")
            )),
            scope
        )
        .fetch_one(&self.pool)
        .await
        .map_err(|e| self.err(e))?;
        Ok(Backlog { waiting, ready, running, next_ready_at })
    }

    fn paths(&self, json: String, what: &'static str) -> Result<Vec<PathBuf>, StoreError> {
        serde_json::from_str(&json).map_err(self.json_err(what))
    }
}

impl Store {
    /// A waiting job that cannot start (an input is missing): failed with `message`.
    pub async fn fail_waiting(&self, job: JobId, message: &str) -> Result<bool, StoreError> {
        sqlx::query("UPDATE jobs SET state = 'failed', error = ?2, updated_at = ?3 WHERE id = ?1 AND state = 'waiting'")
            .bind(job)
            .bind(message)
            .bind(now_ms())
            .execute(&self.pool)
            .await
            .map(|r| r.rows_affected() == 1)
            .map_err(|e| self.err(e))
    }
}
