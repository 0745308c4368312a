//! Mean cross-entropy of logits `(N, V)` against target ids `(N,)` as one op with its own backward pass
//! (`∂logits = (softmax − onehot)/N`), instead of candle's log-softmax and gather, a dozen ops each way.

use std::sync::{Arc, Mutex};

use candle_core::{CpuStorage, CustomOp2, Layout, Result, Shape, Tensor};
use rayon::prelude::*;

use super::math::exp;
use super::{slice, tensor};

struct CrossEntropy {
    /// The softmax of each row, left by the forward pass.
    probs: Arc<Mutex<Vec<f32>>>,
    targets: Arc<Mutex<Vec<u32>>>,
}

impl CustomOp2 for CrossEntropy {
    fn name(&self) -> &'static str {
        "cross-entropy"
    }

    fn cpu_fwd(&self, s1: &CpuStorage, l1: &Layout, s2: &CpuStorage, l2: &Layout) -> Result<(CpuStorage, Shape)> {
        let (n, v) = l1.shape().dims2()?;
        let logits = slice("cross-entropy", s1, l1)?;
        let CpuStorage::U32(ids) = s2 else { candle_core::bail!("cross-entropy: targets must be u32") };
        let Some((start, end)) = l2.contiguous_offsets() else { candle_core::bail!("cross-entropy: targets") };
        let ids = &ids[start..end];
        if ids.len() != n {
            candle_core::bail!("cross-entropy: {} targets for {n} rows", ids.len());
        }
        if let Some(&bad) = ids.iter().find(|&&id| id as usize >= v) {
            candle_core::bail!("cross-entropy: target {bad} outside the vocabulary of {v}");
        }
        let mut probs = vec![0f32; n * v];
        let losses: Vec<f64> = probs
            .par_chunks_mut(v)
            .zip(logits.par_chunks(v))
            .zip(ids.par_iter())
            .map(|((p, row), &id)| {
                let max = row.iter().fold(f32::NEG_INFINITY, |m, &x| m.max(x));
                let mut sum = 0f32;
                for (p, &x) in p.iter_mut().zip(row) {
                    *p = exp(x - max);
                    sum += *p;
                }
                let inv = 1.0 / sum;
                p.iter_mut().for_each(|p| *p *= inv);
                (sum.ln() + max - row[id as usize]) as f64
            })
            .collect();
        let lock = |e| candle_core::Error::Msg(format!("cross-entropy: lock poisoned ({e})"));
        *self.probs.lock().map_err(|e| lock(e.to_string()))? = probs;
        *self.targets.lock().map_err(|e| lock(e.to_string()))? = ids.to_vec();
        let mean = (losses.iter().sum::<f64>() / n.max(1) as f64) as f32;
        Ok((CpuStorage::F32(vec![mean]), Shape::from(())))
    }

    fn bwd(
        &self,
        logits: &Tensor,
        _t: &Tensor,
        _loss: &Tensor,
        dloss: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>)> {
        let (n, v) = logits.dims2()?;
        let scale = dloss.to_dtype(candle_core::DType::F32)?.to_scalar::<f32>()? / n.max(1) as f32;
        let lock = || candle_core::Error::Msg("cross-entropy: lock poisoned".into());
        let mut grad = self.probs.lock().map_err(|_| lock())?.clone();
        let targets = self.targets.lock().map_err(|_| lock())?;
        grad.par_chunks_mut(v).zip(targets.par_iter()).for_each(|(row, &id)| {
            row[id as usize] -= 1.0;
            row.iter_mut().for_each(|g| *g *= scale);
        });
        Ok((Some(tensor(grad, (n, v))?), None))
    }
}

/// Mean cross-entropy of `logits (N, V)` f32 against `targets (N,)` u32; a scalar.
pub fn cross_entropy(logits: &Tensor, targets: &Tensor) -> Result<Tensor> {
    let op = CrossEntropy { probs: Arc::new(Mutex::new(Vec::new())), targets: Arc::new(Mutex::new(Vec::new())) };
    logits.contiguous()?.apply_op2(&targets.contiguous()?, op)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lm::fused::gradcheck::{check, random, same};

    #[test]
    fn gradients_match_finite_differences_and_candle() {
        let targets = Tensor::new(&[3u32, 0, 4, 1], &candle_core::Device::Cpu).unwrap();
        let logits = (random(&[4, 5], 1) * 3.0).unwrap();
        let fused = |xs: &[Tensor]| cross_entropy(&xs[0], &targets);
        check("cross-entropy", &fused, std::slice::from_ref(&logits), 1e-2, 1e-2);
        same("cross-entropy", &fused, &|xs| candle_nn::loss::cross_entropy(&xs[0], &targets), &[logits], 1e-5);
        let bad = Tensor::new(&[9u32, 0, 0, 0], &candle_core::Device::Cpu).unwrap();
        assert!(cross_entropy(&random(&[4, 5], 2), &bad).unwrap_err().to_string().contains("target 9"));
    }
}
