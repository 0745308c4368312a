//! The production soak test: `reel challenge` (or, for `make soak`, `reel demo`) is killed with SIGKILL at random
//! moments and resumed until it finishes. The shot list and the cut must equal those of an uninterrupted run, and the
//! film must be a valid file with audio and video in sync.
//!
//! CI runs a short version on a small production. `make soak` sets `REEL_SOAK_DEMO=1` and `REEL_SOAK_KILLS=12` to
//! run it on the whole demo.

use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::common::Dir;

const LINE: &str = "In a future with mass unemployment, young people are forced to sell blood.";

/// The command under test, run in `dir`.
fn production(dir: &Dir, demo: bool) -> crate::common::TestCommand {
    if demo {
        return dir.reel().args(["demo", "--name", "soak"]);
    }
    dir.reel()
        .args(["challenge", "soak", "--title", "Sunspring", "--line", LINE, "--prop", "a book pulled from a shelf"])
        .args(["--pages", "1", "--archive"])
        .arg(dir.path().join("media"))
}

/// What must not change with the kills: every shot's place, kind, text and length, and what each is cut from.
fn cut(dir: &Dir) -> (Vec<serde_json::Value>, Vec<serde_json::Value>) {
    let shots: Vec<serde_json::Value> =
        serde_json::from_str(&dir.reel().args(["shots", "list", "soak", "--json"]).success().stdout()).unwrap();
    let shots = shots
        .into_iter()
        .map(|s| serde_json::json!([s["position"], s["scene"], s["kind"], s["character"], s["text"], s["target_ms"]]))
        .collect();
    let cut: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("productions/soak/cut.json")).unwrap()).unwrap();
    let cut = cut["shots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let file = s["source"].as_str().map(|p| p.rsplit('/').next().unwrap().to_string());
            serde_json::json!([s["position"], s["kind"], file, s["start_s"], s["duration_s"], s["card"]])
        })
        .collect();
    (shots, cut)
}

#[test]
fn a_production_killed_at_random_moments_cuts_the_same_film() {
    let demo = std::env::var_os("REEL_SOAK_DEMO").is_some();
    let kills: usize = std::env::var("REEL_SOAK_KILLS").ok().and_then(|k| k.parse().ok()).unwrap_or(4);
    let seed = std::env::var("REEL_CRASH_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x50a_u64);
    if demo && crate::common::registry_data("footage").is_none() {
        eprintln!("skipped: the demo archive is not installed (make data)");
        return;
    }
    let (reference, killed) = (Dir::new(), Dir::new());
    for dir in [&reference, &killed] {
        std::fs::create_dir_all(dir.path().join("media")).unwrap();
        super::produce::archive(&dir.path().join("media"));
    }

    let started = Instant::now();
    production(&reference, demo).success();
    let whole = started.elapsed();

    let mut rng = fastrand::Rng::with_seed(seed);
    let mut done_early = 0;
    for _ in 0..kills {
        let mut child = production(&killed, demo).command();
        let mut child = child.stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("spawn reel");
        let at = Duration::from_secs_f64(whole.as_secs_f64() * rng.f64() * 0.6 + 0.2);
        std::thread::sleep(at);
        if child.try_wait().unwrap().is_some() {
            done_early += 1;
            continue;
        }
        child.kill().expect("SIGKILL");
        child.wait().unwrap();
    }
    let last = production(&killed, demo).success();

    assert_eq!(cut(&killed), cut(&reference), "the killed and resumed production cut a different film");
    let film = killed.path().join("productions/soak/soak.mp4");
    let info = super::produce::probe(&film);
    let streams = info["streams"].as_array().expect("the film is a valid file");
    let duration = |kind: &str| -> f64 {
        let s = streams.iter().find(|s| s["codec_type"] == kind).unwrap_or_else(|| panic!("no {kind}: {info}"));
        s["duration"].as_str().unwrap().parse().unwrap()
    };
    assert!((duration("video") - duration("audio")).abs() <= 1.0 / 24.0, "A/V out of sync after the kills");
    assert!(crate::common::temp_files(killed.path()).is_empty(), "{:?}", crate::common::temp_files(killed.path()));
    eprintln!(
        "soak: {kills} SIGKILLs of a {:.0?} production ({done_early} runs ended before their kill); the last run: {}",
        whole,
        last.stderr().lines().filter(|l| l.starts_with("jobs:")).collect::<Vec<_>>().join("; ")
    );
    assert!(done_early < kills, "every run finished before it was killed; nothing was tested");
}
