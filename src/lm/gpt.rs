//! A small GPT: token + learned position embeddings, pre-LayerNorm blocks of causal multi-head self-attention and a
//! GELU MLP, a final LayerNorm and a (by default tied) head. On the CPU, LayerNorm, GELU and the whole causal
//! attention are fused ops with their own backward passes ([`super::fused`]). Elsewhere, and when decoding with the
//! KV cache, only differentiable candle ops are used: LayerNorm through `layer_norm_slow`, softmax through the
//! generic `softmax`, the causal mask as an additive large negative. It owns the KV cache for incremental
//! decoding; it must not know about batching or files.

use candle_core::{D, DType, Result, Tensor};
use candle_nn::{Embedding, Linear, Module, VarBuilder};

use super::dense::Dense;

use super::config::GptConfig;
use super::fused;
use super::model::dropout;
use super::rng::Rng;

const LN_EPS: f32 = 1e-5;
const MASKED: f32 = -1e9;

struct LayerNorm {
    weight: Tensor,
    bias: Tensor,
}

impl LayerNorm {
    fn load(vb: VarBuilder, dim: usize) -> Result<LayerNorm> {
        Ok(LayerNorm { weight: vb.get(dim, "weight")?, bias: vb.get(dim, "bias")? })
    }

    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        if fused::enabled(x) {
            fused::layer_norm::layer_norm(x, &self.weight, &self.bias, LN_EPS)
        } else {
            candle_nn::ops::layer_norm_slow(x, &self.weight, &self.bias, LN_EPS)
        }
    }
}

struct Attention {
    qkv: Dense,
    proj: Dense,
    heads: usize,
}

impl Attention {
    fn forward(
        &self,
        x: &Tensor,
        mask: Option<&Tensor>,
        cache: Option<&mut Option<(Tensor, Tensor)>>,
    ) -> Result<Tensor> {
        let (b, t, d) = x.dims3()?;
        if cache.is_none() && fused::enabled(x) {
            return self.proj.forward(&fused::attention::causal(&self.qkv.forward(x)?, self.heads)?);
        }
        let (q, mut k, mut v) = split_heads(&self.qkv.forward(x)?, self.heads)?;
        if let Some(slot) = cache {
            if let Some((pk, pv)) = slot.as_ref() {
                k = Tensor::cat(&[pk, &k], 2)?;
                v = Tensor::cat(&[pv, &v], 2)?;
            }
            *slot = Some((k.clone(), v.clone()));
        }
        self.proj.forward(&attend(&q, &k, &v, mask)?.reshape((b, t, d))?)
    }
}

/// Splits the fused projection `(B, T, 3·D)` into q, k and v, each `(B, heads, T, head_dim)`.
fn split_heads(qkv: &Tensor, heads: usize) -> Result<(Tensor, Tensor, Tensor)> {
    let (b, t, d3) = qkv.dims3()?;
    let hd = d3 / 3 / heads;
    let qkv = qkv.reshape((b, t, 3, heads, hd))?.permute((2, 0, 3, 1, 4))?;
    Ok((qkv.get(0)?.contiguous()?, qkv.get(1)?.contiguous()?, qkv.get(2)?.contiguous()?))
}

/// Scaled dot-product attention of `(B, heads, T, hd)` queries over `(B, heads, S, hd)` keys and values, with an
/// additive mask `(T, S)`; returns `(B, T, heads, hd)`.
fn attend(q: &Tensor, k: &Tensor, v: &Tensor, mask: Option<&Tensor>) -> Result<Tensor> {
    let hd = q.dim(3)?;
    let mut att = (q.matmul(&k.t()?)? * (1.0 / (hd as f64).sqrt()))?;
    if let Some(mask) = mask {
        att = att.broadcast_add(mask)?;
    }
    let att = candle_nn::ops::softmax(&att, D::Minus1)?;
    att.matmul(v)?.transpose(1, 2)
}

struct Block {
    ln1: LayerNorm,
    attn: Attention,
    ln2: LayerNorm,
    fc: Dense,
    proj: Dense,
}

impl Block {
    fn load(vb: VarBuilder, cfg: &GptConfig) -> Result<Block> {
        let d = cfg.d_model;
        let attn = Attention {
            qkv: Dense::load(vb.pp("attn.qkv"), d, 3 * d)?,
            proj: Dense::load(vb.pp("attn.proj"), d, d)?,
            heads: cfg.heads,
        };
        Ok(Block {
            ln1: LayerNorm::load(vb.pp("ln1"), d)?,
            attn,
            ln2: LayerNorm::load(vb.pp("ln2"), d)?,
            fc: Dense::load(vb.pp("mlp.fc"), d, 4 * d)?,
            proj: Dense::load(vb.pp("mlp.proj"), 4 * d, d)?,
        })
    }

    fn forward(
        &self,
        x: &Tensor,
        mask: Option<&Tensor>,
        cache: Option<&mut Option<(Tensor, Tensor)>>,
        p: f32,
        mut rng: Option<&mut Rng>,
    ) -> Result<Tensor> {
        let a = self.attn.forward(&self.ln1.forward(x)?, mask, cache)?;
        let x = (x + dropout(&a, p, rng.as_deref_mut())?)?;
        let h = self.fc.forward(&self.ln2.forward(&x)?)?;
        let h = if fused::enabled(&h) { fused::gelu::gelu(&h)? } else { h.gelu()? };
        let m = self.proj.forward(&h)?;
        x + dropout(&m, p, rng)?
    }
}

/// The additive causal mask `(t, offset + t)`: query i sits at absolute position offset + i and may see keys
/// 0..=offset + i; later keys get a large negative (not -inf, which would turn a fully masked row into NaN).
fn causal_mask(t: usize, offset: usize, dev: &candle_core::Device) -> Result<Tensor> {
    let total = offset + t;
    let mask: Vec<f32> =
        (0..t).flat_map(|i| (0..total).map(move |j| if j > offset + i { MASKED } else { 0.0 })).collect();
    Tensor::from_vec(mask, (t, total), dev)
}

/// Keys and values of every layer for the positions decoded so far.
pub struct KvCache {
    layers: Vec<Option<(Tensor, Tensor)>>,
    len: usize,
}

impl KvCache {
    /// Positions cached so far.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

pub struct Gpt {
    wte: Embedding,
    wpe: Tensor,
    blocks: Vec<Block>,
    ln_f: LayerNorm,
    head: Option<Linear>,
    cfg: GptConfig,
}

impl Gpt {
    pub fn load(vb: VarBuilder, cfg: &GptConfig) -> Result<Gpt> {
        let wte = candle_nn::embedding(cfg.vocab_size, cfg.d_model, vb.pp("wte"))?;
        let wpe = vb.get((cfg.ctx, cfg.d_model), "wpe")?;
        let blocks = (0..cfg.layers).map(|l| Block::load(vb.pp(format!("blocks.{l}")), cfg)).collect::<Result<_>>()?;
        let ln_f = LayerNorm::load(vb.pp("ln_f"), cfg.d_model)?;
        let head =
            if cfg.tied { None } else { Some(candle_nn::linear_no_bias(cfg.d_model, cfg.vocab_size, vb.pp("head"))?) };
        Ok(Gpt { wte, wpe, blocks, ln_f, head, cfg: cfg.clone() })
    }

    pub fn config(&self) -> &GptConfig {
        &self.cfg
    }

    pub fn new_cache(&self) -> KvCache {
        KvCache { layers: vec![None; self.blocks.len()], len: 0 }
    }

    /// Logits `(batch, seq, vocab)` for ids `(batch, seq)`. With a cache, the ids continue the cached positions and
    /// the cache grows by `seq`; the total must stay within the context window. Dropout applies only with `rng`.
    pub fn forward(&self, xs: &Tensor, cache: Option<&mut KvCache>, mut rng: Option<&mut Rng>) -> Result<Tensor> {
        let (b, t) = xs.dims2()?;
        let offset = cache.as_ref().map_or(0, |c| c.len);
        if offset + t > self.cfg.ctx {
            candle_core::bail!("{} positions exceed the context window of {}", offset + t, self.cfg.ctx);
        }
        let pos = self.wpe.narrow(0, offset, t)?;
        let mut x = self.wte.forward(xs)?.broadcast_add(&pos)?;
        x = dropout(&x, self.cfg.dropout, rng.as_deref_mut())?;
        let mut slots: Vec<Option<&mut Option<(Tensor, Tensor)>>> = match cache {
            Some(c) => {
                c.len += t;
                c.layers.iter_mut().map(Some).collect()
            }
            None => (0..self.blocks.len()).map(|_| None).collect(),
        };
        // The fused attention (CPU, no cache) masks by itself.
        let needs_mask = t > 1 && (slots.iter().any(Option::is_some) || !fused::enabled(&x));
        let mask = if needs_mask { Some(causal_mask(t, offset, xs.device())?) } else { None };
        for (block, slot) in self.blocks.iter().zip(slots.iter_mut()) {
            x = block.forward(&x, mask.as_ref(), slot.take(), self.cfg.dropout, rng.as_deref_mut())?;
        }
        let x = self.ln_f.forward(&x)?.reshape((b * t, self.cfg.d_model))?;
        let logits = match &self.head {
            Some(head) => head.forward(&x)?,
            None => x.matmul(&self.wte.embeddings().t()?)?,
        };
        logits.reshape((b, t, self.cfg.vocab_size))?.to_dtype(DType::F32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lm::device;
    use candle_nn::VarMap;

    #[test]
    fn fused_ops_match_the_candle_composition() {
        use crate::lm::fused::{self, gradcheck};
        let (b, t, heads, hd) = (2, 7, 3, 4);
        let d = heads * hd;
        let reference = |xs: &[Tensor]| {
            let (q, k, v) = split_heads(&xs[0], heads)?;
            attend(&q, &k, &v, Some(&causal_mask(t, 0, &device())?))?.reshape((b, t, d))
        };
        let qkv = (gradcheck::random(&[b, t, 3 * d], 1) * 2.0).unwrap();
        gradcheck::same("attention", &|xs| fused::attention::causal(&xs[0], heads), &reference, &[qkv], 1e-5);

        let ln =
            [(gradcheck::random(&[b, t, d], 2) * 3.0).unwrap(), gradcheck::random(&[d], 3), gradcheck::random(&[d], 4)];
        gradcheck::same(
            "layer norm",
            &|xs| fused::layer_norm::layer_norm(&xs[0], &xs[1], &xs[2], LN_EPS),
            &|xs| candle_nn::ops::layer_norm_slow(&xs[0], &xs[1], &xs[2], LN_EPS),
            &ln,
            1e-5,
        );
        let x = [(gradcheck::random(&[b, t, d], 5) * 4.0).unwrap()];
        gradcheck::same("gelu", &|xs| fused::gelu::gelu(&xs[0]), &|xs| xs[0].gelu(), &x, 1e-5);
    }

    #[test]
    fn cached_decoding_matches_full_forward() {
        let cfg = GptConfig::tiny(12);
        let varmap = VarMap::new();
        let gpt = Gpt::load(VarBuilder::from_varmap(&varmap, DType::F32, &device()), &cfg).unwrap();
        crate::lm::model::init_params(&varmap, &crate::lm::ModelConfig::Gpt(cfg), 3).unwrap();
        let ids: Vec<u32> = vec![1, 5, 3, 7, 2, 9];
        let xs = Tensor::new(ids.as_slice(), &device()).unwrap().unsqueeze(0).unwrap();
        let full = gpt.forward(&xs, None, None).unwrap().get(0).unwrap().get(5).unwrap();
        let mut cache = gpt.new_cache();
        gpt.forward(&xs.narrow(1, 0, 4).unwrap(), Some(&mut cache), None).unwrap();
        gpt.forward(&xs.narrow(1, 4, 1).unwrap(), Some(&mut cache), None).unwrap();
        let last = gpt.forward(&xs.narrow(1, 5, 1).unwrap(), Some(&mut cache), None).unwrap();
        let last = last.get(0).unwrap().get(0).unwrap();
        let diff = (full - last).unwrap().abs().unwrap().max(0).unwrap().to_scalar::<f32>().unwrap();
        assert!(diff < 1e-4, "{diff}");
        assert_eq!(cache.len(), 6);
    }
}
