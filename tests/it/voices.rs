//! The voice stage through the real CLI: casting from the script and production.toml, distinct voices measured by
//! their pitch, and a killed voice stage that resumes without speaking a finished line again.
//!
//! `reel produce` in a workspace with no archive voices every line under the scheduler and then stops, because there
//! is no footage to cut: exactly the voice stage, without the render.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::common::Dir;

const SCRIPT: &str = "Title: The Lantern\n\nEXT. FIELD - NIGHT\n\nA lantern flickers in the dark.\n\nANN\n\
                      The lantern is failing.\n\nBEN\n(quietly)\nWe are not alone out here.\n\nANN\nThen run.\n";

fn write_script(dir: &Dir, name: &str, text: &str) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// Runs `reel produce NAME` over `script`: the voice stage runs, then the empty archive stops it.
fn voice_stage(dir: &Dir, name: &str, script: &Path, env: &[(&str, &str)]) -> crate::common::Run {
    let mut cmd = dir.reel().args(["produce", name, "--script"]).arg(script);
    for (k, v) in env {
        cmd = cmd.env(k, v);
    }
    let run = cmd.run();
    assert!(run.stderr().contains(&format!("productions/{name}/voice/")), "{}", run.stderr());
    assert!(!run.stderr().contains("failed"), "{}", run.stderr());
    run
}

/// The `voice.line` reports of a production: shot number → the JSON report.
fn reports(dir: &Dir, name: &str) -> BTreeMap<String, serde_json::Value> {
    let voices = dir.path().join("productions").join(name).join("voices");
    std::fs::read_dir(&voices)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| {
            let report = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
            (p.file_stem().unwrap().to_string_lossy().into_owned(), report)
        })
        .collect()
}

#[test]
fn voice_cast_shows_the_casting_and_writes_choices_into_production_toml() {
    let dir = Dir::new();
    let script = write_script(&dir, "lantern.fountain", SCRIPT);
    let show = dir.reel().args(["voice", "cast", "lantern", "--script"]).arg(&script).success().stdout();
    let rows: Vec<&str> = show.lines().filter(|l| l.starts_with("ANN") || l.starts_with("BEN")).collect();
    assert_eq!(rows.len(), 2, "{show}");
    assert!(rows[0].contains(" 2 ") && rows.iter().all(|r| r.ends_with("automatic")), "{show}");
    assert!(show.contains("seed 48"), "{show}");

    // A person's file with a comment and another section: --set keeps both and matches the script's spelling.
    let toml = dir.path().join("productions/lantern/production.toml");
    std::fs::create_dir_all(toml.parent().unwrap()).unwrap();
    std::fs::write(&toml, "# The Lantern, take 2\n[cast]\nANN = \"ada\"\n").unwrap();
    let set = dir
        .reel()
        .args(["voice", "cast", "lantern", "--script"])
        .arg(&script)
        .args(["--set", "ann=espeak:en-us+f3 pitch=60", "--set", "ZED=piper:joe", "--json"])
        .success();
    assert_eq!(
        std::fs::read_to_string(&toml).unwrap(),
        "# The Lantern, take 2\n[cast]\nANN = \"ada\"\n\n[voices]\nANN = \"espeak:en-us+f3 pitch=60\"\nZED = \"piper:joe\"\n"
    );
    let json: serde_json::Value = serde_json::from_str(&set.stdout()).unwrap();
    let voices = json["voices"].as_array().unwrap();
    assert_eq!(voices[0]["character"], "ANN");
    assert_eq!(
        (voices[0]["voice"].as_str(), voices[0]["source"].as_str()),
        (Some("espeak:en-us+f3 pitch=60"), Some("production_toml"))
    );
    assert_eq!((voices[0]["lines"].as_u64(), voices[1]["source"].as_str()), (Some(2), Some("automatic")));
    assert!(set.stderr().contains("ZED, who has no lines"), "{}", set.stderr());

    // A bad spec is refused before anything is written.
    let before = std::fs::read_to_string(&toml).unwrap();
    let bad = dir
        .reel()
        .args(["voice", "cast", "lantern", "--script"])
        .arg(&script)
        .args(["--set", "BEN=piper:joe pitch=+40st"])
        .code(2);
    assert!(bad.stderr().contains("pitch `+40st` is outside -12st..+12st"), "{}", bad.stderr());
    let bad = dir.reel().args(["voice", "cast", "lantern", "--set", "BEN"]).code(2);
    assert!(bad.stderr().contains("--set \"BEN\" should be CHARACTER=SPEC"), "{}", bad.stderr());
    assert_eq!(std::fs::read_to_string(&toml).unwrap(), before);

    // The production is voiced as cast: ANN by the file's espeak voice, BEN automatically; the unused entry warns.
    let run = voice_stage(&dir, "lantern", &script, &[]);
    assert!(run.stderr().contains("warning: production.toml gives a voice to ZED"), "{}", run.stderr());
    let reports = reports(&dir, "lantern");
    assert_eq!(reports.len(), 3, "{reports:?}");
    assert_eq!(reports["003"]["voice"], "espeak:en-us+f3 pitch=60");
    assert_eq!(reports["005"]["voice"], "espeak:en-us+f3 pitch=60");
    assert_eq!(reports["004"]["voice"].as_str(), voices[1]["voice"].as_str());
    // Now the production has a shot plan, so the casting reads it without --script.
    let planned = dir.reel().args(["voice", "cast", "lantern"]).success().stdout();
    assert_eq!(planned, dir.reel().args(["voice", "cast", "lantern", "--script"]).arg(&script).success().stdout());

    // A broken production.toml stops the production with the file, line and value.
    std::fs::write(&toml, "[voices]\nANN = \"espeak:en-us+f3\"\nBEN = \"festival:kal\"\n").unwrap();
    let refused = dir.reel().args(["produce", "lantern", "--script"]).arg(&script).code(2);
    assert!(
        refused.stderr().contains("production.toml:3: voices.BEN = \"festival:kal\": unknown engine `festival`"),
        "{}",
        refused.stderr()
    );
    let unknown = dir.reel().args(["voice", "cast", "nobody"]).code(2);
    assert!(unknown.stderr().contains("nobody"), "{}", unknown.stderr());
}
