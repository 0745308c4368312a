//! The read-only views of a script (`scenes`, `dialogue`, `title`), the builder, and `plain`.
//!
//! These tests use small inline scripts; the fixture screenplay is tested in `roundtrip.rs`.

use super::*;
use crate::fountain::{Element, Line, plain};

const SHORT: &str = "\
Early action.

INT. LAB - NIGHT #3#

ANA (V.O.)
(whispering)
Are you awake?
(beat)
Answer me.

BEN
Always.

EXT. ROOF - DAY

Wind.
";

#[test]
fn scenes_group_elements_under_headings() {
    let (script, _) = parse(SHORT);
    let scenes = script.scenes();
    assert_eq!(scenes.len(), 3);
    assert_eq!((scenes[0].heading.as_deref(), scenes[0].line), (None, 1));
    assert_eq!(scenes[0].elements, vec![Element::new(action("Early action."), 1)]);
    assert_eq!(scenes[1].heading.as_deref(), Some("INT. LAB - NIGHT"));
    assert_eq!((scenes[1].number.as_deref(), scenes[1].line), (Some("3"), 3));
    assert_eq!(scenes[1].elements.len(), 7);
    assert_eq!(scenes[2].heading.as_deref(), Some("EXT. ROOF - DAY"));
    assert_eq!(scenes[2].elements, vec![Element::new(action("Wind."), 16)]);
}

#[test]
fn scenes_without_leading_elements() {
    let (script, _) = parse("INT. A\n\nOne.");
    let scenes = script.scenes();
    assert_eq!(scenes.len(), 1);
    assert_eq!(scenes[0].heading.as_deref(), Some("INT. A"));
    assert!(Script::new().scenes().is_empty());
}

#[test]
fn dialogue_lines_carry_their_parenthetical() {
    let (script, _) = parse(SHORT);
    let line = |character: &str, extension: Option<&str>, parenthetical: Option<&str>, text: &str, at: usize| Line {
        character: character.to_string(),
        extension: extension.map(str::to_string),
        parenthetical: parenthetical.map(str::to_string),
        text: text.to_string(),
        line: at,
    };
    let expected = vec![
        line("ANA", Some("V.O."), Some("whispering"), "Are you awake?", 7),
        line("ANA", Some("V.O."), Some("beat"), "Answer me.", 9),
        line("BEN", None, None, "Always.", 12),
    ];
    assert_eq!(script.dialogue(), expected);
}

#[test]
fn element_lines_are_one_based_input_lines() {
    let (script, _) = parse(SHORT);
    let lines: Vec<usize> = script.elements.iter().map(|element| element.line).collect();
    assert_eq!(lines, vec![1, 3, 5, 6, 7, 8, 9, 11, 12, 14, 16]);
}

#[test]
fn builder_script_round_trips() {
    let mut script = Script::new();
    script.push_title("Title", "Built").push_title("Author", "reel\nmodel v2");
    script
        .push(ElementKind::Section { depth: 1, text: "Act One".into() })
        .push(head("INT. POD - NIGHT"))
        .push(head("Bridge of the Ark"))
        .push(action("HAL BLINKS."))
        .push(action("The pod hums.\nA light flickers."))
        .push(cue("Dr. Reyes"))
        .push(paren("calm"))
        .push(speech("Open the door."))
        .push(cue_ext("HAL", "V.O."))
        .push(speech("No."))
        .push(cue("ORPHAN"))
        .push(ElementKind::Transition("DISSOLVE TO:".into()))
        .push(ElementKind::Transition("Fade out".into()))
        .push(ElementKind::Centered("END".into()))
        .push(ElementKind::PageBreak);
    assert_eq!(script.title(), Some("Built"));
    assert!(script.elements.iter().all(|element| element.line == 0));
    assert_round_trip(&script);
    let written = write(&script);
    for forced in ["\n.Bridge of the Ark\n", "\n!HAL BLINKS.\n", "\n@Dr. Reyes\n", "\n@ORPHAN\n", "\n>Fade out\n"] {
        assert!(written.contains(forced), "{forced:?} missing from {written}");
    }
    assert!(written.contains("\nHAL (V.O.)\nNo.\n"), "{written}");
    assert!(written.starts_with("Title: Built\nAuthor:\n    reel\n    model v2\n\n# Act One\n"), "{written}");
}

#[test]
fn writer_protects_the_first_line_without_title_page() {
    let mut script = Script::new();
    script.push(action("Notes: bring the hat."));
    assert_eq!(write(&script), "!Notes: bring the hat.\n");
    assert_round_trip(&script);
}

#[test]
fn plain_strips_emphasis() {
    let cases = [
        ("*italic* **bold** ***both*** _under_", "italic bold both under"),
        ("**_bold underline_**", "bold underline"),
        ("5 * 3 * 2", "5 * 3 * 2"),
        (r"\*not italic\*", "*not italic*"),
        ("*open only", "*open only"),
        ("a*b*c", "abc"),
        ("*one\ntwo*", "*one\ntwo*"),
        ("", ""),
    ];
    for (input, expected) in cases {
        assert_eq!(plain(input), expected, "plain({input:?})");
    }
}
