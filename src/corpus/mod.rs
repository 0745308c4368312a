//! The training corpus: source files (subtitles, OPUS OpenSubtitles XML, Fountain screenplays, Project
//! Gutenberg plays) read into normalised, screenplay-shaped **documents** that the character-level model
//! trains on, split into train and validation sets by document, and counted.
//!
//! This module is a pure library. It must not touch the database, the scheduler or the CLI, write files, or
//! abort a batch because of one bad file: [`ingest_file`] handles one file and returns either its documents
//! with diagnostics for the records it skipped, or a [`CorpusError`] naming the file.
//!
//! # Corpus text, format v1
//!
//! A document's text is a sequence of lines, each ending with `\n`. Every line is exactly one of:
//!
//! | line | example | from |
//! |---|---|---|
//! | dialogue turn `NAME: text` | `HAMLET: To be, or not to be` | speeches, dialogue, subtitle turns |
//! | direction `(text)` | `(Enter HAMLET.)` | stage directions of plays, Fountain action |
//! | scene heading `INT. ...` / `EXT. ...` | `INT. LANTERN - COCKPIT` | Fountain scene headings only |
//! | the empty line | | a scene break |
//!
//! - `NAME` is 1 to 24 characters: uppercase letters, digits, apostrophes and single inner spaces.
//! - Text is one line: inner newlines joined with a space, whitespace collapsed, trimmed, never empty.
//!   Curly quotes become `'` and `"`, `…` becomes `...`, control and zero-width characters go.
//! - Subtitle and OPUS text also loses markup (`<i>`, `{\an8}`), hearing-impaired annotations (`[door
//!   slams]` anywhere; a line that is only `(...)` or `*...*`; an ALL-CAPS `(LAUGHS)` or a `*sighs*` at either
//!   end of a line), music notes and lines that were only music, and leading speaker dashes; a `JOHN:` label
//!   at the start of a line names the speaker. In plays, `[...]` are stage directions and become directions.
//! - Fountain: headings stay headings (one that is not `INT. `/`EXT. ` becomes a direction after the scene
//!   break); action, transitions and centered text become directions; a parenthetical is folded into the
//!   start of the turn it belongs to (`KEPLER: (chewing) Then...`); notes, sections and synopses are dropped.
//! - Plays: everything before the first `ACT`/`SCENE`/`PROLOGUE`/`INDUCTION` heading (title, persons of the
//!   play) is left out; each heading is a scene break, followed by the place it names as a direction.
//! - A document never starts or ends with a scene break and never holds two in a row; a heading always
//!   follows a scene break unless it opens the document. No turn is immediately repeated.
//! - Subtitles carry no speakers, so cues are grouped into turns by timing (see [`IngestOptions`]) and the
//!   turns of a scene alternate between speakers `A` and `B`, restarting at `A` after each scene break; a
//!   real speaker (a WebVTT voice, an ASS Name, a `JOHN:` label) is used instead, uppercased.
//!
//! [`parse_line`] reads a line back, so the writer can turn model output into Fountain. A document with no
//! usable line is not made at all.
//!
//! # Entry points
//!
//! ```text
//! detect_kind(path, head) -> Option<SourceKind>
//! ingest_file(path, &IngestOptions) -> Result<(Vec<Document>, Vec<Diagnostic>), CorpusError>
//! dedupe(Vec<Document>) -> (kept, duplicates)          by content hash, first one wins
//! split(&[Document], val_fraction) -> (train, val)    by document, deterministic from the hash
//! stats(&[&Document]) -> Stats                         serde-serialisable counts and vocabulary
//! parse_line(&str) -> CorpusLine
//! ```

mod document;
mod fountain_doc;
mod gutenberg;
mod line;
mod normalize;
mod opus;
mod source;
mod split;
mod stats;
mod subtitles;

#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};

pub use document::{Document, dedupe};
pub use line::{CorpusLine, MAX_SPEAKER_CHARS, is_speaker_name, parse_line, speaker_name};
pub use source::{SourceKind, detect_kind};
pub use split::{DEFAULT_VAL_FRACTION, hash_to_unit_interval, split};
pub use stats::{Stats, stats};

use crate::diagnostic::Diagnostic;
use crate::subtitle::SubtitleError;

/// How timed sources (subtitles, OPUS XML) are grouped into turns and scenes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IngestOptions {
    /// A gap longer than this between one cue's end and the next cue's start starts a new turn.
    pub turn_gap_ms: u64,
    /// A gap longer than this is a scene break.
    pub scene_gap_ms: u64,
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions { turn_gap_ms: 1_200, scene_gap_ms: 12_000 }
    }
}

/// Why a whole file could not be read. A bad record inside a readable file is never one of these: it is
/// skipped and reported as a [`Diagnostic`].
#[derive(Debug, thiserror::Error)]
pub enum CorpusError {
    #[error("{path}: cannot read the corpus source: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}: not a corpus source reel can read (expected subtitles, OPUS XML, Fountain or a Gutenberg play)")]
    UnknownKind { path: PathBuf },
    #[error("{path}: {source}")]
    Subtitle { path: PathBuf, source: SubtitleError },
}

impl CorpusError {
    /// The file the error is about.
    pub fn path(&self) -> &Path {
        match self {
            CorpusError::Io { path, .. } | CorpusError::UnknownKind { path } | CorpusError::Subtitle { path, .. } => {
                path
            }
        }
    }
}

/// Reads one source file into documents (each source kind yields at most one document per file) and the
/// diagnostics of the records it skipped or repaired. A file with no usable text yields no document and a
/// warning.
pub fn ingest_file(path: &Path, opts: &IngestOptions) -> Result<(Vec<Document>, Vec<Diagnostic>), CorpusError> {
    let head = source::read_head(path)?;
    let kind = detect_kind(path, &head).ok_or_else(|| CorpusError::UnknownKind { path: path.to_owned() })?;
    let (title, text, mut diagnostics) = match kind {
        SourceKind::Subtitles => {
            let (text, diagnostics) = subtitles::ingest(path, opts)?;
            (None, text, diagnostics)
        }
        SourceKind::OpusXml => {
            let (text, diagnostics) = opus::ingest(path, opts)?;
            (None, text, diagnostics)
        }
        SourceKind::Fountain => fountain_doc::ingest(&source::read_text(path)?),
        SourceKind::GutenbergPlay => gutenberg::ingest(&source::read_text(path)?),
    };
    if text.is_empty() {
        diagnostics.push(Diagnostic::warning(1, "no usable text: the file yields no document"));
        return Ok((Vec::new(), diagnostics));
    }
    let title = title.or_else(|| source::file_stem(path));
    Ok((vec![Document::new(path.to_owned(), kind, title, text)], diagnostics))
}
