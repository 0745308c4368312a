//! The production store: one SQLite database, reached through sqlx, and the only module that holds SQL.
//!
//! It owns the schema (`migrations/`, applied on open), productions, the job DAG and its state machine, and the
//! shot tables. It must not run jobs or read media: the scheduler calls it, and stages never see the pool.
//!
//! The interface is narrow on purpose (claim, heartbeat, complete, fail, status queries), so that a PostgreSQL
//! backend, where claims use `FOR UPDATE SKIP LOCKED`, can later sit behind the same methods.

mod archive;
mod checks;
mod files;
mod jobs;
mod matches;
mod productions;
mod shots;
mod status;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

pub use archive::{
    ArchiveFile, ArchiveStats, BRIGHT_LUMA, DARK_LUMA, Imported, NewArchiveCue, NewArchiveFile, NewArchiveShot,
    ShotHit, ShotQuery, ShotVectors,
};
pub use checks::Check;
pub use jobs::{Backlog, ClaimedJob, DepOutputs, OutputRecord, PendingJob, Scope, Setback, SubmitSummary};
pub use matches::{NewCandidate, NewMatch, ShotCandidate, ShotMatch};
pub use productions::{Production, ProductionSummary};
pub use shots::{NewShot, Shot, ShotKind};
pub use status::{Failure, Running, StageCounts, StageTiming, Status};

/// Errors from the store. Each one names the database file.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the directory of the database {path} does not exist; create it first or choose another --db")]
    MissingDir { path: PathBuf },
    #[error("no reel database at {path}; it is created by the first command that records work")]
    NotFound { path: PathBuf },
    #[error("{path} is not a reel database or is corrupt ({message}); move it aside, or choose another --db")]
    Corrupt { path: PathBuf, message: String },
    #[error("{path} was written by a newer reel ({message}); use that version, or another --db")]
    TooNew { path: PathBuf, message: String },
    #[error("job {job:?} is outside the namespace {namespace:?} it was submitted under")]
    OutsideNamespace { job: String, namespace: String },
    #[error("bad search {query:?}: {message}; quote words with \"...\" to search for them literally")]
    BadQuery { query: String, message: String },
    #[error("no production named {name:?} in {path}; `reel productions` lists them")]
    UnknownProduction { name: String, path: PathBuf },
    #[error("database {path}: {source}")]
    Sql {
        path: PathBuf,
        #[source]
        source: sqlx::Error,
    },
    #[error("database {path}: {what}: {source}")]
    Json {
        path: PathBuf,
        what: &'static str,
        #[source]
        source: serde_json::Error,
    },
}

/// Whether opening may create the database file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenMode {
    /// Create the file when it does not exist (the parent directory must exist).
    Create,
    /// Refuse to create it: a read-only command such as `reel status` must not leave a database behind.
    Existing,
}

/// A handle on the database. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Store {
    pool: SqlitePool,
    path: PathBuf,
}

const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

impl Store {
    /// Opens (or creates) the database at `path` in WAL mode with a busy timeout, and applies migrations.
    pub async fn open(path: &Path, mode: OpenMode) -> Result<Store, StoreError> {
        let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        if !dir.is_dir() {
            return Err(StoreError::MissingDir { path: path.to_path_buf() });
        }
        if mode == OpenMode::Existing && !path.exists() {
            return Err(StoreError::NotFound { path: path.to_path_buf() });
        }
        let options = SqliteConnectOptions::from_str("sqlite:")
            .map_err(|source| StoreError::Sql { path: path.to_path_buf(), source })?
            .filename(path)
            .create_if_missing(mode == OpenMode::Create)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(BUSY_TIMEOUT)
            .foreign_keys(true);
        let pool =
            SqlitePoolOptions::new().max_connections(4).connect_with(options).await.map_err(|e| classify(path, e))?;
        let store = Store { pool, path: path.to_path_buf() };
        sqlx::migrate!("./migrations").run(&store.pool).await.map_err(|e| store.migrate_error(e))?;
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs SQLite's own consistency check and returns its report (`["ok"]` when healthy).
    pub async fn integrity_check(&self) -> Result<Vec<String>, StoreError> {
        sqlx::query_scalar("PRAGMA integrity_check").fetch_all(&self.pool).await.map_err(|e| self.err(e))
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    fn err(&self, e: sqlx::Error) -> StoreError {
        classify(&self.path, e)
    }

    fn json_err(&self, what: &'static str) -> impl FnOnce(serde_json::Error) -> StoreError + '_ {
        move |source| StoreError::Json { path: self.path.clone(), what, source }
    }

    fn migrate_error(&self, e: sqlx::migrate::MigrateError) -> StoreError {
        use sqlx::migrate::MigrateError;
        match e {
            MigrateError::Execute(e) => self.err(e),
            MigrateError::VersionMissing(v) => {
                StoreError::TooNew { path: self.path.clone(), message: format!("it has migration {v}") }
            }
            other => StoreError::Corrupt { path: self.path.clone(), message: other.to_string() },
        }
    }
}

/// Maps SQLite's "not a database" and "corrupt" result codes to [`StoreError::Corrupt`].
fn classify(path: &Path, e: sqlx::Error) -> StoreError {
    const SQLITE_CORRUPT: i64 = 11;
    const SQLITE_NOTADB: i64 = 26;
    if let sqlx::Error::Database(db) = &e {
        let primary = db.code().and_then(|c| c.parse::<i64>().ok()).map(|c| c & 0xff);
        if matches!(primary, Some(SQLITE_CORRUPT | SQLITE_NOTADB)) {
            return StoreError::Corrupt { path: path.to_path_buf(), message: db.message().to_string() };
        }
    }
    StoreError::Sql { path: path.to_path_buf(), source: e }
}

/// Milliseconds since the Unix epoch: the store's clock.
pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}
