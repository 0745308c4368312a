//! Inference: a trained model folder loaded for swapping, and its [`FaceConverter`] face. Crops are encoded by the
//! shared encoder and drawn by decoder A (the star) by default, or by B. It must not train or write files.

use std::path::{Path, PathBuf};

use candle_core::{DType, Device};
use candle_nn::VarBuilder;
use image::RgbImage;

use super::checkpoint::{self, ModelFile};
use super::error::{FaceswapError, Result};
use super::model::{Autoencoder, Side};
use super::train;
use crate::faces::{ConvertError, FaceConverter};
use crate::lm::LmError;

pub struct Swapper {
    model: Autoencoder,
    side: Side,
    dev: Device,
    dir: PathBuf,
}

impl Swapper {
    /// Loads `model_dir/config.json` and the encoder and decoders from `model_dir/model.safetensors`.
    pub fn load(model_dir: &Path) -> Result<Swapper> {
        let file: ModelFile = checkpoint::load_config(model_dir)?;
        let path = model_dir.join(checkpoint::MODEL);
        if !path.is_file() {
            return Err(FaceswapError::Io {
                path,
                source: std::io::Error::new(std::io::ErrorKind::NotFound, "no weights (has the model been trained?)"),
            });
        }
        let dev = crate::device::device();
        // SAFETY: the weights file is only ever replaced by an atomic rename (crate::atomic), never written in place,
        // so the mapped bytes cannot change under the model.
        let vb = unsafe { VarBuilder::from_mmaped_safetensors(&[&path], DType::F32, &dev) }
            .map_err(|e| LmError::CorruptCheckpoint { path: path.clone(), reason: e.to_string() })?;
        let model = Autoencoder::load(vb, &file.model)
            .map_err(|e| LmError::CorruptCheckpoint { path: path.clone(), reason: e.to_string() })?;
        Ok(Swapper { model, side: Side::A, dev, dir: model_dir.to_path_buf() })
    }

    /// Draws with decoder `side` from now on (A, the star, by default).
    pub fn with_side(mut self, side: Side) -> Swapper {
        self.side = side;
        self
    }

    pub fn side(&self) -> Side {
        self.side
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Converts `crops` (each `resolution()` square) with the chosen decoder.
    pub fn swap(&self, crops: &[RgbImage]) -> Result<Vec<RgbImage>> {
        train::convert(&self.model, crops, self.side, &self.dev)
    }
}

impl FaceConverter for Swapper {
    fn resolution(&self) -> u32 {
        self.model.config.resolution
    }

    fn convert(&mut self, crops: &[RgbImage]) -> std::result::Result<Vec<RgbImage>, ConvertError> {
        self.swap(crops).map_err(|e| ConvertError(format!("model {}: {e}", self.dir.display())))
    }
}
