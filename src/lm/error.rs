//! The module's one error type. Variants carry what a user needs to act: the path, the field, the value.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum LmError {
    #[error("the {what} text is empty")]
    EmptyCorpus { what: &'static str },

    #[error("the {what} text has {len} characters, but a training window needs at least {need} (seq + 1)")]
    TextTooShort { what: &'static str, len: usize, need: usize },

    #[error("invalid {field} = {value}: {reason}")]
    InvalidConfig { field: &'static str, value: String, reason: &'static str },

    #[error("checkpoint file {} is corrupt: {reason}", path.display())]
    CorruptCheckpoint { path: PathBuf, reason: String },

    #[error("cannot resume from {}: {field} is {checkpoint} there but {requested} was asked for", path.display())]
    ConfigMismatch { path: PathBuf, field: &'static str, checkpoint: String, requested: String },

    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },

    #[error("tokenizer: {0}")]
    Tokenizer(String),

    #[error("tensor error: {0}")]
    Tensor(#[from] candle_core::Error),
}

impl LmError {
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> LmError {
        let path = path.into();
        move |source| LmError::Io { path, source }
    }

    pub(crate) fn corrupt(path: impl Into<PathBuf>, reason: impl ToString) -> LmError {
        LmError::CorruptCheckpoint { path: path.into(), reason: reason.to_string() }
    }
}

pub type Result<T, E = LmError> = std::result::Result<T, E>;
