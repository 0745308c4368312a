//! Job keys and output checks, the make/Snakemake way.
//!
//! A job's key hashes its kind, its parameters, its declared outputs, the result hash of each dependency and the
//! content hash of each input file. A job whose key equals the key of its recorded outputs, and whose output files
//! still hold the recorded content, is up to date and is not run again. Change one parameter and only that job's
//! key changes; its dependents' keys change only if its outputs come out different.

use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use crate::hash::{self, KeyHasher};
use crate::store::{OutputRecord, PendingJob};

/// Metadata of a file, enough to tell whether it may have changed since it was hashed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    pub size: i64,
    pub mtime_ns: i64,
}

pub fn stamp(path: &Path) -> std::io::Result<Stamp> {
    let meta = std::fs::metadata(path)?;
    let mtime_ns = meta.modified()?.duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as i64).unwrap_or(0);
    Ok(Stamp { size: meta.len() as i64, mtime_ns })
}

/// The key of `job`, given the content hash of each of its inputs (in order).
pub fn job_key(job: &PendingJob, input_hashes: &[String]) -> String {
    let mut h = KeyHasher::new("reel.job.v1");
    h.part(job.kind.as_bytes()).part(job.params.as_bytes());
    h.part(&(job.outputs.len() as u64).to_le_bytes());
    for out in &job.outputs {
        h.part(out.to_string_lossy().as_bytes());
    }
    h.part(&(job.dep_results.len() as u64).to_le_bytes());
    for dep in &job.dep_results {
        h.part(dep.as_bytes());
    }
    h.part(&(input_hashes.len() as u64).to_le_bytes());
    for (path, content) in job.inputs.iter().zip(input_hashes) {
        h.part(path.to_string_lossy().as_bytes()).part(content.as_bytes());
    }
    h.finish()
}

/// The hash dependents see: the hashes of the outputs, or the key itself for a job without outputs.
pub fn result_hash(key: &str, outputs: &[OutputRecord]) -> String {
    let mut h = KeyHasher::new("reel.result.v1");
    if outputs.is_empty() {
        h.part(key.as_bytes());
    }
    for out in outputs {
        h.part(out.hash.as_bytes());
    }
    h.finish()
}

/// Whether every recorded output still holds what was recorded. Unchanged size and mtime are trusted; anything
/// else is re-hashed.
pub fn outputs_intact(workspace: &Path, expected: &[PathBuf], recorded: &[OutputRecord]) -> bool {
    if expected.len() != recorded.len() {
        return false;
    }
    expected.iter().zip(recorded).all(|(path, rec)| {
        if *path != rec.path {
            return false;
        }
        let full = workspace.join(path);
        match stamp(&full) {
            Ok(s) if s.size == rec.size && s.mtime_ns == rec.mtime_ns => true,
            Ok(s) if s.size == rec.size => hash::file(&full).is_ok_and(|h| h == rec.hash),
            _ => false,
        }
    })
}

/// Hashes a finished output file and records it under its workspace-relative path.
pub fn record_output(workspace: &Path, relative: &Path) -> std::io::Result<OutputRecord> {
    let full = workspace.join(relative);
    let s = stamp(&full)?;
    Ok(OutputRecord { path: relative.to_path_buf(), hash: hash::file(&full)?, size: s.size, mtime_ns: s.mtime_ns })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::JobId;

    fn job(params: &str, deps: &[&str]) -> PendingJob {
        PendingJob {
            id: JobId(1),
            name: "j".into(),
            kind: "k".into(),
            params: params.into(),
            inputs: vec!["in.txt".into()],
            outputs: vec!["out.txt".into()],
            done_key: None,
            dep_results: deps.iter().map(|d| d.to_string()).collect(),
            recorded: vec![],
        }
    }

    #[test]
    fn key_changes_with_each_part_and_only_then() {
        let base = job_key(&job("{\"a\":1}", &["x"]), &["h1".into()]);
        assert_eq!(base, job_key(&job("{\"a\":1}", &["x"]), &["h1".into()]));
        assert_ne!(base, job_key(&job("{\"a\":2}", &["x"]), &["h1".into()]));
        assert_ne!(base, job_key(&job("{\"a\":1}", &["y"]), &["h1".into()]));
        assert_ne!(base, job_key(&job("{\"a\":1}", &["x"]), &["h2".into()]));
        let mut other_output = job("{\"a\":1}", &["x"]);
        other_output.outputs = vec!["other.txt".into()];
        assert_ne!(base, job_key(&other_output, &["h1".into()]));
    }

    #[test]
    fn outputs_intact_notices_changed_and_missing_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("o"), b"take 1").unwrap();
        let rec = record_output(dir.path(), Path::new("o")).unwrap();
        let expected = vec![PathBuf::from("o")];
        assert!(outputs_intact(dir.path(), &expected, std::slice::from_ref(&rec)));
        std::fs::write(dir.path().join("o"), b"take 2").unwrap();
        assert!(!outputs_intact(dir.path(), &expected, std::slice::from_ref(&rec)));
        std::fs::remove_file(dir.path().join("o")).unwrap();
        assert!(!outputs_intact(dir.path(), &expected, &[rec]));
    }
}
