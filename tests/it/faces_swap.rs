//! Face swap of a real clip end to end: the carphone close-up with a generated sound track, swapped through the
//! library API with a test-only converter, and through `reel faces swap` with a tiny model trained a few steps. The
//! output must keep every frame and the audio, and carry the disclosure tag; flicker is measured.

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::process::Command;

use image::RgbImage;

use crate::common::{self, Dir};
use reel::faces::video::{VideoOptions, swap_video};
use reel::faces::{ConvertError, FaceConverter, FaceDetector, FrameSwapper, SwapSettings};

/// TEST ONLY: hands every crop back mirrored left to right, so the swapped region visibly changes while staying a
/// face. It stands in for a trained model where the model is not what is under test.
struct Mirror;

impl FaceConverter for Mirror {
    fn resolution(&self) -> u32 {
        64
    }

    fn convert(&mut self, crops: &[RgbImage]) -> Result<Vec<RgbImage>, ConvertError> {
        Ok(crops.iter().map(image::imageops::flip_horizontal).collect())
    }
}

/// The carphone clip with a 440 Hz AAC sound track muxed in (the original has no audio), in `dir`.
fn clip_with_sound(dir: &Path) -> Option<PathBuf> {
    let carphone = common::registry_data("footage/carphone_pristine.mp4")?;
    let out = dir.join("carphone_sound.mp4");
    let status = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-i"])
        .arg(&carphone)
        .args(["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-shortest"])
        .args(["-map", "0:v", "-map", "1:a", "-c:v", "copy", "-c:a", "aac", "-b:a", "96k"])
        .arg(&out)
        .status();
    match status {
        Ok(s) if s.success() => Some(out),
        _ => {
            eprintln!("skipping: ffmpeg could not make the test clip");
            None
        }
    }
}

/// `ffprobe` facts: (video frames, audio packets, audio codec, the comment tag, the description tag).
fn probe(path: &Path) -> (u64, u64, String, String, String) {
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-count_frames", "-count_packets", "-show_entries"])
        .args(["stream=codec_type,codec_name,nb_read_frames,nb_read_packets:format_tags=comment,description"])
        .args(["-of", "json"])
        .arg(path)
        .output()
        .expect("ffprobe runs");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("ffprobe json");
    let streams = json["streams"].as_array().cloned().unwrap_or_default();
    let of = |kind: &str| streams.iter().find(|s| s["codec_type"] == kind).cloned().unwrap_or_default();
    let num = |v: &serde_json::Value| v.as_str().and_then(|s| s.parse().ok()).unwrap_or(0);
    let (video, audio) = (of("video"), of("audio"));
    let tag = |k: &str| json["format"]["tags"][k].as_str().unwrap_or("").to_string();
    (
        num(&video["nb_read_frames"]),
        num(&audio["nb_read_packets"]),
        audio["codec_name"].as_str().unwrap_or("").to_string(),
        tag("comment"),
        tag("description"),
    )
}

#[test]
fn swap_video_keeps_frames_and_audio_and_discloses_the_synthetic_face() {
    let dir = Dir::new();
    let Some(input) = clip_with_sound(dir.path()) else { return };
    let output = dir.path().join("swapped.mp4");
    let swapper = FrameSwapper::new(FaceDetector::new().unwrap(), Box::new(Mirror), SwapSettings::default()).unwrap();
    let options = VideoOptions { identity: "a mirrored test face".into(), ..VideoOptions::default() };
    let report = swap_video(&input, swapper, &output, &options, &mut |_, _| ControlFlow::Continue(())).unwrap();

    let (frames_in, packets_in, codec_in, _, _) = probe(&input);
    let (frames_out, packets_out, codec_out, comment, description) = probe(&output);
    eprintln!("{frames_in} -> {frames_out} frames, {packets_in} -> {packets_out} {codec_out} packets; {comment}");
    eprintln!(
        "swap: {} faces on {} frames, detect {:.1} ms, convert {:.2} ms, blend {:.2} ms per frame; jitter {:.3} -> \
         {:.3}; flicker {:?}",
        report.swap.faces_swapped,
        report.swap.frames_swapped,
        1000.0 * report.swap.detect_s / report.frames as f64,
        1000.0 * report.swap.convert_s / report.frames as f64,
        1000.0 * report.swap.blend_s / report.frames as f64,
        report.jitter.raw,
        report.jitter.smoothed,
        report.flicker
    );
    assert_eq!(frames_in, 120);
    assert_eq!(frames_out, frames_in, "every frame is encoded");
    assert_eq!(report.frames, 120);
    assert_eq!((packets_out, codec_out.as_str()), (packets_in, codec_in.as_str()), "the audio is copied whole");
    assert_eq!(report.audio_packets, packets_in);
    assert!(comment.starts_with("Synthetic media: 1 face(s)") && comment.contains("a mirrored test face"), "{comment}");
    assert_eq!(description, comment);
    // The man's face is tracked and replaced on nearly every frame (a track needs 2 detections to start).
    assert!(report.swap.frames_swapped >= 110, "{:?}", report.swap);
    assert_eq!(report.swap.tracks.len(), 1);
    assert!(report.jitter.reduction >= 2.0, "{:?}", report.jitter);
    let flicker = report.flicker.expect("measured");
    assert!(flicker.samples > 100_000, "{flicker:?}");
    // A mirrored face is a different picture, but it moves with the face: it must not add more frame-to-frame change
    // than the footage has itself.
    assert!(flicker.added.abs() < flicker.original, "{flicker:?}");

    // The swapped picture differs from the source inside the face and not outside it.
    let frame = |path: &Path| {
        let out = Command::new("ffmpeg")
            .args(["-v", "error", "-ss", "2", "-i"])
            .arg(path)
            .args(["-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"])
            .output()
            .unwrap();
        RgbImage::from_raw(176, 144, out.stdout).expect("a 176x144 frame")
    };
    let (a, b) = (frame(&input), frame(&output));
    let diff = |x0: u32, y0: u32, x1: u32, y1: u32| {
        let mut sum = 0u64;
        for y in y0..y1 {
            for x in x0..x1 {
                sum += (0..3).map(|k| u64::from(a.get_pixel(x, y).0[k].abs_diff(b.get_pixel(x, y).0[k]))).sum::<u64>();
            }
        }
        sum as f64 / f64::from((x1 - x0) * (y1 - y0) * 3)
    };
    let (face, corner) = (diff(70, 40, 106, 80), diff(0, 120, 30, 144));
    eprintln!("mean difference: face {face:.2}, bottom-left corner {corner:.2}");
    assert!(face > 4.0 * corner.max(0.5), "face {face} corner {corner}");

    // `reel faces report` measures the same flicker from the two files.
    let r = dir.reel().args(["faces", "report"]).arg(&input).arg("--swapped").arg(&output).arg("--json").success();
    let json: serde_json::Value = serde_json::from_str(&r.stdout()).unwrap();
    assert_eq!(json["frames"], 120);
    assert!(json["flicker"]["samples"].as_u64().unwrap_or(0) > 100_000, "{json}");
    assert!(json["jitter"]["reduction"].as_f64().unwrap_or(0.0) >= 2.0);
}

#[test]
fn reel_faces_swap_with_a_tiny_model_trained_a_few_steps() {
    let dir = Dir::new();
    let Some(input) = clip_with_sound(dir.path()) else { return };
    // Identity A: the carphone set, cut upright (the default), so that the swap below cuts and pastes turned
    // windows; B: the same footage mirrored would do, but a real second set is cheap here.
    dir.reel().args(["faces", "extract"]).arg(&input).args(["-o", "sets/a"]).success();
    let a = dir.path().join("sets/a");
    // A set cut upright and one cut square to the frame cannot train one model: the error names both.
    dir.reel().args(["faces", "extract"]).arg(&input).args(["--upright", "false", "-o", "sets/plain"]).success();
    let plain = dir.path().join("sets/plain");
    let tiny = reel::faceswap::TrainConfig::new(reel::faceswap::Config::tiny());
    let mixed = reel::faceswap::train(&a, &plain, &tiny, &dir.path().join("models/mixed"), false, &mut ());
    let Err(err) = mixed else { panic!("a mixed pair is refused") };
    let err = err.to_string();
    assert!(err.contains("sets/a") && err.contains("sets/plain") && err.contains("--upright"), "{err}");
    let model_dir = dir.path().join("models/tiny");
    let mut cfg =
        reel::faceswap::TrainConfig::new(reel::faceswap::Config { resolution: 64, ..reel::faceswap::Config::tiny() });
    cfg.steps = Some(12);
    cfg.batch = 4;
    cfg.eval_every = 6;
    cfg.preview_every = 12;
    cfg.checkpoint_every = 12;
    let report = reel::faceswap::train(&a, &a, &cfg, &model_dir, false, &mut ()).expect("trains");
    let first = report.losses.first().map(|l| l.1).unwrap_or(f32::NAN);
    let last = report.losses.last().map(|l| l.1).unwrap_or(f32::NAN);
    eprintln!("tiny model: loss A {first:.4} -> {last:.4} in {} steps", report.step);
    assert!(last < first, "the loss drops: {first} -> {last}");
    assert!(reel::faceswap::Swapper::load(&model_dir).unwrap().upright(), "the model keeps how its sets were cut");

    let output = dir.path().join("swapped.mp4");
    let run = dir.reel().args(["faces", "swap"]).arg(&input).args(["--model", "tiny", "-o"]).arg(&output).success();
    let out = run.stdout();
    eprintln!("{out}");
    let (frames_in, packets_in, _, _, _) = probe(&input);
    let (frames_out, packets_out, _, comment, _) = probe(&output);
    assert_eq!(frames_out, frames_in);
    assert_eq!(packets_out, packets_in);
    assert!(comment.contains("the star of model tiny"), "{comment}");
    assert!(out.contains("model") && out.contains("flicker"), "{out}");
}

/// Region scans between whole-picture scans find the faces whole scans find, in a fraction of the time: on the
/// carphone clip the swapped windows agree frame by frame.
#[test]
fn region_scans_track_the_face_as_whole_scans_do() {
    let Some(carphone) = common::registry_data("footage/carphone_pristine.mp4") else { return };
    let run = |full_scan_every: u32| {
        let settings = SwapSettings { full_scan_every, ..SwapSettings::default() };
        let mut swapper = FrameSwapper::new(FaceDetector::new().unwrap(), Box::new(Mirror), settings).unwrap();
        let mut frames = reel::faces::frames::VideoFrames::open(&carphone).unwrap();
        let mut windows = Vec::new();
        while let Some((info, mut picture)) = frames.next_frame().unwrap() {
            let faces = swapper.swap_frame(info.index, info.time_s, &mut picture).unwrap();
            windows.push(faces.first().map(|f| f.window));
        }
        (windows, swapper.report().clone())
    };
    let (whole, whole_report) = run(1);
    let (regions, region_report) = run(8);
    eprintln!(
        "detect per frame: whole scans {:.2} ms, regions {:.2} ms ({} whole scans of {} frames)",
        1000.0 * whole_report.detect_s / whole_report.frames as f64,
        1000.0 * region_report.detect_s / region_report.frames as f64,
        region_report.full_scans,
        region_report.frames
    );
    assert_eq!(whole_report.full_scans, 120);
    assert!(region_report.full_scans <= 120 / 8 + 2, "{region_report:?}");
    assert!(region_report.frames_swapped + 3 >= whole_report.frames_swapped, "{region_report:?} {whole_report:?}");
    let overlap = |a: &reel::faces::Window, b: &reel::faces::Window| {
        let lo = |c: f32, s: f32| c - s / 2.0;
        let hi = |c: f32, s: f32| c + s / 2.0;
        let x = hi(a.cx, a.side).min(hi(b.cx, b.side)) - lo(a.cx, a.side).max(lo(b.cx, b.side));
        let y = hi(a.cy, a.side).min(hi(b.cy, b.side)) - lo(a.cy, a.side).max(lo(b.cy, b.side));
        let i = x.max(0.0) * y.max(0.0);
        i / (a.side * a.side + b.side * b.side - i)
    };
    let pairs: Vec<f32> =
        whole.iter().zip(&regions).filter_map(|(a, b)| Some(overlap(a.as_ref()?, b.as_ref()?))).collect();
    let mean = pairs.iter().sum::<f32>() / pairs.len() as f32;
    assert!(pairs.len() >= 110 && mean > 0.9, "{} frames, mean window IoU {mean}", pairs.len());
}
