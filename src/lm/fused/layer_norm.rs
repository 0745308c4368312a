//! LayerNorm over the last dimension as one op with its own backward pass (candle's fused `LayerNorm` has none).
//! Stateless: the backward pass recomputes each row's mean and inverse deviation, which costs less than keeping
//! them. With `x̂ = (x − μ)·r`: `∂x = r·(∂x̂ − mean(∂x̂) − x̂·mean(∂x̂ ⊙ x̂))` where `∂x̂ = ∂y ⊙ w`, `∂w = Σ ∂y ⊙ x̂`,
//! `∂b = Σ ∂y`.

use candle_core::{CpuStorage, CustomOp3, Layout, Result, Shape, Tensor};
use rayon::prelude::*;

use super::{slice, tensor, with_data};

struct LayerNorm {
    eps: f32,
}

/// Rows are handed to threads in blocks of this many.
const ROWS_PER_TASK: usize = 64;

/// Mean and inverse standard deviation of one row.
fn stats(row: &[f32], eps: f32) -> (f32, f32) {
    let n = row.len() as f32;
    let mean = row.iter().sum::<f32>() / n;
    let var = row.iter().map(|x| (x - mean) * (x - mean)).sum::<f32>() / n;
    (mean, 1.0 / (var + eps).sqrt())
}

fn width(op: &str, shape: &Shape, w: &Shape, b: &Shape) -> Result<usize> {
    let d = shape.dims().last().copied().unwrap_or(0);
    if d == 0 || w.elem_count() != d || b.elem_count() != d {
        candle_core::bail!("{op}: x {shape:?}, weight {w:?}, bias {b:?}");
    }
    Ok(d)
}

impl CustomOp3 for LayerNorm {
    fn name(&self) -> &'static str {
        "layer-norm"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
        s3: &CpuStorage,
        l3: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let d = width("layer-norm", l1.shape(), l2.shape(), l3.shape())?;
        let (x, w, b) = (slice("layer-norm", s1, l1)?, slice("layer-norm", s2, l2)?, slice("layer-norm", s3, l3)?);
        let mut y = vec![0f32; x.len()];
        y.par_chunks_mut(d * ROWS_PER_TASK).zip(x.par_chunks(d * ROWS_PER_TASK)).for_each(|(ys, xs)| {
            for (yr, xr) in ys.chunks_mut(d).zip(xs.chunks(d)) {
                let (mean, r) = stats(xr, self.eps);
                for j in 0..d {
                    yr[j] = (xr[j] - mean) * r * w[j] + b[j];
                }
            }
        });
        Ok((CpuStorage::F32(y), l1.shape().clone()))
    }

    fn bwd(
        &self,
        x: &Tensor,
        w: &Tensor,
        b: &Tensor,
        _y: &Tensor,
        dy: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let d = width("layer-norm", x.shape(), w.shape(), b.shape())?;
        let (dx, dw, db) = with_data("layer-norm", x, |x| {
            with_data("layer-norm", w, |w| {
                with_data("layer-norm", dy, |dy| {
                    let mut dx = vec![0f32; x.len()];
                    // Each task returns its rows' partial ∂w and ∂b; they are summed after.
                    let partial: Vec<(Vec<f32>, Vec<f32>)> = dx
                        .par_chunks_mut(d * ROWS_PER_TASK)
                        .zip(x.par_chunks(d * ROWS_PER_TASK).zip(dy.par_chunks(d * ROWS_PER_TASK)))
                        .map(|(dxs, (xs, dys))| {
                            let (mut dw, mut db) = (vec![0f32; d], vec![0f32; d]);
                            let mut xhat = vec![0f32; d];
                            for ((dxr, xr), dyr) in dxs.chunks_mut(d).zip(xs.chunks(d)).zip(dys.chunks(d)) {
                                let (mean, r) = stats(xr, self.eps);
                                let (mut m1, mut m2) = (0f32, 0f32);
                                for j in 0..d {
                                    xhat[j] = (xr[j] - mean) * r;
                                    let g = dyr[j] * w[j];
                                    m1 += g;
                                    m2 += g * xhat[j];
                                    dw[j] += dyr[j] * xhat[j];
                                    db[j] += dyr[j];
                                }
                                let (m1, m2) = (m1 / d as f32, m2 / d as f32);
                                for j in 0..d {
                                    dxr[j] = r * (dyr[j] * w[j] - m1 - xhat[j] * m2);
                                }
                            }
                            (dw, db)
                        })
                        .collect();
                    let (mut dw, mut db) = (vec![0f32; d], vec![0f32; d]);
                    for (pw, pb) in partial {
                        dw.iter_mut().zip(pw).for_each(|(a, b)| *a += b);
                        db.iter_mut().zip(pb).for_each(|(a, b)| *a += b);
                    }
                    Ok((dx, dw, db))
                })
            })
        })?;
        Ok((Some(tensor(dx, x.shape())?), Some(tensor(dw, w.shape())?), Some(tensor(db, b.shape())?)))
    }
}

/// LayerNorm of `x` over its last dimension with gain `w` and bias `b` (both of that width).
pub fn layer_norm(x: &Tensor, w: &Tensor, b: &Tensor, eps: f32) -> Result<Tensor> {
    x.contiguous()?.apply_op3(&w.contiguous()?, &b.contiguous()?, LayerNorm { eps })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lm::fused::gradcheck::{check, random};

    #[test]
    fn gradients_match_finite_differences() {
        let inputs = [(random(&[3, 5], 1) * 2.0).unwrap(), random(&[5], 2), random(&[5], 3)];
        check("layer-norm", &|xs| layer_norm(&xs[0], &xs[1], &xs[2], 1e-5), &inputs, 1e-2, 1e-2);
    }
}
