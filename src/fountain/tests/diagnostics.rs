//! The diagnostics for each kind of malformed input, with their 1-based lines, and what was read anyway.
//!
//! Well-formed input must produce no diagnostics at all; that is checked here too.

use super::*;

#[test]
fn well_formed_input_has_no_diagnostics() {
    check_diagnostics("Title: T\n\nINT. A - DAY\n\nBOB\n(beat)\nHi.\n\nCUT TO:\n\n>THE END<", &[]);
}

#[test]
fn character_cue_without_dialogue() {
    check_diagnostics("INT. A\n\n@BOB\n\nHello.", &[(3, "cue with no dialogue")]);
    check_diagnostics("INT. A\n\nBOB (V.O.)\n\nHello.", &[(3, "cue with no dialogue")]);
    check_diagnostics("INT. A\n\nBOB\n(beat)\n\nHello.", &[(3, "cue with no dialogue")]);
    check_diagnostics("INT. A\n\n@BOB", &[(3, "cue with no dialogue")]);
    check_diagnostics("INT. A\n\n@ (V.O.)\nHi.", &[(3, "without a name")]);
    check("@BOB\n\nHello.", &[cue("BOB"), action("Hello.")]);
    check("BOB (V.O.)\n\nHello.", &[action("BOB (V.O.)"), action("Hello.")]);
}

#[test]
fn unclosed_boneyard_and_note() {
    check_diagnostics("INT. A\n\nHe walks.\n/* never closed\nmore", &[(4, "unclosed boneyard")]);
    check_diagnostics("INT. A\n\nHi [[ open\n\nBye [[ again", &[(3, "unclosed note")]);
    check_diagnostics("INT. A\n\n/* closed\n\n*/ [[ open", &[(5, "unclosed note")]);
}

#[test]
fn parenthetical_outside_dialogue() {
    check_diagnostics("INT. A\n\nHe waits.\n\n(beat)", &[(5, "parenthetical outside dialogue")]);
    check_diagnostics("INT. A\n\nHe waits.\n(beat)", &[(4, "parenthetical outside dialogue")]);
}

#[test]
fn empty_scene_headings() {
    check_diagnostics("INT.", &[(1, "empty scene heading")]);
    check_diagnostics("Text.\n\n.#4#", &[(3, "empty scene heading")]);
    check("INT.", &[head("INT.")]);
}

#[test]
fn scene_heading_spacing() {
    check_diagnostics("INT. A\nHe walks.", &[(1, "without a blank line after")]);
    check_diagnostics("INT. A\n\nBOB\nHello.\nEXT. B", &[(5, "without a blank line before")]);
    check_diagnostics("INT. A\n\nHe walks.\nEXT. B", &[(4, "without a blank line before")]);
    check("BOB\nHello.\nEXT. B", &[cue("BOB"), speech("Hello."), head("EXT. B")]);
}

#[test]
fn title_page_problems() {
    check_diagnostics("Author: Me\n\nINT. A", &[(1, "no Title")]);
    check_diagnostics("\nAuthor: Me\n\nINT. A", &[(2, "no Title")]);
    check_diagnostics("Title: T\nINT. A", &[(2, "not ended by a blank line")]);
}

#[test]
fn tabs_crlf_and_garbage() {
    check_diagnostics("INT. A\n\n\tHe walks.\n\tOn.", &[(3, "tab"), (4, "tab")]);
    check_diagnostics("INT. A\r\n\r\nHe walks.\r\n", &[(1, "carriage return")]);
    check_diagnostics("INT. A\n\nHe\u{0}llo\u{7}.\n\u{fffd}", &[(3, "control"), (4, "control")]);
    check("INT. A\n\nHe\u{0}llo.", &[head("INT. A"), action("Hello.")]);
}

#[test]
fn script_without_scene_headings() {
    check_diagnostics("\n\nHe walks.\n\nBOB\nHi.", &[(3, "script has no scene headings")]);
    check_diagnostics("", &[(1, "script has no elements")]);
    check_diagnostics("Title: Only\n", &[(1, "script has no elements")]);
}

#[test]
fn diagnostics_are_sorted_by_line() {
    let (_, diagnostics) = crate::fountain::parse("Author: X\n\n\tOne.\n\nBOB (V.O.)\n\n(beat)\n/* open");
    let lines: Vec<usize> = diagnostics.iter().map(|diagnostic| diagnostic.line).collect();
    let mut sorted = lines.clone();
    sorted.sort_unstable();
    assert_eq!(lines, sorted);
    assert!(diagnostics.iter().all(|d| d.severity == crate::diagnostic::Severity::Warning));
}
