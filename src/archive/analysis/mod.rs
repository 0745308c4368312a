//! Footage analysis: what an archival film holds and how it divides into shots.
//!
//! [`analyze`] probes a file; scans its video once, measuring frames at 160 px (by default a coarse scan that decodes
//! only reference frames, then decodes the few frames around each boundary to place it exactly); derives per-shot
//! features; decodes again only as far as the last shot's keyframe to write thumbnails; and decodes the audio for
//! per-shot loudness. Damage part-way through a file is reported as [`Warning`]s beside the shots read before it;
//! only a file that cannot be analysed at all is an [`AnalysisError`].
//!
//! This module is a pure library: no database, no CLI, no printing (FFmpeg's own logging is silenced), no ffmpeg
//! subprocess. Progress and keyframe pictures reach the caller through an [`Observer`].

mod audio;
mod decode;
mod detect;
mod error;
mod features;
mod probe;
mod scan;
mod subtitles;
mod thumbnail;
mod warning;

use std::path::{Path, PathBuf};
use std::sync::Once;

use serde::{Deserialize, Serialize};

pub use audio::loudness_per_range;
pub use decode::{DecodeOptions, DecodeReport, FrameInfo, RgbFrame, VideoDecoder};
pub use detect::{BoundaryKind, DetectorConfig, Shot, detect_shots};
pub use error::AnalysisError;
pub use features::{FrameAnalyzer, FrameStats, HUE_BINS, ShotFeatures, dominant_colours};
pub use probe::{Probe, StreamInfo, StreamKind, SubtitleKind, probe};
pub use scan::{FramePass, measure_frames, scan};
pub use subtitles::{StreamCue, StreamSubtitles, read_subtitle_stream};
pub use thumbnail::{THUMBNAIL_WIDTH, thumbnail_name, write_thumbnail};
pub use warning::Warning;

/// How to analyse.
#[derive(Debug, Clone, PartialEq)]
pub struct AnalysisOptions {
    /// Width of the picture frames are measured at (height keeps the aspect).
    pub analysis_width: u32,
    pub decode: DecodeOptions,
    pub detector: DetectorConfig,
    /// Write a keyframe thumbnail per shot (the keyframe pass also yields the dominant colours).
    pub thumbnails: bool,
    /// Measure per-shot loudness.
    pub loudness: bool,
}

impl Default for AnalysisOptions {
    fn default() -> Self {
        AnalysisOptions {
            analysis_width: 160,
            decode: DecodeOptions::default(),
            detector: DetectorConfig::default(),
            thumbnails: true,
            loudness: true,
        }
    }
}

/// One shot with everything measured about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShotInfo {
    pub shot: Shot,
    pub features: ShotFeatures,
    /// Frame number of the keyframe: the middle frame, or after a coarse scan the decoded frame nearest the middle.
    pub keyframe: u64,
    pub thumbnail: Option<PathBuf>,
    /// Integrated loudness (EBU R 128) of the shot's sound, LUFS; `None` without audio, for silence, or for shots
    /// under 400 ms.
    pub loudness_lufs: Option<f64>,
}

/// Everything analysis learned about one file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Analysis {
    pub probe: Probe,
    pub shots: Vec<ShotInfo>,
    pub warnings: Vec<Warning>,
}

/// Hears from a running analysis. Every method has a do-nothing default.
pub trait Observer {
    /// `done` frames of about `total` measured (`total` is the container's count, which damage can make wrong).
    fn progress(&mut self, _done: u64, _total: u64) {}
    /// The keyframe of shot `index` at [`THUMBNAIL_WIDTH`], e.g. for face detection.
    fn keyframe(&mut self, _index: usize, _shot: &Shot, _picture: &RgbFrame) {}
}

/// An observer that ignores everything.
pub struct Quiet;

impl Observer for Quiet {}

/// Analyses `path`, writing thumbnails into `thumbs_dir`.
pub fn analyze(path: &Path, options: &AnalysisOptions, thumbs_dir: &Path) -> Result<Analysis, AnalysisError> {
    analyze_with(path, options, thumbs_dir, &mut Quiet)
}

/// [`analyze`], reporting progress and keyframes to `observer`.
pub fn analyze_with(
    path: &Path,
    options: &AnalysisOptions,
    thumbs_dir: &Path,
    observer: &mut dyn Observer,
) -> Result<Analysis, AnalysisError> {
    let probe = probe(path)?;
    let (shots, pass) = scan(path, &probe, options, observer)?;
    let mut warnings = pass.report.warnings(probe.frame_count);

    let mut infos: Vec<ShotInfo> = shots
        .iter()
        .map(|shot| {
            let first = pass.frames.partition_point(|f| f.index < shot.start_frame);
            let end = pass.frames.partition_point(|f| f.index < shot.end_frame);
            let frames = pass.frames.get(first..end).unwrap_or_default();
            let mut features = ShotFeatures::from_frames(frames);
            features.frame_count = shot.frame_count();
            ShotInfo {
                shot: *shot,
                features,
                keyframe: keyframe_of(frames, shot),
                thumbnail: None,
                loudness_lufs: None,
            }
        })
        .collect();

    if options.thumbnails && !infos.is_empty() {
        // Decode as the scan finally did, so that frame numbers match.
        let decode = DecodeOptions { skip_bidir: pass.coarse, ..options.decode.clone() };
        keyframe_pass(path, &probe, &decode, thumbs_dir, &mut infos, observer)?;
    }
    if options.loudness && probe.has_audio {
        let ranges: Vec<(f64, f64)> = infos.iter().map(|s| (s.shot.start_s, s.shot.end_s)).collect();
        let (loudness, audio_warnings) = loudness_per_range(path, &ranges);
        for (info, lufs) in infos.iter_mut().zip(loudness) {
            info.loudness_lufs = lufs;
        }
        warnings.extend(audio_warnings);
    }
    Ok(Analysis { probe, shots: infos, warnings })
}

/// The measured frame of `shot` nearest its middle (the middle itself when every frame was measured).
fn keyframe_of(frames: &[FrameStats], shot: &Shot) -> u64 {
    let middle = shot.start_frame + shot.frame_count() / 2;
    frames.iter().map(|f| f.index).min_by_key(|i| i.abs_diff(middle)).unwrap_or(middle)
}

/// Decodes again up to the last keyframe, writing each shot's keyframe thumbnail and dominant colours.
fn keyframe_pass(
    path: &Path,
    probe: &Probe,
    decode: &DecodeOptions,
    thumbs_dir: &Path,
    shots: &mut [ShotInfo],
    observer: &mut dyn Observer,
) -> Result<(), AnalysisError> {
    let mut decoder = VideoDecoder::open(path, probe, decode)?;
    let mut picture = RgbFrame::default();
    let mut next = 0;
    while let Some(info) = decoder.next_frame() {
        let Some(shot) = shots.get_mut(next) else { break };
        if info.index < shot.keyframe {
            continue;
        }
        decoder.scale_rgb(THUMBNAIL_WIDTH, &mut picture)?;
        shot.features.dominant_colours = dominant_colours(&picture, 3);
        let name = thumbnail_name(&probe.content_hash, next);
        shot.thumbnail = Some(write_thumbnail(&picture, thumbs_dir, &name)?);
        observer.keyframe(next, &shot.shot, &picture);
        next += 1;
    }
    Ok(())
}

/// Initialises FFmpeg once per process and silences its logging, which would otherwise print to stderr from library
/// code. (This is process-wide: a caller that wants FFmpeg's log can raise the level again after.)
fn init() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        // Registration cannot fail on FFmpeg ≥ 4; if it did, opening the file reports the problem with its path.
        let _ = ffmpeg_next::init();
        ffmpeg_next::util::log::set_level(ffmpeg_next::util::log::Level::Quiet);
    });
}
