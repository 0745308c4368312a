//! Causal multi-head self-attention as one op with its own backward pass.
//!
//! It takes the fused projection `qkv (B, T, 3·D)` exactly as the linear layer produces it (queries, then keys,
//! then values, each `heads × head_dim` wide) and returns the heads' outputs side by side, `(B, T, D)`, ready for
//! the output projection: no permutes, no mask tensor, no separate softmax. Each `(batch, head)` pair is computed
//! on its own thread: `S = q·kᵀ/√d`, a causal softmax (query i sees keys 0..=i), `y = P·v`. The probabilities `P`
//! are kept for the backward pass: `∂v = Pᵀ·∂y`, `∂P = ∂y·vᵀ`, `∂S = P ⊙ (∂P − rowsum(P ⊙ ∂P))`, `∂q = ∂S·k/√d`,
//! `∂k = ∂Sᵀ·q/√d`.

use std::sync::{Arc, Mutex};

use candle_core::{CpuStorage, CustomOp1, Layout, Result, Shape, Tensor};
use rayon::prelude::*;

use super::gemm::{Threads, mat, mat_t, matmul};
use super::math::exp;
use super::{slice, tensor, with_data};

struct Causal {
    heads: usize,
    /// Softmax probabilities, `(B·heads, T, T)`, left by the forward pass.
    probs: Arc<Mutex<Vec<f32>>>,
}

/// The shape of one call: batch, positions, model width, heads, head width.
#[derive(Clone, Copy)]
struct Dims {
    b: usize,
    t: usize,
    d: usize,
    heads: usize,
    hd: usize,
}

impl Dims {
    fn of(shape: &Shape, heads: usize) -> Result<Dims> {
        let (b, t, d3) = shape.dims3()?;
        if d3 % 3 != 0 || heads == 0 || (d3 / 3) % heads != 0 {
            candle_core::bail!("causal-attention: qkv {shape:?} does not split into 3 × {heads} heads");
        }
        let d = d3 / 3;
        Ok(Dims { b, t, d, heads, hd: d / heads })
    }

    /// Copies the `part`-th (0 q, 1 k, 2 v) slice of head `h` in batch `b` out of a `(B, T, width)` buffer.
    fn gather(&self, src: &[f32], width: usize, offset: usize, b: usize) -> Vec<f32> {
        let mut out = Vec::with_capacity(self.t * self.hd);
        for t in 0..self.t {
            let row = (b * self.t + t) * width + offset;
            out.extend_from_slice(&src[row..row + self.hd]);
        }
        out
    }

    fn scatter(&self, dst: &mut [f32], width: usize, offset: usize, b: usize, src: &[f32]) {
        for t in 0..self.t {
            let row = (b * self.t + t) * width + offset;
            dst[row..row + self.hd].copy_from_slice(&src[t * self.hd..(t + 1) * self.hd]);
        }
    }
}

impl CustomOp1 for Causal {
    fn name(&self) -> &'static str {
        "causal-attention"
    }

    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> Result<(CpuStorage, Shape)> {
        let dm = Dims::of(l.shape(), self.heads)?;
        let qkv = slice("causal-attention", s, l)?;
        let Dims { b, t, d, heads, hd } = dm;
        let scale = 1.0 / (hd as f32).sqrt();
        let per_head: Vec<(Vec<f32>, Vec<f32>)> = (0..b * heads)
            .into_par_iter()
            .map(|bh| {
                let (bi, h) = (bh / heads, bh % heads);
                let q = dm.gather(qkv, 3 * d, h * hd, bi);
                let k = dm.gather(qkv, 3 * d, d + h * hd, bi);
                let v = dm.gather(qkv, 3 * d, 2 * d + h * hd, bi);
                let mut p = vec![0f32; t * t];
                matmul(&mut p, mat(&q), mat_t(&k), t, t, hd, false, Threads::One);
                for i in 0..t {
                    let row = &mut p[i * t..(i + 1) * t];
                    let max = row[..=i].iter().fold(f32::NEG_INFINITY, |m, &x| m.max(x)) * scale;
                    let mut sum = 0f32;
                    for x in &mut row[..=i] {
                        *x = exp(*x * scale - max);
                        sum += *x;
                    }
                    let inv = 1.0 / sum;
                    row[..=i].iter_mut().for_each(|x| *x *= inv);
                    row[i + 1..].fill(0.0);
                }
                let mut y = vec![0f32; t * hd];
                matmul(&mut y, mat(&p), mat(&v), t, hd, t, false, Threads::One);
                (y, p)
            })
            .collect();
        let mut out = vec![0f32; b * t * d];
        let mut probs = Vec::with_capacity(b * heads * t * t);
        for (bh, (y, p)) in per_head.into_iter().enumerate() {
            dm.scatter(&mut out, d, (bh % heads) * hd, bh / heads, &y);
            probs.extend_from_slice(&p);
        }
        *self.probs.lock().map_err(|_| candle_core::Error::Msg("causal-attention: lock poisoned".into()))? = probs;
        Ok((CpuStorage::F32(out), Shape::from((b, t, d))))
    }

    fn bwd(&self, qkv: &Tensor, _y: &Tensor, dy: &Tensor) -> Result<Option<Tensor>> {
        let dm = Dims::of(qkv.shape(), self.heads)?;
        let Dims { b, t, d, heads, hd } = dm;
        let scale = 1.0 / (hd as f32).sqrt();
        let probs = self.probs.lock().map_err(|_| candle_core::Error::Msg("causal-attention: lock poisoned".into()))?;
        let grads: Vec<[Vec<f32>; 3]> = with_data("causal-attention", qkv, |qkv| {
            with_data("causal-attention", dy, |dy| {
                Ok((0..b * heads)
                    .into_par_iter()
                    .map(|bh| {
                        let (bi, h) = (bh / heads, bh % heads);
                        let q = dm.gather(qkv, 3 * d, h * hd, bi);
                        let k = dm.gather(qkv, 3 * d, d + h * hd, bi);
                        let v = dm.gather(qkv, 3 * d, 2 * d + h * hd, bi);
                        let g = dm.gather(dy, d, h * hd, bi);
                        let p = &probs[bh * t * t..(bh + 1) * t * t];
                        let mut dv = vec![0f32; t * hd];
                        matmul(&mut dv, mat_t(p), mat(&g), t, hd, t, false, Threads::One);
                        let mut ds = vec![0f32; t * t];
                        matmul(&mut ds, mat(&g), mat_t(&v), t, t, hd, false, Threads::One);
                        for i in 0..t {
                            let (pr, dr) = (&p[i * t..=i * t + i], &mut ds[i * t..(i + 1) * t]);
                            let dot: f32 = pr.iter().zip(dr.iter()).map(|(a, b)| a * b).sum();
                            for j in 0..=i {
                                dr[j] = pr[j] * (dr[j] - dot) * scale;
                            }
                            dr[i + 1..].fill(0.0);
                        }
                        let mut dq = vec![0f32; t * hd];
                        matmul(&mut dq, mat(&ds), mat(&k), t, hd, t, false, Threads::One);
                        let mut dk = vec![0f32; t * hd];
                        matmul(&mut dk, mat_t(&ds), mat(&q), t, hd, t, false, Threads::One);
                        [dq, dk, dv]
                    })
                    .collect())
            })
        })?;
        let mut dqkv = vec![0f32; b * t * 3 * d];
        for (bh, parts) in grads.iter().enumerate() {
            for (part, g) in parts.iter().enumerate() {
                dm.scatter(&mut dqkv, 3 * d, part * d + (bh % heads) * hd, bh / heads, g);
            }
        }
        Ok(Some(tensor(dqkv, (b, t, 3 * d))?))
    }
}

/// Causal self-attention of `heads` heads over `qkv (B, T, 3·D)`; returns `(B, T, D)`.
pub fn causal(qkv: &Tensor, heads: usize) -> Result<Tensor> {
    qkv.contiguous()?.apply_op1(Causal { heads, probs: Arc::new(Mutex::new(Vec::new())) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lm::fused::gradcheck::{check, random};

    #[test]
    fn gradients_match_finite_differences() {
        let qkv = (random(&[2, 5, 3 * 4], 7) * 1.5).unwrap();
        check("causal-attention", &|xs| causal(&xs[0], 2), &[qkv], 1e-2, 1e-2);
    }

    #[test]
    fn a_query_sees_only_earlier_positions() {
        // Changing the last position's keys and values must leave every earlier output alone.
        let qkv = random(&[1, 4, 6], 3);
        let mut changed = qkv.flatten_all().unwrap().to_vec1::<f32>().unwrap();
        changed[3 * 6 + 2..].iter_mut().for_each(|x| *x += 1.0);
        let changed = Tensor::from_vec(changed, (1, 4, 6), &candle_core::Device::Cpu).unwrap();
        let (a, b) = (causal(&qkv, 1).unwrap(), causal(&changed, 1).unwrap());
        let head = |y: &Tensor| y.narrow(1, 0, 3).unwrap().flatten_all().unwrap().to_vec1::<f32>().unwrap();
        assert_eq!(head(&a), head(&b));
        assert_ne!(a.to_vec3::<f32>().unwrap()[0][3], b.to_vec3::<f32>().unwrap()[0][3]);
    }
}
