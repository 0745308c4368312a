//! Structural similarity (Wang et al. 2004) with an 11-tap Gaussian window (σ = 1.5), C1 = 0.01², C2 = 0.03², over
//! "valid" windows, per channel, averaged. The Gaussian filter is written as two matrix products (a banded
//! `(res − 10) × res` matrix on each side of every channel plane), so it is differentiable through candle's
//! `matmul` and fast on the CPU; nothing here needs a convolution's backward pass. It must not know about models.

use candle_core::{Device, Result, Tensor};

const TAPS: usize = 11;
const SIGMA: f64 = 1.5;
const C1: f64 = 0.01 * 0.01;
const C2: f64 = 0.03 * 0.03;

/// The normalised 1-D Gaussian window.
fn window() -> Vec<f32> {
    let mid = (TAPS / 2) as f64;
    let w: Vec<f64> = (0..TAPS).map(|i| (-((i as f64 - mid).powi(2)) / (2.0 * SIGMA * SIGMA)).exp()).collect();
    let sum: f64 = w.iter().sum();
    w.iter().map(|v| (v / sum) as f32).collect()
}

/// `(n − 10) × n`: row `i` holds the window at columns `i..i + 11`.
fn band(n: usize, dev: &Device) -> Result<Tensor> {
    let out = n + 1 - TAPS;
    let w = window();
    let mut m = vec![0f32; out * n];
    for i in 0..out {
        m[i * n + i..i * n + i + TAPS].copy_from_slice(&w);
    }
    Tensor::from_vec(m, (out, n), dev)
}

/// A Gaussian filter for `h × w` planes.
pub struct Ssim {
    rows: Tensor,
    cols_t: Tensor,
}

impl Ssim {
    pub fn new(h: usize, w: usize, dev: &Device) -> Result<Ssim> {
        if h < TAPS || w < TAPS {
            candle_core::bail!("SSIM needs planes of at least {TAPS}x{TAPS}, got {h}x{w}");
        }
        Ok(Ssim { rows: band(h, dev)?, cols_t: band(w, dev)?.t()?.contiguous()? })
    }

    /// Side of the SSIM map of `side`-square planes: only the windows that fit inside them.
    pub fn valid_side(side: usize) -> usize {
        side + 1 - TAPS
    }

    /// `(b, c, h, w)` → `(b, c, h − 10, w − 10)`, each plane filtered.
    pub fn blur(&self, x: &Tensor) -> Result<Tensor> {
        let (b, c, h, w) = x.dims4()?;
        let planes = x.reshape((b * c, h, w))?;
        let y = planes.broadcast_matmul(&self.cols_t)?;
        let y = self.rows.broadcast_matmul(&y)?;
        let (oh, ow) = (y.dim(1)?, y.dim(2)?);
        y.reshape((b, c, oh, ow))
    }

    /// The SSIM map of `x` against `y`, both `(b, c, h, w)` in `[0, 1]`.
    pub fn map(&self, x: &Tensor, y: &Tensor) -> Result<Tensor> {
        let mu_x = self.blur(x)?;
        let mu_y = self.blur(y)?;
        let mu_xx = mu_x.sqr()?;
        let mu_yy = mu_y.sqr()?;
        let mu_xy = (&mu_x * &mu_y)?;
        let var_x = (self.blur(&x.sqr()?)? - &mu_xx)?;
        let var_y = (self.blur(&y.sqr()?)? - &mu_yy)?;
        let cov = (self.blur(&(x * y)?)? - &mu_xy)?;
        let num = ((mu_xy * 2.0)?.affine(1.0, C1)? * (cov * 2.0)?.affine(1.0, C2)?)?;
        let den = ((mu_xx + mu_yy)?.affine(1.0, C1)? * (var_x + var_y)?.affine(1.0, C2)?)?;
        num / den
    }

    /// Mean SSIM of each image of the batch.
    pub fn per_image(&self, x: &Tensor, y: &Tensor) -> Result<Vec<f32>> {
        self.map(x, y)?.flatten_from(1)?.mean(1)?.to_vec1::<f32>()
    }

    /// Mean SSIM of each image of the batch, its map weighted by `weights` (`(1, 1, h − 10, w − 10)`, mean 1).
    pub fn per_image_weighted(&self, x: &Tensor, y: &Tensor, weights: &Tensor) -> Result<Vec<f32>> {
        self.map(x, y)?.broadcast_mul(weights)?.flatten_from(1)?.mean(1)?.to_vec1::<f32>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::device;
    use crate::lm::rng::Rng;

    fn image(seed: u64, noise: f32) -> Tensor {
        // A smooth pattern plus uniform noise of amplitude `noise`.
        let mut rng = Rng::new(seed);
        let v: Vec<f32> = (0..3 * 32 * 32)
            .map(|i| {
                let (x, y) = ((i % 32) as f32, ((i / 32) % 32) as f32);
                let base = 0.5 + 0.3 * (x / 5.0).sin() * (y / 7.0).cos();
                (base + noise * (rng.next_f32() - 0.5)).clamp(0.0, 1.0)
            })
            .collect();
        Tensor::from_vec(v, (1, 3, 32, 32), &device()).unwrap()
    }

    #[test]
    fn identical_is_one_and_noise_lowers_it() {
        let ssim = Ssim::new(32, 32, &device()).unwrap();
        let clean = image(1, 0.0);
        let score = |noise| ssim.per_image(&clean, &image(2, noise)).unwrap()[0];
        assert!((score(0.0) - 1.0).abs() < 1e-5, "{}", score(0.0));
        let (low, high) = (score(0.1), score(0.5));
        assert!(low < 0.999 && high < low && high < 0.6, "noise 0.1 -> {low}, 0.5 -> {high}");
        assert_eq!(ssim.per_image(&clean, &clean).unwrap().len(), 1);
    }

    #[test]
    fn window_sums_to_one_and_peaks_in_the_middle() {
        let w = window();
        assert!((w.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        assert!(w[5] > w[4] && w[4] > w[0] && (w[0] - w[10]).abs() < 1e-9);
        assert_eq!(band(16, &device()).unwrap().dims(), &[6, 16]);
    }
}
