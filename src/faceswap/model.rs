//! The autoencoder, the faceswap/DeepFaceLab way: one shared [`Encoder`] learns a face representation common to both
//! identities, and two [`Decoder`]s, A (the star) and B (the other identity), each learn to draw one identity from
//! it. Trained to reconstruct each identity through its own decoder, the model swaps by decoding one identity's
//! encoding with the other's decoder. It must not know about losses, files or optimizers.
//!
//! Faces in and out are `(batch, 3, res, res)` RGB in `[0, 1]`; features between encoder and decoder are
//! channels-last, as [`super::conv`] wants them.

use candle_core::{Module, Result, Tensor};
use candle_nn::{Linear, VarBuilder};
use serde::{Deserialize, Serialize};

use super::config::Config;
use super::conv::Conv;
use super::layers::{Upscale, conv, leaky_relu};

/// Which decoder: A, the star whose face is put in, or B, the identity of the footage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    A,
    B,
}

impl Side {
    pub fn name(self) -> &'static str {
        match self {
            Side::A => "a",
            Side::B => "b",
        }
    }
}

/// Strided convolutions, a dense bottleneck, and one upscale.
pub struct Encoder {
    convs: Vec<Conv>,
    dense_in: Linear,
    dense_out: Linear,
    upscale: Upscale,
    side: usize,
    channels: usize,
}

impl Encoder {
    pub fn load(vb: VarBuilder, cfg: &Config) -> Result<Encoder> {
        let mut convs = Vec::new();
        let mut c_in = 3;
        for (i, &c) in cfg.encoder.iter().enumerate() {
            let k = if i == 0 { 5 } else { 3 };
            convs.push(conv(vb.pp(format!("conv{i}")), c_in, c, k, 2)?);
            c_in = c;
        }
        let side = cfg.bottleneck_side();
        let flat = side * side * c_in;
        Ok(Encoder {
            convs,
            dense_in: candle_nn::linear(flat, cfg.bottleneck, vb.pp("dense_in"))?,
            dense_out: candle_nn::linear(cfg.bottleneck, flat, vb.pp("dense_out"))?,
            upscale: Upscale::load(vb.pp("upscale"), c_in, cfg.upscale)?,
            side,
            channels: c_in,
        })
    }

    /// `(b, 3, res, res)` faces → `(b, bottleneck)` codes: what the two identities share.
    pub fn code(&self, x: &Tensor) -> Result<Tensor> {
        let mut h = x.permute((0, 2, 3, 1))?;
        for conv in &self.convs {
            h = leaky_relu(&conv.forward(&h)?)?;
        }
        self.dense_in.forward(&h.flatten_from(1)?)
    }

    /// `(b, bottleneck)` codes → `(b, 2·side, 2·side, upscale)` features for a decoder.
    pub fn expand(&self, z: &Tensor) -> Result<Tensor> {
        let b = z.dim(0)?;
        let h = self.dense_out.forward(z)?.reshape((b, self.side, self.side, self.channels))?;
        self.upscale.forward(&h)
    }
}

impl Module for Encoder {
    /// `(b, 3, res, res)` faces → `(b, 2·side, 2·side, upscale)` features.
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        self.expand(&self.code(x)?)
    }
}

/// Upscales, then a 5×5 convolution to RGB through a sigmoid.
pub struct Decoder {
    upscales: Vec<Upscale>,
    to_rgb: Conv,
}

impl Decoder {
    pub fn load(vb: VarBuilder, cfg: &Config) -> Result<Decoder> {
        let mut upscales = Vec::new();
        let mut c_in = cfg.upscale;
        for (i, &c) in cfg.decoder.iter().enumerate() {
            upscales.push(Upscale::load(vb.pp(format!("up{i}")), c_in, c)?);
            c_in = c;
        }
        Ok(Decoder { upscales, to_rgb: conv(vb.pp("to_rgb"), c_in, 3, 5, 1)? })
    }
}

impl Module for Decoder {
    /// Encoder features → `(b, 3, res, res)` faces.
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let mut h = x.clone();
        for up in &self.upscales {
            h = up.forward(&h)?;
        }
        candle_nn::ops::sigmoid(&self.to_rgb.forward(&h)?)?.permute((0, 3, 1, 2))
    }
}

/// The shared encoder and both decoders. Variables are named `encoder.*`, `decoder_a.*` and `decoder_b.*`.
pub struct Autoencoder {
    pub encoder: Encoder,
    pub decoder_a: Decoder,
    pub decoder_b: Decoder,
    pub config: Config,
}

impl Autoencoder {
    /// Builds the model on `vb`: a `VarMap` for training, or saved weights for inference.
    pub fn load(vb: VarBuilder, cfg: &Config) -> Result<Autoencoder> {
        cfg.validate().map_err(|e| candle_core::Error::Msg(e.to_string()))?;
        Ok(Autoencoder {
            encoder: Encoder::load(vb.pp("encoder"), cfg)?,
            decoder_a: Decoder::load(vb.pp("decoder_a"), cfg)?,
            decoder_b: Decoder::load(vb.pp("decoder_b"), cfg)?,
            config: cfg.clone(),
        })
    }

    pub fn decoder(&self, side: Side) -> &Decoder {
        match side {
            Side::A => &self.decoder_a,
            Side::B => &self.decoder_b,
        }
    }

    /// Encodes `x` and draws it as identity `side`: a reconstruction when `x` is that identity, a swap otherwise.
    pub fn forward(&self, x: &Tensor, side: Side) -> Result<Tensor> {
        self.decoder(side).forward(&self.encoder.forward(x)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::device;
    use candle_core::DType;
    use candle_nn::VarMap;

    #[test]
    fn output_has_the_input_shape_in_unit_range() {
        for cfg in [Config::tiny(), Config::res64()] {
            let varmap = VarMap::new();
            let model = Autoencoder::load(VarBuilder::from_varmap(&varmap, DType::F32, &device()), &cfg).unwrap();
            super::super::layers::init_params(&varmap, 1).unwrap();
            let r = cfg.resolution as usize;
            let x = Tensor::rand(0f32, 1.0, (2, 3, r, r), &device()).unwrap();
            for side in [Side::A, Side::B] {
                let y = model.forward(&x, side).unwrap();
                assert_eq!(y.dims(), &[2, 3, r, r]);
                let v = y.flatten_all().unwrap().to_vec1::<f32>().unwrap();
                assert!(v.iter().all(|p| (0.0..=1.0).contains(p)), "{side:?}");
            }
            let a = model.forward(&x, Side::A).unwrap();
            let b = model.forward(&x, Side::B).unwrap();
            let diff = (a - b).unwrap().abs().unwrap().mean_all().unwrap().to_scalar::<f32>().unwrap();
            assert!(diff > 1e-4, "the two decoders must differ: {diff}");
        }
    }
}
