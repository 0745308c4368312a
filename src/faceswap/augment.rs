//! Training-time augmentation, as the deepfakes trainers do it: colour jitter (brightness, contrast, saturation), a
//! small random affine (rotation, scale, shift, horizontal flip), and a random warp (a smooth displacement field
//! interpolated from a coarse grid of random offsets). The model sees the warped crop and must reproduce the
//! unwarped one, which forces the encoder to learn the face rather than copy pixels.
//!
//! Every draw comes from the caller's [`Rng`], whose state is checkpointed, so augmentation is exactly the same
//! after a resume. Pure arithmetic on pixels; it must not know about tensors or files.

use image::RgbImage;
use serde::{Deserialize, Serialize};

use crate::lm::rng::Rng;

/// How strong each augmentation is.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Strength {
    pub max_rotate_deg: f32,
    pub max_scale: f32,
    /// Largest shift, as a fraction of the side.
    pub max_shift: f32,
    pub flip: bool,
    /// Points per side of the warp grid.
    pub warp_grid: usize,
    /// Standard deviation of each grid point's offset, as a fraction of the side.
    pub warp_sigma: f32,
    pub brightness: f32,
    pub contrast: f32,
    pub saturation: f32,
}

impl Default for Strength {
    fn default() -> Self {
        Strength {
            max_rotate_deg: 10.0,
            max_scale: 0.05,
            max_shift: 0.05,
            flip: true,
            warp_grid: 5,
            warp_sigma: 0.025,
            brightness: 0.08,
            contrast: 0.15,
            saturation: 0.2,
        }
    }
}

impl Strength {
    /// No augmentation at all: [`augment`] returns the crop itself as input and target.
    #[cfg(test)]
    pub(crate) fn none() -> Strength {
        Strength {
            max_rotate_deg: 0.0,
            max_scale: 0.0,
            max_shift: 0.0,
            flip: false,
            warp_sigma: 0.0,
            brightness: 0.0,
            contrast: 0.0,
            saturation: 0.0,
            ..Strength::default()
        }
    }
}

/// One augmented example, planar `(3, res, res)` f32 in `[0, 1]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    /// What the model sees: jittered, transformed and warped.
    pub input: Vec<f32>,
    /// What it must draw: jittered and transformed, not warped.
    pub target: Vec<f32>,
}

/// A uniform draw in `[-1, 1)`.
fn signed(rng: &mut Rng) -> f32 {
    rng.next_f32() * 2.0 - 1.0
}

/// Augments `img` (square) with draws from `rng`.
pub fn augment(img: &RgbImage, strength: &Strength, rng: &mut Rng) -> Example {
    let res = img.width() as usize;
    let s = strength;
    // Draw every parameter first, in a fixed order, so the stream is the same whatever the picture.
    let angle = signed(rng) * s.max_rotate_deg.to_radians();
    let scale = 1.0 + signed(rng) * s.max_scale;
    let (tx, ty) = (signed(rng) * s.max_shift * res as f32, signed(rng) * s.max_shift * res as f32);
    let flip = s.flip && rng.next_f32() < 0.5;
    let brightness = signed(rng) * s.brightness;
    let contrast = 1.0 + signed(rng) * s.contrast;
    let saturation = 1.0 + signed(rng) * s.saturation;
    let g = s.warp_grid.max(2);
    let grid: Vec<(f32, f32)> = (0..g * g)
        .map(|_| (rng.normal() * s.warp_sigma * res as f32, rng.normal() * s.warp_sigma * res as f32))
        .collect();

    let source = jitter(img, brightness, contrast, saturation);
    let (cos, sin) = (angle.cos() / scale, angle.sin() / scale);
    let centre = (res as f32 - 1.0) / 2.0;
    let n = res * res;
    let mut input = vec![0f32; 3 * n];
    let mut target = vec![0f32; 3 * n];
    for y in 0..res {
        for x in 0..res {
            let ox = if flip { (res - 1 - x) as f32 } else { x as f32 };
            // Inverse affine: where in the source this output pixel comes from.
            let (dx, dy) = (ox - centre - tx, y as f32 - centre - ty);
            let (sx, sy) = (centre + cos * dx + sin * dy, centre - sin * dx + cos * dy);
            let (wx, wy) = displacement(&grid, g, x as f32 / (res - 1) as f32, y as f32 / (res - 1) as f32);
            let i = y * res + x;
            for c in 0..3 {
                target[c * n + i] = sample(&source, res, c, sx, sy);
                input[c * n + i] = sample(&source, res, c, sx + wx, sy + wy);
            }
        }
    }
    Example { input, target }
}

/// Colour jitter on 8-bit RGB, into planar f32: saturation around the pixel's luma, then contrast around mid-grey,
/// then brightness.
fn jitter(img: &RgbImage, brightness: f32, contrast: f32, saturation: f32) -> Vec<f32> {
    let n = (img.width() * img.height()) as usize;
    let mut out = vec![0f32; 3 * n];
    for (i, px) in img.pixels().enumerate() {
        let rgb = [px[0], px[1], px[2]].map(|v| f32::from(v) / 255.0);
        let luma = 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2];
        for c in 0..3 {
            let v = luma + saturation * (rgb[c] - luma);
            out[c * n + i] = ((v - 0.5) * contrast + 0.5 + brightness).clamp(0.0, 1.0);
        }
    }
    out
}

/// The warp offset at `(u, v)` in `[0, 1]²`, bilinear between the grid points.
fn displacement(grid: &[(f32, f32)], g: usize, u: f32, v: f32) -> (f32, f32) {
    let (gx, gy) = (u * (g - 1) as f32, v * (g - 1) as f32);
    let (x0, y0) = ((gx as usize).min(g - 2), (gy as usize).min(g - 2));
    let (fx, fy) = (gx - x0 as f32, gy - y0 as f32);
    let at = |x: usize, y: usize| grid[y * g + x];
    let lerp = |a: (f32, f32), b: (f32, f32), t: f32| (a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t);
    let top = lerp(at(x0, y0), at(x0 + 1, y0), fx);
    let bottom = lerp(at(x0, y0 + 1), at(x0 + 1, y0 + 1), fx);
    lerp(top, bottom, fy)
}

/// Bilinear sample of channel `c` at `(x, y)`, with the edge pixels repeated outside the picture.
fn sample(planar: &[f32], res: usize, c: usize, x: f32, y: f32) -> f32 {
    let max = (res - 1) as f32;
    let (x, y) = (x.clamp(0.0, max), y.clamp(0.0, max));
    let (x0, y0) = (x as usize, y as usize);
    let (x1, y1) = ((x0 + 1).min(res - 1), (y0 + 1).min(res - 1));
    let (fx, fy) = (x - x0 as f32, y - y0 as f32);
    let p = &planar[c * res * res..];
    let top = p[y0 * res + x0] * (1.0 - fx) + p[y0 * res + x1] * fx;
    let bottom = p[y1 * res + x0] * (1.0 - fx) + p[y1 * res + x1] * fx;
    top * (1.0 - fy) + bottom * fy
}

#[cfg(test)]
mod tests {
    use super::*;

    fn face() -> RgbImage {
        RgbImage::from_fn(32, 32, |x, y| image::Rgb([(x * 8) as u8, (y * 8) as u8, ((x + y) * 4) as u8]))
    }

    #[test]
    fn same_seed_same_example_and_rng_state() {
        let (mut r1, mut r2) = (Rng::new(5), Rng::new(5));
        let a = augment(&face(), &Strength::default(), &mut r1);
        let b = augment(&face(), &Strength::default(), &mut r2);
        assert_eq!(a, b);
        assert_eq!(r1, r2);
        let c = augment(&face(), &Strength::default(), &mut Rng::new(6));
        assert_ne!(a, c);
        assert_eq!(a.input.len(), 3 * 32 * 32);
    }

    #[test]
    fn warp_moves_the_input_but_not_the_target() {
        let none = Strength::none();
        let plain = crate::faceswap::crops::to_planar(&face());
        let ex = augment(&face(), &none, &mut Rng::new(1));
        let close = |a: &[f32], b: &[f32]| a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-5);
        assert!(close(&ex.input, &plain) && close(&ex.target, &plain), "no augmentation is the identity");

        let warp = Strength { warp_sigma: 0.05, ..none };
        let ex = augment(&face(), &warp, &mut Rng::new(1));
        assert!(close(&ex.target, &plain));
        let moved = ex.input.iter().zip(&plain).map(|(a, b)| (a - b).abs()).sum::<f32>() / plain.len() as f32;
        assert!(moved > 0.005, "warp changed the input by {moved}");

        let flip = Strength { flip: true, ..none };
        // Some seed flips: then the first column of the target is the last column of the crop.
        let ex = (0..8).map(|s| augment(&face(), &flip, &mut Rng::new(s))).find(|e| !close(&e.target, &plain)).unwrap();
        assert!((ex.target[0] - plain[31]).abs() < 1e-5);
    }
}
