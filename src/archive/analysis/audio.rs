//! Sound: decodes the main audio stream, resamples it to mono f32 with swresample, and measures the integrated
//! loudness (EBU R 128, LUFS, via `ebur128`) of each shot's time range.
//!
//! Owns audio decoding and loudness. Must not decode video or decide shot ranges; it is handed the ranges.

use std::path::Path;

use ebur128::{EbuR128, Mode};
use ffmpeg::software::resampling;
use ffmpeg::{ChannelLayout, Packet, media};
use ffmpeg_next as ffmpeg;

use super::probe;
use super::warning::Warning;

/// Integrated loudness in LUFS of each `[start_s, end_s)` range (ranges in ascending order, not overlapping), with
/// warnings. A range gets `None` when the file has no audio, the range has no sound there, or it is silent or too
/// short to gate (under 400 ms).
pub fn loudness_per_range(path: &Path, ranges: &[(f64, f64)]) -> (Vec<Option<f64>>, Vec<Warning>) {
    let mut meter = RangeMeter::new(ranges);
    let mut warnings = Vec::new();
    if let Err(message) = decode_into(path, &mut meter) {
        warnings.push(Warning::Audio { message });
    }
    (meter.finish(), warnings)
}

/// Feeds mono samples into one EBU R 128 meter per range.
struct RangeMeter<'a> {
    ranges: &'a [(f64, f64)],
    rate: u32,
    /// Samples seen so far (the time of the next sample is `position / rate`).
    position: u64,
    current: usize,
    meter: Option<EbuR128>,
    results: Vec<Option<f64>>,
}

impl<'a> RangeMeter<'a> {
    fn new(ranges: &'a [(f64, f64)]) -> Self {
        RangeMeter { ranges, rate: 0, position: 0, current: 0, meter: None, results: vec![None; ranges.len()] }
    }

    fn push(&mut self, rate: u32, mut samples: &[f32]) -> Result<(), String> {
        if self.rate == 0 {
            self.rate = rate;
        }
        let rate = f64::from(self.rate);
        while !samples.is_empty() && self.current < self.ranges.len() {
            let (start_s, end_s) = self.ranges[self.current];
            let start = (start_s * rate).round() as u64;
            let end = (end_s * rate).round() as u64;
            if self.position >= end {
                self.close_current();
                continue;
            }
            let take = if self.position < start {
                // Skip to the range start.
                let skip = (start - self.position).min(samples.len() as u64) as usize;
                self.position += skip as u64;
                samples = &samples[skip..];
                continue;
            } else {
                (end - self.position).min(samples.len() as u64) as usize
            };
            if self.meter.is_none() {
                self.meter = Some(EbuR128::new(1, self.rate, Mode::I).map_err(|e| format!("loudness meter: {e}"))?);
            }
            if let Some(meter) = self.meter.as_mut() {
                meter.add_frames_f32(&samples[..take]).map_err(|e| format!("loudness meter: {e}"))?;
            }
            self.position += take as u64;
            samples = &samples[take..];
        }
        self.position += samples.len() as u64;
        Ok(())
    }

    fn close_current(&mut self) {
        if let Some(meter) = self.meter.take() {
            self.results[self.current] = meter.loudness_global().ok().filter(|l| l.is_finite());
        }
        self.current += 1;
    }

    fn finish(mut self) -> Vec<Option<f64>> {
        if self.current < self.ranges.len() {
            self.close_current();
        }
        self.results
    }
}

/// Decodes the best audio stream of `path` into `meter`; an `Err` says why it stopped early (absence of audio is no
/// error).
fn decode_into(path: &Path, meter: &mut RangeMeter<'_>) -> Result<(), String> {
    let mut input = probe::open_input(path).map_err(|e| e.to_string())?;
    let Some(stream) = input.streams().best(media::Type::Audio) else { return Ok(()) };
    let index = stream.index();
    let context = ffmpeg::codec::context::Context::from_parameters(stream.parameters())
        .map_err(|e| format!("cannot read audio parameters: {e}"))?;
    let mut decoder = context.decoder().audio().map_err(|e| format!("cannot open audio decoder: {e}"))?;

    let mut resampler: Option<resampling::Context> = None;
    let mut frame = ffmpeg::frame::Audio::empty();
    let mut skipped = 0u64;
    let mut read_errors = 0u32;
    let mut packet = Packet::empty();
    let mut at_eof = false;
    loop {
        if !at_eof {
            match packet.read(&mut input) {
                Ok(()) if packet.stream() == index => {
                    read_errors = 0;
                    if decoder.send_packet(&packet).is_err() {
                        skipped += 1;
                    }
                }
                Ok(()) => continue,
                Err(ffmpeg::Error::Eof) => {
                    at_eof = true;
                    let _ = decoder.send_eof();
                }
                Err(e) => {
                    read_errors += 1;
                    if read_errors >= 16 {
                        return Err(format!("read error, audio stops at {:.2}s: {e}", meter.seconds()));
                    }
                    continue;
                }
            }
        }
        loop {
            match decoder.receive_frame(&mut frame) {
                Ok(()) => resample_into(&mut frame, &mut resampler, meter)?,
                Err(ffmpeg::Error::Eof) => {
                    return if skipped > 0 { Err(format!("{skipped} undecodable packet(s) skipped")) } else { Ok(()) };
                }
                Err(_) => break,
            }
        }
    }
}

fn resample_into(
    frame: &mut ffmpeg::frame::Audio,
    resampler: &mut Option<resampling::Context>,
    meter: &mut RangeMeter<'_>,
) -> Result<(), String> {
    let rate = frame.rate();
    let resampler = crate::av::f32_resampler(frame, resampler, ChannelLayout::MONO, rate)?;
    let mut out = ffmpeg::frame::Audio::empty();
    resampler.run(frame, &mut out).map_err(|e| format!("resampling failed: {e}"))?;
    let bytes = out.data(0);
    let n = out.samples().min(bytes.len() / 4);
    let samples: Vec<f32> =
        bytes[..n * 4].chunks_exact(4).map(|b| f32::from_ne_bytes([b[0], b[1], b[2], b[3]])).collect();
    meter.push(frame.rate(), &samples)
}

impl RangeMeter<'_> {
    fn seconds(&self) -> f64 {
        if self.rate == 0 { 0.0 } else { self.position as f64 / f64::from(self.rate) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(rate: u32, seconds: f64, amplitude: f32) -> Vec<f32> {
        let n = (f64::from(rate) * seconds) as usize;
        (0..n).map(|i| amplitude * (i as f32 * 2.0 * std::f32::consts::PI * 1000.0 / rate as f32).sin()).collect()
    }

    #[test]
    fn louder_range_measures_louder_and_silence_is_none() {
        let rate = 48_000;
        let ranges = [(0.0, 1.0), (1.0, 2.0), (2.0, 3.0)];
        let mut meter = RangeMeter::new(&ranges);
        let mut signal = tone(rate, 1.0, 0.1);
        signal.extend(tone(rate, 1.0, 0.5));
        signal.extend(vec![0.0; rate as usize]);
        for chunk in signal.chunks(1024) {
            meter.push(rate, chunk).expect("meter accepts samples");
        }
        let loudness = meter.finish();
        let (quiet, loud) = (loudness[0].expect("quiet tone"), loudness[1].expect("loud tone"));
        // Five times the amplitude is +14 dB.
        assert!((loud - quiet - 14.0).abs() < 0.5, "{quiet} {loud}");
        assert_eq!(loudness[2], None);
    }
}
