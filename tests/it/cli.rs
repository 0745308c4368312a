//! The CLI as a user meets it: status while a production writes, and bad input of every kind.

use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::common::Dir;

#[test]
fn status_reads_while_a_production_writes() {
    let dir = Dir::new();
    dir.testkit().args(["plan", "--production", "busy", "--jobs", "30", "--sleep-ms", "80"]).success();
    let mut writer = dir.testkit().args(["resume"]).command();
    let mut writer = writer.stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut reads = 0;
    let mut saw_running = false;
    while writer.try_wait().unwrap().is_none() && Instant::now() < deadline {
        let run = dir.reel().args(["status", "busy", "--json"]).success();
        let status: serde_json::Value = serde_json::from_str(&run.stdout()).expect("status --json is JSON");
        saw_running |= !status["running"].as_array().unwrap().is_empty();
        reads += 1;
        std::thread::sleep(Duration::from_millis(30));
    }
    assert!(writer.wait().unwrap().success());
    assert!(reads >= 5, "only {reads} status reads happened during the run");
    assert!(saw_running, "status never saw a running job");
    let done = dir.reel().args(["status", "busy"]).success().stdout();
    assert!(done.contains("production busy"), "{done}");
    assert!(
        done.lines().any(|l| l.split_whitespace().collect::<Vec<_>>() == ["total", "0", "0", "30", "0", "0"]),
        "{done}"
    );
}

#[test]
fn failures_show_in_status_and_set_exit_code_1() {
    let dir = Dir::new();
    dir.testkit().args(["plan", "--production", "p", "--jobs", "8", "--fail", "5"]).success();
    let run = dir.testkit().args(["resume"]).code(1);
    assert!(run.stderr().contains("failed  w005: w005 always fails"), "{}", run.stderr());
    let status = dir.reel().args(["status"]).success().stdout();
    assert!(status.contains("failed p/w005 (fatal, 1 attempts): w005 always fails"), "{status}");
    assert!(status.contains("skipped p/w006"), "{status}");
    let json: serde_json::Value =
        serde_json::from_str(&dir.reel().args(["status", "p", "--json"]).success().stdout()).unwrap();
    assert_eq!(json["failures"][0]["job"], "w005");
    let list = dir.reel().args(["productions"]).success().stdout();
    assert!(list.lines().any(|l| l.starts_with("p ") && l.contains("testkit DAG")), "{list}");
}

#[test]
fn a_corrupt_database_is_refused_and_left_untouched() {
    let dir = Dir::new();
    let garbage = b"this is not a database, it is a screenplay\n".repeat(200);
    std::fs::write(dir.db(), &garbage).unwrap();
    for args in [vec!["status"], vec!["productions"], vec!["resume"]] {
        let run = dir.reel().args(&args).code(2);
        assert!(run.stderr().contains("reel.db is not a reel database or is corrupt"), "{args:?}: {}", run.stderr());
    }
    assert_eq!(std::fs::read(dir.db()).unwrap(), garbage);
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().flatten().map(|e| e.file_name()).collect();
    assert_eq!(names, ["reel.db"], "nothing else was created");
}

#[test]
fn a_missing_database_directory_is_not_created() {
    let dir = Dir::new();
    let db = dir.path().join("no/such/dir/reel.db");
    let run = dir.reel().args(["--db", db.to_str().unwrap(), "status"]).code(2);
    assert!(run.stderr().contains("no/such/dir/reel.db does not exist"), "{}", run.stderr());
    assert!(!dir.path().join("no").exists());
    let run = dir.reel().args(["status"]).code(2);
    assert!(run.stderr().contains("no reel database at"), "{}", run.stderr());
    assert!(!dir.db().exists(), "status must not create a database");
}

#[test]
fn unknown_and_unsafe_production_names_are_refused() {
    let dir = Dir::new();
    dir.testkit().args(["plan", "--production", "real", "--jobs", "2"]).success();
    let run = dir.reel().args(["status", "imaginary"]).code(2);
    assert!(run.stderr().contains("no production named \"imaginary\""), "{}", run.stderr());
    let outside = dir.path().parent().unwrap().to_path_buf();
    let before: Vec<_> = std::fs::read_dir(&outside).unwrap().flatten().map(|e| e.file_name()).collect();
    for bad in ["../escape", "a/../../b", "/etc", "..", "UPPER"] {
        for cmd in ["status", "resume"] {
            let run = dir.reel().args([cmd, bad]).code(2);
            assert!(run.stderr().contains("invalid production name"), "{cmd} {bad}: {}", run.stderr());
        }
        let run = dir.testkit().args(["plan", "--production", bad, "--jobs", "1"]).code(2);
        assert!(run.stderr().contains("invalid production name"), "plan {bad}: {}", run.stderr());
    }
    let after: Vec<_> = std::fs::read_dir(&outside).unwrap().flatten().map(|e| e.file_name()).collect();
    assert_eq!(before.len(), after.len(), "nothing was created outside the workspace");
}

#[test]
fn usage_errors_exit_2_and_help_lists_the_commands() {
    let dir = Dir::new();
    let help = dir.reel().args(["--help"]).success().stdout();
    for cmd in ["status", "resume", "productions"] {
        assert!(help.contains(cmd), "{help}");
    }
    dir.reel().args(["no-such-command"]).code(2);
    let run = dir.reel().args(["resume", "--workers", "0"]).code(2);
    assert!(run.stderr().contains("--workers must be at least 1"), "{}", run.stderr());
}
