//! 2-D convolution as im2col + one matrix product, on channels-last `(batch, height, width, channels)` tensors.
//!
//! Why not candle's `conv2d`: on the CPU its backward pass runs `conv_transpose2d` as a scalar loop and the kernel
//! gradient as one small matrix product per picture, which made a 64-px training step take seconds. Here the
//! forward pass gathers every patch into a matrix (a custom op whose backward pass is the matching scatter-add,
//! col2im), and all the arithmetic is `matmul`, whose backward passes are large, well-tuned GEMMs for the whole
//! batch at once. Off the CPU (the `cuda` feature) it calls candle's own `conv2d` instead, which has kernels there.
//! Both paths agree (tested). It must not know about models.

use candle_core::{CpuStorage, CustomOp1, Layout, Module, Result, Shape, Tensor};
use candle_nn::{Init, VarBuilder};

/// A `k×k` convolution with bias, stride and zero padding. The weight is stored `(c_out, k, k, c_in)`, matching
/// the patch layout, so it flattens to the matrix without a copy.
pub struct Conv {
    weight: Tensor,
    bias: Tensor,
    geometry: Geometry,
    c_out: usize,
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

/// `(b, h, w, c)` → `(b, oh, ow, k·k·c)`: every output position's patch as one row.
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

    fn bwd(&self, arg: &Tensor, _res: &Tensor, grad_res: &Tensor) -> Result<Option<Tensor>> {
        let (_, h, w, _) = arg.dims4()?;
        Ok(Some(grad_res.contiguous()?.apply_op1_no_bwd(&Col2Im { g: self.0, h, w })?))
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

impl Conv {
    /// Variables `weight` `(c_out, k, k, c_in)` and `bias` `(c_out)`.
    pub fn load(vb: VarBuilder, c_in: usize, c_out: usize, k: usize, stride: usize, pad: usize) -> Result<Conv> {
        let weight = vb.get_with_hints((c_out, k, k, c_in), "weight", Init::Const(0.0))?;
        let bias = vb.get_with_hints(c_out, "bias", Init::Const(0.0))?;
        Ok(Conv { weight, bias, geometry: Geometry { k, stride, pad }, c_out })
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
        let (b, h, w, _) = x.dims4()?;
        let g = self.geometry;
        let (oh, ow) = (g.out_side(h), g.out_side(w));
        let cols = x.contiguous()?.apply_op1(Im2Col(g))?;
        let kkc = cols.dim(3)?;
        let matrix = self.weight.reshape((self.c_out, kkc))?;
        let y = cols.reshape((b * oh * ow, kkc))?.matmul(&matrix.t()?)?.broadcast_add(&self.bias)?;
        y.reshape((b, oh, ow, self.c_out))
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
