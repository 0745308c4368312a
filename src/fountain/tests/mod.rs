//! Tests of the Fountain module, with the helpers they share: `check` (input to element kinds, plus a round
//! trip through the writer) and `check_diagnostics` (input to diagnostic lines and messages).
//!
//! Test files must not reach into private parser state; they use the public API only.

mod cases;
mod diagnostics;
mod fuzz;
mod roundtrip;
mod views;

use super::{ElementKind, Script, parse, write};

/// Parses `input`, compares its element kinds with `expected`, then checks that writing and parsing again
/// gives the same title page and kinds.
fn check(input: &str, expected: &[ElementKind]) {
    let (script, _) = parse(input);
    let kinds: Vec<ElementKind> = script.elements.iter().map(|element| element.kind.clone()).collect();
    assert_eq!(kinds, expected, "parsing {input:?}");
    assert_round_trip(&script);
}

/// Writes `script`, parses the text, and asserts the same title page and element kinds come back.
fn assert_round_trip(script: &Script) {
    let written = write(script);
    let (again, _) = parse(&written);
    assert_eq!(again.title_page, script.title_page, "title page of written text {written:?}");
    assert_eq!(again.kinds(), script.kinds(), "elements of written text {written:?}");
}

/// Parses `input` and compares its diagnostics, as (line, part of the message), with `expected`. The
/// script-wide "no scene headings" and "no elements" warnings are left out unless a test asks for them.
fn check_diagnostics(input: &str, expected: &[(usize, &str)]) {
    let (_, diagnostics) = parse(input);
    let wants_script_wide = expected.iter().any(|(_, message)| message.contains("script has no"));
    let found: Vec<(usize, String)> = diagnostics
        .iter()
        .filter(|diagnostic| wants_script_wide || !diagnostic.message.starts_with("script has no"))
        .map(|diagnostic| (diagnostic.line, diagnostic.message.clone()))
        .collect();
    let matches = found.len() == expected.len()
        && found
            .iter()
            .zip(expected)
            .all(|((line, message), (want_line, want))| line == want_line && message.contains(want));
    assert!(matches, "diagnostics of {input:?}: expected {expected:?}, found {found:?}");
}

fn head(text: &str) -> ElementKind {
    ElementKind::SceneHeading { text: text.to_string(), scene_number: None }
}

fn head_numbered(text: &str, number: &str) -> ElementKind {
    ElementKind::SceneHeading { text: text.to_string(), scene_number: Some(number.to_string()) }
}

fn action(text: &str) -> ElementKind {
    ElementKind::Action(text.to_string())
}

fn cue(name: &str) -> ElementKind {
    ElementKind::Character { name: name.to_string(), extension: None, dual: false }
}

fn cue_ext(name: &str, extension: &str) -> ElementKind {
    ElementKind::Character { name: name.to_string(), extension: Some(extension.to_string()), dual: false }
}

fn cue_dual(name: &str) -> ElementKind {
    ElementKind::Character { name: name.to_string(), extension: None, dual: true }
}

fn paren(text: &str) -> ElementKind {
    ElementKind::Parenthetical(text.to_string())
}

fn speech(text: &str) -> ElementKind {
    ElementKind::Dialogue(text.to_string())
}

fn lyric(text: &str) -> ElementKind {
    ElementKind::Lyric(text.to_string())
}

fn transition(text: &str) -> ElementKind {
    ElementKind::Transition(text.to_string())
}

fn centered(text: &str) -> ElementKind {
    ElementKind::Centered(text.to_string())
}

fn section(depth: usize, text: &str) -> ElementKind {
    ElementKind::Section { depth, text: text.to_string() }
}

fn synopsis(text: &str) -> ElementKind {
    ElementKind::Synopsis(text.to_string())
}
