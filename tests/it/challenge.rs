//! `reel challenge`: a brief in, a film out whose script and cut are checked against the brief; the choices behind
//! each shot are stored and explained; a storyboard and a report are written; a second run does nothing.

use crate::common::Dir;

const LINE: &str = "In a future with mass unemployment, young people are forced to sell blood.";
const PROP: &str = "a book pulled from a shelf";

#[test]
fn a_brief_becomes_a_film_that_honours_it() {
    let dir = Dir::new();
    let media = dir.path().join("media");
    std::fs::create_dir_all(&media).unwrap();
    super::produce::archive(&media);
    // The production's own frame, from production.toml.
    let folder = dir.path().join("productions/spring");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("production.toml"), "[format]\nwidth = 640\nheight = 360\nfps = 25\n").unwrap();

    let run = dir
        .reel()
        .args(["challenge", "spring", "--title", "Sunspring", "--line", LINE, "--prop", PROP, "--pages", "1"])
        .args(["--deadline", "2h", "--archive"])
        .arg(&media)
        .success();
    let out = run.stdout();
    assert!(out.contains("brief: 3 of 3 constraints met"), "{out}\n{}", run.stderr());
    assert!(out.contains("of the 2h deadline"), "{out}");
    for file in ["script.fountain", "spring.mp4", "spring.srt", "storyboard.png", "report.html", "stills/000.jpg"] {
        assert!(folder.join(file).is_file(), "{file} is missing");
    }
    let script = std::fs::read_to_string(folder.join("script.fountain")).unwrap();
    assert!(script.contains("Title: Sunspring") && script.contains(LINE), "{script}");
    let info = super::produce::probe(&folder.join("spring.mp4"));
    let video = info["streams"].as_array().unwrap().iter().find(|s| s["codec_type"] == "video").unwrap().clone();
    assert_eq!((&video["width"], &video["height"], &video["r_frame_rate"]), (&640.into(), &360.into(), &"25/1".into()));
    let srt = std::fs::read_to_string(folder.join("spring.srt")).unwrap();
    assert!(srt.contains(LINE), "the line is in the subtitles");

    // The checks are stored: `reel status` shows them, and its JSON carries them.
    let status = dir.reel().args(["status", "spring"]).success().stdout();
    assert!(status.contains("ok   line_spoken"), "{status}");
    let json: serde_json::Value =
        serde_json::from_str(&dir.reel().args(["status", "spring", "--json"]).success().stdout()).unwrap();
    let checks = json["brief_checks"].as_array().unwrap();
    assert_eq!(checks.len(), 3);
    assert!(checks.iter().all(|c| c["ok"] == true), "{checks:?}");

    // The storyboard has a panel per shot: 5 columns of 320 px stills.
    let board = image::open(folder.join("storyboard.png")).unwrap();
    assert_eq!(board.width(), 10 + 5 * 330);
    let shots = dir.reel().args(["shots", "list", "spring", "--json"]).success().stdout();
    let shots: Vec<serde_json::Value> = serde_json::from_str(&shots).unwrap();
    let rows = (shots.len() as u32).div_ceil(5);
    assert_eq!(board.height(), 44 + 10 + rows * (180 + 64 + 10));

    // Every filmed shot has its choice and candidates; cards have none.
    let dialogue = shots.iter().find(|s| s["text"] == LINE).expect("the line is a shot");
    let position = dialogue["position"].as_i64().unwrap().to_string();
    let explain = dir.reel().args(["shots", "explain", "spring", &position]).success().stdout();
    assert!(explain.contains("chose     archive shot") && explain.contains("1. shot"), "{explain}");
    assert!(explain.contains("face person"), "dialogue searches for faces: {explain}");
    let card = dir.reel().args(["shots", "explain", "spring", "0"]).success().stdout();
    assert!(card.contains("no footage: a card"), "{card}");
    let missing = dir.reel().args(["shots", "explain", "spring", "999"]).code(2);
    assert!(missing.stderr().contains("spring has no shot 999"), "{}", missing.stderr());
    let used = dir.reel().args(["shots", "query", "--production", "spring", "--json"]).success().stdout();
    let used: Vec<serde_json::Value> = serde_json::from_str(&used).unwrap();
    assert!(!used.is_empty() && used.len() <= 2, "the cut uses the archive's two shots: {used:?}");

    // The report shows the script, every shot's still, the voices and the checks.
    let page = std::fs::read_to_string(folder.join("report.html")).unwrap();
    assert!(page.contains("stills/000.jpg") && page.contains("voices/") && page.contains("line_spoken"));
    assert!(page.contains("Time per stage") && page.contains("In a future with mass unemployment"));

    // Again: nothing is redone and the film is the same file.
    let before = std::fs::read(folder.join("spring.mp4")).unwrap();
    let again = dir
        .reel()
        .args(["challenge", "spring", "--title", "Sunspring", "--line", LINE, "--prop", PROP, "--pages", "1"])
        .args(["--deadline", "2h"])
        .success();
    assert!(again.stderr().contains(" 0 ran"), "{}", again.stderr());
    assert!(!again.stderr().contains(" 1 ran") && !again.stderr().contains("ran, 0 up"), "{}", again.stderr());
    assert_eq!(std::fs::read(folder.join("spring.mp4")).unwrap(), before);
}

#[test]
fn bad_deadlines_are_refused_by_name() {
    let dir = Dir::new();
    for bad in ["soon", "0h", "5", "2x"] {
        let run = dir.reel().args(["challenge", "x", "--title", "T", "--deadline", bad]).code(2);
        assert!(run.stderr().contains(&format!("--deadline \"{bad}\"")), "{bad}: {}", run.stderr());
    }
    assert!(!dir.db().exists(), "nothing was created");
}
