//! The one error type of footage analysis. Every variant names the file, so a message read in a log of a thousand
//! ingested clips says which clip failed and why. Damage found *while* decoding is not an error: it becomes a
//! [`super::Warning`] beside the shots that could be read.

use std::io;
use std::path::PathBuf;

use thiserror::Error;

#[derive(Debug, Error)]
pub enum AnalysisError {
    #[error("{path}: cannot read file: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{path}: file is empty (0 bytes)")]
    Empty { path: PathBuf },
    #[error("{path}: not a media file FFmpeg can read ({reason})")]
    NotMedia { path: PathBuf, reason: String },
    #[error("{path}: has no video stream")]
    NoVideo { path: PathBuf },
    #[error("{path}: cannot decode the video stream ({codec}): {reason}")]
    Decoder { path: PathBuf, codec: String, reason: String },
    #[error("{path}: cannot write thumbnail: {source}")]
    Thumbnail {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

impl AnalysisError {
    pub(super) fn io(path: impl Into<PathBuf>, source: io::Error) -> Self {
        AnalysisError::Io { path: path.into(), source }
    }
}
