//! The [`Embedder`]: MiniLM-L6 BERT forward pass, mean pooling and L2 normalisation.

use std::path::{Path, PathBuf};

use candle_core::{D, DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config};
use tokenizers::{Tokenizer, TruncationParams};

use super::{DIM, EmbedError};

/// Maximum number of word pieces per text (including `[CLS]` and `[SEP]`); longer texts are
/// truncated. This is `max_seq_length` from the model's `sentence_bert_config.json`.
pub const MAX_TOKENS: usize = 256;

/// Number of texts run through the model at once.
const BATCH: usize = 32;

const WEIGHTS: &str = "model.safetensors";
const TOKENIZER: &str = "tokenizer.json";
const CONFIG: &str = "config.json";

/// A loaded all-MiniLM-L6-v2 sentence embedder (CPU).
pub struct Embedder {
    model: BertModel,
    tokenizer: Tokenizer,
    device: Device,
}

fn required(dir: &Path, name: &str) -> Result<PathBuf, EmbedError> {
    let path = dir.join(name);
    if path.is_file() { Ok(path) } else { Err(EmbedError::MissingFile { path }) }
}

fn bad(path: &Path, reason: impl ToString) -> EmbedError {
    EmbedError::BadFile { path: path.to_path_buf(), reason: reason.to_string() }
}

impl Embedder {
    /// Loads `model.safetensors`, `tokenizer.json` and `config.json` from `dir`.
    ///
    /// The tokenizer's own truncation (128) and fixed padding settings are replaced: texts are
    /// truncated at [`MAX_TOKENS`] word pieces and padded per batch by [`Embedder::embed`].
    pub fn load(dir: &Path) -> Result<Self, EmbedError> {
        let weights = required(dir, WEIGHTS)?;
        let tok_path = required(dir, TOKENIZER)?;
        let cfg_path = required(dir, CONFIG)?;

        let cfg_text = std::fs::read_to_string(&cfg_path).map_err(|e| bad(&cfg_path, e))?;
        let config: Config = serde_json::from_str(&cfg_text).map_err(|e| bad(&cfg_path, e))?;
        if config.hidden_size != DIM {
            return Err(bad(&cfg_path, format!("hidden_size is {}, expected {DIM}", config.hidden_size)));
        }

        let mut tokenizer = Tokenizer::from_file(&tok_path).map_err(|e| bad(&tok_path, e))?;
        tokenizer.with_padding(None);
        tokenizer
            .with_truncation(Some(TruncationParams { max_length: MAX_TOKENS, ..Default::default() }))
            .map_err(|e| bad(&tok_path, e))?;

        let device = Device::Cpu;
        let bytes = std::fs::read(&weights).map_err(|e| bad(&weights, e))?;
        let vb = VarBuilder::from_buffered_safetensors(bytes, DType::F32, &device).map_err(|e| bad(&weights, e))?;
        let model = BertModel::load(vb, &config).map_err(|e| bad(&weights, e))?;
        Ok(Self { model, tokenizer, device })
    }

    /// Embeds each text into an L2-normalised vector of length [`DIM`], in input order.
    ///
    /// Texts are tokenized (truncated at [`MAX_TOKENS`] word pieces), sorted by length and run in
    /// batches padded to the longest member with an attention mask; padding does not change the
    /// result. An empty string yields the embedding of `[CLS] [SEP]`.
    pub fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EmbedError> {
        let mut ids = Vec::with_capacity(texts.len());
        for text in texts {
            let enc = self.tokenizer.encode(*text, true).map_err(|e| EmbedError::Tokenize(e.to_string()))?;
            ids.push(enc.get_ids().to_vec());
        }
        let mut order: Vec<usize> = (0..texts.len()).collect();
        order.sort_by_key(|&i| ids[i].len());

        let mut out = vec![Vec::new(); texts.len()];
        for chunk in order.chunks(BATCH) {
            let batch: Vec<&[u32]> = chunk.iter().map(|&i| ids[i].as_slice()).collect();
            for (&i, v) in chunk.iter().zip(self.run_batch(&batch)?) {
                out[i] = v;
            }
        }
        Ok(out)
    }

    /// Runs one padded batch through the model; returns normalised vectors in batch order.
    fn run_batch(&self, batch: &[&[u32]]) -> Result<Vec<Vec<f32>>, EmbedError> {
        let (n, len) = (batch.len(), batch.iter().map(|s| s.len()).max().unwrap_or(0));
        let mut input = Vec::with_capacity(n * len);
        let mut mask = Vec::with_capacity(n * len);
        for seq in batch {
            input.extend_from_slice(seq);
            input.resize(input.len() + len - seq.len(), 0);
            mask.extend(std::iter::repeat_n(1u32, seq.len()));
            mask.resize(mask.len() + len - seq.len(), 0);
        }
        let input = Tensor::from_vec(input, (n, len), &self.device)?;
        let mask = Tensor::from_vec(mask, (n, len), &self.device)?;
        let types = input.zeros_like()?;
        let hidden = self.model.forward(&input, &types, Some(&mask))?; // (n, len, DIM)

        let mask = mask.to_dtype(DType::F32)?.unsqueeze(2)?; // (n, len, 1)
        let summed = hidden.broadcast_mul(&mask)?.sum(1)?; // (n, DIM)
        let counts = mask.sum(1)?; // (n, 1)
        let mean = summed.broadcast_div(&counts)?;
        let norm = mean.sqr()?.sum_keepdim(D::Minus1)?.sqrt()?.clamp(1e-12, f32::MAX)?;
        Ok(mean.broadcast_div(&norm)?.to_vec2::<f32>()?)
    }
}
