//! Encoding and muxing one segment: H.264 (libx264) + AAC (FFmpeg's native encoder) into MP4.
//!
//! Every segment of a production is encoded with the same settings from [`Format`], so their codec parameters
//! (extradata, time bases, sample rate) are identical and segments can be joined by remuxing packets.

use std::path::{Path, PathBuf};

use ffmpeg::format::Pixel;
use ffmpeg::format::sample::Type as SampleType;
use ffmpeg::{ChannelLayout, Dictionary, Packet, Rational, codec, encoder};
use ffmpeg_next as ffmpeg;

use super::error::RenderError;
use super::format::Format;

/// AAC bit rate (stereo).
const AUDIO_BIT_RATE: usize = 160_000;

/// An open output file with one video and one stereo audio stream.
pub struct SegmentWriter {
    path: PathBuf,
    output: ffmpeg::format::context::Output,
    video: encoder::Video,
    audio: encoder::Audio,
    video_tb: Rational,
    audio_tb: Rational,
    video_stream_tb: Rational,
    audio_stream_tb: Rational,
    /// AAC frame size (1024).
    frame_size: usize,
    /// Whether the AAC encoder accepts a short last frame (it then pads internally and the MP4 edit list trims it).
    small_last_frame: bool,
    /// Interleaved stereo samples not yet encoded (less than one frame).
    pending: Vec<f32>,
    next_audio_pts: i64,
    packet: Packet,
}

impl SegmentWriter {
    /// Creates `path` (MP4) with encoders configured from `format`.
    pub fn create(path: &Path, format: &Format) -> Result<Self, RenderError> {
        let fail = |reason: String| RenderError::Encode { path: path.into(), reason };
        super::init_ffmpeg(path)?;
        if let Some(problem) = format.problem() {
            return Err(RenderError::Spec { path: path.into(), reason: problem });
        }
        let mut output =
            ffmpeg::format::output_as(path, "mp4").map_err(|e| fail(format!("cannot create output: {e}")))?;
        let global_header = output.format().flags().contains(ffmpeg::format::Flags::GLOBAL_HEADER);

        // Video.
        let h264 = encoder::find_by_name("libx264").ok_or_else(|| fail("FFmpeg has no libx264 encoder".into()))?;
        let video_tb = Rational::new(format.fps_den as i32, format.fps_num as i32);
        let mut video = codec::context::Context::new_with_codec(h264)
            .encoder()
            .video()
            .map_err(|e| fail(format!("cannot set up libx264: {e}")))?;
        video.set_width(format.width);
        video.set_height(format.height);
        video.set_format(Pixel::YUV420P);
        video.set_time_base(video_tb);
        video.set_frame_rate(Some(Rational::new(format.fps_num as i32, format.fps_den as i32)));
        video.set_gop(format.gop());
        video.set_aspect_ratio(Rational::new(1, 1));
        video.set_colorspace(ffmpeg::color::Space::BT709);
        video.set_color_range(ffmpeg::color::Range::MPEG);
        video.set_color_primaries(ffmpeg::color::Primaries::BT709);
        video.set_color_transfer_characteristic(ffmpeg::color::TransferCharacteristic::BT709);
        if global_header {
            video.set_flags(codec::Flags::GLOBAL_HEADER);
        }
        let mut options = Dictionary::new();
        options.set("preset", &format.preset);
        options.set("crf", &format.crf.to_string());
        // A fixed GOP with no scene-cut keyframes: every segment has the same structure.
        options.set("x264-params", &format!("keyint={0}:min-keyint={0}:scenecut=0", format.gop()));
        let video = video.open_with(options).map_err(|e| fail(format!("cannot open libx264: {e}")))?;

        // Audio.
        let aac = encoder::find_by_name("aac").ok_or_else(|| fail("FFmpeg has no aac encoder".into()))?;
        let audio_tb = Rational::new(1, format.sample_rate as i32);
        let mut audio = codec::context::Context::new_with_codec(aac)
            .encoder()
            .audio()
            .map_err(|e| fail(format!("cannot set up aac: {e}")))?;
        audio.set_rate(format.sample_rate as i32);
        audio.set_channel_layout(ChannelLayout::STEREO);
        audio.set_format(ffmpeg::format::Sample::F32(SampleType::Planar));
        audio.set_bit_rate(AUDIO_BIT_RATE);
        audio.set_time_base(audio_tb);
        if global_header {
            audio.set_flags(codec::Flags::GLOBAL_HEADER);
        }
        let audio = audio.open_with(Dictionary::new()).map_err(|e| fail(format!("cannot open aac: {e}")))?;
        let frame_size = (audio.frame_size() as usize).max(1);
        // SAFETY: `aac` wraps a valid, static AVCodec; `capabilities` is a plain integer.
        let caps = unsafe { (*aac.as_ptr()).capabilities };
        let small_last_frame = caps & ffmpeg::ffi::AV_CODEC_CAP_SMALL_LAST_FRAME as i32 != 0;

        {
            let mut stream = output.add_stream(h264).map_err(|e| fail(format!("cannot add video stream: {e}")))?;
            stream.set_parameters(&video);
            stream.set_time_base(video_tb);
            stream.set_avg_frame_rate(Rational::new(format.fps_num as i32, format.fps_den as i32));
        }
        {
            let mut stream = output.add_stream(aac).map_err(|e| fail(format!("cannot add audio stream: {e}")))?;
            stream.set_parameters(&audio);
            stream.set_time_base(audio_tb);
        }
        output.write_header().map_err(|e| fail(format!("cannot write header: {e}")))?;
        // The muxer may have chosen its own time bases.
        let stream_tb = |i: usize| output.stream(i).map(|s| s.time_base()).unwrap_or(video_tb);
        let (video_stream_tb, audio_stream_tb) = (stream_tb(0), stream_tb(1));

        Ok(SegmentWriter {
            path: path.into(),
            output,
            video,
            audio,
            video_tb,
            audio_tb,
            video_stream_tb,
            audio_stream_tb,
            frame_size,
            small_last_frame,
            pending: Vec::with_capacity(2 * frame_size),
            next_audio_pts: 0,
            packet: Packet::empty(),
        })
    }

    fn fail(&self, what: &str, e: ffmpeg::Error) -> RenderError {
        RenderError::Encode { path: self.path.clone(), reason: format!("{what}: {e}") }
    }

    /// Encodes one yuv420p frame of the output size as frame number `index`.
    pub fn push_video(&mut self, frame: &mut ffmpeg::frame::Video, index: i64) -> Result<(), RenderError> {
        frame.set_pts(Some(index));
        self.video.send_frame(frame).map_err(|e| self.fail("libx264 rejected a frame", e))?;
        self.drain_video()
    }

    /// Appends interleaved stereo samples, encoding every complete AAC frame.
    pub fn push_audio(&mut self, interleaved: &[f32]) -> Result<(), RenderError> {
        self.pending.extend_from_slice(interleaved);
        let per_frame = 2 * self.frame_size;
        while self.pending.len() >= per_frame {
            let chunk: Vec<f32> = self.pending.drain(..per_frame).collect();
            self.encode_audio_frame(&chunk)?;
        }
        Ok(())
    }

    fn encode_audio_frame(&mut self, interleaved: &[f32]) -> Result<(), RenderError> {
        let samples = interleaved.len() / 2;
        let mut frame =
            ffmpeg::frame::Audio::new(ffmpeg::format::Sample::F32(SampleType::Planar), samples, ChannelLayout::STEREO);
        frame.set_rate(self.audio.rate());
        for channel in 0..2 {
            let plane = frame.plane_mut::<f32>(channel);
            for (out, pair) in plane.iter_mut().zip(interleaved.chunks_exact(2)) {
                *out = pair[channel];
            }
        }
        frame.set_pts(Some(self.next_audio_pts));
        self.next_audio_pts += samples as i64;
        self.audio.send_frame(&frame).map_err(|e| self.fail("aac rejected a frame", e))?;
        self.drain_audio()
    }

    fn drain_video(&mut self) -> Result<(), RenderError> {
        while self.video.receive_packet(&mut self.packet).is_ok() {
            self.packet.set_stream(0);
            self.packet.rescale_ts(self.video_tb, self.video_stream_tb);
            self.packet.write_interleaved(&mut self.output).map_err(|e| RenderError::Encode {
                path: self.path.clone(),
                reason: format!("cannot write video: {e}"),
            })?;
        }
        Ok(())
    }

    fn drain_audio(&mut self) -> Result<(), RenderError> {
        while self.audio.receive_packet(&mut self.packet).is_ok() {
            self.packet.set_stream(1);
            self.packet.rescale_ts(self.audio_tb, self.audio_stream_tb);
            self.packet.write_interleaved(&mut self.output).map_err(|e| RenderError::Encode {
                path: self.path.clone(),
                reason: format!("cannot write audio: {e}"),
            })?;
        }
        Ok(())
    }

    /// Encodes what is left (the last, short audio frame), flushes both encoders and finishes the file.
    pub fn finish(mut self) -> Result<(), RenderError> {
        if !self.pending.is_empty() {
            let mut last = std::mem::take(&mut self.pending);
            if !self.small_last_frame {
                last.resize(2 * self.frame_size, 0.0);
            }
            self.encode_audio_frame(&last)?;
        }
        self.video.send_eof().map_err(|e| self.fail("cannot flush libx264", e))?;
        self.drain_video()?;
        self.audio.send_eof().map_err(|e| self.fail("cannot flush aac", e))?;
        self.drain_audio()?;
        self.output.write_trailer().map_err(|e| self.fail("cannot finish the file", e))
    }
}
