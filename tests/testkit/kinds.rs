//! Test-only job kinds, shared by the `reel-testkit` binary and the integration tests.
//!
//! `write` makes a deterministic file from its name, its salt and its dependencies' contents, written slowly in
//! chunks so that a SIGKILL lands mid-write. `flaky` fails with a retryable error a set number of times first.
//! `fatal` always fails fatally. The expected content of every output can be recomputed with [`expected`].

#![allow(dead_code)]

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use reel::plan::{JobSpec, Plan};
use reel::scheduler::{JobContext, JobError, Registry};
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
pub struct WriteParams {
    pub salt: String,
    #[serde(default)]
    pub sleep_ms: u64,
    #[serde(default = "default_size")]
    pub size: usize,
    #[serde(default)]
    pub fail_times: u32,
}

fn default_size() -> usize {
    4096
}

pub fn registry() -> Registry {
    let mut r = Registry::new();
    r.register("write", write);
    r.register("flaky", write);
    r.register("fatal", |ctx: &JobContext| Err(JobError::Fatal(format!("{} always fails", ctx.name))));
    r
}

/// Writes `expected(...)` to output 0 in chunks, sleeping between them; `fail_times` retryable failures first.
pub fn write(ctx: &JobContext) -> Result<(), JobError> {
    let p: WriteParams = ctx.params()?;
    if ctx.attempt <= p.fail_times {
        return Err(JobError::Retryable(format!("{}: planned failure {} of {}", ctx.name, ctx.attempt, p.fail_times)));
    }
    let mut deps = Vec::new();
    for d in &ctx.deps {
        for path in &d.outputs {
            deps.push(std::fs::read(path).map_err(|e| JobError::Fatal(format!("read {}: {e}", path.display())))?);
        }
    }
    let content = expected(&ctx.name, &p.salt, p.size, &deps);
    let mut file = std::fs::File::create(ctx.output(0)).map_err(JobError::retryable)?;
    let chunks = 8;
    for chunk in content.chunks(content.len().div_ceil(chunks).max(1)) {
        if ctx.is_cancelled() {
            return Err(JobError::Cancelled);
        }
        file.write_all(chunk).map_err(JobError::retryable)?;
        file.flush().map_err(JobError::retryable)?;
        std::thread::sleep(Duration::from_millis(p.sleep_ms / chunks as u64));
    }
    Ok(())
}

/// The exact bytes a `write` job produces: a header line, then a hash-chained body of `size` bytes.
pub fn expected(name: &str, salt: &str, size: usize, deps: &[Vec<u8>]) -> Vec<u8> {
    let mut h = blake3::Hasher::new();
    h.update(name.as_bytes()).update(salt.as_bytes());
    for d in deps {
        h.update(blake3::hash(d).as_bytes());
    }
    let mut out = format!("{name} {salt}\n").into_bytes();
    let mut reader = h.finalize_xof();
    let mut body = vec![0u8; size];
    reader.fill(&mut body);
    out.extend(body.iter().map(|b| b'a' + b % 26));
    out
}

/// A layered DAG of `n` write jobs: job i depends on job i-1 (unless i is a multiple of 5) and on job i/3.
pub fn dag(production: &str, n: usize, sleep_ms: u64, salt: &str) -> Plan {
    let jobs = (0..n)
        .map(|i| {
            let mut spec = JobSpec::new(job_name(i), "write")
                .stage(if i % 2 == 0 { "even" } else { "odd" })
                .params(serde_json::json!({ "salt": salt, "sleep_ms": sleep_ms, "size": 4096 + i * 64 }))
                .output(output_path(production, i));
            if i > 0 && i % 5 != 0 {
                spec = spec.dep(job_name(i - 1));
            }
            if i >= 3 && i / 3 != i - 1 {
                spec = spec.dep(job_name(i / 3));
            }
            spec
        })
        .collect();
    Plan::new(jobs).expect("the test DAG is valid")
}

pub fn job_name(i: usize) -> String {
    format!("w{i:03}")
}

pub fn output_path(production: &str, i: usize) -> std::path::PathBuf {
    Path::new("productions").join(production).join("out").join(format!("{}.txt", job_name(i)))
}
