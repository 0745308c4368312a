//! Errors of the assemble module; every variant names the file it concerns.

use std::path::PathBuf;

/// Why assembling a film failed.
#[derive(Debug, thiserror::Error)]
pub enum AssembleError {
    /// No segments were given to join; `path` is the output that would have been written.
    #[error("{}: no segments to join", path.display())]
    NoSegments {
        /// The requested output file.
        path: PathBuf,
    },
    /// FFmpeg failed to open, read or write a file.
    #[error("{}: {what}: {source}", path.display())]
    Ffmpeg {
        /// The file being read or written.
        path: PathBuf,
        /// What was being done.
        what: &'static str,
        /// FFmpeg's error.
        source: ffmpeg_next::Error,
    },
    /// A segment's streams differ from the first segment's, so packets cannot be copied into one file.
    #[error("{}: does not match the first segment {}: {mismatch}", path.display(), first.display())]
    Mismatch {
        /// The mismatching segment.
        path: PathBuf,
        /// The first segment, the reference.
        first: PathBuf,
        /// What differs, e.g. `stream 0 width 640 != 320`.
        mismatch: String,
    },
    /// A segment's timestamps cannot be made continuous (missing or non-increasing decode timestamps).
    #[error("{}: bad timestamps: {detail}", path.display())]
    Timestamps {
        /// The segment.
        path: PathBuf,
        /// What went wrong.
        detail: String,
    },
    /// A file-system operation failed.
    #[error("{}: {what}: {source}", path.display())]
    Io {
        /// The file involved.
        path: PathBuf,
        /// What was being done.
        what: &'static str,
        /// The I/O error.
        source: std::io::Error,
    },
}
