//! Query latency as a user sees it: the wall time of a whole `reel shots query` process, start to exit.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::Context;
use serde_json::{Value, json};

pub fn run(db: &Path, runs: usize, reel: &Path, queries: &[String]) -> anyhow::Result<Value> {
    let mut results = Vec::new();
    let mut all = Vec::new();
    for query in queries {
        let mut times = Vec::with_capacity(runs);
        for _ in 0..runs {
            let started = Instant::now();
            let output = Command::new(reel)
                .arg("--db")
                .arg(db)
                .arg("shots")
                .arg("query")
                .args(query.split_whitespace())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .output()
                .with_context(|| format!("running {}", reel.display()))?;
            times.push(started.elapsed().as_secs_f64() * 1000.0);
            anyhow::ensure!(
                output.status.success(),
                "`reel shots query {query}` failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        all.extend_from_slice(&times);
        results.push(
            json!({ "query": query, "p50_ms": percentile(&mut times, 0.50), "p99_ms": percentile(&mut times, 0.99) }),
        );
    }
    Ok(json!({
        "runs_per_query": runs,
        "p50_ms": percentile(&mut all, 0.50),
        "p99_ms": percentile(&mut all, 0.99),
        "queries": results,
    }))
}

/// The `p` quantile by nearest rank.
fn percentile(values: &mut [f64], p: f64) -> f64 {
    values.sort_by(f64::total_cmp);
    let rank = ((p * values.len() as f64).ceil() as usize).clamp(1, values.len());
    values[rank - 1]
}
