//! Per-pixel weights that count a crop's face more than its background, drawn from the swap's default blend mask:
//! `background + face · alpha`, scaled to mean 1. The training loss uses them to spend the model on what the film
//! will show, the evaluation to score the face alone. Both the full crop's weights and those of its SSIM map (the
//! windows that fit inside it) are kept. It must not know about models or losses.

use candle_core::{Device, Result, Tensor};

use super::ssim::Ssim;
use crate::faces::blend::{BlendSettings, Mask};

pub struct FaceWeights {
    /// `(1, 1, res, res)`.
    pub full: Tensor,
    /// `(1, 1, res − 10, res − 10)`: pixel `(i, j)` of an SSIM map is the window centred at `(i + 5, j + 5)`.
    pub valid: Tensor,
}

impl FaceWeights {
    /// Weights `background + face · alpha` on `res`-square crops, each set scaled to mean 1.
    pub fn new(res: usize, background: f32, face: f32, dev: &Device) -> Result<FaceWeights> {
        let alpha = Mask::sigmoid(res as u32, &BlendSettings::default());
        let w: Vec<f32> = alpha.values().iter().map(|a| background + face * a).collect();
        let side = Ssim::valid_side(res);
        let off = (res - side) / 2;
        let valid: Vec<f32> = (0..side * side).map(|i| w[(i / side + off) * res + i % side + off]).collect();
        let tensor = |v: Vec<f32>, side: usize| {
            let mean = v.iter().sum::<f32>() / v.len() as f32;
            if mean.is_nan() || mean <= 0.0 {
                candle_core::bail!("face weights must not all be 0 (background {background}, face {face})");
            }
            Tensor::from_vec(v.into_iter().map(|x| x / mean).collect(), (1, 1, side, side), dev)
        };
        Ok(FaceWeights { full: tensor(w, res)?, valid: tensor(valid, side)? })
    }

    /// The face alone: the blend mask's alpha, with the background counting nothing.
    pub fn face_only(res: usize, dev: &Device) -> Result<FaceWeights> {
        FaceWeights::new(res, 0.0, 1.0, dev)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_have_mean_one_and_peak_at_the_centre() {
        let dev = Device::Cpu;
        let w = FaceWeights::new(32, 1.0, 4.0, &dev).unwrap();
        assert_eq!(w.full.dims(), &[1, 1, 32, 32]);
        assert_eq!(w.valid.dims(), &[1, 1, 22, 22]);
        for t in [&w.full, &w.valid] {
            let v = t.flatten_all().unwrap().to_vec1::<f32>().unwrap();
            let mean = v.iter().sum::<f32>() / v.len() as f32;
            assert!((mean - 1.0).abs() < 1e-5, "{mean}");
        }
        let full = w.full.flatten_all().unwrap().to_vec1::<f32>().unwrap();
        let (centre, corner) = (full[16 * 32 + 16], full[0]);
        assert!(centre > 3.0 * corner, "centre {centre}, corner {corner}");
        let face = FaceWeights::face_only(32, &dev).unwrap().full.flatten_all().unwrap().to_vec1::<f32>().unwrap();
        assert!(face[0] < 1e-3 && face[16 * 32 + 16] > 1.5, "{} {}", face[0], face[16 * 32 + 16]);
        assert!(FaceWeights::new(32, 0.0, 0.0, &dev).is_err());
    }

    /// Noise on the crop's border lowers the whole crop's SSIM but hardly the face's.
    #[test]
    fn face_ssim_ignores_the_background() {
        let dev = Device::Cpu;
        let res = 32;
        let mut rng = crate::lm::rng::Rng::new(3);
        let clean: Vec<f32> = (0..3 * res * res).map(|i| 0.5 + 0.3 * ((i % res) as f32 / 4.0).sin()).collect();
        let noisy: Vec<f32> = clean
            .iter()
            .enumerate()
            .map(|(i, &v)| {
                let (r, c) = ((i / res) % res, i % res);
                let border = r < 5 || c < 5 || r >= res - 5 || c >= res - 5;
                if border { (v + rng.next_f32() - 0.5).clamp(0.0, 1.0) } else { v }
            })
            .collect();
        let t = |v: Vec<f32>| Tensor::from_vec(v, (1, 3, res, res), &dev).unwrap();
        let (x, y) = (t(clean), t(noisy));
        let ssim = Ssim::new(res, res, &dev).unwrap();
        let whole = ssim.per_image(&x, &y).unwrap()[0];
        let face = ssim.per_image_weighted(&x, &y, &FaceWeights::face_only(res, &dev).unwrap().valid).unwrap()[0];
        assert!(whole < 0.8 && face > 0.85 && face > whole + 0.1, "whole {whole}, face {face}");
    }
}
