//! Sample-rate conversion with rubato, for whole in-memory clips.
//!
//! rubato's FFT resampler does the work (pitch shifting rounds its intermediate rate to a multiple of 50 Hz so the
//! FFTs stay small). The output is trimmed of the resampler's delay so it lines up with the input, and its
//! length is exactly `len * to / from`. This file must not change levels or timing beyond that.

use rubato::{FftFixedIn, Resampler};

use super::VoiceError;

const CHUNK: usize = 1024;

/// Resamples mono `samples` from `from` Hz to `to` Hz. Rates with a large common divisor (22,050 and 48,000 share
/// 150) keep rubato's FFT sizes small and fast.
pub fn resample(samples: &[f32], from: u32, to: u32) -> Result<Vec<f32>, VoiceError> {
    let fail = |message: String| VoiceError::Resample { from, to, message };
    if from == 0 || to == 0 {
        return Err(fail("rates must be positive".into()));
    }
    if samples.is_empty() || from == to {
        return Ok(samples.to_vec());
    }
    let resampler = FftFixedIn::<f32>::new(from as usize, to as usize, CHUNK, 2, 1).map_err(|e| fail(e.to_string()))?;
    run(resampler, samples, f64::from(to) / f64::from(from)).map_err(|e| fail(e.to_string()))
}

fn run(mut resampler: impl Resampler<f32>, samples: &[f32], ratio: f64) -> Result<Vec<f32>, rubato::ResampleError> {
    let expected = (samples.len() as f64 * ratio).round() as usize;
    let delay = resampler.output_delay();
    let mut out = Vec::with_capacity(expected + delay + 2 * CHUNK);
    let mut chunks = samples.chunks_exact(CHUNK);
    for chunk in &mut chunks {
        out.extend_from_slice(&resampler.process(&[chunk], None)?[0]);
    }
    // rubato treats an empty partial chunk as a bad buffer; the flush below covers that case.
    if !chunks.remainder().is_empty() {
        out.extend_from_slice(&resampler.process_partial(Some(&[chunks.remainder()]), None)?[0]);
    }
    // Flush: feed silence until the delayed tail has come out.
    while out.len() < expected + delay {
        let flushed = resampler.process_partial::<&[f32]>(None, None)?;
        if flushed[0].is_empty() {
            break;
        }
        out.extend_from_slice(&flushed[0]);
    }
    out.drain(..delay.min(out.len()));
    out.resize(expected, 0.0);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(freq: f32, rate: f32, len: usize) -> Vec<f32> {
        (0..len).map(|i| (std::f32::consts::TAU * freq * i as f32 / rate).sin() * 0.5).collect()
    }

    /// Counts upward zero crossings, a rough frequency measure.
    fn crossings(x: &[f32]) -> usize {
        x.windows(2).filter(|w| w[0] < 0.0 && w[1] >= 0.0).count()
    }

    fn check(from: u32, to: u32) {
        let input = sine(440.0, from as f32, 22_050);
        let out = resample(&input, from, to).expect("resample");
        assert_eq!(
            out.len(),
            (input.len() as f64 * f64::from(to) / f64::from(from)).round() as usize,
            "{from} -> {to}"
        );
        // Same tone, same duration: the same number of cycles.
        assert!(
            crossings(&input).abs_diff(crossings(&out)) <= 2,
            "{from} -> {to}: {} vs {}",
            crossings(&input),
            crossings(&out)
        );
        let peak = out.iter().fold(0.0_f32, |m, s| m.max(s.abs()));
        assert!((0.45..0.55).contains(&peak), "{from} -> {to}: peak {peak}");
    }

    #[test]
    fn keeps_tone_and_length() {
        check(22_050, 48_000);
        check(48_000, 22_050);
        check(22_050, 19_650);
        check(22_050, 27_800);
        check(16_000, 16_000);
    }

    #[test]
    fn rejects_bad_rates() {
        assert!(resample(&[0.0; 10], 0, 48_000).is_err());
        assert!(resample(&[], 22_050, 48_000).expect("empty is fine").is_empty());
    }
}
