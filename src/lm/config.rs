//! Model configurations and their presets (`tiny`, `small`, `base`) for both architectures. Plain data: it must not
//! build tensors.

use serde::{Deserialize, Serialize};

use super::error::{LmError, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Arch {
    Lstm,
    Gpt,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Preset {
    Tiny,
    Small,
    Base,
}

impl std::fmt::Display for Arch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Arch::Lstm => "lstm",
            Arch::Gpt => "gpt",
        })
    }
}

impl std::fmt::Display for Preset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Preset::Tiny => "tiny",
            Preset::Small => "small",
            Preset::Base => "base",
        })
    }
}

/// Embedding → `layers` LSTM layers of `hidden` units → linear to the vocabulary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LstmConfig {
    pub vocab_size: usize,
    pub embed: usize,
    pub hidden: usize,
    pub layers: usize,
    pub dropout: f32,
}

impl LstmConfig {
    pub fn tiny(vocab_size: usize) -> Self {
        LstmConfig { vocab_size, embed: 32, hidden: 64, layers: 1, dropout: 0.1 }
    }

    pub fn small(vocab_size: usize) -> Self {
        LstmConfig { vocab_size, embed: 64, hidden: 256, layers: 2, dropout: 0.2 }
    }

    pub fn base(vocab_size: usize) -> Self {
        LstmConfig { vocab_size, embed: 128, hidden: 512, layers: 3, dropout: 0.3 }
    }
}

/// A decoder-only transformer with learned positions, pre-LayerNorm blocks and a GELU MLP.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GptConfig {
    pub vocab_size: usize,
    pub d_model: usize,
    pub layers: usize,
    pub heads: usize,
    /// Context window: the most positions the model has embeddings for.
    pub ctx: usize,
    pub dropout: f32,
    /// Whether the output head reuses the token embedding matrix.
    pub tied: bool,
}

impl GptConfig {
    pub fn tiny(vocab_size: usize) -> Self {
        GptConfig { vocab_size, d_model: 64, layers: 2, heads: 2, ctx: 64, dropout: 0.1, tied: true }
    }

    pub fn small(vocab_size: usize) -> Self {
        GptConfig { vocab_size, d_model: 256, layers: 4, heads: 4, ctx: 128, dropout: 0.1, tied: true }
    }

    pub fn base(vocab_size: usize) -> Self {
        GptConfig { vocab_size, d_model: 384, layers: 6, heads: 6, ctx: 256, dropout: 0.1, tied: true }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "arch", rename_all = "lowercase")]
pub enum ModelConfig {
    Lstm(LstmConfig),
    Gpt(GptConfig),
}

impl ModelConfig {
    pub fn preset(arch: Arch, preset: Preset, vocab_size: usize) -> ModelConfig {
        match (arch, preset) {
            (Arch::Lstm, Preset::Tiny) => ModelConfig::Lstm(LstmConfig::tiny(vocab_size)),
            (Arch::Lstm, Preset::Small) => ModelConfig::Lstm(LstmConfig::small(vocab_size)),
            (Arch::Lstm, Preset::Base) => ModelConfig::Lstm(LstmConfig::base(vocab_size)),
            (Arch::Gpt, Preset::Tiny) => ModelConfig::Gpt(GptConfig::tiny(vocab_size)),
            (Arch::Gpt, Preset::Small) => ModelConfig::Gpt(GptConfig::small(vocab_size)),
            (Arch::Gpt, Preset::Base) => ModelConfig::Gpt(GptConfig::base(vocab_size)),
        }
    }

    pub fn arch(&self) -> Arch {
        match self {
            ModelConfig::Lstm(_) => Arch::Lstm,
            ModelConfig::Gpt(_) => Arch::Gpt,
        }
    }

    pub fn vocab_size(&self) -> usize {
        match self {
            ModelConfig::Lstm(c) => c.vocab_size,
            ModelConfig::Gpt(c) => c.vocab_size,
        }
    }

    /// Rejects shapes that would make `load` or `forward` fail later with a less helpful message.
    pub fn validate(&self) -> Result<()> {
        let bad = |field, value: usize, reason| Err(LmError::InvalidConfig { field, value: value.to_string(), reason });
        let dropout = match self {
            ModelConfig::Lstm(c) => {
                if c.hidden == 0 || c.layers == 0 || c.embed == 0 {
                    return bad("lstm.hidden/layers/embed", 0, "must be positive");
                }
                c.dropout
            }
            ModelConfig::Gpt(c) => {
                if c.heads == 0 || c.d_model % c.heads != 0 {
                    return bad("gpt.heads", c.heads, "must divide d_model");
                }
                if c.layers == 0 || c.ctx == 0 {
                    return bad("gpt.layers/ctx", 0, "must be positive");
                }
                c.dropout
            }
        };
        if !(0.0..1.0).contains(&dropout) {
            return Err(LmError::InvalidConfig {
                field: "dropout",
                value: dropout.to_string(),
                reason: "must be in [0, 1)",
            });
        }
        if self.vocab_size() < 2 {
            return bad("vocab_size", self.vocab_size(), "needs at least one character besides <unk>");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_validate_and_round_trip() {
        for arch in [Arch::Lstm, Arch::Gpt] {
            for preset in [Preset::Tiny, Preset::Small, Preset::Base] {
                let cfg = ModelConfig::preset(arch, preset, 65);
                cfg.validate().unwrap();
                assert_eq!(cfg.arch(), arch);
                let back: ModelConfig = serde_json::from_str(&serde_json::to_string(&cfg).unwrap()).unwrap();
                assert_eq!(back, cfg);
            }
        }
        let mut bad = GptConfig::tiny(65);
        bad.heads = 3;
        assert!(matches!(ModelConfig::Gpt(bad).validate(), Err(LmError::InvalidConfig { field: "gpt.heads", .. })));
    }
}
