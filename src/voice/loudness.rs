//! Mastering one line: EBU R128 loudness normalisation, a true-peak limit, and click-free fades.
//!
//! The limiter is a look-ahead gain-envelope limiter on sample peaks (gain ramps down over 1.5 ms before a peak and
//! recovers over 50 ms); because inter-sample peaks can still exceed the ceiling, the result is re-measured with
//! ebur128's 4x-oversampled true peak and the ceiling is lowered until the true peak fits. This file must not
//! resample or change timing.

use ebur128::{EbuR128, Mode};

use super::VoiceError;

/// Loudness and peak of a clip.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Measurement {
    /// Integrated loudness, LUFS (`-inf` for silence).
    pub lufs: f64,
    /// True peak, dBTP (`-inf` for silence).
    pub true_peak_dbtp: f64,
}

/// Measures integrated loudness and true peak of mono `samples`.
pub fn measure(samples: &[f32], sample_rate: u32) -> Result<Measurement, VoiceError> {
    let err = |e: ebur128::Error| VoiceError::Loudness(e.to_string());
    let mut meter = EbuR128::new(1, sample_rate, Mode::I | Mode::TRUE_PEAK).map_err(err)?;
    meter.add_frames_f32(samples).map_err(err)?;
    let lufs = meter.loudness_global().map_err(err)?;
    let peak = meter.true_peak(0).map_err(err)?;
    Ok(Measurement { lufs, true_peak_dbtp: 20.0 * peak.log10() })
}

/// Scales `samples` to `target_lufs` integrated loudness with true peaks at or below `ceiling_dbtp`, and returns the
/// final measurement. Silence (no gated loudness) is left as it is. Gain is capped at +40 dB so that near-silence
/// is not blown up into noise.
pub fn normalise(
    samples: &mut [f32],
    sample_rate: u32,
    target_lufs: f64,
    ceiling_dbtp: f64,
) -> Result<Measurement, VoiceError> {
    let original = samples.to_vec();
    // The first pass needs loudness only; true peak (4x oversampled) is the expensive part of a measurement.
    let err = |e: ebur128::Error| VoiceError::Loudness(e.to_string());
    let mut meter = EbuR128::new(1, sample_rate, Mode::I).map_err(err)?;
    meter.add_frames_f32(samples).map_err(err)?;
    let lufs = meter.loudness_global().map_err(err)?;
    if !lufs.is_finite() {
        return Ok(Measurement { lufs, true_peak_dbtp: f64::NEG_INFINITY });
    }
    let mut gain_db = (target_lufs - lufs).min(40.0);
    let mut sample_ceiling_db = ceiling_dbtp - 0.3;
    let mut result = Measurement { lufs, true_peak_dbtp: f64::NEG_INFINITY };
    for _ in 0..6 {
        let gain = db_to_gain(gain_db) as f32;
        for (out, &x) in samples.iter_mut().zip(&original) {
            *out = x * gain;
        }
        limit(samples, sample_rate, db_to_gain(sample_ceiling_db) as f32);
        result = measure(samples, sample_rate)?;
        if result.true_peak_dbtp > ceiling_dbtp + 0.01 {
            sample_ceiling_db -= result.true_peak_dbtp - ceiling_dbtp + 0.05;
        } else if (result.lufs - target_lufs).abs() > 0.15 && gain_db < 40.0 {
            // The limiter took some loudness away; push the gain up (or down) by the shortfall.
            gain_db = (gain_db + target_lufs - result.lufs).min(40.0);
        } else {
            break;
        }
    }
    Ok(result)
}

/// Look-ahead limiter: keeps every sample within `ceiling` with a smooth gain envelope.
pub fn limit(samples: &mut [f32], sample_rate: u32, ceiling: f32) {
    let attack = (0.0015 * sample_rate as f32).max(1.0);
    let release = (0.050 * sample_rate as f32).max(1.0);
    let mut gain: Vec<f32> = samples.iter().map(|s| if s.abs() > ceiling { ceiling / s.abs() } else { 1.0 }).collect();
    if gain.iter().all(|&g| g >= 1.0) {
        return;
    }
    // Backward pass: reach each peak's gain by ramping down ahead of it. Forward pass: recover slowly after it.
    for n in (0..gain.len().saturating_sub(1)).rev() {
        gain[n] = gain[n].min(gain[n + 1] + 1.0 / attack);
    }
    for n in 1..gain.len() {
        gain[n] = gain[n].min(gain[n - 1] + 1.0 / release);
    }
    for (s, g) in samples.iter_mut().zip(gain) {
        *s *= g;
    }
}

/// Applies linear fades of `ms` milliseconds at both ends.
pub fn fade(samples: &mut [f32], sample_rate: u32, ms: u32) {
    let n = ((u64::from(sample_rate) * u64::from(ms) / 1000) as usize).min(samples.len() / 2);
    let len = samples.len();
    for i in 0..n {
        let g = i as f32 / n as f32;
        samples[i] *= g;
        samples[len - 1 - i] *= g;
    }
}

/// dB to linear amplitude.
pub fn db_to_gain(db: f64) -> f64 {
    10f64.powf(db / 20.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Noise-like test signal with a sharp transient, the worst case for a peak limit.
    fn signal(rate: u32) -> Vec<f32> {
        let mut state = 12345_u32;
        let mut x: Vec<f32> = (0..rate * 2)
            .map(|i| {
                state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                let noise = (state >> 8) as f32 / (1 << 24) as f32 - 0.5;
                noise * 0.05 + (i as f32 * 0.03).sin() * 0.05
            })
            .collect();
        x[rate as usize] = 0.9;
        x
    }

    #[test]
    fn hits_target_under_the_ceiling() {
        for target in [-20.0, -26.0, -14.0] {
            let mut x = signal(48_000);
            let m = normalise(&mut x, 48_000, target, -1.0).expect("normalise");
            assert!((m.lufs - target).abs() < 0.5, "target {target}: got {m:?}");
            assert!(m.true_peak_dbtp <= -0.99, "target {target}: got {m:?}");
        }
    }

    #[test]
    fn leaves_silence_alone() {
        let mut x = vec![0.0; 48_000];
        let m = normalise(&mut x, 48_000, -20.0, -1.0).expect("normalise");
        assert!(!m.lufs.is_finite());
        assert!(x.iter().all(|&s| s == 0.0));
    }

    #[test]
    fn fades_start_and_end_at_zero() {
        let mut x = vec![1.0; 4_800];
        fade(&mut x, 48_000, 10);
        assert_eq!(x[0], 0.0);
        assert!(x[4_799] < 0.01);
        assert_eq!(x[2_400], 1.0);
        let mut tiny = vec![1.0; 3];
        fade(&mut tiny, 48_000, 10);
    }
}
