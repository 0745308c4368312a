//! Picture features: per-frame statistics computed from the small analysis picture (luma, contrast, motion, the
//! HSV change score the shot detectors read, a hue histogram), their aggregation over a shot, and the dominant colours
//! of a keyframe.
//!
//! Owns pixel arithmetic only. Must not decode (that is `decode`) or decide where shots begin (that is `detect`).

use serde::{Deserialize, Serialize};

use super::decode::{FrameInfo, RgbFrame};

/// Hue histogram bins (over OpenCV's 0..180 hue circle).
pub const HUE_BINS: usize = 16;

/// Mean saturation (0..255) below which a frame counts as greyscale for the content score.
pub const GREY_SATURATION: f32 = 12.0;

/// What one frame looks like, reduced to a few numbers. Small enough (≈ 100 bytes) to keep for every frame of a
/// feature film while the pictures themselves are dropped as soon as they are measured.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FrameStats {
    pub index: u64,
    pub time_s: f64,
    /// Presentation timestamp in the stream time base, when known.
    pub pts: Option<i64>,
    /// A keyframe of the stream.
    pub key: bool,
    /// Mean full-range luma (BT.601 weights, 0..255).
    pub luma_mean: f32,
    /// Standard deviation of luma over the picture.
    pub luma_std: f32,
    /// Mean absolute luma difference from the previous frame, per frame of distance when frames between were
    /// skipped (0 for the first frame).
    pub motion: f32,
    /// PySceneDetect's content score: mean absolute difference of H, S and V (OpenCV scales: H 0..180, S and V
    /// 0..255) from the previous frame, averaged over the three channels (0 for the first frame). Between two
    /// greyscale frames (black-and-white film) hue and saturation carry only noise, so the score is the V difference
    /// alone, as PySceneDetect's `luma_only` mode; averaging in two empty channels would cut it to a third.
    pub content: f32,
    /// Mean saturation (0..255).
    pub saturation: f32,
    /// Fraction of pixels per hue bin, each pixel weighted by its saturation (0..1): a grey frame is all zeros.
    pub hue: [f32; HUE_BINS],
}

/// Measures consecutive frames; remembers the previous picture to score change.
#[derive(Debug, Default)]
pub struct FrameAnalyzer {
    hsv: Vec<[u8; 3]>,
    luma: Vec<u8>,
    prev_hsv: Vec<[u8; 3]>,
    prev_luma: Vec<u8>,
    prev_index: Option<u64>,
    prev_saturation: f32,
}

impl FrameAnalyzer {
    pub fn new() -> Self {
        Self::default()
    }

    /// Measures `rgb`, the picture of `info`, against the frame measured before it.
    pub fn measure(&mut self, info: FrameInfo, rgb: &RgbFrame) -> FrameStats {
        std::mem::swap(&mut self.hsv, &mut self.prev_hsv);
        std::mem::swap(&mut self.luma, &mut self.prev_luma);
        self.hsv.clear();
        self.luma.clear();

        let mut hue = [0f32; HUE_BINS];
        let (mut sum, mut sum_sq, mut saturation) = (0u64, 0u64, 0u64);
        for px in rgb.data.chunks_exact(3) {
            let (r, g, b) = (px[0], px[1], px[2]);
            let y = ((77 * u32::from(r) + 150 * u32::from(g) + 29 * u32::from(b) + 128) >> 8) as u8;
            let hsv = rgb_to_hsv(r, g, b);
            hue[usize::from(hsv[0]) * HUE_BINS / 180] += f32::from(hsv[1]) / 255.0;
            sum += u64::from(y);
            saturation += u64::from(hsv[1]);
            sum_sq += u64::from(y) * u64::from(y);
            self.luma.push(y);
            self.hsv.push(hsv);
        }
        let n = self.luma.len().max(1) as f64;
        let mean = sum as f64 / n;
        let var = (sum_sq as f64 / n - mean * mean).max(0.0);
        let saturation = (saturation as f64 / n) as f32;
        hue.iter_mut().for_each(|h| *h /= n as f32);

        let comparable = !self.prev_luma.is_empty() && self.prev_luma.len() == self.luma.len();
        let (motion, content) = if comparable {
            let gap = self.prev_index.map_or(1, |p| info.index.saturating_sub(p).max(1));
            let motion = mean_abs_diff(&self.luma, &self.prev_luma) / gap as f32;
            let mut d = [0u64; 3];
            for (a, b) in self.hsv.iter().zip(&self.prev_hsv) {
                for c in 0..3 {
                    d[c] += u64::from(a[c].abs_diff(b[c]));
                }
            }
            let greyscale = saturation.max(self.prev_saturation) < GREY_SATURATION;
            let content = if greyscale { d[2] as f64 / n } else { d.iter().sum::<u64>() as f64 / (3.0 * n) };
            (motion, content as f32)
        } else if self.prev_luma.is_empty() {
            (0.0, 0.0)
        } else {
            // The picture size changed mid-stream: call it a complete change.
            (255.0, 255.0)
        };

        self.prev_index = Some(info.index);
        self.prev_saturation = saturation;
        FrameStats {
            index: info.index,
            time_s: info.time_s,
            pts: info.pts,
            key: info.key,
            luma_mean: mean as f32,
            luma_std: var.sqrt() as f32,
            motion,
            content,
            saturation,
            hue,
        }
    }
}

fn mean_abs_diff(a: &[u8], b: &[u8]) -> f32 {
    let total: u64 = a.iter().zip(b).map(|(x, y)| u64::from(x.abs_diff(*y))).sum();
    (total as f64 / a.len().max(1) as f64) as f32
}

/// RGB to HSV on OpenCV's 8-bit scales: H in 0..180, S and V in 0..=255.
pub fn rgb_to_hsv(r: u8, g: u8, b: u8) -> [u8; 3] {
    let (r, g, b) = (i32::from(r), i32::from(g), i32::from(b));
    let v = r.max(g).max(b);
    let min = r.min(g).min(b);
    let delta = v - min;
    if delta == 0 {
        return [0, 0, v as u8];
    }
    let s = (255 * delta + v / 2) / v;
    let h6 = if v == r {
        60.0 * (g - b) as f32 / delta as f32
    } else if v == g {
        120.0 + 60.0 * (b - r) as f32 / delta as f32
    } else {
        240.0 + 60.0 * (r - g) as f32 / delta as f32
    };
    let h = (h6.rem_euclid(360.0) / 2.0).round() as i32 % 180;
    [h as u8, s as u8, v as u8]
}

/// Features of one shot, aggregated from its frames' statistics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShotFeatures {
    /// Frames in the shot (set from the shot; [`ShotFeatures::from_frames`] counts the frames it was given, which
    /// after a coarse scan are only the decoded ones).
    pub frame_count: u64,
    /// Mean full-range luma (0..255) over the shot.
    pub luma_mean: f32,
    /// Standard deviation of luma over all pixels of all frames of the shot.
    pub contrast: f32,
    /// Mean absolute luma change between consecutive frames inside the shot (the change across the cut into the
    /// shot is not counted).
    pub motion: f32,
    /// Saturation-weighted hue histogram averaged over the shot (see [`FrameStats::hue`]).
    pub hue_histogram: [f32; HUE_BINS],
    /// Up to three dominant colours of the keyframe, most common first, as RGB.
    pub dominant_colours: Vec<[u8; 3]>,
}

impl ShotFeatures {
    /// Aggregates `frames` (one shot's, in order). `dominant_colours` is left empty; it comes from the keyframe.
    pub fn from_frames(frames: &[FrameStats]) -> Self {
        let n = frames.len().max(1) as f64;
        let mean = frames.iter().map(|f| f64::from(f.luma_mean)).sum::<f64>() / n;
        let mean_sq =
            frames.iter().map(|f| f64::from(f.luma_std).powi(2) + f64::from(f.luma_mean).powi(2)).sum::<f64>() / n;
        let inner = frames.get(1..).unwrap_or_default();
        let motion = if inner.is_empty() {
            0.0
        } else {
            inner.iter().map(|f| f64::from(f.motion)).sum::<f64>() / inner.len() as f64
        };
        let mut hue_histogram = [0f32; HUE_BINS];
        for f in frames {
            for (acc, h) in hue_histogram.iter_mut().zip(f.hue) {
                *acc += h / n as f32;
            }
        }
        ShotFeatures {
            frame_count: frames.len() as u64,
            luma_mean: mean as f32,
            contrast: (mean_sq - mean * mean).max(0.0).sqrt() as f32,
            motion: motion as f32,
            hue_histogram,
            dominant_colours: Vec::new(),
        }
    }
}

/// The `count` most common colours of a picture: pixels are binned on a 8×8×8 RGB grid and each of the fullest bins
/// reports the mean colour of its pixels.
pub fn dominant_colours(picture: &RgbFrame, count: usize) -> Vec<[u8; 3]> {
    let mut bins = vec![(0u32, [0u64; 3]); 512];
    for px in picture.data.chunks_exact(3) {
        let bin = (usize::from(px[0] >> 5) << 6) | (usize::from(px[1] >> 5) << 3) | usize::from(px[2] >> 5);
        let (n, sum) = &mut bins[bin];
        *n += 1;
        for c in 0..3 {
            sum[c] += u64::from(px[c]);
        }
    }
    bins.sort_by_key(|&(n, _)| std::cmp::Reverse(n));
    bins.iter().take_while(|(n, _)| *n > 0).take(count).map(|(n, sum)| sum.map(|s| (s / u64::from(*n)) as u8)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_hsv(rgb: [u8; 3], expected: [u8; 3]) {
        assert_eq!(rgb_to_hsv(rgb[0], rgb[1], rgb[2]), expected, "{rgb:?}");
    }

    #[test]
    fn hsv_matches_opencv_scales() {
        check_hsv([0, 0, 0], [0, 0, 0]);
        check_hsv([255, 255, 255], [0, 0, 255]);
        check_hsv([255, 0, 0], [0, 255, 255]);
        check_hsv([0, 255, 0], [60, 255, 255]);
        check_hsv([0, 0, 255], [120, 255, 255]);
        check_hsv([255, 0, 255], [150, 255, 255]);
        check_hsv([128, 64, 64], [0, 128, 128]);
    }

    fn solid(width: usize, height: usize, rgb: [u8; 3]) -> RgbFrame {
        RgbFrame { width, height, data: rgb.repeat(width * height) }
    }

    #[test]
    fn identical_frames_score_zero_and_a_colour_change_scores_high() {
        let mut analyzer = FrameAnalyzer::new();
        let info = |index| FrameInfo { index, time_s: index as f64 / 25.0, pts: None, key: false };
        let red = solid(8, 4, [255, 0, 0]);
        let first = analyzer.measure(info(0), &red);
        assert_eq!((first.content, first.motion), (0.0, 0.0));
        let second = analyzer.measure(info(1), &red);
        assert_eq!((second.content, second.motion), (0.0, 0.0));
        let blue = analyzer.measure(info(2), &solid(8, 4, [0, 0, 255]));
        assert!((blue.content - 40.0).abs() < 0.01, "{}", blue.content); // |0-120| / 3
        assert!(blue.motion > 40.0);
        assert!((blue.hue[120 * HUE_BINS / 180] - 1.0).abs() < 1e-6);
    }

    #[test]
    fn greyscale_frames_score_on_brightness_alone() {
        let mut analyzer = FrameAnalyzer::new();
        let info = |index| FrameInfo { index, time_s: 0.0, pts: None, key: false };
        analyzer.measure(info(0), &solid(8, 4, [100, 100, 100]));
        let grey = analyzer.measure(info(1), &solid(8, 4, [130, 130, 130]));
        assert_eq!(grey.content, 30.0);
        // The same brightness step between colour frames is averaged over H, S and V.
        analyzer.measure(info(2), &solid(8, 4, [100, 0, 0]));
        let red = analyzer.measure(info(3), &solid(8, 4, [130, 0, 0]));
        assert_eq!(red.content, 10.0);
    }

    #[test]
    fn shot_contrast_pools_pixels_across_frames() {
        let stat = |luma_mean, luma_std| FrameStats {
            index: 0,
            time_s: 0.0,
            pts: None,
            key: false,
            luma_mean,
            luma_std,
            motion: 7.0,
            content: 0.0,
            saturation: 0.0,
            hue: [0.0; HUE_BINS],
        };
        // Two flat frames, one black and one white: pooled contrast is 127.5, not 0.
        let features = ShotFeatures::from_frames(&[stat(0.0, 0.0), stat(255.0, 0.0)]);
        assert_eq!(features.luma_mean, 127.5);
        assert!((features.contrast - 127.5).abs() < 0.01);
        assert_eq!(features.motion, 7.0);
    }

    #[test]
    fn dominant_colours_are_ordered_by_area() {
        let mut picture = solid(10, 1, [200, 10, 10]);
        picture.data[..9].copy_from_slice(&[10, 10, 200].repeat(3));
        assert_eq!(dominant_colours(&picture, 3), vec![[200, 10, 10], [10, 10, 200]]);
    }
}
