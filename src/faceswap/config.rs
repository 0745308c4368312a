//! Model shapes and their presets: `res64` (the default), `res128`, and `tiny` for tests. Plain data: it must not
//! build tensors.

use serde::{Deserialize, Serialize};

use super::error::{FaceswapError, Result};

/// How the identities share the model (DeepFaceLab's two archetypes).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Arch {
    /// One shared encoder and bottleneck, one decoder per identity: the swap draws the footage's code with the
    /// star's decoder, which has only ever drawn the star's poses.
    #[default]
    Df,
    /// One shared encoder and one shared decoder, with two bottlenecks ("inter" layers): `inter_ab` sees both
    /// identities and `inter_b` only the footage's. A face is drawn from the concatenation of two codes: (inter_b,
    /// inter_ab) for the footage's identity, (inter_ab, inter_ab) for the star's, so a swap draws the footage's face
    /// with the star's code twice, through a decoder that has drawn both identities' poses.
    Liae,
}

impl Arch {
    /// The architecture of every new model, from `reel faces train` or a production. It is not [`Arch::default`]:
    /// that stays DF because a `config.json` without an `arch` was written by a DF model.
    pub const FOR_NEW_MODELS: Arch = Arch::Liae;

    pub fn is_df(&self) -> bool {
        *self == Arch::Df
    }

    pub fn name(self) -> &'static str {
        match self {
            Arch::Df => "df",
            Arch::Liae => "liae",
        }
    }

    /// Parses a command-line value.
    pub fn parse(value: &str) -> Result<Arch> {
        match value {
            "df" => Ok(Arch::Df),
            "liae" => Ok(Arch::Liae),
            other => Err(FaceswapError::InvalidConfig {
                field: "arch",
                value: other.to_string(),
                reason: "must be df or liae",
            }),
        }
    }
}

/// The shared encoder, the two decoders and the discriminators, in channels per layer.
///
/// Encoder: one stride-2 convolution per entry of `encoder` (each halves the side; 5×5 for the first, 3×3 after, where
/// the picture is already small). Bottleneck ("inter"): a dense layer to `bottleneck` units, a dense layer back to
/// `side × side × encoder.last()` and one ×2 upscale to `upscale` channels. Each decoder: one ×2 upscale (3×3
/// convolution + pixel shuffle) per entry of `decoder`, then a 5×5 convolution to RGB with a sigmoid. So
/// `decoder.len() + 1 == encoder.len()`. [`Arch`] says how many of each there are. A PatchGAN discriminator: one 4×4
/// stride-2 convolution per entry of `discriminator`, then a 3×3 convolution to one logit per patch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Config {
    /// Models saved before the LIAE option are DF.
    #[serde(default)]
    pub arch: Arch,
    /// Side in pixels of the square crops the model takes and returns.
    pub resolution: u32,
    pub encoder: Vec<usize>,
    pub bottleneck: usize,
    pub upscale: usize,
    pub decoder: Vec<usize>,
    pub discriminator: Vec<usize>,
    /// The face sets were cut upright (`faces::roll`), so a swap must cut its crops upright too. The trainer sets
    /// it from the sets' manifests; models saved before it are not upright.
    #[serde(default)]
    pub upright: bool,
}

impl Config {
    /// 64 px, sized for 2 CPU cores: about 60 M multiply-adds per crop through the encoder and one decoder.
    pub fn res64() -> Config {
        Config {
            arch: Arch::Df,
            resolution: 64,
            encoder: vec![32, 64, 128, 256],
            bottleneck: 256,
            upscale: 64,
            decoder: vec![48, 24, 12],
            discriminator: vec![32, 64, 128],
            upright: false,
        }
    }

    /// 128 px: the same layers on four times the pixels (an 8×8 bottleneck grid).
    pub fn res128() -> Config {
        Config { resolution: 128, ..Config::res64() }
    }

    /// A few thousand parameters at 32 px, for tests.
    pub fn tiny() -> Config {
        Config {
            arch: Arch::Df,
            resolution: 32,
            encoder: vec![8, 16, 32],
            bottleneck: 32,
            upscale: 16,
            decoder: vec![16, 8],
            discriminator: vec![8, 16],
            upright: false,
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
        assert_eq!(Arch::parse("liae").unwrap(), Arch::Liae);
        assert!(Arch::parse("saehd").unwrap_err().to_string().contains("saehd"));
        // A config.json written before `arch` existed is a DF model.
        let mut old = serde_json::to_value(Config::res64()).unwrap();
        old.as_object_mut().unwrap().remove("arch");
        assert_eq!(serde_json::from_value::<Config>(old).unwrap().arch, Arch::Df);
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
