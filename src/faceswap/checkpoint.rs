//! The files of a face-swap model folder `models/NAME/`:
//!
//! - `config.json`: the model shapes and the training settings ([`ModelFile`]),
//! - `model.safetensors`: encoder and both decoders (all inference needs), `discriminator.safetensors`,
//! - `optimizer.safetensors` and `optimizer_d.safetensors`: AdamW state of the generator and the discriminators,
//! - `state.json`: step, RNG state, elapsed time, when held-out SSIM first reached 0.75 (written last: its
//!   presence marks a complete checkpoint),
//! - `loss.csv`, `loss.png`, `preview.png`, and `report.json` (written by the training job when it is done).
//!
//! Every file is written atomically through `lm::checkpoint` (temp sibling, fsync, rename). This module must not
//! train.

use std::path::Path;

use candle_core::{DType, Device};
use candle_nn::{VarBuilder, VarMap};
use serde::{Deserialize, Serialize};

use super::config::Config;
use super::error::{FaceswapError, Result};
use super::model::Autoencoder;
use super::train::TrainConfig;
use crate::lm::LmError;
use crate::lm::checkpoint as files;
use crate::lm::optim::AdamW;
use crate::lm::rng::Rng;

pub const CONFIG: &str = "config.json";
pub const MODEL: &str = "model.safetensors";
pub const DISCRIMINATOR: &str = "discriminator.safetensors";
pub const OPTIMIZER: &str = "optimizer.safetensors";
pub const OPTIMIZER_D: &str = "optimizer_d.safetensors";
pub const STATE: &str = "state.json";
pub const LOSS_CSV: &str = "loss.csv";
pub const LOSS_PNG: &str = "loss.png";
pub const PREVIEW: &str = "preview.png";
pub const REPORT: &str = "report.json";

/// `config.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelFile {
    pub model: Config,
    pub train: TrainConfig,
    /// The face-set folders the identities were trained from.
    pub a: String,
    pub b: String,
}

/// `state.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainState {
    /// Optimizer updates done.
    pub step: u64,
    /// Batches and augmentation.
    pub rng: Rng,
    pub elapsed_secs: f64,
    /// Step and training seconds at the first evaluation where both identities' held-out SSIM was ≥ 0.75.
    pub ssim_075: Option<(u64, f64)>,
    /// The steps a minutes-only run expects to make, fixed at its first checkpoint from the speed so far: the
    /// length of its learning-rate decay. Kept here so that a resumed run decays on the same curve.
    #[serde(default)]
    pub planned_steps: Option<u64>,
}

/// The trainable variables: the generator (encoder + decoders) and the discriminators, kept apart so each has its
/// own optimizer and file.
pub struct Vars<'a> {
    pub generator: &'a VarMap,
    pub discriminator: &'a VarMap,
}

pub struct Optimizers<'a> {
    pub generator: &'a AdamW,
    pub discriminator: &'a AdamW,
}

/// Writes a complete checkpoint into `dir`; `state.json` goes last.
pub fn save(dir: &Path, file: &ModelFile, vars: &Vars, opts: &Optimizers, state: &TrainState) -> Result<()> {
    files::save_tensors(&dir.join(MODEL), &files::var_tensors(vars.generator)?)?;
    files::save_tensors(&dir.join(DISCRIMINATOR), &files::var_tensors(vars.discriminator)?)?;
    files::save_tensors(&dir.join(OPTIMIZER), &opts.generator.state()?)?;
    files::save_tensors(&dir.join(OPTIMIZER_D), &opts.discriminator.state()?)?;
    files::write_json(&dir.join(CONFIG), file)?;
    files::write_json(&dir.join(STATE), state)?;
    Ok(())
}

/// Reads `config.json` and checks its model shapes.
pub fn load_config(dir: &Path) -> Result<ModelFile> {
    let file: ModelFile = files::read_json(&dir.join(CONFIG))?;
    file.model.validate()?;
    Ok(file)
}

/// Reads `config.json` and the encoder and decoders from `model.safetensors`: all inference needs.
pub fn load_model(dir: &Path, dev: &Device) -> Result<(ModelFile, Autoencoder)> {
    let file = load_config(dir)?;
    let path = dir.join(MODEL);
    if !path.is_file() {
        return Err(FaceswapError::Io {
            path,
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "no weights (has the model been trained?)"),
        });
    }
    let corrupt = |e: candle_core::Error| LmError::CorruptCheckpoint { path: path.clone(), reason: e.to_string() };
    // SAFETY: the weights file is only ever replaced by an atomic rename (crate::atomic), never written in place, so
    // the mapped bytes cannot change under the model.
    let vb = unsafe { VarBuilder::from_mmaped_safetensors(&[&path], DType::F32, dev) }.map_err(corrupt)?;
    let model = Autoencoder::load(vb, &file.model).map_err(corrupt)?;
    Ok((file, model))
}

pub fn load_state(dir: &Path) -> Result<TrainState> {
    Ok(files::read_json(&dir.join(STATE))?)
}

/// Restores weights and optimizer states into variables built from the same config.
pub fn load_into(dir: &Path, vars: &Vars, opt_g: &mut AdamW, opt_d: &mut AdamW) -> Result<()> {
    files::load_vars_into(&dir.join(MODEL), vars.generator)?;
    files::load_vars_into(&dir.join(DISCRIMINATOR), vars.discriminator)?;
    files::load_optimizer_file(&dir.join(OPTIMIZER), opt_g)?;
    files::load_optimizer_file(&dir.join(OPTIMIZER_D), opt_d)?;
    Ok(())
}
