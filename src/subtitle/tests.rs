//! Whole-file tests: the public API on fixture files (`tests/data/subtitle/`) and on the real subtitles of
//! Tears of Steel and Sintel in the shared data (`../shared/data/subtitles`, or `$REEL_SHARED_DATA/subtitles`).
//!
//! Owns only tests. Tests that need the shared data print why and pass without checking when it is missing.

use std::env;
use std::path::{Path, PathBuf};

use super::test_util::{render_cues, render_diagnostics};
use super::*;
use crate::diagnostic::Severity;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/subtitle").join(name)
}

/// The shared subtitles folder, or `None` (after saying so) when it is not there.
fn shared_subtitles() -> Option<PathBuf> {
    let data = env::var_os("REEL_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data"));
    let subtitles = data.join("subtitles");
    if subtitles.is_dir() {
        Some(subtitles)
    } else {
        eprintln!("skipped: no shared data at {} (set REEL_SHARED_DATA)", subtitles.display());
        None
    }
}

/// Reads a file that must parse without any diagnostic.
fn read_clean(path: &Path) -> Parsed {
    let parsed = read_file(path).unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(render_diagnostics(&parsed.diagnostics), Vec::<String>::new(), "{}", path.display());
    parsed
}

fn times(cues: &[Cue]) -> Vec<(u64, u64)> {
    cues.iter().map(|cue| (cue.start_ms, cue.end_ms)).collect()
}

/// One Tears of Steel translation: file, first and last cue text, the line of the last cue, and the indexes of
/// the cues whose times differ from the English file's.
struct Translation {
    file: &'static str,
    first: &'static str,
    last: &'static str,
    last_line: usize,
    retimed: &'static [usize],
}

const TEARS_OF_STEEL: [Translation; 7] = [
    Translation {
        file: "TOS-en.srt",
        first: "You're a jerk, Thom.",
        last: "Could'a gone worse.",
        last_line: 309,
        retimed: &[],
    },
    Translation {
        file: "TOS-de.srt",
        first: "Du bist ein Vollidiot, Thom.",
        last: "...hätte schlimmer kommen können.",
        last_line: 308,
        retimed: &[],
    },
    Translation {
        file: "TOS-es.srt",
        first: "Eres un imbécil, Thom.",
        last: "Podría haber ido peor.",
        last_line: 309,
        retimed: &[8],
    },
    Translation {
        file: "TOS-fr-Goofy.srt",
        first: "T'es un salaud, Thom.",
        last: "Ça aurait pu être pire.",
        last_line: 308,
        retimed: &[8],
    },
    Translation {
        file: "TOS-it.srt",
        first: "Sei un idiota, Thom.",
        last: "Poteva andare peggio.",
        last_line: 302,
        retimed: &[8],
    },
    Translation {
        file: "TOS-nl.srt",
        first: "Je bent een eikel, Thom.",
        last: "Het kon slechter.",
        last_line: 307,
        retimed: &[7, 8],
    },
    Translation {
        file: "TOS-ru.srt",
        first: "Ты придурок, Том!",
        last: "Могло быть и хуже.",
        last_line: 308,
        retimed: &[8],
    },
];

const TOS_CUES: usize = 76;

#[test]
fn tears_of_steel_in_seven_languages() {
    let Some(subtitles) = shared_subtitles() else { return };
    let dir = subtitles.join("tears_of_steel");
    let english = read_clean(&dir.join("TOS-en.srt"));
    for translation in &TEARS_OF_STEEL {
        let parsed = read_clean(&dir.join(translation.file));
        let name = translation.file;
        assert_eq!((parsed.format, parsed.encoding), (Format::Srt, "UTF-8"), "{name}");
        assert_eq!(parsed.cues.len(), TOS_CUES, "{name}");
        let (first, last) = (&parsed.cues[0], &parsed.cues[TOS_CUES - 1]);
        assert_eq!(
            (first.line, first.start_ms, first.end_ms, first.text.as_str()),
            (1, 23_000, 24_500, translation.first),
            "{name}"
        );
        assert_eq!(
            (last.line, last.start_ms, last.end_ms, last.text.as_str()),
            (translation.last_line, 566_000, 567_000, translation.last),
            "{name}"
        );
        assert!(parsed.cues.iter().all(|cue| cue.speaker.is_none() && !cue.text.is_empty()), "{name}");
        let retimed: Vec<usize> =
            (0..TOS_CUES).filter(|&i| times(&parsed.cues)[i] != times(&english.cues)[i]).collect();
        assert_eq!(retimed, translation.retimed, "{name}");
    }
}

#[test]
fn tears_of_steel_details() {
    let Some(subtitles) = shared_subtitles() else { return };
    let dir = subtitles.join("tears_of_steel");
    let english = read_clean(&dir.join("TOS-en.srt")).cues;
    assert_eq!(english[2].text, "...you have your robotics, and I\njust want to be awesome in space.");
    assert_eq!((english[8].line, english[8].start_ms, english[8].end_ms), (36, 42_200, 45_000));
    assert_eq!(english[8].text, "\"Fourty years later\"\nWhatever, Thom. We're done.");
    assert_eq!(english[9].line, 42, "a cue after two blank lines");
    // A trailing space at the end of a line is trimmed.
    let french = read_clean(&dir.join("TOS-fr-Goofy.srt")).cues;
    assert_eq!(french[2].text, "...toi t'as la robotique, et moi\nje veux juste être super dans l'espace.");
    // The Dutch file retimes cues 8 and 9 (indexes 7 and 8).
    let dutch = read_clean(&dir.join("TOS-nl.srt")).cues;
    assert_eq!(times(&dutch[7..9]), [(41_000, 42_500), (42_500, 45_000)]);
}

#[test]
fn russian_text_is_cyrillic() {
    let Some(subtitles) = shared_subtitles() else { return };
    let cues = read_clean(&subtitles.join("tears_of_steel/TOS-ru.srt")).cues;
    let letters: Vec<char> = cues.iter().flat_map(|cue| cue.text.chars()).filter(|c| c.is_alphabetic()).collect();
    assert!(letters.len() > 1000, "{} letters", letters.len());
    let not_cyrillic: String = letters.iter().filter(|c| !('\u{400}'..='\u{4ff}').contains(*c)).collect();
    assert_eq!(not_cyrillic, "");
    assert_eq!(cues[1].text, "Послушай Селия, мы должны\nследовать нашим желаниям...");
}

#[test]
fn sintel() {
    let Some(subtitles) = shared_subtitles() else { return };
    let parsed = read_clean(&subtitles.join("sintel/sintel_en.srt"));
    let cues = &parsed.cues;
    assert_eq!((parsed.format, parsed.encoding, cues.len()), (Format::Srt, "UTF-8", 26));
    assert_eq!(
        (cues[0].start_ms, cues[0].end_ms, cues[0].text.as_str()),
        (137_250, 140_500, "This blade has a dark past.")
    );
    assert_eq!(cues[2].text, "You're a fool for traveling alone,\nso completely unprepared.");
    assert_eq!(
        (cues[25].line, cues[25].start_ms, cues[25].end_ms, cues[25].text.as_str()),
        (105, 656_200, 659_800, "Scales...")
    );
    assert!(cues.windows(2).all(|pair| pair[0].end_ms <= pair[1].start_ms), "Sintel's cues do not overlap");
}

/// The ffmpeg conversions of `TOS-en.srt` (`ffmpeg -i TOS-en.srt TOS-en.vtt`, and `.ass`) read as the SRT does.
#[test]
fn ffmpeg_conversions_match_the_srt() {
    let vtt = read_clean(&fixture("TOS-en.vtt"));
    let ass = read_clean(&fixture("TOS-en.ass"));
    assert_eq!((vtt.format, ass.format), (Format::WebVtt, Format::Ass));
    for parsed in [&vtt, &ass] {
        let cues = &parsed.cues;
        assert_eq!(cues.len(), TOS_CUES);
        assert_eq!((cues[0].start_ms, cues[0].end_ms, cues[0].text.as_str()), (23_000, 24_500, "You're a jerk, Thom."));
        assert_eq!(cues[2].text, "...you have your robotics, and I\njust want to be awesome in space.");
        assert_eq!(
            (cues[75].start_ms, cues[75].end_ms, cues[75].text.as_str()),
            (566_000, 567_000, "Could'a gone worse.")
        );
    }
    assert_eq!((vtt.cues[0].line, vtt.cues[75].line), (3, 235));
    assert_eq!((ass.cues[0].line, ass.cues[75].line), (14, 89));
    let Some(subtitles) = shared_subtitles() else { return };
    let srt = read_clean(&subtitles.join("tears_of_steel/TOS-en.srt"));
    let plain =
        |parsed: &Parsed| parsed.cues.iter().map(|c| (c.start_ms, c.end_ms, c.text.clone())).collect::<Vec<_>>();
    assert_eq!(plain(&vtt), plain(&srt));
    assert_eq!(plain(&ass), plain(&srt));
}

#[test]
fn voices_fixture() {
    let parsed = read_clean(&fixture("voices.vtt"));
    let expected = [
        "17: 1000-3500 [Ann] Did you hear that?",
        "21: 3600-5000 [Ben] Hear what?|The <engine> & the rain.",
        "27: 5000-7000 rolling caption words",
        "30: 7000-8000 漢字\u{a0}です",
    ];
    assert_eq!(render_cues(&parsed.cues), expected.join(" # "));
}

#[test]
fn ssa_v4_fixture() {
    let parsed = read_clean(&fixture("legacy.ssa"));
    let expected = [
        "12: 1000-3500 [Ann] Well, here we are.",
        "14: 4000-6250 [Ben] First line|Second line",
        "15: 7000-8000 No name",
        "16: 3600000-3601500 Hour one",
    ];
    assert_eq!((parsed.format, parsed.encoding), (Format::Ass, "UTF-8"));
    assert_eq!(render_cues(&parsed.cues), expected.join(" # "));
}

#[test]
fn encoding_fixtures() {
    let legacy = read_file(&fixture("windows-1252.srt")).unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(legacy.encoding, "windows-1252");
    assert_eq!(render_cues(&legacy.cues), "1: 1000-2000 Café crème # 5: 3000-4000 “Quotes” – naïve €");
    assert_eq!(
        render_diagnostics(&legacy.diagnostics),
        ["3: warning: not valid UTF-8 (byte 0xE9); read the file as Windows-1252 instead"]
    );
    let utf16 = read_clean(&fixture("utf-16le.srt"));
    assert_eq!(utf16.encoding, "UTF-16LE");
    assert_eq!(render_cues(&utf16.cues), "1: 1000-2500 Привет, мир! # 5: 3000-4000 Пока");
}

#[test]
fn messy_srt_fixture() {
    let parsed = read_file(&fixture("messy.srt")).unwrap_or_else(|error| panic!("{error}"));
    let expected = [
        "1: 1000-2000 No index, dots",
        "6: 3000-4000 Top|bold",
        "22: 443045678-443046000 Late",
        "25: 10000-11000 Last, no final newline",
    ];
    assert_eq!(render_cues(&parsed.cues), expected.join(" # "));
    let diagnostics = [
        "12: error: bad end time `00:00:0x,000` (expected hh:mm:ss.mmm)",
        "15: error: missing timing line `start --> end`; skipped 2 lines starting `4`",
        "19: error: end time `00:00:08,000` is before start time `00:00:09,000`",
    ];
    assert_eq!(render_diagnostics(&parsed.diagnostics), diagnostics);
    assert!(parsed.diagnostics.iter().all(|d| d.severity == Severity::Error));
}

const SRT: &str = "1\n00:00:01,000 --> 00:00:02,000\nHi\n";

fn utf16_bytes(text: &str, big_endian: bool) -> Vec<u8> {
    std::iter::once(0xFEFF)
        .chain(text.encode_utf16())
        .flat_map(|unit| if big_endian { unit.to_be_bytes() } else { unit.to_le_bytes() })
        .collect()
}

#[test]
fn parse_bytes_sniffs_and_decodes() {
    let cases: [(Vec<u8>, Option<Format>, Format, &str); 6] = [
        (SRT.as_bytes().to_vec(), None, Format::Srt, "UTF-8"),
        (SRT.as_bytes().to_vec(), Some(Format::Srt), Format::Srt, "UTF-8"),
        ([b"\xEF\xBB\xBF", SRT.as_bytes()].concat(), None, Format::Srt, "UTF-8"),
        (utf16_bytes(SRT, false), None, Format::Srt, "UTF-16LE"),
        (utf16_bytes(&format!("WEBVTT\r\n\r\n{SRT}"), true), None, Format::WebVtt, "UTF-16BE"),
        (
            b"[Events]\nFormat: Start, End, Text\nDialogue: 0:00:01.00,0:00:02.00,Hi".to_vec(),
            None,
            Format::Ass,
            "UTF-8",
        ),
    ];
    for (bytes, format, expected_format, encoding) in cases {
        let parsed = parse_bytes(&bytes, format).unwrap_or_else(|error| panic!("{error}"));
        assert_eq!((parsed.format, parsed.encoding), (expected_format, encoding), "{bytes:02X?}");
        let line = if expected_format == Format::Srt { 1 } else { 3 };
        assert_eq!(render_cues(&parsed.cues), format!("{line}: 1000-2000 Hi"), "{bytes:02X?}");
        assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    }
}

#[test]
fn parse_bytes_whole_file_failures() {
    for empty in [&b""[..], b"   \r\n\n\t", b"\xEF\xBB\xBF", b"\xEF\xBB\xBF\n"] {
        let error = parse_bytes(empty, None).err();
        assert!(matches!(error, Some(SubtitleError::Empty { .. })), "{empty:?}: {error:?}");
        let error = parse_bytes(empty, Some(Format::Srt)).err();
        assert!(matches!(error, Some(SubtitleError::Empty { .. })), "{empty:?}: {error:?}");
    }
    let error = parse_bytes(b"Just a letter.\nNothing timed.", None).err();
    assert!(
        matches!(&error, Some(SubtitleError::UnknownFormat { path }) if path == Path::new("<memory>")),
        "{error:?}"
    );
    let (cues, diagnostics) =
        parse_bytes(b"Just a letter.", Some(Format::Srt)).map(|p| (p.cues, p.diagnostics)).unwrap_or_default();
    assert!(cues.is_empty());
    assert_eq!(
        render_diagnostics(&diagnostics),
        ["1: error: missing timing line `start --> end`; skipped 1 line starting `Just a letter.`"]
    );
}

#[test]
fn parse_str_ignores_a_bom() {
    let (cues, diagnostics) = parse_str(&format!("\u{feff}WEBVTT\n\n{SRT}"), Format::WebVtt);
    assert_eq!((render_cues(&cues).as_str(), diagnostics.len()), ("3: 1000-2000 Hi", 0));
    let (cues, _) = parse_str(&format!("\u{feff}{SRT}"), Format::Srt);
    assert_eq!(render_cues(&cues), "1: 1000-2000 Hi");
}

#[test]
fn read_file_errors_carry_the_path() {
    let dir = tempfile::tempdir().unwrap_or_else(|error| panic!("{error}"));
    let missing = dir.path().join("missing.srt");
    let error = read_file(&missing).err();
    assert!(matches!(&error, Some(SubtitleError::Io { path, .. }) if *path == missing), "{error:?}");
    assert!(
        error.map(|e| e.to_string()).unwrap_or_default().starts_with(&format!("{}: cannot read", missing.display()))
    );

    let write = |name: &str, contents: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, contents).unwrap_or_else(|error| panic!("{error}"));
        path
    };
    let empty = write("empty.srt", "");
    let error = read_file(&empty).err();
    assert!(matches!(&error, Some(SubtitleError::Empty { path }) if *path == empty), "{error:?}");
    assert_eq!(error.map(|e| e.to_string()), Some(format!("{}: the subtitle file is empty", empty.display())));

    let notes = write("notes.txt", "Not a subtitle at all.\n");
    let error = read_file(&notes).err();
    assert!(matches!(&error, Some(SubtitleError::UnknownFormat { path }) if *path == notes), "{error:?}");
}

#[test]
fn read_file_picks_the_format() {
    let dir = tempfile::tempdir().unwrap_or_else(|error| panic!("{error}"));
    let write = |name: &str, contents: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, contents).unwrap_or_else(|error| panic!("{error}"));
        path
    };
    let read = |path: &Path| read_file(path).unwrap_or_else(|error| panic!("{error}"));

    let sniffed = read(&write("dialogue.txt", SRT));
    assert_eq!((sniffed.format, sniffed.cues.len()), (Format::Srt, 1));

    // The extension decides, even against a content that sniffs as another format without a header.
    let by_extension = read(&write("headerless.vtt", "00:01.000 --> 00:02.000\nHi\n"));
    assert_eq!((by_extension.format, by_extension.cues.len()), (Format::WebVtt, 1));
    assert_eq!(
        render_diagnostics(&by_extension.diagnostics),
        ["1: warning: missing `WEBVTT` header; read as WebVTT anyway"]
    );

    // A header of another format wins over the extension, with a warning.
    let mislabelled = read(&write("mislabelled.srt", &format!("WEBVTT\n\n{SRT}")));
    assert_eq!((mislabelled.format, mislabelled.cues.len()), (Format::WebVtt, 1));
    assert_eq!(
        render_diagnostics(&mislabelled.diagnostics),
        ["1: warning: the extension says SRT but the content is WebVTT; read as WebVTT"]
    );
}

#[test]
fn sort_by_time_keeps_file_order_among_equals() {
    let (mut cues, _) = parse_str(
        "00:00:05,000 --> 00:00:06,000\nC\n\n00:00:01,000 --> 00:00:03,000\nB\n\n00:00:01,000 --> 00:00:02,000\nA\n\n00:00:05,000 --> 00:00:06,000\nD",
        Format::Srt,
    );
    sort_by_time(&mut cues);
    let order: Vec<(usize, &str)> = cues.iter().map(|cue| (cue.index, cue.text.as_str())).collect();
    assert_eq!(order, [(2, "A"), (1, "B"), (0, "C"), (3, "D")]);
}

/// Tokens that exercise every parser's edge cases when strung together at random.
const TOKENS: [&str; 28] = [
    "-->",
    " --> ",
    "00:00:01,000",
    "00:01.5",
    "0:00:02.00",
    "99999999999999999999:00:00,000",
    "<",
    ">",
    "</",
    "<v ",
    "<rt>",
    "{",
    "}",
    "{\\p1}",
    "\\",
    "\\N",
    "&",
    "&#",
    "&#x110000;",
    ";",
    ",",
    "\n",
    "\r",
    "\r\n",
    "WEBVTT",
    "[Events]",
    "Format: Text, Start, End",
    "Dialogue: ",
];

#[test]
fn random_input_never_panics() {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..3000 {
        let length = next() % 40;
        let text: String = (0..length).map(|_| TOKENS[(next() % TOKENS.len() as u64) as usize]).collect();
        for format in [Format::Srt, Format::WebVtt, Format::Ass] {
            let (cues, _) = parse_str(&text, format);
            assert!(cues.iter().all(|cue| cue.start_ms <= cue.end_ms), "{text:?}");
        }
        let _ = Format::sniff(&text);
        let bytes: Vec<u8> = (0..length * 3).map(|_| next() as u8).collect();
        let _ = parse_bytes(&bytes, None);
        let _ = parse_bytes(&bytes, Some(Format::Ass));
    }
}
