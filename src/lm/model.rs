//! The architecture-independent face of a model: [`Model`] (either architecture behind one `load`/`forward`),
//! deterministic parameter init from a seed, dropout driven by our own [`Rng`], and the training loss. It must not
//! know about files or optimizers.

use candle_core::{DType, Result, Tensor, Var};
use candle_nn::{VarBuilder, VarMap};

use super::config::ModelConfig;
use super::gpt::Gpt;
use super::lstm::Lstm;
use super::rng::Rng;

pub enum Model {
    Lstm(Lstm),
    Gpt(Gpt),
}

impl Model {
    pub fn load(vb: VarBuilder, cfg: &ModelConfig) -> Result<Model> {
        Ok(match cfg {
            ModelConfig::Lstm(c) => Model::Lstm(Lstm::load(vb, c)?),
            ModelConfig::Gpt(c) => Model::Gpt(Gpt::load(vb, c)?),
        })
    }

    /// Logits `(batch, seq, vocab)` for token ids `(batch, seq)`, starting from an empty state. Dropout is applied
    /// when `rng` is given (training) and skipped otherwise (evaluation).
    pub fn forward(&self, xs: &Tensor, rng: Option<&mut Rng>) -> Result<Tensor> {
        match self {
            Model::Lstm(m) => Ok(m.forward(xs, None, rng)?.0),
            Model::Gpt(m) => m.forward(xs, None, rng),
        }
    }

    /// Mean cross-entropy of predicting `ys` from `xs` (both `(batch, seq)` u32).
    pub fn loss(&self, xs: &Tensor, ys: &Tensor, rng: Option<&mut Rng>) -> Result<Tensor> {
        let logits = self.forward(xs, rng)?;
        let (b, t, v) = logits.dims3()?;
        let (logits, ys) = (logits.reshape((b * t, v))?, ys.reshape(b * t)?);
        if super::fused::enabled(&logits) {
            super::fused::cross_entropy::cross_entropy(&logits, &ys)
        } else {
            candle_nn::loss::cross_entropy(&logits, &ys)
        }
    }
}

/// Inverted dropout with a mask drawn from `rng`, so a resumed run reproduces it; identity without `rng` or for
/// `p == 0`.
pub fn dropout(x: &Tensor, p: f32, rng: Option<&mut Rng>) -> Result<Tensor> {
    let Some(rng) = rng else { return Ok(x.clone()) };
    if p <= 0.0 {
        return Ok(x.clone());
    }
    let keep = 1.0 / (1.0 - p);
    let mask: Vec<f32> = (0..x.elem_count()).map(|_| if rng.next_f32() < p { 0.0 } else { keep }).collect();
    x.mul(&Tensor::from_vec(mask, x.shape(), x.device())?)
}

/// Overwrites every variable of `varmap` from `seed`, in name order, so that two runs with the same seed start from
/// the same weights (candle's own init draws from a thread RNG). Biases start at zero and LayerNorm gains at one;
/// LSTM matrices are uniform in ±1/√hidden (PyTorch's default), GPT matrices normal with σ 0.02, the residual
/// projections scaled by 1/√(2·layers) as in GPT-2.
pub fn init_params(varmap: &VarMap, cfg: &ModelConfig, seed: u64) -> Result<()> {
    init_with(varmap, seed, |name, var, rng| {
        let n = var.elem_count();
        if name.ends_with("bias") {
            vec![0.0; n]
        } else if name.split('.').any(|part| part.starts_with("ln")) {
            vec![1.0; n]
        } else {
            match cfg {
                ModelConfig::Lstm(c) => {
                    let k = 1.0 / (c.hidden as f32).sqrt();
                    (0..n).map(|_| (rng.next_f32() * 2.0 - 1.0) * k).collect()
                }
                ModelConfig::Gpt(c) => {
                    let residual = name.ends_with("attn.proj.weight") || name.ends_with("mlp.proj.weight");
                    let std = if residual { 0.02 / (2.0 * c.layers as f32).sqrt() } else { 0.02 };
                    (0..n).map(|_| rng.normal() * std).collect()
                }
            }
        }
    })
}

/// Overwrites every variable of `varmap`, in name order, with the values `init(name, var, rng)` draws from one
/// generator seeded with `seed`: the same seed gives the same weights.
pub fn init_with(varmap: &VarMap, seed: u64, mut init: impl FnMut(&str, &Var, &mut Rng) -> Vec<f32>) -> Result<()> {
    let mut rng = Rng::new(seed);
    let data = varmap.data().lock().map_err(|_| candle_core::Error::Msg("VarMap lock poisoned".into()))?;
    let mut names: Vec<&String> = data.keys().collect();
    names.sort();
    for name in names {
        let var = &data[name];
        let values = init(name, var, &mut rng);
        var.set(&Tensor::from_vec(values, var.shape(), var.device())?.to_dtype(DType::F32)?)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lm::config::{Arch, Preset};
    use crate::lm::device;

    fn every_param_gets_a_gradient(arch: Arch) {
        let cfg = ModelConfig::preset(arch, Preset::Tiny, 20);
        let varmap = VarMap::new();
        let model = Model::load(VarBuilder::from_varmap(&varmap, DType::F32, &device()), &cfg).unwrap();
        init_params(&varmap, &cfg, 1).unwrap();
        let ids: Vec<u32> = (0..2 * 17).map(|i| (i * 7 % 20) as u32).collect();
        let all = Tensor::from_vec(ids, (2, 17), &device()).unwrap();
        let xs = all.narrow(1, 0, 16).unwrap();
        let ys = all.narrow(1, 1, 16).unwrap();
        let mut rng = Rng::new(5);
        let grads = model.loss(&xs, &ys, Some(&mut rng)).unwrap().backward().unwrap();
        let vars = varmap.data().lock().unwrap();
        assert!(vars.len() >= 4, "{arch}: only {} vars", vars.len());
        for (name, var) in vars.iter() {
            let g = grads.get(var).unwrap_or_else(|| panic!("{arch}: no gradient for {name}"));
            let norm = g.sqr().unwrap().sum_all().unwrap().to_scalar::<f32>().unwrap();
            assert!(norm > 0.0 && norm.is_finite(), "{arch}: gradient of {name} has norm {norm}");
        }
    }

    #[test]
    fn every_lstm_param_gets_a_gradient() {
        every_param_gets_a_gradient(Arch::Lstm);
    }

    #[test]
    fn every_gpt_param_gets_a_gradient() {
        every_param_gets_a_gradient(Arch::Gpt);
    }

    #[test]
    fn dropout_is_reproducible_and_scales() {
        let x = Tensor::ones((4, 256), DType::F32, &device()).unwrap();
        let a = dropout(&x, 0.5, Some(&mut Rng::new(9))).unwrap().to_vec2::<f32>().unwrap();
        let b = dropout(&x, 0.5, Some(&mut Rng::new(9))).unwrap().to_vec2::<f32>().unwrap();
        assert_eq!(a, b);
        let flat: Vec<f32> = a.concat();
        assert!(flat.iter().all(|&v| v == 0.0 || v == 2.0));
        let kept = flat.iter().filter(|&&v| v > 0.0).count();
        assert!((400..624).contains(&kept), "{kept}");
        assert_eq!(dropout(&x, 0.5, None).unwrap().to_vec2::<f32>().unwrap(), x.to_vec2::<f32>().unwrap());
    }
}
