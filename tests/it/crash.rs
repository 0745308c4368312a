//! The crash test: a real `reel` process running a DAG is killed with SIGKILL at random moments and resumed,
//! again and again. Nothing may be lost, done twice, or left half-written.

use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::common::{self, Dir};
use crate::kinds;

const JOBS: usize = 80;
const SLEEP_MS: u64 = 160;
const MIN_KILLS: usize = 20;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_at_random_moments_loses_and_duplicates_nothing() {
    let dir = Dir::new();
    let (production, salt) = ("crash", "take-1");
    dir.testkit()
        .args(["plan", "--production", production, "--jobs", &JOBS.to_string(), "--sleep-ms", &SLEEP_MS.to_string()])
        .args(["--salt", salt])
        .success();
    let seed = std::env::var("REEL_CRASH_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x5eed_u64);
    let mut rng = fastrand::Rng::with_seed(seed);
    let started = Instant::now();
    let mut kills = 0;
    let mut finished_early = false;
    while kills < MIN_KILLS + 4 {
        let mut child = dir.testkit().args(["resume", "--workers", "2"]).command();
        let mut child = child.stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("spawn reel-testkit");
        std::thread::sleep(Duration::from_millis(rng.u64(20..350)));
        if child.try_wait().unwrap().is_some() {
            finished_early = true;
            break;
        }
        child.kill().expect("SIGKILL");
        child.wait().unwrap();
        kills += 1;
    }
    let runs_before_final = common::runs(&dir.db()).await;
    let lost: usize = runs_before_final.values().flatten().filter(|o| *o == "lost" || *o == "running").count();
    dir.testkit().args(["resume", "--workers", "2"]).success();

    // Every job succeeded exactly once.
    let runs = common::runs(&dir.db()).await;
    assert_eq!(runs.len(), JOBS);
    for (job, outcomes) in &runs {
        assert_eq!(outcomes.iter().filter(|o| *o == "done").count(), 1, "{job}: {outcomes:?}");
        assert!(outcomes.iter().all(|o| o == "done" || o == "lost"), "{job}: {outcomes:?}");
    }
    let states = common::states(&dir.db()).await;
    assert!(states.values().all(|(s, _)| s == "done"), "{states:?}");

    // Every output holds exactly what an uninterrupted run writes, and no temp is left.
    let plan = kinds::dag(production, JOBS, SLEEP_MS, salt);
    for (i, spec) in plan.jobs().iter().enumerate() {
        let deps: Vec<Vec<u8>> = spec
            .deps
            .iter()
            .map(|d| std::fs::read(dir.path().join(kinds::output_path(production, d[1..].parse().unwrap()))).unwrap())
            .collect();
        let size = spec.params["size"].as_u64().unwrap() as usize;
        let expected = kinds::expected(&spec.name, salt, size, &deps);
        let actual = std::fs::read(dir.path().join(&spec.outputs[0])).unwrap();
        assert!(actual == expected, "job {i} ({}) has a wrong or partial output", spec.name);
    }
    assert!(common::temp_files(dir.path()).is_empty(), "{:?}", common::temp_files(dir.path()));

    // The database survived every kill.
    let pool = common::pool(&dir.db()).await;
    let check: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check").fetch_all(&pool).await.unwrap();
    assert_eq!(check, ["ok"]);

    eprintln!(
        "crash test: {kills} SIGKILLs over {JOBS} jobs in {:.1?}, {lost} runs cut off mid-job and redone, \
         0 lost, 0 duplicated, integrity ok (seed {seed:#x})",
        started.elapsed()
    );
    assert!(!finished_early, "the DAG finished after only {kills} kills; make the jobs slower");
    assert!(kills >= MIN_KILLS);
    assert!(lost >= MIN_KILLS / 2, "only {lost} kills landed mid-job");
}
