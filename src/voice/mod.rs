//! Voice: speaking each dialogue line of a screenplay, like the 2018 film *Zone Out*.
//!
//! A [`Line`] (text, Fountain parenthetical, cast [`VoiceSpec`]) goes through cleaning and pause/sentence
//! segmentation ([`text`]), delivery ([`prosody`]), a [`Backend`] (the espeak-ng program or the Piper neural voice),
//! resampling to 48 kHz, loudness normalisation with a true-peak limit and fades ([`loudness`]), and an atomic WAV
//! write ([`wav`]). This module is a pure library: it must not touch the database, parse CLI flags or schedule jobs;
//! it never panics on input text and never runs a shell.

mod cast;
mod error;
mod espeak;
mod loudness;
mod phonemes;
mod piper;
mod pitch;
mod prosody;
mod resample;
mod spec;
mod text;
mod wav;

use std::path::{Path, PathBuf};

pub use cast::cast;
pub use error::VoiceError;
pub use espeak::Espeak;
pub use loudness::{Measurement, measure};
pub use piper::Piper;
pub use pitch::{shift_pitch, time_stretch};
pub use prosody::Prosody;
pub use resample::resample;
pub use spec::{Engine, Pitch, Rate, VoiceSpec};

/// Mono audio in memory.
#[derive(Debug, Clone, PartialEq)]
pub struct Audio {
    pub samples: Vec<f32>,
    pub sample_rate: u32,
}

impl Audio {
    /// `ms` milliseconds of silence.
    pub fn silence(ms: u32, sample_rate: u32) -> Audio {
        Audio { samples: vec![0.0; (u64::from(sample_rate) * u64::from(ms) / 1000) as usize], sample_rate }
    }

    /// Length in milliseconds.
    pub fn duration_ms(&self) -> u64 {
        (self.samples.len() as u64 * 1000).checked_div(u64::from(self.sample_rate)).unwrap_or(0)
    }
}

/// A speech synthesiser. Implementations return audio at their own sample rate; callers resample.
pub trait Backend {
    /// Speaks `text` (already cleaned, one sentence or clause group) in `voice` with `prosody`.
    fn synthesize(&self, text: &str, voice: &VoiceSpec, prosody: &Prosody) -> Result<Audio, VoiceError>;
}

/// Where the neural voice's files are. `None` (or a path that does not exist) means "use espeak-ng".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct VoiceAssets {
    /// The Piper `.onnx` model; its config is `<model>.json`.
    pub piper_model: Option<PathBuf>,
    /// The ONNX Runtime shared library (`libonnxruntime.so.*`).
    pub onnxruntime: Option<PathBuf>,
}

/// The Piper voice `make` installs.
pub const DEFAULT_PIPER_VOICE: &str = "en_US-joe-medium.onnx";

impl VoiceAssets {
    /// The assets under reel's cache: `$REEL_CACHE`, else `~/.cache/reel`.
    pub fn discover() -> VoiceAssets {
        crate::cache::dir().map(|dir| VoiceAssets::in_cache(&dir)).unwrap_or_default()
    }

    /// The assets under `cache`: `piper/en_US-joe-medium.onnx` and `onnxruntime/libonnxruntime.so*` (the newest
    /// by name).
    pub fn in_cache(cache: &Path) -> VoiceAssets {
        let model = cache.join("piper").join(DEFAULT_PIPER_VOICE);
        let runtime = std::fs::read_dir(cache.join("onnxruntime")).ok().and_then(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("libonnxruntime.so")))
                .max()
        });
        VoiceAssets { piper_model: model.is_file().then_some(model), onnxruntime: runtime }
    }
}

/// How lines are mastered and how much CPU the neural voice may use.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Output sample rate (48,000 Hz for film).
    pub sample_rate: u32,
    /// Integrated loudness target for a neutrally delivered line, LUFS.
    pub target_lufs: f64,
    /// True-peak ceiling, dBTP.
    pub ceiling_dbtp: f64,
    /// Fade in and out, milliseconds.
    pub fade_ms: u32,
    /// Threads ONNX Runtime may use for one line.
    pub threads: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { sample_rate: 48_000, target_lufs: -20.0, ceiling_dbtp: -1.0, fade_ms: 10, threads: 2 }
    }
}

/// Silence written for a line with nothing speakable.
pub const EMPTY_LINE_MS: u32 = 300;

/// One line of dialogue to voice.
#[derive(Debug, Clone, Copy)]
pub struct Line<'a> {
    pub text: &'a str,
    /// The Fountain parenthetical, with or without brackets: `(whispering)`.
    pub parenthetical: Option<&'a str>,
    pub voice: &'a VoiceSpec,
    /// The line's language (`ru`, `el`, `zh`...), when the caller knows it; otherwise the script is detected.
    pub lang: Option<&'a str>,
}

impl<'a> Line<'a> {
    /// An English line with no parenthetical.
    pub fn new(text: &'a str, voice: &'a VoiceSpec) -> Self {
        Line { text, parenthetical: None, voice, lang: None }
    }
}

/// What was written for one line.
#[derive(Debug, Clone, PartialEq)]
pub struct LineAudio {
    pub duration_ms: u64,
    pub sample_rate: u32,
    /// Integrated loudness (`-inf` for a silent line).
    pub loudness_lufs: f64,
    pub true_peak_dbtp: f64,
    /// Things the user should know: cleaned characters, language fallback, empty line.
    pub notes: Vec<String>,
}

/// The voice stage: espeak-ng always, plus the neural voice when its files load.
pub struct Voices {
    espeak: Espeak,
    piper: Option<Piper>,
    notes: Vec<String>,
    settings: Settings,
}

impl Voices {
    /// Checks espeak-ng (fatal if missing) and loads the neural voice if `assets` has it. A missing or broken neural
    /// voice is not an error: it leaves exactly one note in [`Voices::notes`] and espeak-ng speaks instead.
    pub fn new(assets: &VoiceAssets, settings: Settings) -> Result<Voices, VoiceError> {
        Voices::with_espeak(Espeak::default(), assets, settings)
    }

    /// [`Voices::new`] with a specific espeak-ng program.
    pub fn with_espeak(espeak: Espeak, assets: &VoiceAssets, settings: Settings) -> Result<Voices, VoiceError> {
        espeak.check()?;
        let mut notes = Vec::new();
        let piper = match (&assets.piper_model, &assets.onnxruntime) {
            (Some(model), Some(runtime)) => match Piper::load(model, runtime, espeak.clone(), settings.threads) {
                Ok(piper) => Some(piper),
                Err(e) => {
                    notes.push(format!("the neural voice could not be loaded ({e}); espeak-ng speaks every line"));
                    None
                }
            },
            (None, _) => {
                notes.push(
                    "the neural voice model was not found (run `make` to fetch it); espeak-ng speaks every line".into(),
                );
                None
            }
            (Some(_), None) => {
                notes.push(
                    "the ONNX Runtime library was not found (run `make` to fetch it); espeak-ng speaks every line"
                        .into(),
                );
                None
            }
        };
        Ok(Voices { espeak, piper, notes, settings })
    }

    /// Notes from setup (at most one: the neural voice fallback). Print them once.
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// Whether the neural voice is loaded.
    pub fn has_neural_voice(&self) -> bool {
        self.piper.is_some()
    }

    /// The mastering settings in use.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The backend and effective spec for `spec`, speaking language `lang` (`None` for English).
    fn choose(&self, spec: &VoiceSpec, lang: Option<&str>, notes: &mut Vec<String>) -> (&dyn Backend, VoiceSpec) {
        if let Some(lang) = lang {
            let variant = spec.voice.split_once('+').map(|(_, v)| v).filter(|_| spec.engine == Engine::Espeak);
            let voice = match variant {
                Some(v) => format!("{lang}+{v}"),
                None => lang.to_owned(),
            };
            notes.push(format!("line is in `{lang}`, which `{spec}` cannot speak; espeak-ng voice `{voice}` reads it"));
            return (&self.espeak, VoiceSpec { engine: Engine::Espeak, voice, ..spec.clone() });
        }
        match (spec.engine, &self.piper) {
            (Engine::Piper, Some(piper)) => (piper, spec.clone()),
            // The setup note already said the neural voice is missing; do not repeat it on every line.
            (Engine::Piper, None) => {
                (&self.espeak, VoiceSpec { engine: Engine::Espeak, voice: "en-us".into(), ..spec.clone() })
            }
            (Engine::Espeak, _) => (&self.espeak, spec.clone()),
        }
    }

    /// Performs `line` and masters it: 48 kHz mono, normalised, limited and faded, ready to write.
    pub fn perform(&self, line: &Line) -> Result<(Audio, LineAudio), VoiceError> {
        let rate = self.settings.sample_rate;
        let prosody = Prosody::from_parenthetical(line.parenthetical);
        let (cleaned, dropped) = text::clean(line.text);
        let mut notes = Vec::new();
        if dropped > 0 {
            notes.push(format!("removed {dropped} character(s) no voice can speak"));
        }
        let lang = language(line.lang, &cleaned);
        let (backend, spec) = self.choose(line.voice, lang, &mut notes);

        let mut samples = Audio::silence(prosody.lead_pause_ms, rate).samples;
        let segments = text::segments(&cleaned);
        if segments.is_empty() {
            notes.push(format!("line has nothing to speak; wrote {EMPTY_LINE_MS} ms of silence"));
            samples.extend(Audio::silence(EMPTY_LINE_MS, rate).samples);
        }
        for segment in segments {
            match segment {
                text::Segment::Pause(ms) => samples.extend(Audio::silence(ms, rate).samples),
                text::Segment::Speech(piece) => {
                    let audio = backend.synthesize(&piece, &spec, &prosody)?;
                    samples.extend(resample::resample(&audio.samples, audio.sample_rate, rate)?);
                }
            }
        }
        let target = self.settings.target_lufs + f64::from(prosody.gain_db);
        let measured = loudness::normalise(&mut samples, rate, target, self.settings.ceiling_dbtp)?;
        loudness::fade(&mut samples, rate, self.settings.fade_ms);
        let audio = Audio { samples, sample_rate: rate };
        let info = LineAudio {
            duration_ms: audio.duration_ms(),
            sample_rate: rate,
            loudness_lufs: measured.lufs,
            true_peak_dbtp: measured.true_peak_dbtp,
            notes,
        };
        Ok((audio, info))
    }

    /// Performs `line` and writes it to `out` atomically as a 48 kHz mono WAV.
    pub fn render(&self, line: &Line, out: &Path) -> Result<LineAudio, VoiceError> {
        let (audio, info) = self.perform(line)?;
        wav::write_atomic(out, &audio)?;
        Ok(info)
    }
}

/// The non-English language a line must be read in, if any: the caller's `lang` (validated) or the detected script.
fn language<'a>(lang: Option<&'a str>, text: &str) -> Option<&'a str> {
    let given = lang.map(|l| match l {
        "zh" | "zh-CN" | "zh-cn" => "cmn",
        other => other,
    });
    match given {
        Some(l) if l.starts_with("en") => None,
        Some(l)
            if l.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') =>
        {
            Some(l)
        }
        _ => text::detect_language(text),
    }
}

#[cfg(test)]
mod tests;
