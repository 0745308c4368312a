//! Video decoding for analysis: a pull-style decoder that yields every frame of the main video stream in
//! presentation order, with its exact frame number and time, and scales it on request to a small packed RGB picture.
//!
//! Owns FFmpeg demuxing/decoding/scaling of video and the accounting of damage (skipped packets, read errors,
//! corrupt frames). Must not interpret pixels (that is `features` and `detect`) and must not print.

use std::path::{Path, PathBuf};

use ffmpeg::codec::threading;
use ffmpeg::software::scaling;
use ffmpeg::{Packet, Rational};
use ffmpeg_next as ffmpeg;

use super::error::AnalysisError;
use super::probe::{self, Probe};
use super::warning::Warning;

/// Consecutive demuxer errors after which the rest of the file is treated as unreadable.
const MAX_READ_ERRORS: u32 = 16;

/// How to decode.
#[derive(Debug, Clone, PartialEq)]
pub struct DecodeOptions {
    /// Decoder threads; 0 lets FFmpeg pick (one per core).
    pub threads: usize,
    /// Skip the H.264/HEVC in-loop deblocking filter. Pictures get slightly blockier, which analysis at 160 px
    /// cannot see, and decoding gets 20–40 % faster.
    pub fast: bool,
    /// Coarse scan: decode only reference (I and P) frames, skipping B-frames, which are most frames of a typical
    /// H.264 file. Frame numbers then come from timestamps (constant frame rate assumed) and have gaps; a caller
    /// refines what it finds with [`VideoDecoder::decode_span`]. Ignored (every frame decoded) for streams whose frame
    /// rate is not constant.
    pub skip_bidir: bool,
}

impl Default for DecodeOptions {
    fn default() -> Self {
        DecodeOptions { threads: 0, fast: true, skip_bidir: true }
    }
}

/// Where the decoder is: the frame it holds now.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FrameInfo {
    /// 0-based frame number in presentation order: from the timestamp at a constant frame rate (so a frame lost to
    /// damage leaves a gap instead of renumbering the rest), else counted.
    pub index: u64,
    /// Seconds from the start of the stream (from pts and the stream time base; from the frame rate where pts is
    /// missing).
    pub time_s: f64,
    /// Presentation timestamp in the stream's time base, when the stream has one.
    pub pts: Option<i64>,
    /// A keyframe (decoding can start here).
    pub key: bool,
}

/// A packed RGB24 picture (no row padding).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RgbFrame {
    pub width: usize,
    pub height: usize,
    pub data: Vec<u8>,
}

/// What went wrong while decoding, tallied for the warnings.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DecodeReport {
    pub frames: u64,
    pub skipped_packets: u64,
    pub corrupt_frames: u64,
    /// Packets the demuxer marked as damaged (e.g. MPEG-TS continuity errors), decoded or not.
    pub corrupt_packets: u64,
    /// Frames whose timestamp the container did not give (FFmpeg guessed it, or there was none).
    pub frames_without_pts: u64,
    /// Timestamp of frame 0 (see [`VideoDecoder::origin_pts`]).
    pub origin_pts: Option<i64>,
    /// Frames absent from the timeline (a gap in timestamps) when every frame was meant to be decoded.
    pub missing_frames: u64,
    pub read_error: Option<(f64, String)>,
    pub last_time_s: f64,
}

impl DecodeReport {
    /// Turns the tallies into warnings, comparing against the frame count the container promised.
    pub fn warnings(&self, expected_frames: u64) -> Vec<Warning> {
        let mut warnings = Vec::new();
        if let Some((at_s, message)) = &self.read_error {
            warnings.push(Warning::ReadError { at_s: *at_s, message: message.clone() });
        }
        if self.skipped_packets > 0 {
            warnings.push(Warning::SkippedPackets { count: self.skipped_packets });
        }
        if self.corrupt_frames > 0 {
            warnings.push(Warning::CorruptFrames { count: self.corrupt_frames });
        }
        if self.missing_frames > 0 {
            warnings.push(Warning::MissingFrames { count: self.missing_frames });
        }
        if self.corrupt_packets > 0 {
            warnings.push(Warning::CorruptPackets { count: self.corrupt_packets });
        }
        // Containers round durations; allow 2 % or two frames before calling it truncation.
        let slack = (expected_frames / 50).max(2);
        if self.frames + slack < expected_frames {
            warnings.push(Warning::Truncated {
                decoded_frames: self.frames,
                expected_frames,
                last_time_s: self.last_time_s,
            });
        }
        warnings
    }
}

/// Decodes the main video stream of one file, a frame at a time.
pub struct VideoDecoder {
    path: PathBuf,
    input: ffmpeg::format::context::Input,
    stream: usize,
    decoder: ffmpeg::decoder::Video,
    time_base: Rational,
    /// Timestamp of frame 0: the first frame decoded from the start (containers disagree on whether the stream start
    /// time or the first frame is zero; AVI with B-frames starts its frames at 1).
    origin_pts: Option<i64>,
    fps: f64,
    frame: ffmpeg::frame::Video,
    scaler: Option<(ScalerKey, scaling::Context)>,
    scaled: ffmpeg::frame::Video,
    next_index: u64,
    index_from_pts: bool,
    /// Opened with one decoding thread (required by [`Self::decode_span`]).
    single_threaded: bool,
    /// Whether B-frames are skipped (so gaps in frame numbers are expected, not damage).
    skipping: bool,
    /// Where the last [`Self::decode_span`] stopped (its `to_pts`), while the decoder can go on from there.
    span_end: Option<i64>,
    eof_sent: bool,
    finished: bool,
    report: DecodeReport,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ScalerKey {
    format: ffmpeg::format::Pixel,
    width: u32,
    height: u32,
    out_width: u32,
}

impl VideoDecoder {
    /// Opens `path` and its main video stream; `probe` must describe the same file.
    pub fn open(path: &Path, probe: &Probe, options: &DecodeOptions) -> Result<Self, AnalysisError> {
        let input = probe::open_input(path)?;
        let stream = input.stream(probe.video_stream).ok_or_else(|| AnalysisError::NoVideo { path: path.into() })?;
        let time_base = stream.time_base();
        let codec_name = stream.parameters().id().name().to_string();
        let decoder_error = |e: ffmpeg::Error| AnalysisError::Decoder {
            path: path.into(),
            codec: codec_name.clone(),
            reason: e.to_string(),
        };

        let mut context =
            ffmpeg::codec::context::Context::from_parameters(stream.parameters()).map_err(decoder_error)?;
        context.set_threading(threading::Config {
            kind: threading::Type::Frame,
            count: options.threads,
            ..Default::default()
        });
        // Frame threading where the codec has it, slice threading otherwise (ffmpeg-next's `Type` names one).
        let both = i32::from(threading::Type::Frame) | i32::from(threading::Type::Slice);
        // SAFETY: `context` owns a valid, not-yet-opened AVCodecContext; `thread_type` is a plain integer bit set
        // the decoder reads when it opens.
        unsafe { (*context.as_mut_ptr()).thread_type = both };
        let skip_bidir = options.skip_bidir && probe.constant_frame_rate;
        if skip_bidir {
            // SAFETY: `context` owns a valid, not-yet-opened AVCodecContext; `skip_frame` is a plain integer field the
            // decoder reads per frame. ffmpeg-next has no safe setter for it.
            unsafe { (*context.as_mut_ptr()).skip_frame = ffmpeg::ffi::AVDiscard::AVDISCARD_BIDIR };
        }
        if options.fast {
            // SAFETY: `context` owns a valid, not-yet-opened AVCodecContext; these two fields are plain integers the
            // decoder reads when it opens. ffmpeg-next has no safe setter for them.
            unsafe {
                let raw = context.as_mut_ptr();
                (*raw).skip_loop_filter = ffmpeg::ffi::AVDiscard::AVDISCARD_ALL;
                (*raw).flags2 |= ffmpeg::ffi::AV_CODEC_FLAG2_FAST;
            }
        }
        let decoder = context.decoder().video().map_err(decoder_error)?;

        Ok(VideoDecoder {
            path: path.to_path_buf(),
            input,
            stream: probe.video_stream,
            decoder,
            time_base,
            origin_pts: None,
            fps: probe.fps,
            frame: ffmpeg::frame::Video::empty(),
            scaler: None,
            scaled: ffmpeg::frame::Video::empty(),
            next_index: 0,
            index_from_pts: probe.constant_frame_rate,
            skipping: skip_bidir,
            single_threaded: options.threads == 1,
            span_end: None,
            eof_sent: false,
            finished: false,
            report: DecodeReport::default(),
        })
    }

    /// Decodes the next frame; `None` at the end of the stream or at damage that stops reading.
    pub fn next_frame(&mut self) -> Option<FrameInfo> {
        while !self.finished {
            match self.decoder.receive_frame(&mut self.frame) {
                Ok(()) => return Some(self.accept_frame()),
                Err(ffmpeg::Error::Eof) => self.finished = true,
                Err(ffmpeg::Error::Other { errno: ffmpeg::util::error::EAGAIN }) => self.feed(),
                Err(_) => self.report.skipped_packets += 1,
            }
        }
        None
    }

    /// Seeks to the keyframe at or before `time_s` seconds after the stream's first frame, for reading a stretch of
    /// a long file without decoding everything before it: [`Self::next_frame`] then goes on from that keyframe, with
    /// frame numbers and times counted from the stream's start as before. Call it before the first frame is read.
    /// A file that cannot seek is read from its start (slower, never wrong).
    pub fn seek_to(&mut self, time_s: f64) {
        if time_s <= 0.0 {
            return;
        }
        let origin_s = crate::av::seek_seconds(&mut self.input, time_s);
        self.origin_pts.get_or_insert((origin_s / f64::from(self.time_base)).round() as i64);
        self.decoder.flush();
        self.index_from_pts = true;
        // The frames before the keyframe were never read: the jump in frame numbers is not damage.
        self.skipping = true;
    }

    /// Scales the current frame to `out_width` pixels wide (height keeps the display aspect, rounded to even) as
    /// packed RGB24 into `out`.
    pub fn scale_rgb(&mut self, out_width: u32, out: &mut RgbFrame) -> Result<(), AnalysisError> {
        let (width, height) = (self.frame.width(), self.frame.height());
        if width == 0 || height == 0 {
            return Err(decode_error(&self.path, &self.decoder, "decoded frame has no picture"));
        }
        let out_width = out_width.clamp(2, width.max(2)) & !1;
        let out_height = ((u64::from(height) * u64::from(out_width) / u64::from(width)) as u32).max(2) & !1;
        let key = ScalerKey { format: self.frame.format(), width, height, out_width };
        let scaler = match &mut self.scaler {
            Some((k, scaler)) if *k == key => scaler,
            slot => {
                let context = scaling::Context::get(
                    key.format,
                    width,
                    height,
                    ffmpeg::format::Pixel::RGB24,
                    out_width,
                    out_height,
                    scaling::Flags::AREA,
                );
                let context = match context {
                    Ok(context) => context,
                    Err(e) => {
                        let reason = format!("cannot scale {:?} {width}x{height}: {e}", key.format);
                        return Err(decode_error(&self.path, &self.decoder, &reason));
                    }
                };
                &mut slot.insert((key, context)).1
            }
        };
        if let Err(e) = scaler.run(&self.frame, &mut self.scaled) {
            return Err(decode_error(&self.path, &self.decoder, &format!("scaling failed: {e}")));
        }

        let (w, h) = (self.scaled.width() as usize, self.scaled.height() as usize);
        let stride = self.scaled.stride(0);
        let plane = self.scaled.data(0);
        out.width = w;
        out.height = h;
        out.data.clear();
        out.data.reserve(w * h * 3);
        if w == 0 || h == 0 || stride < w * 3 || plane.len() < stride * (h - 1) + w * 3 {
            return Err(decode_error(&self.path, &self.decoder, "scaler returned a short picture"));
        }
        for row in plane.chunks(stride).take(h) {
            out.data.extend_from_slice(&row[..w * 3]);
        }
        Ok(())
    }

    /// The damage tally so far (with the origin of the frame numbers).
    pub fn report(&self) -> DecodeReport {
        DecodeReport { origin_pts: self.origin_pts, ..self.report.clone() }
    }

    /// Numbers frames from `origin_pts` (the timestamp of frame 0 as the pass from the start found it) instead of
    /// from the first frame this decoder sees; for a decoder that seeks.
    pub fn set_origin_pts(&mut self, origin_pts: Option<i64>) {
        self.origin_pts = origin_pts;
    }

    fn accept_frame(&mut self) -> FrameInfo {
        let pts = self.frame.timestamp().or(self.frame.pts());
        if self.frame.pts().is_none() {
            self.report.frames_without_pts += 1;
        }
        if self.origin_pts.is_none() {
            self.origin_pts = pts;
        }
        let origin = self.origin_pts.unwrap_or(0);
        let pts_time = pts.map(|pts| (pts - origin) as f64 * f64::from(self.time_base));
        let index = match pts_time {
            // Skipped frames leave gaps; the count still never goes backwards.
            Some(t) if self.index_from_pts => ((t * self.fps).round().max(0.0) as u64).max(self.next_index),
            _ => self.next_index,
        };
        if !self.skipping && self.report.frames > 0 {
            self.report.missing_frames += index - self.next_index;
        }
        self.next_index = index + 1;
        let time_s = pts_time.unwrap_or(index as f64 / self.fps);
        if self.frame.is_corrupt() || self.frame.has_decode_errors() {
            self.report.corrupt_frames += 1;
        }
        self.report.frames = self.next_index;
        self.report.last_time_s = time_s;
        FrameInfo { index, time_s, pts, key: self.frame.is_key() }
    }

    /// Decodes every frame with a timestamp in `from_pts..=to_pts` and hands each to `each` (which may call
    /// [`Self::scale_rgb`]). Seeks to the keyframe before `from_pts` (or, with `resume`, decodes on from where the
    /// previous span stopped, when that is before `from_pts`) and on the way decodes only reference frames.
    /// Frame numbers come from timestamps. For refining a boundary a coarse scan placed between two reference
    /// frames; the decoder must have been opened with one thread so that the per-packet skip setting takes effect
    /// exactly.
    pub fn decode_span(
        &mut self,
        from_pts: i64,
        to_pts: i64,
        resume: bool,
        mut each: impl FnMut(&mut Self, FrameInfo) -> Result<(), AnalysisError>,
    ) -> Result<(), AnalysisError> {
        use ffmpeg::Rescale;
        if !self.single_threaded {
            return Err(decode_error(&self.path, &self.decoder, "decode_span needs a decoder opened with threads: 1"));
        }
        if !(resume && self.span_end.take().is_some_and(|end| end < from_pts)) {
            let target = from_pts.rescale(self.time_base, ffmpeg::rescale::TIME_BASE);
            self.input
                .seek(target, ..target)
                .map_err(|e| decode_error(&self.path, &self.decoder, &format!("seek failed: {e}")))?;
            self.decoder.flush();
            self.next_index = 0;
        }
        self.index_from_pts = true;
        // Spans skip frames on purpose; their gaps are not damage.
        self.skipping = true;
        let mut packet = Packet::empty();
        loop {
            match self.decoder.receive_frame(&mut self.frame) {
                Ok(()) => {
                    let info = self.accept_frame();
                    match info.pts {
                        Some(pts) if pts > to_pts => {
                            self.span_end = Some(to_pts);
                            return Ok(());
                        }
                        Some(pts) if pts >= from_pts => {
                            each(self, info)?;
                            if pts == to_pts {
                                self.span_end = Some(to_pts);
                                return Ok(());
                            }
                        }
                        Some(_) => {}
                        None => return Err(decode_error(&self.path, &self.decoder, "frame without timestamp")),
                    }
                    continue;
                }
                Err(ffmpeg::Error::Other { errno: ffmpeg::util::error::EAGAIN }) => {}
                Err(_) => return Ok(()),
            }
            match packet.read(&mut self.input) {
                Ok(()) if packet.stream() == self.stream => {
                    let inside = packet.pts().is_some_and(|pts| (from_pts..=to_pts).contains(&pts));
                    let skip = if inside {
                        ffmpeg::ffi::AVDiscard::AVDISCARD_DEFAULT
                    } else {
                        ffmpeg::ffi::AVDiscard::AVDISCARD_BIDIR
                    };
                    // SAFETY: the decoder is open and single-threaded, so it reads `skip_frame` while decoding the
                    // packet sent next, on this thread; the field is a plain integer.
                    unsafe { (*self.decoder.as_mut_ptr()).skip_frame = skip };
                    if self.decoder.send_packet(&packet).is_err() {
                        self.report.skipped_packets += 1;
                    }
                }
                Ok(()) => {}
                Err(_) => {
                    let _ = self.decoder.send_eof();
                }
            }
        }
    }

    /// Sends the decoder one more packet of our stream, or end-of-stream.
    fn feed(&mut self) {
        if self.eof_sent {
            // The decoder wants input after EOF: it has nothing more to give.
            self.finished = true;
            return;
        }
        let mut errors = 0;
        let mut packet = Packet::empty();
        loop {
            match packet.read(&mut self.input) {
                Ok(()) if packet.stream() == self.stream => {
                    if packet.is_corrupt() {
                        self.report.corrupt_packets += 1;
                    }
                    if self.decoder.send_packet(&packet).is_err() {
                        self.report.skipped_packets += 1;
                    }
                    return;
                }
                Ok(()) => errors = 0,
                Err(ffmpeg::Error::Eof) => break,
                Err(e) => {
                    errors += 1;
                    if errors >= MAX_READ_ERRORS {
                        self.report.read_error = Some((self.report.last_time_s, e.to_string()));
                        break;
                    }
                }
            }
        }
        self.eof_sent = true;
        if self.decoder.send_eof().is_err() {
            self.finished = true;
        }
    }
}

fn decode_error(path: &Path, decoder: &ffmpeg::decoder::Video, reason: &str) -> AnalysisError {
    AnalysisError::Decoder {
        path: path.to_path_buf(),
        codec: decoder.id().name().to_string(),
        reason: reason.to_string(),
    }
}
