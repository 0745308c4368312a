//! The per-frame face swap, as a library API: a [`FrameSwapper`] holds a detector, an online tracker with one-euro
//! smoothing and a [`FaceConverter`]; [`FrameSwapper::swap_frame`] takes one RGB frame and replaces every tracked
//! face in it: crop around the smoothed box (turned upright, for a model trained upright) → convert → colour-match
//! to the original crop → warp back through the sigmoid blend mask. This is what the production renderer calls per
//! frame and what `reel faces swap` runs.
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
use super::roll::{RollFilter, RollSettings};
use super::track::{Active, Track, TrackSettings, Tracker};

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
    /// Of the detections, every n-th scans the whole picture; the others only the regions around the faces found
    /// last (`faces::roi`). A picture with no face known is always scanned whole. 1 scans whole every time.
    pub full_scan_every: u32,
    /// Swap at most this many faces per picture, the largest (0 = every face). A face chosen stays chosen while it
    /// lasts and is not much smaller than the largest, so the swap does not hop between faces of similar size.
    pub max_faces: usize,
    /// Match the converted face's colour to the original crop's.
    pub colour_match: bool,
    /// Cut faces upright (their roll read and smoothed per track, `faces::roll`) and paste them back turned: for a
    /// model trained on upright face sets ([`crate::faceswap::Swapper::upright`]).
    #[serde(default)]
    pub upright: bool,
}

impl Default for SwapSettings {
    fn default() -> Self {
        SwapSettings {
            margin: DEFAULT_MARGIN,
            blend: BlendSettings::default(),
            track: TrackSettings::default(),
            detect_every: 1,
            full_scan_every: 8,
            max_faces: 0,
            colour_match: true,
            upright: false,
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
    /// Detections that scanned the whole picture (the others scanned the regions around known faces).
    #[serde(default)]
    pub full_scans: u64,
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
    /// Boxes of the faces found or tracked in the last picture: where region scans look.
    known: Vec<FaceBox>,
    /// Detections since the last whole-picture scan.
    since_full: u32,
    /// The tracks being swapped, when `max_faces` limits them.
    chosen: Vec<u32>,
    /// The smoothed roll of each track, when faces are cut upright.
    rolls: RollFilter,
}

/// A chosen face stays chosen while it is at least this fraction of the largest face's area.
const KEEP_CHOSEN: f32 = 0.6;

impl FrameSwapper {
    pub fn new(
        detector: FaceDetector,
        converter: Box<dyn FaceConverter>,
        settings: SwapSettings,
    ) -> Result<FrameSwapper, FacesError> {
        if settings.detect_every == 0 || settings.full_scan_every == 0 {
            return Err(FacesError::Setting("detect_every and full_scan_every must be at least 1".into()));
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
            known: Vec::new(),
            since_full: 0,
            chosen: Vec::new(),
            rolls: RollFilter::new(RollSettings::default()),
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
        let detections: Option<Vec<FaceBox>> = if !detect {
            None
        } else if self.known.is_empty() || self.since_full + 1 >= self.settings.full_scan_every {
            self.since_full = 0;
            self.report.full_scans += 1;
            let (w, h) = picture.dimensions();
            Some(self.detector.detect(w, h, picture.as_raw())?.iter().map(FaceBox::from).collect())
        } else {
            self.since_full += 1;
            Some(super::roi::detect_near(&mut self.detector, picture, &self.known)?)
        };
        let active = self.tracker.update(frame, time_s, detections.as_deref());
        // Region scans look where faces were last found, confirmed or not.
        self.known = detections.unwrap_or_default();
        for a in &active {
            if !self.known.iter().any(|k| k.iou(&a.raw) > 0.3) {
                self.known.push(a.raw);
            }
        }
        let active = self.choose(active);
        self.report.frames += 1;
        self.report.detect_s += started.elapsed().as_secs_f64();
        if active.is_empty() {
            return Ok(Vec::new());
        }

        let started = Instant::now();
        let resolution = self.converter.resolution();
        let faces: Vec<SwappedFace> = active
            .iter()
            .map(|a| {
                let mut window = Window::around(&a.smoothed, self.settings.margin);
                if self.settings.upright {
                    window = self.rolls.turn(picture, window, resolution, self.settings.margin, a.id, time_s);
                }
                SwappedFace { track: a.id, raw: a.raw, smoothed: a.smoothed, window, detected: a.detected }
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

    /// The faces to swap among `active`: all of them, or the `max_faces` largest, keeping those chosen before while
    /// they last and stay within [`KEEP_CHOSEN`] of the largest.
    fn choose(&mut self, mut active: Vec<Active>) -> Vec<Active> {
        let limit = self.settings.max_faces;
        if limit == 0 {
            return active;
        }
        let area = |a: &Active| a.smoothed.width * a.smoothed.height;
        active.sort_by(|a, b| area(b).total_cmp(&area(a)));
        let largest = active.first().map_or(0.0, area);
        let mut keep: Vec<u32> = self
            .chosen
            .iter()
            .copied()
            .filter(|id| active.iter().any(|a| a.id == *id && area(a) >= KEEP_CHOSEN * largest))
            .collect();
        for a in &active {
            if keep.len() >= limit {
                break;
            }
            if !keep.contains(&a.id) {
                keep.push(a.id);
            }
        }
        keep.truncate(limit);
        self.chosen = keep.clone();
        active.retain(|a| keep.contains(&a.id));
        active
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::faces::convert::ConvertError;

    struct Same;

    impl FaceConverter for Same {
        fn resolution(&self) -> u32 {
            32
        }

        fn convert(&mut self, crops: &[RgbImage]) -> Result<Vec<RgbImage>, ConvertError> {
            Ok(crops.to_vec())
        }
    }

    fn face(id: u32, side: f32) -> Active {
        let b = FaceBox { x: 10.0 * id as f32, y: 0.0, width: side, height: side };
        Active { id, raw: b, smoothed: b, detected: true }
    }

    #[test]
    fn one_face_is_chosen_and_kept_until_another_is_clearly_larger() {
        let settings = SwapSettings { max_faces: 1, ..SwapSettings::default() };
        let mut s = FrameSwapper::new(FaceDetector::new().unwrap(), Box::new(Same), settings).unwrap();
        let ids = |v: Vec<Active>| v.iter().map(|a| a.id).collect::<Vec<_>>();
        assert_eq!(ids(s.choose(vec![face(1, 100.0), face(2, 60.0)])), [1]);
        // 2 grows past 1, but 1 is still above 60 % of its area: no hop.
        assert_eq!(ids(s.choose(vec![face(1, 100.0), face(2, 110.0)])), [1]);
        // 1 falls under 60 % of 2's area: 2 takes over, and stays when 1 is back at its size.
        assert_eq!(ids(s.choose(vec![face(1, 80.0), face(2, 110.0)])), [2]);
        assert_eq!(ids(s.choose(vec![face(1, 100.0), face(2, 110.0)])), [2]);
        assert_eq!(ids(s.choose(vec![face(1, 100.0)])), [1]);
        // Without a limit every face is swapped.
        let mut all = FrameSwapper::new(FaceDetector::new().unwrap(), Box::new(Same), SwapSettings::default()).unwrap();
        assert_eq!(ids(all.choose(vec![face(1, 100.0), face(2, 60.0)])), [1, 2]);
    }

    #[test]
    fn scan_settings_are_checked() {
        let bad = SwapSettings { full_scan_every: 0, ..SwapSettings::default() };
        assert!(FrameSwapper::new(FaceDetector::new().unwrap(), Box::new(Same), bad).is_err());
    }
}
