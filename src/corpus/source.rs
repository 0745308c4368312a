//! Source files: which kind a file is, by extension and by sniffing its first bytes, and reading it as text.
//!
//! This file owns [`SourceKind`] and [`detect_kind`]. It must not parse any format; each kind has its own file.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::CorpusError;
use crate::subtitle;

/// How many leading bytes [`detect_kind`] is given by [`super::ingest_file`].
pub(crate) const HEAD_BYTES: u64 = 4096;

/// The kinds of file the corpus reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// SRT, WebVTT, ASS/SSA.
    Subtitles,
    /// OPUS OpenSubtitles XML, plain or gzipped.
    OpusXml,
    /// A Fountain screenplay.
    Fountain,
    /// A play from Project Gutenberg: speaker tags, `ACT`/`SCENE` lines, `[Enter ...]` directions.
    GutenbergPlay,
}

/// Says what kind of source `path` is from its extension and `head`, its first bytes (a few KiB suffice).
///
/// `.srt .vtt .ass .ssa` are subtitles, `.xml` and `.xml.gz` OPUS XML, `.fountain` Fountain, `.txt` a
/// Gutenberg play. For other names, and for `.txt` files whose content is clearly subtitles or XML, the content
/// decides: gzip magic or `<?xml`/`<document` is OPUS, `WEBVTT`, `[Script Info]` or an SRT time line is
/// subtitles.
pub fn detect_kind(path: &Path, head: &[u8]) -> Option<SourceKind> {
    let name = path.file_name()?.to_string_lossy().to_lowercase();
    let sniffed = sniff(head);
    let by_name = if name.ends_with(".xml") || name.ends_with(".xml.gz") {
        Some(SourceKind::OpusXml)
    } else if name.ends_with(".fountain") || name.ends_with(".spmd") {
        Some(SourceKind::Fountain)
    } else if name.ends_with(".txt") {
        Some(sniffed.unwrap_or(SourceKind::GutenbergPlay))
    } else if [".srt", ".vtt", ".ass", ".ssa"].iter().any(|ext| name.ends_with(ext)) {
        Some(SourceKind::Subtitles)
    } else {
        None
    };
    by_name.or(sniffed)
}

/// The kind the content clearly shows, if any.
fn sniff(head: &[u8]) -> Option<SourceKind> {
    if head.starts_with(&[0x1f, 0x8b]) {
        return Some(SourceKind::OpusXml);
    }
    let (text, _, _) = subtitle::decode(head);
    let text = text.trim_start_matches('\u{feff}').trim_start();
    if text.starts_with("<?xml") || text.starts_with("<document") {
        Some(SourceKind::OpusXml)
    } else if subtitle::Format::sniff(text).is_some() {
        Some(SourceKind::Subtitles)
    } else {
        None
    }
}

/// The first [`HEAD_BYTES`] of a file.
pub(crate) fn read_head(path: &Path) -> Result<Vec<u8>, CorpusError> {
    let io_error = |source| CorpusError::Io { path: path.to_owned(), source };
    let mut head = Vec::new();
    File::open(path).and_then(|file| file.take(HEAD_BYTES).read_to_end(&mut head)).map_err(io_error)?;
    Ok(head)
}

/// A whole file as text, decoded like subtitles are (BOM, UTF-16, UTF-8, Windows-1252 fallback).
pub(crate) fn read_text(path: &Path) -> Result<String, CorpusError> {
    let bytes = std::fs::read(path).map_err(|source| CorpusError::Io { path: path.to_owned(), source })?;
    let (text, _, _) = subtitle::decode(&bytes);
    Ok(text.trim_start_matches('\u{feff}').to_string())
}

/// The file name without its extensions (`TOS-en.srt` → `TOS-en`, `film.xml.gz` → `film`).
pub(crate) fn file_stem(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_string_lossy();
    let stem = name.split('.').next().unwrap_or(&name);
    (!stem.is_empty()).then(|| stem.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(name: &str, head: &str, expected: Option<SourceKind>) {
        assert_eq!(detect_kind(Path::new(name), head.as_bytes()), expected, "{name} {head:?}");
    }

    #[test]
    fn kinds_come_from_names_and_content() {
        use SourceKind::*;
        check("a.srt", "", Some(Subtitles));
        check("a.VTT", "WEBVTT", Some(Subtitles));
        check("a.ass", "[Script Info]", Some(Subtitles));
        check("a.ssa", "", Some(Subtitles));
        check("en/1999/1.xml", "<?xml version=\"1.0\"?>", Some(OpusXml));
        check("1.xml.gz", "", Some(OpusXml));
        check("lantern.fountain", "Title: x", Some(Fountain));
        check("hamlet_gut.txt", "HAMLET", Some(GutenbergPlay));
        check("notes.txt", "1\n00:00:01,000 --> 00:00:02,000\nHi\n", Some(Subtitles));
        check("noext", "WEBVTT\n", Some(Subtitles));
        check("noext", "<document id=\"1\">", Some(OpusXml));
        check("noext", "just text", None);
        check("image.png", "\u{89}PNG", None);
        assert_eq!(detect_kind(Path::new("blob"), &[0x1f, 0x8b, 8, 0]), Some(OpusXml));
    }

    #[test]
    fn stems_drop_every_extension() {
        assert_eq!(file_stem(Path::new("dir/TOS-en.srt")).as_deref(), Some("TOS-en"));
        assert_eq!(file_stem(Path::new("123.xml.gz")).as_deref(), Some("123"));
        assert_eq!(file_stem(Path::new(".hidden")), None);
    }
}
