//! The character-level language model behind `reel write`: vocabulary, two architectures (a Benjamin-style char
//! LSTM and a small GPT), training with exact resume, checkpoints, sampling and the loss plot.
//!
//! Library code here never prints: progress goes through [`train::Observer`]. Everything runs through candle on
//! [`device()`]; only ops with a backward pass are used in training. On the CPU the hot ops are reel's own fused
//! kernels with hand-written backward passes ([`fused`]); elsewhere the plain candle composition.
//!
//! Code map, in pipeline order: [`vocab`] (chars ↔ ids) or [`bpe`] (byte-level BPE), behind [`tokenizer`] →
//! [`config`] (presets) → [`lstm`] / [`gpt`] behind
//! [`model::Model`] → [`data`] (windows) → [`optim`] + [`schedule`] → [`train`] (the loop) → [`checkpoint`]
//! (files, atomically) and [`plot`] (loss.png) → [`sample`] (text). [`rng`] is the one source of randomness.
//!
//! **Invariant:** every random draw that affects training (init, batches, dropout) comes from a seeded [`rng::Rng`]
//! whose state is checkpointed, so `resume` reproduces an uninterrupted run to float noise.

pub mod bpe;
pub mod checkpoint;
pub mod config;
pub mod data;
pub mod dense;
pub mod error;
pub mod fused;
pub mod gpt;
pub mod lstm;
pub mod model;
pub mod optim;
pub mod plot;
pub mod rng;
pub mod sample;
pub mod schedule;
pub mod tokenizer;
pub mod train;
pub mod vocab;

pub use config::{Arch, GptConfig, LstmConfig, ModelConfig, Preset};
pub use data::split_text;
pub use error::LmError;
pub use sample::{SampleOptions, Sampler};
pub use tokenizer::{Tokenizer, TokenizerKind};
pub use train::{DEFAULT_BPE_VOCAB, Observer, Progress, TrainConfig, TrainReport, train};
pub use vocab::Vocab;

/// The one device the module runs on (see [`crate::device`]).
pub use crate::device::device;

/// Test helpers shared by the module's unit tests.
#[cfg(test)]
pub(crate) mod testdata {
    use std::path::PathBuf;

    /// The first `bytes` of tinyshakespeare from the shared data dir, or a generated text with learnable structure
    /// when the file is missing (the reason is printed, since tests may print).
    pub fn corpus(bytes: usize) -> String {
        // `../shared/data` from the reel checkout; one more level up from a scratch crate.
        let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let dirs = match std::env::var_os("REEL_SHARED_DATA") {
            Some(dir) => vec![PathBuf::from(dir)],
            None => vec![manifest.join("../shared/data"), manifest.join("../../shared/data")],
        };
        let candidates: Vec<PathBuf> = dirs.iter().map(|d| d.join("corpus/tinyshakespeare.txt")).collect();
        let path = candidates.iter().find(|p| p.exists()).unwrap_or(&candidates[0]);
        match std::fs::read_to_string(path) {
            Ok(text) => {
                let mut end = bytes.min(text.len());
                while !text.is_char_boundary(end) {
                    end -= 1;
                }
                text[..end].to_string()
            }
            Err(e) => {
                println!("{} unavailable ({e}); using a generated corpus", path.display());
                generated(bytes)
            }
        }
    }

    fn generated(bytes: usize) -> String {
        let names = ["ANNA", "BEN", "CLARA"];
        let lines = ["the sun is up.", "we are late again.", "where is the ship?", "look at the sky."];
        let mut out = String::new();
        let mut i = 0usize;
        while out.len() < bytes {
            out.push_str(&format!("{}:\n{}\n\n", names[i % 3], lines[(i * 7 + i / 3) % 4]));
            i += 1;
        }
        out
    }
}
