//! `reel-testkit`: the reel CLI with test-only job kinds, so that integration tests can run, kill and resume a
//! real `reel` process on a DAG whose results they can check exactly.
//!
//! `reel-testkit plan --production NAME --jobs N [--sleep-ms MS] [--salt S] [--fail I]` records the test DAG (job I made to fail fatally); every other
//! command is reel's own.

mod kinds;

use std::path::PathBuf;
use std::process::ExitCode;

use reel::name::ProductionName;
use reel::store::{OpenMode, Store};
use reel::workspace::Workspace;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) != Some("plan") {
        return reel::cli::main(kinds::registry());
    }
    match plan(&args[2..]) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn plan(args: &[String]) -> Result<(), String> {
    let mut production = None;
    let mut jobs = 50;
    let mut sleep_ms = 0;
    let mut salt = "take-1".to_string();
    let mut fail = None;
    let mut db = PathBuf::from(std::env::var("REEL_DB").unwrap_or_else(|_| "reel.db".into()));
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let value = it.next().ok_or(format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--production" => production = Some(value.clone()),
            "--jobs" => jobs = value.parse().map_err(|e| format!("--jobs {value}: {e}"))?,
            "--sleep-ms" => sleep_ms = value.parse().map_err(|e| format!("--sleep-ms {value}: {e}"))?,
            "--salt" => salt = value.clone(),
            "--db" => db = value.into(),
            "--fail" => fail = Some(value.parse::<usize>().map_err(|e| format!("--fail {value}: {e}"))?),
            other => return Err(format!("unknown flag {other}")),
        }
    }
    let name =
        ProductionName::parse(production.as_deref().ok_or("--production is required")?).map_err(|e| e.to_string())?;
    let workspace = Workspace::for_db(&db).map_err(|e| e.to_string())?;
    let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let store = Store::open(workspace.db(), OpenMode::Create).await.map_err(|e| e.to_string())?;
        let prod = store.ensure_production(&name, Some("testkit DAG")).await.map_err(|e| e.to_string())?;
        let mut plan = kinds::dag(name.as_str(), jobs, sleep_ms, &salt).jobs().to_vec();
        if let Some(job) = fail.and_then(|i| plan.get_mut(i)) {
            job.kind = "fatal".into();
        }
        let plan = reel::plan::Plan::new(plan).map_err(|e| e.to_string())?;
        let summary = store.submit(Some(prod.id), "", &plan).await.map_err(|e| e.to_string())?;
        println!(
            "planned {jobs} jobs: {} added, {} updated, {} removed",
            summary.added, summary.updated, summary.removed
        );
        Ok(())
    })
}
