//! How text becomes token ids for a model: characters ([`Vocab`], kept inside `config.json`) or a byte-level BPE
//! vocabulary ([`Bpe`], kept as `tokenizer.json` beside the weights). Training and sampling go through
//! [`Tokenizer`] and never ask which one it is. It must not know about models.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::bpe::{self, Bpe};
use super::error::Result;
use super::vocab::Vocab;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenizerKind {
    #[default]
    Char,
    Bpe,
}

impl std::fmt::Display for TokenizerKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            TokenizerKind::Char => "char",
            TokenizerKind::Bpe => "bpe",
        })
    }
}

pub enum Tokenizer {
    Chars(Vocab),
    Bpe(Box<Bpe>),
}

impl Tokenizer {
    /// The tokenizer of a model directory: `tokenizer.json` for BPE, else the characters of `vocab`.
    pub fn load(dir: &Path, kind: TokenizerKind, vocab: &Vocab) -> Result<Tokenizer> {
        Ok(match kind {
            TokenizerKind::Char => Tokenizer::Chars(vocab.clone()),
            TokenizerKind::Bpe => Tokenizer::Bpe(Box::new(Bpe::load(&dir.join(bpe::FILE))?)),
        })
    }

    pub fn len(&self) -> usize {
        match self {
            Tokenizer::Chars(v) => v.len(),
            Tokenizer::Bpe(b) => b.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn encode(&self, text: &str) -> Result<Vec<u32>> {
        match self {
            Tokenizer::Chars(v) => Ok(v.encode(text)),
            Tokenizer::Bpe(b) => b.encode(text),
        }
    }

    pub fn decode(&self, ids: &[u32]) -> String {
        match self {
            Tokenizer::Chars(v) => v.decode(ids),
            Tokenizer::Bpe(b) => b.decode(ids),
        }
    }
}
