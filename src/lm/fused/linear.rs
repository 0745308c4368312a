//! An affine layer `y = x·W + b` as one op with its own backward pass: the bias goes in as the product's starting
//! value, and its gradient is a column sum, instead of candle's broadcast add forward and a strided reduction
//! backward. The weight is stored either `(out, in)` (candle's `Linear`, with [`Weight::OutIn`]) or `(in, out)`
//! (the LSTM's input matrices, [`Weight::InOut`]). `x` is `(N, in)`, or any shape whose last dimension is `in`.

use candle_core::{CpuStorage, CustomOp3, Layout, Result, Shape, Tensor};

use super::gemm::{Mat, Threads, mat, mat_t, matmul};
use super::{slice, tensor, with_data};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weight {
    /// `(out, in)`, as candle's and PyTorch's `Linear` store it.
    OutIn,
    /// `(in, out)`.
    InOut,
}

struct Affine {
    weight: Weight,
}

impl Affine {
    /// `(rows, in, out)` of a call, checked.
    fn dims(&self, x: &Shape, w: &Shape, b: &Shape) -> Result<(usize, usize, usize)> {
        let input = x.dims().last().copied().unwrap_or(0);
        let (a, c) = w.dims2()?;
        let (i, o) = if self.weight == Weight::OutIn { (c, a) } else { (a, c) };
        if input != i || b.elem_count() != o || input == 0 {
            candle_core::bail!("linear: x {x:?}, weight {w:?}, bias {b:?}");
        }
        Ok((x.elem_count() / input, i, o))
    }

    /// The weight as the `(in, out)` operand of `x·W`.
    fn w<'a>(&self, w: &'a [f32]) -> Mat<'a> {
        if self.weight == Weight::OutIn { mat_t(w) } else { mat(w) }
    }
}

impl CustomOp3 for Affine {
    fn name(&self) -> &'static str {
        "linear"
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
        let (n, i, o) = self.dims(l1.shape(), l2.shape(), l3.shape())?;
        let (x, w, b) = (slice("linear", s1, l1)?, slice("linear", s2, l2)?, slice("linear", s3, l3)?);
        let mut y: Vec<f32> = Vec::with_capacity(n * o);
        for _ in 0..n {
            y.extend_from_slice(b);
        }
        matmul(&mut y, mat(x), self.w(w), n, o, i, true, Threads::All);
        let mut dims = l1.shape().dims().to_vec();
        *dims.last_mut().unwrap_or(&mut 0) = o;
        Ok((CpuStorage::F32(y), Shape::from(dims)))
    }

    fn bwd(
        &self,
        x: &Tensor,
        w: &Tensor,
        b: &Tensor,
        _y: &Tensor,
        dy: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let (n, i, o) = self.dims(x.shape(), w.shape(), b.shape())?;
        let (dx, dw, db) = with_data("linear", x, |x| {
            with_data("linear", w, |w| {
                with_data("linear", dy, |dy| {
                    let mut dx = vec![0f32; n * i];
                    // ∂x = ∂y·Wᵀ
                    let wt = Mat { data: w, t: self.weight == Weight::InOut };
                    matmul(&mut dx, mat(dy), wt, n, i, o, false, Threads::All);
                    let mut dw = vec![0f32; i * o];
                    match self.weight {
                        Weight::OutIn => matmul(&mut dw, mat_t(dy), mat(x), o, i, n, false, Threads::All),
                        Weight::InOut => matmul(&mut dw, mat_t(x), mat(dy), i, o, n, false, Threads::All),
                    }
                    let mut db = vec![0f32; o];
                    for row in dy.chunks(o) {
                        db.iter_mut().zip(row).for_each(|(a, g)| *a += g);
                    }
                    Ok((dx, dw, db))
                })
            })
        })?;
        Ok((Some(tensor(dx, x.shape())?), Some(tensor(dw, w.shape())?), Some(tensor(db, b.shape())?)))
    }
}

/// `x·W + b` over the last dimension of `x`, with `w` stored as `weight` says.
pub fn linear(x: &Tensor, w: &Tensor, b: &Tensor, weight: Weight) -> Result<Tensor> {
    x.contiguous()?.apply_op3(&w.contiguous()?, &b.contiguous()?, Affine { weight })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lm::fused::gradcheck::{check, random, same};

    #[test]
    fn gradients_match_finite_differences_and_candle() {
        let x = random(&[2, 3, 4], 1);
        let (w_oi, w_io, b) = (random(&[5, 4], 2), random(&[4, 5], 3), random(&[5], 4));
        check(
            "linear out-in",
            &|xs| linear(&xs[0], &xs[1], &xs[2], Weight::OutIn),
            &[x.clone(), w_oi.clone(), b.clone()],
            1e-2,
            1e-2,
        );
        check(
            "linear in-out",
            &|xs| linear(&xs[0], &xs[1], &xs[2], Weight::InOut),
            &[x.clone(), w_io, b.clone()],
            1e-2,
            1e-2,
        );
        let reference = |xs: &[Tensor]| xs[0].broadcast_matmul(&xs[1].t()?)?.broadcast_add(&xs[2]);
        same("linear", &|xs| linear(&xs[0], &xs[1], &xs[2], Weight::OutIn), &reference, &[x, w_oi, b], 1e-5);
    }
}
