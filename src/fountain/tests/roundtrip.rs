//! The fixture screenplay (`tests/data/fountain/lantern.fountain`): exact counts of what it holds, no
//! diagnostics, and a round trip through the writer.
//!
//! The fixture is read at compile time from the crate's `tests/data/fountain/`; this file must not write it.

use super::*;

const LANTERN: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/fountain/lantern.fountain"));

fn lantern() -> Script {
    let (script, diagnostics) = parse(LANTERN);
    assert!(diagnostics.is_empty(), "fixture diagnostics: {diagnostics:?}");
    script
}

#[test]
fn fixture_title_page() {
    let script = lantern();
    assert_eq!(script.title(), Some("LANTERN"));
    let keys: Vec<&str> = script.title_page.iter().map(|(key, _)| key.as_str()).collect();
    assert_eq!(keys, ["Title", "Credit", "Author", "Draft date", "Contact"]);
    assert_eq!(script.title_page[4].1, "reel studio\nHangar 9, Orbital Ring");
}

#[test]
fn fixture_counts() {
    let script = lantern();
    assert_eq!(script.elements.len(), 59);
    let scenes = script.scenes();
    assert_eq!(scenes.len(), 6);
    let headings: Vec<Option<&str>> = scenes.iter().map(|scene| scene.heading.as_deref()).collect();
    assert_eq!(
        headings,
        [
            None,
            Some("EXT. DEBRIS FIELD - ETERNAL NIGHT"),
            Some("INT. LANTERN - COCKPIT - CONTINUOUS"),
            Some("EXT. DERELICT HULL - MOMENTS LATER"),
            Some("INT. DERELICT - CORRIDOR - CONTINUOUS"),
            Some("BLACK SCREEN"),
        ]
    );
    let numbers: Vec<Option<&str>> = scenes.iter().map(|scene| scene.number.as_deref()).collect();
    assert_eq!(numbers, [None, Some("1"), Some("2"), Some("3"), Some("4"), None]);

    let lines = script.dialogue();
    assert_eq!(lines.len(), 16);
    let spoken_by = |name: &str| lines.iter().filter(|line| line.character == name).count();
    assert_eq!((spoken_by("ORLA"), spoken_by("KEPLER"), spoken_by("SHIP")), (7, 5, 4));
    let mut characters: Vec<&str> = lines.iter().map(|line| line.character.as_str()).collect();
    characters.sort_unstable();
    characters.dedup();
    assert_eq!(characters, ["KEPLER", "ORLA", "SHIP"]);
    let voice_over = lines.iter().filter(|line| line.extension.as_deref() == Some("V.O.")).count();
    assert_eq!(voice_over, 4);
    let with_parenthetical = lines.iter().filter(|line| line.parenthetical.is_some()).count();
    assert_eq!(with_parenthetical, 4);
}

#[test]
fn fixture_element_kinds() {
    let script = lantern();
    let count = |wanted: fn(&ElementKind) -> bool| script.elements.iter().filter(|e| wanted(&e.kind)).count();
    assert_eq!(count(|k| matches!(k, ElementKind::Character { .. })), 15);
    assert_eq!(count(|k| matches!(k, ElementKind::Character { dual: true, .. })), 1);
    assert_eq!(count(|k| matches!(k, ElementKind::Parenthetical(_))), 4);
    assert_eq!(count(|k| matches!(k, ElementKind::Transition(_))), 2);
    assert_eq!(count(|k| matches!(k, ElementKind::Action(_))), 11);
    let kinds = script.kinds();
    assert_eq!(kinds[0], &section(1, "ACT ONE"));
    assert_eq!(kinds[1], &synopsis("A salvage crew finds a ship that still remembers its dead."));
    assert_eq!(kinds[2], &action("FADE IN:"));
    assert!(kinds.contains(&&transition("CUT TO:")));
    assert!(kinds.contains(&&transition("SMASH CUT TO BLACK")));
    assert!(kinds.contains(&&speech("This one is warm.\n\nWhy is this one warm?")));
    assert!(kinds.contains(&&lyric("Sleep now, little crew, the stars will keep you")));
    assert!(kinds.contains(&&action("INT. IS WHAT THE SIGN SAYS. EXT. IS WHAT THE WINDOW SAYS.")));
    assert!(kinds.contains(&&ElementKind::PageBreak));
    assert!(kinds.contains(&&section(2, "Coda")));
    assert_eq!(kinds.last(), Some(&&centered("THE END")));
    let text = |k: &&ElementKind| format!("{k:?}");
    assert!(!kinds.iter().any(|k| text(k).contains("Pulse colour") || text(k).contains("Percy")));
}

#[test]
fn fixture_round_trips() {
    let script = lantern();
    assert_round_trip(&script);
    let written = write(&script);
    let (again, diagnostics) = parse(&written);
    assert!(diagnostics.is_empty(), "diagnostics of written text: {diagnostics:?}");
    assert_eq!(write(&again), written, "writing is not a fixpoint");
    assert_eq!(again.scenes().len(), 6);
    assert_eq!(again.dialogue().len(), 16);
}
