//! Voice specs: the text form a cast list stores (`piper:joe pitch=+2st rate=0.95`, `espeak:en-us+f3 pitch=60
//! rate=170`) and its parsed, validated [`VoiceSpec`].
//!
//! Parsing never panics and every error names the bad token. This file must not run any synthesis.

use std::fmt;
use std::str::FromStr;

use super::VoiceError;

/// Which synthesiser speaks a voice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Engine {
    /// The espeak-ng program (formant synthesis, many languages).
    Espeak,
    /// The Piper neural voice (VITS via ONNX Runtime, English).
    Piper,
}

impl Engine {
    /// The spec prefix: `espeak` or `piper`.
    pub fn name(self) -> &'static str {
        match self {
            Engine::Espeak => "espeak",
            Engine::Piper => "piper",
        }
    }
}

/// A pitch setting.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Pitch {
    /// Shift by semitones (`pitch=+2st`); exact for Piper, approximated through `-p` for espeak-ng.
    Semitones(f32),
    /// espeak-ng's own base pitch, 0 to 99 (`pitch=60`); Piper treats 50 as unshifted.
    Espeak(u8),
}

/// A speaking-rate setting.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Rate {
    /// A multiplier on the voice's natural rate, 0.5 to 2.0 (`rate=0.95`).
    Factor(f32),
    /// espeak-ng words per minute, 80 to 450 (`rate=170`); 175 is natural.
    WordsPerMinute(u16),
}

/// espeak-ng's default rate in words per minute.
pub const ESPEAK_DEFAULT_WPM: f32 = 175.0;

/// A parsed voice: engine, the engine's voice name, and optional pitch and rate.
#[derive(Debug, Clone, PartialEq)]
pub struct VoiceSpec {
    pub engine: Engine,
    /// `joe` for Piper; an espeak-ng voice with optional variant (`en-us+f3`) for espeak-ng.
    pub voice: String,
    pub pitch: Option<Pitch>,
    pub rate: Option<Rate>,
}

impl VoiceSpec {
    /// A spec with no pitch or rate change.
    pub fn new(engine: Engine, voice: impl Into<String>) -> Self {
        VoiceSpec { engine, voice: voice.into(), pitch: None, rate: None }
    }

    /// The pitch shift in semitones relative to the voice's natural pitch (espeak's 50 counts as 0).
    pub fn semitones(&self) -> f32 {
        match self.pitch {
            None => 0.0,
            Some(Pitch::Semitones(st)) => st,
            // espeak-ng's base pitch scale is roughly 0.16 semitones per step around the default of 50.
            Some(Pitch::Espeak(p)) => (f32::from(p) - 50.0) / 6.0,
        }
    }

    /// The rate as a multiplier of the natural rate.
    pub fn rate_factor(&self) -> f32 {
        match self.rate {
            None => 1.0,
            Some(Rate::Factor(f)) => f,
            Some(Rate::WordsPerMinute(w)) => f32::from(w) / ESPEAK_DEFAULT_WPM,
        }
    }
}

impl FromStr for VoiceSpec {
    type Err = VoiceError;

    fn from_str(spec: &str) -> Result<Self, VoiceError> {
        let bad = |reason: String| VoiceError::BadSpec { spec: spec.to_owned(), reason };
        let mut words = spec.split_whitespace();
        let head = words.next().ok_or_else(|| bad("it is empty".into()))?;
        let (engine, voice) =
            head.split_once(':').ok_or_else(|| bad(format!("`{head}` should be `espeak:VOICE` or `piper:VOICE`")))?;
        let engine = match engine {
            "espeak" | "espeak-ng" => Engine::Espeak,
            "piper" => Engine::Piper,
            other => return Err(bad(format!("unknown engine `{other}` (expected `espeak` or `piper`)"))),
        };
        let starts_well = voice.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
        if !starts_well || !voice.chars().all(|c| c.is_ascii_alphanumeric() || "-_+.".contains(c)) {
            return Err(bad(format!(
                "voice name `{voice}` must start with a letter or digit and hold only those, `-`, `_`, `+` or `.`"
            )));
        }
        let mut parsed = VoiceSpec::new(engine, voice);
        for word in words {
            let (key, value) = word.split_once('=').ok_or_else(|| bad(format!("`{word}` should be `key=value`")))?;
            match key {
                "pitch" => parsed.pitch = Some(parse_pitch(value).map_err(bad)?),
                "rate" => parsed.rate = Some(parse_rate(value).map_err(bad)?),
                other => return Err(bad(format!("unknown setting `{other}` (expected `pitch` or `rate`)"))),
            }
        }
        Ok(parsed)
    }
}

fn parse_pitch(value: &str) -> Result<Pitch, String> {
    if let Some(number) = value.strip_suffix("st") {
        let st: f32 = number.parse().map_err(|_| format!("pitch `{value}` is not a number of semitones"))?;
        if !(-12.0..=12.0).contains(&st) {
            return Err(format!("pitch `{value}` is outside -12st..+12st"));
        }
        return Ok(Pitch::Semitones(st));
    }
    match value.parse::<u8>() {
        Ok(p) if p <= 99 => Ok(Pitch::Espeak(p)),
        _ => Err(format!("pitch `{value}` should be semitones like `+2st` or an espeak pitch 0-99")),
    }
}

fn parse_rate(value: &str) -> Result<Rate, String> {
    if let Ok(wpm) = value.parse::<u16>()
        && wpm >= 80
    {
        return if wpm <= 450 {
            Ok(Rate::WordsPerMinute(wpm))
        } else {
            Err(format!("rate `{value}` is above 450 wpm"))
        };
    }
    match value.parse::<f32>() {
        Ok(f) if (0.5..=2.0).contains(&f) => Ok(Rate::Factor(f)),
        _ => Err(format!("rate `{value}` should be a factor 0.5-2.0 or espeak words per minute 80-450")),
    }
}

impl fmt::Display for VoiceSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.engine.name(), self.voice)?;
        match self.pitch {
            Some(Pitch::Semitones(st)) => write!(f, " pitch={st:+}st")?,
            Some(Pitch::Espeak(p)) => write!(f, " pitch={p}")?,
            None => {}
        }
        match self.rate {
            Some(Rate::Factor(r)) => write!(f, " rate={r}"),
            Some(Rate::WordsPerMinute(w)) => write!(f, " rate={w}"),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses `input` and compares its canonical form (or the error text) with `expected`.
    fn check(input: &str, expected: &str) {
        let got = match input.parse::<VoiceSpec>() {
            Ok(spec) => spec.to_string(),
            Err(e) => format!("error: {e}"),
        };
        assert_eq!(got, expected, "input: {input:?}");
    }

    #[test]
    fn parses_specs() {
        check("piper:joe", "piper:joe");
        check("piper:joe pitch=+2st rate=0.95", "piper:joe pitch=+2st rate=0.95");
        check("piper:joe  pitch=-3.5st", "piper:joe pitch=-3.5st");
        check("espeak:en-us+f3 pitch=60 rate=170", "espeak:en-us+f3 pitch=60 rate=170");
        check("espeak-ng:en+m3", "espeak:en+m3");
        check("espeak:ru rate=1.2", "espeak:ru rate=1.2");
    }

    #[test]
    fn rejects_bad_specs_naming_the_value() {
        check("", "error: bad voice spec ``: it is empty");
        check("joe", "error: bad voice spec `joe`: `joe` should be `espeak:VOICE` or `piper:VOICE`");
        check(
            "festival:kal",
            "error: bad voice spec `festival:kal`: unknown engine `festival` (expected `espeak` or `piper`)",
        );
        check(
            "piper:joe pitch=high",
            "error: bad voice spec `piper:joe pitch=high`: pitch `high` should be semitones like `+2st` or an espeak pitch 0-99",
        );
        check(
            "piper:joe pitch=+20st",
            "error: bad voice spec `piper:joe pitch=+20st`: pitch `+20st` is outside -12st..+12st",
        );
        check(
            "espeak:en pitch=150",
            "error: bad voice spec `espeak:en pitch=150`: pitch `150` should be semitones like `+2st` or an espeak pitch 0-99",
        );
        check("espeak:en rate=9000", "error: bad voice spec `espeak:en rate=9000`: rate `9000` is above 450 wpm");
        check(
            "espeak:en rate=0.1",
            "error: bad voice spec `espeak:en rate=0.1`: rate `0.1` should be a factor 0.5-2.0 or espeak words per minute 80-450",
        );
        check(
            "espeak:en volume=3",
            "error: bad voice spec `espeak:en volume=3`: unknown setting `volume` (expected `pitch` or `rate`)",
        );
        check("espeak:en pitch", "error: bad voice spec `espeak:en pitch`: `pitch` should be `key=value`");
        check(
            "espeak:$(rm)",
            "error: bad voice spec `espeak:$(rm)`: voice name `$(rm)` must start with a letter or digit and hold only those, `-`, `_`, `+` or `.`",
        );
        check(
            "espeak:--help",
            "error: bad voice spec `espeak:--help`: voice name `--help` must start with a letter or digit and hold only those, `-`, `_`, `+` or `.`",
        );
    }

    #[test]
    fn converts_to_semitones_and_factors() {
        let spec: VoiceSpec = "espeak:en pitch=62 rate=350".parse().expect("valid spec");
        assert_eq!(spec.semitones(), 2.0);
        assert_eq!(spec.rate_factor(), 2.0);
    }
}
