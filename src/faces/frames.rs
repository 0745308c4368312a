//! Video frames as RGB pictures for the face stage: every frame of the main video stream, in presentation order, at
//! the stream's own size, with its frame number, time and timestamp. A thin layer over the archive's decoder
//! (`archive::analysis::VideoDecoder`), so the two stages decode the same way.
//!
//! Owns nothing but the conversion to `image::RgbImage`; it must not look at the pixels.

use std::path::{Path, PathBuf};

use image::RgbImage;

use super::error::FacesError;
use crate::archive::analysis::{self, DecodeOptions, FrameInfo, Probe, RgbFrame, VideoDecoder};

/// Decodes one file's video, a frame at a time.
pub struct VideoFrames {
    path: PathBuf,
    probe: Probe,
    decoder: VideoDecoder,
    buffer: RgbFrame,
}

impl VideoFrames {
    /// Opens `path`; every frame is decoded (no B-frame skipping, in-loop filter on).
    pub fn open(path: &Path) -> Result<VideoFrames, FacesError> {
        let fail = |e: analysis::AnalysisError| FacesError::Decode { path: path.to_path_buf(), reason: e.to_string() };
        let probe = analysis::probe(path).map_err(fail)?;
        let options = DecodeOptions { threads: 0, fast: false, skip_bidir: false };
        let decoder = VideoDecoder::open(path, &probe, &options).map_err(fail)?;
        Ok(VideoFrames { path: path.to_path_buf(), probe, decoder, buffer: RgbFrame::default() })
    }

    pub fn probe(&self) -> &Probe {
        &self.probe
    }

    /// Starts reading at the keyframe at or before `time_s` (see `VideoDecoder::seek_to`); call it before the first
    /// frame.
    pub fn seek(&mut self, time_s: f64) {
        self.decoder.seek_to(time_s);
    }

    /// The next frame, or `None` at the end of the stream (or at damage that stops reading).
    pub fn next_frame(&mut self) -> Result<Option<(FrameInfo, RgbImage)>, FacesError> {
        let Some(info) = self.decoder.next_frame() else { return Ok(None) };
        self.decoder
            .scale_rgb(self.probe.width, &mut self.buffer)
            .map_err(|e| FacesError::Decode { path: self.path.clone(), reason: e.to_string() })?;
        let (w, h) = (self.buffer.width as u32, self.buffer.height as u32);
        let picture = RgbImage::from_raw(w, h, std::mem::take(&mut self.buffer.data))
            .ok_or_else(|| FacesError::Decode { path: self.path.clone(), reason: format!("short {w}x{h} picture") })?;
        Ok(Some((info, picture)))
    }
}
