//! Picture: decodes the source's main video stream from a start time, picks the frame shown at each output frame time
//! (constant frame rate: source frames are duplicated or dropped) and conforms it to the format (swscale, centred,
//! black bars, yuv420p).

use std::path::{Path, PathBuf};

use ffmpeg::format::Pixel;
use ffmpeg::software::scaling;
use ffmpeg::{Packet, Rational, media};
use ffmpeg_next as ffmpeg;

use super::error::RenderError;
use super::format::{Format, Placement, fit};

/// Timestamps this close to an output frame time count as at it (rounding of time bases).
pub const TIME_EPSILON_S: f64 = 1e-4;

/// Reads source frames in presentation order from a start time.
pub struct SourceVideo {
    path: PathBuf,
    input: ffmpeg::format::context::Input,
    stream: usize,
    decoder: ffmpeg::decoder::Video,
    time_base: Rational,
    /// Seconds subtracted from frame times: the container's start time, so time 0 is where players start.
    origin_s: f64,
    /// One source frame's duration (for telling when the source has ended).
    frame_duration_s: f64,
    eof_sent: bool,
    finished: bool,
}

/// A decoded source frame and its time in seconds.
pub struct TimedFrame {
    pub frame: ffmpeg::frame::Video,
    pub time_s: f64,
}

impl SourceVideo {
    /// Opens `path` and seeks to the keyframe at or before `start_s` (seconds from the start of the file).
    pub fn open(path: &Path, start_s: f64) -> Result<Self, RenderError> {
        let open_err = |reason: String| RenderError::Open { path: path.into(), reason };
        super::init_ffmpeg(path)?;
        let mut input = ffmpeg::format::input(path).map_err(|e| open_err(e.to_string()))?;
        let stream =
            input.streams().best(media::Type::Video).ok_or_else(|| RenderError::NoVideo { path: path.into() })?;
        let index = stream.index();
        let time_base = stream.time_base();
        let rate = stream.avg_frame_rate();
        let rate = if rate.numerator() > 0 && rate.denominator() > 0 { rate } else { stream.rate() };
        let frame_duration_s =
            if rate.numerator() > 0 && rate.denominator() > 0 { f64::from(rate.invert()) } else { 1.0 / 25.0 };
        let decode_err = |e: ffmpeg::Error| RenderError::Decode { path: path.into(), reason: e.to_string() };
        let context = ffmpeg::codec::context::Context::from_parameters(stream.parameters()).map_err(decode_err)?;
        let mut context = context;
        context.set_threading(ffmpeg::codec::threading::Config {
            kind: ffmpeg::codec::threading::Type::Frame,
            count: 0,
            ..Default::default()
        });
        let decoder = context.decoder().video().map_err(decode_err)?;
        let origin_s = crate::av::seek_seconds(&mut input, start_s);
        Ok(SourceVideo {
            path: path.into(),
            input,
            stream: index,
            decoder,
            time_base,
            origin_s,
            frame_duration_s,
            eof_sent: false,
            finished: false,
        })
    }

    /// One source frame's duration in seconds.
    pub fn frame_duration_s(&self) -> f64 {
        self.frame_duration_s
    }

    /// The next decoded frame, or `None` at the end of the stream.
    pub fn next_frame(&mut self) -> Result<Option<TimedFrame>, RenderError> {
        let mut frame = ffmpeg::frame::Video::empty();
        let mut packet = Packet::empty();
        let mut read_errors = 0;
        while !self.finished {
            match self.decoder.receive_frame(&mut frame) {
                Ok(()) => {
                    let pts = frame.timestamp().or(frame.pts());
                    let Some(pts) = pts else { continue };
                    let time_s = pts as f64 * f64::from(self.time_base) - self.origin_s;
                    return Ok(Some(TimedFrame { frame, time_s }));
                }
                Err(ffmpeg::Error::Eof) => self.finished = true,
                Err(ffmpeg::Error::Other { errno: ffmpeg::util::error::EAGAIN }) => {
                    if self.eof_sent {
                        self.finished = true;
                        continue;
                    }
                    match packet.read(&mut self.input) {
                        Ok(()) if packet.stream() == self.stream => {
                            read_errors = 0;
                            // A damaged packet is skipped; the previous frame is held in its place.
                            let _ = self.decoder.send_packet(&packet);
                        }
                        Ok(()) => {}
                        Err(ffmpeg::Error::Eof) => {
                            self.eof_sent = true;
                            let _ = self.decoder.send_eof();
                        }
                        Err(e) => {
                            read_errors += 1;
                            if read_errors > 16 {
                                return Err(RenderError::Decode { path: self.path.clone(), reason: e.to_string() });
                            }
                        }
                    }
                }
                // A corrupt frame: go on with the next.
                Err(_) => {}
            }
        }
        Ok(None)
    }
}

/// Conforms decoded frames to the output format: scale into the centred placement, black elsewhere.
pub struct Conformer {
    width: u32,
    height: u32,
    scaler: Option<(ScalerKey, scaling::Context)>,
    scaled: ffmpeg::frame::Video,
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct ScalerKey {
    format: Pixel,
    width: u32,
    height: u32,
    place: Placement,
}

impl Conformer {
    /// A conformer for `format`'s frame size.
    pub fn new(format: &Format) -> Self {
        Conformer { width: format.width, height: format.height, scaler: None, scaled: ffmpeg::frame::Video::empty() }
    }

    /// A new yuv420p output frame holding `source` scaled to fit, centred, with black bars.
    pub fn conform(&mut self, source: &ffmpeg::frame::Video, path: &Path) -> Result<ffmpeg::frame::Video, RenderError> {
        let fail = |reason: String| RenderError::Decode { path: path.into(), reason };
        let (w, h) = (source.width(), source.height());
        if w == 0 || h == 0 {
            return Err(fail("decoded frame has no picture".into()));
        }
        let sar = source.aspect_ratio();
        let sar = if sar.numerator() > 0 && sar.denominator() > 0 { f64::from(sar) } else { 1.0 };
        let place = fit(w, h, sar, self.width, self.height);
        let key = ScalerKey { format: source.format(), width: w, height: h, place };
        let scaler = match &mut self.scaler {
            Some((k, scaler)) if *k == key => scaler,
            slot => {
                let context = scaling::Context::get(
                    key.format,
                    w,
                    h,
                    Pixel::YUV420P,
                    place.width,
                    place.height,
                    scaling::Flags::BICUBIC,
                )
                .map_err(|e| fail(format!("cannot scale {:?} {w}x{h}: {e}", key.format)))?;
                &mut slot.insert((key, context)).1
            }
        };
        scaler.run(source, &mut self.scaled).map_err(|e| fail(format!("scaling failed: {e}")))?;
        let mut out = black_frame(self.width, self.height);
        blit(&self.scaled, &mut out, place);
        Ok(out)
    }
}

/// A black yuv420p frame (limited range).
pub fn black_frame(width: u32, height: u32) -> ffmpeg::frame::Video {
    let mut frame = ffmpeg::frame::Video::new(Pixel::YUV420P, width, height);
    for (plane, value) in [(0, 16u8), (1, 128), (2, 128)] {
        frame.data_mut(plane).fill(value);
    }
    frame
}

/// Copies the yuv420p picture `from` into `to` at the placement's offset.
fn blit(from: &ffmpeg::frame::Video, to: &mut ffmpeg::frame::Video, place: Placement) {
    for plane in 0..3 {
        let shift = usize::from(plane > 0);
        let (w, h) = ((place.width as usize) >> shift, (place.height as usize) >> shift);
        let (x, y) = ((place.x as usize) >> shift, (place.y as usize) >> shift);
        let (src_stride, dst_stride) = (from.stride(plane), to.stride(plane));
        let src = from.data(plane);
        let dst = to.data_mut(plane);
        for row in 0..h {
            let s = row * src_stride;
            let d = (y + row) * dst_stride + x;
            if s + w <= src.len() && d + w <= dst.len() {
                dst[d..d + w].copy_from_slice(&src[s..s + w]);
            }
        }
    }
}
