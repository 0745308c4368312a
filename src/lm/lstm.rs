//! The Benjamin-style character LSTM: embedding → N LSTM layers → linear to the vocabulary, with dropout on each
//! layer's output (the non-recurrent connections, as in Zaremba et al.). On the CPU the recurrence is a fused op
//! with its own backward pass; elsewhere it is built from differentiable candle ops. It owns the recurrence and its state; it must not know about batching or files.

use candle_core::{Result, Tensor};
use candle_nn::{Embedding, Module, VarBuilder};

use super::config::LstmConfig;
use super::dense::Dense;
use super::fused;
use super::model::dropout;
use super::rng::Rng;

/// Hidden and cell state per layer, each `(batch, hidden)`.
#[derive(Clone)]
pub struct LstmState {
    pub h: Vec<Tensor>,
    pub c: Vec<Tensor>,
}

/// One layer. Gate columns are ordered input, forget, output (the sigmoid gates, contiguous so one activation
/// covers them) and then the candidate.
struct Layer {
    w_ih: Tensor,
    w_hh: Tensor,
    bias: Tensor,
    hidden: usize,
}

impl Layer {
    fn load(vb: VarBuilder, input: usize, hidden: usize) -> Result<Layer> {
        Ok(Layer {
            w_ih: vb.get((input, 4 * hidden), "w_ih")?,
            w_hh: vb.get((hidden, 4 * hidden), "w_hh")?,
            bias: vb.get(4 * hidden, "bias")?,
            hidden,
        })
    }

    /// Runs the window `xs (T·B, input)` (step-major: rows `s·B..(s+1)·B` are step `s`) from `(h, c)`; returns
    /// every step's output `(T·B, hidden)` and the final state.
    ///
    /// The input projection of the whole window is one matmul. On the CPU the recurrence is then one fused op with
    /// its own backward pass ([`fused::lstm`]); elsewhere it is a loop of differentiable candle ops per step.
    fn forward(&self, xs: &Tensor, steps: usize, h0: &Tensor, c0: &Tensor) -> Result<(Tensor, Tensor, Tensor)> {
        let (rows, _) = xs.dims2()?;
        let batch = rows / steps.max(1);
        let xproj = if fused::enabled(xs) {
            fused::linear::linear(xs, &self.w_ih, &self.bias, fused::linear::Weight::InOut)?
        } else {
            xs.matmul(&self.w_ih)?.broadcast_add(&self.bias)?
        };
        let xproj = xproj.reshape((steps, batch, 4 * self.hidden))?;
        let (hs, c) = if fused::enabled(&xproj) {
            fused::lstm::scan(&xproj, &self.w_hh, h0, c0)?
        } else {
            self.steps(&xproj, h0, c0)?
        };
        let h = hs.get(steps - 1)?;
        Ok((hs.reshape((rows, self.hidden))?, h, c))
    }

    /// The recurrence as plain candle ops, step by step: the portable path and the fused op's reference.
    fn steps(&self, xproj: &Tensor, h0: &Tensor, c0: &Tensor) -> Result<(Tensor, Tensor)> {
        let hs = self.hidden;
        let (mut h, mut c) = (h0.clone(), c0.clone());
        let mut outs = Vec::with_capacity(xproj.dim(0)?);
        for s in 0..xproj.dim(0)? {
            let gates = (xproj.get(s)? + h.matmul(&self.w_hh)?)?;
            // One sigmoid over all columns (the candidate's are unused) is cheaper than slicing first.
            let sig = sigmoid(&gates)?;
            let g = gates.narrow(1, 3 * hs, hs)?.tanh()?;
            let (i, f, o) = (sig.narrow(1, 0, hs)?, sig.narrow(1, hs, hs)?, sig.narrow(1, 2 * hs, hs)?);
            c = ((f * &c)? + (i * g)?)?;
            h = (o * c.tanh()?)?;
            outs.push(h.clone());
        }
        Ok((Tensor::stack(&outs, 0)?, c))
    }
}

/// σ(x) = (tanh(x/2) + 1)/2: two differentiable ops (candle's fused sigmoid is avoided on purpose).
fn sigmoid(x: &Tensor) -> Result<Tensor> {
    x.affine(0.5, 0.0)?.tanh()?.affine(0.5, 0.5)
}

pub struct Lstm {
    embed: Embedding,
    layers: Vec<Layer>,
    head: Dense,
    cfg: LstmConfig,
}

impl Lstm {
    pub fn load(vb: VarBuilder, cfg: &LstmConfig) -> Result<Lstm> {
        let embed = candle_nn::embedding(cfg.vocab_size, cfg.embed, vb.pp("embed"))?;
        let layers = (0..cfg.layers)
            .map(|l| {
                let input = if l == 0 { cfg.embed } else { cfg.hidden };
                Layer::load(vb.pp(format!("layers.{l}")), input, cfg.hidden)
            })
            .collect::<Result<Vec<_>>>()?;
        let head = Dense::load(vb.pp("head"), cfg.hidden, cfg.vocab_size)?;
        Ok(Lstm { embed, layers, head, cfg: cfg.clone() })
    }

    pub fn config(&self) -> &LstmConfig {
        &self.cfg
    }

    pub fn zero_state(&self, batch: usize, like: &Tensor) -> Result<LstmState> {
        let zeros = Tensor::zeros((batch, self.cfg.hidden), candle_core::DType::F32, like.device())?;
        Ok(LstmState { h: vec![zeros.clone(); self.layers.len()], c: vec![zeros; self.layers.len()] })
    }

    /// Logits `(batch, seq, vocab)` for ids `(batch, seq)`, continuing from `state` (zeros when `None`), and the
    /// state after the last step. Dropout applies only when `rng` is given.
    pub fn forward(
        &self,
        xs: &Tensor,
        state: Option<&LstmState>,
        mut rng: Option<&mut Rng>,
    ) -> Result<(Tensor, LstmState)> {
        let (b, _) = xs.dims2()?;
        let state = match state {
            Some(s) if s.h.len() == self.layers.len() && s.c.len() == self.layers.len() => s.clone(),
            Some(s) => candle_core::bail!("LSTM state has {} layers, the model {}", s.h.len(), self.layers.len()),
            None => self.zero_state(b, xs)?,
        };
        // Step-major rows: row s·B + i is sequence i at step s.
        let t = xs.dim(1)?;
        let mut x = self.embed.forward(&xs.t()?.contiguous()?.flatten_all()?)?;
        let mut next = LstmState { h: Vec::with_capacity(self.layers.len()), c: Vec::with_capacity(self.layers.len()) };
        for (l, layer) in self.layers.iter().enumerate() {
            let (outs, h, c) = layer.forward(&x, t, &state.h[l], &state.c[l])?;
            x = dropout(&outs, self.cfg.dropout, rng.as_deref_mut())?;
            next.h.push(h);
            next.c.push(c);
        }
        let logits = self.head.forward(&x)?.reshape((t, b, self.cfg.vocab_size))?;
        Ok((logits.transpose(0, 1)?.contiguous()?, next))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lm::fused::{self, gradcheck};

    #[test]
    fn fused_recurrence_matches_the_candle_composition() {
        let (t, b, input, hidden) = (6, 3, 4, 5);
        let layer = Layer {
            w_ih: gradcheck::random(&[input, 4 * hidden], 1),
            w_hh: (gradcheck::random(&[hidden, 4 * hidden], 2) * 0.7).unwrap(),
            bias: gradcheck::random(&[4 * hidden], 3),
            hidden,
        };
        let (h0, c0) = (gradcheck::random(&[b, hidden], 4), gradcheck::random(&[b, hidden], 5));
        let xproj = (gradcheck::random(&[t, b, 4 * hidden], 6) * 1.5).unwrap();
        let fused = |xs: &[Tensor]| Ok(fused::lstm::scan(&xs[0], &xs[1], &h0, &c0)?.0);
        let reference = |xs: &[Tensor]| {
            let l = Layer { w_hh: xs[1].clone(), ..layer_like(&layer) };
            Ok(l.steps(&xs[0], &h0, &c0)?.0)
        };
        gradcheck::same("lstm", &fused, &reference, &[xproj.clone(), layer.w_hh.clone()], 1e-5);
        let (_, c_fused) = fused::lstm::scan(&xproj, &layer.w_hh, &h0, &c0).unwrap();
        let (_, c_ref) = layer.steps(&xproj, &h0, &c0).unwrap();
        let diff = (c_fused - c_ref).unwrap().abs().unwrap().flatten_all().unwrap().max(0).unwrap();
        assert!(diff.to_scalar::<f32>().unwrap() < 1e-5);
    }

    fn layer_like(l: &Layer) -> Layer {
        Layer { w_ih: l.w_ih.clone(), w_hh: l.w_hh.clone(), bias: l.bias.clone(), hidden: l.hidden }
    }
}
