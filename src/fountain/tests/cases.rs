//! One-line parsing cases for each element kind and each forced form, the title page, notes and boneyard.
//!
//! Each case also goes through the writer and back (see `check`). Diagnostics are tested in `diagnostics.rs`.

use super::*;

const PAGE_BREAK: ElementKind = ElementKind::PageBreak;

fn run(cases: &[(&str, Vec<ElementKind>)]) {
    for (input, expected) in cases {
        check(input, expected);
    }
}

#[test]
fn scene_headings() {
    run(&[
        ("INT. HOUSE - DAY", vec![head("INT. HOUSE - DAY")]),
        ("EXT. PARK - NIGHT", vec![head("EXT. PARK - NIGHT")]),
        ("est. skyline", vec![head("est. skyline")]),
        ("INT./EXT. CAR - MOVING", vec![head("INT./EXT. CAR - MOVING")]),
        ("INT/EXT CAR", vec![head("INT/EXT CAR")]),
        ("I/E CAR - DAY", vec![head("I/E CAR - DAY")]),
        ("int house", vec![head("int house")]),
        ("  INT. INDENTED", vec![head("INT. INDENTED")]),
        ("INTERIOR HOUSE", vec![action("INTERIOR HOUSE")]),
        ("Int is short for interior.", vec![head("Int is short for interior.")]),
        ("Action.\nint. not a heading", vec![action("Action.\nint. not a heading")]),
        ("Action.\nINT. HEADING", vec![action("Action."), head("INT. HEADING")]),
        ("INT. HOUSE\nHe walks.", vec![head("INT. HOUSE"), action("He walks.")]),
    ]);
}

#[test]
fn forced_scene_headings() {
    run(&[
        (".FLASHBACK", vec![head("FLASHBACK")]),
        (".the moon", vec![head("the moon")]),
        ("...and then.", vec![action("...and then.")]),
        ("..", vec![action("..")]),
        (". . .", vec![action(". . .")]),
        (".", vec![action(".")]),
        ("!INT. HOUSE", vec![action("INT. HOUSE")]),
    ]);
}

#[test]
fn scene_numbers() {
    run(&[
        ("INT. HOUSE - DAY #1#", vec![head_numbered("INT. HOUSE - DAY", "1")]),
        ("INT. HOUSE - DAY #1A#", vec![head_numbered("INT. HOUSE - DAY", "1A")]),
        (".OPENING #I-1-A#", vec![head_numbered("OPENING", "I-1-A")]),
        ("EXT. ROAD #110.2#", vec![head_numbered("EXT. ROAD", "110.2")]),
        ("INT. A #1# #2#", vec![head_numbered("INT. A #1#", "2")]),
        ("INT. HOUSE #bad one#", vec![head("INT. HOUSE #bad one#")]),
        ("INT. HOUSE ##", vec![head("INT. HOUSE ##")]),
        (".#7#", vec![head_numbered("", "7")]),
    ]);
}

#[test]
fn action_paragraphs() {
    run(&[
        ("He walks in.", vec![action("He walks in.")]),
        ("He walks in.\nShe follows.", vec![action("He walks in.\nShe follows.")]),
        ("One.\n\nTwo.", vec![action("One."), action("Two.")]),
        ("   Indented.", vec![action("   Indented.")]),
        ("Trailing.   ", vec![action("Trailing.")]),
        ("BOOM!", vec![action("BOOM!")]),
        ("!BOOM", vec![action("BOOM")]),
        ("!", vec![action("")]),
        ("!  kept indent", vec![action("  kept indent")]),
        ("He says:\nBOB\nhi", vec![action("He says:\nBOB\nhi")]),
        ("23\nHello.", vec![action("23\nHello.")]),
        ("As the girl runs: a truck turns.", vec![action("As the girl runs: a truck turns.")]),
        ("Line.\n!BOB", vec![action("Line.\nBOB")]),
    ]);
}

#[test]
fn characters_and_dialogue() {
    run(&[
        ("BOB\nHello.", vec![cue("BOB"), speech("Hello.")]),
        ("BOB (V.O.)\nHello.", vec![cue_ext("BOB", "V.O."), speech("Hello.")]),
        ("MOM (O. S.)\nDinner!", vec![cue_ext("MOM", "O. S."), speech("Dinner!")]),
        ("BOB (V.O.) (CONT'D)\nHi.", vec![cue_ext("BOB", "V.O., CONT'D"), speech("Hi.")]),
        ("HANS (on the radio)\nHi.", vec![cue_ext("HANS", "on the radio"), speech("Hi.")]),
        ("@BOB (V.O.\nHi.", vec![cue_ext("BOB", "V.O."), speech("Hi.")]),
        ("BOB (V.O.\nHi.", vec![action("BOB (V.O.\nHi.")]),
        ("KEPLER (30s) floats in.\nHe eats.", vec![action("KEPLER (30s) floats in.\nHe eats.")]),
        ("R2D2\nBeep.", vec![cue("R2D2"), speech("Beep.")]),
        ("  BOB\n  Indented.", vec![cue("BOB"), speech("Indented.")]),
        ("@McCLANE\nYippee ki-yay.", vec![cue("McCLANE"), speech("Yippee ki-yay.")]),
        ("@ Bob\nHi.", vec![cue("Bob"), speech("Hi.")]),
        ("BOB\nLine one.\nLine two.", vec![cue("BOB"), speech("Line one.\nLine two.")]),
        ("BOB\nOne.\n  \nTwo.", vec![cue("BOB"), speech("One.\n\nTwo.")]),
        ("BOB\nOne.\n\nTwo.", vec![cue("BOB"), speech("One."), action("Two.")]),
        ("BOB\nOne.\n \nTwo.", vec![cue("BOB"), speech("One."), action("Two.")]),
        ("BOB\nHi.\nALICE\nHello.", vec![cue("BOB"), speech("Hi.\nALICE\nHello.")]),
        ("BOB\nWait.\n!He leaves.", vec![cue("BOB"), speech("Wait."), action("He leaves.")]),
    ]);
}

#[test]
fn parentheticals() {
    run(&[
        ("BOB\n(quietly)\nHello.", vec![cue("BOB"), paren("quietly"), speech("Hello.")]),
        (
            "BOB\n(quietly)\nHello.\n(beat)\nBye.",
            vec![cue("BOB"), paren("quietly"), speech("Hello."), paren("beat"), speech("Bye.")],
        ),
        ("BOB\n( spaced )\nHi.", vec![cue("BOB"), paren("spaced"), speech("Hi.")]),
        ("BOB\n(looking at\nher watch)", vec![cue("BOB"), speech("(looking at\nher watch)")]),
        ("(beat)", vec![action("(beat)")]),
    ]);
}

#[test]
fn dual_dialogue() {
    run(&[
        ("BRICK ^\nHi.", vec![cue_dual("BRICK"), speech("Hi.")]),
        (
            "BRICK\nScrew retirement.\n\nSTEEL ^\nScrew retirement.",
            vec![cue("BRICK"), speech("Screw retirement."), cue_dual("STEEL"), speech("Screw retirement.")],
        ),
        (
            "STEEL (O.S.) ^\nNo.",
            vec![
                ElementKind::Character { name: "STEEL".into(), extension: Some("O.S.".into()), dual: true },
                speech("No."),
            ],
        ),
    ]);
}

#[test]
fn transitions_and_centered() {
    run(&[
        ("Action.\n\nCUT TO:\n\nINT. X", vec![action("Action."), transition("CUT TO:"), head("INT. X")]),
        ("CUT TO:", vec![transition("CUT TO:")]),
        ("Action.\nCUT TO:", vec![action("Action.\nCUT TO:")]),
        ("CUT TO:\nBut he speaks.", vec![cue("CUT TO:"), speech("But he speaks.")]),
        ("Cut to:", vec![action("Cut to:")]),
        (">SMASH CUT", vec![transition("SMASH CUT")]),
        ("> fade out.", vec![transition("fade out.")]),
        (">THE END<", vec![centered("THE END")]),
        ("> THE END <", vec![centered("THE END")]),
        ("><", vec![centered("")]),
    ]);
}

#[test]
fn lyrics_sections_synopses_page_breaks() {
    run(&[
        ("~Willy Wonka! Willy Wonka!", vec![lyric("Willy Wonka! Willy Wonka!")]),
        ("BOB\n~La la la\nHe sang.", vec![cue("BOB"), lyric("La la la"), speech("He sang.")]),
        ("# ACT ONE", vec![section(1, "ACT ONE")]),
        ("### Beat", vec![section(3, "Beat")]),
        ("#", vec![section(1, "")]),
        ("= Bob finds out.", vec![synopsis("Bob finds out.")]),
        ("==", vec![synopsis("=")]),
        ("===", vec![PAGE_BREAK]),
        ("=====", vec![PAGE_BREAK]),
        ("One.\n===\nTwo.", vec![action("One."), PAGE_BREAK, action("Two.")]),
    ]);
}

#[test]
fn notes_and_boneyard() {
    run(&[
        ("He walks [[remember the hat]] in.", vec![action("He walks in.")]),
        ("[[A note alone]]\n\nHe walks.", vec![action("He walks.")]),
        ("BOB\n[[note between]]\nHello.", vec![cue("BOB"), speech("Hello.")]),
        ("He walks [[a long\nnote]] in.", vec![action("He walks\n in.")]),
        ("/* cut */He walks.", vec![action("He walks.")]),
        ("One.\n\n/*\nBOB\nHi.\n\n*/\n\nTwo.", vec![action("One."), action("Two.")]),
        ("Keep /* unclosed", vec![action("Keep /* unclosed")]),
        ("Keep [[ unclosed", vec![action("Keep [[ unclosed")]),
        ("a */ b ]] c", vec![action("a */ b ]] c")]),
        ("x/[[n]]*y */", vec![action("x/ *y */")]),
    ]);
}

#[test]
fn crlf_and_tabs() {
    run(&[
        ("INT. HOUSE\r\n\r\nBOB\r\nHi.\r\n", vec![head("INT. HOUSE"), cue("BOB"), speech("Hi.")]),
        ("One.\rTwo.", vec![action("One.\nTwo.")]),
        ("\tIndented.", vec![action("    Indented.")]),
        ("\u{feff}INT. BOM", vec![head("INT. BOM")]),
    ]);
}

#[test]
fn title_page() {
    let input = "Title: Sunspring\nCredit: written by\nAuthor: Benjamin\nDraft date: 2016\n\nINT. SHIP - NIGHT";
    let (script, diagnostics) = parse(input);
    let expected = [("Title", "Sunspring"), ("Credit", "written by"), ("Author", "Benjamin"), ("Draft date", "2016")];
    let expected: Vec<(String, String)> = expected.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    assert_eq!(script.title_page, expected);
    assert_eq!(script.title(), Some("Sunspring"));
    assert_eq!(script.kinds(), vec![&head("INT. SHIP - NIGHT")]);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    assert_eq!(script.elements[0].line, 6);
}

#[test]
fn title_page_multi_line_values() {
    let input = "Title:\n    _**BRICK & STEEL**_\n    _**FULL RETIRED**_\nContact: Pat\n\t12 Road\n   Town\n\nBody.";
    let (script, _) = parse(input);
    assert_eq!(script.title(), Some("_**BRICK & STEEL**_\n_**FULL RETIRED**_"));
    assert_eq!(script.title_page[1], ("Contact".to_string(), "Pat\n12 Road\nTown".to_string()));
    assert_eq!(script.kinds(), vec![&action("Body.")]);
    assert_round_trip(&script);
}

#[test]
fn title_page_edges() {
    let (script, _) = parse("\n\ntitle: lower key\n\nBody.");
    assert_eq!(script.title(), Some("lower key"));
    let (script, _) = parse("INT HOUSE: NIGHT\n\nBody.");
    assert!(script.title_page.is_empty());
    assert_eq!(script.kinds(), vec![&head("INT HOUSE: NIGHT"), &action("Body.")]);
    let (script, _) = parse("Title: Ended\nBOB\nHi.");
    assert_eq!(script.title(), Some("Ended"));
    assert_eq!(script.kinds(), vec![&cue("BOB"), &speech("Hi.")]);
    let (script, _) = parse("Title:\n\nBody.");
    assert_eq!(script.title(), Some(""));
}
