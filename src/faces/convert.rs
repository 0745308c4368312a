//! The seam between face tracking and blending (`faces`) and the learned face swapper (`faceswap`).
//!
//! `faces` finds, tracks, crops and blends faces; it does not know how a crop is turned into another identity's
//! face. `faceswap` trains and runs the model; it does not know about video frames, tracks or masks. A
//! [`FaceConverter`] is what passes between them: aligned square RGB crops in, the same crops as the other identity
//! out, at the converter's resolution.

use image::RgbImage;

/// Why a batch of crops could not be converted.
#[derive(Debug, thiserror::Error)]
#[error("face conversion failed: {0}")]
pub struct ConvertError(pub String);

/// Turns square face crops into the target identity's face, crop for crop.
///
/// Every crop passed in is `resolution() x resolution()`; the output has as many crops, in the same order and at the
/// same size. Implementations may batch internally and must be deterministic for the same inputs.
pub trait FaceConverter {
    /// Side in pixels of the crops the converter takes and returns (64 or 128).
    fn resolution(&self) -> u32;

    /// Converts each crop to the target identity.
    fn convert(&mut self, crops: &[RgbImage]) -> Result<Vec<RgbImage>, ConvertError>;
}
