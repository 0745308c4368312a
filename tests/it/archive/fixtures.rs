//! Fixtures for the archive tests: clips generated with the ffmpeg CLI, and footage from the shared data folder.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// Runs the ffmpeg CLI with `args` (quiet, overwrite) and panics with its stderr if it fails.
pub fn ffmpeg(args: &[&str]) {
    let output = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-y"])
        .args(args)
        .output()
        .expect("ffmpeg CLI runs");
    assert!(output.status.success(), "ffmpeg {args:?} failed:\n{}", String::from_utf8_lossy(&output.stderr));
}

/// A folder shared by all tests of this run (fixtures are expensive to encode), emptied at the first use. It lives
/// under Cargo's target temp dir rather than a `TempDir`, which a `static` would never drop.
pub fn fixture_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("analysis-fixtures");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create fixture dir");
        dir
    })
}

/// One segment of the cut fixture: a lavfi source (already sized and rated) lasting `frames` frames.
pub struct Segment {
    pub source: &'static str,
    pub frames: u64,
}

/// The segments of the cut fixture, 320×240 at 25 fps. Cuts are at each segment start except the fade pair
/// (testsrc2 fading out, 10 black frames, mandelbrot fading in), whose boundary is the middle of the black frames.
pub const SEGMENTS: &[Segment] = &[
    Segment { source: "testsrc2=size=320x240:rate=25", frames: 40 },
    Segment { source: "smptebars=size=320x240:rate=25", frames: 30 },
    Segment { source: "mandelbrot=size=320x240:rate=25", frames: 35 },
    Segment { source: "color=c=darkred:size=320x240:rate=25", frames: 30 },
    Segment { source: "color=c=0x336699:size=320x240:rate=25,noise=alls=30:allf=t", frames: 30 },
    Segment { source: "rgbtestsrc=size=320x240:rate=25", frames: 30 },
    Segment { source: "testsrc2=size=320x240:rate=25,fade=t=out:st=0.8:d=0.4", frames: 30 },
    Segment { source: "color=c=black:size=320x240:rate=25", frames: 10 },
    Segment { source: "mandelbrot=size=320x240:rate=25,fade=t=in:st=0:d=0.4", frames: 35 },
];

/// Boundaries of the cut fixture: (frame, is_fade).
pub fn expected_boundaries() -> Vec<(u64, bool)> {
    let mut boundaries = Vec::new();
    let mut start = 0;
    for (i, segment) in SEGMENTS.iter().enumerate() {
        match i {
            0 => {}
            7 => boundaries.push((start + segment.frames / 2, true)), // the black run
            8 => {}
            _ => boundaries.push((start, false)),
        }
        start += segment.frames;
    }
    boundaries
}

pub fn total_frames() -> u64 {
    SEGMENTS.iter().map(|s| s.frames).sum()
}

/// Encodes the segments (plus a 440 Hz tone) into `name` with `extra` output options, once per run.
fn encode_cuts(name: &str, extra: &[&str]) -> PathBuf {
    let path = fixture_dir().join(name);
    let mut args: Vec<String> = Vec::new();
    for segment in SEGMENTS {
        let source = format!("{},trim=end_frame={}", segment.source, segment.frames);
        args.extend(["-f".into(), "lavfi".into(), "-i".into(), source]);
    }
    let n = SEGMENTS.len();
    let inputs: String = (0..n).map(|i| format!("[{i}:v]setsar=1,format=yuv420p[v{i}];")).collect();
    let concat: String = (0..n).map(|i| format!("[v{i}]")).collect();
    let seconds = total_frames() as f64 / 25.0;
    args.extend([
        "-f".into(),
        "lavfi".into(),
        "-i".into(),
        format!("sine=f=440:sample_rate=48000:d={seconds}"),
        "-filter_complex".into(),
        format!("{inputs}{concat}concat=n={n}:v=1:a=0[v]"),
        "-map".into(),
        "[v]".into(),
        "-map".into(),
        format!("{n}:a"),
        "-c:v".into(),
        "libx264".into(),
        "-preset".into(),
        "veryfast".into(),
        "-g".into(),
        "50".into(),
        "-c:a".into(),
        "aac".into(),
    ]);
    args.extend(extra.iter().map(|s| s.to_string()));
    args.push(path.to_string_lossy().into_owned());
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    ffmpeg(&refs);
    path
}

/// The cut fixture as H.264 in MP4 with the index at the front (so half a file still has it).
pub fn cuts_mp4() -> &'static Path {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| encode_cuts("cuts.mp4", &["-movflags", "+faststart"]))
}

/// The cut fixture with a fixed I/P/B pattern (x264 scene-cut detection off, three B-frames between references), so
/// that cuts fall on B-frames, which a coarse scan skips.
pub fn cuts_on_b_frames() -> &'static Path {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| encode_cuts("cuts-bframes.mp4", &["-x264-params", "scenecut=0:b-adapt=0:bframes=3"]))
}

/// The cut fixture in Matroska, whose header states the duration but whose index sits at the end.
pub fn cuts_mkv() -> &'static Path {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| encode_cuts("cuts.mkv", &[]))
}

/// The cut fixture in MPEG-TS, which a demuxer can resynchronise after damage.
pub fn cuts_ts() -> &'static Path {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| encode_cuts("cuts.ts", &[]))
}

/// A copy of `source` with `len` bytes of garbage written over it at its middle.
pub fn corrupted_copy(source: &Path, name: &str, len: usize) -> PathBuf {
    let mut bytes = std::fs::read(source).expect("fixture readable");
    let middle = bytes.len() / 2;
    let end = (middle + len).min(bytes.len());
    // A fixed pseudo-random pattern, so the damage is the same on every run.
    let mut state = 0x2545_f491_u32;
    for byte in &mut bytes[middle..end] {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        *byte = state as u8;
    }
    let path = fixture_dir().join(name);
    std::fs::write(&path, bytes).expect("write corrupted copy");
    path
}

/// Writes the first half of `source` to `name`.
pub fn truncated_copy(source: &Path, name: &str) -> PathBuf {
    let bytes = std::fs::read(source).expect("fixture readable");
    let path = fixture_dir().join(name);
    std::fs::write(&path, &bytes[..bytes.len() / 2]).expect("write truncated copy");
    path
}

/// `footage/<name>` from the shared data, or `None` (with a note saying why) when it is missing.
pub fn footage(name: &str) -> Option<PathBuf> {
    let path = crate::common::shared_data()?.join("footage").join(name);
    if path.is_file() {
        Some(path)
    } else {
        println!("skipping: {} not found (set REEL_SHARED_DATA to the shared data folder)", path.display());
        None
    }
}
