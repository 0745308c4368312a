//! The stages' glue: how a command becomes a [`Plan`](crate::plan::Plan) of jobs, and the handlers that run those
//! jobs. The stage libraries (`corpus`, …) stay pure; this is where they meet the scheduler's `JobContext`.

pub mod archive;
pub mod archive_embed;
pub mod corpus;
pub mod faces;
pub mod faces_train;
pub mod film;
pub mod screenplay;
pub mod storyboard;
pub mod swap;
pub mod train;
pub mod voice;

use crate::scheduler::{JobContext, JobError, Registry};

/// Every job handler of the product, by kind. Kinds are stored as TEXT under these names in the database, the
/// CLI and the logs.
pub fn registry() -> Registry {
    let mut registry = Registry::new();
    archive::register(&mut registry);
    corpus::register(&mut registry);
    faces::register(&mut registry);
    faces_train::register(&mut registry);
    film::register(&mut registry);
    screenplay::register(&mut registry);
    storyboard::register(&mut registry);
    train::register(&mut registry);
    voice::register(&mut registry);
    registry
}

/// The files under `paths` that a stage takes as sources, made canonical, sorted, without repeats; and a note for
/// each path that cannot be used. Folders are walked recursively, hidden entries skipped, and their files kept when
/// `wanted` says so; a file named directly is always kept, so that its job can say why it cannot be read.
pub fn find_sources(
    paths: &[std::path::PathBuf],
    wanted: &dyn Fn(&std::path::Path) -> bool,
) -> (Vec<std::path::PathBuf>, Vec<String>) {
    let mut files = Vec::new();
    let mut notes = Vec::new();
    for path in paths {
        match std::fs::canonicalize(path).or_else(|_| std::path::absolute(path)) {
            Ok(abs) if abs.is_dir() => walk(&abs, wanted, &mut files, &mut notes),
            Ok(abs) if abs.is_file() => files.push(abs),
            Ok(abs) => notes.push(format!("{}: no such file or folder", abs.display())),
            Err(e) => notes.push(format!("{}: {e}", path.display())),
        }
    }
    files.sort();
    files.dedup();
    (files, notes)
}

fn walk(
    dir: &std::path::Path,
    wanted: &dyn Fn(&std::path::Path) -> bool,
    files: &mut Vec<std::path::PathBuf>,
    notes: &mut Vec<String>,
) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => return notes.push(format!("{}: {e}", dir.display())),
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        if path.is_dir() {
            walk(&path, wanted, files, notes);
        } else if wanted(&path) {
            files.push(path);
        }
    }
}

/// `models/<model>`, relative to the workspace: where training jobs keep a model's files.
pub fn model_dir(model: &crate::name::Slug) -> std::path::PathBuf {
    std::path::Path::new("models").join(model.as_str())
}

/// For a training job whose output `report.json` sits in its model folder: creates the folder and decides whether
/// to resume. The `.job-key` file beside the checkpoints says which job wrote them, so the same job run again after
/// a kill or a Ctrl-C resumes from its last checkpoint (`state` in the folder) instead of starting over; `forced`
/// (`--resume`) resumes whoever wrote them. Returns the folder and the decision.
fn training_folder(ctx: &JobContext, forced: bool, state: &str) -> Result<(std::path::PathBuf, bool), JobError> {
    let target = ctx.output_target(0);
    let dir = target.parent().map(std::path::Path::to_path_buf).ok_or_else(|| JobError::fatal("no model folder"))?;
    std::fs::create_dir_all(&dir).map_err(JobError::retryable)?;
    let marker = dir.join(".job-key");
    let ours = std::fs::read_to_string(&marker).is_ok_and(|k| k.trim() == ctx.key);
    let resume = (forced || ours) && dir.join(state).is_file();
    crate::atomic::write(&marker, ctx.key.as_bytes()).map_err(JobError::retryable)?;
    Ok((dir, resume))
}

/// The segments a cut is made of: `named` (relative to the workspace) when the params name them, else each
/// dependency's first output, in order.
fn segment_files(ctx: &JobContext, named: &[std::path::PathBuf]) -> Vec<std::path::PathBuf> {
    if named.is_empty() {
        ctx.deps.iter().filter_map(|d| d.outputs.first().cloned()).collect()
    } else {
        named.iter().map(|s| ctx.workspace.join(s)).collect()
    }
}

/// Reads a dependency's JSON output.
fn read_json<T: serde::de::DeserializeOwned>(path: &std::path::Path) -> Result<T, JobError> {
    let bytes = std::fs::read(path).map_err(|e| JobError::retryable(format!("cannot read {}: {e}", path.display())))?;
    serde_json::from_slice(&bytes)
        .map_err(|e| JobError::fatal(format!("{} is not what it should be: {e}", path.display())))
}

/// Writes `value` as pretty JSON to output `i` of `ctx`.
fn write_json<T: serde::Serialize>(ctx: &JobContext, i: usize, value: &T) -> Result<(), JobError> {
    let text = serde_json::to_vec_pretty(value).map_err(JobError::fatal)?;
    std::fs::write(ctx.output(i), text)
        .map_err(|e| JobError::retryable(format!("cannot write {}: {e}", ctx.output_target(i).display())))
}
