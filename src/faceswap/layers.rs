//! The building blocks the encoder, decoders and discriminators share: convolutions, the ×2 pixel-shuffle upscale,
//! leaky ReLU, and deterministic He initialisation from a seed. Activations are channels-last `(b, h, w, c)`. Only
//! ops with a backward pass are used ([`super::conv`], `matmul`, `maximum`, reshapes and permutes), so every
//! parameter trains. It must not know about losses, files or optimizers.

use candle_core::{Module, Result, Tensor};
use candle_nn::{VarBuilder, VarMap};

use super::conv::Conv;

/// Slope of the leaky ReLU on negative inputs (the deepfakes trainers' 0.1).
pub const LEAKY: f64 = 0.1;

/// `max(x, 0.1·x)`: leaky ReLU in two differentiable ops.
pub fn leaky_relu(x: &Tensor) -> Result<Tensor> {
    x.maximum(&(x * LEAKY)?)
}

/// A `k×k` convolution with bias (odd `k`), padding chosen so a stride-1 convolution keeps the side.
pub fn conv(vb: VarBuilder, c_in: usize, c_out: usize, k: usize, stride: usize) -> Result<Conv> {
    Conv::load(vb, c_in, c_out, k, stride, (k - 1) / 2)
}

/// A 4×4 stride-2 convolution with padding 1, which halves the side exactly (the PatchGAN layer).
pub fn conv_down4(vb: VarBuilder, c_in: usize, c_out: usize) -> Result<Conv> {
    Conv::load(vb, c_in, c_out, 4, 2, 1)
}

/// Rearranges `(b, h, w, 4c)` into `(b, 2h, 2w, c)` (sub-pixel convolution's shuffle): channel `4c' + 2i + j`
/// becomes channel `c'` at offset `(i, j)` of each 2×2 block.
pub fn pixel_shuffle(x: &Tensor) -> Result<Tensor> {
    let (b, h, w, c4) = x.dims4()?;
    let c = c4 / 4;
    x.reshape((b, h, w, c, 2, 2))?.permute((0, 1, 4, 2, 5, 3))?.reshape((b, 2 * h, 2 * w, c))
}

/// ×2 upscale: a 3×3 convolution to four times the channels, leaky ReLU, pixel shuffle.
pub struct Upscale {
    conv: Conv,
}

impl Upscale {
    pub fn load(vb: VarBuilder, c_in: usize, c_out: usize) -> Result<Upscale> {
        Ok(Upscale { conv: conv(vb.pp("conv"), c_in, c_out * 4, 3, 1)? })
    }
}

impl Module for Upscale {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        pixel_shuffle(&leaky_relu(&self.conv.forward(x)?)?)
    }
}

/// Overwrites every variable of `varmap` from `seed`, in name order, so that two runs with the same seed start from
/// the same weights (candle's own init draws from a thread RNG): weights normal with He's σ = √(2 / fan-in)
/// (fan-in = every dimension but the first), biases zero.
pub fn init_params(varmap: &VarMap, seed: u64) -> Result<()> {
    crate::lm::model::init_with(varmap, seed, |name, var, rng| {
        let n = var.elem_count();
        if name.ends_with("bias") {
            vec![0.0; n]
        } else {
            let fan_in = (n / var.dims().first().copied().unwrap_or(1).max(1)).max(1);
            let std = (2.0 / fan_in as f32).sqrt();
            (0..n).map(|_| rng.normal() * std).collect()
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::device;
    use candle_core::DType;

    #[test]
    fn pixel_shuffle_moves_channels_into_2x2_blocks() {
        // Channel k of the 4 becomes offset (k / 2, k % 2) inside each 2x2 block.
        let x = Tensor::arange(0f32, 16.0, &device()).unwrap().reshape((1, 4, 2, 2)).unwrap();
        let x = x.permute((0, 2, 3, 1)).unwrap();
        let y = pixel_shuffle(&x).unwrap().squeeze(0).unwrap().squeeze(2).unwrap().to_vec2::<f32>().unwrap();
        assert_eq!(
            y,
            vec![
                vec![0.0, 4.0, 1.0, 5.0],
                vec![8.0, 12.0, 9.0, 13.0],
                vec![2.0, 6.0, 3.0, 7.0],
                vec![10.0, 14.0, 11.0, 15.0]
            ]
        );
    }

    #[test]
    fn leaky_relu_keeps_a_tenth_of_negatives() {
        let x = Tensor::new(&[-2f32, 0.0, 3.0], &device()).unwrap();
        assert_eq!(leaky_relu(&x).unwrap().to_vec1::<f32>().unwrap(), vec![-0.2, 0.0, 3.0]);
    }

    #[test]
    fn init_is_seeded_and_he_scaled() {
        let make = |seed| {
            let varmap = VarMap::new();
            let vb = VarBuilder::from_varmap(&varmap, DType::F32, &device());
            conv(vb.pp("c"), 16, 32, 5, 1).unwrap();
            init_params(&varmap, seed).unwrap();
            let data = varmap.data().lock().unwrap();
            let w = data["c.weight"].as_tensor().flatten_all().unwrap().to_vec1::<f32>().unwrap();
            let b = data["c.bias"].as_tensor().to_vec1::<f32>().unwrap();
            (w, b)
        };
        let (w, b) = make(3);
        assert_eq!(w, make(3).0);
        assert_ne!(w, make(4).0);
        assert!(b.iter().all(|&v| v == 0.0));
        let var = w.iter().map(|v| v * v).sum::<f32>() / w.len() as f32;
        let expected = 2.0 / (16.0 * 25.0);
        assert!((var / expected - 1.0).abs() < 0.1, "variance {var}, expected {expected}");
    }
}
