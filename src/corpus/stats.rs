//! Counts over a set of documents: sizes, line kinds and the character vocabulary the model will see.
//!
//! This file owns [`Stats`], a plain serialisable record. It must not print or write it anywhere.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{CorpusLine, Document};

/// What a set of documents holds. Serialises to JSON with the vocabulary as a `{"char": count}` object.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    pub documents: u64,
    /// Unicode scalar values, newlines included.
    pub chars: u64,
    /// All lines, scene breaks included.
    pub lines: u64,
    pub turns: u64,
    pub directions: u64,
    pub headings: u64,
    pub scene_breaks: u64,
    /// Lines outside the format; zero for ingested documents.
    pub other_lines: u64,
    /// Every character with how often it occurs, `\n` included.
    pub vocabulary: BTreeMap<char, u64>,
}

impl Stats {
    /// Adds one document's counts.
    pub fn add(&mut self, document: &Document) {
        self.documents += 1;
        for c in document.text.chars() {
            self.chars += 1;
            *self.vocabulary.entry(c).or_insert(0) += 1;
        }
        for line in document.lines() {
            self.lines += 1;
            let counter = match line {
                CorpusLine::Turn { .. } => &mut self.turns,
                CorpusLine::Direction(_) => &mut self.directions,
                CorpusLine::Heading(_) => &mut self.headings,
                CorpusLine::SceneBreak => &mut self.scene_breaks,
                CorpusLine::Other(_) => &mut self.other_lines,
            };
            *counter += 1;
        }
    }
}

/// Counts a set of documents.
pub fn stats(documents: &[&Document]) -> Stats {
    let mut stats = Stats::default();
    for document in documents {
        stats.add(document);
    }
    stats
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::SourceKind;

    #[test]
    fn counts_lines_and_characters() {
        let text = "INT. A\nA: Hi.\n(Waves.)\n\nB: Yo.\n";
        let document = Document::new("a.fountain".into(), SourceKind::Fountain, None, text.into());
        let stats = stats(&[&document, &document]);
        assert_eq!(
            (stats.documents, stats.chars, stats.lines, stats.turns, stats.directions, stats.headings),
            (2, 2 * text.chars().count() as u64, 10, 4, 2, 2)
        );
        assert_eq!((stats.scene_breaks, stats.other_lines), (2, 0));
        assert_eq!(stats.vocabulary.get(&'\n'), Some(&10));
        assert_eq!(stats.vocabulary.get(&':'), Some(&4));
        assert_eq!(stats.vocabulary.values().sum::<u64>(), stats.chars);
    }

    #[test]
    fn round_trips_through_json() {
        let document = Document::new("a".into(), SourceKind::Subtitles, None, "A: \"é\"\n".into());
        let stats = stats(&[&document]);
        let json = serde_json::to_string(&stats).expect("stats serialise");
        assert!(json.contains("\"\\\"\":2"), "{json}");
        assert_eq!(serde_json::from_str::<Stats>(&json).expect("stats deserialise"), stats);
    }
}
