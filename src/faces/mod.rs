//! Faces: detection, tracking, face sets and the per-frame face swap.
//!
//! This file owns the SeetaFace frontal detector (through the `rustface` crate), the model bytes embedded in the
//! binary at build time (see `build.rs`; nothing is downloaded), the conversion of an RGB8 picture to grayscale, and
//! (in `scale`) the [`ShotScale`] classification. The submodules track (`track`, `smooth`), cut and paste crops
//! (`crop`, `blend`, `colour`), swap a frame (`swap`), make face sets (`set`), run whole videos (`frames`, `video`)
//! and measure (`metrics`, `report`). The learned model lives in `faceswap`, behind [`FaceConverter`]. Nothing here
//! touches a database or prints; only `set`, `frames`, `video` and `report` do file IO.

pub mod blend;
pub mod colour;
pub mod convert;
pub mod crop;
mod error;
pub mod frames;
pub mod metrics;
pub mod rect;
pub mod report;
pub mod roi;
pub mod roll;
mod scale;
pub mod set;
pub mod smooth;
pub mod swap;
pub mod track;
pub mod video;

pub use blend::{BlendSettings, Mask};
pub use convert::{ConvertError, FaceConverter};
pub use crop::{DEFAULT_MARGIN, Window};
pub use error::FacesError;
pub use rect::FaceBox;
pub use scale::{ParseShotScaleError, ShotScale};
pub use smooth::SmoothSettings;
pub use swap::{FrameSwapper, SwapReport, SwapSettings, SwappedFace};
pub use track::{Active, Track, TrackPoint, TrackSettings, Tracker};

use rustface::{Detector, ImageData};
use serde::{Deserialize, Serialize};

/// The SeetaFace frontal model (`seeta_fd_frontal_v1.0.bin`, BSD-2-Clause), found by `build.rs` inside the
/// `rustface` package.
static MODEL: &[u8] = include_bytes!(env!("REEL_SEETA_MODEL"));

/// Side in pixels of rustface's sliding window: the smallest face it can find at the picture's own resolution.
const WINDOW: u32 = 40;

/// One detected face: its box in picture pixels (clamped to the picture) and the detector's confidence.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Face {
    /// Left edge, pixels from the picture's left.
    pub x: u32,
    /// Top edge, pixels from the picture's top.
    pub y: u32,
    /// Box width in pixels.
    pub width: u32,
    /// Box height in pixels.
    pub height: u32,
    /// Detector score; higher is more confident. Detections below [`Settings::score_threshold`] are dropped.
    pub score: f64,
}

/// Why the detector could not be built or could not run.
#[derive(Debug, thiserror::Error)]
pub enum FaceError {
    /// The embedded SeetaFace model did not parse.
    #[error("cannot read the embedded SeetaFace model: {0}")]
    Model(#[source] std::io::Error),
    /// The pixel buffer does not hold `width * height` RGB8 pixels.
    #[error("picture is {width}x{height} so needs {expected} RGB8 bytes, got {actual}")]
    BufferSize {
        /// Picture width in pixels.
        width: u32,
        /// Picture height in pixels.
        height: u32,
        /// `width * height * 3`.
        expected: usize,
        /// Length of the buffer passed in.
        actual: usize,
    },
    /// A setting is outside the range the detector accepts.
    #[error("invalid face detector setting: {0}")]
    Setting(String),
}

/// Detector tuning. [`Settings::default`] holds the values measured on reel's 320-px keyframes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// Smallest face kept, as a fraction of the picture height. Boxes smaller than this are dropped as likely
    /// false positives. Faces smaller than the detector's 40-px window are never found whatever this says.
    pub min_face_fraction: f64,
    /// Minimum detector score for a face to be kept (must be > 0).
    pub score_threshold: f64,
    /// Ratio between consecutive image pyramid levels, in 0.01..=0.99: higher is slower and finds more sizes.
    pub pyramid_scale_factor: f32,
    /// Sliding window step in pixels, horizontal and vertical (≥ 1): lower is slower and finds more positions.
    pub window_step: u32,
    /// Integer factor (1..=4) by which the grayscale picture is enlarged before detection. rustface cannot see a face
    /// smaller than its 40-px window, so on a 320x180 keyframe nothing under 22% of the height is found at 1; 2 brings
    /// that down to 11% (waist-up shots) for about 5x the time. Boxes are reported in the caller's pixels.
    pub upscale: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Self { min_face_fraction: 0.1, score_threshold: 2.0, pyramid_scale_factor: 0.8, window_step: 4, upscale: 2 }
    }
}

/// A SeetaFace frontal face detector with its model loaded. Build one per worker thread and reuse it: loading the
/// model takes a few milliseconds, and `detect` needs `&mut self`.
pub struct FaceDetector {
    detector: Box<dyn Detector>,
    settings: Settings,
}

impl FaceDetector {
    /// Loads the embedded model with the default [`Settings`].
    pub fn new() -> Result<Self, FaceError> {
        Self::with_settings(Settings::default())
    }

    /// Loads the embedded model with the given settings, checking them first (rustface panics on bad values).
    pub fn with_settings(settings: Settings) -> Result<Self, FaceError> {
        check_settings(&settings)?;
        let model = rustface::read_model(MODEL).map_err(FaceError::Model)?;
        let mut detector = rustface::create_detector_with_model(model);
        detector.set_score_thresh(settings.score_threshold);
        detector.set_pyramid_scale_factor(settings.pyramid_scale_factor);
        detector.set_slide_window_step(settings.window_step, settings.window_step);
        Ok(Self { detector, settings })
    }

    /// The settings this detector runs with.
    pub fn settings(&self) -> Settings {
        self.settings
    }

    /// Finds frontal faces in an RGB8 picture (`width * height * 3` bytes, rows top to bottom), largest first.
    /// A picture smaller than the detector window has no faces.
    pub fn detect(&mut self, width: u32, height: u32, rgb: &[u8]) -> Result<Vec<Face>, FaceError> {
        let expected = width as usize * height as usize * 3;
        if rgb.len() != expected {
            return Err(FaceError::BufferSize { width, height, expected, actual: rgb.len() });
        }
        let up = upscale_for(&self.settings, height);
        if width * up < WINDOW || height * up < WINDOW {
            return Ok(Vec::new());
        }
        let gray = enlarge(&grayscale(rgb), width, height, up);
        let min_height = self.settings.min_face_fraction * f64::from(height);
        let mut faces: Vec<Face> = self
            .detector
            .detect(&ImageData::new(&gray, width * up, height * up))
            .iter()
            .filter_map(|info| clamp_box(info.bbox(), up, width, height, info.score()))
            .filter(|face| f64::from(face.height) >= min_height)
            .collect();
        faces.sort_by_key(|face| std::cmp::Reverse(face.width * face.height));
        Ok(faces)
    }
}

/// The enlargement for a picture `height` pixels tall: `upscale`, but no more than brings the smallest face kept
/// (`min_face_fraction` of the height) up to the detector's window. Enlarging further only finds faces that are then
/// dropped, at up to 16x the time (a 720p frame at 2 is a 2560x1440 search).
fn upscale_for(settings: &Settings, height: u32) -> u32 {
    let needed = (f64::from(WINDOW) / (settings.min_face_fraction * f64::from(height))).ceil();
    if needed.is_finite() { settings.upscale.min(needed.max(1.0) as u32) } else { settings.upscale }
}

fn check_settings(settings: &Settings) -> Result<(), FaceError> {
    let bad = |what: String| Err(FaceError::Setting(what));
    if settings.score_threshold.is_nan() || settings.score_threshold <= 0.0 {
        return bad(format!("score_threshold {} must be > 0", settings.score_threshold));
    }
    if !(0.01..=0.99).contains(&settings.pyramid_scale_factor) {
        return bad(format!("pyramid_scale_factor {} must be in 0.01..=0.99", settings.pyramid_scale_factor));
    }
    if settings.window_step == 0 {
        return bad("window_step must be ≥ 1".to_owned());
    }
    if !(1..=4).contains(&settings.upscale) {
        return bad(format!("upscale {} must be in 1..=4", settings.upscale));
    }
    if !(0.0..=1.0).contains(&settings.min_face_fraction) {
        return bad(format!("min_face_fraction {} must be in 0..=1", settings.min_face_fraction));
    }
    Ok(())
}

/// ITU-R BT.601 luma in integer arithmetic, the weighting the SeetaFace model was trained on.
fn grayscale(rgb: &[u8]) -> Vec<u8> {
    rgb.chunks_exact(3)
        .map(|px| ((77 * u32::from(px[0]) + 150 * u32::from(px[1]) + 29 * u32::from(px[2]) + 128) >> 8) as u8)
        .collect()
}

/// Enlarges a grayscale picture by an integer factor with bilinear interpolation (pixel centres aligned).
fn enlarge(gray: &[u8], width: u32, height: u32, factor: u32) -> Vec<u8> {
    if factor == 1 {
        return gray.to_vec();
    }
    let (w, h, f) = (width as usize, height as usize, factor as f32);
    let source = |pos: usize, len: usize| {
        let s = ((pos as f32 + 0.5) / f - 0.5).clamp(0.0, (len - 1) as f32);
        let lo = s as usize;
        (lo, (lo + 1).min(len - 1), s - lo as f32)
    };
    let mut out = Vec::with_capacity(w * h * (factor * factor) as usize);
    for y in 0..h * factor as usize {
        let (y0, y1, fy) = source(y, h);
        for x in 0..w * factor as usize {
            let (x0, x1, fx) = source(x, w);
            let at = |yy: usize, xx: usize| f32::from(gray[yy * w + xx]);
            let top = at(y0, x0) + (at(y0, x1) - at(y0, x0)) * fx;
            let bottom = at(y1, x0) + (at(y1, x1) - at(y1, x0)) * fx;
            out.push((top + (bottom - top) * fy + 0.5) as u8);
        }
    }
    out
}

/// Maps a detector box from the enlarged picture back to the caller's pixels and clips it to the picture (boxes may
/// start at negative coordinates or run past the edge).
fn clamp_box(bbox: &rustface::Rectangle, factor: u32, width: u32, height: u32, score: f64) -> Option<Face> {
    let clip = |start: i32, len: u32, limit: u32| -> Option<(u32, u32)> {
        let factor = i64::from(factor);
        let lo = (i64::from(start) / factor).clamp(0, i64::from(limit));
        let hi = ((i64::from(start) + i64::from(len)) / factor).clamp(0, i64::from(limit));
        (hi > lo).then(|| (lo as u32, (hi - lo) as u32))
    };
    let (x, w) = clip(bbox.x(), bbox.width(), width)?;
    let (y, h) = clip(bbox.y(), bbox.height(), height)?;
    Some(Face { x, y, width: w, height: h, score })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pictures_are_enlarged_only_as_far_as_the_smallest_face_kept_needs() {
        let at = |fraction: f64, upscale: u32, height: u32| {
            upscale_for(&Settings { min_face_fraction: fraction, upscale, ..Settings::default() }, height)
        };
        // 10 % of 720 is 72 px, over the 40-px window: no enlargement; of 360 it is 36 px: twice.
        assert_eq!(at(0.1, 2, 720), 1);
        assert_eq!(at(0.1, 2, 360), 2);
        assert_eq!(at(0.1, 4, 360), 2);
        // The setting stays the most: 10 % of 144 px would need 3.
        assert_eq!(at(0.1, 2, 144), 2);
        assert_eq!(at(0.0, 3, 720), 3);
    }
}
