//! What makes a swap watchable, measured: box jitter (raw and smoothed) and temporal flicker inside the face region.
//!
//! Jitter is the mean absolute second difference of the box centre, in pixels per frame: zero for a face at rest or
//! in uniform motion, large when the box shakes. Flicker is the mean frame-to-frame absolute difference of pixel
//! values (0–255, over the three channels) inside the face region of the swapped frames, minus the same of the
//! original frames: how much the swap adds to what the footage already does. Pure arithmetic; no IO.

use image::RgbImage;
use serde::{Deserialize, Serialize};

use super::rect::FaceBox;
use super::track::Track;

/// Mean Euclidean norm of the second difference of `centres` (consecutive frames), px/frame; `None` under 3 points.
pub fn jitter(centres: &[(f32, f32)]) -> Option<f64> {
    if centres.len() < 3 {
        return None;
    }
    let sum: f64 = centres
        .windows(3)
        .map(|w| {
            let dx = f64::from(w[2].0) - 2.0 * f64::from(w[1].0) + f64::from(w[0].0);
            let dy = f64::from(w[2].1) - 2.0 * f64::from(w[1].1) + f64::from(w[0].1);
            dx.hypot(dy)
        })
        .sum();
    Some(sum / (centres.len() - 2) as f64)
}

/// Jitter of one track, raw and smoothed, over its runs of consecutive frames.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrackJitter {
    pub track: u32,
    pub frames: usize,
    /// Mean height of the raw box, px (jitter scales with it).
    pub face_px: f64,
    pub raw: f64,
    pub smoothed: f64,
}

/// Jitter over a set of tracks: each track's figures, and their mean weighted by second differences counted.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct JitterReport {
    pub tracks: Vec<TrackJitter>,
    pub raw: f64,
    pub smoothed: f64,
    /// raw ÷ smoothed (how many times smoothing cut the jitter); 0 when nothing was measured.
    pub reduction: f64,
}

/// Measures every track with at least 3 consecutive frames.
pub fn track_jitter(tracks: &[Track]) -> JitterReport {
    let mut per_track = Vec::new();
    let (mut raw_sum, mut smooth_sum, mut weight) = (0.0, 0.0, 0.0);
    for track in tracks {
        let (mut raw_t, mut smooth_t, mut n_t) = (0.0, 0.0, 0usize);
        for run in runs(track) {
            let raw: Vec<_> = run.iter().map(|p| p.raw.centre()).collect();
            let smooth: Vec<_> = run.iter().map(|p| p.smoothed.centre()).collect();
            if let (Some(r), Some(s)) = (jitter(&raw), jitter(&smooth)) {
                let n = run.len() - 2;
                raw_t += r * n as f64;
                smooth_t += s * n as f64;
                n_t += n;
            }
        }
        if n_t == 0 {
            continue;
        }
        let face_px = track.points.iter().map(|p| f64::from(p.raw.height)).sum::<f64>() / track.points.len() as f64;
        per_track.push(TrackJitter {
            track: track.id,
            frames: track.points.len(),
            face_px,
            raw: raw_t / n_t as f64,
            smoothed: smooth_t / n_t as f64,
        });
        raw_sum += raw_t;
        smooth_sum += smooth_t;
        weight += n_t as f64;
    }
    if weight == 0.0 {
        return JitterReport { tracks: per_track, ..JitterReport::default() };
    }
    let (raw, smoothed) = (raw_sum / weight, smooth_sum / weight);
    let reduction = if smoothed > 0.0 { raw / smoothed } else { f64::INFINITY };
    JitterReport { tracks: per_track, raw, smoothed, reduction }
}

/// The track's points split where frame numbers jump (detection every k-th frame, or decode gaps).
fn runs(track: &Track) -> Vec<&[super::track::TrackPoint]> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..=track.points.len() {
        if i == track.points.len() || track.points[i].frame != track.points[i - 1].frame + 1 {
            out.push(&track.points[start..i]);
            start = i;
        }
    }
    out
}

/// Accumulates temporal flicker inside face regions over a video: feed it each frame's original and swapped pictures
/// and the face regions of that frame.
#[derive(Debug, Clone, Default)]
pub struct FlickerMeter {
    previous: Option<(RgbImage, RgbImage)>,
    original_sum: f64,
    swapped_sum: f64,
    samples: u64,
}

/// Flicker figures: mean absolute frame-to-frame difference inside face regions, 0–255.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Flicker {
    pub original: f64,
    pub swapped: f64,
    /// `swapped - original`: what the swap adds.
    pub added: f64,
    /// Pixel-channel differences measured.
    pub samples: u64,
}

impl FlickerMeter {
    pub fn new() -> FlickerMeter {
        FlickerMeter::default()
    }

    /// Adds one frame; `regions` are the face boxes of this frame (differences are taken against the previous frame
    /// inside them). Frames of a different size from the previous one restart the comparison.
    pub fn add(&mut self, original: &RgbImage, swapped: &RgbImage, regions: &[FaceBox]) {
        if let Some((prev_o, prev_s)) = &self.previous
            && prev_o.dimensions() == original.dimensions()
            && prev_s.dimensions() == swapped.dimensions()
            && original.dimensions() == swapped.dimensions()
        {
            let (w, h) = original.dimensions();
            for region in regions {
                let x0 = region.x.floor().max(0.0) as u32;
                let y0 = region.y.floor().max(0.0) as u32;
                let x1 = ((region.x + region.width).ceil().max(0.0) as u32).min(w);
                let y1 = ((region.y + region.height).ceil().max(0.0) as u32).min(h);
                for y in y0..y1 {
                    for x in x0..x1 {
                        let (a, b) = (prev_o.get_pixel(x, y).0, original.get_pixel(x, y).0);
                        let (c, d) = (prev_s.get_pixel(x, y).0, swapped.get_pixel(x, y).0);
                        for k in 0..3 {
                            self.original_sum += f64::from(a[k].abs_diff(b[k]));
                            self.swapped_sum += f64::from(c[k].abs_diff(d[k]));
                        }
                        self.samples += 3;
                    }
                }
            }
        }
        self.previous = Some((original.clone(), swapped.clone()));
    }

    /// Forgets the previous frame (at a cut, so it is not counted as flicker).
    pub fn reset(&mut self) {
        self.previous = None;
    }

    pub fn result(&self) -> Flicker {
        if self.samples == 0 {
            return Flicker::default();
        }
        let n = self.samples as f64;
        let (original, swapped) = (self.original_sum / n, self.swapped_sum / n);
        Flicker { original, swapped, added: swapped - original, samples: self.samples }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_is_zero_for_uniform_motion_and_counts_shakes() {
        let line: Vec<(f32, f32)> = (0..10).map(|i| (i as f32 * 3.0, 5.0)).collect();
        assert_eq!(jitter(&line), Some(0.0));
        // 0, 1, 0, 1, ...: every second difference is ±2.
        let shake: Vec<(f32, f32)> = (0..10).map(|i| ((i % 2) as f32, 0.0)).collect();
        assert_eq!(jitter(&shake), Some(2.0));
        assert_eq!(jitter(&line[..2]), None);
    }

    #[test]
    fn flicker_measures_only_inside_the_region_and_subtracts_the_original() {
        let grey = RgbImage::from_pixel(8, 8, image::Rgb([100, 100, 100]));
        let mut flashed = grey.clone();
        flashed.put_pixel(1, 1, image::Rgb([110, 110, 110]));
        flashed.put_pixel(6, 6, image::Rgb([200, 200, 200]));
        let region = [FaceBox { x: 0.0, y: 0.0, width: 2.0, height: 2.0 }];
        let mut meter = FlickerMeter::new();
        meter.add(&grey, &grey, &region);
        meter.add(&grey, &flashed, &region);
        let f = meter.result();
        assert_eq!(f.samples, 12);
        assert_eq!(f.original, 0.0);
        assert!((f.swapped - 30.0 / 12.0).abs() < 1e-9, "{f:?}");
        assert!((f.added - f.swapped).abs() < 1e-12);
    }
}
