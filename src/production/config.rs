//! `productions/NAME/production.toml`: the settings a person writes for one production, read and validated.
//!
//! ```toml
//! seed = 48                               # casting seed (automatic voices)
//!
//! [voices]                                # character -> voice spec; overrides the automatic casting
//! H = "piper:joe pitch=+2st rate=0.95"
//! C = "espeak:en-us+f3"
//!
//! [cast]                                  # character -> star (a face set from `reel cast add`)
//! H = "ada"
//!
//! [format]                                # the film's frame (default 1280x720 at 24 fps)
//! width = 1280
//! height = 720
//! fps = 24                                # or an NTSC rate: 23.976, 29.97, 59.94
//! ```
//!
//! A missing file means the defaults. Every value is checked here, and a bad one is an error that names the file, the
//! line, the key and the value; unknown keys are refused the same way, so a typo never passes silently. This file
//! also owns the one edit reel makes to it ([`set_voice`]), which keeps the person's comments and layout. It must not
//! cast voices or read the script: whether a character exists is the caller's question.

use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::name::Slug;
use crate::voice::{VoiceError, VoiceSpec};

/// The file's name inside a production's folder.
pub const FILE_NAME: &str = "production.toml";

/// The casting seed when the file does not set one.
pub const DEFAULT_SEED: u64 = 48;

/// A production's validated settings.
#[derive(Debug, Clone, PartialEq)]
pub struct ProductionConfig {
    /// Seeds the automatic casting: the same script and seed always get the same voices.
    pub seed: u64,
    /// Voices chosen by hand, by character name as written in the file (look them up with [`Self::voice_for`]).
    pub voices: BTreeMap<String, VoiceSpec>,
    /// Which star (face set) plays each character, by character name as written in the file.
    pub cast: BTreeMap<String, Slug>,
    pub format: FormatConfig,
}

impl Default for ProductionConfig {
    fn default() -> Self {
        ProductionConfig {
            seed: DEFAULT_SEED,
            voices: BTreeMap::new(),
            cast: BTreeMap::new(),
            format: FormatConfig::default(),
        }
    }
}

impl ProductionConfig {
    /// The voice chosen for `character` (names compare without regard to case or surrounding spaces).
    pub fn voice_for(&self, character: &str) -> Option<&VoiceSpec> {
        lookup(&self.voices, character)
    }

    /// The star cast as `character` (names compare as in [`Self::voice_for`]).
    pub fn star_for(&self, character: &str) -> Option<&Slug> {
        lookup(&self.cast, character)
    }
}

fn lookup<'a, T>(map: &'a BTreeMap<String, T>, character: &str) -> Option<&'a T> {
    let wanted = character_key(character);
    map.iter().find(|(name, _)| character_key(name) == wanted).map(|(_, v)| v)
}

/// How character names compare: Fountain writes them in capitals, a person may not.
pub fn character_key(name: &str) -> String {
    name.trim().to_uppercase()
}

/// The film's frame size and rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, Deserialize)]
pub struct FormatConfig {
    /// Pixels, even (H.264 with 4:2:0 chroma needs even sides).
    pub width: u32,
    pub height: u32,
    /// Frames per second as a fraction: 24/1, or 24000/1001 for 23.976.
    pub fps_num: u32,
    pub fps_den: u32,
}

impl Default for FormatConfig {
    fn default() -> Self {
        FormatConfig { width: 1280, height: 720, fps_num: 24, fps_den: 1 }
    }
}

impl FormatConfig {
    pub fn fps(&self) -> f64 {
        f64::from(self.fps_num) / f64::from(self.fps_den)
    }
}

/// Why production.toml could not be read, used or written. Every variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Unreadable { path: PathBuf, source: io::Error },
    /// Not TOML, or a key this file does not have, or a value of the wrong type.
    #[error("{}: {message}", Location(path, *line))]
    Syntax { path: PathBuf, line: Option<usize>, message: String },
    /// Well-formed TOML with a value reel cannot use.
    #[error("{}: {key} = {value}: {reason}", Location(path, *line))]
    BadValue { path: PathBuf, line: Option<usize>, key: String, value: String, reason: String },
    #[error("cannot write {path}: {source}")]
    Unwritable { path: PathBuf, source: io::Error },
}

/// `file:line`, or just `file` when the line is unknown.
struct Location<'a>(&'a Path, Option<usize>);

impl fmt::Display for Location<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.1 {
            Some(line) => write!(f, "{}:{line}", self.0.display()),
            None => write!(f, "{}", self.0.display()),
        }
    }
}

/// The file as serde reads it, before validation. Spans give each value's line for errors.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    seed: Option<Spanned<i64>>,
    #[serde(default)]
    voices: BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    cast: BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    format: RawFormat,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFormat {
    width: Option<Spanned<i64>>,
    height: Option<Spanned<i64>>,
    fps: Option<Spanned<toml::Value>>,
}

/// `production.toml` in the production folder `dir`; the defaults when the file does not exist.
pub fn load_dir(dir: &Path) -> Result<ProductionConfig, ConfigError> {
    load(&dir.join(FILE_NAME))
}

/// Reads and validates the file at `path`; the defaults when it does not exist.
pub fn load(path: &Path) -> Result<ProductionConfig, ConfigError> {
    match std::fs::read_to_string(path) {
        Ok(text) => parse(&text, path),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(ProductionConfig::default()),
        Err(source) => Err(ConfigError::Unreadable { path: path.to_path_buf(), source }),
    }
}

/// Validates `text`, the contents of the file at `path` (which errors name).
pub fn parse(text: &str, path: &Path) -> Result<ProductionConfig, ConfigError> {
    let raw: RawConfig = toml::from_str(text).map_err(|e| syntax(path, text, e.span(), e.message()))?;
    let bad = |key: String, span: Range<usize>, value: String, reason: String| ConfigError::BadValue {
        path: path.to_path_buf(),
        line: Some(line_of(text, span.start)),
        key,
        value,
        reason,
    };

    let seed = match raw.seed {
        None => DEFAULT_SEED,
        Some(seed) => u64::try_from(*seed.get_ref()).map_err(|_| {
            bad("seed".into(), seed.span(), seed.get_ref().to_string(), "the seed must be 0 or more".into())
        })?,
    };

    let characters = |section: &str, map: &BTreeMap<String, Spanned<String>>| -> Result<(), ConfigError> {
        let mut seen: BTreeMap<String, &str> = BTreeMap::new();
        for (name, value) in map {
            let key = format!("{section}.{}", quoted_key(name));
            if name.trim().is_empty() {
                return Err(bad(key, value.span(), quoted(value.get_ref()), "the character name is empty".into()));
            }
            if let Some(other) = seen.insert(character_key(name), name) {
                let reason = format!("`{other}` is the same character; give it once");
                return Err(bad(key, value.span(), quoted(value.get_ref()), reason));
            }
        }
        Ok(())
    };

    characters("voices", &raw.voices)?;
    let mut voices = BTreeMap::new();
    for (name, value) in &raw.voices {
        let spec = value.get_ref().parse::<VoiceSpec>().map_err(|e| {
            let reason = match e {
                VoiceError::BadSpec { reason, .. } => reason,
                other => other.to_string(),
            };
            bad(format!("voices.{}", quoted_key(name)), value.span(), quoted(value.get_ref()), reason)
        })?;
        voices.insert(name.trim().to_string(), spec);
    }

    characters("cast", &raw.cast)?;
    let mut cast = BTreeMap::new();
    for (name, value) in &raw.cast {
        let star = Slug::parse_for("star", value.get_ref()).map_err(|e| {
            bad(format!("cast.{}", quoted_key(name)), value.span(), quoted(value.get_ref()), e.to_string())
        })?;
        cast.insert(name.trim().to_string(), star);
    }

    let defaults = FormatConfig::default();
    let side = |key: &str, value: &Option<Spanned<i64>>, default: u32| -> Result<u32, ConfigError> {
        let Some(value) = value else { return Ok(default) };
        let n = *value.get_ref();
        match u32::try_from(n) {
            Ok(px) if (16..=8192).contains(&px) && px % 2 == 0 => Ok(px),
            _ => Err(bad(
                format!("format.{key}"),
                value.span(),
                n.to_string(),
                "a frame side must be an even number of pixels from 16 to 8192".into(),
            )),
        }
    };
    let width = side("width", &raw.format.width, defaults.width)?;
    let height = side("height", &raw.format.height, defaults.height)?;
    let (fps_num, fps_den) = match &raw.format.fps {
        None => (defaults.fps_num, defaults.fps_den),
        Some(value) => frame_rate(value.get_ref()).ok_or_else(|| {
            bad(
                "format.fps".into(),
                value.span(),
                value.get_ref().to_string(),
                "the frame rate must be a whole number from 1 to 240, or an NTSC rate (23.976, 29.97, 59.94)".into(),
            )
        })?,
    };

    Ok(ProductionConfig { seed, voices, cast, format: FormatConfig { width, height, fps_num, fps_den } })
}

/// A frame rate as a fraction: whole numbers are n/1, NTSC rates (n × 1000/1001, given to 2 or 3 decimals) are
/// n·1000/1001.
fn frame_rate(value: &toml::Value) -> Option<(u32, u32)> {
    let fps = match value {
        toml::Value::Integer(n) => *n as f64,
        toml::Value::Float(f) => *f,
        _ => return None,
    };
    if !(1.0..=240.0).contains(&fps) {
        return None;
    }
    if (fps - fps.round()).abs() < 1e-9 {
        return Some((fps.round() as u32, 1));
    }
    let ntsc = (fps * 1.001).round();
    ((ntsc * 1000.0 / 1001.0 - fps).abs() < 0.006).then_some((ntsc as u32 * 1000, 1001))
}

/// A syntax error at `span` of `text`, quoting the line it is on (which names the key and value).
fn syntax(path: &Path, text: &str, span: Option<Range<usize>>, message: &str) -> ConfigError {
    let line = span.map(|span| line_of(text, span.start));
    let quoted = line.and_then(|n| text.lines().nth(n - 1)).map(str::trim).filter(|l| !l.is_empty());
    let message = match quoted {
        Some(source) => format!("{} (in `{source}`)", message.trim_end()),
        None => message.trim_end().to_string(),
    };
    ConfigError::Syntax { path: path.to_path_buf(), line, message }
}

/// 1-based line of byte `offset` in `text`.
fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())].iter().filter(|&&b| b == b'\n').count() + 1
}

fn quoted(value: &str) -> String {
    format!("{value:?}")
}

/// A key as TOML would need it written: bare when it can be, else quoted.
fn quoted_key(name: &str) -> String {
    if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        name.to_string()
    } else {
        quoted(name)
    }
}

/// Sets `character`'s voice in the file at `path` to `spec`, creating the file or its `[voices]` table as needed.
/// An entry for the same character (in any case) is replaced in place; comments, order and every other section are
/// kept as written. The file must be valid before the edit, and the result is written atomically.
pub fn set_voice(path: &Path, character: &str, spec: &VoiceSpec) -> Result<ProductionConfig, ConfigError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == io::ErrorKind::NotFound => String::new(),
        Err(source) => return Err(ConfigError::Unreadable { path: path.to_path_buf(), source }),
    };
    parse(&text, path)?;
    let mut doc: toml_edit::DocumentMut =
        text.parse().map_err(|e: toml_edit::TomlError| syntax(path, &text, e.span(), e.message()))?;
    let voices = doc
        .entry("voices")
        .or_insert_with(toml_edit::table)
        .as_table_like_mut()
        .expect("validated above: `voices` is a table");
    let wanted = character_key(character);
    let existing = voices.iter().map(|(k, _)| k.to_string()).find(|k| character_key(k) == wanted);
    let key = existing.unwrap_or_else(|| character.trim().to_string());
    match voices.get_mut(&key).and_then(toml_edit::Item::as_value_mut) {
        // Keep the comment and spacing around the old value.
        Some(value) => {
            let decor = value.decor().clone();
            *value = toml_edit::Value::from(spec.to_string());
            *value.decor_mut() = decor;
        }
        None => {
            voices.insert(&key, toml_edit::value(spec.to_string()));
        }
    }
    let text = doc.to_string();
    let config = parse(&text, path)?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|source| ConfigError::Unwritable { path: path.to_path_buf(), source })?;
    }
    crate::atomic::write(path, text.as_bytes())
        .map_err(|source| ConfigError::Unwritable { path: path.to_path_buf(), source })?;
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PATH: &str = "productions/p/production.toml";

    /// Parses `text` and compares the error's text with `expected`.
    fn check_error(text: &str, expected: &str) {
        match parse(text, Path::new(PATH)) {
            Ok(config) => panic!("accepted {text:?}: {config:?}"),
            Err(e) => assert_eq!(e.to_string(), expected, "input: {text:?}"),
        }
    }

    #[test]
    fn empty_and_missing_files_are_the_defaults() {
        assert_eq!(parse("", Path::new(PATH)).unwrap(), ProductionConfig::default());
        assert_eq!(parse("# nothing yet\n", Path::new(PATH)).unwrap(), ProductionConfig::default());
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(load_dir(dir.path()).unwrap(), ProductionConfig::default());
        let defaults = ProductionConfig::default();
        assert_eq!(
            (defaults.seed, defaults.format.width, defaults.format.height, defaults.format.fps()),
            (48, 1280, 720, 24.0)
        );
    }

    #[test]
    fn reads_every_section() {
        let text = "seed = 7\n\n[voices]\nH = \"piper:joe pitch=+2st rate=0.95\"\nC = \"espeak:en-us+f3\"\n\
                    \"OLD MAN\" = \"espeak:en+m7 pitch=20\"\n\n[cast]\nH = \"ada\"\n\n\
                    [format]\nwidth = 1920\nheight = 1080\nfps = 23.976\n";
        let config = parse(text, Path::new(PATH)).unwrap();
        assert_eq!(config.seed, 7);
        assert_eq!(config.voice_for("H").unwrap().to_string(), "piper:joe pitch=+2st rate=0.95");
        assert_eq!(config.voice_for("c").unwrap().to_string(), "espeak:en-us+f3");
        assert_eq!(config.voice_for(" old man ").unwrap().to_string(), "espeak:en+m7 pitch=20");
        assert_eq!(config.voice_for("NOBODY"), None);
        assert_eq!(config.star_for("h").unwrap().as_str(), "ada");
        assert_eq!(config.format, FormatConfig { width: 1920, height: 1080, fps_num: 24_000, fps_den: 1001 });
    }

    #[test]
    fn frame_rates() {
        let rate = |v: &str| frame_rate(&v.parse::<toml::Table>().unwrap()["fps"]);
        assert_eq!(rate("fps = 25"), Some((25, 1)));
        assert_eq!(rate("fps = 30.0"), Some((30, 1)));
        assert_eq!(rate("fps = 29.97"), Some((30_000, 1001)));
        assert_eq!(rate("fps = 59.94"), Some((60_000, 1001)));
        assert_eq!(rate("fps = 23.98"), Some((24_000, 1001)));
        assert_eq!(rate("fps = 12.5"), None);
        assert_eq!(rate("fps = 0"), None);
        assert_eq!(rate("fps = \"24\""), None);
    }

    #[test]
    fn bad_values_name_the_file_line_key_and_value() {
        check_error(
            "[voices]\nH = \"piper:joe\"\nC = \"piper:joe pitch=high\"\n",
            "productions/p/production.toml:3: voices.C = \"piper:joe pitch=high\": pitch `high` should be semitones \
             like `+2st` or an espeak pitch 0-99",
        );
        check_error(
            "[voices]\n\"OLD MAN\" = \"festival:kal\"\n",
            "productions/p/production.toml:2: voices.\"OLD MAN\" = \"festival:kal\": unknown engine `festival` \
             (expected `espeak` or `piper`)",
        );
        check_error(
            "[voices]\nH = \"espeak:en\"\nh = \"espeak:en+f3\"\n",
            "productions/p/production.toml:3: voices.h = \"espeak:en+f3\": `H` is the same character; give it once",
        );
        check_error("seed = -1\n", "productions/p/production.toml:1: seed = -1: the seed must be 0 or more");
        check_error(
            "[format]\nwidth = 1281\n",
            "productions/p/production.toml:2: format.width = 1281: a frame side must be an even number of pixels \
             from 16 to 8192",
        );
        check_error(
            "[format]\nfps = 12.5\n",
            "productions/p/production.toml:2: format.fps = 12.5: the frame rate must be a whole number from 1 to 240, \
             or an NTSC rate (23.976, 29.97, 59.94)",
        );
        check_error(
            "[cast]\nH = \"Ada Lovelace\"\n",
            "productions/p/production.toml:2: cast.H = \"Ada Lovelace\": invalid star name \"Ada Lovelace\": it must \
             start with a lowercase letter or a digit; use 1 to 64 lowercase letters, digits, '-', '_' or '.', \
             starting with a letter or digit",
        );
    }

    #[test]
    fn bad_toml_and_unknown_keys_name_the_line() {
        let syntax = |text: &str| match parse(text, Path::new(PATH)) {
            Err(ConfigError::Syntax { line, message, .. }) => (line, message),
            other => panic!("{text:?}: {other:?}"),
        };
        let (line, _) = syntax("seed = 1\n[voices\nH = \"espeak:en\"\n");
        assert_eq!(line, Some(2));
        let (line, message) = syntax("seed = 1\n\n[format]\nwidht = 640\n");
        assert_eq!(line, Some(4));
        assert!(message.contains("widht") && message.contains("width"), "{message}");
        let (line, message) = syntax("[voices]\nH = 3\n");
        assert_eq!(line, Some(2));
        assert_eq!(message, "invalid type: integer `3`, expected a string (in `H = 3`)");
        let (line, message) = syntax("colour = \"blue\"\n");
        assert_eq!(line, Some(1));
        assert!(message.contains("colour"), "{message}");
    }

    #[test]
    fn unreadable_files_are_named() {
        let dir = tempfile::tempdir().unwrap();
        // A folder where the file should be.
        std::fs::create_dir(dir.path().join(FILE_NAME)).unwrap();
        let err = load_dir(dir.path()).unwrap_err();
        assert!(err.to_string().starts_with(&format!("cannot read {}", dir.path().join(FILE_NAME).display())));
    }

    #[test]
    fn set_voice_keeps_comments_and_other_sections() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p").join(FILE_NAME);
        // A new file, then a new table in an existing file, then an entry replaced in place.
        let config = set_voice(&path, "ANN", &"espeak:en-us+f3".parse().unwrap()).unwrap();
        assert_eq!(config.voice_for("ANN").unwrap().to_string(), "espeak:en-us+f3");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "[voices]\nANN = \"espeak:en-us+f3\"\n");

        let original = "# The Lantern\nseed = 9 # fixed\n\n[cast]\n# who plays whom\nANN = \"ada\"\n\n\
                        [voices]\nANN = \"piper:joe\"   # warm\n\"OLD MAN\" = \"espeak:en+m7\"\n";
        std::fs::write(&path, original).unwrap();
        set_voice(&path, "ann", &"piper:joe pitch=+4st".parse().unwrap()).unwrap();
        set_voice(&path, "BEN", &"espeak:en-us+m3 pitch=40".parse().unwrap()).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            text,
            "# The Lantern\nseed = 9 # fixed\n\n[cast]\n# who plays whom\nANN = \"ada\"\n\n\
             [voices]\nANN = \"piper:joe pitch=+4st\"   # warm\n\"OLD MAN\" = \"espeak:en+m7\"\n\
             BEN = \"espeak:en-us+m3 pitch=40\"\n"
        );
        let config = load(&path).unwrap();
        assert_eq!((config.seed, config.voices.len(), config.star_for("ANN").unwrap().as_str()), (9, 3, "ada"));
    }

    #[test]
    fn set_voice_refuses_to_edit_a_broken_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        let broken = "[voices]\nANN = \"bogus\"\n";
        std::fs::write(&path, broken).unwrap();
        let err = set_voice(&path, "BEN", &"espeak:en".parse().unwrap()).unwrap_err();
        assert!(err.to_string().contains(":2: voices.ANN = \"bogus\""), "{err}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), broken, "left as it was");
    }
}
