//! GELU (the tanh approximation, the same formula as candle's `gelu`) as one op whose backward pass is one
//! elementwise pass, instead of candle's backward of a dozen ops. Spread over the thread pool in blocks.

use candle_core::{CpuStorage, CustomOp1, Layout, Result, Shape, Tensor};
use rayon::prelude::*;

use super::math::tanh;
use super::{slice, tensor, with_data};

const BLOCK: usize = 16 * 1024;
/// √(2/π)
const K: f32 = 0.797_884_6;
const A: f32 = 0.044_715;

struct Gelu;

fn value(x: f32) -> f32 {
    0.5 * x * (1.0 + tanh(K * (x + A * x * x * x)))
}

fn derivative(x: f32) -> f32 {
    let t = tanh(K * (x + A * x * x * x));
    0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * K * (1.0 + 3.0 * A * x * x)
}

impl CustomOp1 for Gelu {
    fn name(&self) -> &'static str {
        "gelu"
    }

    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> Result<(CpuStorage, Shape)> {
        let x = slice("gelu", s, l)?;
        let mut y = vec![0f32; x.len()];
        y.par_chunks_mut(BLOCK).zip(x.par_chunks(BLOCK)).for_each(|(ys, xs)| {
            ys.iter_mut().zip(xs).for_each(|(y, &x)| *y = value(x));
        });
        Ok((CpuStorage::F32(y), l.shape().clone()))
    }

    fn bwd(&self, x: &Tensor, _y: &Tensor, dy: &Tensor) -> Result<Option<Tensor>> {
        let dx = with_data("gelu", x, |x| {
            with_data("gelu", dy, |dy| {
                let mut dx = vec![0f32; x.len()];
                dx.par_chunks_mut(BLOCK).zip(x.par_chunks(BLOCK).zip(dy.par_chunks(BLOCK))).for_each(
                    |(dxs, (xs, dys))| {
                        for ((d, &x), &g) in dxs.iter_mut().zip(xs).zip(dys) {
                            *d = g * derivative(x);
                        }
                    },
                );
                Ok(dx)
            })
        })?;
        Ok(Some(tensor(dx, x.shape())?))
    }
}

pub fn gelu(x: &Tensor) -> Result<Tensor> {
    x.contiguous()?.apply_op1(Gelu)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lm::fused::gradcheck::{check, random};

    #[test]
    fn gradients_match_finite_differences() {
        check("gelu", &|xs| gelu(&xs[0]), &[(random(&[4, 6], 1) * 4.0).unwrap()], 1e-2, 1e-2);
    }
}
