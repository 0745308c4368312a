//! Real decode/encode tests of `render`. Fixtures are made with the ffmpeg CLI; results are checked with
//! ffprobe/ffmpeg.

use std::path::{Path, PathBuf};
use std::process::Command;

use reel::render::{CardLine, DEFAULT_FONT, Font, Format, RenderError, ShotSpec, render_card, render_shot};
use serde_json::Value;

fn run(cmd: &mut Command) -> Vec<u8> {
    let out = cmd.output().expect("run tool");
    assert!(out.status.success(), "{cmd:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

fn ffmpeg(args: &[&str]) -> Vec<u8> {
    run(Command::new("ffmpeg").args(["-hide_banner", "-loglevel", "error", "-y"]).args(args))
}

fn probe(path: &Path, extra: &[&str]) -> Value {
    let out = run(Command::new("ffprobe")
        .args(["-v", "error", "-print_format", "json", "-show_streams", "-show_format"])
        .args(extra)
        .arg(path));
    serde_json::from_slice(&out).expect("ffprobe json")
}

fn stream<'a>(info: &'a Value, kind: &str) -> &'a Value {
    info["streams"].as_array().and_then(|s| s.iter().find(|s| s["codec_type"] == kind)).expect(kind)
}

fn num(v: &Value) -> f64 {
    v.as_str().and_then(|s| s.parse().ok()).or(v.as_f64()).unwrap_or(f64::NAN)
}

/// A 320x240 (4:3) testsrc2 clip at 25 fps, keyframes every 2 s, with B-frames, optionally with a 440 Hz tone.
fn test_clip(dir: &Path, name: &str, size: &str, with_audio: bool) -> PathBuf {
    let path = dir.join(name);
    let src = format!("testsrc2=size={size}:rate=25:duration=10");
    let mut args = vec!["-f", "lavfi", "-i", &src];
    if with_audio {
        args.extend(["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100:duration=10"]);
    }
    args.extend(["-c:v", "libx264", "-preset", "ultrafast", "-g", "50", "-bf", "2", "-pix_fmt", "yuv420p"]);
    if with_audio {
        args.extend(["-c:a", "aac", "-ac", "2"]);
    }
    let p = path.to_str().expect("utf-8 path");
    args.push(p);
    ffmpeg(&args);
    path
}

fn espeak(dir: &Path) -> PathBuf {
    let path = dir.join("voice.wav");
    run(Command::new("espeak-ng").arg("-w").arg(&path).arg("hello there"));
    path
}

fn spec(source: &Path, start_s: f64, duration_s: f64, voice: Option<PathBuf>) -> ShotSpec {
    ShotSpec {
        source: source.into(),
        start_s,
        duration_s,
        voice,
        voice_delay_s: 0.3,
        duck_db: -14.0,
        archive_gain_db: 0.0,
        fade_s: 0.02,
    }
}

/// One frame of `path` (frame `index` in presentation order) as a gray picture at its own size.
fn gray_frame(path: &Path, index: u32, scale: Option<&str>) -> Vec<u8> {
    let mut filter = format!("select=eq(n\\,{index})");
    if let Some(scale) = scale {
        filter.push_str(&format!(",scale={scale}:flags=bicubic"));
    }
    let p = path.to_str().expect("utf-8 path");
    ffmpeg(&["-i", p, "-vf", &filter, "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "gray", "-"])
}

/// Left-channel samples of `path`'s audio at 48 kHz.
fn audio_samples(path: &Path) -> Vec<f32> {
    let p = path.to_str().expect("utf-8 path");
    let bytes = ffmpeg(&["-i", p, "-vn", "-f", "f32le", "-ac", "2", "-ar", "48000", "-"]);
    bytes.chunks_exact(8).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect()
}

/// Amplitude of the `freq` component of `x[from..to]` (48 kHz).
fn tone_amplitude(x: &[f32], freq: f64, from_s: f64, to_s: f64) -> f64 {
    let (a, b) = ((from_s * 48_000.0) as usize, (to_s * 48_000.0) as usize);
    let w = std::f64::consts::TAU * freq / 48_000.0;
    let (mut re, mut im) = (0.0, 0.0);
    for (i, &s) in x[a..b].iter().enumerate() {
        re += f64::from(s) * (w * i as f64).cos();
        im += f64::from(s) * (w * i as f64).sin();
    }
    2.0 * (re * re + im * im).sqrt() / (b - a) as f64
}

fn mean_abs_diff(a: &[u8], b: &[u8]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(x, y)| f64::from(x.abs_diff(*y))).sum::<f64>() / a.len() as f64
}

/// Crops a `w`-wide gray picture to columns `x0..x0+cw`.
fn crop_columns(frame: &[u8], w: usize, x0: usize, cw: usize) -> Vec<u8> {
    frame.chunks_exact(w).flat_map(|row| row[x0..x0 + cw].to_vec()).collect()
}

#[test]
fn bbb_shot_with_voice_has_exact_frames_and_sound() {
    let Some(bbb) = crate::common::registry_data("footage/bbb.mp4") else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let voice = espeak(dir.path());
    let out = dir.path().join("shot.mp4");
    let report = render_shot(&spec(&bbb, 30.0, 2.0, Some(voice)), &Format::default(), &out).expect("render");
    assert_eq!(report.frames, 48);
    assert_eq!(report.samples, 96_000);
    assert_eq!(report.held_frames, 0);
    let info = probe(&out, &["-count_frames"]);
    let v = stream(&info, "video");
    assert_eq!(v["nb_read_frames"], "48");
    assert_eq!((v["width"].as_u64(), v["height"].as_u64()), (Some(1280), Some(720)));
    assert_eq!((v["codec_name"].as_str(), v["pix_fmt"].as_str()), (Some("h264"), Some("yuv420p")));
    assert!((num(&v["duration"]) - 2.0).abs() < 1e-3, "video duration {}", v["duration"]);
    let a = stream(&info, "audio");
    assert_eq!(
        (a["codec_name"].as_str(), a["sample_rate"].as_str(), a["channels"].as_u64()),
        (Some("aac"), Some("48000"), Some(2))
    );
    assert!((num(&a["duration"]) - 2.0).abs() <= 1.0 / 24.0, "audio duration {}", a["duration"]);
    // The voice is there: louder output while it speaks than BBB alone is not guaranteed, but it must not be silent.
    let samples = audio_samples(&out);
    assert!(samples.iter().any(|s| s.abs() > 0.01));
}

#[test]
fn first_frame_is_the_source_frame_at_the_start_time() {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = test_clip(dir.path(), "src.mp4", "320x240", true);
    let out = dir.path().join("shot.mp4");
    // 3.52 s is frame 88 at 25 fps: not a keyframe (those are every 50 frames).
    render_shot(&spec(&src, 3.52, 1.0, None), &Format::default(), &out).expect("render");
    // The 4:3 picture sits in the middle 960 columns of 1280x720.
    let got = crop_columns(&gray_frame(&out, 0, None), 1280, 160, 960);
    let diff = |n| mean_abs_diff(&got, &gray_frame(&src, n, Some("960:720")));
    let (at, before, after) = (diff(88), diff(87), diff(89));
    assert!(at < 3.0, "frame 88 differs by {at}");
    assert!(at < before && at < after, "frame 88 {at}, 87 {before}, 89 {after}");
    // Output frame 12 (t = 3.52 + 0.5) is source frame 100.5 -> 100 (a keyframe).
    let got = crop_columns(&gray_frame(&out, 12, None), 1280, 160, 960);
    let at = mean_abs_diff(&got, &gray_frame(&src, 100, Some("960:720")));
    assert!(at < 3.0, "frame 100 differs by {at}");
}

#[test]
fn archive_tone_is_ducked_under_the_voice_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = test_clip(dir.path(), "src.mp4", "320x240", true);
    // Voice: 0.2 s silence, 1 s of 3 kHz, 0.2 s silence, 22050 Hz mono.
    let voice = dir.path().join("tone.wav");
    let spec_wav = hound::WavSpec {
        channels: 1,
        sample_rate: 22_050,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(&voice, spec_wav).expect("wav");
    for i in 0..(22_050 * 14 / 10) {
        let t = f64::from(i) / 22_050.0;
        let s = if (0.2..1.2).contains(&t) { 0.3 * (std::f64::consts::TAU * 3000.0 * t).sin() } else { 0.0 };
        w.write_sample((s * 32767.0) as i16).expect("sample");
    }
    w.finalize().expect("wav");
    let out = dir.path().join("shot.mp4");
    let mut s = spec(&src, 1.0, 3.0, Some(voice));
    s.voice_delay_s = 0.8; // The voice sounds from 1.0 s to 2.0 s of the shot.
    render_shot(&s, &Format::default(), &out).expect("render");
    let x = audio_samples(&out);
    let reference = tone_amplitude(&audio_samples(&src), 440.0, 1.3, 1.7);
    let before = tone_amplitude(&x, 440.0, 0.3, 0.7);
    let during = tone_amplitude(&x, 440.0, 1.3, 1.7);
    let after = tone_amplitude(&x, 440.0, 2.3, 2.7);
    let voice_level = tone_amplitude(&x, 3000.0, 1.3, 1.7);
    let expected = 10f64.powf(-14.0 / 20.0);
    assert!((before / reference - 1.0).abs() < 0.05, "before {before} vs source {reference}");
    assert!((after / reference - 1.0).abs() < 0.05, "after {after} vs source {reference}");
    assert!(
        (during / reference / expected - 1.0).abs() < 0.1,
        "during {during}: ratio {} not {expected}",
        during / reference
    );
    assert!((voice_level - 0.3).abs() < 0.03, "voice level {voice_level}");
}

#[test]
fn pictures_of_other_shapes_get_black_bars() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (size, pillar) in [("320x240", true), ("470x200", false)] {
        let src = test_clip(dir.path(), &format!("{size}.mp4"), size, false);
        let out = dir.path().join(format!("{size}-out.mp4"));
        render_shot(&spec(&src, 0.0, 0.5, None), &Format::default(), &out).expect("render");
        let f = gray_frame(&out, 0, None);
        let at = |x: usize, y: usize| f[y * 1280 + x];
        let (edge_a, edge_b) = if pillar { ((10, 360), (1270, 360)) } else { ((640, 10), (640, 710)) };
        assert!(at(edge_a.0, edge_a.1) <= 20 && at(edge_b.0, edge_b.1) <= 20, "{size}: bars not black");
        // The picture is centred: the bars are the same size on both sides (testsrc2 has no black border).
        let (bar_a, bar_b) = if pillar {
            let row: Vec<u8> = (0..1280).map(|x| at(x, 360)).collect();
            (row.iter().take_while(|v| **v <= 20).count(), row.iter().rev().take_while(|v| **v <= 20).count())
        } else {
            let col: Vec<u8> = (0..720).map(|y| at(640, y)).collect();
            (col.iter().take_while(|v| **v <= 20).count(), col.iter().rev().take_while(|v| **v <= 20).count())
        };
        assert!(bar_a > 50 && bar_a.abs_diff(bar_b) <= 4, "{size}: bars {bar_a} and {bar_b}");
    }
}

#[test]
fn silent_source_with_voice_has_sound_of_the_right_length() {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = test_clip(dir.path(), "mute.mp4", "320x240", false);
    let voice = espeak(dir.path());
    let out = dir.path().join("shot.mp4");
    let report = render_shot(&spec(&src, 2.0, 1.5, Some(voice)), &Format::default(), &out).expect("render");
    assert_eq!((report.frames, report.samples), (36, 72_000));
    let info = probe(&out, &[]);
    let a = stream(&info, "audio");
    assert!((num(&a["duration"]) - 1.5).abs() <= 1.0 / 24.0, "audio duration {}", a["duration"]);
    let x = audio_samples(&out);
    assert!(x.iter().any(|s| s.abs() > 0.05), "voice missing");
}

#[test]
fn source_ending_early_holds_the_last_frame() {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = test_clip(dir.path(), "src.mp4", "320x240", true);
    let out = dir.path().join("shot.mp4");
    let report = render_shot(&spec(&src, 9.0, 2.0, None), &Format::default(), &out).expect("render");
    assert_eq!(report.frames, 48);
    assert!((23..=25).contains(&report.held_frames), "held {}", report.held_frames);
    assert_eq!(stream(&probe(&out, &["-count_frames"]), "video")["nb_read_frames"], "48");
    // A shot starting after the source's end is refused, naming the source.
    let err = render_shot(&spec(&src, 11.0, 1.0, None), &Format::default(), &out).expect_err("past the end");
    assert!(matches!(err, RenderError::Spec { .. }) && err.to_string().contains("src.mp4"), "{err}");
    assert!(!out.exists(), "a failed render left {}", out.display());
}

#[test]
fn segments_and_cards_join_by_remuxing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let with_sound = test_clip(dir.path(), "a.mp4", "320x240", true);
    let mute = test_clip(dir.path(), "b.mp4", "470x200", false);
    let font = Font::load(Path::new(DEFAULT_FONT)).expect("font");
    let format = Format::default();
    let parts = [dir.path().join("1.mp4"), dir.path().join("2.mp4"), dir.path().join("3.mp4")];
    render_shot(&spec(&with_sound, 1.3, 1.5, None), &format, &parts[0]).expect("shot 1");
    render_shot(&spec(&mute, 0.0, 1.25, Some(espeak(dir.path()))), &format, &parts[1]).expect("shot 2");
    render_card(&font, &[CardLine { text: "The End".into(), size: 64.0 }], 2.0, &format, &parts[2]).expect("card");
    let keys = [
        "codec_name",
        "profile",
        "level",
        "width",
        "height",
        "pix_fmt",
        "time_base",
        "r_frame_rate",
        "sample_rate",
        "channels",
        "channel_layout",
        "extradata",
        "extradata_size",
        "bit_rate_unused",
    ];
    let params: Vec<Vec<String>> = parts
        .iter()
        .map(|p| {
            let info = probe(p, &["-show_data"]);
            info["streams"]
                .as_array()
                .expect("streams")
                .iter()
                .flat_map(|s| keys.iter().map(move |k| format!("{}:{k}={}", s["index"], s[*k])))
                .collect()
        })
        .collect();
    assert!(params[0].iter().any(|p| p.contains("extradata=\"")), "no extradata shown: {:?}", params[0]);
    assert_eq!(params[0], params[1]);
    assert_eq!(params[0], params[2]);
    let list = dir.path().join("list.txt");
    let text: String = parts.iter().map(|p| format!("file '{}'\n", p.display())).collect();
    std::fs::write(&list, text).expect("list");
    let joined = dir.path().join("joined.mp4");
    let (l, j) = (list.to_str().expect("utf-8"), joined.to_str().expect("utf-8"));
    ffmpeg(&["-f", "concat", "-safe", "0", "-i", l, "-c", "copy", j]);
    let info = probe(&joined, &["-count_frames"]);
    let duration = num(&info["format"]["duration"]);
    assert!((duration - 4.75).abs() < 0.05, "joined duration {duration}");
    assert_eq!(stream(&info, "video")["nb_read_frames"], "114");
    // It decodes from end to end without errors.
    let out = Command::new("ffmpeg").args(["-v", "error", "-i", j, "-f", "null", "-"]).output().expect("ffmpeg");
    assert!(out.status.success() && out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn card_shows_centred_white_text() {
    let dir = tempfile::tempdir().expect("tempdir");
    let font = Font::load(Path::new(DEFAULT_FONT)).expect("font");
    let out = dir.path().join("card.mp4");
    let lines = [
        CardLine { text: "A Film".into(), size: 72.0 },
        CardLine {
            text: "made by a very long line of people who will not fit on one line at this size at all".into(),
            size: 48.0,
        },
    ];
    let report = render_card(&font, &lines, 3.0, &Format::default(), &out).expect("card");
    assert_eq!(report.frames, 72);
    let f = gray_frame(&out, 36, None);
    let white: Vec<(usize, usize)> =
        f.iter().enumerate().filter(|(_, v)| **v > 200).map(|(i, _)| (i % 1280, i / 1280)).collect();
    assert!(white.len() > 2000, "only {} white pixels", white.len());
    let (min_x, max_x) = (white.iter().map(|p| p.0).min().unwrap_or(0), white.iter().map(|p| p.0).max().unwrap_or(0));
    let (min_y, max_y) = (white.iter().map(|p| p.1).min().unwrap_or(0), white.iter().map(|p| p.1).max().unwrap_or(0));
    assert!(((min_x + max_x) as i64 / 2 - 640).abs() < 40, "x {min_x}..{max_x}");
    assert!(((min_y + max_y) as i64 / 2 - 360).abs() < 40, "y {min_y}..{max_y}");
    // Wrapped: inside the margins, and taller than two lines.
    assert!(min_x > 50 && max_x < 1230, "x {min_x}..{max_x}");
    assert!(max_y - min_y > 72 + 48 + 48, "y {min_y}..{max_y}");
    // Faded in: the first frame is black.
    assert!(gray_frame(&out, 0, None).iter().all(|v| *v <= 20));
}

#[test]
fn missing_font_error_names_the_path() {
    let err = Font::load(Path::new("/nowhere/Missing.ttf")).err().expect("error");
    assert!(matches!(err, RenderError::Font { .. }));
    let message = err.to_string();
    assert!(message.contains("/nowhere/Missing.ttf") && message.contains("fonts-dejavu-core"), "{message}");
}

#[test]
fn missing_source_error_names_the_path() {
    let dir = tempfile::tempdir().expect("tempdir");
    let err =
        render_shot(&spec(Path::new("/nowhere/x.mp4"), 0.0, 1.0, None), &Format::default(), &dir.path().join("o.mp4"))
            .expect_err("error");
    assert!(err.to_string().contains("/nowhere/x.mp4"), "{err}");
}

/// Paints a white square into each picture and records the frames it was given.
struct Square {
    calls: Vec<u64>,
}

impl reel::render::FrameFilter for Square {
    fn apply(&mut self, frame: u64, _time_s: f64, picture: &mut image::RgbImage) -> Result<(), String> {
        self.calls.push(frame);
        for y in 100..200 {
            for x in 100..200 {
                picture.put_pixel(x, y, image::Rgb([255, 255, 255]));
            }
        }
        (frame < 1000).then_some(()).ok_or_else(|| "too many frames".to_string())
    }
}

#[test]
fn a_filter_changes_every_new_picture_and_nothing_else() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clip = test_clip(dir.path(), "clip.mp4", "320x240", true);
    let (plain, filtered) = (dir.path().join("plain.mp4"), dir.path().join("filtered.mp4"));
    let format = Format { width: 320, height: 240, ..Format::default() };
    render_shot(&spec(&clip, 2.0, 1.0, None), &format, &plain).expect("plain render");
    let mut square = Square { calls: Vec::new() };
    let report =
        reel::render::render_filtered(&spec(&clip, 2.0, 1.0, None), &format, &filtered, Some(&mut square)).unwrap();
    assert_eq!(report.frames, 24);
    // 25 fps source into 24 fps: every output frame shows a new source frame, and each is filtered once.
    assert_eq!(square.calls, (0..24).collect::<Vec<u64>>());
    let (a, b) = (gray_frame(&plain, 5, None), gray_frame(&filtered, 5, None));
    let at = |frame: &[u8], x: usize, y: usize| frame[y * 320 + x];
    assert!(at(&b, 150, 150) > 230, "the square is painted: {}", at(&b, 150, 150));
    let outside: Vec<u8> = (0..240)
        .flat_map(|y| (0..320).map(move |x| (x, y)))
        .filter(|&(x, y)| !(90..210).contains(&x) || !(90..210).contains(&y))
        .map(|(x, y)| at(&a, x, y).abs_diff(at(&b, x, y)))
        .collect();
    let mean = outside.iter().map(|&d| f64::from(d)).sum::<f64>() / outside.len() as f64;
    assert!(mean < 2.0, "the rest of the picture is unchanged (mean difference {mean:.2})");
}
