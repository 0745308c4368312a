//! Stills: the picture a video shows at a given time, as RGB, for storyboards, reports and previews.

use std::path::Path;

use ffmpeg::format::Pixel;
use ffmpeg::software::scaling;
use ffmpeg_next as ffmpeg;
use image::RgbImage;

use super::error::RenderError;
use super::video::{SourceVideo, TIME_EPSILON_S};

/// The frame shown at `at_s` seconds (the last one at or before it; the first frame for an earlier time, the last
/// for a later one), scaled to `width` pixels wide with its aspect kept.
pub fn still(path: &Path, at_s: f64, width: u32) -> Result<RgbImage, RenderError> {
    let mut source = SourceVideo::open(path, at_s)?;
    let mut shown: Option<ffmpeg::frame::Video> = None;
    while let Some(timed) = source.next_frame()? {
        if shown.is_some() && timed.time_s > at_s + TIME_EPSILON_S {
            break;
        }
        shown = Some(timed.frame);
    }
    let frame = shown.ok_or_else(|| RenderError::NoVideo { path: path.into() })?;
    to_rgb(&frame, width, path)
}

fn to_rgb(frame: &ffmpeg::frame::Video, width: u32, path: &Path) -> Result<RgbImage, RenderError> {
    let decode = |reason: String| RenderError::Decode { path: path.into(), reason };
    let width = width.max(2) & !1;
    let height = ((u64::from(frame.height()) * u64::from(width) / u64::from(frame.width().max(1))) as u32).max(2) & !1;
    let mut scaler = scaling::Context::get(
        frame.format(),
        frame.width(),
        frame.height(),
        Pixel::RGB24,
        width,
        height,
        scaling::Flags::BILINEAR,
    )
    .map_err(|e| decode(e.to_string()))?;
    let mut rgb = ffmpeg::frame::Video::empty();
    scaler.run(frame, &mut rgb).map_err(|e| decode(e.to_string()))?;
    let stride = rgb.stride(0);
    let data = rgb.data(0);
    let row = width as usize * 3;
    let mut pixels = Vec::with_capacity(row * height as usize);
    for y in 0..height as usize {
        pixels.extend_from_slice(&data[y * stride..y * stride + row]);
    }
    RgbImage::from_raw(width, height, pixels).ok_or_else(|| decode("scaled frame has the wrong size".into()))
}
