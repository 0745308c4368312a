//! Error type for the embedding module.

use std::path::PathBuf;

/// Everything that can go wrong while loading the model or embedding text.
#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    /// A required model file is not on disk.
    #[error("model file {} is missing; run `make data` to extract it", path.display())]
    MissingFile {
        /// The file that was looked for.
        path: PathBuf,
    },
    /// A model file exists but could not be read or parsed.
    #[error("model file {} is unreadable or invalid ({reason}); run `make data` to extract it again", path.display())]
    BadFile {
        /// The offending file.
        path: PathBuf,
        /// What was wrong with it.
        reason: String,
    },
    /// The tokenizer failed on an input text.
    #[error("tokenizing text failed: {0}")]
    Tokenize(String),
    /// The tensor computation failed.
    #[error("model inference failed: {0}")]
    Inference(#[from] candle_core::Error),
    /// A byte blob does not hold a whole number of little-endian `f32`s.
    #[error("embedding blob has {len} bytes, which is not a multiple of 4")]
    BadBytes {
        /// Length of the rejected blob.
        len: usize,
    },
}
