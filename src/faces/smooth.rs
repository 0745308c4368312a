//! Box smoothing with the one-euro filter (Casiez, Roussel and Vogel, CHI 2012): a low-pass filter whose cutoff rises
//! with speed, so a face at rest stops jittering and a moving face is followed without lag.
//!
//! Owns the filter and its settings. Speeds are measured in face heights per second, so one setting serves a 40-px
//! face and a 200-px one alike. Must not associate detections (that is `track`).

use serde::{Deserialize, Serialize};

use super::rect::FaceBox;

/// One-euro parameters. [`SmoothSettings::default`] holds the values tuned on the synthetic jitter tests and checked
/// on the carphone and Chaplin clips.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SmoothSettings {
    /// Cutoff in Hz at rest: lower removes more jitter from a still face.
    pub min_cutoff: f64,
    /// How fast the cutoff rises with speed, Hz per (face height per second): higher lags less on motion.
    pub beta: f64,
    /// Cutoff in Hz of the speed estimate itself.
    pub d_cutoff: f64,
    /// Size changes (zooms) are filtered with `min_cutoff × size_cutoff_factor` at rest: sizes jitter more than
    /// centres in SeetaFace boxes and move more slowly.
    pub size_cutoff_factor: f64,
}

impl Default for SmoothSettings {
    fn default() -> Self {
        SmoothSettings { min_cutoff: 0.3, beta: 4.0, d_cutoff: 0.3, size_cutoff_factor: 0.6 }
    }
}

/// A one-euro filter of one value.
#[derive(Debug, Clone, PartialEq)]
pub struct OneEuro {
    min_cutoff: f64,
    beta: f64,
    d_cutoff: f64,
    previous: Option<(f64, f64)>,
}

/// Smoothing factor of an exponential filter with `cutoff` Hz sampled every `dt` seconds.
fn alpha(cutoff: f64, dt: f64) -> f64 {
    let tau = 1.0 / (2.0 * std::f64::consts::PI * cutoff);
    1.0 / (1.0 + tau / dt)
}

impl OneEuro {
    pub fn new(min_cutoff: f64, beta: f64, d_cutoff: f64) -> OneEuro {
        OneEuro { min_cutoff, beta, d_cutoff, previous: None }
    }

    /// Filters `x`, sampled `dt` seconds after the previous value; `scale` divides the speed before `beta` applies
    /// (the face height, for speeds in heights per second). The first value passes through.
    pub fn filter(&mut self, x: f64, dt: f64, scale: f64) -> f64 {
        let Some((prev, prev_dx)) = self.previous else {
            self.previous = Some((x, 0.0));
            return x;
        };
        let dt = dt.max(1e-6);
        let dx = (x - prev) / dt;
        let a_d = alpha(self.d_cutoff, dt);
        let edx = prev_dx + a_d * (dx - prev_dx);
        let cutoff = self.min_cutoff + self.beta * edx.abs() / scale.max(1e-6);
        let a = alpha(cutoff, dt);
        let out = prev + a * (x - prev);
        self.previous = Some((out, edx));
        out
    }
}

/// Smooths a face box: centre x and y, width and height, each with its own one-euro filter.
#[derive(Debug, Clone, PartialEq)]
pub struct BoxSmoother {
    cx: OneEuro,
    cy: OneEuro,
    width: OneEuro,
    height: OneEuro,
}

impl BoxSmoother {
    pub fn new(settings: &SmoothSettings) -> BoxSmoother {
        let s = settings;
        let size_cutoff = s.min_cutoff * s.size_cutoff_factor;
        BoxSmoother {
            cx: OneEuro::new(s.min_cutoff, s.beta, s.d_cutoff),
            cy: OneEuro::new(s.min_cutoff, s.beta, s.d_cutoff),
            width: OneEuro::new(size_cutoff, s.beta, s.d_cutoff),
            height: OneEuro::new(size_cutoff, s.beta, s.d_cutoff),
        }
    }

    /// The smoothed box for `raw`, `dt` seconds after the previous one.
    pub fn smooth(&mut self, raw: &FaceBox, dt: f64) -> FaceBox {
        let (cx, cy) = raw.centre();
        let scale = f64::from(raw.height.max(1.0));
        let cx = self.cx.filter(f64::from(cx), dt, scale);
        let cy = self.cy.filter(f64::from(cy), dt, scale);
        let width = self.width.filter(f64::from(raw.width), dt, scale);
        let height = self.height.filter(f64::from(raw.height), dt, scale);
        FaceBox::centred(cx as f32, cy as f32, width as f32, height as f32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_input_passes_unchanged() {
        let mut f = OneEuro::new(1.0, 1.0, 1.0);
        for _ in 0..50 {
            assert_eq!(f.filter(7.5, 0.04, 1.0), 7.5);
        }
    }

    #[test]
    fn step_is_followed_monotonically_without_overshoot() {
        let mut f = OneEuro::new(1.0, 0.0, 1.0);
        f.filter(0.0, 0.04, 1.0);
        let mut last = 0.0;
        for _ in 0..200 {
            let y = f.filter(10.0, 0.04, 1.0);
            assert!(y >= last && y <= 10.0, "{y} after {last}");
            last = y;
        }
        assert!(last > 9.99, "converges: {last}");
    }

    #[test]
    fn alpha_grows_with_cutoff() {
        assert!(alpha(1.0, 0.04) < alpha(10.0, 0.04));
        assert!(alpha(1000.0, 0.04) > 0.99);
    }
}
