//! Documents: the unit the corpus is split, hashed and de-duplicated by, and the builder that writes their
//! text line by line.
//!
//! This file owns the guarantees of a document's text (see the format in the module root): every line valid,
//! no leading, trailing or repeated scene breaks, no turn repeated right after itself. It must not read files
//! or know any source format.

use std::collections::HashSet;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::SourceKind;
use super::line::{CorpusLine, is_heading, speaker_name};
use super::normalize::tidy;

/// One normalised text ready for training: a play, a film's subtitles, a screenplay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    /// The file it was read from.
    pub source: PathBuf,
    pub kind: SourceKind,
    /// The play's or screenplay's title when the source names one, else the file stem.
    pub title: Option<String>,
    /// Corpus text, format v1: lines each ending with `\n`.
    pub text: String,
    /// The BLAKE3 hash of `text`, in lowercase hex.
    pub hash: String,
}

impl Document {
    /// Builds a document, hashing its text.
    pub fn new(source: PathBuf, kind: SourceKind, title: Option<String>, text: String) -> Self {
        let hash = blake3::hash(text.as_bytes()).to_hex().to_string();
        Document { source, kind, title, text, hash }
    }

    /// The document's lines, parsed.
    pub fn lines(&self) -> impl Iterator<Item = CorpusLine> + '_ {
        self.text.lines().map(super::parse_line)
    }
}

/// Keeps the first document of each content hash, in order, and returns the documents it dropped as
/// duplicates of an earlier one.
pub fn dedupe(documents: Vec<Document>) -> (Vec<Document>, Vec<Document>) {
    let mut seen = HashSet::new();
    documents.into_iter().partition(|document| seen.insert(document.hash.clone()))
}

/// Writes corpus text line by line, cleaning each text and keeping the document's guarantees.
#[derive(Debug, Default)]
pub(crate) struct TextBuilder {
    lines: Vec<CorpusLine>,
}

impl TextBuilder {
    /// Adds a dialogue turn. Empty text is dropped, and so is a turn identical to the turn right before it. A
    /// speaker that is no valid name after sanitising becomes `UNKNOWN`.
    pub fn turn(&mut self, speaker: &str, text: &str) {
        let text = tidy(text);
        if text.is_empty() {
            return;
        }
        let speaker = speaker_name(speaker).unwrap_or_else(|| "UNKNOWN".to_string());
        let turn = CorpusLine::Turn { speaker, text };
        if self.lines.last() != Some(&turn) {
            self.lines.push(turn);
        }
    }

    /// Adds a direction; surrounding parentheses that enclose the whole text are not doubled.
    pub fn direction(&mut self, text: &str) {
        let text = tidy(text);
        let inner = text
            .strip_prefix('(')
            .and_then(|rest| rest.strip_suffix(')'))
            .filter(|inner| !inner.contains(['(', ')']))
            .unwrap_or(&text)
            .trim();
        if !inner.is_empty() {
            self.lines.push(CorpusLine::Direction(inner.to_string()));
        }
    }

    /// Starts a scene with a heading. A heading that does not start with `INT. ` or `EXT. ` becomes a scene
    /// break followed by a direction holding its text.
    pub fn heading(&mut self, text: &str) {
        let text = tidy(text);
        self.scene_break();
        if is_heading(&text) {
            self.lines.push(CorpusLine::Heading(text));
        } else {
            self.direction(&text);
        }
    }

    /// Ends the current scene. Breaks at the start or right after another break are dropped.
    pub fn scene_break(&mut self) {
        if self.lines.last().is_some_and(|line| *line != CorpusLine::SceneBreak) {
            self.lines.push(CorpusLine::SceneBreak);
        }
    }

    /// The text, each line ending with `\n`, without a trailing scene break. Empty when nothing was added.
    pub fn finish(mut self) -> String {
        while self.lines.last() == Some(&CorpusLine::SceneBreak) {
            self.lines.pop();
        }
        self.lines.iter().map(|line| format!("{line}\n")).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builder_keeps_the_guarantees() {
        let mut builder = TextBuilder::default();
        builder.scene_break();
        builder.heading("INT. HOUSE \u{2013} DAY");
        builder.turn("a", "Hi\nthere.");
        builder.turn("A", "Hi there.");
        builder.direction("(She   waves.)");
        builder.turn("A", "Hi there.");
        builder.turn("B", "  ");
        builder.direction("");
        builder.direction("(a) or (b)");
        builder.scene_break();
        builder.scene_break();
        builder.heading("FLASHBACK");
        builder.turn("???", "Who?");
        builder.scene_break();
        let expected = "INT. HOUSE \u{2013} DAY\nA: Hi there.\n(She waves.)\nA: Hi there.\n((a) or (b))\n\n(FLASHBACK)\nUNKNOWN: Who?\n";
        assert_eq!(builder.finish(), expected);
    }

    #[test]
    fn dedupe_keeps_first_of_each_hash() {
        let doc = |name: &str, text: &str| Document::new(name.into(), SourceKind::Subtitles, None, text.into());
        let documents = vec![doc("a", "A: x\n"), doc("b", "A: y\n"), doc("c", "A: x\n")];
        let (kept, dropped) = dedupe(documents);
        let names = |docs: &[Document]| docs.iter().map(|d| d.source.display().to_string()).collect::<Vec<_>>();
        assert_eq!(names(&kept), ["a", "b"]);
        assert_eq!(names(&dropped), ["c"]);
        assert_eq!(kept[0].hash, blake3::hash(b"A: x\n").to_hex().to_string());
    }
}
