//! `reel produce`: a screenplay and an archive in, a film with subtitles, chapters and interchange files out.

use std::process::Command;

use crate::common::Dir;

const SCRIPT: &str = "Title: The Lantern\n\nEXT. FIELD - NIGHT\n\nA lantern flickers in the dark.\n\nANN\n\
                      The lantern is failing.\n\nBEN\n(quietly)\nWe are not alone out here.\n";

/// Two shots of test pattern with sidecar dialogue, for the archive.
pub fn archive(dir: &std::path::Path) {
    super::archive::fixtures::ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=320x240:rate=25:d=8",
        "-f",
        "lavfi",
        "-i",
        "mandelbrot=size=320x240:rate=25,trim=duration=8",
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=330:duration=16",
        "-filter_complex",
        "[0][1]concat=n=2:v=1:a=0[v]",
        "-map",
        "[v]",
        "-map",
        "2:a",
        "-pix_fmt",
        "yuv420p",
        dir.join("night.mp4").to_str().unwrap(),
    ]);
    std::fs::write(dir.join("night.srt"), "1\n00:00:01,000 --> 00:00:03,000\nThe lantern is failing.\n").unwrap();
}

pub fn probe(path: &std::path::Path) -> serde_json::Value {
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-show_streams", "-show_format", "-show_chapters", "-count_frames", "-of", "json"])
        .arg(path)
        .output()
        .expect("ffprobe runs");
    serde_json::from_slice(&out.stdout).expect("ffprobe JSON")
}

#[test]
fn a_screenplay_becomes_a_film() {
    let dir = Dir::new();
    let media = dir.path().join("media");
    std::fs::create_dir_all(&media).unwrap();
    archive(&media);
    dir.reel().args(["archive", "add"]).arg(&media).success();
    let script = dir.path().join("lantern.fountain");
    std::fs::write(&script, SCRIPT).unwrap();

    let run = dir.reel().args(["produce", "lantern", "--script"]).arg(&script).success();
    let film = dir.path().join("productions/lantern/lantern.mp4");
    assert!(run.stdout().contains("lantern.mp4:"), "{}", run.stdout());
    assert!(run.stdout().contains("2 voiced lines"), "{}", run.stdout());

    // Title, establishing, action, two lines, credits; each stream as long as the other within a frame.
    let info = probe(&film);
    let streams = info["streams"].as_array().unwrap();
    let duration = |kind: &str| -> f64 {
        let s = streams.iter().find(|s| s["codec_type"] == kind).unwrap_or_else(|| panic!("no {kind}: {info}"));
        s["duration"].as_str().unwrap().parse().unwrap()
    };
    let (video, audio) = (duration("video"), duration("audio"));
    assert!((video - audio).abs() <= 1.0 / 24.0, "A/V drift: video {video} s, audio {audio} s");
    let video_stream = streams.iter().find(|s| s["codec_type"] == "video").unwrap();
    assert_eq!(video_stream["width"], 1280);
    let frames: f64 = video_stream["nb_read_frames"].as_str().unwrap().parse().unwrap();
    assert!((frames / 24.0 - video).abs() <= 1.0 / 24.0, "{frames} frames in {video} s");
    let chapters = info["chapters"].as_array().unwrap();
    let titles: Vec<&str> = chapters.iter().map(|c| c["tags"]["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["Title", "Scene 1", "Credits"]);
    let comment = info["format"]["tags"]["comment"].as_str().unwrap();
    assert!(comment.contains("Synthetic media") && comment.contains("2 lines of dialogue"), "{comment}");
    assert_eq!(info["format"]["tags"]["title"], "The Lantern");

    // Subtitles timed to the cut, and the interchange files.
    let srt = std::fs::read_to_string(dir.path().join("productions/lantern/lantern.srt")).unwrap();
    assert!(srt.contains("The lantern is failing.") && srt.contains("We are not alone out here."), "{srt}");
    let edl = std::fs::read_to_string(dir.path().join("productions/lantern/lantern.edl")).unwrap();
    assert!(edl.starts_with("TITLE: The Lantern"), "{edl}");
    assert!(dir.path().join("productions/lantern/lantern.otio").is_file());
    assert!(dir.path().join("productions/lantern/voices/003.wav").is_file());

    // The plan is in the database: title, establishing, action, two lines, credits.
    let list = dir.reel().args(["shots", "list", "lantern"]).success().stdout();
    let kinds: Vec<&str> = list.lines().skip(1).filter_map(|l| l.split_whitespace().nth(2)).collect();
    assert_eq!(kinds[..6], ["title", "establishing", "action", "dialogue", "dialogue", "credits"], "{list}");
    assert!(list.contains("BEN") && list.contains("6 shots"), "{list}");

    // Again: everything is up to date, and the film is the same file.
    let before = std::fs::read(&film).unwrap();
    let again = dir.reel().args(["produce", "lantern", "--script"]).arg(&script).success();
    // Every run of jobs (the voices, then the shots and the cut) finds its work done.
    let stderr = again.stderr();
    let runs: Vec<&str> = stderr.lines().filter(|l| l.starts_with("jobs:")).collect();
    assert_eq!(runs.len(), 2, "{}", again.stderr());
    assert!(runs.iter().all(|l| l.starts_with("jobs: 0 ran")), "{}", again.stderr());
    assert_eq!(std::fs::read(&film).unwrap(), before);

    // A script with nothing to film is refused, naming it.
    let empty = dir.path().join("empty.fountain");
    std::fs::write(&empty, "Title: Nothing\n").unwrap();
    let refused = dir.reel().args(["produce", "nothing", "--script"]).arg(&empty).code(2);
    assert!(refused.stderr().contains("empty.fountain has no scenes"), "{}", refused.stderr());
}
