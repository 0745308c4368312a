//! The face figures of a video, as `reel faces report` prints them: faces and tracks found, box jitter raw and
//! smoothed, and, for a swapped video given with its source, temporal flicker inside the face regions.
//!
//! Owns the decode-detect-track pass for measuring; the measures themselves are `metrics`. Prints nothing.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::crop::Window;
use super::error::FacesError;
use super::frames::VideoFrames;
use super::metrics::{Flicker, FlickerMeter, JitterReport, track_jitter};
use super::rect::FaceBox;
use super::track::{TrackSettings, Tracker};
use super::{FaceDetector, Settings};

/// What a video's faces measure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FacesReport {
    /// The video whose faces were tracked (the source, when a swapped video is measured against it).
    pub tracked: PathBuf,
    /// The swapped video compared with it, if any.
    pub swapped: Option<PathBuf>,
    pub width: u32,
    pub height: u32,
    pub fps: f64,
    pub frames: u64,
    /// Frames with at least one detection.
    pub frames_with_faces: u64,
    pub detections: u64,
    pub tracks: usize,
    /// Mean height of the detected boxes, px.
    pub mean_face_px: f64,
    pub jitter: JitterReport,
    pub flicker: Option<Flicker>,
    /// Seconds in the detector.
    pub detect_s: f64,
    /// Every track with its raw and smoothed boxes per frame.
    pub track_points: Vec<super::track::Track>,
}

/// Tracks the faces of `video` and measures their jitter; with `swapped`, also the flicker that the swapped video adds
/// inside the face windows (`margin` as in the swap) frame by frame.
pub fn measure(
    video: &Path,
    swapped: Option<&Path>,
    detector: Settings,
    track: TrackSettings,
    margin: f32,
) -> Result<FacesReport, FacesError> {
    let mut detector = FaceDetector::with_settings(detector)?;
    let mut frames = VideoFrames::open(video)?;
    let mut other = swapped.map(VideoFrames::open).transpose()?;
    let probe = frames.probe().clone();
    let mut tracker = Tracker::new(track);
    let mut meter = FlickerMeter::new();
    let (mut count, mut with_faces, mut detections, mut face_px, mut detect_s) = (0u64, 0u64, 0u64, 0.0f64, 0.0f64);
    while let Some((info, picture)) = frames.next_frame()? {
        let started = std::time::Instant::now();
        let found: Vec<FaceBox> =
            detector.detect(picture.width(), picture.height(), picture.as_raw())?.iter().map(FaceBox::from).collect();
        detect_s += started.elapsed().as_secs_f64();
        count += 1;
        with_faces += u64::from(!found.is_empty());
        detections += found.len() as u64;
        face_px += found.iter().map(|f| f64::from(f.height)).sum::<f64>();
        let active = tracker.update(info.index, info.time_s, Some(&found));
        if let Some(other) = other.as_mut() {
            let Some((_, swapped_picture)) = other.next_frame()? else {
                let path = swapped.map(Path::to_path_buf).unwrap_or_default();
                return Err(FacesError::Decode {
                    path,
                    reason: format!("ends after {} frames, before its source", count - 1),
                });
            };
            let regions: Vec<FaceBox> = active.iter().map(|a| Window::around(&a.smoothed, margin).rect()).collect();
            meter.add(&picture, &swapped_picture, &regions);
        }
    }
    let tracks = tracker.finish();
    Ok(FacesReport {
        tracked: video.to_path_buf(),
        swapped: swapped.map(Path::to_path_buf),
        width: probe.width,
        height: probe.height,
        fps: probe.fps,
        frames: count,
        frames_with_faces: with_faces,
        detections,
        tracks: tracks.len(),
        mean_face_px: if detections > 0 { face_px / detections as f64 } else { 0.0 },
        jitter: track_jitter(&tracks),
        flicker: swapped.map(|_| meter.result()),
        detect_s,
        track_points: tracks,
    })
}
