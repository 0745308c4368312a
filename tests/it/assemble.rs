//! Tests of the assemble module. Fixtures are made with the ffmpeg CLI; results are checked with ffprobe, ffmpeg
//! and (for OTIO) the opentimelineio Python package in a venv under reel's cache, which the test sets up.

use std::path::{Path, PathBuf};
use std::process::Command;

use reel::assemble::{
    AssembleError, Chapter, Clip, Dialogue, FilmMeta, SourceRange, Timeline, join, write_edl, write_otio, write_srt,
    write_vtt,
};

/// Makes a `secs`-second segment: testsrc2 + a sine, libx264 yuv420p `-g 48 -bf 0`, AAC stereo.
fn segment(dir: &Path, name: &str, secs: f64, size: &str, rate: u32, freq: u32) -> PathBuf {
    let path = dir.join(name);
    let status = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-f", "lavfi", "-i"])
        .arg(format!("testsrc2=s={size}:r=24:d={secs}"))
        .args(["-f", "lavfi", "-i"])
        .arg(format!("sine=f={freq}:r={rate}:d={secs}"))
        .args(["-ac", "2", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", "48", "-bf", "0"])
        .args(["-c:a", "aac", "-ar", &rate.to_string(), "-shortest"])
        .arg(&path)
        .status()
        .expect("ffmpeg runs");
    assert!(status.success(), "ffmpeg made {name}");
    path
}

fn ffprobe(path: &Path) -> serde_json::Value {
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-print_format", "json", "-show_format", "-show_streams", "-show_chapters"])
        .args(["-count_frames"])
        .arg(path)
        .output()
        .expect("ffprobe runs");
    assert!(out.status.success(), "ffprobe: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn num(v: &serde_json::Value) -> f64 {
    v.as_str().map(|s| s.parse().unwrap()).or_else(|| v.as_f64()).unwrap_or_else(|| panic!("not a number: {v}"))
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<_> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

fn meta() -> FilmMeta {
    FilmMeta {
        title: "The Long Night".into(),
        comment: "Made with synthetic media.".into(),
        artist: "reel".into(),
        chapters: vec![
            Chapter { title: "Scene 1".into(), start_s: 0.0 },
            Chapter { title: "Scene 2".into(), start_s: 1.5 },
            Chapter { title: "Scene 3".into(), start_s: 2.5 },
        ],
    }
}

#[test]
fn joins_three_segments_continuously_with_tags_and_chapters() {
    let dir = tempfile::tempdir().unwrap();
    let segs = vec![
        segment(dir.path(), "a.mp4", 1.5, "320x240", 48000, 440),
        segment(dir.path(), "b.mp4", 1.0, "320x240", 48000, 660),
        segment(dir.path(), "c.mp4", 2.0, "320x240", 48000, 880),
    ];
    let out = dir.path().join("film.mp4");
    let report = join(&segs, &out, &meta()).unwrap();
    let frame = 1.0 / 24.0;

    // 36 + 24 + 48 frames, 4.5 s.
    assert_eq!(report.video_frames, 108);
    assert!((report.duration_s - 4.5).abs() < frame, "{report:?}");
    assert!((report.audio_samples as f64 / 48000.0 - 4.5).abs() < frame, "{report:?}");
    assert!(report.max_drift_s < frame, "{report:?}");

    let probe = ffprobe(&out);
    let format = &probe["format"];
    assert!((num(&format["duration"]) - 4.5).abs() < frame, "{format}");
    assert_eq!(format["tags"]["title"], "The Long Night");
    assert_eq!(format["tags"]["comment"], "Made with synthetic media.");
    assert_eq!(format["tags"]["artist"], "reel");
    assert_eq!(format["tags"]["description"], "Made with synthetic media.");
    let streams = probe["streams"].as_array().unwrap();
    let video = streams.iter().find(|s| s["codec_type"] == "video").unwrap();
    let audio = streams.iter().find(|s| s["codec_type"] == "audio").unwrap();
    assert_eq!(num(&video["nb_read_frames"]), 108.0);
    let (vd, ad) = (num(&video["duration"]), num(&audio["duration"]));
    assert!((vd - ad).abs() <= frame, "video {vd} s vs audio {ad} s");
    let chapters = probe["chapters"].as_array().unwrap();
    assert_eq!(chapters.len(), 3, "{chapters:?}");
    for (ch, (start, title)) in chapters.iter().zip([(0.0, "Scene 1"), (1.5, "Scene 2"), (2.5, "Scene 3")]) {
        assert!((num(&ch["start_time"]) - start).abs() < 0.002, "{ch}");
        assert_eq!(ch["tags"]["title"], title);
    }
    assert!((num(&chapters[2]["end_time"]) - 4.5).abs() < frame, "{:?}", chapters[2]);

    // Decodes cleanly end to end.
    let decode =
        Command::new("ffmpeg").args(["-v", "error", "-i"]).arg(&out).args(["-f", "null", "-"]).output().unwrap();
    assert!(decode.status.success() && decode.stderr.is_empty(), "{}", String::from_utf8_lossy(&decode.stderr));

    // moov before mdat (faststart), and no temp file left.
    let bytes = std::fs::read(&out).unwrap();
    let find = |tag: &[u8]| bytes.windows(4).position(|w| w == tag).unwrap();
    assert!(find(b"moov") < find(b"mdat"));
    assert_eq!(files_in(dir.path()), ["a.mp4", "b.mp4", "c.mp4", "film.mp4"]);
}

#[test]
fn refuses_mismatching_segments_and_names_them() {
    let dir = tempfile::tempdir().unwrap();
    let a = segment(dir.path(), "a.mp4", 1.0, "320x240", 48000, 440);
    let big = segment(dir.path(), "big.mp4", 1.0, "640x480", 48000, 440);
    let rate = segment(dir.path(), "rate.mp4", 1.0, "320x240", 44100, 440);
    let out = dir.path().join("film.mp4");

    let err = join(&[a.clone(), big.clone()], &out, &meta()).unwrap_err();
    assert!(matches!(&err, AssembleError::Mismatch { path, .. } if *path == big), "{err}");
    let msg = err.to_string();
    assert!(msg.contains("big.mp4") && msg.contains("size 640x480 != 320x240"), "{msg}");

    let err = join(&[a.clone(), rate.clone()], &out, &meta()).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("rate.mp4") && msg.contains("sample rate 44100 != 48000"), "{msg}");

    let err = join(&[a, dir.path().join("missing.mp4")], &out, &meta()).unwrap_err();
    assert!(err.to_string().contains("missing.mp4"), "{err}");
    assert!(matches!(join(&[], &out, &meta()), Err(AssembleError::NoSegments { .. })));

    assert_eq!(files_in(dir.path()), ["a.mp4", "big.mp4", "rate.mp4"]);
}

/// A title card (2 s), shot 1A (3 s, source at 24 fps) and shot 1B (2.5 s, source at 30 fps from frame 12), whose
/// lines overlap by 0.2 s.
fn small_timeline() -> Timeline {
    Timeline {
        title: "The Long Night".into(),
        fps_num: 24,
        fps_den: 1,
        clips: vec![
            Clip { name: "TITLE".into(), scene: 0, record_start_frame: 0, frames: 48, source: None, dialogue: None },
            Clip {
                name: "1A".into(),
                scene: 1,
                record_start_frame: 48,
                frames: 72,
                source: Some(SourceRange {
                    path: "/films/night/shots/1A.mp4".into(),
                    start_frame: 0,
                    fps: 24.0,
                    reel_name: "1A".into(),
                }),
                dialogue: Some(Dialogue {
                    character: "MARA".into(),
                    text: "Where were you?".into(),
                    start_s: 2.5,
                    end_s: 4.0,
                    voice_path: Some("/films/night/voices/1A.wav".into()),
                }),
            },
            Clip {
                name: "1B".into(),
                scene: 1,
                record_start_frame: 120,
                frames: 60,
                source: Some(SourceRange {
                    path: "/films/night/shots/1B take 2.mp4".into(),
                    start_frame: 12,
                    fps: 30.0,
                    reel_name: "SHOT_1B_LONG".into(),
                }),
                dialogue: Some(Dialogue {
                    character: "JON".into(),
                    text: "Out.\n\nLooking for you & the <dog>.".into(),
                    start_s: 3.8,
                    end_s: 6.0,
                    voice_path: Some("/films/night/voices/1B.wav".into()),
                }),
            },
        ],
    }
}

const SRT: &str = "1
00:00:02,500 --> 00:00:03,800
Where were you?

2
00:00:03,800 --> 00:00:06,000
Out.
Looking for you & the <dog>.

";

const VTT: &str = "WEBVTT

00:00:02.500 --> 00:00:03.800
<v MARA>Where were you?

00:00:03.800 --> 00:00:06.000
<v JON>Out.
Looking for you &amp; the &lt;dog&gt;.

";

/// ffmpeg reads `text` as a subtitle file without complaint and finds `cues` events.
fn ffmpeg_reads_subtitles(name: &str, text: &str, cues: usize) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    let out = Command::new("ffprobe").args(["-v", "error", "-show_packets", "-of", "csv"]).arg(&path).output().unwrap();
    assert!(out.status.success() && out.stderr.is_empty(), "{name}: {}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), cues, "{name}");
    let decode = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(&path)
        .args(["-f", "webvtt", "-y", "/dev/null"])
        .output();
    let decode = decode.unwrap();
    assert!(decode.status.success() && decode.stderr.is_empty(), "{}", String::from_utf8_lossy(&decode.stderr));
}

#[test]
fn subtitles_are_ordered_non_overlapping_and_readable() {
    let timeline = small_timeline();
    // MARA's line ends at 4.0 s but JON starts at 3.8 s: her cue is cut to 3.8 s. The blank line in JON's text is
    // dropped (it would end the cue).
    assert_eq!(write_srt(&timeline), SRT);
    assert_eq!(write_vtt(&timeline), VTT);
    ffmpeg_reads_subtitles("film.srt", &write_srt(&timeline), 2);
    ffmpeg_reads_subtitles("film.vtt", &write_vtt(&timeline), 2);

    // Out-of-order input comes out ordered; a cue starting with the previous one keeps 1 ms.
    let mut t = timeline.clone();
    t.clips.reverse();
    assert_eq!(write_srt(&t), SRT);
    let d = t.clips[0].dialogue.as_mut().unwrap();
    d.start_s = 2.5;
    let srt = write_srt(&t);
    assert!(srt.contains("00:00:02,500 --> 00:00:02,501\nWhere"), "{srt}");
    assert!(srt.contains("00:00:02,501 --> 00:00:06,000\nOut."), "{srt}");
}

#[test]
fn edl_golden() {
    // Record timecodes at 24 fps from 00:00:00:00:
    //   TITLE  frames   0.. 48 -> 00:00:00:00..00:00:02:00 (black; source 0..48 at 24)
    //   1A     frames  48..120 -> 00:00:02:00..00:00:05:00; source 0..72 at 24 -> 00:00:00:00..00:00:03:00
    //   1B     frames 120..180 -> 00:00:05:00..00:00:07:12; 60 frames = 2.5 s = 75 frames at 30, so source
    //          12..87 -> 00:00:00:12..00:00:02:27; reel SHOT_1B_LONG cut to 8 characters
    // Voices (A channel, reel AX), film frames at 24:
    //   1A.wav 2.5 s..4.0 s -> 60..96  -> 00:00:02:12..00:00:04:00, length 36 = 00:00:01:12
    //   1B.wav 3.8 s..6.0 s -> 91..144 -> 00:00:03:19..00:00:06:00, length 53 = 00:00:02:05
    let want = "TITLE: The Long Night
FCM: NON-DROP FRAME

001  BL       V     C        00:00:00:00 00:00:02:00 00:00:00:00 00:00:02:00
* FROM CLIP NAME: TITLE

002  1A       V     C        00:00:00:00 00:00:03:00 00:00:02:00 00:00:05:00
* FROM CLIP NAME: 1A.mp4

003  SHOT_1B_ V     C        00:00:00:12 00:00:02:27 00:00:05:00 00:00:07:12
* FROM CLIP NAME: 1B take 2.mp4

004  AX       A     C        00:00:00:00 00:00:01:12 00:00:02:12 00:00:04:00
* FROM CLIP NAME: 1A.wav

005  AX       A     C        00:00:00:00 00:00:02:05 00:00:03:19 00:00:06:00
* FROM CLIP NAME: 1B.wav

";
    assert_eq!(write_edl(&small_timeline()), want);
}

#[test]
fn otio_loads_in_opentimelineio() {
    let value = write_otio(&small_timeline());
    assert_eq!(value["OTIO_SCHEMA"], "Timeline.1");
    let video = &value["tracks"]["children"][0]["children"];
    assert_eq!(video[0]["OTIO_SCHEMA"], "Gap.1");
    assert_eq!(
        video[2]["media_references"]["DEFAULT_MEDIA"]["target_url"],
        "file:///films/night/shots/1B%20take%202.mp4"
    );

    let Some(python) = otio_python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("film.otio");
    std::fs::write(&path, serde_json::to_string_pretty(&value).unwrap()).unwrap();
    let script = "import sys, opentimelineio as otio
t = otio.adapters.read_from_file(sys.argv[1])
print(len(list(t.find_clips())), len(t.video_tracks()), len(t.audio_tracks()), t.duration().to_seconds(),
      [round(c.range_in_parent().start_time.to_seconds(), 3) for c in t.find_clips()])";
    let out = Command::new(&python).args(["-c", script]).arg(&path).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // 2 shots + 2 voices (the voices overlap, so two audio tracks); 2 + 3 + 2.5 = 7.5 s.
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "4 1 2 7.5 [2.0, 5.0, 2.5, 3.792]");
}

/// OpenTimelineIO's Python package, in a venv this test sets up once under reel's cache (pip from PyPI); `None`, with
/// the reason, when it cannot be had (no network on first use, no venv module).
fn otio_python() -> Option<PathBuf> {
    const PIN: &str = "opentimelineio==0.18.1";
    let venv = reel::cache::dir()?.join("otio-venv");
    let python = venv.join("bin/python");
    let ready =
        |python: &Path| Command::new(python).args(["-c", "import opentimelineio"]).status().is_ok_and(|s| s.success());
    if ready(&python) {
        return Some(python);
    }
    let made = Command::new("python3").arg("-m").arg("venv").arg(&venv).status().is_ok_and(|s| s.success())
        && Command::new(&python).args(["-m", "pip", "install", "--quiet", PIN]).status().is_ok_and(|s| s.success());
    if made && ready(&python) {
        Some(python)
    } else {
        eprintln!("skipped: cannot set up {PIN} in {} (python3 -m venv, pip from PyPI)", venv.display());
        None
    }
}
