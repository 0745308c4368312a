//! The workspace: the folder that holds the database and everything reel makes.
//!
//! It is the directory of the database file (`reel.db` in the working directory by default), like a git
//! repository's root. Job outputs are recorded relative to it, so a workspace can be moved as a whole.

use std::path::{Path, PathBuf};

use crate::name::ProductionName;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workspace {
    root: PathBuf,
    db: PathBuf,
}

impl Workspace {
    pub const DEFAULT_DB: &'static str = "reel.db";

    /// The workspace of the database at `db` (made absolute against the current directory).
    pub fn for_db(db: &Path) -> std::io::Result<Workspace> {
        let db = std::path::absolute(db)?;
        let root = db.parent().map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("/"));
        Ok(Workspace { root, db })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn db(&self) -> &Path {
        &self.db
    }

    /// `productions/<name>/`, relative to the workspace.
    pub fn production_dir(name: &ProductionName) -> PathBuf {
        Path::new("productions").join(name.as_str())
    }
}
