//! Held-out quality: each identity's held-out crops drawn back through its own decoder and scored by SSIM (through
//! 8-bit pictures, as a user sees them) and by sharpness. The training loop calls [`evaluate`] every N steps;
//! [`inspect`] reads a trained model folder and scores every held-out crop on its own, for `reel faces report
//! MODEL`, so a person can see which crops the model fails on. It must not train or write files.

use std::path::{Path, PathBuf};

use candle_core::Device;
use image::RgbImage;
use serde::{Deserialize, Serialize};

use super::checkpoint;
use super::config::Arch;
use super::crops;
use super::error::{FaceswapError, Result};
use super::face_weights::FaceWeights;
use super::faceset::FaceSet;
use super::model::{Autoencoder, Side};
use super::sharpness;
use super::ssim::Ssim;

/// Crops per forward pass.
const CHUNK: usize = 32;

/// Held-out quality at one step.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Eval {
    /// Mean SSIM of A→A on A's held-out crops, and of B→B on B's.
    pub ssim_a: f32,
    pub ssim_b: f32,
    /// Laplacian variance of the reconstructions, and of the held-out crops themselves.
    pub sharpness_a: f64,
    pub sharpness_b: f64,
    pub sharpness_real_a: f64,
    pub sharpness_real_b: f64,
}

/// Runs `crops` through the encoder and `side`'s decoder, in chunks.
pub fn convert(model: &Autoencoder, crops: &[RgbImage], side: Side, dev: &Device) -> Result<Vec<RgbImage>> {
    let res = model.config.resolution;
    let mut out = Vec::with_capacity(crops.len());
    for (chunk_no, chunk) in crops.chunks(CHUNK).enumerate() {
        if let Some((k, c)) = chunk.iter().enumerate().find(|(_, c)| c.dimensions() != (res, res)) {
            let index = chunk_no * CHUNK + k;
            return Err(FaceswapError::CropSize { index, width: c.width(), height: c.height(), res });
        }
        let planar: Vec<Vec<f32>> = chunk.iter().map(crops::to_planar).collect();
        let x = crops::batch(&planar, res as usize, dev)?;
        out.extend(crops::images(&model.forward(&x, side)?)?);
    }
    Ok(out)
}

/// One identity's crops drawn back through its own decoder, scored.
#[derive(Debug, Clone, PartialEq)]
pub struct Scores {
    /// SSIM of each reconstruction against its crop, in the crops' order.
    pub ssim: Vec<f32>,
    /// The same over the face alone: the SSIM map weighted by the swap's blend mask, as the film shows it.
    pub ssim_face: Vec<f32>,
    /// Mean Laplacian variance of the reconstructions, and of the crops.
    pub sharpness: f64,
    pub sharpness_real: f64,
}

impl Scores {
    /// Mean SSIM over the crops (0 for none).
    pub fn mean_ssim(&self) -> f32 {
        mean(&self.ssim)
    }

    /// Mean face SSIM over the crops (0 for none).
    pub fn mean_ssim_face(&self) -> f32 {
        mean(&self.ssim_face)
    }
}

fn mean(v: &[f32]) -> f32 {
    v.iter().sum::<f32>() / v.len().max(1) as f32
}

/// Reconstructs `real` (crops of identity `side`) with `side`'s decoder and scores each against its crop.
pub fn score(model: &Autoencoder, ssim: &Ssim, real: &[RgbImage], side: Side, dev: &Device) -> Result<Scores> {
    let fake = convert(model, real, side, dev)?;
    let res = model.config.resolution as usize;
    let face = FaceWeights::face_only(res, dev)?;
    let (mut per_crop, mut per_face) = (Vec::with_capacity(real.len()), Vec::with_capacity(real.len()));
    for (f, r) in fake.chunks(CHUNK).zip(real.chunks(CHUNK)) {
        let to_t = |imgs: &[RgbImage]| crops::batch(&imgs.iter().map(crops::to_planar).collect::<Vec<_>>(), res, dev);
        let (f, r) = (to_t(f)?, to_t(r)?);
        per_crop.extend(ssim.per_image(&f, &r)?);
        per_face.extend(ssim.per_image_weighted(&f, &r, &face.valid)?);
    }
    Ok(Scores {
        ssim: per_crop,
        ssim_face: per_face,
        sharpness: sharpness::mean_laplacian_variance(&fake),
        sharpness_real: sharpness::mean_laplacian_variance(real),
    })
}

/// Held-out SSIM and sharpness of both identities, from their held-out crops `a` and `b`.
pub fn evaluate(model: &Autoencoder, ssim: &Ssim, a: &[RgbImage], b: &[RgbImage], dev: &Device) -> Result<Eval> {
    let (sa, sb) = (score(model, ssim, a, Side::A, dev)?, score(model, ssim, b, Side::B, dev)?);
    Ok(Eval {
        ssim_a: sa.mean_ssim(),
        ssim_b: sb.mean_ssim(),
        sharpness_a: sa.sharpness,
        sharpness_b: sb.sharpness,
        sharpness_real_a: sa.sharpness_real,
        sharpness_real_b: sb.sharpness_real,
    })
}

/// One held-out crop and how well its own decoder draws it back.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CropScore {
    pub file: PathBuf,
    pub ssim: f32,
    /// SSIM over the face alone ([`Scores::ssim_face`]).
    pub ssim_face: f32,
}

/// One identity of a trained model, scored on its held-out crops.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IdentityReport {
    pub side: Side,
    /// The face-set folder it was trained from.
    pub set: PathBuf,
    /// Usable crops in the set, training and held out.
    pub crops: usize,
    /// The held-out crops in name order.
    pub held_out: Vec<CropScore>,
    /// Mean SSIM of the held-out crops, and of the training crops (unaugmented): far apart, the model has learnt
    /// its training crops rather than the face; both low, it lacks capacity or training.
    pub ssim: f32,
    pub ssim_train: f32,
    /// The same two over the face alone, as the film shows it ([`Scores::ssim_face`]).
    pub ssim_face: f32,
    pub ssim_face_train: f32,
    pub sharpness: f64,
    pub sharpness_real: f64,
}

/// A trained model folder: how far it was trained, and both identities' held-out scores.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelReport {
    pub dir: PathBuf,
    pub arch: Arch,
    pub resolution: u32,
    pub step: u64,
    pub elapsed_secs: f64,
    /// Step and training seconds when both held-out SSIMs first reached 0.75, as training measured it.
    pub ssim_075: Option<(u64, f64)>,
    pub gan_weight: f64,
    pub code_weight: f64,
    pub face_weight: f64,
    pub detail_weight: f64,
    /// Trained on face sets cut upright.
    pub upright: bool,
    pub a: IdentityReport,
    pub b: IdentityReport,
}

/// Loads the model in `model_dir` and the face sets named in its `config.json`, splits each set as training did,
/// and scores every held-out crop. A set that has moved or changed since training is an error naming it.
pub fn inspect(model_dir: &Path) -> Result<ModelReport> {
    let dev = crate::device::device();
    let (file, model) = checkpoint::load_model(model_dir, &dev)?;
    let state = checkpoint::load_state(model_dir)?;
    let res = file.model.resolution;
    let ssim = Ssim::new(res as usize, res as usize, &dev)?;
    let identity = |set_dir: &str, side: Side| -> Result<IdentityReport> {
        let set = FaceSet::load(Path::new(set_dir), res)?;
        let (train, held_out) = set.split()?;
        let pick = |indices: &[usize]| -> Vec<RgbImage> { indices.iter().map(|&i| set.crops[i].clone()).collect() };
        let scores = score(&model, &ssim, &pick(&held_out), side, &dev)?;
        let trained = score(&model, &ssim, &pick(&train), side, &dev)?;
        Ok(IdentityReport {
            side,
            set: set.dir.clone(),
            crops: set.len(),
            held_out: held_out
                .iter()
                .enumerate()
                .map(|(k, &i)| CropScore {
                    file: set.files[i].clone(),
                    ssim: scores.ssim[k],
                    ssim_face: scores.ssim_face[k],
                })
                .collect(),
            ssim: scores.mean_ssim(),
            ssim_train: trained.mean_ssim(),
            ssim_face: scores.mean_ssim_face(),
            ssim_face_train: trained.mean_ssim_face(),
            sharpness: scores.sharpness,
            sharpness_real: scores.sharpness_real,
        })
    };
    Ok(ModelReport {
        dir: model_dir.to_path_buf(),
        arch: file.model.arch,
        resolution: res,
        step: state.step,
        elapsed_secs: state.elapsed_secs,
        ssim_075: state.ssim_075,
        gan_weight: file.train.gan_weight,
        code_weight: file.train.code_weight,
        face_weight: file.train.face_weight,
        detail_weight: file.train.detail_weight,
        upright: file.model.upright,
        a: identity(&file.a, Side::A)?,
        b: identity(&file.b, Side::B)?,
    })
}
