//! What can go wrong while rendering; every variant names the file involved.

use std::path::PathBuf;

/// A failed render. Each variant carries the path of the file it concerns (source, voice, font or output).
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// The source file cannot be opened or read as media.
    #[error("cannot open {path}: {reason}")]
    Open { path: PathBuf, reason: String },
    /// The source file has no video stream.
    #[error("{path} has no video stream")]
    NoVideo { path: PathBuf },
    /// Decoding the source failed.
    #[error("cannot decode {path}: {reason}")]
    Decode { path: PathBuf, reason: String },
    /// The voice WAV cannot be read or resampled.
    #[error("cannot read voice {path}: {reason}")]
    Voice { path: PathBuf, reason: String },
    /// The font cannot be loaded.
    #[error("cannot load font {path}: {reason} (on Debian, install fonts-dejavu-core)")]
    Font { path: PathBuf, reason: String },
    /// The shot or card description is unusable (zero duration, bad format).
    #[error("cannot render {path}: {reason}")]
    Spec { path: PathBuf, reason: String },
    /// A picture filter (the face swap) failed on a frame.
    #[error("{path}: frame {frame}: {reason}")]
    Filter { path: PathBuf, frame: u64, reason: String },
    /// Encoding or writing the output failed.
    #[error("cannot write {path}: {reason}")]
    Encode { path: PathBuf, reason: String },
}
