//! The writer with a scripted generator (the trained-model path is tested end to end through `reel write`).

use super::*;
use crate::fountain::{self, ElementKind};

/// Replays fixed corpus text, and records the contexts it was given.
struct Scripted {
    parts: Vec<&'static str>,
    seen: std::sync::Mutex<Vec<String>>,
}

impl Generator for Scripted {
    fn continue_text(&self, context: &str, _max: usize, _seed: u64) -> Result<String, ScreenplayError> {
        let mut seen = self.seen.lock().unwrap();
        let i = seen.len();
        seen.push(context.to_string());
        Ok(self.parts.get(i).copied().unwrap_or("").to_string())
    }
}

fn brief() -> Brief {
    Brief {
        title: "Sunspring".into(),
        line: Some("In a future with mass unemployment, young people are forced to sell blood.".into()),
        prop: Some("a book pulled from a shelf".into()),
    }
}

#[test]
fn the_brief_is_written_in_and_the_model_continues_from_it() {
    let generator = Scripted {
        parts: vec![
            "(Elsinore. A room in the castle.)\nA: I don't know.\nB: (quietly) Then go.\nA: half a li",
            "B: You should see the boy.\n\n(Enter H.)\nA: What?\n",
            "A: I am not a doctor.\n\nINT. SHIP - NIGHT\nB: It's a damn thing.\nnoise\n",
        ],
        seen: Default::default(),
    };
    let script = write(&generator, &brief(), &WriteOptions::default()).unwrap();
    let seen = generator.seen.lock().unwrap();
    assert!(seen[1].ends_with("(A book pulled from a shelf.)\n"), "the prop primes part 2: {:?}", seen[1]);
    assert!(
        seen[2].ends_with("B: In a future with mass unemployment, young people are forced to sell blood.\n"),
        "{:?}",
        seen[2]
    );
    assert!(!seen[1].contains("half a li"), "a cut-off line is dropped");
    assert!(check_brief(&script, &brief()).ok());

    let kinds: Vec<&ElementKind> = script.elements.iter().map(|e| &e.kind).collect();
    assert!(
        matches!(kinds[0], ElementKind::SceneHeading { text, .. } if text.starts_with("INT. ELSINORE - A ROOM IN THE CASTLE - "))
    );
    assert!(kinds.iter().any(|k| matches!(k, ElementKind::Parenthetical(p) if p == "quietly")));
    assert!(kinds.iter().any(|k| matches!(k, ElementKind::SceneHeading { text, .. } if text == "INT. SHIP - NIGHT")));
    let names: Vec<&str> = kinds
        .iter()
        .filter_map(|k| match k {
            ElementKind::Character { name, .. } => Some(name.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(&names[..4], ["H", "H2", "H2", "H"], "speakers become Sunspring names in order of appearance");

    // The Fountain text parses back without a diagnostic and still honours the brief.
    let text = fountain::write(&script);
    let (parsed, diagnostics) = fountain::parse(&text);
    assert!(diagnostics.is_empty(), "{diagnostics:?}\n{text}");
    assert!(check_brief(&parsed, &brief()).ok(), "{text}");
}

#[test]
fn a_broken_brief_is_refused_and_a_missing_piece_is_named() {
    let generator = Scripted { parts: vec![], seen: Default::default() };
    let empty = Brief { title: " ".into(), ..brief() };
    assert!(matches!(write(&generator, &empty, &WriteOptions::default()), Err(ScreenplayError::EmptyTitle)));
    let script = assemble("A: hello\n", &Brief { title: "T".into(), line: None, prop: None }, &WriteOptions::default());
    let check = check_brief(&script, &brief());
    assert_eq!((check.title, check.line, check.prop), (false, false, false));
    assert_eq!(check.problems.len(), 3);
}

#[test]
fn a_prop_that_opens_a_scene_stays_an_action_line() {
    // The model's first part ended with a scene break, so the prop's direction opens the next scene: it must not
    // become the scene's place (it did, and the brief failed with "no action line holds ...").
    let generator = Scripted { parts: vec!["A: Away.\n\n", "A: Look.\n", "B: No.\n"], seen: Default::default() };
    let script = write(&generator, &brief(), &WriteOptions::default()).expect("the brief is honoured");
    let kinds = script.kinds();
    assert!(kinds.iter().any(|k| matches!(k, ElementKind::Action(a) if a == "A book pulled from a shelf.")));
    assert!(!kinds.iter().any(|k| matches!(k, ElementKind::SceneHeading { text, .. } if text.contains("BOOK"))));
}

#[test]
fn next_speaker_follows_turn_taking() {
    assert_eq!(next_speaker("\nA: one\nB: two\nA: three\n"), "B");
    assert_eq!(next_speaker("\nHAMLET: one\nHORATIO: two\n"), "HAMLET");
    assert_eq!(next_speaker("\nA: one\n"), "B");
    assert_eq!(next_speaker("\n(Enter.)\n"), "A");
    assert_eq!(next_speaker("\nA: one\nB: two\n\nC: new scene\n"), "A");
}
