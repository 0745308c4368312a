//! Assembling cues: the pieces SRT, WebVTT and ASS parsing share.
//!
//! Owns [`Collector`], which numbers cues in file order and gathers diagnostics, and [`split_block`], which cuts
//! a blank-line separated SRT/WebVTT block into cues at its timing lines. It must not interpret markup or know a
//! format's header and block keywords; the format files do that.

use super::Cue;
use super::lines::Line;
use super::timing::{Timing, is_timing_line, parse_timing_line};
use crate::diagnostic::Diagnostic;

/// Collects the cues and diagnostics of one parse, giving each cue its 0-based index in file order.
#[derive(Debug, Default)]
pub(crate) struct Collector {
    cues: Vec<Cue>,
    diagnostics: Vec<Diagnostic>,
}

impl Collector {
    pub fn cue(&mut self, line: usize, start_ms: u64, end_ms: u64, text: String, speaker: Option<String>) {
        let index = self.cues.len();
        self.cues.push(Cue { index, start_ms, end_ms, text, speaker, line });
    }

    pub fn error(&mut self, line: usize, message: impl Into<String>) {
        self.diagnostics.push(Diagnostic::error(line, message));
    }

    pub fn warning(&mut self, line: usize, message: impl Into<String>) {
        self.diagnostics.push(Diagnostic::warning(line, message));
    }

    pub fn finish(self) -> (Vec<Cue>, Vec<Diagnostic>) {
        (self.cues, self.diagnostics)
    }

    /// Parses a cue's timing line, reporting an error on that line (and returning `None`) when it is bad.
    pub fn timing<'a>(&mut self, line: &Line<'a>) -> Option<Timing<'a>> {
        match parse_timing_line(line.text) {
            Ok(timing) => Some(timing),
            Err(message) => {
                self.error(line.number, message);
                None
            }
        }
    }

    /// Reports lines that belong to no cue because no timing line precedes them.
    pub fn orphans(&mut self, orphans: &[Line<'_>]) {
        let Some(first) = orphans.first() else { return };
        let count = orphans.len();
        let lines = if count == 1 { "line" } else { "lines" };
        let message =
            format!("missing timing line `start --> end`; skipped {count} {lines} starting `{}`", first.text.trim());
        self.error(first.number, message);
    }
}

/// One cue's lines inside a block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RawCue<'a> {
    /// The line the cue starts on: its identifier (SRT index, WebVTT id) if it has one, else its timing line.
    pub first_line: usize,
    pub timing: Line<'a>,
    pub text: Vec<Line<'a>>,
}

impl RawCue<'_> {
    /// The text lines joined with `\n`, markup still in.
    pub fn joined_text(&self) -> String {
        self.text.iter().map(|line| line.text).collect::<Vec<_>>().join("\n")
    }
}

/// A block cut at its timing lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SplitBlock<'a> {
    /// Lines before the first timing line (other than its identifier): they belong to no cue.
    pub orphans: Vec<Line<'a>>,
    pub cues: Vec<RawCue<'a>>,
}

/// Cuts a block of non-blank lines into cues. A cue starts at a timing line; the line just before the block's
/// first timing line is that cue's identifier, and a number just before a later timing line is that cue's SRT
/// index (a cue whose blank separator line is missing). Everything else after a timing line is its text.
pub(crate) fn split_block<'a>(block: &[Line<'a>]) -> SplitBlock<'a> {
    let timings: Vec<usize> = (0..block.len()).filter(|&i| is_timing_line(block[i].text)).collect();
    let Some(&first) = timings.first() else {
        return SplitBlock { orphans: block.to_vec(), cues: Vec::new() };
    };
    let first_start = first.saturating_sub(1);
    let mut starts = vec![first_start];
    for &timing in &timings[1..] {
        let has_index = is_index(block[timing - 1].text);
        starts.push(if has_index { timing - 1 } else { timing });
    }
    let cues = timings
        .iter()
        .zip(&starts)
        .enumerate()
        .map(|(i, (&timing, &start))| {
            let end = starts.get(i + 1).copied().unwrap_or(block.len());
            RawCue { first_line: block[start].number, timing: block[timing], text: block[timing + 1..end].to_vec() }
        })
        .collect();
    SplitBlock { orphans: block[..first_start].to_vec(), cues }
}

/// Whether a line is an SRT index number.
fn is_index(text: &str) -> bool {
    let text = text.trim();
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::super::lines::blocks;
    use super::*;

    /// Renders a split block as `orphans: 1,2; cue first/timing/text lines; ...` by line number.
    fn split(text: &str) -> String {
        let block = blocks(text).into_iter().next().unwrap_or_default();
        let split = split_block(&block);
        let numbers = |lines: &[Line<'_>]| lines.iter().map(|l| l.number.to_string()).collect::<Vec<_>>().join(",");
        let cues: Vec<String> = split
            .cues
            .iter()
            .map(|cue| format!("{}/{}/{}", cue.first_line, cue.timing.number, numbers(&cue.text)))
            .collect();
        format!("orphans:{} cues:{}", numbers(&split.orphans), cues.join(" "))
    }

    #[test]
    fn split_blocks() {
        let cases = [
            ("1\na --> b\ntext\nmore", "orphans: cues:1/2/3,4"),
            ("a --> b\ntext", "orphans: cues:1/1/2"),
            ("id\na --> b", "orphans: cues:1/2/"),
            ("junk\nid\na --> b\nt", "orphans:1 cues:2/3/4"),
            ("just text\nno timing", "orphans:1,2 cues:"),
            ("1\na --> b\nt\n2\nc --> d\nu", "orphans: cues:1/2/3 4/5/6"),
            ("a --> b\nt\nc --> d\nu", "orphans: cues:1/1/2 3/3/4"),
            ("a --> b\n42\nc --> d", "orphans: cues:1/1/ 2/3/"),
            ("a --> b\nc --> d", "orphans: cues:1/1/ 2/2/"),
        ];
        for (input, expected) in cases {
            assert_eq!(split(input), expected, "{input:?}");
        }
    }
}
