//! The per-frame face swap, as a library API: a [`FrameSwapper`] holds a detector, an online tracker with one-euro
//! smoothing and a [`FaceConverter`]; [`FrameSwapper::swap_frame`] takes one RGB frame and replaces every tracked
//! face in it: crop around the smoothed box → convert → colour-match to the original crop → warp back through the
//! sigmoid blend mask. This is what the production renderer calls per frame and what `reel faces swap` runs.
//!
//! It does no IO (no files, no decoding, no printing); it times its phases into a [`SwapReport`].

use std::collections::BTreeSet;
use std::time::Instant;

use image::RgbImage;
use serde::{Deserialize, Serialize};

use super::FaceDetector;
use super::blend::{BlendSettings, Mask};
use super::colour::match_colour;
use super::convert::FaceConverter;
use super::crop::{self, DEFAULT_MARGIN, Window};
use super::error::FacesError;
use super::rect::FaceBox;
use super::track::{Track, TrackSettings, Tracker};

/// How faces are swapped.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SwapSettings {
    /// Context around the face box in the crop (see [`DEFAULT_MARGIN`]); must match the face sets the model was
    /// trained on.
    pub margin: f32,
    pub blend: BlendSettings,
    pub track: TrackSettings,
    /// Run the detector on every n-th frame only (1 = every frame); the tracker predicts the frames between.
    pub detect_every: u32,
    /// Match the converted face's colour to the original crop's.
    pub colour_match: bool,
}

impl Default for SwapSettings {
    fn default() -> Self {
        SwapSettings {
            margin: DEFAULT_MARGIN,
            blend: BlendSettings::default(),
            track: TrackSettings::default(),
            detect_every: 1,
            colour_match: true,
        }
    }
}

/// One face replaced in a frame.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SwappedFace {
    pub track: u32,
    pub raw: FaceBox,
    pub smoothed: FaceBox,
    /// The crop window (in frame pixels) the face was cut from and pasted back into.
    pub window: Window,
    pub detected: bool,
}

/// What a run of the swapper did, and where its time went.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SwapReport {
    pub frames: u64,
    /// Frames with at least one face swapped.
    pub frames_swapped: u64,
    /// Faces swapped, summed over frames.
    pub faces_swapped: u64,
    /// Ids of the tracks that were swapped.
    pub tracks: BTreeSet<u32>,
    /// Seconds in the detector (and tracker).
    pub detect_s: f64,
    /// Seconds in the converter (the model).
    pub convert_s: f64,
    /// Seconds cropping, colour matching and blending back.
    pub blend_s: f64,
}

impl SwapReport {
    /// Frames per second of the swap alone (detect + convert + blend), or 0 before any frame.
    pub fn fps(&self) -> f64 {
        let total = self.detect_s + self.convert_s + self.blend_s;
        if total > 0.0 { self.frames as f64 / total } else { 0.0 }
    }
}

/// Swaps the tracked faces of a stream of frames, one frame at a time, in order.
pub struct FrameSwapper {
    detector: FaceDetector,
    tracker: Tracker,
    converter: Box<dyn FaceConverter>,
    settings: SwapSettings,
    mask: Mask,
    report: SwapReport,
}

impl FrameSwapper {
    pub fn new(
        detector: FaceDetector,
        converter: Box<dyn FaceConverter>,
        settings: SwapSettings,
    ) -> Result<FrameSwapper, FacesError> {
        if settings.detect_every == 0 {
            return Err(FacesError::Setting("detect_every must be at least 1".into()));
        }
        if !(0.0..=2.0).contains(&settings.margin) {
            return Err(FacesError::Setting(format!("margin {} must be in 0..=2", settings.margin)));
        }
        let resolution = converter.resolution();
        if resolution == 0 {
            return Err(FacesError::Setting("the converter's resolution is 0".into()));
        }
        Ok(FrameSwapper {
            detector,
            tracker: Tracker::new(settings.track),
            mask: Mask::sigmoid(resolution, &settings.blend),
            converter,
            settings,
            report: SwapReport::default(),
        })
    }

    /// Replaces the faces in `picture` (frame number `frame` at `time_s` seconds) and returns what it replaced.
    /// Frames must come in order; a track needs `min_hits` detections before its face is swapped.
    pub fn swap_frame(
        &mut self,
        frame: u64,
        time_s: f64,
        picture: &mut RgbImage,
    ) -> Result<Vec<SwappedFace>, FacesError> {
        let started = Instant::now();
        let detect = self.report.frames.is_multiple_of(u64::from(self.settings.detect_every));
        let detections: Option<Vec<FaceBox>> = if detect {
            let (w, h) = picture.dimensions();
            Some(self.detector.detect(w, h, picture.as_raw())?.iter().map(FaceBox::from).collect())
        } else {
            None
        };
        let active = self.tracker.update(frame, time_s, detections.as_deref());
        self.report.frames += 1;
        self.report.detect_s += started.elapsed().as_secs_f64();
        if active.is_empty() {
            return Ok(Vec::new());
        }

        let started = Instant::now();
        let resolution = self.converter.resolution();
        let faces: Vec<SwappedFace> = active
            .iter()
            .map(|a| SwappedFace {
                track: a.id,
                raw: a.raw,
                smoothed: a.smoothed,
                window: Window::around(&a.smoothed, self.settings.margin),
                detected: a.detected,
            })
            .collect();
        let crops: Vec<RgbImage> = faces.iter().map(|f| crop::crop(picture, &f.window, resolution)).collect();
        self.report.blend_s += started.elapsed().as_secs_f64();

        let started = Instant::now();
        let converted = self.converter.convert(&crops)?;
        self.report.convert_s += started.elapsed().as_secs_f64();
        if converted.len() != crops.len() || converted.iter().any(|c| c.dimensions() != (resolution, resolution)) {
            let got = converted.iter().map(|c| format!("{}x{}", c.width(), c.height())).collect::<Vec<_>>().join(", ");
            return Err(FacesError::ConverterShape { sent: crops.len(), got: format!("[{got}]"), resolution });
        }

        let started = Instant::now();
        for ((face, original), swapped) in faces.iter().zip(&crops).zip(&converted) {
            let swapped = if self.settings.colour_match {
                match_colour(swapped, original, Some(&self.mask))
            } else {
                swapped.clone()
            };
            crop::paste(picture, &face.window, &swapped, &self.mask);
        }
        self.report.blend_s += started.elapsed().as_secs_f64();
        self.report.frames_swapped += 1;
        self.report.faces_swapped += faces.len() as u64;
        self.report.tracks.extend(faces.iter().map(|f| f.track));
        Ok(faces)
    }

    pub fn report(&self) -> &SwapReport {
        &self.report
    }

    pub fn settings(&self) -> &SwapSettings {
        &self.settings
    }

    /// Ends the run: the report and every confirmed track (raw and smoothed boxes, for the jitter figures).
    pub fn finish(self) -> (SwapReport, Vec<Track>) {
        (self.report, self.tracker.finish())
    }
}
