//! Which subtitle format a file is in.
//!
//! Owns [`Format`] and the two ways to choose it: by file extension and by sniffing the decoded text. It must
//! not parse cues; sniffing looks only at headers, section names and timing lines.

use std::path::Path;

use super::lines::lines;
use super::timing::{is_timing_line, parse_timing_line};

/// A subtitle format reel can read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// SubRip (`.srt`).
    Srt,
    /// WebVTT (`.vtt`).
    WebVtt,
    /// Advanced SubStation Alpha (`.ass`) and SubStation Alpha v4 (`.ssa`).
    Ass,
}

impl Format {
    /// The format named by the file's extension (`srt`, `vtt`, `ass`, `ssa`, in any case).
    pub fn from_path(path: &Path) -> Option<Format> {
        let extension = path.extension()?.to_str()?.to_ascii_lowercase();
        match extension.as_str() {
            "srt" => Some(Format::Srt),
            "vtt" => Some(Format::WebVtt),
            "ass" | "ssa" => Some(Format::Ass),
            _ => None,
        }
    }

    /// The format the text looks like: a `WEBVTT` header, an `[Script Info]` or `[Events]` section, or else a
    /// well-formed `start --> end` timing line anywhere (SRT). `None` when it looks like none of them.
    pub fn sniff(text: &str) -> Option<Format> {
        let text = text.trim_start_matches('\u{feff}');
        if is_webvtt_header(text.trim_start()) {
            return Some(Format::WebVtt);
        }
        if lines(text).any(|line| is_ass_section(line.text)) {
            return Some(Format::Ass);
        }
        lines(text)
            .filter(|line| is_timing_line(line.text))
            .any(|line| parse_timing_line(line.text).is_ok())
            .then_some(Format::Srt)
    }

    /// A short lower-case name, as used in messages.
    pub fn name(self) -> &'static str {
        match self {
            Format::Srt => "SRT",
            Format::WebVtt => "WebVTT",
            Format::Ass => "ASS",
        }
    }
}

/// Whether `text` starts with the `WEBVTT` signature followed by a space, a tab or a line break.
pub(crate) fn is_webvtt_header(text: &str) -> bool {
    text.strip_prefix("WEBVTT").is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t', '\r', '\n']))
}

fn is_ass_section(line: &str) -> bool {
    let line = line.trim();
    line.eq_ignore_ascii_case("[Script Info]") || line.eq_ignore_ascii_case("[Events]")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_path() {
        let cases = [
            ("a.srt", Some(Format::Srt)),
            ("dir.d/A.SRT", Some(Format::Srt)),
            ("a.vtt", Some(Format::WebVtt)),
            ("a.ass", Some(Format::Ass)),
            ("a.Ssa", Some(Format::Ass)),
            ("a.txt", None),
            ("srt", None),
            ("a.srt.bak", None),
        ];
        for (path, expected) in cases {
            assert_eq!(Format::from_path(Path::new(path)), expected, "{path}");
        }
    }

    #[test]
    fn sniff() {
        let cases = [
            ("WEBVTT\n\n00:01.000 --> 00:02.000\nHi", Some(Format::WebVtt)),
            ("\u{feff}WEBVTT - title\n", Some(Format::WebVtt)),
            ("WEBVTT", Some(Format::WebVtt)),
            ("WEBVTTX\n", None),
            ("[Script Info]\nScriptType: v4.00+\n", Some(Format::Ass)),
            ("; comment\r\n [events] \r\n", Some(Format::Ass)),
            ("1\n00:00:01,000 --> 00:00:02,000\nHi\n", Some(Format::Srt)),
            ("\r\n\r\n00:00:01.000 --> 00:00:02.000\r\n", Some(Format::Srt)),
            ("1\n00:00:0x,000 --> 00:00:02,000\nHi\n", None),
            ("just some prose\nwith lines\n", None),
            ("", None),
        ];
        for (text, expected) in cases {
            assert_eq!(Format::sniff(text), expected, "{text:?}");
        }
    }
}
