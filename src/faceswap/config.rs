//! Model shapes and their presets: `res64` (the default), `res128`, and `tiny` for tests. Plain data: it must not
//! build tensors.

use serde::{Deserialize, Serialize};

use super::error::{FaceswapError, Result};

/// The shared encoder, the two decoders and the discriminators, in channels per layer.
///
/// Encoder: one 5×5 stride-2 convolution per entry of `encoder` (each halves the side), a dense bottleneck of
/// `bottleneck` units, a dense layer back to `side × side × encoder.last()` and one ×2 upscale to `upscale`
/// channels. Each decoder: one ×2 upscale (3×3 convolution + pixel shuffle) per entry of `decoder`, then a 5×5
/// convolution to RGB with a sigmoid. So `decoder.len() + 1 == encoder.len()`. A PatchGAN discriminator: one 4×4
/// stride-2 convolution per entry of `discriminator`, then a 3×3 convolution to one logit per patch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Config {
    /// Side in pixels of the square crops the model takes and returns.
    pub resolution: u32,
    pub encoder: Vec<usize>,
    pub bottleneck: usize,
    pub upscale: usize,
    pub decoder: Vec<usize>,
    pub discriminator: Vec<usize>,
}

impl Config {
    /// 64 px, sized for 2 CPU cores: about 0.12 GMAC per crop through the encoder and one decoder.
    pub fn res64() -> Config {
        Config {
            resolution: 64,
            encoder: vec![32, 64, 128, 256],
            bottleneck: 256,
            upscale: 128,
            decoder: vec![64, 32, 16],
            discriminator: vec![32, 64, 128],
        }
    }

    /// 128 px: the same layers on four times the pixels (an 8×8 bottleneck grid).
    pub fn res128() -> Config {
        Config { resolution: 128, ..Config::res64() }
    }

    /// A few thousand parameters at 32 px, for tests.
    pub fn tiny() -> Config {
        Config {
            resolution: 32,
            encoder: vec![8, 16, 32],
            bottleneck: 32,
            upscale: 16,
            decoder: vec![16, 8],
            discriminator: vec![8, 16],
        }
    }

    /// The preset for a resolution given on the command line.
    pub fn for_resolution(res: u32) -> Result<Config> {
        match res {
            64 => Ok(Config::res64()),
            128 => Ok(Config::res128()),
            other => Err(FaceswapError::InvalidConfig {
                field: "resolution",
                value: other.to_string(),
                reason: "must be 64 or 128",
            }),
        }
    }

    /// Side of the encoder's last feature map.
    pub fn bottleneck_side(&self) -> usize {
        self.resolution as usize >> self.encoder.len()
    }

    /// Rejects shapes that would make `load` or `forward` fail later with a less helpful message.
    pub fn validate(&self) -> Result<()> {
        let bad = |field, value: String, reason| Err(FaceswapError::InvalidConfig { field, value, reason });
        if self.encoder.is_empty() || self.decoder.len() + 1 != self.encoder.len() {
            return bad("decoder", format!("{:?}", self.decoder), "needs one layer fewer than the encoder");
        }
        let side = self.bottleneck_side();
        if side == 0 || side << self.encoder.len() != self.resolution as usize {
            return bad("resolution", self.resolution.to_string(), "must be a multiple of 2^(encoder layers)");
        }
        let all = self.encoder.iter().chain(&self.decoder).chain(&self.discriminator);
        if self.bottleneck == 0 || self.upscale == 0 || all.clone().any(|&c| c == 0) {
            return bad("channels", "0".into(), "must be positive");
        }
        if self.discriminator.is_empty() || (self.resolution as usize >> self.discriminator.len()) < 2 {
            return bad("discriminator", format!("{:?}", self.discriminator), "needs 1 to log2(resolution) - 1 layers");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_validate_and_round_trip() {
        for cfg in [Config::res64(), Config::res128(), Config::tiny()] {
            cfg.validate().unwrap();
            let back: Config = serde_json::from_str(&serde_json::to_string(&cfg).unwrap()).unwrap();
            assert_eq!(back, cfg);
        }
        assert_eq!(Config::res64().bottleneck_side(), 4);
        assert_eq!(Config::res128().bottleneck_side(), 8);
        assert!(Config::for_resolution(96).unwrap_err().to_string().contains("96"));
        let check = |cfg: Config, field: &str| match cfg.validate() {
            Err(FaceswapError::InvalidConfig { field: f, .. }) => assert_eq!(f, field),
            other => panic!("expected {field} to be refused, got {other:?}"),
        };
        check(Config { decoder: vec![8], ..Config::tiny() }, "decoder");
        check(Config { resolution: 36, ..Config::tiny() }, "resolution");
        check(Config { bottleneck: 0, ..Config::tiny() }, "channels");
        check(Config { discriminator: vec![], ..Config::tiny() }, "discriminator");
    }
}
