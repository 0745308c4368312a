//! Voice casting for a production: who speaks each character. A voice chosen in production.toml's `[voices]` wins;
//! every other speaker gets the automatic voice [`crate::voice::cast`] gives it from the file's seed.
//!
//! The automatic casting always runs over every speaker, so choosing one character's voice by hand never changes
//! another's (and never re-voices their lines). Pure: it must not synthesise, read files or touch the database.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use super::config::{ProductionConfig, character_key};
use crate::voice::{Engine, VoiceAssets, VoiceSpec, cast};

/// Where a character's voice came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VoiceSource {
    /// Chosen by [`crate::voice::cast`] from the seed.
    Automatic,
    /// Written in production.toml's `[voices]`.
    ProductionToml,
}

impl fmt::Display for VoiceSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            VoiceSource::Automatic => "automatic",
            VoiceSource::ProductionToml => "production.toml",
        })
    }
}

/// One speaking character's voice.
#[derive(Debug, Clone, PartialEq)]
pub struct CastVoice {
    pub spec: VoiceSpec,
    pub source: VoiceSource,
}

/// Every speaker's voice, plus what the person should know about the casting.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Casting {
    /// By character name as the script writes it.
    pub voices: BTreeMap<String, CastVoice>,
    /// `[voices]` entries for characters who do not speak, and characters who share one voice.
    pub warnings: Vec<String>,
}

impl Casting {
    pub fn spec(&self, character: &str) -> Option<&VoiceSpec> {
        self.voices.get(character).map(|v| &v.spec)
    }
}

/// The automatic casting's voice: the Piper voice `joe` when its files are installed, else espeak-ng's `en-us`.
pub fn automatic_voice(assets: &VoiceAssets) -> (Engine, &'static str) {
    match (&assets.piper_model, &assets.onnxruntime) {
        (Some(_), Some(_)) => (Engine::Piper, "joe"),
        _ => (Engine::Espeak, "en-us"),
    }
}

/// Casts `speakers` (the script's character names; duplicates are ignored): `config`'s `[voices]` first, then the
/// automatic casting in `engine`'s `voice` seeded by `config.seed`.
pub fn cast_voices<S: AsRef<str>>(speakers: &[S], config: &ProductionConfig, engine: Engine, voice: &str) -> Casting {
    let automatic = cast(speakers, config.seed, engine, voice);
    let voices: BTreeMap<String, CastVoice> = automatic
        .into_iter()
        .map(|(character, spec)| {
            let voice = match config.voice_for(&character) {
                Some(chosen) => CastVoice { spec: chosen.clone(), source: VoiceSource::ProductionToml },
                None => CastVoice { spec, source: VoiceSource::Automatic },
            };
            (character, voice)
        })
        .collect();

    let mut warnings = Vec::new();
    for name in config.voices.keys() {
        if !voices.keys().any(|c| character_key(c) == character_key(name)) {
            warnings.push(format!(
                "production.toml gives a voice to {name}, who has no lines in the script (the entry is not used)"
            ));
        }
    }
    let mut by_spec: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for (character, voice) in &voices {
        by_spec.entry(voice.spec.to_string()).or_default().push(character);
    }
    for (spec, characters) in by_spec.into_iter().filter(|(_, c)| c.len() > 1) {
        warnings.push(format!("{} share the voice `{spec}`; they will sound alike", characters.join(" and ")));
    }
    Casting { voices, warnings }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::production::config;

    fn config(text: &str) -> ProductionConfig {
        config::parse(text, std::path::Path::new("production.toml")).unwrap()
    }

    #[test]
    fn the_file_overrides_only_the_characters_it_names() {
        let speakers = ["ANN", "BEN", "CARL"];
        let auto = cast_voices(&speakers, &ProductionConfig::default(), Engine::Piper, "joe");
        assert!(auto.voices.values().all(|v| v.source == VoiceSource::Automatic) && auto.warnings.is_empty());
        assert_eq!(auto.voices.len(), 3);

        let chosen = cast_voices(&speakers, &config("[voices]\nann = \"espeak:en-us+f3\"\n"), Engine::Piper, "joe");
        assert_eq!(chosen.spec("ANN").unwrap().to_string(), "espeak:en-us+f3");
        assert_eq!(chosen.voices["ANN"].source, VoiceSource::ProductionToml);
        for other in ["BEN", "CARL"] {
            assert_eq!(chosen.voices[other], auto.voices[other], "{other} keeps its automatic voice");
        }
        assert!(chosen.warnings.is_empty(), "{:?}", chosen.warnings);
    }

    #[test]
    fn the_seed_comes_from_the_file() {
        let speakers = ["ANN", "BEN", "CARL", "DORA"];
        let differ = (0..8).any(|seed| {
            let file = config(&format!("seed = {seed}\n"));
            cast_voices(&speakers, &file, Engine::Espeak, "en-us")
                != cast_voices(&speakers, &ProductionConfig::default(), Engine::Espeak, "en-us")
        });
        assert!(differ);
        let same = cast_voices(&speakers, &config("seed = 48\n"), Engine::Espeak, "en-us");
        assert_eq!(same, cast_voices(&speakers, &ProductionConfig::default(), Engine::Espeak, "en-us"));
    }

    #[test]
    fn unknown_characters_and_shared_voices_are_warnings() {
        let file = config("[voices]\nZED = \"espeak:en\"\nANN = \"espeak:en+m3\"\nBEN = \"espeak:en+m3\"\n");
        let casting = cast_voices(&["ANN", "BEN"], &file, Engine::Espeak, "en-us");
        assert_eq!(
            casting.warnings,
            [
                "production.toml gives a voice to ZED, who has no lines in the script (the entry is not used)",
                "ANN and BEN share the voice `espeak:en+m3`; they will sound alike",
            ]
        );
        assert!(!casting.voices.contains_key("ZED"));
    }

    #[test]
    fn automatic_voice_follows_the_installed_files() {
        assert_eq!(automatic_voice(&VoiceAssets::default()), (Engine::Espeak, "en-us"));
        let assets = VoiceAssets { piper_model: Some("a.onnx".into()), onnxruntime: Some("libonnxruntime.so".into()) };
        assert_eq!(automatic_voice(&assets), (Engine::Piper, "joe"));
    }
}
