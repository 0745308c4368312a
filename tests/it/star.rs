//! A star in a production: `reel produce --star NAME=VIDEO` casts the carphone man as the lead over the public-domain
//! Chaplin footage. The rough cut comes first (no swaps), then the face model is trained for a few seconds and the
//! lead's shots are rendered again with his face; the final cut says so in its credits and its metadata.

use std::path::Path;

use crate::common::{self, Dir};
use crate::produce::probe;

const SCRIPT: &str = "Title: Double\n\nEXT. STREET - DAY\n\nA man walks past a window.\n\nH\nI have seen your face \
                      before.\n\nC\nNo.\n\nH\nIn a film, a long time ago.\n";

/// The mean absolute difference of two RGB frames taken from `a` and `b` at `at_s`, by ffmpeg.
fn frame_difference(a: &Path, b: &Path, at_s: f64) -> f64 {
    let grab = |path: &Path| -> Vec<u8> {
        let out = std::process::Command::new("ffmpeg")
            .args(["-v", "error", "-ss", &format!("{at_s:.3}"), "-i"])
            .arg(path)
            .args(["-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"])
            .output()
            .expect("ffmpeg runs");
        out.stdout
    };
    let (x, y) = (grab(a), grab(b));
    assert!(!x.is_empty() && x.len() == y.len(), "frames of {} and {}", a.display(), b.display());
    x.iter().zip(&y).map(|(p, q)| f64::from(p.abs_diff(*q))).sum::<f64>() / x.len() as f64
}

#[test]
fn a_star_is_swapped_into_the_lead_s_shots_after_the_rough_cut() {
    let (Some(shared), Some(carphone)) =
        (common::shared_data(), common::registry_data("footage/carphone_pristine.mp4"))
    else {
        return;
    };
    let dir = Dir::new();
    dir.reel().args(["archive", "add"]).arg(shared.join("footage/chaplin.mp4")).success();
    let script = dir.path().join("double.fountain");
    std::fs::write(&script, SCRIPT).unwrap();
    let star = format!("carphone={}", carphone.display());
    // From another folder, as `make bench` runs it: the workspace is where --db is, not the working directory.
    let elsewhere = tempfile::tempdir().unwrap();
    let produce = || {
        dir.reel()
            .in_dir(elsewhere.path())
            .arg("--db")
            .arg(dir.db())
            .args(["produce", "double", "--script"])
            .arg(&script)
            .args(["--star", &star, "--face-minutes", "0.15"])
            .env("REEL_WORKERS", "2")
    };
    let run = produce().success();
    let out = run.stdout();
    assert!(out.contains("cast: carphone plays H"), "{out}");
    let at = |marker: &str| out.find(marker).unwrap_or_else(|| panic!("no {marker:?} in {out}"));
    assert!(at("rough cut:") < at("double.mp4:"), "the rough cut is announced before the final cut: {out}");

    let root = dir.path().join("productions/double");
    let (rough, film) = (root.join("rough/double.mp4"), root.join("double.mp4"));
    assert!(rough.is_file() && film.is_file(), "{out}");
    // The star's face set was made from the video, and the footage's from the lead's shots only.
    assert!(dir.path().join("cast/carphone/faces.json").is_file());
    let footage: serde_json::Value =
        serde_json::from_slice(&std::fs::read(root.join("faces/carphone/footage/faces.json")).unwrap()).unwrap();
    assert!(!footage["faces"].as_array().unwrap().is_empty(), "{footage}");

    // The lead's shots (3 and 5: title, establishing, action, then H, C, H) were swapped where a face was found.
    let cut: serde_json::Value = serde_json::from_slice(&std::fs::read(root.join("cut.json")).unwrap()).unwrap();
    let swapped: Vec<u64> = cut["shots"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| !s["swap"].is_null())
        .map(|s| s["position"].as_u64().unwrap())
        .collect();
    assert!(!swapped.is_empty() && swapped.iter().all(|p| [3, 5].contains(p)), "swapped {swapped:?}");
    let mut pictures = 0;
    for k in &swapped {
        let report: serde_json::Value =
            serde_json::from_slice(&std::fs::read(root.join(format!("faces/shots/{k:03}.json"))).unwrap()).unwrap();
        pictures += report["swap"]["frames_swapped"].as_u64().unwrap();
        if report["swap"]["frames_swapped"].as_u64().unwrap() > 0 {
            // The picture changed where the face was; the rough cut's segment is untouched.
            let diff = frame_difference(
                &root.join(format!("shots/{k:03}.mp4")),
                &root.join(format!("faces/shots/{k:03}.mp4")),
                1.0,
            );
            assert!(diff > 0.05, "shot {k}: mean difference {diff}");
        }
    }
    assert!(pictures > 0, "no picture had a face swapped");

    // The disclosure is in the final cut's metadata, and the rough cut says no face was swapped.
    let info = probe(&film);
    let comment = info["format"]["tags"]["comment"].as_str().unwrap();
    assert!(comment.contains("the face of H is carphone's") && comment.contains("synthetic voices"), "{comment}");
    let rough_comment = probe(&rough)["format"]["tags"]["comment"].as_str().unwrap().to_string();
    assert!(rough_comment.contains("no faces were swapped"), "{rough_comment}");
    let streams = info["streams"].as_array().unwrap();
    let duration = |kind: &str| -> f64 {
        let s = streams.iter().find(|s| s["codec_type"] == kind).unwrap();
        s["duration"].as_str().unwrap().parse().unwrap()
    };
    assert!((duration("video") - duration("audio")).abs() <= 1.0 / 24.0, "A/V drift in {}", film.display());

    // The report shows the swap beside the shot; a second run does nothing.
    let report = std::fs::read_to_string(root.join("report.html")).unwrap();
    assert!(report.contains("face swap: carphone as H"), "no face swap in the report");
    let again = produce().success();
    let stderr = again.stderr();
    let runs: Vec<&str> = stderr.lines().filter(|l| l.starts_with("jobs:")).collect();
    assert!(runs.len() >= 3 && runs.iter().all(|l| l.starts_with("jobs: 0 ran")), "{}", again.stderr());
}
