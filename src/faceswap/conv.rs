//! 2-D convolution as im2col + one matrix product, on channels-last `(batch, height, width, channels)` tensors.
//!
//! Why not candle's `conv2d`: on the CPU its backward pass runs `conv_transpose2d` as a scalar loop and the kernel
//! gradient as one small matrix product per picture, which made a 64-px training step take seconds. Here the
//! forward pass gathers every patch into a matrix (im2col) and multiplies it by the kernel, and the backward pass
//! is two large GEMMs for the whole batch (kernel gradient, patch gradient) and the matching scatter-add (col2im).
//! The convolution is one custom op ([`ConvOp`]) rather than im2col, `matmul` and a bias add chained in candle's
//! graph: the patch matrix is the largest tensor of a step, and as a graph node its gradient would be zeroed,
//! accumulated and kept in candle's gradient store, a third of a step's time. Off the CPU (the `cuda` feature) it
//! calls candle's own `conv2d` instead, which has kernels there. Both paths agree (tested). It must not know about
//! models.

use candle_core::{CpuStorage, CustomOp1, CustomOp3, Device, Layout, Module, Result, Shape, Tensor};
use candle_nn::{Init, VarBuilder};

/// A `k×k` convolution with bias, stride and zero padding. The weight is stored `(c_out, k, k, c_in)`, matching
/// the patch layout, so it flattens to the matrix without a copy.
pub struct Conv {
    weight: Tensor,
    bias: Tensor,
    geometry: Geometry,
}

/// Kernel side, stride and padding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Geometry {
    k: usize,
    stride: usize,
    pad: usize,
}

impl Geometry {
    fn out_side(&self, side: usize) -> usize {
        (side + 2 * self.pad).saturating_sub(self.k) / self.stride + 1
    }

    /// Calls `f(src, dst)` for every copied run of `c` floats: `src` indexes the `(b, h, w, c)` input, `dst` the
    /// `(b, oh, ow, k, k, c)` patch matrix. Padding positions are skipped (they stay zero).
    fn for_each_run(&self, (b, h, w, c): (usize, usize, usize, usize), mut f: impl FnMut(usize, usize)) {
        let (oh, ow) = (self.out_side(h), self.out_side(w));
        let k = self.k;
        let mut dst = 0;
        for n in 0..b {
            for oy in 0..oh {
                for ox in 0..ow {
                    for ky in 0..k {
                        let y = (oy * self.stride + ky) as isize - self.pad as isize;
                        for kx in 0..k {
                            let x = (ox * self.stride + kx) as isize - self.pad as isize;
                            if y >= 0 && (y as usize) < h && x >= 0 && (x as usize) < w {
                                f(((n * h + y as usize) * w + x as usize) * c, dst);
                            }
                            dst += c;
                        }
                    }
                }
            }
        }
    }
}

fn contiguous_f32<'a>(storage: &'a CpuStorage, layout: &Layout, op: &str) -> Result<&'a [f32]> {
    let CpuStorage::F32(data) = storage else { candle_core::bail!("{op}: only f32 is supported") };
    let Some((start, end)) = layout.contiguous_offsets() else { candle_core::bail!("{op}: input must be contiguous") };
    Ok(&data[start..end])
}

/// `(b, h, w, c)` → `(b, oh, ow, k·k·c)`: every output position's patch as one row. Used without a backward pass:
/// [`ConvOp`] differentiates the whole convolution.
struct Im2Col(Geometry);

impl CustomOp1 for Im2Col {
    fn name(&self) -> &'static str {
        "faceswap-im2col"
    }

    fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> Result<(CpuStorage, Shape)> {
        let src = contiguous_f32(storage, layout, self.name())?;
        let (b, h, w, c) = layout.shape().dims4()?;
        let g = self.0;
        let (oh, ow) = (g.out_side(h), g.out_side(w));
        let mut out = vec![0f32; b * oh * ow * g.k * g.k * c];
        g.for_each_run((b, h, w, c), |s, d| out[d..d + c].copy_from_slice(&src[s..s + c]));
        Ok((CpuStorage::F32(out), Shape::from((b, oh, ow, g.k * g.k * c))))
    }
}

/// The adjoint of [`Im2Col`]: `(b, oh, ow, k·k·c)` → `(b, h, w, c)`, each patch entry added back where it came from.
struct Col2Im {
    g: Geometry,
    h: usize,
    w: usize,
}

impl CustomOp1 for Col2Im {
    fn name(&self) -> &'static str {
        "faceswap-col2im"
    }

    fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> Result<(CpuStorage, Shape)> {
        let src = contiguous_f32(storage, layout, self.name())?;
        let (b, _, _, kkc) = layout.shape().dims4()?;
        let c = kkc / (self.g.k * self.g.k);
        let mut out = vec![0f32; b * self.h * self.w * c];
        self.g.for_each_run((b, self.h, self.w, c), |s, d| {
            for (o, v) in out[s..s + c].iter_mut().zip(&src[d..d + c]) {
                *o += v;
            }
        });
        Ok((CpuStorage::F32(out), Shape::from((b, self.h, self.w, c))))
    }
}

/// The whole convolution as one op: `(x (b, h, w, c_in), weight (c_out, k, k, c_in), bias (c_out))` →
/// `(b, oh, ow, c_out)`. The patch matrix lives only inside the forward pass and is gathered again in the backward.
struct ConvOp(Geometry);

impl CustomOp3 for ConvOp {
    fn name(&self) -> &'static str {
        "faceswap-conv"
    }

    fn cpu_fwd(
        &self,
        x: &CpuStorage,
        x_layout: &Layout,
        weight: &CpuStorage,
        w_layout: &Layout,
        bias: &CpuStorage,
        b_layout: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let (cols, shape) = Im2Col(self.0).cpu_fwd(x, x_layout)?;
        let (b, oh, ow, kkc) = shape.dims4()?;
        let c_out = w_layout.shape().dims()[0];
        let CpuStorage::F32(cols) = cols else { candle_core::bail!("{}: only f32 is supported", self.name()) };
        let kernel = contiguous_f32(weight, w_layout, self.name())?.to_vec();
        let bias = contiguous_f32(bias, b_layout, self.name())?;
        let cols = Tensor::from_vec(cols, (b * oh * ow, kkc), &Device::Cpu)?;
        let kernel = Tensor::from_vec(kernel, (c_out, kkc), &Device::Cpu)?;
        let mut out = cols.matmul(&kernel.t()?)?.flatten_all()?.to_vec1::<f32>()?;
        for row in out.chunks_exact_mut(c_out) {
            for (o, v) in row.iter_mut().zip(bias) {
                *o += v;
            }
        }
        Ok((CpuStorage::F32(out), Shape::from((b, oh, ow, c_out))))
    }

    fn bwd(
        &self,
        x: &Tensor,
        weight: &Tensor,
        _bias: &Tensor,
        _res: &Tensor,
        grad_res: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let (_, h, w, _) = x.dims4()?;
        let (b, oh, ow, c_out) = grad_res.dims4()?;
        let cols = x.detach().contiguous()?.apply_op1_no_bwd(&Im2Col(self.0))?;
        let kkc = cols.dim(3)?;
        let rows = b * oh * ow;
        let grad = grad_res.detach().contiguous()?.reshape((rows, c_out))?;
        let grad_weight = grad.t()?.matmul(&cols.reshape((rows, kkc))?)?.reshape(weight.shape())?;
        let grad_cols = grad.matmul(&weight.detach().reshape((c_out, kkc))?)?.reshape((b, oh, ow, kkc))?;
        let grad_x = grad_cols.apply_op1_no_bwd(&Col2Im { g: self.0, h, w })?;
        Ok((Some(grad_x), Some(grad_weight), Some(grad.sum(0)?)))
    }
}

impl Conv {
    /// Variables `weight` `(c_out, k, k, c_in)` and `bias` `(c_out)`.
    pub fn load(vb: VarBuilder, c_in: usize, c_out: usize, k: usize, stride: usize, pad: usize) -> Result<Conv> {
        let weight = vb.get_with_hints((c_out, k, k, c_in), "weight", Init::Const(0.0))?;
        let bias = vb.get_with_hints(c_out, "bias", Init::Const(0.0))?;
        Ok(Conv { weight, bias, geometry: Geometry { k, stride, pad } })
    }

    /// The same convolution through candle's `conv2d` (channels-first inside), for devices other than the CPU.
    fn forward_candle(&self, x: &Tensor) -> Result<Tensor> {
        let g = self.geometry;
        let y = x.permute((0, 3, 1, 2))?.conv2d(&self.weight.permute((0, 3, 1, 2))?, g.pad, g.stride, 1, 1)?;
        y.permute((0, 2, 3, 1))?.broadcast_add(&self.bias)
    }
}

impl Module for Conv {
    /// `(b, h, w, c_in)` → `(b, oh, ow, c_out)`.
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        if !x.device().is_cpu() {
            return self.forward_candle(x);
        }
        x.contiguous()?.apply_op3(&self.weight, &self.bias, ConvOp(self.geometry))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::device;
    use candle_core::DType;
    use candle_nn::VarMap;

    fn close(a: &Tensor, b: &Tensor) -> f32 {
        (a - b).unwrap().abs().unwrap().max_all().unwrap().to_scalar::<f32>().unwrap()
    }

    /// Forward, input gradient and weight gradient all match candle's `conv2d` for each geometry we use.
    #[test]
    fn matches_candle_conv2d_forward_and_backward() {
        for (k, stride, pad, side) in [(5, 2, 2, 16), (3, 2, 1, 8), (3, 1, 1, 8), (4, 2, 1, 16), (5, 1, 2, 9)] {
            let varmap = VarMap::new();
            let conv =
                Conv::load(VarBuilder::from_varmap(&varmap, DType::F32, &device()), 3, 5, k, stride, pad).unwrap();
            super::super::layers::init_params(&varmap, 7).unwrap();
            let x = candle_core::Var::from_tensor(&Tensor::randn(0f32, 1.0, (2, side, side, 3), &device()).unwrap())
                .unwrap();
            let ours = conv.forward(x.as_tensor()).unwrap();
            let theirs = conv.forward_candle(x.as_tensor()).unwrap();
            assert_eq!(ours.dims(), theirs.dims(), "k{k} s{stride} p{pad}");
            assert!(close(&ours, &theirs) < 1e-4, "forward k{k} s{stride} p{pad}: {}", close(&ours, &theirs));
            let weights = Tensor::randn(0f32, 1.0, ours.shape(), &device()).unwrap();
            let g1 = (&ours * &weights).unwrap().sum_all().unwrap().backward().unwrap();
            let g2 = (&theirs * &weights).unwrap().sum_all().unwrap().backward().unwrap();
            for (what, t) in [("input", x.as_tensor()), ("weight", &conv.weight), ("bias", &conv.bias)] {
                let (a, b) = (g1.get(t).unwrap(), g2.get(t).unwrap());
                assert!(close(a, b) < 1e-3, "{what} gradient k{k} s{stride} p{pad}: {}", close(a, b));
            }
        }
    }
}
