//! Errors of face sets, swapping and video swap; every variant names the file or the setting involved.

use std::path::PathBuf;

use super::FaceError;
use super::convert::ConvertError;

#[derive(Debug, thiserror::Error)]
pub enum FacesError {
    #[error(transparent)]
    Detector(#[from] FaceError),
    #[error(transparent)]
    Convert(#[from] ConvertError),
    /// The converter answered with the wrong number or size of crops.
    #[error("the face converter returned {got} for {sent} crops of {resolution}x{resolution}")]
    ConverterShape { sent: usize, got: String, resolution: u32 },
    /// A setting is out of range.
    #[error("invalid setting: {0}")]
    Setting(String),
    /// A file or folder could not be read or written.
    #[error("{}: {what}: {source}", path.display())]
    Io {
        path: PathBuf,
        what: &'static str,
        #[source]
        source: std::io::Error,
    },
    /// A picture could not be read or written.
    #[error("{}: {source}", path.display())]
    Image {
        path: PathBuf,
        #[source]
        source: image::ImageError,
    },
    /// A video could not be opened or decoded.
    #[error("cannot decode {}: {reason}", path.display())]
    Decode { path: PathBuf, reason: String },
    /// The output video could not be encoded or written.
    #[error("cannot write {}: {reason}", path.display())]
    Encode { path: PathBuf, reason: String },
    /// Nothing usable came out of the sources.
    #[error("no faces found in {what}")]
    NoFaces { what: String },
    /// A face set folder lacks its manifest or it does not parse.
    #[error("{} is not a face set: {reason}", path.display())]
    NotASet { path: PathBuf, reason: String },
}

impl FacesError {
    pub(crate) fn io(path: impl Into<PathBuf>, what: &'static str, source: std::io::Error) -> FacesError {
        FacesError::Io { path: path.into(), what, source }
    }
}
