//! Fountain screenplays as corpus documents: headings stay headings, action becomes directions, and each
//! dialogue paragraph becomes a turn of its character.
//!
//! This file owns the mapping from [`crate::fountain`] elements to corpus lines. It must not parse Fountain
//! itself nor read files.

use super::document::TextBuilder;
use crate::diagnostic::Diagnostic;
use crate::fountain::{self, ElementKind};

/// Converts a Fountain screenplay into corpus text, returning its title-page title, the text and the parser's
/// diagnostics.
///
/// Mapping: scene heading → heading (a scene break before it); action, transition and centered text →
/// direction; character + dialogue or lyric → `NAME: text` (extension and dual mark dropped); a parenthetical
/// is folded into the start of the paragraph that follows it, as `(beat) text`; sections, synopses and page
/// breaks are outline notes and dropped. Emphasis marks are removed.
pub(crate) fn ingest(source: &str) -> (Option<String>, String, Vec<Diagnostic>) {
    let (script, diagnostics) = fountain::parse(source);
    let mut builder = TextBuilder::default();
    let mut speaker: Option<&str> = None;
    let mut parenthetical: Option<String> = None;
    for element in &script.elements {
        match &element.kind {
            ElementKind::SceneHeading { text, .. } => builder.heading(&fountain::plain(text)),
            ElementKind::Action(text) | ElementKind::Transition(text) | ElementKind::Centered(text) => {
                builder.direction(&fountain::plain(text));
            }
            ElementKind::Character { name, .. } => {
                speaker = Some(name);
                parenthetical = None;
            }
            ElementKind::Parenthetical(text) => parenthetical = Some(fountain::plain(text)),
            ElementKind::Dialogue(text) | ElementKind::Lyric(text) => {
                let spoken = fountain::plain(text);
                let text = match parenthetical.take() {
                    Some(aside) => format!("({aside}) {spoken}"),
                    None => spoken,
                };
                builder.turn(speaker.unwrap_or("UNKNOWN"), &text);
            }
            ElementKind::Section { .. } | ElementKind::Synopsis(_) | ElementKind::PageBreak => {}
        }
    }
    let title = script.title().map(|title| title.replace('\n', " ")).filter(|title| !title.trim().is_empty());
    (title, builder.finish(), diagnostics)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(source: &str, expected: &str) {
        let (_, text, _) = ingest(source);
        assert_eq!(text.trim_end().replace('\n', " / "), expected, "fountain {source:?}");
    }

    #[test]
    fn elements_map_to_lines() {
        check("INT. HOUSE - DAY\n\nShe *waits*.\n\nBOB\nHi.\n", "INT. HOUSE - DAY / (She waits.) / BOB: Hi.");
        check("EXT. A\n\nBOB (V.O.)\n(softly)\nHi.\n", "EXT. A / BOB: (softly) Hi.");
        check("INT. A\n\nX\n\nEXT. B\n\nY\n", "INT. A / (X) /  / EXT. B / (Y)");
        check("INT. A\n\nCUT TO:\n\n# Act\n\n= synopsis\n", "INT. A / (CUT TO:)");
        check(".FLASHBACK\n\nBOB\nHi.\n", "(FLASHBACK) / BOB: Hi.");
        check("BOB\nLine one\nline two.\n", "BOB: Line one line two.");
    }
}
