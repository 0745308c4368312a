//! Per-pixel loss weights that favour a face's detail (eyes, brows, mouth, nostrils) without landmarks.
//!
//! DeepFaceLab's "eyes and mouth priority" multiplies the loss inside a landmark mask of the eyes and mouth, the
//! features that carry a likeness and that a plain reconstruction loss blurs first (they are a few per cent of a
//! crop's pixels). reel's detector gives boxes, not landmarks, so the weights here come from the target crop
//! itself: its local luma contrast (the standard deviation over the SSIM's Gaussian window), damped by the swap's
//! blend mask so that the background's edges do not count. Inside a face that contrast is highest at the eyes,
//! brows, mouth and nostrils. Each crop's weights are `(1 + k · c / mean c) / (1 + k)`, mean 1, with `c` the damped
//! contrast. They depend only on the target, so no gradient flows through them. It must not know about models.

use candle_core::{DType, Device, Result, Tensor};

use super::ssim::Ssim;
use crate::faces::blend::{BlendSettings, Mask};

/// Rec. 601 luma coefficients.
const LUMA: [f32; 3] = [0.299, 0.587, 0.114];

pub struct DetailWeights {
    /// A Gaussian filter for crops padded by the window's half-width on every side, so its output is crop-sized.
    blur: Ssim,
    /// The blend mask's alpha, `(1, 1, res, res)`.
    alpha: Tensor,
    luma: Tensor,
    strength: f64,
    res: usize,
}

/// A batch's weights: for the full crop and for its SSIM map (the windows that fit inside it), each of mean 1.
pub struct Weights {
    /// `(b, 1, res, res)`.
    pub full: Tensor,
    /// `(b, 1, res − 10, res − 10)`.
    pub valid: Tensor,
}

impl DetailWeights {
    /// Weights for `res`-square crops; `strength` is `k`, how much more the most detailed pixels count.
    pub fn new(res: usize, strength: f64, dev: &Device) -> Result<DetailWeights> {
        let pad = (res - Ssim::valid_side(res)) / 2;
        let alpha = Mask::sigmoid(res as u32, &BlendSettings::default());
        Ok(DetailWeights {
            blur: Ssim::new(res + 2 * pad, res + 2 * pad, dev)?,
            alpha: Tensor::from_vec(alpha.values().to_vec(), (1, 1, res, res), dev)?,
            luma: Tensor::from_vec(LUMA.to_vec(), (1, 3, 1, 1), dev)?,
            strength,
            res,
        })
    }

    /// The weights of a batch of targets `(b, 3, res, res)` in `[0, 1]`.
    pub fn weights(&self, target: &Tensor) -> Result<Weights> {
        let pad = (self.res - Ssim::valid_side(self.res)) / 2;
        let luma = target.detach().broadcast_mul(&self.luma)?.sum_keepdim(1)?;
        let padded = luma.pad_with_same(2, pad, pad)?.pad_with_same(3, pad, pad)?;
        let mean = self.blur.blur(&padded)?;
        let var = (self.blur.blur(&padded.sqr()?)? - mean.sqr()?)?.relu()?;
        let contrast = var.sqrt()?.broadcast_mul(&self.alpha)?;
        let full = self.normalised(&contrast)?;
        let side = Ssim::valid_side(self.res);
        let valid = full.narrow(2, pad, side)?.narrow(3, pad, side)?;
        let valid = valid.broadcast_div(&mean_per_crop(&valid)?)?;
        Ok(Weights { full, valid })
    }

    /// `1 + k · c / mean c` per crop, scaled to mean 1 (`(1 + k · c / mean c) / (1 + k)`, or uniform weights for a
    /// crop without contrast).
    fn normalised(&self, contrast: &Tensor) -> Result<Tensor> {
        let w = contrast.broadcast_div(&mean_per_crop(contrast)?.affine(1.0, 1e-6)?)?.affine(self.strength, 1.0)?;
        w.broadcast_div(&mean_per_crop(&w)?)?.to_dtype(DType::F32)
    }
}

/// `(b, 1, h, w)` → `(b, 1, 1, 1)`.
fn mean_per_crop(x: &Tensor) -> Result<Tensor> {
    x.mean_keepdim(3)?.mean_keepdim(2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::device;

    fn values(t: &Tensor) -> Vec<f32> {
        t.flatten_all().unwrap().to_vec1::<f32>().unwrap()
    }

    /// A flat grey crop with a dark 4×4 "eye" at `(row, col)`.
    fn crop(res: usize, eye: (usize, usize)) -> Tensor {
        let v: Vec<f32> = (0..3 * res * res)
            .map(|i| {
                let (r, c) = ((i % (res * res)) / res, i % res);
                let dark = (eye.0..eye.0 + 4).contains(&r) && (eye.1..eye.1 + 4).contains(&c);
                if dark { 0.1 } else { 0.6 }
            })
            .collect();
        Tensor::from_vec(v, (1, 3, res, res), &device()).unwrap()
    }

    #[test]
    fn weights_have_mean_one_and_follow_the_detail_inside_the_face() {
        let res = 32;
        let d = DetailWeights::new(res, 8.0, &device()).unwrap();
        // The same feature near the centre, then in a corner the blend mask hides; and a crop with no detail.
        let batch = Tensor::cat(&[crop(res, (12, 10)), crop(res, (1, 1)), crop(res, (40, 40))], 0).unwrap();
        let w = d.weights(&batch).unwrap();
        assert_eq!(w.full.dims(), &[3, 1, res, res]);
        assert_eq!(w.valid.dims(), &[3, 1, res - 10, res - 10]);
        for (i, img) in w.full.chunk(3, 0).unwrap().iter().enumerate() {
            let v = values(img);
            let mean = v.iter().sum::<f32>() / v.len() as f32;
            assert!((mean - 1.0).abs() < 1e-3, "crop {i}: mean {mean}");
            let at = |r: usize, c: usize| v[r * res + c];
            match i {
                // The feature's edge counts several times a flat pixel far from it.
                0 => assert!(at(12, 11) > 4.0 * at(26, 26), "{} vs {}", at(12, 11), at(26, 26)),
                // The corner feature is under the mask: its weight stays near the floor 1 / (1 + k).
                1 => assert!(at(2, 2) < 1.0, "{}", at(2, 2)),
                _ => assert!(v.iter().all(|x| (x - 1.0).abs() < 1e-3), "a flat crop is weighted uniformly"),
            }
        }
        for img in w.valid.chunk(3, 0).unwrap() {
            let v = values(&img);
            assert!((v.iter().sum::<f32>() / v.len() as f32 - 1.0).abs() < 1e-3);
        }
    }
}
