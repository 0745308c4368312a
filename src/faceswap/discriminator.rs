//! The PatchGAN discriminator: strided 4×4 convolutions down to a grid of logits, one per overlapping patch of the
//! face, each saying "real" or "drawn by the decoder". Judging patches rather than the whole face rewards sharp local
//! texture (skin, hair, eyes), which L1 and SSIM alone blur away.
//!
//! There is one discriminator per identity, not one shared one conditioned on the identity: each learns only what
//! its own identity's real faces look like, so it penalises decoder A for anything that is not A's (a moustache from
//! B, say), and neither has to learn to tell the identities apart. The cost is small (a few hundred thousand
//! parameters each at 64 px). The [`CodeCritic`] judges codes rather than pictures. It must not know about losses or
//! optimizers.

use candle_core::{Module, Result, Tensor};
use candle_nn::{Linear, VarBuilder};

use super::config::Config;
use super::conv::Conv;
use super::layers::{conv, conv_down4, leaky_relu};

pub struct PatchGan {
    convs: Vec<Conv>,
    logits: Conv,
}

impl PatchGan {
    pub fn load(vb: VarBuilder, cfg: &Config) -> Result<PatchGan> {
        let mut convs = Vec::new();
        let mut c_in = 3;
        for (i, &c) in cfg.discriminator.iter().enumerate() {
            convs.push(conv_down4(vb.pp(format!("conv{i}")), c_in, c)?);
            c_in = c;
        }
        Ok(PatchGan { convs, logits: conv(vb.pp("logits"), c_in, 1, 3, 1)? })
    }
}

impl Module for PatchGan {
    /// `(b, 3, res, res)` faces in `[0, 1]` → `(b, res / 2^layers, res / 2^layers, 1)` patch logits.
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        // Centre the input so the first layer sees signed values, as it would after normalisation.
        let mut h = x.permute((0, 2, 3, 1))?.affine(2.0, -1.0)?;
        for conv in &self.convs {
            h = leaky_relu(&conv.forward(&h)?)?;
        }
        self.logits.forward(&h)
    }
}

/// The code discriminator (DeepFaceLab's "true face"): a small MLP on the encoder's bottleneck codes that learns to
/// tell the footage's codes (B) from the star's (A), while the encoder learns to make the star's codes pass for the
/// footage's. Without it the shared encoder is free to keep the identities in separate regions of the code space
/// (a colour close-up and a black-and-white film are easy to tell apart), and a swap then hands decoder A codes
/// from a region it never learnt to draw: a blotch instead of the star.
pub struct CodeCritic {
    fc0: Linear,
    fc1: Linear,
    logit: Linear,
}

impl CodeCritic {
    pub fn load(vb: VarBuilder, cfg: &Config) -> Result<CodeCritic> {
        let n = cfg.bottleneck;
        Ok(CodeCritic {
            fc0: candle_nn::linear(n, n, vb.pp("fc0"))?,
            fc1: candle_nn::linear(n, n, vb.pp("fc1"))?,
            logit: candle_nn::linear(n, 1, vb.pp("logit"))?,
        })
    }
}

impl Module for CodeCritic {
    /// `(b, bottleneck)` codes → `(b, 1)` logits.
    fn forward(&self, z: &Tensor) -> Result<Tensor> {
        let h = leaky_relu(&self.fc0.forward(z)?)?;
        let h = leaky_relu(&self.fc1.forward(&h)?)?;
        self.logit.forward(&h)
    }
}

/// The two discriminators, variables named `disc_a.*` and `disc_b.*`, and the code discriminator `disc_code.*` when
/// the training uses one.
pub struct Discriminators {
    pub a: PatchGan,
    pub b: PatchGan,
    pub code: Option<CodeCritic>,
}

impl Discriminators {
    pub fn load(vb: VarBuilder, cfg: &Config, with_code: bool) -> Result<Discriminators> {
        Ok(Discriminators {
            a: PatchGan::load(vb.pp("disc_a"), cfg)?,
            b: PatchGan::load(vb.pp("disc_b"), cfg)?,
            code: with_code.then(|| CodeCritic::load(vb.pp("disc_code"), cfg)).transpose()?,
        })
    }

    pub fn get(&self, side: super::model::Side) -> &PatchGan {
        match side {
            super::model::Side::A => &self.a,
            super::model::Side::B => &self.b,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::device;
    use candle_core::DType;
    use candle_nn::VarMap;

    #[test]
    fn one_logit_per_patch() {
        let cfg = Config::res64();
        let varmap = VarMap::new();
        let d = PatchGan::load(VarBuilder::from_varmap(&varmap, DType::F32, &device()), &cfg).unwrap();
        let x = Tensor::rand(0f32, 1.0, (2, 3, 64, 64), &device()).unwrap();
        assert_eq!(d.forward(&x).unwrap().dims(), &[2, 8, 8, 1]);
    }
}
