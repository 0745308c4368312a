//! Rendering: conforms and encodes one shot (a cut from an archive file, with a voice line mixed over its sound) or
//! one text card into an MP4 segment (H.264 + AAC) in the production [`Format`].
//!
//! Owns frame-accurate cutting, scaling/padding, the shot's sound mix (archive gain, ducking under the voice, edge
//! fades) and encoding. Segments rendered with one `Format` have identical codec parameters, so a later step can join
//! them by remuxing packets. Must not touch the database, print, or choose footage: it is told what to render.

mod audio;
mod card;
mod encode;
mod error;
mod filter;
mod format;
mod still;
mod storyboard;
mod video;

use std::path::{Path, PathBuf};

pub use card::{CardLine, DEFAULT_FONT, Font, render_card};
pub use error::RenderError;
pub use filter::FrameFilter;
pub use format::Format;
pub use still::still;
pub use storyboard::{PANEL_H, PANEL_W, Panel, storyboard};

use audio::{Mix, Voice};
use encode::SegmentWriter;
use video::{Conformer, SourceVideo, TimedFrame};

/// Initialises FFmpeg once and silences its own logging (the library must not print; errors come back as values).
pub(crate) fn init_ffmpeg(path: &Path) -> Result<(), RenderError> {
    ffmpeg_next::init()
        .map_err(|e| RenderError::Open { path: path.into(), reason: format!("cannot initialise FFmpeg: {e}") })?;
    ffmpeg_next::util::log::set_level(ffmpeg_next::util::log::Level::Quiet);
    Ok(())
}

/// One shot to render.
#[derive(Debug, Clone, PartialEq)]
pub struct ShotSpec {
    /// Archive video file.
    pub source: PathBuf,
    /// Seconds from the start of the source.
    pub start_s: f64,
    /// Length of the shot in seconds.
    pub duration_s: f64,
    /// A voice line (WAV, any rate and channel count) mixed over the archive sound.
    pub voice: Option<PathBuf>,
    /// Seconds from the shot start to the voice start.
    pub voice_delay_s: f64,
    /// Gain of the archive sound while the voice sounds, dB (e.g. -14).
    pub duck_db: f32,
    /// Gain of the archive sound, dB.
    pub archive_gain_db: f32,
    /// Audio fade in and out at the shot's edges, seconds (e.g. 0.02).
    pub fade_s: f64,
}

/// What a render produced.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderReport {
    /// Video frames written.
    pub frames: u64,
    /// Audio samples (per channel) written.
    pub samples: u64,
    /// Frames that repeat the source's last frame because the source ended before the shot did.
    pub held_frames: u64,
    /// Duration of the segment, seconds (`frames / fps`).
    pub duration_s: f64,
}

/// Renders `spec` into the MP4 file `out`: exactly `round(duration_s * fps)` frames and `round(duration_s * rate)`
/// samples.
/// On error no partial file is left at `out`.
pub fn render_shot(spec: &ShotSpec, format: &Format, out: &Path) -> Result<RenderReport, RenderError> {
    render_filtered(spec, format, out, None)
}

/// [`render_shot`], with every new picture passed through `filter` (at the format's frame size) before it is
/// encoded.
pub fn render_filtered(
    spec: &ShotSpec,
    format: &Format,
    out: &Path,
    filter: Option<&mut dyn FrameFilter>,
) -> Result<RenderReport, RenderError> {
    let result = shot(spec, format, out, filter);
    if result.is_err() {
        // A half-written segment must not look like a finished one.
        let _ = std::fs::remove_file(out);
    }
    result
}

fn shot(
    spec: &ShotSpec,
    format: &Format,
    out: &Path,
    mut filter: Option<&mut dyn FrameFilter>,
) -> Result<RenderReport, RenderError> {
    let spec_err = |reason: String| RenderError::Spec { path: spec.source.clone(), reason };
    if let Some(problem) = format.problem() {
        return Err(spec_err(problem));
    }
    let valid = spec.duration_s.is_finite() && spec.duration_s > 0.0 && spec.start_s.is_finite() && spec.start_s >= 0.0;
    if !valid {
        return Err(spec_err(format!("bad range: start {} s, duration {} s", spec.start_s, spec.duration_s)));
    }
    let frames = format.frame_count(spec.duration_s);
    let samples = format.sample_count(spec.duration_s) as usize;
    let rate = format.sample_rate;

    // Sound first (it is small): the whole shot's mix in memory.
    let voice = spec.voice.as_deref().map(|path| Voice::load(path, rate)).transpose()?;
    let archive = audio::decode_source(&spec.source, spec.start_s, samples, rate)?;
    let mix = Mix {
        archive,
        archive_gain_db: spec.archive_gain_db,
        voice: voice.as_ref(),
        voice_offset: (spec.voice_delay_s * f64::from(rate)).round() as i64,
        duck_db: spec.duck_db,
        fade: (spec.fade_s.max(0.0) * f64::from(rate)).round() as usize,
        rate,
    };
    let sound = audio::mix(&mix, samples);

    let mut source = SourceVideo::open(&spec.source, spec.start_s)?;
    let mut conformer = Conformer::new(format);
    let mut writer = SegmentWriter::create(out, format)?;
    let mut bridge = match filter {
        Some(_) => Some(filter::RgbBridge::new(format.width, format.height).map_err(|e| spec_err(e.to_string()))?),
        None => None,
    };
    let fps = format.fps();
    let mut next: Option<TimedFrame> = source.next_frame()?;
    let mut current: Option<TimedFrame> = None;
    let mut picture: Option<ffmpeg_next::frame::Video> = None;
    let mut last_time_s = f64::NEG_INFINITY;
    let mut held_frames = 0;
    let mut audio_written = 0usize;
    for k in 0..frames {
        let t = spec.start_s + k as f64 / fps;
        // Advance to the latest source frame at or before t (the first frame, if the source starts after t).
        let mut changed = false;
        while let Some(candidate) = next.take() {
            if candidate.time_s <= t + video::TIME_EPSILON_S || current.is_none() {
                last_time_s = last_time_s.max(candidate.time_s);
                current = Some(candidate);
                changed = true;
                next = source.next_frame()?;
            } else {
                next = Some(candidate);
                break;
            }
        }
        let Some(shown) = current.as_ref() else {
            return Err(RenderError::Decode { path: spec.source.clone(), reason: "no video frame decoded".into() });
        };
        if next.is_none() && t >= last_time_s + source.frame_duration_s() - video::TIME_EPSILON_S {
            if k == 0 {
                let reason =
                    format!("starts at {} s, after the source's last frame ({last_time_s:.3} s)", spec.start_s);
                return Err(RenderError::Spec { path: spec.source.clone(), reason });
            }
            held_frames += 1;
        }
        if changed || picture.is_none() {
            let mut conformed = conformer.conform(&shown.frame, &spec.source)?;
            if let (Some(filter), Some(bridge)) = (filter.as_deref_mut(), bridge.as_mut()) {
                bridge.filter(&mut conformed, k, shown.time_s, filter).map_err(|reason| RenderError::Filter {
                    path: spec.source.clone(),
                    frame: k,
                    reason,
                })?;
            }
            picture = Some(conformed);
        }
        if let Some(picture) = picture.as_mut() {
            writer.push_video(picture, k as i64)?;
        }
        // Interleave: sound up to the end of this frame.
        let until = ((((k + 1) as f64) / fps * f64::from(rate)).round() as usize).min(samples);
        if until > audio_written {
            writer.push_audio(&sound[2 * audio_written..2 * until])?;
            audio_written = until;
        }
    }
    if audio_written < samples {
        writer.push_audio(&sound[2 * audio_written..])?;
    }
    writer.finish()?;
    Ok(RenderReport { frames, samples: samples as u64, held_frames, duration_s: frames as f64 / fps })
}
