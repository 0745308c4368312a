//! A dense (linear) layer, `y = x·Wᵀ + b` with `W` stored `(out, in)` under the names candle's `Linear` uses
//! (`weight`, `bias`), so checkpoints are interchangeable. On the CPU it is one fused op with its own backward
//! pass ([`super::fused::linear`]); elsewhere candle's `Linear`. It must not know about models.

use candle_core::{Result, Tensor};
use candle_nn::{Module, VarBuilder};

use super::fused::{self, linear::Weight};

pub struct Dense {
    inner: candle_nn::Linear,
}

impl Dense {
    pub fn load(vb: VarBuilder, input: usize, output: usize) -> Result<Dense> {
        let weight = vb.get((output, input), "weight")?;
        let bias = vb.get(output, "bias")?;
        Ok(Dense { inner: candle_nn::Linear::new(weight, Some(bias)) })
    }

    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        match self.inner.bias() {
            Some(bias) if fused::enabled(x) => fused::linear::linear(x, self.inner.weight(), bias, Weight::OutIn),
            _ => self.inner.forward(x),
        }
    }
}
