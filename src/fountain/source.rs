//! Cleans raw input into numbered lines: line endings, control characters, tabs, and the removal of boneyard
//! (`/* */`) and notes (`[[ ]]`), which may span lines.
//!
//! This file must not know any screenplay element; it only decides what text each input line holds. Every
//! line keeps its original 1-based number so that diagnostics point at the input.

use crate::diagnostic::Diagnostic;

/// One input line after cleaning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SourceLine {
    pub number: usize,
    pub text: String,
}

impl SourceLine {
    pub fn is_blank(&self) -> bool {
        self.text.trim().is_empty()
    }
}

/// Cleans `text` into lines. A line that held only a note or boneyard is dropped entirely, so that removing a
/// comment never creates a blank line that would split a paragraph.
pub(crate) fn clean_lines(text: &str, diagnostics: &mut Vec<Diagnostic>) -> Vec<SourceLine> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let chars = normalise_chars(text, diagnostics);
    let buffers = Stripper::new(&chars, diagnostics).run();
    buffers
        .into_iter()
        .enumerate()
        .filter(|(_, buffer)| !(buffer.touched && buffer.text.trim().is_empty()))
        .map(|(index, buffer)| SourceLine { number: index + 1, text: buffer.text })
        .collect()
}

/// Replaces each tab by four spaces, as Fountain asks, and says so.
pub(crate) fn expand_tabs(line: &mut SourceLine, diagnostics: &mut Vec<Diagnostic>) {
    if line.text.contains('\t') {
        line.text = line.text.replace('\t', "    ");
        diagnostics.push(Diagnostic::warning(line.number, "tab replaced by four spaces"));
    }
}

/// Turns CR and CRLF into LF, drops control characters other than LF and tab, U+FFFD left by a lossy decoding
/// and stray byte order marks, and reports both.
fn normalise_chars(text: &str, diagnostics: &mut Vec<Diagnostic>) -> Vec<char> {
    let mut out = Vec::with_capacity(text.len());
    let mut line = 1;
    let mut reported_cr = false;
    let mut reported_line = 0;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if !reported_cr {
                    diagnostics.push(Diagnostic::warning(line, "carriage return (CRLF or CR line ending) read as LF"));
                    reported_cr = true;
                }
                if chars.peek() != Some(&'\n') {
                    out.push('\n');
                    line += 1;
                }
            }
            '\n' => {
                out.push('\n');
                line += 1;
            }
            '\t' => out.push(c),
            c if c.is_control() || c == '\u{fffd}' || c == '\u{feff}' => {
                if reported_line != line {
                    diagnostics.push(Diagnostic::warning(line, "control or undecodable characters removed"));
                    reported_line = line;
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// The text of one line being cleaned and whether a comment removed any of it.
#[derive(Debug, Default)]
struct Buffer {
    text: String,
    touched: bool,
}

/// A comment kind: its opening and closing marks and how an unclosed one is reported.
struct Comment {
    open: [char; 2],
    close: [char; 2],
    name: &'static str,
}

const BONEYARD: Comment = Comment { open: ['/', '*'], close: ['*', '/'], name: "boneyard `/*`" };
const NOTE: Comment = Comment { open: ['[', '['], close: [']', ']'], name: "note `[[`" };

/// Removes comments in one left-to-right pass.
///
/// An opening mark with no closing mark anywhere after it is kept as text. Once a search for a closing mark
/// fails, no later opening mark of that kind can be closed either, so it is not searched again: the pass stays
/// linear. Where removing a comment would join two characters into a new mark (`/` + `*`), a space is put
/// between them, so that the cleaned text reads the same when parsed again.
struct Stripper<'a> {
    chars: &'a [char],
    diagnostics: &'a mut Vec<Diagnostic>,
    lines: Vec<Buffer>,
    /// For the boneyard and the note: whether a search for the closing mark has already failed.
    unclosed: [bool; 2],
}

impl<'a> Stripper<'a> {
    fn new(chars: &'a [char], diagnostics: &'a mut Vec<Diagnostic>) -> Self {
        Stripper { chars, diagnostics, lines: vec![Buffer::default()], unclosed: [false, false] }
    }

    fn run(mut self) -> Vec<Buffer> {
        let mut pos = 0;
        while pos < self.chars.len() {
            pos = match self.comment_end(pos) {
                Some(end) => self.remove(pos, end),
                None => {
                    self.emit(self.chars[pos]);
                    pos + 1
                }
            };
        }
        self.lines
    }

    /// If a comment that gets closed starts at `pos`, the position just after its closing mark.
    fn comment_end(&mut self, pos: usize) -> Option<usize> {
        for (index, comment) in [BONEYARD, NOTE].iter().enumerate() {
            if self.unclosed[index] || !self.mark_at(pos, comment.open) {
                continue;
            }
            match self.find_mark(pos + 2, comment.close) {
                Some(close) => return Some(close + 2),
                None => {
                    self.unclosed[index] = true;
                    let line = self.lines.len();
                    let message = format!("unclosed {}: kept as text", comment.name);
                    self.diagnostics.push(Diagnostic::warning(line, message));
                }
            }
        }
        None
    }

    fn mark_at(&self, pos: usize, mark: [char; 2]) -> bool {
        self.chars.get(pos) == Some(&mark[0]) && self.chars.get(pos + 1) == Some(&mark[1])
    }

    fn find_mark(&self, from: usize, mark: [char; 2]) -> Option<usize> {
        (from..self.chars.len().saturating_sub(1)).find(|&pos| self.mark_at(pos, mark))
    }

    /// Drops `chars[start..end]`, keeping its line breaks as line ends, and returns where to go on. A comment
    /// between two spaces takes one of them along, so `a [[note]] b` reads `a b`.
    fn remove(&mut self, start: usize, end: usize) -> usize {
        for &c in &self.chars[start..end] {
            self.current().touched = true;
            if c == '\n' {
                self.lines.push(Buffer { text: String::new(), touched: true });
            }
        }
        let before = self.current().text.chars().last();
        match (before, self.chars.get(end)) {
            (Some(' '), Some(' ')) => end + 1,
            (Some(before), Some(&after)) if is_mark([before, after]) => {
                self.current().text.push(' ');
                end
            }
            _ => end,
        }
    }

    fn emit(&mut self, c: char) {
        if c == '\n' {
            self.lines.push(Buffer::default());
        } else {
            self.current().text.push(c);
        }
    }

    fn current(&mut self) -> &mut Buffer {
        if self.lines.is_empty() {
            self.lines.push(Buffer::default());
        }
        let last = self.lines.len() - 1;
        &mut self.lines[last]
    }
}

fn is_mark(pair: [char; 2]) -> bool {
    [BONEYARD.open, BONEYARD.close, NOTE.open, NOTE.close].contains(&pair)
}
