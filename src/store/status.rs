//! Read-only views for `reel status`: per-stage counts and failure messages, from the database alone.

use serde::Serialize;

use super::jobs::{bind_scope, in_scope};
use super::{Scope, Store, StoreError, now_ms};

/// Job counts of one stage of one production.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq, sqlx::FromRow)]
pub struct StageCounts {
    pub production: Option<String>,
    pub stage: String,
    pub pending: i64,
    pub running: i64,
    pub done: i64,
    pub failed: i64,
    pub skipped: i64,
}

/// A failed or skipped job and why.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Failure {
    pub production: Option<String>,
    pub job: String,
    pub kind: String,
    pub state: String,
    pub attempts: i64,
    pub error: Option<String>,
}

/// A running job and who holds it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Running {
    pub production: Option<String>,
    pub job: String,
    pub owner: Option<String>,
    pub lease_left_ms: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Status {
    pub stages: Vec<StageCounts>,
    pub failures: Vec<Failure>,
    pub running: Vec<Running>,
}

impl Status {
    pub fn total(&self) -> StageCounts {
        self.stages.iter().fold(StageCounts { stage: "total".into(), ..Default::default() }, |mut t, s| {
            t.pending += s.pending;
            t.running += s.running;
            t.done += s.done;
            t.failed += s.failed;
            t.skipped += s.skipped;
            t
        })
    }
}

impl Store {
    pub async fn status(&self, scope: &Scope) -> Result<Status, StoreError> {
        let stages = bind_scope!(
            sqlx::query_as(concat!(
                "SELECT p.name AS production, j.stage,
                        SUM(j.state IN ('waiting', 'ready')) AS pending, SUM(j.state = 'running') AS running,
                        SUM(j.state = 'done') AS done, SUM(j.state = 'failed') AS failed,
                        SUM(j.state = 'skipped') AS skipped
                 FROM jobs j LEFT JOIN productions p ON p.id = j.production_id
                 WHERE ",
                in_scope!("j."),
                " GROUP BY j.production_id, j.stage ORDER BY p.name, MIN(j.id)"
            )),
            scope
        )
        .fetch_all(&self.pool)
        .await
        .map_err(|e| self.err(e))?;
        let failures = bind_scope!(
            sqlx::query_as(concat!(
                "SELECT p.name AS production, j.name AS job, j.kind, j.state, j.attempts, j.error
                 FROM jobs j LEFT JOIN productions p ON p.id = j.production_id
                 WHERE j.state IN ('failed', 'skipped') AND ",
                in_scope!("j."),
                " ORDER BY j.state, j.id"
            )),
            scope
        )
        .fetch_all(&self.pool)
        .await
        .map_err(|e| self.err(e))?;
        let running = bind_scope!(
            sqlx::query_as(concat!(
                "SELECT p.name AS production, j.name AS job, j.lease_owner AS owner,
                        j.lease_expires_at - ?4 AS lease_left_ms
                 FROM jobs j LEFT JOIN productions p ON p.id = j.production_id
                 WHERE j.state = 'running' AND ",
                in_scope!("j."),
                " ORDER BY j.id"
            )),
            scope
        )
        .bind(now_ms())
        .fetch_all(&self.pool)
        .await
        .map_err(|e| self.err(e))?;
        Ok(Status { stages, failures, running })
    }
}

/// Time spent by a stage's jobs: the sum of their finished runs, and the wall-clock span from the first run's start
/// to the last run's end (jobs run side by side, so the span is what a person waited).
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct StageTiming {
    pub stage: String,
    pub runs: i64,
    pub busy_ms: i64,
    pub first_start: i64,
    pub last_end: i64,
}

impl Store {
    /// Every stage's timings over the runs of a scope's jobs that finished, in the order the stages started.
    pub async fn stage_timings(&self, production: crate::ids::ProductionId) -> Result<Vec<StageTiming>, StoreError> {
        sqlx::query_as(
            "SELECT j.stage AS stage, COUNT(*) AS runs, SUM(r.finished_at - r.started_at) AS busy_ms,
                    MIN(r.started_at) AS first_start, MAX(r.finished_at) AS last_end
             FROM job_runs r JOIN jobs j ON j.id = r.job_id
             WHERE j.production_id = ? AND r.finished_at IS NOT NULL AND r.outcome = 'done'
             GROUP BY j.stage ORDER BY MIN(r.started_at)",
        )
        .bind(production)
        .fetch_all(&self.pool)
        .await
        .map_err(|e| self.err(e))
    }
}
