//! Small FFmpeg helpers shared by archive analysis and rendering: seeking by seconds from the container's start,
//! and converting decoded sound to packed f32.

use ffmpeg::ChannelLayout;
use ffmpeg::software::resampling;
use ffmpeg_next as ffmpeg;

/// Seeks `input` to the keyframe at or before `start_s` seconds after the container's own start time; a failed seek
/// rewinds to the beginning (decoding forward from there is slower, never wrong). Returns the container's start
/// time in seconds, the origin that timestamps are measured from.
pub fn seek_seconds(input: &mut ffmpeg::format::context::Input, start_s: f64) -> f64 {
    // SAFETY: `input` owns a valid, opened AVFormatContext; `start_time` is a plain integer field (no safe getter).
    let start_time = unsafe { (*input.as_ptr()).start_time };
    let origin_s = if start_time == ffmpeg::ffi::AV_NOPTS_VALUE {
        0.0
    } else {
        start_time as f64 / f64::from(ffmpeg::ffi::AV_TIME_BASE)
    };
    if start_s > 0.0 {
        let target = ((origin_s + start_s) * f64::from(ffmpeg::ffi::AV_TIME_BASE)) as i64;
        if input.seek(target, ..target).is_err() {
            let _ = input.seek(0, ..0);
        }
    }
    origin_s
}

/// The resampler in `slot` that turns `frame` into packed f32 with `layout` at `rate`, made (again) when the
/// frame's format, layout or rate differ from what it was made for. A frame without a layout gets the default one
/// for its channel count.
pub fn f32_resampler<'a>(
    frame: &mut ffmpeg::frame::Audio,
    slot: &'a mut Option<resampling::Context>,
    layout: ChannelLayout,
    rate: u32,
) -> Result<&'a mut resampling::Context, String> {
    if frame.channel_layout().is_empty() {
        frame.set_channel_layout(ChannelLayout::default(i32::from(frame.channels())));
    }
    let stale = slot.as_ref().is_none_or(|r| {
        let input = r.input();
        input.format != frame.format() || input.channel_layout != frame.channel_layout() || input.rate != frame.rate()
    });
    if stale {
        let packed = ffmpeg::format::Sample::F32(ffmpeg::format::sample::Type::Packed);
        let context =
            resampling::Context::get(frame.format(), frame.channel_layout(), frame.rate(), packed, layout, rate)
                .map_err(|e| format!("cannot resample {:?} audio: {e}", frame.format()))?;
        *slot = Some(context);
    }
    slot.as_mut().ok_or_else(|| "no resampler".to_string())
}
