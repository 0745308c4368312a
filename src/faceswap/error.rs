//! The module's one error type. Variants carry what a user needs to act: the directory, the file, the value.

use std::path::PathBuf;

use crate::lm::LmError;

#[derive(Debug, thiserror::Error)]
pub enum FaceswapError {
    #[error("{} is not a face set folder: {reason}", dir.display())]
    NotAFaceSet { dir: PathBuf, reason: String },

    #[error("face set {} has no usable PNG crops{skipped}", dir.display())]
    EmptyFaceSet { dir: PathBuf, skipped: String },

    #[error("face set {} has {count} usable crops; training needs at least {need}", dir.display())]
    TooFewCrops { dir: PathBuf, count: usize, need: usize },

    #[error(
        "face set {} was cut upright and {} was not (made with `--upright false`, or before the option); extract \
         both the same way",
        upright.display(),
        not.display()
    )]
    MixedUpright { upright: PathBuf, not: PathBuf },

    #[error("invalid {field} = {value}: {reason}")]
    InvalidConfig { field: &'static str, value: String, reason: &'static str },

    #[error("crop {index} is {width}x{height}, but the model takes {res}x{res}")]
    CropSize { index: usize, width: u32, height: u32, res: u32 },

    #[error("cannot resume from {}: {field} is {checkpoint} there but {requested} was asked for", path.display())]
    ConfigMismatch { path: PathBuf, field: &'static str, checkpoint: String, requested: String },

    /// Reading or writing a checkpoint file (shared with the language models' checkpoint code).
    #[error(transparent)]
    Checkpoint(#[from] LmError),

    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },

    #[error("tensor error: {0}")]
    Tensor(#[from] candle_core::Error),
}

impl FaceswapError {
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> FaceswapError {
        let path = path.into();
        move |source| FaceswapError::Io { path, source }
    }
}

pub type Result<T, E = FaceswapError> = std::result::Result<T, E>;
