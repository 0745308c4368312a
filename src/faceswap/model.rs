//! The autoencoder, the faceswap/DeepFaceLab way, in DeepFaceLab's two archetypes ([`Arch`]). DF: one shared
//! [`Encoder`] and bottleneck learn a face representation common to both identities, and two [`Decoder`]s, A (the
//! star) and B (the other identity), each learn to draw one identity from it; the model swaps by decoding one
//! identity's encoding with the other's decoder. LIAE: the encoder and one decoder are shared, and two bottlenecks
//! ([`Inter`]) carry identity; the swap draws the footage's face from the shared bottleneck alone, as the star's
//! crops always are. It must not know about losses, files or optimizers.
//!
//! Faces in and out are `(batch, 3, res, res)` RGB in `[0, 1]`; features between encoder and decoder are
//! channels-last, as [`super::conv`] wants them.

use candle_core::{Module, Result, Tensor};
use candle_nn::{Linear, VarBuilder};
use serde::{Deserialize, Serialize};

use super::config::{Arch, Config};
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

/// Strided convolutions: faces to flattened feature maps.
pub struct Encoder {
    convs: Vec<Conv>,
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
        Ok(Encoder { convs })
    }
}

impl Module for Encoder {
    /// `(b, 3, res, res)` faces → `(b, side · side · encoder.last())` features.
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let mut h = x.permute((0, 2, 3, 1))?;
        for conv in &self.convs {
            h = leaky_relu(&conv.forward(&h)?)?;
        }
        h.flatten_from(1)
    }
}

/// A bottleneck (DeepFaceLab's "inter"): a dense layer down to the code, a dense layer back to the encoder's last
/// feature map, and one upscale.
pub struct Inter {
    dense_in: Linear,
    dense_out: Linear,
    upscale: Upscale,
    side: usize,
    channels: usize,
}

impl Inter {
    pub fn load(vb: VarBuilder, cfg: &Config) -> Result<Inter> {
        let side = cfg.bottleneck_side();
        let channels =
            *cfg.encoder.last().ok_or_else(|| candle_core::Error::Msg("the encoder has no layers".into()))?;
        let flat = side * side * channels;
        Ok(Inter {
            dense_in: candle_nn::linear(flat, cfg.bottleneck, vb.pp("dense_in"))?,
            dense_out: candle_nn::linear(cfg.bottleneck, flat, vb.pp("dense_out"))?,
            upscale: Upscale::load(vb.pp("upscale"), channels, cfg.upscale)?,
            side,
            channels,
        })
    }

    /// Encoder features → `(b, bottleneck)` codes.
    pub fn code(&self, features: &Tensor) -> Result<Tensor> {
        self.dense_in.forward(features)
    }

    /// `(b, bottleneck)` codes → `(b, 2·side, 2·side, upscale)` features for a decoder.
    pub fn expand(&self, z: &Tensor) -> Result<Tensor> {
        let b = z.dim(0)?;
        let h = self.dense_out.forward(z)?.reshape((b, self.side, self.side, self.channels))?;
        self.upscale.forward(&h)
    }
}

/// Upscales, then a 5×5 convolution to RGB through a sigmoid.
pub struct Decoder {
    upscales: Vec<Upscale>,
    to_rgb: Conv,
}

impl Decoder {
    /// A decoder of `c_in`-channel features.
    pub fn load(vb: VarBuilder, cfg: &Config, c_in: usize) -> Result<Decoder> {
        let mut upscales = Vec::new();
        let mut c_in = c_in;
        for (i, &c) in cfg.decoder.iter().enumerate() {
            upscales.push(Upscale::load(vb.pp(format!("up{i}")), c_in, c)?);
            c_in = c;
        }
        Ok(Decoder { upscales, to_rgb: conv(vb.pp("to_rgb"), c_in, 3, 5, 1)? })
    }
}

impl Module for Decoder {
    /// Bottleneck features → `(b, 3, res, res)` faces.
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let mut h = x.clone();
        for up in &self.upscales {
            h = up.forward(&h)?;
        }
        candle_nn::ops::sigmoid(&self.to_rgb.forward(&h)?)?.permute((0, 3, 1, 2))
    }
}

/// What follows the shared encoder, per [`Arch`].
enum Layout {
    Df { inter: Inter, decoder_a: Decoder, decoder_b: Decoder },
    Liae { inter_ab: Inter, inter_b: Inter, decoder: Decoder },
}

/// The whole generator. Variables are named `encoder.*` (the convolutions, and for DF the bottleneck too),
/// `decoder_a.*` and `decoder_b.*` for DF; `inter_ab.*`, `inter_b.*` and `decoder.*` for LIAE.
pub struct Autoencoder {
    encoder: Encoder,
    layout: Layout,
    pub config: Config,
}

impl Autoencoder {
    /// Builds the model on `vb`: a `VarMap` for training, or saved weights for inference.
    pub fn load(vb: VarBuilder, cfg: &Config) -> Result<Autoencoder> {
        cfg.validate().map_err(|e| candle_core::Error::Msg(e.to_string()))?;
        let layout = match cfg.arch {
            Arch::Df => Layout::Df {
                inter: Inter::load(vb.pp("encoder"), cfg)?,
                decoder_a: Decoder::load(vb.pp("decoder_a"), cfg, cfg.upscale)?,
                decoder_b: Decoder::load(vb.pp("decoder_b"), cfg, cfg.upscale)?,
            },
            Arch::Liae => Layout::Liae {
                inter_ab: Inter::load(vb.pp("inter_ab"), cfg)?,
                inter_b: Inter::load(vb.pp("inter_b"), cfg)?,
                decoder: Decoder::load(vb.pp("decoder"), cfg, 2 * cfg.upscale)?,
            },
        };
        Ok(Autoencoder { encoder: Encoder::load(vb.pp("encoder"), cfg)?, layout, config: cfg.clone() })
    }

    /// Encodes `x` and draws it as identity `side`: a reconstruction when `x` is that identity, a swap otherwise.
    /// Returns the code of the bottleneck both identities share (what the code discriminator judges) and the face.
    pub fn draw(&self, x: &Tensor, side: Side) -> Result<(Tensor, Tensor)> {
        let features = self.encoder.forward(x)?;
        match &self.layout {
            Layout::Df { inter, decoder_a, decoder_b } => {
                let code = inter.code(&features)?;
                let decoder = match side {
                    Side::A => decoder_a,
                    Side::B => decoder_b,
                };
                let face = decoder.forward(&inter.expand(&code)?)?;
                Ok((code, face))
            }
            Layout::Liae { inter_ab, inter_b, decoder } => {
                let code = inter_ab.code(&features)?;
                let shared = inter_ab.expand(&code)?;
                let own = match side {
                    Side::A => shared.clone(),
                    Side::B => inter_b.expand(&inter_b.code(&features)?)?,
                };
                let face = decoder.forward(&Tensor::cat(&[&own, &shared], 3)?)?;
                Ok((code, face))
            }
        }
    }

    /// The face of [`Autoencoder::draw`].
    pub fn forward(&self, x: &Tensor, side: Side) -> Result<Tensor> {
        Ok(self.draw(x, side)?.1)
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
        let liae = |cfg: Config| Config { arch: Arch::Liae, ..cfg };
        for cfg in [Config::tiny(), Config::res64(), liae(Config::tiny()), liae(Config::res64())] {
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
            assert!(diff > 1e-4, "{:?}: the two identities must be drawn differently: {diff}", cfg.arch);
        }
    }

    /// DF keeps the names of the models saved before LIAE existed, so they still load.
    #[test]
    fn variables_are_named_per_arch() {
        let prefixes = |arch| {
            let varmap = VarMap::new();
            let cfg = Config { arch, ..Config::tiny() };
            Autoencoder::load(VarBuilder::from_varmap(&varmap, DType::F32, &device()), &cfg).unwrap();
            let names: Vec<String> = varmap.data().lock().unwrap().keys().cloned().collect();
            let mut tops: Vec<String> = names.iter().map(|n| n.split('.').next().unwrap().to_string()).collect();
            tops.sort();
            tops.dedup();
            (tops, names)
        };
        let (df, names) = prefixes(Arch::Df);
        assert_eq!(df, ["decoder_a", "decoder_b", "encoder"]);
        assert!(names.contains(&"encoder.dense_in.weight".to_string()), "{names:?}");
        let (liae, names) = prefixes(Arch::Liae);
        assert_eq!(liae, ["decoder", "encoder", "inter_ab", "inter_b"]);
        assert!(!names.iter().any(|n| n.starts_with("encoder.dense")), "{names:?}");
    }
}
