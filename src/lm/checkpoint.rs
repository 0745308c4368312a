//! The on-disk layout of a model directory and its atomic writes:
//!
//! - `config.json`: architecture, preset, model config, vocabulary, tokenizer kind and the training config,
//! - `tokenizer.json`: the byte-level BPE vocabulary, for models trained with `--tokenizer bpe`,
//! - `model.safetensors`: the weights, `optimizer.safetensors`: AdamW's `m`, `v` and step,
//! - `state.json`: step, both RNG states, best validation loss, elapsed time (written last: its presence marks a
//!   complete checkpoint).
//!
//! Every file is written to a hidden temp file in the same directory, fsynced and renamed into place. Reading a
//! damaged file yields [`LmError::CorruptCheckpoint`] naming it. This module must not train or sample.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use candle_core::{DType, Device, Tensor};
use candle_nn::{VarBuilder, VarMap};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::config::{Arch, ModelConfig, Preset};
use super::error::{LmError, Result};
use super::model::Model;
use super::optim::AdamW;
use super::rng::Rng;
use super::tokenizer::{Tokenizer, TokenizerKind};
use super::train::TrainConfig;
use super::vocab::Vocab;

pub const CONFIG: &str = "config.json";
pub const MODEL: &str = "model.safetensors";
pub const OPTIMIZER: &str = "optimizer.safetensors";
pub const STATE: &str = "state.json";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckpointConfig {
    pub arch: Arch,
    pub preset: Option<Preset>,
    pub model: ModelConfig,
    /// The character vocabulary (the model's ids when `tokenizer` is `char`).
    pub vocab: Vocab,
    #[serde(default)]
    pub tokenizer: TokenizerKind,
    pub train: Option<TrainConfig>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainState {
    /// Optimizer updates done.
    pub step: u64,
    pub data_rng: Rng,
    pub dropout_rng: Rng,
    pub best_val_loss: Option<f32>,
    pub elapsed_secs: f64,
}

/// Writes `bytes` to `path` through a temp sibling, fsync and rename; the temp is removed on failure.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    crate::atomic::write(path, bytes).map_err(|source| LmError::Io { path: path.to_path_buf(), source })
}

pub fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    let json = serde_json::to_vec_pretty(value).map_err(|e| LmError::corrupt(path, e))?;
    write_atomic(path, &json)
}

pub fn read_json<T: DeserializeOwned>(path: &Path) -> Result<T> {
    let bytes = fs::read(path).map_err(LmError::io(path))?;
    serde_json::from_slice(&bytes).map_err(|e| LmError::corrupt(path, e))
}

pub fn save_tensors(path: &Path, tensors: &HashMap<String, Tensor>) -> Result<()> {
    let bytes = safetensors::tensor::serialize(tensors, None).map_err(|e| LmError::corrupt(path, e))?;
    write_atomic(path, &bytes)
}

pub fn load_tensors(path: &Path, dev: &Device) -> Result<HashMap<String, Tensor>> {
    let bytes = fs::read(path).map_err(LmError::io(path))?;
    candle_core::safetensors::load_buffer(&bytes, dev).map_err(|e| LmError::corrupt(path, e))
}

/// The variables of `varmap` as named tensors, ready for [`save_tensors`].
pub fn var_tensors(varmap: &VarMap) -> Result<HashMap<String, Tensor>> {
    let data = varmap.data().lock().map_err(|_| candle_core::Error::Msg("VarMap lock poisoned".into()))?;
    Ok(data.iter().map(|(k, v)| (k.clone(), v.as_tensor().clone())).collect())
}

/// Writes a complete checkpoint into `dir`; `state.json` goes last.
pub fn save(dir: &Path, config: &CheckpointConfig, varmap: &VarMap, opt: &AdamW, state: &TrainState) -> Result<()> {
    save_tensors(&dir.join(MODEL), &var_tensors(varmap)?)?;
    save_tensors(&dir.join(OPTIMIZER), &opt.state()?)?;
    write_json(&dir.join(CONFIG), config)?;
    write_json(&dir.join(STATE), state)
}

pub fn load_config(dir: &Path) -> Result<CheckpointConfig> {
    let path = dir.join(CONFIG);
    let config: CheckpointConfig = read_json(&path)?;
    if !config.vocab.is_valid() {
        return Err(LmError::corrupt(path, "vocabulary is empty, unsorted or has duplicates"));
    }
    let chars = config.tokenizer == TokenizerKind::Char;
    if (chars && config.model.vocab_size() != config.vocab.len()) || config.model.arch() != config.arch {
        return Err(LmError::corrupt(path, "model config disagrees with the vocabulary or arch"));
    }
    config.model.validate()?;
    Ok(config)
}

pub fn load_state(dir: &Path) -> Result<TrainState> {
    read_json(&dir.join(STATE))
}

/// Copies the saved weights into the variables of `varmap` (built by `Model::load` from the same config).
pub fn load_weights_into(dir: &Path, varmap: &VarMap) -> Result<()> {
    load_vars_into(&dir.join(MODEL), varmap)
}

/// Copies the tensors of the safetensors file at `path` into the variables of `varmap`, by name; a missing or
/// mis-shaped tensor is [`LmError::CorruptCheckpoint`] naming the file.
pub fn load_vars_into(path: &Path, varmap: &VarMap) -> Result<()> {
    let tensors = load_tensors(path, &super::device())?;
    let data = varmap.data().lock().map_err(|_| candle_core::Error::Msg("VarMap lock poisoned".into()))?;
    for (name, var) in data.iter() {
        let t = tensors.get(name).ok_or_else(|| LmError::corrupt(path, format!("missing tensor {name}")))?;
        if t.shape() != var.shape() {
            return Err(LmError::corrupt(
                path,
                format!("tensor {name} has shape {:?}, expected {:?}", t.shape(), var.shape()),
            ));
        }
        var.set(&t.to_dtype(DType::F32)?)?;
    }
    Ok(())
}

pub fn load_optimizer_into(dir: &Path, opt: &mut AdamW) -> Result<()> {
    load_optimizer_file(&dir.join(OPTIMIZER), opt)
}

/// Restores an optimizer's state from the safetensors file at `path`.
pub fn load_optimizer_file(path: &Path, opt: &mut AdamW) -> Result<()> {
    let tensors = load_tensors(path, &super::device())?;
    opt.load_state(&tensors).map_err(|e| LmError::corrupt(path, e))
}

/// The tokenizer a model in `dir` was trained with; an error names the file when it disagrees with the model.
pub fn load_tokenizer(dir: &Path, config: &CheckpointConfig) -> Result<Tokenizer> {
    let tokenizer = Tokenizer::load(dir, config.tokenizer, &config.vocab)?;
    if tokenizer.len() != config.model.vocab_size() {
        let reason = format!("{} token ids, but the model has {}", tokenizer.len(), config.model.vocab_size());
        return Err(LmError::corrupt(dir.join(super::bpe::FILE), reason));
    }
    Ok(tokenizer)
}

/// Loads a model for inference: the config, the tokenizer and the weights, read into memory (not memory-mapped, so
/// a file changed underneath cannot corrupt a running model).
pub fn load_model(dir: &Path) -> Result<(CheckpointConfig, Tokenizer, Model)> {
    let config = load_config(dir)?;
    let tokenizer = load_tokenizer(dir, &config)?;
    let path: PathBuf = dir.join(MODEL);
    let tensors = load_tensors(&path, &super::device())?;
    let vb = VarBuilder::from_tensors(tensors, DType::F32, &super::device());
    let model = Model::load(vb, &config.model).map_err(|e| LmError::corrupt(&path, e))?;
    Ok((config, tokenizer, model))
}

/// Removes temp files a killed writer left in `dir`; returns how many.
pub fn remove_stale_temps(dir: &Path) -> Result<usize> {
    let Ok(entries) = fs::read_dir(dir) else { return Ok(0) };
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') && name.contains(".tmp-") {
            fs::remove_file(entry.path()).map_err(LmError::io(entry.path()))?;
            removed += 1;
        }
    }
    Ok(removed)
}
