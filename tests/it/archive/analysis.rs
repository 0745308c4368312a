//! Footage analysis against generated fixtures, real archival footage and bad input.

use std::path::Path;

use reel::archive::analysis::{
    self, AnalysisError, AnalysisOptions, BoundaryKind, Observer, RgbFrame, Shot, StreamKind, SubtitleKind, Warning,
};

use super::fixtures::{self as common, ffmpeg, fixture_dir};

fn analyze(path: &Path) -> analysis::Analysis {
    analyze_with(path, &AnalysisOptions::default())
}

fn analyze_with(path: &Path, options: &AnalysisOptions) -> analysis::Analysis {
    let thumbs = fixture_dir().join("thumbs");
    analysis::analyze(path, options, &thumbs).unwrap_or_else(|e| panic!("analysis of {} failed: {e}", path.display()))
}

/// Decoding every frame instead of the default coarse scan (reference frames, then refinement around cuts).
fn full_decode() -> AnalysisOptions {
    let mut options = AnalysisOptions::default();
    options.decode.skip_bidir = false;
    options
}

fn boundaries(analysis: &analysis::Analysis) -> Vec<(u64, BoundaryKind)> {
    analysis.shots.iter().skip(1).map(|s| (s.shot.start_frame, s.shot.boundary_kind)).collect()
}

/// Every expected boundary found within ±1 frame with the right kind, and nothing else.
fn assert_boundaries(found: &[(u64, BoundaryKind)], expected: &[(u64, bool)]) {
    assert_eq!(found.len(), expected.len(), "found {found:?}, expected {expected:?}");
    for (&(frame, kind), &(want, fade)) in found.iter().zip(expected) {
        assert!(frame.abs_diff(want) <= 1, "boundary at {frame}, expected {want}: {found:?}");
        let want_kind = if fade { BoundaryKind::Fade } else { BoundaryKind::Cut };
        assert_eq!(kind, want_kind, "boundary at {frame}");
    }
}

#[test]
fn every_cut_and_fade_of_the_fixture_is_found_and_nothing_else() {
    check_fixture_shots(&AnalysisOptions::default());
}

#[test]
fn full_decode_finds_the_same_shots() {
    check_fixture_shots(&full_decode());
}

#[test]
fn coarse_scan_refines_cuts_that_fall_on_skipped_b_frames() {
    let path = common::cuts_on_b_frames();
    let options = AnalysisOptions::default();
    let probe = analysis::probe(path).expect("probe");
    let (coarse, pass) = analysis::scan(path, &probe, &options, &mut analysis::Quiet).expect("coarse scan");
    assert!(pass.frames.len() * 3 < common::total_frames() as usize, "coarse scan decoded {}", pass.frames.len());
    let (full, _) = analysis::scan(path, &probe, &full_decode(), &mut analysis::Quiet).expect("full scan");
    let starts = |shots: &[Shot]| shots.iter().map(|s| (s.start_frame, s.boundary_kind)).collect::<Vec<_>>();
    // After refinement the coarse scan puts every boundary on exactly the frame a full decode does.
    assert_eq!(starts(&coarse), starts(&full));
    assert_boundaries(&starts(&full)[1..], &common::expected_boundaries());
}

/// Containers without real timestamps on every frame (a raw H.264 stream has none; AVI's reference frames have none
/// and its frames start at 1) still get exact frame numbers: the scan falls back to decoding every frame.
#[test]
fn streams_without_timestamps_are_cut_exactly() {
    let source = common::cuts_mp4().to_str().expect("utf-8");
    let raw = fixture_dir().join("cuts.h264");
    let avi = fixture_dir().join("cuts.avi");
    ffmpeg(&["-i", source, "-an", "-c:v", "copy", "-bsf:v", "h264_mp4toannexb", raw.to_str().expect("utf-8")]);
    ffmpeg(&["-i", source, "-an", "-c:v", "mpeg4", "-bf", "2", "-q:v", "4", avi.to_str().expect("utf-8")]);
    for path in [raw, avi] {
        for options in [AnalysisOptions::default(), full_decode()] {
            let analysis = analyze_with(&path, &options);
            assert_boundaries(&boundaries(&analysis), &common::expected_boundaries());
            assert_eq!(analysis.shots[0].shot.start_frame, 0, "{}", path.display());
            assert_eq!(decoded(&analysis), common::total_frames(), "{}", path.display());
            assert!(analysis.shots.iter().all(|s| s.thumbnail.is_some()));
        }
    }
}

fn check_fixture_shots(options: &AnalysisOptions) {
    let analysis = analyze_with(common::cuts_mp4(), options);
    assert_boundaries(&boundaries(&analysis), &common::expected_boundaries());
    assert!(analysis.warnings.is_empty(), "{:?}", analysis.warnings);

    let shots: Vec<&Shot> = analysis.shots.iter().map(|s| &s.shot).collect();
    assert_eq!(shots[0].boundary_kind, BoundaryKind::Start);
    assert_eq!(shots[0].start_frame, 0);
    assert_eq!(shots.last().map(|s| s.end_frame), Some(common::total_frames()));
    let end_s = shots.last().map_or(0.0, |s| s.end_s);
    assert!((end_s - common::total_frames() as f64 / 25.0).abs() < 1e-6, "film ends at {end_s}s");
    for pair in shots.windows(2) {
        assert_eq!(pair[0].end_frame, pair[1].start_frame);
        assert!((pair[0].end_s - pair[1].start_s).abs() < 1e-9);
        assert!((pair[1].start_s - pair[1].start_frame as f64 / 25.0).abs() < 1e-6, "{:?}", pair[1]);
    }
}

#[test]
fn features_tell_motion_colour_and_black_apart() {
    let analysis = analyze(common::cuts_mp4());
    let shot = |i: usize| &analysis.shots[i].features;
    let (testsrc, static_red, noise) = (shot(0), shot(3), shot(4));
    assert!(testsrc.motion > 10.0 * static_red.motion.max(0.01), "{} vs {}", testsrc.motion, static_red.motion);
    assert!(noise.motion > static_red.motion);
    assert_eq!(testsrc.frame_count, 40);
    assert!(static_red.contrast < 3.0, "{}", static_red.contrast);
    assert!(testsrc.contrast > 30.0, "{}", testsrc.contrast);
    // Dark red: hue bin 0 holds nearly all the saturation; its dominant colour is red.
    let total: f32 = static_red.hue_histogram.iter().sum();
    assert!(static_red.hue_histogram[0] > 0.9 * total && total > 0.5, "{:?}", static_red.hue_histogram);
    let [r, g, b] = static_red.dominant_colours[0];
    assert!(r > 100 && g < 40 && b < 40, "{:?}", static_red.dominant_colours);

    for info in &analysis.shots {
        let path = info.thumbnail.as_ref().expect("every shot has a thumbnail");
        let picture = image::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!((picture.width(), picture.height()), (320, 240));
        assert!(info.loudness_lufs.is_some_and(|l| (-30.0..-3.0).contains(&l)), "{:?}", info.loudness_lufs);
    }
}

#[test]
fn a_black_clip_is_dark_and_flat() {
    let path = fixture_dir().join("black.mp4");
    ffmpeg(
        &["-f", "lavfi", "-i", "color=c=black:size=320x240:rate=25:d=1", "-c:v", "libx264", "-pix_fmt", "yuv420p"]
            .iter()
            .copied()
            .chain([path.to_str().expect("utf-8 temp path")])
            .collect::<Vec<_>>(),
    );
    let analysis = analyze(&path);
    assert_eq!(analysis.shots.len(), 1);
    let features = &analysis.shots[0].features;
    assert!(features.luma_mean < 2.0 || (features.luma_mean - 16.0).abs() < 2.0, "{}", features.luma_mean);
    assert!(features.contrast < 2.0, "{}", features.contrast);
    assert!(!analysis.probe.has_audio);
    assert_eq!(analysis.shots[0].loudness_lufs, None);
}

#[test]
fn probe_reports_streams_and_subtitle_kinds() {
    let path = fixture_dir().join("with-subs.mkv");
    let srt = fixture_dir().join("subs.srt");
    std::fs::write(&srt, "1\n00:00:00,000 --> 00:00:01,000\nHello.\n").expect("write srt");
    ffmpeg(&[
        "-i",
        common::cuts_mp4().to_str().expect("utf-8"),
        "-i",
        srt.to_str().expect("utf-8"),
        "-map",
        "0",
        "-map",
        "1",
        "-c",
        "copy",
        "-c:s",
        "srt",
        path.to_str().expect("utf-8"),
    ]);
    let probe = analysis::probe(&path).expect("probe");
    let kinds: Vec<(StreamKind, &str)> = probe.streams.iter().map(|s| (s.kind, s.codec.as_str())).collect();
    assert_eq!(
        kinds,
        [(StreamKind::Video, "h264"), (StreamKind::Audio, "aac"), (StreamKind::Subtitle(SubtitleKind::Text), "subrip")]
    );
    assert!(probe.has_audio);
    assert_eq!((probe.width, probe.height, probe.fps), (320, 240, 25.0));
    assert_eq!(probe.content_hash, blake3::hash(&std::fs::read(&path).expect("read")).to_hex().to_string());
}

/// Counts progress calls and keyframes, as a CLI bar and the face detector would.
#[derive(Default)]
struct Recorder {
    progress: Vec<(u64, u64)>,
    keyframes: Vec<(usize, u64, usize)>,
}

impl Observer for Recorder {
    fn progress(&mut self, done: u64, total: u64) {
        self.progress.push((done, total));
    }
    fn keyframe(&mut self, index: usize, shot: &Shot, picture: &RgbFrame) {
        self.keyframes.push((index, shot.start_frame, picture.width));
    }
}

#[test]
fn chaplin_is_one_continuous_shot() {
    let Some(path) = common::footage("chaplin.mp4") else { return };
    let mut recorder = Recorder::default();
    let thumbs = fixture_dir().join("chaplin-thumbs");
    let analysis =
        analysis::analyze_with(&path, &AnalysisOptions::default(), &thumbs, &mut recorder).expect("chaplin analyses");
    let probe = &analysis.probe;
    assert_eq!((probe.width, probe.height, probe.fps, probe.frame_count), (640, 360, 25.0, 241));
    assert!((probe.duration_s - 9.64).abs() < 0.01, "{}", probe.duration_s);
    assert!(probe.has_audio);
    assert_eq!(probe.streams.iter().map(|s| s.codec.as_str()).collect::<Vec<_>>(), ["h264", "mp3"]);

    // Checked by eye on a 2 fps contact sheet: one static-camera take in a park, no cut, no fade (ffmpeg's own
    // scene score never exceeds 0.07 on it).
    let shots: Vec<(u64, u64, BoundaryKind)> =
        analysis.shots.iter().map(|s| (s.shot.start_frame, s.shot.end_frame, s.shot.boundary_kind)).collect();
    assert_eq!(shots, [(0, 241, BoundaryKind::Start)]);
    assert!(analysis.warnings.is_empty(), "{:?}", analysis.warnings);
    let shot = &analysis.shots[0];
    assert!(shot.keyframe.abs_diff(120) <= 2, "keyframe {}", shot.keyframe);
    assert!(shot.loudness_lufs.is_some_and(|l| (-60.0..0.0).contains(&l)), "{:?}", shot.loudness_lufs);
    assert!(shot.features.hue_histogram.iter().sum::<f32>() < 0.05, "black-and-white film has little saturation");

    assert_eq!(recorder.progress.last(), Some(&(241, 241)));
    assert_eq!(recorder.keyframes, [(0, 0, 320)]);
}

/// Chaplin re-edited: frames 150..241, then a jump cut back to 0..100 (same set, same camera, the actors moved), then
/// frames 60..140 mirrored. Black-and-white footage with grain: the cuts must still be found, on the exact frame.
#[test]
fn chaplin_re_edited_with_a_jump_cut_is_cut_exactly() {
    let Some(source) = common::footage("chaplin.mp4") else { return };
    let path = fixture_dir().join("chaplin-jump.mp4");
    let graph = "[0:v]trim=start_frame=150:end_frame=241,setpts=PTS-STARTPTS[a];\
                 [0:v]trim=start_frame=0:end_frame=100,setpts=PTS-STARTPTS[b];\
                 [0:v]trim=start_frame=60:end_frame=140,setpts=PTS-STARTPTS,hflip[c];\
                 [a][b][c]concat=n=3:v=1:a=0[v]";
    let (source, target) = (source.to_str().expect("utf-8"), path.to_str().expect("utf-8"));
    ffmpeg(&["-i", source, "-filter_complex", graph, "-map", "[v]", "-c:v", "libx264", "-preset", "veryfast", target]);
    for options in [AnalysisOptions::default(), full_decode()] {
        let analysis = analyze_with(&path, &options);
        assert_eq!(boundaries(&analysis), [(91, BoundaryKind::Cut), (191, BoundaryKind::Cut)]);
        assert_eq!(decoded(&analysis), 271);
    }
}

fn assert_names(error: &AnalysisError, path: &Path) {
    let message = error.to_string();
    assert!(message.contains(&path.display().to_string()), "{message}");
}

#[test]
fn bad_files_fail_with_a_message_naming_them() {
    let empty = fixture_dir().join("empty.mp4");
    std::fs::write(&empty, b"").expect("write");
    let error = analysis::probe(&empty).expect_err("empty file");
    assert!(matches!(error, AnalysisError::Empty { .. }), "{error}");
    assert_names(&error, &empty);

    let text = fixture_dir().join("notes.mp4");
    std::fs::write(&text, "INT. ARCHIVE - NIGHT\nReels everywhere.\n".repeat(50)).expect("write");
    let error = analysis::analyze(&text, &AnalysisOptions::default(), fixture_dir()).expect_err("text file");
    assert!(matches!(error, AnalysisError::NotMedia { .. }), "{error}");
    assert_names(&error, &text);

    let sound = fixture_dir().join("tone.wav");
    ffmpeg(&["-f", "lavfi", "-i", "sine=d=0.5", sound.to_str().expect("utf-8")]);
    let error = analysis::probe(&sound).expect_err("audio only");
    assert!(matches!(error, AnalysisError::NoVideo { .. }), "{error}");
    assert_names(&error, &sound);

    let missing = fixture_dir().join("missing.mp4");
    assert_names(&analysis::probe(&missing).expect_err("missing file"), &missing);
}

/// Half a file: the shots before the damage survive (the last one ends early) and a warning says so (the
/// container promised more frames than could be read).
fn check_truncated(source: &Path, name: &str) {
    let path = common::truncated_copy(source, name);
    let analysis = analyze(&path);
    let expected: Vec<(u64, bool)> =
        common::expected_boundaries().into_iter().filter(|&(frame, _)| frame + 5 < decoded(&analysis)).collect();
    assert!(expected.len() >= 3, "half the fixture holds at least three cuts, got {expected:?}");
    assert_boundaries(&boundaries(&analysis), &expected);
    assert!(
        analysis.warnings.iter().any(|w| matches!(
            w,
            Warning::Truncated { .. }
                | Warning::ReadError { .. }
                | Warning::CorruptFrames { .. }
                | Warning::SkippedPackets { .. }
        )),
        "{name}: {:?}",
        analysis.warnings
    );
}

fn decoded(analysis: &analysis::Analysis) -> u64 {
    analysis.shots.last().map_or(0, |s| s.shot.end_frame)
}

#[test]
fn truncated_mp4_keeps_shots_before_the_damage() {
    check_truncated(common::cuts_mp4(), "half.mp4");
}

#[test]
fn truncated_mkv_keeps_shots_before_the_damage() {
    check_truncated(common::cuts_mkv(), "half.mkv");
}

#[test]
fn garbage_in_the_middle_is_reported_and_the_rest_still_analysed() {
    let path = common::corrupted_copy(common::cuts_ts(), "damaged.ts", 20_000);
    for options in [AnalysisOptions::default(), full_decode()] {
        check_damaged(&path, &options);
    }
}

fn check_damaged(path: &Path, options: &AnalysisOptions) {
    let analysis = analyze_with(path, options);
    assert!(!analysis.warnings.is_empty(), "damage must be reported");
    // Shots on both sides of the damage survive: the film is read to its end.
    assert!(decoded(&analysis) + 5 >= common::total_frames(), "read to frame {}", decoded(&analysis));
    let found = boundaries(&analysis);
    for (frame, _) in common::expected_boundaries() {
        let hit = found.iter().any(|&(f, _)| f.abs_diff(frame) <= 1);
        let near_damage = (frame as f64 / common::total_frames() as f64 - 0.5).abs() < 0.15;
        assert!(hit || near_damage, "boundary {frame} lost: {found:?} ({:?})", analysis.warnings);
    }
}
