//! Inference: a trained model folder loaded for swapping, and its [`FaceConverter`] face. Crops are encoded by the
//! shared encoder and drawn by decoder A (the star) by default, or by B. It must not train or write files.

use std::path::{Path, PathBuf};

use candle_core::Device;
use image::RgbImage;

use super::checkpoint;
use super::error::Result;
use super::eval;
use super::model::{Autoencoder, Side};
use crate::faces::{ConvertError, FaceConverter};

pub struct Swapper {
    model: Autoencoder,
    side: Side,
    dev: Device,
    dir: PathBuf,
}

impl Swapper {
    /// Loads `model_dir/config.json` and the encoder and decoders from `model_dir/model.safetensors`.
    pub fn load(model_dir: &Path) -> Result<Swapper> {
        let dev = crate::device::device();
        let (_, model) = checkpoint::load_model(model_dir, &dev)?;
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

    /// Whether the model was trained on upright crops, so a swap must cut faces upright
    /// ([`crate::faces::SwapSettings::upright`]).
    pub fn upright(&self) -> bool {
        self.model.config.upright
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Converts `crops` (each `resolution()` square) with the chosen decoder.
    pub fn swap(&self, crops: &[RgbImage]) -> Result<Vec<RgbImage>> {
        eval::convert(&self.model, crops, self.side, &self.dev)
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
