//! A byte-level BPE vocabulary (GPT-2 style) learned from the training text with the `tokenizers` crate and kept
//! as `tokenizer.json` beside the weights. Every byte is in the base alphabet, so any text encodes and decoding
//! round-trips exactly. It must not know about models.

use std::path::Path;

use tokenizers::Tokenizer;
use tokenizers::models::TrainerWrapper;
use tokenizers::models::bpe::{BPE, BpeTrainerBuilder};
use tokenizers::pre_tokenizers::byte_level::ByteLevel;

use super::error::{LmError, Result};

pub const FILE: &str = "tokenizer.json";

pub struct Bpe {
    inner: Tokenizer,
}

fn byte_level() -> ByteLevel {
    // No prefix space and no offset trimming: the text is encoded as it is, whitespace included.
    ByteLevel::new(false, false, true)
}

impl Bpe {
    /// Learns merges from `text` until the vocabulary has `size` entries (the 256 byte symbols included).
    pub fn train(text: &str, size: usize) -> Result<Bpe> {
        if text.is_empty() {
            return Err(LmError::EmptyCorpus { what: "training" });
        }
        if size < 257 {
            return Err(LmError::InvalidConfig {
                field: "vocab",
                value: size.to_string(),
                reason: "a byte-level BPE vocabulary needs more than the 256 byte symbols",
            });
        }
        let mut trainer: TrainerWrapper = BpeTrainerBuilder::new()
            .vocab_size(size)
            .min_frequency(2)
            .show_progress(false)
            .initial_alphabet(ByteLevel::alphabet().into_iter().collect())
            .build()
            .into();
        let mut inner = Tokenizer::new(BPE::default());
        inner.with_pre_tokenizer(Some(byte_level())).with_decoder(Some(byte_level()));
        inner.train(&mut trainer, text.split_inclusive('\n')).map_err(|e| LmError::Tokenizer(e.to_string()))?;
        Ok(Bpe { inner })
    }

    pub fn load(path: &Path) -> Result<Bpe> {
        let bytes = std::fs::read(path).map_err(LmError::io(path))?;
        let inner = Tokenizer::from_bytes(&bytes).map_err(|e| LmError::corrupt(path, e))?;
        Ok(Bpe { inner })
    }

    /// Writes `tokenizer.json` atomically.
    pub fn save(&self, path: &Path) -> Result<()> {
        let json = self.inner.to_string(false).map_err(|e| LmError::corrupt(path, e))?;
        super::checkpoint::write_atomic(path, json.as_bytes())
    }

    /// Number of token ids.
    pub fn len(&self) -> usize {
        self.inner.get_vocab_size(true)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn encode(&self, text: &str) -> Result<Vec<u32>> {
        let encoding = self.inner.encode_fast(text, false).map_err(|e| LmError::Tokenizer(e.to_string()))?;
        Ok(encoding.get_ids().to_vec())
    }

    /// The text of `ids`; bytes that do not form valid UTF-8 become U+FFFD.
    pub fn decode(&self, ids: &[u32]) -> String {
        self.inner.decode(ids, false).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lm::testdata;

    #[test]
    fn learns_merges_round_trips_and_saves() {
        let text = testdata::corpus(60_000);
        let bpe = Bpe::train(&text, 400).unwrap();
        assert_eq!(bpe.len(), 400);
        for sample in [&text[..2000], "Wherefore art thou, Ro\u{e9}mo?\n\n  \u{1F3AC} two  spaces\ttab", ""] {
            let ids = bpe.encode(sample).unwrap();
            assert_eq!(bpe.decode(&ids), sample, "round trip of {sample:?}");
        }
        // Merges compress: on text like the training text, at least 1.5 bytes per id (bytes alone would be 1).
        let ids = bpe.encode(&text[..2000]).unwrap();
        assert!(ids.len() * 3 < 2000 * 2, "{} ids for 2000 bytes", ids.len());

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE);
        bpe.save(&path).unwrap();
        let back = Bpe::load(&path).unwrap();
        assert_eq!(back.encode(&text[..500]).unwrap(), bpe.encode(&text[..500]).unwrap());
        std::fs::write(&path, "{ not json").unwrap();
        assert!(matches!(Bpe::load(&path), Err(LmError::CorruptCheckpoint { .. })));
        assert!(matches!(Bpe::train(&text, 100), Err(LmError::InvalidConfig { field: "vocab", .. })));
    }
}
