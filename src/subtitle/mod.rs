//! Subtitle files (SRT, WebVTT, ASS/SSA) read into timed plain-text cues.
//!
//! The archive (footage dialogue) and the screenplay corpus both read subtitles through this module. It owns the
//! public API: [`Cue`], [`Format`], [`Parsed`], [`SubtitleError`], [`decode()`], [`parse_str`], [`parse_bytes`],
//! [`read_file`] and [`sort_by_time`]. It must not abort a file because of one bad cue (that cue is skipped and
//! reported as a [`Diagnostic`]), panic on any input, reorder cues unless asked, or write anything.

mod ass;
mod cues;
mod decode;
mod format;
mod lines;
mod srt;
mod text;
mod timing;
mod vtt;

#[cfg(test)]
mod test_util;
#[cfg(test)]
mod tests;

use std::fs;
use std::path::{Path, PathBuf};

pub use decode::decode;
pub use format::Format;

use crate::diagnostic::Diagnostic;

/// One timed piece of subtitle text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cue {
    /// 0-based position among the cues read from the file, in file order.
    pub index: usize,
    pub start_ms: u64,
    pub end_ms: u64,
    /// Plain text: markup stripped, character references decoded, lines trimmed and joined with `\n`.
    pub text: String,
    /// The WebVTT voice (`<v Name>`, the first one if several) or the ASS Name/Actor field, when present.
    pub speaker: Option<String>,
    /// The 1-based line where the cue starts (its SRT index or WebVTT identifier, if it has one).
    pub line: usize,
}

/// A whole subtitle file read from bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    /// The cues in file order.
    pub cues: Vec<Cue>,
    /// Decoding warnings first, then the format's own diagnostics in the order they were found.
    pub diagnostics: Vec<Diagnostic>,
    pub format: Format,
    /// The encoding the bytes were decoded from, as named by [`decode()`].
    pub encoding: &'static str,
}

/// The plain text of one ASS/SSA event's Text field: override blocks and drawings removed, `\N` as a line break.
/// For ASS text that arrives outside a file, e.g. from a subtitle stream inside a video container.
pub fn ass_text(raw: &str) -> String {
    ass::plain_text(raw)
}

/// Why a whole subtitle file could not be read. A bad cue is never one of these: it becomes a [`Diagnostic`].
#[derive(Debug, thiserror::Error)]
pub enum SubtitleError {
    #[error("{path}: cannot read the subtitle file: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}: not a subtitle file reel can read (expected SRT, WebVTT or ASS/SSA by extension or content)")]
    UnknownFormat { path: PathBuf },
    #[error("{path}: the subtitle file is empty")]
    Empty { path: PathBuf },
}

/// The path [`parse_bytes`] puts in its errors, having no file.
const IN_MEMORY: &str = "<memory>";

/// Parses decoded text in `format`. A leading byte-order mark is ignored.
pub fn parse_str(text: &str, format: Format) -> (Vec<Cue>, Vec<Diagnostic>) {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    match format {
        Format::Srt => srt::parse(text),
        Format::WebVtt => vtt::parse(text),
        Format::Ass => ass::parse(text),
    }
}

/// Decodes and parses a subtitle file's bytes, sniffing the format from the content when `format` is `None`.
/// Errors name the path `<memory>`.
pub fn parse_bytes(bytes: &[u8], format: Option<Format>) -> Result<Parsed, SubtitleError> {
    parse_input(bytes, Path::new(IN_MEMORY), |text, _| format.or_else(|| Format::sniff(text)))
}

/// Reads, decodes and parses a subtitle file. The format comes from the extension, unless the content clearly
/// says otherwise (a `WEBVTT` header or an ASS section, reported as a warning), and from sniffing when the
/// extension names none.
pub fn read_file(path: &Path) -> Result<Parsed, SubtitleError> {
    let bytes = fs::read(path).map_err(|source| SubtitleError::Io { path: path.to_owned(), source })?;
    parse_input(&bytes, path, |text, diagnostics| format_for_file(Format::from_path(path), text, diagnostics))
}

/// Orders cues by start time, then end time, keeping file order among equals. Indexes are left as they were.
pub fn sort_by_time(cues: &mut [Cue]) {
    cues.sort_by_key(|cue| (cue.start_ms, cue.end_ms));
}

/// Decodes `bytes`, picks the format with `choose` and parses.
fn parse_input(
    bytes: &[u8],
    path: &Path,
    choose: impl FnOnce(&str, &mut Vec<Diagnostic>) -> Option<Format>,
) -> Result<Parsed, SubtitleError> {
    let (text, encoding, mut diagnostics) = decode(bytes);
    if text.trim_start_matches('\u{feff}').trim().is_empty() {
        return Err(SubtitleError::Empty { path: path.to_owned() });
    }
    let format =
        choose(&text, &mut diagnostics).ok_or_else(|| SubtitleError::UnknownFormat { path: path.to_owned() })?;
    let (cues, parse_diagnostics) = parse_str(&text, format);
    diagnostics.extend(parse_diagnostics);
    Ok(Parsed { cues, diagnostics, format, encoding })
}

/// The extension's format, overridden by a content signature (a header or section) of another format.
fn format_for_file(extension: Option<Format>, text: &str, diagnostics: &mut Vec<Diagnostic>) -> Option<Format> {
    let sniffed = Format::sniff(text);
    match (extension, sniffed) {
        (Some(named), Some(found)) if found != named && found != Format::Srt => {
            let message = format!(
                "the extension says {} but the content is {}; read as {}",
                named.name(),
                found.name(),
                found.name()
            );
            diagnostics.push(Diagnostic::warning(1, message));
            Some(found)
        }
        (Some(named), _) => Some(named),
        (None, sniffed) => sniffed,
    }
}
