//! Duration-preserving pitch shift and tempo change, so one neural voice can play many characters.
//!
//! A shift by k semitones is a WSOLA time-stretch by r = 2^(k/12) followed by resampling by 1/r: the stretch keeps
//! the pitch and changes the length, the resampling restores the length and scales every frequency by r. This file
//! works on mono samples only; it must not change loudness deliberately.

use super::VoiceError;
use super::resample::resample;

/// WSOLA frame length in seconds: long enough for two periods of a low (70 Hz) voice.
const FRAME_S: f32 = 0.030;
/// How far (seconds) WSOLA may move a frame from its nominal position to line up with the previous one.
const TOLERANCE_S: f32 = 0.012;

/// Shifts the pitch of `samples` by `semitones`, keeping the duration (to within a few samples).
pub fn shift_pitch(samples: &[f32], sample_rate: u32, semitones: f32) -> Result<Vec<f32>, VoiceError> {
    if semitones.abs() < 0.01 || samples.is_empty() {
        return Ok(samples.to_vec());
    }
    let ratio = 2f64.powf(f64::from(semitones) / 12.0);
    let stretched = time_stretch(samples, sample_rate, ratio as f32);
    // Round the intermediate rate to a multiple of 50 Hz: at most 0.02 semitones off, and the FFTs stay small.
    let target = ((f64::from(sample_rate) / ratio / 50.0).round() as u32).max(1) * 50;
    let mut shifted = resample(&stretched, sample_rate, target)?;
    shifted.resize(samples.len(), 0.0);
    Ok(shifted)
}

/// WSOLA: makes `samples` `factor` times longer without changing its pitch. Output frames are laid down every half
/// frame with a Hann window; each is taken from near its nominal input position, at the offset whose waveform best
/// continues the previous frame (maximum cross-correlation), so periods line up and nothing phases or clicks.
pub fn time_stretch(samples: &[f32], sample_rate: u32, factor: f32) -> Vec<f32> {
    let frame = ((FRAME_S * sample_rate as f32) as usize).max(16) & !1;
    let hop = frame / 2;
    let tolerance = (TOLERANCE_S * sample_rate as f32) as usize;
    if samples.len() < frame || !factor.is_finite() || factor <= 0.0 {
        return samples.to_vec();
    }
    let out_len = (samples.len() as f64 * f64::from(factor)).round() as usize;
    let window: Vec<f32> =
        (0..frame).map(|i| 0.5 - 0.5 * (std::f32::consts::TAU * i as f32 / frame as f32).cos()).collect();
    // Pad so every frame and search window stays in bounds.
    let pad = tolerance + frame;
    let mut input = vec![0.0; pad];
    input.extend_from_slice(samples);
    input.resize(input.len() + 2 * pad + (frame as f32 / factor).ceil() as usize, 0.0);

    let mut out = vec![0.0_f32; out_len + frame];
    let mut norm = vec![0.0_f32; out_len + frame];
    let mut previous: Option<usize> = None;
    let mut k = 0;
    while k * hop < out_len {
        let nominal = pad + (k as f64 * hop as f64 / f64::from(factor)).round() as usize;
        let start = match previous {
            None => nominal,
            Some(prev) => best_offset(&input, prev + hop, nominal, tolerance, hop),
        };
        let position = k * hop;
        for i in 0..frame {
            out[position + i] += input[start + i] * window[i];
            norm[position + i] += window[i];
        }
        previous = Some(start);
        k += 1;
    }
    out.truncate(out_len);
    for (o, n) in out.iter_mut().zip(&norm) {
        if *n > 1e-3 {
            *o /= n;
        }
    }
    out
}

/// The start in `[nominal - tolerance, nominal + tolerance]` whose first `len` samples correlate best with
/// `input[natural..natural + len]`, the natural continuation of the previous frame.
fn best_offset(input: &[f32], natural: usize, nominal: usize, tolerance: usize, len: usize) -> usize {
    let target = &input[natural..natural + len];
    let lo = nominal.saturating_sub(tolerance);
    let mut best = (f32::MIN, nominal);
    // Step 2 samples for speed; speech below 8 kHz loses nothing audible at 22 kHz.
    for start in (lo..=nominal + tolerance).step_by(2) {
        let candidate = &input[start..start + len];
        let score: f32 = target.iter().zip(candidate).map(|(a, b)| a * b).sum();
        if score > best.0 {
            best = (score, start);
        }
    }
    best.1
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 120 Hz buzz with harmonics, like a voiced vowel.
    fn buzz(f0: f32, rate: u32, seconds: f32) -> Vec<f32> {
        let n = (seconds * rate as f32) as usize;
        (0..n)
            .map(|i| {
                let t = i as f32 / rate as f32;
                (1..=5).map(|h| (std::f32::consts::TAU * f0 * h as f32 * t).sin() / h as f32).sum::<f32>() * 0.3
            })
            .collect()
    }

    /// Fundamental by autocorrelation over 60-400 Hz: the first local maximum within 90% of the best, which avoids
    /// octave errors (a lag of two periods correlates as well as one).
    fn f0(x: &[f32], rate: u32) -> f32 {
        let mid = &x[x.len() / 4..x.len() * 3 / 4];
        let (lo, hi) = ((rate / 400) as usize, (rate / 60) as usize);
        let corr: Vec<f32> = (lo..hi)
            .map(|lag| mid.iter().zip(&mid[lag..]).map(|(p, q)| p * q).sum::<f32>() / (mid.len() - lag) as f32)
            .collect();
        let best = corr.iter().copied().fold(f32::MIN, f32::max);
        let peak =
            (1..corr.len() - 1).find(|&i| corr[i] >= 0.9 * best && corr[i] >= corr[i - 1] && corr[i] >= corr[i + 1]);
        let lag = lo + peak.unwrap_or(0);
        rate as f32 / lag as f32
    }

    #[test]
    fn stretch_changes_length_not_pitch() {
        let input = buzz(120.0, 22_050, 1.0);
        for factor in [0.8_f32, 1.25] {
            let out = time_stretch(&input, 22_050, factor);
            assert_eq!(out.len(), (input.len() as f32 * factor).round() as usize);
            let got = f0(&out, 22_050);
            assert!((got / 120.0 - 1.0).abs() < 0.03, "factor {factor}: f0 {got}");
        }
    }

    #[test]
    fn shift_changes_pitch_not_length() {
        let input = buzz(120.0, 22_050, 1.0);
        for semitones in [-4.0_f32, -2.0, 3.0] {
            let out = shift_pitch(&input, 22_050, semitones).expect("shift");
            assert_eq!(out.len(), input.len());
            let expected = 120.0 * 2f32.powf(semitones / 12.0);
            let got = f0(&out, 22_050);
            assert!((got / expected - 1.0).abs() < 0.03, "{semitones} st: f0 {got}, expected {expected}");
        }
    }

    #[test]
    fn tolerates_tiny_and_odd_input() {
        assert!(time_stretch(&[], 22_050, 1.5).is_empty());
        assert_eq!(time_stretch(&[0.1; 10], 22_050, 1.5), vec![0.1; 10]);
        assert_eq!(time_stretch(&[0.1; 10], 22_050, f32::NAN), vec![0.1; 10]);
        // Every length around the frame size and every factor the delivery and casting can ask for stays in bounds.
        let frame = (FRAME_S * 22_050.0) as usize;
        for len in [frame - 1, frame, frame + 1, 1_000, 5_003] {
            let input: Vec<f32> = (0..len).map(|i| (i as f32 * 0.37).sin()).collect();
            for factor in [0.3_f32, 0.5, 0.99, 1.0, 1.5, 3.0] {
                let out = time_stretch(&input, 22_050, factor);
                assert!(len < frame || out.len() == (len as f32 * factor).round() as usize, "{len} x {factor}");
            }
            for semitones in [-12.0_f32, -4.0, 0.5, 12.0] {
                assert_eq!(shift_pitch(&input, 22_050, semitones).expect("shifts").len(), len);
            }
        }
    }
}
