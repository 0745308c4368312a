//! A whole video through the face swap: decode every frame, run a [`FrameSwapper`] on it, encode H.264 at the
//! source's size and timestamps, and copy the original audio stream's packets unchanged (remux, no re-encode). The
//! output MP4 carries a disclosure in its `comment` and `description` tags naming the synthetic faces.
//!
//! Owns the decode → swap → encode loop and its muxing. The per-frame work is [`FrameSwapper`]'s; this module adds
//! only IO. It prints nothing; the output is written to a temp file beside the target and renamed when complete.

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use ffmpeg::format::Pixel;
use ffmpeg::software::scaling;
use ffmpeg::{Dictionary, Packet, Rational, codec, encoder, media};
use ffmpeg_next as ffmpeg;
use image::RgbImage;
use serde::{Deserialize, Serialize};

use super::error::FacesError;
use super::frames::VideoFrames;
use super::metrics::{Flicker, FlickerMeter, JitterReport, track_jitter};
use super::swap::{FrameSwapper, SwapReport};
use super::track::Track;

/// How the output is encoded and labelled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VideoOptions {
    /// libx264 preset.
    pub preset: String,
    /// libx264 constant rate factor (lower is better; 18 is visually lossless).
    pub crf: u32,
    /// Who the synthetic face is (the model or star name), for the disclosure tag.
    pub identity: String,
    /// Measure temporal flicker inside the face regions (costs a copy of each frame).
    pub measure_flicker: bool,
}

impl Default for VideoOptions {
    fn default() -> Self {
        VideoOptions { preset: "fast".into(), crf: 18, identity: "a synthetic identity".into(), measure_flicker: true }
    }
}

/// What a video swap did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VideoReport {
    pub input: PathBuf,
    pub output: PathBuf,
    pub width: u32,
    pub height: u32,
    pub fps: f64,
    /// Frames decoded = frames encoded.
    pub frames: u64,
    /// Audio packets copied from the input (0 when it has no sound).
    pub audio_packets: u64,
    pub audio_codec: Option<String>,
    pub swap: SwapReport,
    pub jitter: JitterReport,
    pub flicker: Option<Flicker>,
    /// The text of the `comment` and `description` tags.
    pub disclosure: String,
    /// Seconds for the whole run, decode and encode included.
    pub wall_s: f64,
    /// Tracks as the swapper followed them.
    pub tracks: Vec<Track>,
}

/// The disclosure written into a swapped video's metadata: which faces are synthetic.
pub fn disclosure(identity: &str, report: &SwapReport, tracks: &[Track]) -> String {
    if report.faces_swapped == 0 {
        return format!("Processed by reel's face swap ({identity}); no face was found, so no face is synthetic.");
    }
    let spans: Vec<String> = tracks
        .iter()
        .filter(|t| report.tracks.contains(&t.id))
        .map(|t| match (t.points.first(), t.points.last()) {
            (Some(a), Some(b)) => format!("face {} ({:.2}-{:.2} s)", t.id, a.time_s, b.time_s),
            _ => format!("face {}", t.id),
        })
        .collect();
    format!(
        "Synthetic media: {} face(s) in this video were replaced with {identity} by reel's face swap: {}.",
        report.tracks.len(),
        spans.join(", ")
    )
}

/// Swaps the faces of `input` into `output` (MP4). Stops early, with the part written, when `progress` says so.
pub fn swap_video(
    input: &Path,
    mut swapper: FrameSwapper,
    output: &Path,
    options: &VideoOptions,
    progress: &mut dyn FnMut(u64, u64) -> ControlFlow<()>,
) -> Result<VideoReport, FacesError> {
    let started = std::time::Instant::now();
    let mut frames = VideoFrames::open(input)?;
    let probe = frames.probe().clone();
    let temp = crate::atomic::temp_path(output, &std::process::id().to_string());
    let enc = |reason: String| FacesError::Encode { path: output.to_path_buf(), reason };
    if let Some(dir) = output.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| FacesError::io(dir, "creating the folder", e))?;
    }

    // The first frame fixes the picture size (the decoder's RGB conversion rounds it to even).
    let Some((first_info, first_picture)) = frames.next_frame()? else {
        return Err(FacesError::Decode { path: input.to_path_buf(), reason: "no video frame".into() });
    };
    let mut audio = AudioCopy::open(input)?;
    let video_tb = audio.video_time_base(probe.video_stream);
    let mut muxer =
        Muxer::create(&temp, first_picture.dimensions(), video_tb, probe.fps, options, audio.stream()).map_err(enc)?;

    let mut meter = options.measure_flicker.then(FlickerMeter::new);
    let mut next = Some((first_info, first_picture));
    let mut count = 0u64;
    let mut metadata_tracks = Vec::new();
    let result = (|| -> Result<(), FacesError> {
        while let Some((info, mut picture)) = next.take() {
            let original = meter.as_ref().map(|_| picture.clone());
            let faces = swapper.swap_frame(info.index, info.time_s, &mut picture)?;
            if let (Some(meter), Some(original)) = (meter.as_mut(), original) {
                let regions: Vec<_> = faces.iter().map(|f| f.window.rect()).collect();
                meter.add(&original, &picture, &regions);
            }
            let pts = info.pts.unwrap_or_else(|| (info.time_s / f64::from(video_tb)).round() as i64);
            audio.write_until(&mut muxer, info.time_s + 0.5).map_err(enc)?;
            muxer.push_video(&picture, pts).map_err(enc)?;
            count += 1;
            if count.is_multiple_of(10) && progress(count, probe.frame_count.max(count)).is_break() {
                break;
            }
            next = frames.next_frame()?;
        }
        audio.write_until(&mut muxer, f64::INFINITY).map_err(enc)?;
        Ok(())
    })();
    let (swap, tracks) = swapper.finish();
    let text = disclosure(&options.identity, &swap, &tracks);
    metadata_tracks.extend(tracks);
    let finished = result.and_then(|()| muxer.finish(&text).map_err(enc));
    if let Err(e) = finished {
        let _ = std::fs::remove_file(&temp);
        return Err(e);
    }
    crate::atomic::commit(&temp, output).map_err(|e| FacesError::io(output, "renaming the output into place", e))?;
    Ok(VideoReport {
        input: input.to_path_buf(),
        output: output.to_path_buf(),
        width: probe.width,
        height: probe.height,
        fps: probe.fps,
        frames: count,
        audio_packets: audio.copied,
        audio_codec: audio.codec.clone(),
        jitter: track_jitter(&metadata_tracks),
        swap,
        flicker: meter.map(|m| m.result()),
        disclosure: text,
        wall_s: started.elapsed().as_secs_f64(),
        tracks: metadata_tracks,
    })
}

/// The input's audio packets, read on a second demuxer and written in time order beside the video.
struct AudioCopy {
    input: ffmpeg::format::context::Input,
    stream: Option<(usize, Rational, codec::Parameters)>,
    codec: Option<String>,
    pending: Option<Packet>,
    copied: u64,
    done: bool,
}

impl AudioCopy {
    fn open(path: &Path) -> Result<AudioCopy, FacesError> {
        let input = ffmpeg::format::input(path)
            .map_err(|e| FacesError::Decode { path: path.to_path_buf(), reason: e.to_string() })?;
        let stream = input.streams().best(media::Type::Audio).map(|s| (s.index(), s.time_base(), s.parameters()));
        let codec = stream.as_ref().map(|(_, _, p)| p.id().name().to_string());
        let done = stream.is_none();
        Ok(AudioCopy { input, stream, codec, pending: None, copied: 0, done })
    }

    fn video_time_base(&self, index: usize) -> Rational {
        self.input.stream(index).map_or(Rational::new(1, 90_000), |s| s.time_base())
    }

    fn stream(&self) -> Option<(Rational, &codec::Parameters)> {
        self.stream.as_ref().map(|(_, tb, p)| (*tb, p))
    }

    /// Copies every audio packet that starts before `until_s` seconds.
    fn write_until(&mut self, muxer: &mut Muxer, until_s: f64) -> Result<(), String> {
        let Some((index, tb, _)) = &self.stream else { return Ok(()) };
        let (index, tb) = (*index, *tb);
        loop {
            if self.pending.is_none() && !self.done {
                let mut packet = Packet::empty();
                loop {
                    match packet.read(&mut self.input) {
                        Ok(()) if packet.stream() == index => {
                            self.pending = Some(packet);
                            break;
                        }
                        Ok(()) => {}
                        Err(_) => {
                            self.done = true;
                            break;
                        }
                    }
                }
            }
            let Some(packet) = self.pending.as_ref() else { return Ok(()) };
            let at = packet.dts().or(packet.pts()).unwrap_or(0) as f64 * f64::from(tb);
            if at >= until_s {
                return Ok(());
            }
            let packet = self.pending.take().expect("checked above");
            muxer.push_audio(packet)?;
            self.copied += 1;
        }
    }
}

/// The output file: libx264 video from RGB pictures, and an audio stream of copied packets.
struct Muxer {
    output: ffmpeg::format::context::Output,
    video: encoder::Video,
    scaler: scaling::Context,
    yuv: ffmpeg::frame::Video,
    rgb: ffmpeg::frame::Video,
    encoder_tb: Rational,
    video_tb: Rational,
    /// The audio stream's input and output time bases.
    audio_tb: Option<(Rational, Rational)>,
    packet: Packet,
}

impl Muxer {
    fn create(
        path: &Path,
        (width, height): (u32, u32),
        time_base: Rational,
        fps: f64,
        options: &VideoOptions,
        audio: Option<(Rational, &codec::Parameters)>,
    ) -> Result<Muxer, String> {
        let mut output = ffmpeg::format::output_as(path, "mp4").map_err(|e| format!("cannot create output: {e}"))?;
        let global_header = output.format().flags().contains(ffmpeg::format::Flags::GLOBAL_HEADER);
        let h264 = encoder::find_by_name("libx264").ok_or("FFmpeg has no libx264 encoder")?;
        let mut video = codec::context::Context::new_with_codec(h264)
            .encoder()
            .video()
            .map_err(|e| format!("cannot set up libx264: {e}"))?;
        let rate = Rational::new((fps * 1000.0).round() as i32, 1000).reduce();
        video.set_width(width);
        video.set_height(height);
        video.set_format(Pixel::YUV420P);
        video.set_time_base(time_base);
        video.set_frame_rate(Some(rate));
        if global_header {
            video.set_flags(codec::Flags::GLOBAL_HEADER);
        }
        let mut opts = Dictionary::new();
        opts.set("preset", &options.preset);
        opts.set("crf", &options.crf.to_string());
        let video = video.open_with(opts).map_err(|e| format!("cannot open libx264: {e}"))?;
        {
            let mut stream = output.add_stream(h264).map_err(|e| format!("cannot add the video stream: {e}"))?;
            stream.set_parameters(&video);
            stream.set_time_base(time_base);
            stream.set_avg_frame_rate(rate);
        }
        let audio_tb = match audio {
            Some((tb, params)) => {
                let mut stream = output
                    .add_stream(encoder::find(codec::Id::None))
                    .map_err(|e| format!("cannot add the audio stream: {e}"))?;
                stream.set_parameters(params.clone());
                // SAFETY: `stream` is a live stream of `output`; clearing codec_tag lets the mp4 muxer pick its own.
                unsafe { (*stream.parameters().as_mut_ptr()).codec_tag = 0 };
                stream.set_time_base(tb);
                Some(tb)
            }
            None => None,
        };
        let scaler = scaling::Context::get(
            Pixel::RGB24,
            width,
            height,
            Pixel::YUV420P,
            width,
            height,
            scaling::Flags::BILINEAR | scaling::Flags::ACCURATE_RND | scaling::Flags::FULL_CHR_H_INT,
        )
        .map_err(|e| format!("cannot convert RGB to yuv420p: {e}"))?;
        let mut opts = Dictionary::new();
        opts.set("movflags", "+faststart");
        output.write_header_with(opts).map_err(|e| format!("cannot write the header: {e}"))?;
        // The muxer may have chosen its own time bases.
        let video_tb = output.stream(0).map_or(time_base, |s| s.time_base());
        let audio_tb = audio_tb.map(|tb| (tb, output.stream(1).map_or(tb, |s| s.time_base())));
        Ok(Muxer {
            output,
            video,
            scaler,
            yuv: ffmpeg::frame::Video::empty(),
            rgb: ffmpeg::frame::Video::new(Pixel::RGB24, width, height),
            encoder_tb: time_base,
            video_tb,
            audio_tb,
            packet: Packet::empty(),
        })
    }

    fn push_video(&mut self, picture: &RgbImage, pts: i64) -> Result<(), String> {
        let (w, h) = picture.dimensions();
        let stride = self.rgb.stride(0);
        let row = (w * 3) as usize;
        let data = self.rgb.data_mut(0);
        for (y, src) in picture.as_raw().chunks_exact(row).enumerate().take(h as usize) {
            data[y * stride..y * stride + row].copy_from_slice(src);
        }
        self.scaler.run(&self.rgb, &mut self.yuv).map_err(|e| format!("RGB to yuv420p failed: {e}"))?;
        self.yuv.set_pts(Some(pts));
        self.video.send_frame(&self.yuv).map_err(|e| format!("libx264 rejected a frame: {e}"))?;
        self.drain_video()
    }

    fn drain_video(&mut self) -> Result<(), String> {
        while self.video.receive_packet(&mut self.packet).is_ok() {
            self.packet.set_stream(0);
            self.packet.rescale_ts(self.encoder_tb, self.video_tb);
            self.packet.write_interleaved(&mut self.output).map_err(|e| format!("cannot write video: {e}"))?;
        }
        Ok(())
    }

    fn push_audio(&mut self, mut packet: Packet) -> Result<(), String> {
        let Some((tb, out_tb)) = self.audio_tb else { return Ok(()) };
        packet.rescale_ts(tb, out_tb);
        packet.set_position(-1);
        packet.set_stream(1);
        packet.write_interleaved(&mut self.output).map_err(|e| format!("cannot write audio: {e}"))
    }

    /// Flushes the encoder, sets the disclosure tags and finishes the file. The MP4 muxer writes the `moov` box,
    /// tags included, at the trailer, so tags set now (when the swapped faces are known) are written.
    fn finish(mut self, disclosure: &str) -> Result<(), String> {
        self.video.send_eof().map_err(|e| format!("cannot flush libx264: {e}"))?;
        self.drain_video()?;
        let mut tags = Dictionary::new();
        tags.set("comment", disclosure);
        tags.set("description", disclosure);
        tags.set("encoder", "reel faces swap");
        self.output.set_metadata(tags);
        self.output.write_trailer().map_err(|e| format!("cannot finish the file: {e}"))
    }
}
