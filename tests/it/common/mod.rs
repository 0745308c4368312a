//! The harness: a temp workspace, the real binaries run as a user would, and direct reads of the database.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use sqlx::sqlite::{SqliteConnectOptions, SqlitePool};

/// A temp workspace with its database path.
pub struct Dir {
    tmp: tempfile::TempDir,
}

impl Dir {
    pub fn new() -> Dir {
        Dir { tmp: tempfile::tempdir().expect("temp dir") }
    }

    pub fn path(&self) -> &Path {
        self.tmp.path()
    }

    pub fn db(&self) -> PathBuf {
        self.tmp.path().join("reel.db")
    }

    pub fn reel(&self) -> TestCommand {
        TestCommand::new(env!("CARGO_BIN_EXE_reel"), self)
    }

    pub fn testkit(&self) -> TestCommand {
        TestCommand::new(env!("CARGO_BIN_EXE_reel-testkit"), self)
    }
}

/// A command run in the workspace, with stdin closed and output captured.
pub struct TestCommand {
    cmd: Command,
}

impl TestCommand {
    fn new(bin: &str, dir: &Dir) -> TestCommand {
        let mut cmd = Command::new(bin);
        cmd.current_dir(dir.path()).stdin(Stdio::null()).env_remove("REEL_DB").env("REEL_PLAIN", "1");
        TestCommand { cmd }
    }

    pub fn args<I, S>(mut self, args: I) -> TestCommand
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        self.cmd.args(args);
        self
    }

    pub fn arg(mut self, arg: impl AsRef<std::ffi::OsStr>) -> TestCommand {
        self.cmd.arg(arg);
        self
    }

    /// Runs from `cwd` instead of the workspace, which `--db` then names: paths a job keeps relative to the
    /// workspace must not be read relative to the process's working directory.
    pub fn in_dir(mut self, cwd: &Path) -> TestCommand {
        self.cmd.current_dir(cwd);
        self
    }

    pub fn env(mut self, key: &str, value: &str) -> TestCommand {
        self.cmd.env(key, value);
        self
    }

    pub fn command(self) -> Command {
        self.cmd
    }

    pub fn run(mut self) -> Run {
        let out = self.cmd.output().expect("spawn");
        Run(out)
    }

    /// Runs and asserts the exit code.
    #[track_caller]
    pub fn code(self, expected: i32) -> Run {
        let run = self.run();
        assert_eq!(
            run.0.status.code(),
            Some(expected),
            "exit code\nstdout:\n{}\nstderr:\n{}",
            run.stdout(),
            run.stderr()
        );
        run
    }

    #[track_caller]
    pub fn success(self) -> Run {
        self.code(0)
    }
}

pub struct Run(pub Output);

impl Run {
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.0.stdout).into_owned()
    }

    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.0.stderr).into_owned()
    }
}

/// `../shared/data`, or `$REEL_SHARED_DATA`; `None` (with a note on stderr) when it is missing.
pub fn shared_data() -> Option<PathBuf> {
    let dir = std::env::var_os("REEL_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data"));
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipped: shared test data not found at {} (set REEL_SHARED_DATA)", dir.display());
        None
    }
}

/// A file of the registry data that `make data` puts in reel's cache (`$REEL_CACHE`, else `~/.cache/reel`), e.g.
/// `footage/carphone_pristine.mp4`; `None`, with a note on why the test skips, when it is not there.
pub fn registry_data(relative: &str) -> Option<PathBuf> {
    let path = reel::cache::dir().map(|dir| dir.join(relative)).filter(|p| p.is_file());
    if path.is_none() {
        eprintln!("skipped: {relative} not found in reel's cache; `make data` fetches it");
    }
    path
}

/// A read-only connection for checking what the product wrote.
pub async fn pool(db: &Path) -> SqlitePool {
    SqlitePool::connect_with(SqliteConnectOptions::new().filename(db).read_only(true)).await.expect("open db")
}

/// Each job's (state, attempts), by name.
pub async fn states(db: &Path) -> BTreeMap<String, (String, i64)> {
    let pool = pool(db).await;
    let rows: Vec<(String, String, i64)> =
        sqlx::query_as("SELECT name, state, attempts FROM jobs").fetch_all(&pool).await.unwrap();
    pool.close().await;
    rows.into_iter().map(|(n, s, a)| (n, (s, a))).collect()
}

/// Each job's run outcomes in order, by name.
pub async fn runs(db: &Path) -> BTreeMap<String, Vec<String>> {
    let pool = pool(db).await;
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT j.name, r.outcome FROM job_runs r JOIN jobs j ON j.id = r.job_id ORDER BY r.id")
            .fetch_all(&pool)
            .await
            .unwrap();
    pool.close().await;
    let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, outcome) in rows {
        map.entry(name).or_default().push(outcome);
    }
    map
}

/// Each job's error message, by name.
pub async fn errors(db: &Path) -> BTreeMap<String, String> {
    let pool = pool(db).await;
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT name, error FROM jobs WHERE error IS NOT NULL").fetch_all(&pool).await.unwrap();
    pool.close().await;
    rows.into_iter().collect()
}

/// Files under `dir` whose name starts with '.', i.e. temps left behind.
pub fn temp_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else { return found };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(temp_files(&path));
        } else if entry.file_name().to_string_lossy().starts_with('.') {
            found.push(path);
        }
    }
    found
}
