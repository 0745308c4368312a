//! AdamW with decoupled weight decay and its state (`m`, `v`, step count) as tensors that save to and load from
//! safetensors, plus global-norm gradient clipping. It must not know about models beyond their named variables.

use std::collections::HashMap;

use candle_core::backprop::GradStore;
use candle_core::{DType, Result, Tensor, Var};
use candle_nn::VarMap;

pub struct AdamW {
    /// Parameters in name order, with whether weight decay applies to each.
    params: Vec<Param>,
    step: u64,
    pub beta1: f64,
    pub beta2: f64,
    pub eps: f64,
    pub weight_decay: f64,
}

struct Param {
    name: String,
    var: Var,
    decay: bool,
    m: Tensor,
    v: Tensor,
}

impl AdamW {
    /// Optimises every variable of `varmap`. Only matrices decay; biases, LayerNorm gains and embeddings do not.
    pub fn new(varmap: &VarMap, weight_decay: f64) -> Result<AdamW> {
        let data = varmap.data().lock().map_err(|_| candle_core::Error::Msg("VarMap lock poisoned".into()))?;
        let mut names: Vec<&String> = data.keys().collect();
        names.sort();
        let params = names
            .into_iter()
            .map(|name| {
                let var = data[name].clone();
                let decay =
                    var.rank() >= 2 && !name.contains("embed") && !name.contains("wte") && !name.ends_with("wpe");
                let m = var.zeros_like()?;
                let v = var.zeros_like()?;
                Ok(Param { name: name.clone(), var, decay, m, v })
            })
            .collect::<Result<_>>()?;
        Ok(AdamW { params, step: 0, beta1: 0.9, beta2: 0.95, eps: 1e-8, weight_decay })
    }

    pub fn steps_taken(&self) -> u64 {
        self.step
    }

    /// One update at learning rate `lr`. Parameters without a gradient are left alone.
    pub fn step(&mut self, grads: &GradStore, lr: f64) -> Result<()> {
        self.step += 1;
        let t = self.step as i32;
        let (b1, b2) = (self.beta1, self.beta2);
        let c1 = 1.0 - b1.powi(t);
        let c2 = 1.0 - b2.powi(t);
        for p in &mut self.params {
            let Some(g) = grads.get(&p.var) else { continue };
            let g = g.detach();
            p.m = ((&p.m * b1)? + (&g * (1.0 - b1))?)?;
            p.v = ((&p.v * b2)? + (g.sqr()? * (1.0 - b2))?)?;
            let update = ((&p.m * (1.0 / c1))? / ((&p.v * (1.0 / c2))?.sqrt()? + self.eps)?)?;
            let theta = p.var.as_tensor().detach();
            let theta = if p.decay { (&theta * (1.0 - lr * self.weight_decay))? } else { theta };
            p.var.set(&(theta - (update * lr)?)?)?;
        }
        Ok(())
    }

    /// The state as named tensors: `m.<param>`, `v.<param>` and `step`.
    pub fn state(&self) -> Result<HashMap<String, Tensor>> {
        let mut out = HashMap::new();
        for p in &self.params {
            out.insert(format!("m.{}", p.name), p.m.clone());
            out.insert(format!("v.{}", p.name), p.v.clone());
        }
        out.insert("step".to_string(), Tensor::new(&[self.step as f64], &candle_core::Device::Cpu)?);
        Ok(out)
    }

    /// Restores state saved by [`AdamW::state`]; a missing or mis-shaped entry is an error naming it.
    pub fn load_state(&mut self, state: &HashMap<String, Tensor>) -> Result<()> {
        let get = |key: String, like: &Tensor| -> Result<Tensor> {
            let t = state.get(&key).ok_or_else(|| candle_core::Error::Msg(format!("missing tensor {key}")))?;
            if t.shape() != like.shape() {
                candle_core::bail!("tensor {key} has shape {:?}, expected {:?}", t.shape(), like.shape());
            }
            t.to_dtype(DType::F32)?.to_device(like.device())
        };
        for p in &mut self.params {
            p.m = get(format!("m.{}", p.name), &p.m)?;
            p.v = get(format!("v.{}", p.name), &p.v)?;
        }
        let step = state.get("step").ok_or_else(|| candle_core::Error::Msg("missing tensor step".into()))?;
        self.step = step.flatten_all()?.to_dtype(DType::F64)?.to_vec1::<f64>()?.first().copied().unwrap_or(0.0) as u64;
        Ok(())
    }
}

/// Scales all gradients of `vars` down so that their global L2 norm is at most `max_norm`; returns the norm before
/// clipping.
pub fn clip_grad_norm(grads: &mut GradStore, vars: &[Var], max_norm: f64) -> Result<f64> {
    let mut total = 0f64;
    for var in vars {
        if let Some(g) = grads.get(var) {
            total += g.sqr()?.sum_all()?.to_dtype(DType::F64)?.to_scalar::<f64>()?;
        }
    }
    let norm = total.sqrt();
    if norm > max_norm && norm.is_finite() {
        let scale = max_norm / (norm + 1e-6);
        for var in vars {
            if let Some(g) = grads.remove(var) {
                grads.insert(var, (g * scale)?);
            }
        }
    }
    Ok(norm)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lm::device;
    use candle_nn::{Init, VarBuilder};

    fn setup() -> (VarMap, Tensor) {
        let varmap = VarMap::new();
        let vb = VarBuilder::from_varmap(&varmap, DType::F32, &device());
        let w = vb.get_with_hints((2, 3), "w", Init::Const(1.0)).unwrap();
        let b = vb.get_with_hints(3, "bias", Init::Const(0.5)).unwrap();
        let loss = (w.sum_all().unwrap() * 10.0).unwrap() + b.sum_all().unwrap();
        (varmap, loss.unwrap())
    }

    fn grad_norm(grads: &GradStore, vars: &[Var]) -> f64 {
        let sq: f64 = vars
            .iter()
            .map(|v| grads.get(v).unwrap().sqr().unwrap().sum_all().unwrap().to_scalar::<f32>().unwrap() as f64)
            .sum();
        sq.sqrt()
    }

    #[test]
    fn clipping_caps_the_global_norm() {
        for (max, expect_before) in [(1.0, (6.0f64 * 100.0 + 3.0).sqrt()), (1000.0, (603.0f64).sqrt())] {
            let (varmap, loss) = setup();
            let vars = varmap.all_vars();
            let mut grads = loss.backward().unwrap();
            let before = clip_grad_norm(&mut grads, &vars, max).unwrap();
            assert!((before - expect_before).abs() < 1e-3, "{before}");
            let after = grad_norm(&grads, &vars);
            assert!(after <= max + 1e-4, "max {max}: norm after clipping {after}");
            assert!((after - before.min(max)).abs() < 1e-3, "{after}");
        }
    }

    #[test]
    fn adamw_moves_against_the_gradient_and_state_round_trips() {
        let (varmap, loss) = setup();
        let mut opt = AdamW::new(&varmap, 0.1).unwrap();
        opt.step(&loss.backward().unwrap(), 0.01).unwrap();
        let w = varmap.data().lock().unwrap()["w"].as_tensor().flatten_all().unwrap().to_vec1::<f32>().unwrap();
        // Adam's first step moves each weight by lr, and decay shrinks it by lr·wd.
        assert!(w.iter().all(|&x| (x - (1.0 * (1.0 - 0.001) - 0.01)).abs() < 1e-5), "{w:?}");
        let state = opt.state().unwrap();
        let mut other = AdamW::new(&varmap, 0.1).unwrap();
        other.load_state(&state).unwrap();
        assert_eq!(other.steps_taken(), 1);
        let m = other.state().unwrap()["m.w"].flatten_all().unwrap().to_vec1::<f32>().unwrap();
        assert!(m.iter().all(|&x| (x - 1.0).abs() < 1e-5), "{m:?}");
        let mut missing = state.clone();
        missing.remove("v.bias");
        assert!(other.load_state(&missing).unwrap_err().to_string().contains("v.bias"));
    }
}
