//! A plan: the DAG of jobs that makes a production, as data.
//!
//! Stages describe their work as [`JobSpec`]s (a kind, parameters, dependencies, input and output files); the store
//! records a validated [`Plan`] and the scheduler runs it. Nothing here touches the database or the disk.

use std::collections::{HashMap, HashSet};
use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};

/// How many cores a job holds while it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Cost {
    Cores(u32),
    /// Every core the worker process has: a heavy stage (training, rendering) runs alone while light jobs wait.
    All,
}

impl Cost {
    /// The database form: the number of cores, or 0 for all.
    pub fn to_db(self) -> i64 {
        match self {
            Cost::Cores(n) => i64::from(n.max(1)),
            Cost::All => 0,
        }
    }
}

/// One node of a plan.
#[derive(Debug, Clone, PartialEq)]
pub struct JobSpec {
    /// Stable within the plan, e.g. `voice/12`.
    pub name: String,
    /// The handler that runs it.
    pub kind: String,
    /// What `reel status` groups it under.
    pub stage: String,
    /// Hashed into the job's key: a changed parameter re-runs the job and what depends on it.
    pub params: serde_json::Value,
    /// Names of the jobs whose outputs this one reads, in order.
    pub deps: Vec<String>,
    /// External files this job reads; their content is hashed into the key.
    pub inputs: Vec<PathBuf>,
    /// Files this job writes, relative to the workspace.
    pub outputs: Vec<PathBuf>,
    pub cost: Cost,
    pub priority: i32,
    pub max_attempts: u32,
}

impl JobSpec {
    pub fn new(name: impl Into<String>, kind: impl Into<String>) -> Self {
        let kind = kind.into();
        JobSpec {
            name: name.into(),
            stage: kind.clone(),
            kind,
            params: serde_json::Value::Null,
            deps: Vec::new(),
            inputs: Vec::new(),
            outputs: Vec::new(),
            cost: Cost::Cores(1),
            priority: 0,
            max_attempts: 3,
        }
    }

    pub fn stage(mut self, stage: impl Into<String>) -> Self {
        self.stage = stage.into();
        self
    }

    pub fn params(mut self, params: serde_json::Value) -> Self {
        self.params = params;
        self
    }

    pub fn dep(mut self, name: impl Into<String>) -> Self {
        self.deps.push(name.into());
        self
    }

    pub fn input(mut self, path: impl Into<PathBuf>) -> Self {
        self.inputs.push(path.into());
        self
    }

    pub fn inputs<P: Into<PathBuf>>(mut self, paths: impl IntoIterator<Item = P>) -> Self {
        self.inputs.extend(paths.into_iter().map(Into::into));
        self
    }

    pub fn output(mut self, path: impl Into<PathBuf>) -> Self {
        self.outputs.push(path.into());
        self
    }

    pub fn cost(mut self, cost: Cost) -> Self {
        self.cost = cost;
        self
    }

    pub fn priority(mut self, priority: i32) -> Self {
        self.priority = priority;
        self
    }

    pub fn max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n;
        self
    }
}

/// Why a plan was refused. Each variant names the job at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("a job has an empty name")]
    EmptyName,
    #[error("job {0:?} appears twice in the plan")]
    DuplicateName(String),
    #[error("job {job:?} depends on {dep:?}, which is not in the plan")]
    UnknownDep { job: String, dep: String },
    #[error("job {job:?} is part of a dependency cycle")]
    Cycle { job: String },
    #[error("job {job:?} has output {path:?}: outputs must be relative paths inside the workspace, without '..'")]
    BadOutput { job: String, path: PathBuf },
    #[error("jobs {first:?} and {second:?} both write {path:?}")]
    SharedOutput { first: String, second: String, path: PathBuf },
    #[error("job {job:?} has max_attempts 0; it would never run")]
    NoAttempts { job: String },
}

/// A validated DAG of job specs, in dependency order (every job after the jobs it depends on).
#[derive(Debug, Clone, Default)]
pub struct Plan {
    jobs: Vec<JobSpec>,
}

impl Plan {
    pub fn new(jobs: Vec<JobSpec>) -> Result<Plan, PlanError> {
        let mut outputs: HashMap<&Path, &str> = HashMap::new();
        let mut names = HashSet::new();
        for job in &jobs {
            if job.name.is_empty() {
                return Err(PlanError::EmptyName);
            }
            if !names.insert(job.name.as_str()) {
                return Err(PlanError::DuplicateName(job.name.clone()));
            }
            if job.max_attempts == 0 {
                return Err(PlanError::NoAttempts { job: job.name.clone() });
            }
            for path in &job.outputs {
                if !is_inside_workspace(path) {
                    return Err(PlanError::BadOutput { job: job.name.clone(), path: path.clone() });
                }
                if let Some(first) = outputs.insert(path, &job.name) {
                    return Err(PlanError::SharedOutput {
                        first: first.to_string(),
                        second: job.name.clone(),
                        path: path.clone(),
                    });
                }
            }
        }
        for job in &jobs {
            if let Some(dep) = job.deps.iter().find(|d| !names.contains(d.as_str())) {
                return Err(PlanError::UnknownDep { job: job.name.clone(), dep: dep.clone() });
            }
        }
        let order = topological_order(&jobs)?;
        let mut slots: Vec<Option<JobSpec>> = jobs.into_iter().map(Some).collect();
        let jobs = order.into_iter().filter_map(|i| slots[i].take()).collect();
        Ok(Plan { jobs })
    }

    pub fn jobs(&self) -> &[JobSpec] {
        &self.jobs
    }

    pub fn len(&self) -> usize {
        self.jobs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.jobs.is_empty()
    }
}

fn is_inside_workspace(path: &Path) -> bool {
    !path.as_os_str().is_empty() && path.components().all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
}

/// Kahn's algorithm, stable: among jobs that are ready at once, the earlier one in the input comes first.
fn topological_order(jobs: &[JobSpec]) -> Result<Vec<usize>, PlanError> {
    let index: HashMap<&str, usize> = jobs.iter().enumerate().map(|(i, j)| (j.name.as_str(), i)).collect();
    let mut indegree = vec![0usize; jobs.len()];
    let mut dependents = vec![Vec::new(); jobs.len()];
    for (i, job) in jobs.iter().enumerate() {
        for dep in &job.deps {
            let d = index[dep.as_str()];
            indegree[i] += 1;
            dependents[d].push(i);
        }
    }
    let mut ready: std::collections::BTreeSet<usize> = (0..jobs.len()).filter(|&i| indegree[i] == 0).collect();
    let mut order = Vec::with_capacity(jobs.len());
    while let Some(i) = ready.pop_first() {
        order.push(i);
        for &next in &dependents[i] {
            indegree[next] -= 1;
            if indegree[next] == 0 {
                ready.insert(next);
            }
        }
    }
    match (0..jobs.len()).find(|&i| indegree[i] > 0) {
        Some(i) => Err(PlanError::Cycle { job: jobs[i].name.clone() }),
        None => Ok(order),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(name: &str, deps: &[&str]) -> JobSpec {
        deps.iter().fold(JobSpec::new(name, "t"), |j, d| j.dep(*d))
    }

    #[track_caller]
    fn check(jobs: Vec<JobSpec>, expected: Result<&[&str], PlanError>) {
        let got = Plan::new(jobs).map(|p| p.jobs().iter().map(|j| j.name.clone()).collect::<Vec<_>>());
        let expected = expected.map(|names| names.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(got, expected);
    }

    #[test]
    fn orders_and_validates() {
        check(vec![job("b", &["a"]), job("a", &[])], Ok(&["a", "b"]));
        check(vec![job("a", &[]), job("b", &[]), job("c", &["b", "a"])], Ok(&["a", "b", "c"]));
        check(vec![job("a", &[]), job("a", &[])], Err(PlanError::DuplicateName("a".into())));
        check(vec![job("a", &["x"])], Err(PlanError::UnknownDep { job: "a".into(), dep: "x".into() }));
        check(vec![job("a", &["b"]), job("b", &["a"])], Err(PlanError::Cycle { job: "a".into() }));
        check(vec![job("", &[])], Err(PlanError::EmptyName));
        check(vec![job("a", &[]).max_attempts(0)], Err(PlanError::NoAttempts { job: "a".into() }));
    }

    #[test]
    fn outputs_stay_inside_the_workspace() {
        for bad in ["../x", "/etc/passwd", "a/../../b", ""] {
            let err = Plan::new(vec![job("a", &[]).output(bad)]).unwrap_err();
            assert!(matches!(err, PlanError::BadOutput { .. }), "{bad}: {err}");
        }
        assert!(Plan::new(vec![job("a", &[]).output("productions/x/a.wav")]).is_ok());
        let err = Plan::new(vec![job("a", &[]).output("o"), job("b", &[]).output("o")]).unwrap_err();
        assert!(matches!(err, PlanError::SharedOutput { .. }));
    }
}
