//! Colour matching: the swapped crop's colour statistics are moved onto the original crop's, per channel in YCbCr
//! (BT.601, full range), mean and standard deviation, weighted by the blend mask so that only the face region counts.
//! Luma and chroma are matched separately, so the face takes the scene's light and tint while keeping its own
//! features.
//!
//! Owns the colour transfer only; it must not resample or blend.

use image::{Rgb, RgbImage};

use super::blend::Mask;

/// Per-channel weighted mean and standard deviation in YCbCr.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ColourStats {
    pub mean: [f32; 3],
    pub std: [f32; 3],
}

pub fn rgb_to_ycbcr(p: [u8; 3]) -> [f32; 3] {
    let (r, g, b) = (f32::from(p[0]), f32::from(p[1]), f32::from(p[2]));
    [
        0.299 * r + 0.587 * g + 0.114 * b,
        128.0 - 0.168_736 * r - 0.331_264 * g + 0.5 * b,
        128.0 + 0.5 * r - 0.418_688 * g - 0.081_312 * b,
    ]
}

pub fn ycbcr_to_rgb(p: [f32; 3]) -> [u8; 3] {
    let (y, cb, cr) = (p[0], p[1] - 128.0, p[2] - 128.0);
    let c = |v: f32| v.round().clamp(0.0, 255.0) as u8;
    [c(y + 1.402 * cr), c(y - 0.344_136 * cb - 0.714_136 * cr), c(y + 1.772 * cb)]
}

/// Statistics of `img` weighted by `weights` (same side; `None` weighs every pixel equally).
pub fn stats(img: &RgbImage, weights: Option<&Mask>) -> ColourStats {
    let n = img.width() as f32;
    let mut sum = [0.0f64; 3];
    let mut sq = [0.0f64; 3];
    let mut total = 0.0f64;
    for (x, y, p) in img.enumerate_pixels() {
        let w = f64::from(weights.map_or(1.0, |m| m.at((x as f32 + 0.5) / n, (y as f32 + 0.5) / n)));
        if w <= 0.0 {
            continue;
        }
        let c = rgb_to_ycbcr(p.0);
        for k in 0..3 {
            sum[k] += w * f64::from(c[k]);
            sq[k] += w * f64::from(c[k]) * f64::from(c[k]);
        }
        total += w;
    }
    if total <= 0.0 {
        return ColourStats { mean: [0.0; 3], std: [0.0; 3] };
    }
    let mean = sum.map(|s| s / total);
    let std = [0, 1, 2].map(|k| (sq[k] / total - mean[k] * mean[k]).max(0.0).sqrt() as f32);
    ColourStats { mean: mean.map(|m| m as f32), std }
}

/// `swapped` with each YCbCr channel shifted and scaled so that its weighted mean and std equal `target`'s. The
/// scale is limited to 0.5..2 so a flat crop never gets its noise blown up.
pub fn match_colour(swapped: &RgbImage, target: &RgbImage, weights: Option<&Mask>) -> RgbImage {
    match_colour_within(swapped, target, weights, (0.5, 2.0))
}

/// [`match_colour`] with the std scale limited to `gains` (low, high) instead: the face-swap trainer recolours a
/// colour star like black-and-white footage with a low limit of 0, which takes the chroma away entirely.
pub fn match_colour_within(
    swapped: &RgbImage,
    target: &RgbImage,
    weights: Option<&Mask>,
    (low, high): (f32, f32),
) -> RgbImage {
    let (from, to) = (stats(swapped, weights), stats(target, weights));
    let gain = [0, 1, 2].map(|k| if from.std[k] > 1e-3 { (to.std[k] / from.std[k]).clamp(low, high) } else { 1.0 });
    RgbImage::from_fn(swapped.width(), swapped.height(), |x, y| {
        let c = rgb_to_ycbcr(swapped.get_pixel(x, y).0);
        Rgb(ycbcr_to_rgb([0, 1, 2].map(|k| (c[k] - from.mean[k]) * gain[k] + to.mean[k])))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::faces::blend::BlendSettings;

    fn pattern(w: u32, f: impl Fn(u32, u32) -> [u8; 3]) -> RgbImage {
        RgbImage::from_fn(w, w, |x, y| Rgb(f(x, y)))
    }

    #[test]
    fn conversion_round_trips() {
        for p in [[0, 0, 0], [255, 255, 255], [200, 30, 90], [12, 240, 130], [128, 128, 128]] {
            let back = ycbcr_to_rgb(rgb_to_ycbcr(p));
            for k in 0..3 {
                assert!(back[k].abs_diff(p[k]) <= 1, "{p:?} -> {back:?}");
            }
        }
    }

    #[test]
    fn match_moves_mean_and_std_to_the_target() {
        // A dark, low-contrast, greenish crop matched to a bright, contrasty, reddish one.
        let swapped = pattern(64, |x, y| [40 + (x % 8) as u8 * 2, 70 + (y % 8) as u8 * 2, 40]);
        let target = pattern(64, |x, y| [150 + ((x * 7 + y * 3) % 50) as u8, 110 + ((x + 2 * y) % 40) as u8, 100]);
        let mask = Mask::sigmoid(64, &BlendSettings::default());
        for weights in [None, Some(&mask)] {
            let before = stats(&swapped, weights);
            let want = stats(&target, weights);
            let got = stats(&match_colour(&swapped, &target, weights), weights);
            for k in 0..3 {
                assert!((got.mean[k] - want.mean[k]).abs() < 1.0, "channel {k}: mean {got:?} vs {want:?}");
                // Std moves to the target where the gain limit allows (0.5..2 of the original).
                let reachable = want.std[k].clamp(0.5 * before.std[k], 2.0 * before.std[k]);
                assert!((got.std[k] - reachable).abs() < 0.1 * reachable + 0.6, "channel {k}: {got:?} vs {want:?}");
                assert!((got.mean[k] - want.mean[k]).abs() < (before.mean[k] - want.mean[k]).abs() + 1e-3);
            }
        }
    }

    #[test]
    fn matching_a_crop_to_itself_changes_nothing() {
        let img = pattern(32, |x, y| [(x * 8) as u8, (y * 8) as u8, 77]);
        let same = match_colour(&img, &img, None);
        for (a, b) in same.pixels().zip(img.pixels()) {
            for k in 0..3 {
                assert!(a.0[k].abs_diff(b.0[k]) <= 1);
            }
        }
    }
}
