//! The learned face swapper: a shared encoder with one decoder per identity (the faceswap/DeepFaceLab design),
//! PatchGAN discriminators, L1 + SSIM + adversarial losses, random-warp augmentation, training with exact resume,
//! and [`Swapper`], the [`FaceConverter`](crate::faces::FaceConverter) that runs a trained model.
//!
//! It owns face-set reading (a folder of square PNG crops), the model folder `models/NAME/` and its files. It must
//! not know about video frames, tracks or blending (that is `faces`; only the blend mask's shape is borrowed, to
//! weight the face's pixels in [`face_weights`] and [`detail`]), and never prints: progress goes
//! through [`train::Observer`].
//!
//! Code map, in pipeline order: [`config`] (shapes) → [`conv`] and [`layers`] → [`model`] (encoder, decoders) and
//! [`discriminator`] → [`faceset`] (crops) → [`augment`] (warp, affine, colour) → [`ssim`], [`face_weights`], [`detail`] and [`loss`] →
//! [`train`] (the loop; [`checkpoint`] files, [`preview`] grid, the loss plot from `lm::plot`) → [`eval`] (held-out
//! SSIM, per crop for a trained model) → [`swapper`] (inference). [`sharpness`] measures what the GAN adds.
//!
//! **Invariant:** every random draw that affects training (init, batches, augmentation) comes from a seeded
//! [`crate::lm::rng::Rng`] whose state is checkpointed, so a resumed run reproduces an unbroken one to float noise.

pub mod augment;
pub mod checkpoint;
pub mod config;
pub mod conv;
pub mod crops;
pub mod detail;
pub mod discriminator;
pub mod error;
pub mod eval;
pub mod face_weights;
pub mod faceset;
pub mod layers;
pub mod loss;
pub mod model;
pub mod preview;
pub mod sharpness;
pub mod ssim;
pub mod swapper;
pub mod train;

pub use config::Config;
pub use error::FaceswapError;
pub use eval::Eval;
pub use faceset::FaceSet;
pub use model::{Autoencoder, Side};
pub use swapper::Swapper;
pub use train::{Observer, Progress, TrainConfig, TrainReport, train};
