//! Query latency as a user sees it (the wall time of a whole `reel shots query` process, start to exit), and the
//! same queries inside one process (open the database, search), which is what a long-lived caller pays.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::Context;
use clap::Parser;
use reel::archive::retrieve::Retriever;
use reel::archive::search::Ranking;
use reel::cli::args::Cli;
use reel::cli::config::{Action, Config};
use reel::stages::archive_embed::model_dir;
use reel::store::{OpenMode, ShotQuery, Store};
use serde_json::{Value, json};

pub fn run(db: &Path, runs: usize, reel: &Path, queries: &[String]) -> anyhow::Result<Value> {
    let mut results = Vec::new();
    let (mut all, mut all_inside) = (Vec::new(), Vec::new());
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    for query in queries {
        let mut times = Vec::with_capacity(runs);
        let mut inside = Vec::with_capacity(runs);
        let (store_query, ranking) = parse(db, query)?;
        for _ in 0..runs {
            // The same query inside one process: open the database, search, as the CLI does after it starts.
            let started = Instant::now();
            runtime.block_on(async {
                let store = Store::open(db, OpenMode::Existing).await?;
                let found = Retriever::new(&store, model_dir().as_deref()).search(&store_query, ranking).await?;
                store.close().await;
                anyhow::Ok(found.hits.len())
            })?;
            inside.push(started.elapsed().as_secs_f64() * 1000.0);

            let started = Instant::now();
            let output = Command::new(reel)
                .arg("--db")
                .arg(db)
                .arg("shots")
                .arg("query")
                .args(split(query))
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
        all_inside.extend_from_slice(&inside);
        results.push(json!({
            "query": query,
            "p50_ms": percentile(&mut times, 0.50),
            "p99_ms": percentile(&mut times, 0.99),
            "in_process_p50_ms": percentile(&mut inside, 0.50),
            "in_process_p99_ms": percentile(&mut inside, 0.99),
        }));
    }
    let mut startup = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        Command::new(reel).arg("--help").stdout(Stdio::null()).status()?;
        startup.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    Ok(json!({
        "runs_per_query": runs,
        "p50_ms": percentile(&mut all, 0.50),
        "p99_ms": percentile(&mut all, 0.99),
        "in_process_p50_ms": percentile(&mut all_inside, 0.50),
        "in_process_p99_ms": percentile(&mut all_inside, 0.99),
        "startup_p50_ms": percentile(&mut startup, 0.50),
        "queries": results,
    }))
}

/// The store query and ranking that `reel shots query ARGS` runs, parsed by reel's own CLI code.
fn parse(db: &Path, query: &str) -> anyhow::Result<(ShotQuery, Ranking)> {
    let args = ["reel".to_string(), "--db".into(), db.display().to_string(), "shots".into(), "query".into()];
    let cli = Cli::try_parse_from(args.into_iter().chain(split(query)))?;
    match Config::from_cli(cli)?.action {
        Action::ShotsQuery { query, ranking, .. } => Ok((query, ranking)),
        _ => anyhow::bail!("not a shots query: {query}"),
    }
}

/// Splits a query line into arguments at whitespace; single quotes group words into one argument (as in a shell).
fn split(line: &str) -> Vec<String> {
    let mut args = Vec::new();
    let (mut current, mut quoted, mut any) = (String::new(), false, false);
    for c in line.chars() {
        match c {
            '\'' => (quoted, any) = (!quoted, true),
            c if c.is_whitespace() && !quoted => {
                if any {
                    args.push(std::mem::take(&mut current));
                }
                any = false;
            }
            c => (current, any) = (current + &c.to_string(), true),
        }
    }
    if any {
        args.push(current);
    }
    args
}

/// The `p` quantile by nearest rank.
fn percentile(values: &mut [f64], p: f64) -> f64 {
    values.sort_by(f64::total_cmp);
    let rank = ((p * values.len() as f64).ceil() as usize).clamp(1, values.len());
    values[rank - 1]
}
