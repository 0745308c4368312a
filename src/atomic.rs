//! Atomic file writes: write beside the target, flush to disk, rename into place.
//!
//! A reader (or a resumed run) sees either the old file or the whole new one, never a half-written file. The
//! scheduler uses [`commit`] for job outputs; stages use [`write`] for files they own outright.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The temp path a writer uses for `target`: a hidden sibling (same directory, so the rename is atomic), tagged so
/// that stale temps of one writer can be found and removed.
pub fn temp_path(target: &Path, tag: &str) -> PathBuf {
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    target.with_file_name(format!(".{name}.tmp-{tag}"))
}

/// Flushes `temp` to disk, renames it to `target` and flushes the directory entry.
pub fn commit(temp: &Path, target: &Path) -> io::Result<()> {
    File::open(temp)?.sync_all()?;
    fs::rename(temp, target)?;
    if let Some(dir) = target.parent() {
        // Directory fsync makes the rename itself durable. Some filesystems refuse it; the rename still happened.
        if let Ok(d) = File::open(if dir.as_os_str().is_empty() { Path::new(".") } else { dir }) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}

/// Writes `data` to `target` atomically, creating its parent directory.
pub fn write(target: &Path, data: &[u8]) -> io::Result<()> {
    if let Some(dir) = target.parent() {
        fs::create_dir_all(dir)?;
    }
    let temp = temp_path(target, &std::process::id().to_string());
    let result = File::create(&temp).and_then(|mut f| f.write_all(data)).and_then(|_| commit(&temp, target));
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}

/// Removes stale temps of `target` whose tag starts with `tag_prefix`, left by a killed writer: the temps
/// themselves, and the temps a writer made of them in turn (a handler told to write the job temp `.a.mp4.tmp-j7-1`
/// may write `..a.mp4.tmp-j7-1.partial-PID.mp4` beside it and rename that into place; SIGKILL leaves it behind).
pub fn remove_stale_temps(target: &Path, tag_prefix: &str) -> io::Result<usize> {
    let Some(dir) = target.parent() else { return Ok(0) };
    let Some(name) = target.file_name().map(|n| n.to_string_lossy().into_owned()) else { return Ok(0) };
    let prefix = format!(".{name}.tmp-{tag_prefix}");
    let entries = match fs::read_dir(if dir.as_os_str().is_empty() { Path::new(".") } else { dir }) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e),
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let file_name = file_name.to_string_lossy();
        if file_name.starts_with(&prefix) || file_name.strip_prefix('.').is_some_and(|n| n.starts_with(&prefix)) {
            fs::remove_file(entry.path())?;
            removed += 1;
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_replaces_whole_file_and_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("sub/out.txt");
        write(&target, b"first").unwrap();
        write(&target, b"second").unwrap();
        assert_eq!(fs::read(&target).unwrap(), b"second");
        let names: Vec<_> = fs::read_dir(target.parent().unwrap()).unwrap().flatten().map(|e| e.file_name()).collect();
        assert_eq!(names, vec![std::ffi::OsString::from("out.txt")]);
    }

    #[test]
    fn stale_temps_are_found_by_tag() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("a.wav");
        fs::write(temp_path(&target, "j7-1"), b"partial").unwrap();
        fs::write(temp_path(&target, "j7-2"), b"partial").unwrap();
        fs::write(temp_path(&target, "j8-1"), b"other job").unwrap();
        // A writer's own temp of the job temp, as assemble::join and faces::video make them.
        let nested = dir
            .path()
            .join(format!(".{}.partial-99.mp4", temp_path(&target, "j7-3").file_name().unwrap().to_string_lossy()));
        fs::write(&nested, b"partial of a partial").unwrap();
        fs::write(dir.path().join("..a.wav.tmp-j8-2.partial-1.mp4"), b"other job").unwrap();
        assert_eq!(remove_stale_temps(&target, "j7-").unwrap(), 3);
        assert!(!nested.exists());
        assert!(temp_path(&target, "j8-1").exists());
        assert!(dir.path().join("..a.wav.tmp-j8-2.partial-1.mp4").exists());
    }
}
