//! `reel corpus`: real files in, training text out, resumable, bad files skipped and named.

use std::path::{Path, PathBuf};

use crate::common::{self, Dir};

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(rel)
}

fn manifest(dir: &Dir, name: &str) -> serde_json::Value {
    let path = dir.path().join("corpora").join(name).join("manifest.json");
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[test]
fn corpus_add_reads_every_format_and_skips_bad_files() {
    let dir = Dir::new();
    let bad = dir.path().join("inputs");
    std::fs::create_dir_all(&bad).unwrap();
    std::fs::write(bad.join("empty.srt"), b"").unwrap();
    std::fs::write(bad.join("noise.srt"), [0xffu8, 0x00, 0x13, 0x37].repeat(64)).unwrap();
    let run = dir
        .reel()
        .args(["corpus", "add", "mixed"])
        .arg(data("subtitle/TOS-en.vtt"))
        .arg(data("subtitle/legacy.ssa"))
        .arg(data("subtitle/windows-1252.srt"))
        .arg(data("fountain/lantern.fountain"))
        .arg(data("corpus/opus_tokenised.xml"))
        .arg(bad.join("empty.srt"))
        .arg(bad.join("noise.srt"))
        .arg(dir.path().join("missing.srt"))
        .code(1);
    let out = run.stdout();
    assert!(out.contains("corpus mixed: "), "{out}");
    let err = run.stderr();
    assert!(err.contains("missing.srt: no such file or folder"), "{err}");
    assert!(err.contains("skipped ") && err.contains("empty.srt"), "{err}");
    let m = manifest(&dir, "mixed");
    let kinds: Vec<&str> = m["documents"].as_array().unwrap().iter().map(|d| d["kind"].as_str().unwrap()).collect();
    for kind in ["subtitles", "fountain", "opus_xml"] {
        assert!(kinds.contains(&kind), "{kind} in {kinds:?}");
    }
    assert_eq!(m["skipped"].as_array().unwrap().len(), 2, "{m}");
    let train = std::fs::read_to_string(dir.path().join("corpora/mixed/train.txt")).unwrap();
    let val = std::fs::read_to_string(dir.path().join("corpora/mixed/val.txt")).unwrap();
    assert!(!train.is_empty() && !val.is_empty(), "both splits have text");
    assert!(train.contains("KEPLER: ") || val.contains("KEPLER: "), "Fountain dialogue became turns");
    for line in train.lines().chain(val.lines()) {
        assert!(
            matches!(
                reel::corpus::parse_line(line),
                reel::corpus::CorpusLine::Turn { .. }
                    | reel::corpus::CorpusLine::Direction(_)
                    | reel::corpus::CorpusLine::Heading(_)
                    | reel::corpus::CorpusLine::SceneBreak
            ),
            "line outside the corpus format: {line:?}"
        );
    }
}

#[test]
fn corpus_add_again_reads_only_what_is_new() {
    let dir = Dir::new();
    let first = dir
        .reel()
        .args(["corpus", "add", "c"])
        .arg(data("subtitle/TOS-en.vtt"))
        .arg(data("fountain/lantern.fountain"))
        .success();
    assert!(first.stderr().contains("jobs: 3 ran, 0 up to date"), "{}", first.stderr());
    let again = dir.reel().args(["corpus", "add", "c"]).arg(data("fountain/lantern.fountain")).success();
    assert!(again.stderr().contains("jobs: 0 ran, 3 up to date"), "{}", again.stderr());
    let more = dir.reel().args(["corpus", "add", "c"]).arg(data("subtitle/legacy.ssa")).success();
    assert!(more.stderr().contains("jobs: 2 ran, 2 up to date"), "the new file and the build: {}", more.stderr());
    let stats = dir.reel().args(["corpus", "stats", "c"]).success().stdout();
    assert!(stats.contains("corpus c: 3 documents"), "{stats}");
    let list = dir.reel().args(["corpus", "list", "--json"]).success().stdout();
    let list: serde_json::Value = serde_json::from_str(&list).unwrap();
    assert_eq!(list[0]["name"], "c");
    assert_eq!(list[0]["documents"], 3);
}

#[test]
fn corpus_names_and_fractions_are_checked() {
    let dir = Dir::new();
    let run = dir.reel().args(["corpus", "add", "../up"]).arg(data("subtitle/TOS-en.vtt")).code(2);
    assert!(run.stderr().contains("invalid corpus name \"../up\""), "{}", run.stderr());
    let run = dir.reel().args(["corpus", "add", "c", "--val-fraction", "0.9"]).arg(data("subtitle/TOS-en.vtt")).code(2);
    assert!(run.stderr().contains("--val-fraction must be between 0 and 0.5"), "{}", run.stderr());
    let run = dir.reel().args(["corpus", "stats", "nothing"]).code(2);
    assert!(run.stderr().contains("no built corpus named"), "{}", run.stderr());
    assert!(!dir.path().join("corpora").exists());
}

#[test]
fn tears_of_steel_in_seven_languages_and_sintel() {
    let Some(shared) = common::shared_data() else { return };
    let dir = Dir::new();
    let run = dir.reel().args(["corpus", "add", "blender"]).arg(shared.join("subtitles")).success();
    let m = manifest(&dir, "blender");
    assert_eq!(m["documents"].as_array().unwrap().len(), 8, "{}", run.stdout());
    let stats: serde_json::Value =
        serde_json::from_str(&dir.reel().args(["corpus", "stats", "blender", "--json"]).success().stdout()).unwrap();
    let turns = stats["train"]["turns"].as_u64().unwrap() + stats["val"]["turns"].as_u64().unwrap();
    // 7 × 37 turns of Tears of Steel, 16 of Sintel (counted by hand from the cue gaps).
    assert_eq!(turns, 7 * 37 + 16);
    let all = std::fs::read_to_string(dir.path().join("corpora/blender/train.txt")).unwrap()
        + &std::fs::read_to_string(dir.path().join("corpora/blender/val.txt")).unwrap();
    assert!(all.chars().any(|c| ('\u{0400}'..='\u{04ff}').contains(&c)), "the Russian subtitles are in");
}
