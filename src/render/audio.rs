//! Sound: decodes the source's audio for the shot's range (48 kHz stereo f32 via swresample), loads and resamples
//! the voice line, ducks the archive sound under it with smooth ramps, mixes, and fades the shot's edges.
//!
//! All buffers are interleaved stereo f32 at the format's sample rate, exactly the shot's length.

use std::path::Path;

use ffmpeg::software::resampling;
use ffmpeg::{ChannelLayout, Packet, media};
use ffmpeg_next as ffmpeg;

use super::error::RenderError;

/// Gain ramp length for ducking (attack and release), seconds.
const DUCK_RAMP_S: f64 = 0.05;
/// Voice samples quieter than this (about -50 dBFS) are silence when finding where the voice sounds.
const VOICE_THRESHOLD: f32 = 0.003;

/// Decibels to a linear gain.
pub fn db_to_gain(db: f32) -> f32 {
    10f32.powf(db / 20.0)
}

/// Decodes `samples` stereo frames of `path`'s best audio stream from `start_s`, resampled to `rate`; `None` when
/// the file has no audio. Sound missing at the end (the source is shorter) is silence.
pub fn decode_source(path: &Path, start_s: f64, samples: usize, rate: u32) -> Result<Option<Vec<f32>>, RenderError> {
    let fail = |reason: String| RenderError::Decode { path: path.into(), reason };
    super::init_ffmpeg(path)?;
    let mut input =
        ffmpeg::format::input(path).map_err(|e| RenderError::Open { path: path.into(), reason: e.to_string() })?;
    let Some(stream) = input.streams().best(media::Type::Audio) else { return Ok(None) };
    let index = stream.index();
    let time_base = f64::from(stream.time_base());
    let context = ffmpeg::codec::context::Context::from_parameters(stream.parameters())
        .map_err(|e| fail(format!("cannot read audio parameters: {e}")))?;
    let mut decoder = context.decoder().audio().map_err(|e| fail(format!("cannot open audio decoder: {e}")))?;
    let origin_s = crate::av::seek_seconds(&mut input, start_s);

    let mut out = vec![0.0f32; 2 * samples];
    // Output position (in stereo frames) of the next resampled sample; set from the first decoded frame's time.
    let mut position: Option<i64> = None;
    let mut resampler: Option<resampling::Context> = None;
    let mut frame = ffmpeg::frame::Audio::empty();
    let mut resampled = ffmpeg::frame::Audio::empty();
    let mut packet = Packet::empty();
    let mut at_eof = false;
    let mut read_errors = 0;
    loop {
        match decoder.receive_frame(&mut frame) {
            Ok(()) => {
                if position.is_none() {
                    let t = frame.timestamp().or(frame.pts()).map_or(start_s, |p| p as f64 * time_base - origin_s);
                    position = Some(((t - start_s) * f64::from(rate)).round() as i64);
                }
                resample(&mut frame, &mut resampler, &mut resampled, rate).map_err(fail)?;
                let pos = position.get_or_insert(0);
                let data = resampled.data(0);
                let n = resampled.samples().min(data.len() / 8);
                for (i, b) in data[..n * 8].chunks_exact(4).enumerate() {
                    let at = 2 * *pos + i as i64;
                    if at >= 0 && (at as usize) < out.len() {
                        out[at as usize] = f32::from_ne_bytes([b[0], b[1], b[2], b[3]]);
                    }
                }
                *pos += n as i64;
                if *pos >= samples as i64 {
                    break;
                }
            }
            Err(ffmpeg::Error::Eof) => break,
            Err(ffmpeg::Error::Other { errno: ffmpeg::util::error::EAGAIN }) => {
                if at_eof {
                    break;
                }
                match packet.read(&mut input) {
                    Ok(()) if packet.stream() == index => {
                        read_errors = 0;
                        let _ = decoder.send_packet(&packet);
                    }
                    Ok(()) => {}
                    Err(ffmpeg::Error::Eof) => {
                        at_eof = true;
                        let _ = decoder.send_eof();
                    }
                    Err(e) => {
                        read_errors += 1;
                        if read_errors > 16 {
                            return Err(fail(format!("read error: {e}")));
                        }
                    }
                }
            }
            Err(_) => {}
        }
    }
    Ok(Some(out))
}

fn resample(
    frame: &mut ffmpeg::frame::Audio,
    resampler: &mut Option<resampling::Context>,
    out: &mut ffmpeg::frame::Audio,
    rate: u32,
) -> Result<(), String> {
    let resampler = crate::av::f32_resampler(frame, resampler, ChannelLayout::STEREO, rate)?;
    resampler.run(frame, out).map_err(|e| format!("resampling failed: {e}"))?;
    Ok(())
}

/// A voice line: interleaved stereo at the output rate.
pub struct Voice {
    pub samples: Vec<f32>,
}

impl Voice {
    /// Loads a WAV file (any rate, any channel count) as stereo at `rate`.
    pub fn load(path: &Path, rate: u32) -> Result<Self, RenderError> {
        let fail = |reason: String| RenderError::Voice { path: path.into(), reason };
        let mut reader = hound::WavReader::open(path).map_err(|e| fail(e.to_string()))?;
        let spec = reader.spec();
        let channels = usize::from(spec.channels.max(1));
        let raw: Vec<f32> = match spec.sample_format {
            hound::SampleFormat::Float => reader.samples::<f32>().collect::<Result<_, _>>(),
            hound::SampleFormat::Int => {
                let scale = 1.0 / (1u64 << (spec.bits_per_sample.clamp(1, 32) - 1)) as f32;
                reader.samples::<i32>().map(|s| s.map(|v| v as f32 * scale)).collect()
            }
        }
        .map_err(|e| fail(e.to_string()))?;
        // Two channels stay as they are; one or more than two become a centred mono signal.
        let (left, right): (Vec<f32>, Vec<f32>) = if channels == 2 {
            raw.chunks_exact(2).map(|c| (c[0], c[1])).unzip()
        } else {
            raw.chunks_exact(channels).map(|c| c.iter().sum::<f32>() / channels as f32).map(|m| (m, m)).unzip()
        };
        let left = crate::voice::resample(&left, spec.sample_rate, rate).map_err(|e| fail(e.to_string()))?;
        let right = if channels == 2 {
            crate::voice::resample(&right, spec.sample_rate, rate).map_err(|e| fail(e.to_string()))?
        } else {
            left.clone()
        };
        let samples = left.iter().zip(&right).flat_map(|(l, r)| [*l, *r]).collect();
        Ok(Voice { samples })
    }

    /// First and last stereo frame (exclusive end) where the voice sounds, if it ever does.
    pub fn sounding(&self) -> Option<(usize, usize)> {
        let loud = |c: &[f32]| c.iter().any(|s| s.abs() > VOICE_THRESHOLD);
        let mut frames = self.samples.chunks_exact(2);
        let first = frames.clone().position(loud)?;
        let last = self.samples.len() / 2 - frames.by_ref().rev().position(loud).unwrap_or(0);
        Some((first, last))
    }
}

/// How to mix one shot's sound.
pub struct Mix<'a> {
    /// Archive sound (interleaved stereo, the shot's length), if the source has any.
    pub archive: Option<Vec<f32>>,
    pub archive_gain_db: f32,
    pub voice: Option<&'a Voice>,
    /// Stereo frames from the shot start to the voice start (may be negative: the voice starts before the shot).
    pub voice_offset: i64,
    pub duck_db: f32,
    /// Fade length at both edges, stereo frames.
    pub fade: usize,
    pub rate: u32,
}

/// Mixes the shot's sound: `frames` stereo frames, interleaved.
pub fn mix(m: &Mix<'_>, frames: usize) -> Vec<f32> {
    let mut out = vec![0.0f32; 2 * frames];
    if let Some(archive) = &m.archive {
        let gain = duck_envelope(m, frames);
        let base = db_to_gain(m.archive_gain_db);
        for (i, (o, a)) in out.chunks_exact_mut(2).zip(archive.chunks_exact(2)).enumerate() {
            let g = base * gain[i];
            o[0] = a[0] * g;
            o[1] = a[1] * g;
        }
    }
    if let Some(voice) = m.voice {
        for (i, v) in voice.samples.chunks_exact(2).enumerate() {
            let at = m.voice_offset + i as i64;
            if at < 0 {
                continue;
            }
            let at = at as usize;
            if at >= frames {
                break;
            }
            out[2 * at] += v[0];
            out[2 * at + 1] += v[1];
        }
    }
    apply_fades(&mut out, m.fade);
    for s in &mut out {
        *s = s.clamp(-1.0, 1.0);
    }
    out
}

/// Per-frame archive gain: 1 away from the voice, the duck gain while it sounds, with raised-cosine ramps that reach
/// the duck gain as the voice begins and start back up as it ends.
fn duck_envelope(m: &Mix<'_>, frames: usize) -> Vec<f32> {
    let mut gain = vec![1.0f32; frames];
    let Some((first, last)) = m.voice.and_then(Voice::sounding) else { return gain };
    let ducked = db_to_gain(m.duck_db);
    let ramp = ((DUCK_RAMP_S * f64::from(m.rate)) as i64).max(1);
    let on = m.voice_offset + first as i64;
    let off = m.voice_offset + last as i64;
    let smooth = |x: f64| (0.5 - 0.5 * (std::f64::consts::PI * x.clamp(0.0, 1.0)).cos()) as f32;
    for (i, g) in gain.iter_mut().enumerate() {
        let i = i as i64;
        // How far into the duck this frame is: 0 before the attack ramp, 1 inside the voice, 0 after the release.
        let depth = if i < on - ramp || i >= off + ramp {
            0.0
        } else if i < on {
            smooth((i - (on - ramp)) as f64 / ramp as f64)
        } else if i < off {
            1.0
        } else {
            1.0 - smooth((i - off) as f64 / ramp as f64)
        };
        *g = 1.0 + (ducked - 1.0) * depth;
    }
    gain
}

/// Linear fade in over the first `fade` frames and out over the last.
fn apply_fades(out: &mut [f32], fade: usize) {
    let frames = out.len() / 2;
    let fade = fade.min(frames / 2);
    if fade == 0 {
        return;
    }
    for i in 0..fade {
        let g = i as f32 / fade as f32;
        for c in 0..2 {
            out[2 * i + c] *= g;
            out[2 * (frames - 1 - i) + c] *= g;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn voice(len: usize, from: usize, to: usize) -> Voice {
        let mut samples = vec![0.0; 2 * len];
        for s in &mut samples[2 * from..2 * to] {
            *s = 0.5;
        }
        Voice { samples }
    }

    #[test]
    fn ducks_smoothly_while_the_voice_sounds() {
        let v = voice(48_000, 12_000, 36_000);
        assert_eq!(v.sounding(), Some((12_000, 36_000)));
        let m = Mix {
            archive: Some(vec![0.1; 2 * 96_000]),
            archive_gain_db: 0.0,
            voice: Some(&v),
            voice_offset: 24_000,
            duck_db: -20.0,
            fade: 0,
            rate: 48_000,
        };
        let g = duck_envelope(&m, 96_000);
        assert_eq!(g[0], 1.0);
        assert!((g[36_000] - 0.1).abs() < 1e-3, "ducked at voice onset: {}", g[36_000]);
        assert!((g[50_000] - 0.1).abs() < 1e-3);
        assert_eq!(g[95_000], 1.0);
        // No step larger than a ramp allows.
        let max_step = g.windows(2).map(|w| (w[1] - w[0]).abs()).fold(0.0, f32::max);
        assert!(max_step < 1e-3, "step {max_step}");
        let out = mix(&m, 96_000);
        assert!((out[0] - 0.1).abs() < 1e-6);
        assert!((out[2 * 50_000] - (0.01 + 0.5)).abs() < 1e-3);
    }

    #[test]
    fn fades_both_edges() {
        let m = Mix {
            archive: Some(vec![0.5; 2000]),
            archive_gain_db: 0.0,
            voice: None,
            voice_offset: 0,
            duck_db: 0.0,
            fade: 100,
            rate: 48_000,
        };
        let out = mix(&m, 1000);
        assert_eq!(out[0], 0.0);
        assert_eq!(out[1999], 0.0);
        assert!((out[1000] - 0.5).abs() < 1e-6);
        let quieter = Mix { archive_gain_db: -6.0206, ..m };
        assert!((mix(&quieter, 1000)[1000] - 0.25).abs() < 1e-4);
    }
}
