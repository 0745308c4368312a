//! The building blocks the encoder, decoders and discriminators share: convolutions, the ×2 pixel-shuffle upscale,
//! leaky ReLU, and deterministic He initialisation from a seed. Only ops with a backward pass are used (candle's
//! `conv2d`, `matmul`, `maximum`, reshapes and permutes), so every parameter trains. It must not know about losses,
//! files or optimizers.

use candle_core::{DType, Module, Result, Tensor};
use candle_nn::{Conv2d, Conv2dConfig, VarBuilder, VarMap};

use crate::lm::rng::Rng;

/// Slope of the leaky ReLU on negative inputs (the deepfakes trainers' 0.1).
pub const LEAKY: f64 = 0.1;

/// `max(x, 0.1·x)`: leaky ReLU in two differentiable ops.
pub fn leaky_relu(x: &Tensor) -> Result<Tensor> {
    x.maximum(&(x * LEAKY)?)
}

/// A `k×k` convolution with bias, padding chosen so a stride-1 convolution keeps the side.
pub fn conv(vb: VarBuilder, c_in: usize, c_out: usize, k: usize, stride: usize) -> Result<Conv2d> {
    let cfg = Conv2dConfig { padding: (k - 1) / 2, stride, ..Default::default() };
    candle_nn::conv2d(c_in, c_out, k, cfg, vb)
}

/// A 4×4 stride-2 convolution with padding 1, which halves the side exactly (the PatchGAN layer).
pub fn conv_down4(vb: VarBuilder, c_in: usize, c_out: usize) -> Result<Conv2d> {
    let cfg = Conv2dConfig { padding: 1, stride: 2, ..Default::default() };
    candle_nn::conv2d(c_in, c_out, 4, cfg, vb)
}

/// Rearranges `(b, 4c, h, w)` into `(b, c, 2h, 2w)` (sub-pixel convolution's shuffle).
pub fn pixel_shuffle(x: &Tensor) -> Result<Tensor> {
    let (b, c4, h, w) = x.dims4()?;
    let c = c4 / 4;
    x.reshape((b, c, 2, 2, h, w))?.permute((0, 1, 4, 2, 5, 3))?.reshape((b, c, 2 * h, 2 * w))
}

/// ×2 upscale: a 3×3 convolution to four times the channels, leaky ReLU, pixel shuffle.
pub struct Upscale {
    conv: Conv2d,
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
    let mut rng = Rng::new(seed);
    let data = varmap.data().lock().map_err(|_| candle_core::Error::Msg("VarMap lock poisoned".into()))?;
    let mut names: Vec<&String> = data.keys().collect();
    names.sort();
    for name in names {
        let var = &data[name];
        let n = var.elem_count();
        let values: Vec<f32> = if name.ends_with("bias") {
            vec![0.0; n]
        } else {
            let fan_in = (n / var.dims().first().copied().unwrap_or(1).max(1)).max(1);
            let std = (2.0 / fan_in as f32).sqrt();
            (0..n).map(|_| rng.normal() * std).collect()
        };
        var.set(&Tensor::from_vec(values, var.shape(), var.device())?.to_dtype(DType::F32)?)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::device;

    #[test]
    fn pixel_shuffle_moves_channels_into_2x2_blocks() {
        // Channel k of the 4 becomes offset (k / 2, k % 2) inside each 2x2 block.
        let x = Tensor::arange(0f32, 16.0, &device()).unwrap().reshape((1, 4, 2, 2)).unwrap();
        let y = pixel_shuffle(&x).unwrap().squeeze(0).unwrap().squeeze(0).unwrap().to_vec2::<f32>().unwrap();
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
