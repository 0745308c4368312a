//! The scheduler in-process, on a real SQLite file, with test job kinds.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reel::name::ProductionName;
use reel::plan::{Cost, JobSpec, Plan};
use reel::progress::Silent;
use reel::scheduler::{JobContext, JobError, Registry, RunSummary, Scheduler, SchedulerConfig};
use reel::store::{OpenMode, Scope, Store};
use serde_json::json;
use tokio_util::sync::CancellationToken;

use crate::common::{self, Dir};
use crate::kinds;

fn config() -> SchedulerConfig {
    SchedulerConfig {
        cores: 2,
        lease: Duration::from_secs(5),
        backoff_base: Duration::from_millis(40),
        backoff_max: Duration::from_millis(400),
        poll: Duration::from_millis(20),
    }
}

struct Fixture {
    dir: Dir,
    store: Store,
    scope: Scope,
}

async fn fixture(plan: Vec<JobSpec>) -> Fixture {
    let dir = Dir::new();
    let store = Store::open(&dir.db(), OpenMode::Create).await.unwrap();
    let prod = store.ensure_production(&ProductionName::parse("test").unwrap(), None).await.unwrap();
    store.submit(Some(prod.id), "", &Plan::new(plan).unwrap()).await.unwrap();
    Fixture { dir, store, scope: Scope::production(prod.id) }
}

impl Fixture {
    async fn run(&self, registry: Registry) -> RunSummary {
        self.run_with(registry, config(), CancellationToken::new()).await
    }

    async fn run_with(&self, registry: Registry, config: SchedulerConfig, cancel: CancellationToken) -> RunSummary {
        let scheduler = Scheduler::new(self.store.clone(), registry, self.dir.path().to_path_buf(), config);
        scheduler.run(self.scope.clone(), Arc::new(Silent), cancel).await.unwrap()
    }

    async fn resubmit(&self, plan: Vec<JobSpec>) {
        self.store.submit(self.scope.production_id(), "", &Plan::new(plan).unwrap()).await.unwrap();
    }
}

fn write(name: &str, salt: &str) -> JobSpec {
    JobSpec::new(name, "write").params(json!({ "salt": salt })).output(format!("out/{name}.txt"))
}

fn flaky(name: &str, fail_times: u32, max_attempts: u32) -> JobSpec {
    JobSpec::new(name, "flaky")
        .params(json!({ "salt": "s", "fail_times": fail_times }))
        .output(format!("out/{name}.txt"))
        .max_attempts(max_attempts)
}

fn state(states: &std::collections::BTreeMap<String, (String, i64)>, name: &str) -> (String, i64) {
    states.get(name).cloned().unwrap_or_else(|| panic!("no job {name}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_way_a_job_can_end() {
    let mut registry = kinds::registry();
    registry.register("panics", |_: &JobContext| -> Result<(), JobError> { panic!("a bug in the stage") });
    registry.register("writes-nothing", |_: &JobContext| Ok(()));
    let fx = fixture(vec![
        write("ok", "s"),
        flaky("flaky", 2, 3),
        write("after-flaky", "s").dep("flaky"),
        flaky("exhausted", 5, 2),
        JobSpec::new("fatal", "fatal").output("out/fatal.txt"),
        write("after-fatal", "s").dep("fatal"),
        write("after-after", "s").dep("after-fatal").dep("ok"),
        JobSpec::new("no-handler", "no-such-kind"),
        write("missing-input", "s").input("does-not-exist.txt"),
        JobSpec::new("panics", "panics"),
        JobSpec::new("no-output", "writes-nothing").output("out/never.txt"),
    ])
    .await;
    let started = Instant::now();
    let summary = fx.run(registry).await;
    let db = fx.dir.db();
    let states = common::states(&db).await;
    let runs = common::runs(&db).await;
    let errors = common::errors(&db).await;

    assert_eq!(state(&states, "ok"), ("done".into(), 1));
    assert_eq!(state(&states, "flaky"), ("done".into(), 3));
    assert_eq!(runs["flaky"], ["retry", "retry", "done"]);
    assert_eq!(state(&states, "after-flaky"), ("done".into(), 1), "an independent branch goes on");
    assert_eq!(state(&states, "exhausted"), ("failed".into(), 2));
    assert_eq!(runs["exhausted"], ["retry", "failed"]);
    assert!(errors["exhausted"].contains("gave up after 2 attempts"), "{}", errors["exhausted"]);
    assert_eq!(state(&states, "fatal"), ("failed".into(), 1), "a fatal error is not retried");
    assert_eq!(state(&states, "after-fatal").0, "skipped");
    assert_eq!(errors["after-fatal"], "skipped: dependency fatal failed");
    assert_eq!(state(&states, "after-after").0, "skipped");
    assert_eq!(errors["after-after"], "skipped: dependency after-fatal was skipped");
    assert!(!runs.contains_key("after-fatal") && !runs.contains_key("after-after"), "skipped jobs never run");
    assert!(errors["no-handler"].contains("no handler for job kind \"no-such-kind\""), "{}", errors["no-handler"]);
    assert!(errors["missing-input"].contains("does-not-exist.txt"), "{}", errors["missing-input"]);
    assert_eq!(state(&states, "missing-input").1, 0, "a job with a missing input never starts");
    assert!(errors["panics"].contains("panicked: a bug in the stage"), "{}", errors["panics"]);
    assert!(errors["no-output"].contains("without writing out/never.txt"), "{}", errors["no-output"]);

    assert_eq!(summary.ran, 3);
    assert_eq!(summary.retried, 3);
    assert_eq!(summary.failed, 6);
    assert_eq!(summary.skipped, 2);
    // Backoff: retries wait 40 ms then 80 ms (±20%) before the third attempt of `flaky`.
    assert!(started.elapsed() >= Duration::from_millis(96), "{:?}", started.elapsed());
    assert!(common::temp_files(fx.dir.path()).is_empty(), "{:?}", common::temp_files(fx.dir.path()));

    // The status view reads the same from the database alone.
    let status = fx.store.status(&fx.scope).await.unwrap();
    let total = status.total();
    assert_eq!((total.done, total.failed, total.skipped, total.pending), (3, 6, 2, 0));
    assert_eq!(status.failures.len(), 8);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_backoff_spaces_the_attempts() {
    let times = Arc::new(Mutex::new(Vec::new()));
    let mut registry = Registry::new();
    let seen = times.clone();
    registry.register("fails", move |_: &JobContext| {
        seen.lock().unwrap().push(Instant::now());
        Err(JobError::Retryable("busy".into()))
    });
    let fx = fixture(vec![JobSpec::new("busy", "fails").max_attempts(4)]).await;
    fx.run(registry).await;
    let times = times.lock().unwrap();
    assert_eq!(times.len(), 4);
    let gaps: Vec<u128> = times.windows(2).map(|w| (w[1] - w[0]).as_millis()).collect();
    // Nominal 40, 80, 160 ms with ±20% jitter.
    for (gap, nominal) in gaps.iter().zip([40u128, 80, 160]) {
        assert!(*gap >= nominal * 8 / 10 && *gap <= nominal * 12 / 10 + 60, "gaps {gaps:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_heavy_job_holds_every_core_while_light_jobs_wait() {
    let spans: Arc<Mutex<Vec<(String, Instant, Instant)>>> = Arc::default();
    let live = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let mut registry = Registry::new();
    let (s, l, p) = (spans.clone(), live.clone(), peak.clone());
    registry.register("probe", move |ctx: &JobContext| {
        let now = l.fetch_add(1, Ordering::SeqCst) + 1;
        p.fetch_max(now, Ordering::SeqCst);
        let start = Instant::now();
        std::thread::sleep(Duration::from_millis(60));
        l.fetch_sub(1, Ordering::SeqCst);
        s.lock().unwrap().push((ctx.name.clone(), start, Instant::now()));
        Ok(())
    });
    let mut plan: Vec<JobSpec> = (0..6).map(|i| JobSpec::new(format!("light{i}"), "probe")).collect();
    plan.push(JobSpec::new("heavy", "probe").cost(Cost::All));
    plan.extend((6..12).map(|i| JobSpec::new(format!("light{i}"), "probe")));
    let fx = fixture(plan).await;
    let mut cfg = config();
    cfg.cores = 3;
    fx.run_with(registry, cfg, CancellationToken::new()).await;

    assert_eq!(peak.load(Ordering::SeqCst), 3, "light jobs fill every core");
    let spans = spans.lock().unwrap();
    assert_eq!(spans.len(), 13);
    let heavy = spans.iter().find(|s| s.0 == "heavy").unwrap();
    for (name, start, end) in spans.iter().filter(|s| s.0 != "heavy") {
        let overlaps = *start < heavy.2 && heavy.1 < *end;
        assert!(!overlaps, "{name} ran beside the heavy job");
    }
    // Light jobs queued after the heavy one did not jump ahead of it.
    for (name, start, _) in spans.iter().filter(|s| s.0.starts_with("light") && s.0[5..].parse::<u32>().unwrap() >= 6) {
        assert!(*start >= heavy.2, "{name} started before the heavy job ended");
    }
}

/// A kind whose output ignores its `note` parameter, to show that an unchanged output stops re-runs.
fn note_registry() -> Registry {
    let mut registry = kinds::registry();
    registry.register("noted", |ctx: &JobContext| {
        std::fs::write(ctx.output(0), b"same output whatever the note").map_err(JobError::retryable)
    });
    registry
}

fn keyed_plan(salt_b: &str, note: &str) -> Vec<JobSpec> {
    vec![
        write("a", "s"),
        write("b", salt_b).dep("a"),
        write("c", "s").dep("b"),
        write("d", "s"),
        JobSpec::new("n", "noted").params(json!({ "note": note })).output("out/n.txt"),
        write("after-n", "s").dep("n"),
        write("reads-input", "s").input("script.txt"),
    ]
}

async fn done_runs(db: &Path) -> std::collections::BTreeMap<String, usize> {
    common::runs(db).await.into_iter().map(|(k, v)| (k, v.iter().filter(|o| *o == "done").count())).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn content_hash_keys_rerun_exactly_what_changed() {
    let dir_script = |fx: &Fixture, text: &str| std::fs::write(fx.dir.path().join("script.txt"), text).unwrap();
    let fx = fixture(keyed_plan("s", "first")).await;
    dir_script(&fx, "INT. LAB - NIGHT");
    let db = fx.dir.db();
    let first = fx.run(note_registry()).await;
    assert_eq!(first.ran, 7);
    let all_once = done_runs(&db).await;
    assert!(all_once.values().all(|&n| n == 1), "{all_once:?}");

    // Nothing changed: nothing runs.
    let again = fx.run(note_registry()).await;
    assert_eq!((again.ran, again.fresh), (0, 7));
    assert_eq!(done_runs(&db).await, all_once);

    // One parameter of b: b and its dependent c re-run; a, d and the rest do not.
    fx.resubmit(keyed_plan("changed", "first")).await;
    let changed = fx.run(note_registry()).await;
    assert_eq!(changed.ran, 2);
    let counts = done_runs(&db).await;
    assert_eq!((counts["a"], counts["b"], counts["c"], counts["d"]), (1, 2, 2, 1));

    // A parameter that does not change n's output: n re-runs, its dependent is still fresh.
    fx.resubmit(keyed_plan("changed", "second")).await;
    let noted = fx.run(note_registry()).await;
    assert_eq!(noted.ran, 1);
    let counts = done_runs(&db).await;
    assert_eq!((counts["n"], counts["after-n"]), (2, 1));

    // A deleted output: only its job re-runs, and its identical content leaves dependents fresh.
    std::fs::remove_file(fx.dir.path().join("out/a.txt")).unwrap();
    let restored = fx.run(note_registry()).await;
    assert_eq!(restored.ran, 1);
    assert_eq!(done_runs(&db).await["a"], 2);

    // A changed input file re-runs the job that reads it.
    dir_script(&fx, "EXT. DESERT - DAY");
    let input = fx.run(note_registry()).await;
    assert_eq!(input.ran, 1);
    assert_eq!(done_runs(&db).await["reads-input"], 2);

    // A corrupted output (same size, other bytes) is noticed by its hash and remade.
    let path = fx.dir.path().join("out/d.txt");
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[0] ^= 1;
    std::fs::write(&path, &bytes).unwrap();
    let remade = fx.run(note_registry()).await;
    assert_eq!(remade.ran, 1);
    assert_eq!(std::fs::read(&path).unwrap()[0], bytes[0] ^ 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_stops_cleanly_and_resume_finishes() {
    let mut slow = Registry::new();
    slow.register("slow", |ctx: &JobContext| {
        std::fs::write(ctx.output(0), b"partial").map_err(JobError::retryable)?;
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if ctx.is_cancelled() {
                return Err(JobError::Cancelled);
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        Ok(())
    });
    let fx = fixture(vec![JobSpec::new("long", "slow").output("out/long.txt"), write("later", "s").dep("long")]).await;
    let cancel = CancellationToken::new();
    let trigger = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(150)).await;
        trigger.cancel();
    });
    let started = Instant::now();
    let summary = fx.run_with(slow, config(), cancel).await;
    assert!(summary.cancelled);
    assert!(started.elapsed() < Duration::from_secs(5), "cancel was not prompt");
    let states = common::states(&fx.dir.db()).await;
    assert_eq!(state(&states, "long"), ("ready".into(), 0), "a cancelled attempt does not count");
    assert_eq!(state(&states, "later").0, "waiting");
    assert_eq!(common::runs(&fx.dir.db()).await["long"], ["cancelled"]);
    assert!(!fx.dir.path().join("out/long.txt").exists(), "no half-written output");
    assert!(common::temp_files(fx.dir.path()).is_empty());

    let mut fast = kinds::registry();
    fast.register("slow", |ctx: &JobContext| std::fs::write(ctx.output(0), b"whole").map_err(JobError::retryable));
    let summary = fx.run(fast).await;
    assert_eq!((summary.ran, summary.cancelled), (2, false));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leases_of_dead_or_silent_workers_are_reclaimed() {
    let fx = fixture(vec![write("held-by-dead", "s"), write("held-elsewhere", "s"), write("expires-later", "s")]).await;
    // Make the jobs ready, then claim them as a dead local process and as silent processes on another host.
    fx.store.reopen(&fx.scope).await.unwrap();
    for job in fx.store.settled(&fx.scope).await.unwrap() {
        fx.store.mark_ready(job.id, "k").await.unwrap();
    }
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let dead = format!("{}:{}:1", std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap().trim(), child.id());
    child.wait().unwrap();
    fx.store.claim(&fx.scope, &dead, 60_000, 3, 3).await.unwrap().expect("claim as the dead worker");
    // A lease that ran out a second ago, and one that runs out while the scheduler is already running.
    fx.store.claim(&fx.scope, "other-host:1:1", -1000, 3, 3).await.unwrap().expect("claim with an expired lease");
    fx.store.claim(&fx.scope, "other-host:2:2", 1500, 3, 3).await.unwrap().expect("claim with a short lease");

    let started = Instant::now();
    let summary = fx.run(kinds::registry()).await;
    assert_eq!(summary.reclaimed, 3);
    assert_eq!(summary.ran, 3);
    assert!(started.elapsed() >= Duration::from_millis(1400), "the short lease was taken before it ran out");
    let runs = common::runs(&fx.dir.db()).await;
    assert_eq!(runs["held-by-dead"], ["lost", "done"]);
    assert_eq!(runs["held-elsewhere"], ["lost", "done"]);
    assert_eq!(runs["expires-later"], ["lost", "done"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn library_namespaces_are_submitted_and_run_apart() {
    let dir = Dir::new();
    let store = Store::open(&dir.db(), OpenMode::Create).await.unwrap();
    let plan = |ns: &str, n: usize| Plan::new((0..n).map(|i| write(&format!("{ns}{i}"), "s")).collect()).unwrap();
    store.submit(None, "corpus/a/", &plan("corpus/a/", 3)).await.unwrap();
    store.submit(None, "corpus/b/", &plan("corpus/b/", 2)).await.unwrap();
    let err = store.submit(None, "corpus/a/", &plan("corpus/b/", 1)).await.unwrap_err();
    assert!(err.to_string().contains("outside the namespace"), "{err}");

    let scheduler = Scheduler::new(store.clone(), kinds::registry(), dir.path().to_path_buf(), config());
    let a = scheduler.run(Scope::library("corpus/a/"), Arc::new(Silent), CancellationToken::new()).await.unwrap();
    assert_eq!(a.ran, 3);
    let states = common::states(&dir.db()).await;
    assert_eq!(states.values().filter(|(s, _)| s == "done").count(), 3, "{states:?}");

    // Re-submitting a smaller plan for a/ removes a/2 and leaves b/ alone.
    let summary = store.submit(None, "corpus/a/", &plan("corpus/a/", 2)).await.unwrap();
    assert_eq!((summary.added, summary.updated, summary.removed), (0, 0, 1));
    let states = common::states(&dir.db()).await;
    assert_eq!(states.keys().cloned().collect::<Vec<_>>(), ["corpus/a/0", "corpus/a/1", "corpus/b/0", "corpus/b/1"]);
    let all = scheduler.run(Scope::all(), Arc::new(Silent), CancellationToken::new()).await.unwrap();
    assert_eq!((all.ran, all.fresh), (2, 2));
}
