//! The Benjamin-style character LSTM: embedding → N LSTM layers → linear to the vocabulary, with dropout on each
//! layer's output (the non-recurrent connections, as in Zaremba et al.). The cell is built from differentiable
//! candle ops. It owns the recurrence and its state; it must not know about batching or files.

use candle_core::{Result, Tensor};
use candle_nn::{Embedding, Linear, Module, VarBuilder};

use super::config::LstmConfig;
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

    /// Runs the per-step inputs `xs[s]` `(batch, input)` from `(h, c)`; returns the per-step outputs
    /// `(batch, hidden)` and the final state.
    ///
    /// Inputs stay a list of per-step tensors rather than one `(seq, batch, input)` tensor sliced per step: candle's
    /// backward of a slice (`narrow`) materialises a zero-padded gradient of the whole tensor, which for `seq`
    /// slices costs `seq` full-size allocations per layer and dominated training time.
    fn forward(&self, xs: &[Tensor], h0: &Tensor, c0: &Tensor) -> Result<(Vec<Tensor>, Tensor, Tensor)> {
        let hs = self.hidden;
        let (mut h, mut c) = (h0.clone(), c0.clone());
        let mut outs = Vec::with_capacity(xs.len());
        for x in xs {
            let gates = (x.matmul(&self.w_ih)? + h.matmul(&self.w_hh)?)?.broadcast_add(&self.bias)?;
            // One sigmoid over all columns (the candidate's are unused) is cheaper than slicing first.
            let sig = sigmoid(&gates)?;
            let g = gates.narrow(1, 3 * hs, hs)?.tanh()?;
            let (i, f, o) = (sig.narrow(1, 0, hs)?, sig.narrow(1, hs, hs)?, sig.narrow(1, 2 * hs, hs)?);
            c = ((f * &c)? + (i * g)?)?;
            h = (o * c.tanh()?)?;
            outs.push(h.clone());
        }
        Ok((outs, h, c))
    }
}

/// σ(x) = (tanh(x/2) + 1)/2: two differentiable ops (candle's fused sigmoid is avoided on purpose).
fn sigmoid(x: &Tensor) -> Result<Tensor> {
    x.affine(0.5, 0.0)?.tanh()?.affine(0.5, 0.5)
}

pub struct Lstm {
    embed: Embedding,
    layers: Vec<Layer>,
    head: Linear,
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
        let head = candle_nn::linear(cfg.hidden, cfg.vocab_size, vb.pp("head"))?;
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
        // One embedding lookup per step (ids carry no gradient, so slicing them is free).
        let ids = xs.t()?.contiguous()?;
        let mut x = (0..ids.dim(0)?).map(|s| self.embed.forward(&ids.get(s)?)).collect::<Result<Vec<_>>>()?;
        let mut next = LstmState { h: Vec::with_capacity(self.layers.len()), c: Vec::with_capacity(self.layers.len()) };
        for (l, layer) in self.layers.iter().enumerate() {
            let (outs, h, c) = layer.forward(&x, &state.h[l], &state.c[l])?;
            x = outs.iter().map(|o| dropout(o, self.cfg.dropout, rng.as_deref_mut())).collect::<Result<_>>()?;
            next.h.push(h);
            next.c.push(c);
        }
        let x = Tensor::stack(&x, 0)?;
        Ok((self.head.forward(&x)?.transpose(0, 1)?.contiguous()?, next))
    }
}
