//! Probing: what a file holds (duration, frame rate, size, streams) and its content hash, without decoding a frame.
//!
//! Owns the first line of defence against bad input (empty file, not media, no video). Must not decode pictures or
//! sound; that is `decode` and `audio`.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use ffmpeg::media;
use ffmpeg_next as ffmpeg;
use serde::{Deserialize, Serialize};

use super::error::AnalysisError;

/// What a file holds, as its container describes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Probe {
    /// Seconds, from the container (or the video stream where the container does not say).
    pub duration_s: f64,
    /// Frames per second of the main video stream (its average rate, else its base rate).
    pub fps: f64,
    pub width: u32,
    pub height: u32,
    /// Whether the container's average and base frame rates agree (frame numbers can then be derived from
    /// timestamps, which the coarse scan relies on).
    pub constant_frame_rate: bool,
    /// Frame count of the main video stream as the container states it, else estimated from duration × fps.
    pub frame_count: u64,
    /// Index of the video stream that analysis decodes.
    pub video_stream: usize,
    pub streams: Vec<StreamInfo>,
    pub has_audio: bool,
    /// blake3 of the whole file, hex.
    pub content_hash: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StreamInfo {
    pub index: usize,
    pub kind: StreamKind,
    /// FFmpeg's short codec name (`h264`, `aac`, `subrip`, `hdmv_pgs_subtitle`).
    pub codec: String,
    /// ISO 639 language tag, when the container has one.
    pub language: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum StreamKind {
    Video,
    Audio,
    Subtitle(SubtitleKind),
    /// Data, attachments and anything else analysis ignores.
    Other,
}

/// Text subtitles can be read as dialogue; bitmap subtitles would need OCR.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SubtitleKind {
    Text,
    Bitmap,
    Unknown,
}

impl SubtitleKind {
    /// Classifies a subtitle codec by FFmpeg's codec name.
    pub fn of_codec(codec: &str) -> Self {
        match codec {
            "subrip" | "srt" | "ass" | "ssa" | "webvtt" | "mov_text" | "text" | "microdvd" | "subviewer"
            | "subviewer1" | "sami" | "realtext" | "jacosub" | "mpl2" | "pjs" | "vplayer" | "stl" | "eia_608"
            | "ttml" => SubtitleKind::Text,
            "hdmv_pgs_subtitle" | "dvd_subtitle" | "dvb_subtitle" | "xsub" | "dvb_teletext" => SubtitleKind::Bitmap,
            _ => SubtitleKind::Unknown,
        }
    }
}

/// Probes `path`: container facts plus the blake3 hash of its bytes.
pub fn probe(path: &Path) -> Result<Probe, AnalysisError> {
    let content_hash = hash_file(path)?;
    let input = open_input(path)?;
    let mut probe = describe(path, &input)?;
    probe.content_hash = content_hash;
    Ok(probe)
}

/// Opens `path` as a media container, turning FFmpeg's failure into a message that names the file.
pub(super) fn open_input(path: &Path) -> Result<ffmpeg::format::context::Input, AnalysisError> {
    super::init();
    let len = std::fs::metadata(path).map_err(|e| AnalysisError::io(path, e))?.len();
    if len == 0 {
        return Err(AnalysisError::Empty { path: path.to_path_buf() });
    }
    ffmpeg::format::input(path).map_err(|e| AnalysisError::NotMedia { path: path.to_path_buf(), reason: e.to_string() })
}

/// Describes an open container; `content_hash` is left empty for the caller.
pub(super) fn describe(path: &Path, input: &ffmpeg::format::context::Input) -> Result<Probe, AnalysisError> {
    let no_video = || AnalysisError::NoVideo { path: path.to_path_buf() };
    let video = input.streams().best(media::Type::Video).ok_or_else(no_video)?;
    let params = video.parameters();
    // SAFETY: `params` wraps the stream's AVCodecParameters, owned by `input`, which outlives this borrow; we read
    // two plain integer fields. ffmpeg-next exposes no safe accessor for a stream's picture size.
    let (width, height) = unsafe {
        let raw = params.as_ptr();
        ((*raw).width.max(0) as u32, (*raw).height.max(0) as u32)
    };
    if width == 0 || height == 0 {
        return Err(no_video());
    }

    let fps = [video.avg_frame_rate(), video.rate()]
        .into_iter()
        .map(f64::from)
        .find(|r| r.is_finite() && *r > 0.0)
        .unwrap_or(25.0);
    let constant_frame_rate = video.avg_frame_rate() == video.rate() && f64::from(video.rate()) > 0.0;
    let duration_s = if input.duration() > 0 {
        input.duration() as f64 / f64::from(ffmpeg::ffi::AV_TIME_BASE)
    } else if video.duration() > 0 {
        video.duration() as f64 * f64::from(video.time_base())
    } else {
        0.0
    };
    let frame_count = match video.frames() {
        n if n > 0 => n as u64,
        _ => (duration_s * fps).round().max(0.0) as u64,
    };

    let streams: Vec<StreamInfo> = input
        .streams()
        .map(|s| {
            let codec = s.parameters().id().name().to_string();
            let kind = match s.parameters().medium() {
                media::Type::Video => StreamKind::Video,
                media::Type::Audio => StreamKind::Audio,
                media::Type::Subtitle => StreamKind::Subtitle(SubtitleKind::of_codec(&codec)),
                _ => StreamKind::Other,
            };
            let language = s.metadata().get("language").map(str::to_string);
            StreamInfo { index: s.index(), kind, codec, language }
        })
        .collect();
    let has_audio = streams.iter().any(|s| s.kind == StreamKind::Audio);

    Ok(Probe {
        duration_s,
        fps,
        constant_frame_rate,
        width,
        height,
        frame_count,
        video_stream: video.index(),
        streams,
        has_audio,
        content_hash: String::new(),
    })
}

fn hash_file(path: &Path) -> Result<String, AnalysisError> {
    let mut file = File::open(path).map_err(|e| AnalysisError::io(path, e))?;
    let mut hasher = blake3::Hasher::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                hasher.update(&buf[..n]);
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(AnalysisError::io(path, e)),
        }
    }
    Ok(hasher.finalize().to_hex().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(codec: &str, expected: SubtitleKind) {
        assert_eq!(SubtitleKind::of_codec(codec), expected, "{codec}");
    }

    #[test]
    fn subtitle_codecs_are_classed() {
        check("subrip", SubtitleKind::Text);
        check("ass", SubtitleKind::Text);
        check("webvtt", SubtitleKind::Text);
        check("mov_text", SubtitleKind::Text);
        check("hdmv_pgs_subtitle", SubtitleKind::Bitmap);
        check("dvd_subtitle", SubtitleKind::Bitmap);
        check("h264", SubtitleKind::Unknown);
    }
}
